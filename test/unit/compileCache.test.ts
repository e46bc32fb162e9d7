import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/*
 * The CLI's compile cache, run as the CLI runs it: a fresh Node process whose entry script installs
 * the cache and then requires modules.
 */
describe("unit: the compile cache (cli/compileCache.ts)", () => {
    let dir: string;
    let cacheDir: string;
    const install = path.resolve(__dirname, "..", "..", "cli", "compileCache.js");

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "compile-cache-"));
        cacheDir = path.join(dir, "cache");
        fs.writeFileSync(path.join(dir, "main.js"), `require(${JSON.stringify(install)}).installCompileCache(process.argv[2]);\nconsole.log(JSON.stringify(require("./lib.js")()));\n`);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = (command = "plan", env: NodeJS.ProcessEnv = {}) => {
        const r = spawnSync(process.execPath, [path.join(dir, "main.js"), command], { encoding: "utf8", env: { ...process.env, V8_COMPILE_CACHE_CACHE_DIR: cacheDir, DISABLE_V8_COMPILE_CACHE: "", ...env } });
        assert.strictEqual(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as unknown;
    };
    const cacheFiles = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).sort() : []);
    const lib = (body: string) => fs.writeFileSync(path.join(dir, "lib.js"), `module.exports = function () { ${body} };\n`);

    it("a module edited without changing its length runs as edited (V8 alone would serve the old code)", () => {
        lib("return 'one';");
        assert.strictEqual(run(), "one");
        assert.ok(cacheFiles().some((f) => f.endsWith(".BLOB")), "the first run writes the cache");
        assert.strictEqual(run(), "one");
        lib("return 'two';");
        assert.strictEqual(run(), "two");
        assert.strictEqual(run(), "two");
    });

    it("a run whose modules are all cached leaves the cache file as it was; a new module adds to it", () => {
        lib("return 1;");
        run();
        const blob = path.join(cacheDir, cacheFiles().find((f) => f.endsWith(".BLOB"))!);
        const before = fs.statSync(blob);
        run();
        const after = fs.statSync(blob);
        assert.strictEqual(after.mtimeMs, before.mtimeMs, "not rewritten");
        assert.strictEqual(after.ino, before.ino, "not replaced");
        fs.writeFileSync(path.join(dir, "other.js"), "module.exports = 2;\n");
        lib("return require('./other.js') + 1;");
        assert.strictEqual(run(), 3);
        const map = JSON.parse(fs.readFileSync(blob.replace(/BLOB$/, "MAP"), "utf8")) as Record<string, unknown>;
        assert.deepStrictEqual(Object.keys(map).map((f) => path.basename(f)).sort(), ["lib.js", "other.js"]);
    });

    it("one cache file per command, none when DISABLE_V8_COMPILE_CACHE is set, and modules with a #! line load", () => {
        lib("return require('./tool.js');");
        fs.writeFileSync(path.join(dir, "tool.js"), "#!/usr/bin/env node\nmodule.exports = 'tool';\n");
        assert.strictEqual(run("plan"), "tool");
        assert.strictEqual(run("check"), "tool");
        assert.strictEqual(cacheFiles().filter((f) => f.endsWith(".BLOB")).length, 2);
        fs.rmSync(cacheDir, { recursive: true, force: true });
        assert.strictEqual(run("plan", { DISABLE_V8_COMPILE_CACHE: "1" }), "tool");
        assert.deepStrictEqual(cacheFiles(), []);
    });

    it("a damaged cache file is ignored and replaced", () => {
        lib("return 'ok';");
        run();
        for (const f of cacheFiles()) fs.writeFileSync(path.join(cacheDir, f), "not a cache");
        assert.strictEqual(run(), "ok");
        assert.strictEqual(run(), "ok");
    });
});
