import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vm from "vm";
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require("module");

/*
 * Compiled bytecode kept between runs of the CLI (what Node 22's module.enableCompileCache does; this
 * is for Node 20). Most of a plan's start-up is compiling the @pulumi/* modules, which are the same
 * every time. Load it before any other module.
 *
 * - A module whose cached code V8 accepts costs a hash of its source and nothing more.
 * - A new or changed module's cache is made when the process exits, so it also holds the functions
 *   the run compiled lazily, and only then is the cache file rewritten (to a temporary file, then
 *   renamed, so a concurrent run reads the old file or the new one, never half of one).
 * - Entries are keyed by file and checked against a hash of its source: V8 itself only compares a
 *   source's length, so an edit that keeps the length would otherwise run the old code.
 * - One cache file per entry script and command, so `check` does not read what only `plan` loads.
 * - DISABLE_V8_COMPILE_CACHE=1 turns it off (a first run after install); V8_COMPILE_CACHE_CACHE_DIR
 *   moves it.
 */

type Entry = [hash: string, start: number, end: number];

interface Stored {
    blob: Buffer;
    map: Record<string, Entry>;
}

interface Fresh {
    filename: string;
    hash: string;
    script: vm.Script;
}

function cacheDirectory(): string {
    if (process.env.V8_COMPILE_CACHE_CACHE_DIR) return process.env.V8_COMPILE_CACHE_CACHE_DIR;
    const user = typeof process.getuid === "function" ? `-${process.getuid()}` : "";
    return path.join(os.tmpdir(), `runbook-compile-cache${user}`, process.arch, process.versions.v8);
}

/** A file name for a key: the entry script's path and the command, with separators escaped. */
function escape(key: string): string {
    return key.replace(/[\\:/\x00z]/g, (c) => ({ "\\": "zB", ":": "zC", "/": "zS", "\x00": "z0", z: "zZ" })[c]!);
}

function load(base: string): Stored {
    try {
        return { blob: fs.readFileSync(`${base}.BLOB`), map: JSON.parse(fs.readFileSync(`${base}.MAP`, "utf8")) as Record<string, Entry> };
    } catch {
        return { blob: Buffer.alloc(0), map: {} };
    }
}

function save(base: string, stored: Stored, fresh: Fresh[]): void {
    const buffers: Buffer[] = [];
    const map: Record<string, Entry> = {};
    let offset = 0;
    const push = (filename: string, hash: string, data: Buffer) => {
        buffers.push(data);
        map[filename] = [hash, offset, offset + data.length];
        offset += data.length;
    };
    for (const f of fresh) push(f.filename, f.hash, f.script.createCachedData());
    for (const [filename, [hash, start, end]] of Object.entries(stored.map)) {
        if (!(filename in map)) push(filename, hash, stored.blob.subarray(start, end));
    }
    const temporary = `${base}.${process.pid}.tmp`;
    try {
        fs.mkdirSync(path.dirname(base), { recursive: true });
        fs.writeFileSync(`${temporary}.BLOB`, Buffer.concat(buffers));
        fs.writeFileSync(`${temporary}.MAP`, JSON.stringify(map));
        // The map is renamed last: a reader that sees the new map also sees the new blob.
        fs.renameSync(`${temporary}.BLOB`, `${base}.BLOB`);
        fs.renameSync(`${temporary}.MAP`, `${base}.MAP`);
    } catch {
        // A cache that cannot be written only costs the next run its start-up time.
        fs.rmSync(`${temporary}.BLOB`, { force: true });
        fs.rmSync(`${temporary}.MAP`, { force: true });
    }
}

/** Node's own removal of a `#!` line: the shebang's text goes, its line break stays. */
function withoutShebang(content: string): string {
    if (!content.startsWith("#!")) return content;
    const end = content.search(/[\r\n]/);
    return end < 0 ? "" : content.slice(end);
}

export function installCompileCache(command: string | undefined): void {
    if (process.env.DISABLE_V8_COMPILE_CACHE) return;
    const main = require.main?.filename ?? process.cwd();
    const base = path.join(cacheDirectory(), escape(`${main}\x00${command ?? ""}`));
    const stored = load(base);
    const fresh: Fresh[] = [];

    type Compile = (this: Module, content: string, filename: string) => unknown;
    const proto = Module.prototype as unknown as { _compile: Compile };
    const moduleStatics = Module as unknown as {
        _resolveFilename(request: string, parent: Module, isMain: boolean, options?: unknown): string;
        _resolveLookupPaths(request: string, parent: Module): string[] | null;
        _extensions: unknown;
        _cache: unknown;
    };
    proto._compile = function (this: Module, content: string, filename: string) {
        const mod = this;
        // The require a module sees, as Node builds it (lib/internal/modules/helpers.js).
        const require = ((id: string) => mod.require(id)) as NodeJS.Require;
        const resolve = ((request: string, options?: unknown) => moduleStatics._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
        resolve.paths = (request: string) => moduleStatics._resolveLookupPaths(request, mod);
        require.resolve = resolve;
        require.main = process.mainModule;
        (require as unknown as { extensions: unknown }).extensions = moduleStatics._extensions;
        (require as unknown as { cache: unknown }).cache = moduleStatics._cache;

        const source = withoutShebang(content);
        const hash = crypto.createHash("sha1").update(source, "utf8").digest("hex");
        const entry = stored.map[filename];
        const cachedData = entry !== undefined && entry[0] === hash ? stored.blob.subarray(entry[1], entry[2]) : undefined;
        const script = new vm.Script(Module.wrap(source), { filename, cachedData });
        if (cachedData === undefined || script.cachedDataRejected) fresh.push({ filename, hash, script });
        const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
        return wrapper.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
    };
    process.once("exit", () => {
        if (fresh.length > 0) save(base, stored, fresh);
    });
}
