import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { CODE_PATHS_EXPORTS } from "../../plan/deferredModules";

/*
 * The offline plan's stand-ins for what the SDK loads only to serialise functions: they must not
 * load TypeScript or Arborist when the SDK loads, and must behave as the real modules when used.
 * Each case runs in a fresh Node process, with an empty require cache, as the CLI does.
 */
describe("unit: modules the offline plan loads on first use (plan/deferredModules.ts)", () => {
    const deferred = path.resolve(__dirname, "..", "..", "plan", "deferredModules.js");
    const run = (body: string) => {
        const script = `const loaded = (m) => Object.keys(require.cache).some((f) => f.includes(m));
require(${JSON.stringify(deferred)}).deferFunctionSerialisation();
const pulumi = require("@pulumi/pulumi");
(async () => { ${body} })().then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
        const r = spawnSync(process.execPath, ["-e", script], { cwd: path.resolve(__dirname, "..", ".."), encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as Record<string, unknown>;
    };

    it("the stand-in for codePaths exports what the installed SDK's codePaths exports, all functions", () => {
        const real = require(path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "runtime", "closure", "codePaths.js")) as Record<string, unknown>;
        assert.deepStrictEqual(Object.keys(real).filter((k) => k !== "__esModule").sort(), [...CODE_PATHS_EXPORTS].sort());
        for (const name of CODE_PATHS_EXPORTS) assert.strictEqual(typeof real[name], "function", name);
    });

    it("loading the SDK loads neither TypeScript nor Arborist", () => {
        const r = run(`return { typescript: loaded("/node_modules/typescript/"), arborist: loaded("/@npmcli/arborist/"), runtime: typeof pulumi.runtime.serializeFunction };`);
        assert.deepStrictEqual(r, { typescript: false, arborist: false, runtime: "function" });
    });

    it("serialising a function loads TypeScript and works as it does without the stand-in", () => {
        const r = run(`const f = await pulumi.runtime.serializeFunction(() => 40 + 2);
return { typescript: loaded("/node_modules/typescript/"), text: f.text.includes("40 + 2"), ts: typeof require("@pulumi/pulumi/typescript-shim").createSourceFile };`);
        assert.deepStrictEqual(r, { typescript: true, text: true, ts: "function" });
    });

    it("a code-paths function loads Arborist and answers as the real one", () => {
        const r = run(`const file = require.resolve("@pulumi/pulumi/runtime/closure/codePaths.js");
const root = await require(file).findWorkspaceRoot(process.cwd());
return { arborist: loaded("/@npmcli/arborist/"), root: root === null || typeof root === "string" };`);
        assert.deepStrictEqual(r, { arborist: true, root: true });
    });
});
