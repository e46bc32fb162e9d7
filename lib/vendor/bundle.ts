import * as fs from "fs";
import * as path from "path";

/*
 * Part of `npm run build`, after tsc: replaces each compiled re-export in dist/lib/vendor/ with a
 * single-file build of the package it re-exports (esbuild, CommonJS, nothing minified). The modules
 * export exactly what the packages export; the sources in lib/vendor/ still re-export the packages,
 * so `pulumi preview` (which compiles the TypeScript itself) and a bare `tsc` build work unchanged,
 * only slower to start.
 */

/** The modules of lib/vendor/ that are single-file builds. */
export const VENDORED = ["zod", "yaml", "ajv"] as const;

function main(): void {
    // A dev dependency: the build needs it, the program never loads it.
    const esbuild = require("esbuild") as typeof import("esbuild");
    const dir = path.resolve(__dirname);
    for (const name of VENDORED) {
        const file = path.join(dir, `${name}.js`);
        const source = fs.readFileSync(file, "utf8");
        if (source.startsWith("// bundled")) continue; // tsc did not re-emit it (incremental build)
        const result = esbuild.buildSync({
            entryPoints: [file],
            bundle: true,
            platform: "node",
            format: "cjs",
            target: "node20",
            write: false,
            logLevel: "error",
            legalComments: "inline",
        });
        fs.rmSync(`${file}.map`, { force: true }); // the map tsc wrote is of the re-export
        fs.writeFileSync(file, `// bundled by lib/vendor/bundle.ts from lib/vendor/${name}.ts\n${result.outputFiles[0].text}`);
    }
}

if (require.main === module) main();
