import * as path from "path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require("module");

/*
 * What @pulumi/pulumi loads only to serialise functions (closures for AWS Lambda callbacks and
 * dynamic providers): the TypeScript compiler (9 MB) and npm's Arborist, which the SDK loads at
 * start-up and which took 380 ms of every offline plan's 1.4 s, though no resource of this program
 * is a serialised function. For the offline plan they load on first use instead: the modules that
 * hold them are replaced in the require cache, before the SDK loads, by stand-ins that load the real
 * module the first time anything of it is used. The `pulumi` CLI path is untouched.
 */

/** What codePaths.js exports (checked against the installed SDK by a unit test). */
export const CODE_PATHS_EXPORTS = ["computeCodePaths", "findWorkspaceRoot", "packageArchivePath"] as const;

function sdkFile(relative: string): string {
    return path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), relative);
}

/** Loads the real module in place of its stand-in, once. */
function loader(file: string): () => Record<string | symbol, unknown> {
    let real: Record<string | symbol, unknown> | undefined;
    return () => {
        if (real === undefined) {
            delete require.cache[file];
            real = require(file) as Record<string | symbol, unknown>;
        }
        return real;
    };
}

function standIn(file: string, exports: unknown): void {
    const m = new Module(file);
    m.filename = file;
    m.loaded = true;
    m.exports = exports;
    require.cache[file] = m;
}

/** Installs the stand-ins, unless the SDK is already loaded (then it changes nothing). */
export function deferFunctionSerialisation(): void {
    const shim = sdkFile("typescript-shim.js");
    const codePaths = sdkFile(path.join("runtime", "closure", "codePaths.js"));
    if (require.cache[shim] || require.cache[codePaths] || require.cache[sdkFile("index.js")]) return;
    // Every user of the shim reads `ts.<name>` when it runs: a proxy that loads TypeScript on the first read.
    const typescript = loader(shim);
    standIn(shim, new Proxy({}, { get: (_t, key) => Reflect.get(typescript(), key), has: (_t, key) => Reflect.has(typescript(), key) }));
    // The SDK copies codePaths' exports when it loads (runtime/index.js): functions that load it when called.
    const real = loader(codePaths);
    const forwarding: Record<string, unknown> = {};
    Object.defineProperty(forwarding, "__esModule", { value: true });
    for (const name of CODE_PATHS_EXPORTS) forwarding[name] = (...args: unknown[]) => (real()[name] as (...a: unknown[]) => unknown)(...args);
    standIn(codePaths, forwarding);
}
