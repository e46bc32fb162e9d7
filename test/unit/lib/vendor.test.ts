import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { VENDORED } from "../../../lib/vendor/bundle";

/*
 * lib/vendor/: the packages the plan loads on every start-up, built into one file each by
 * `npm run build`. What a module exports must be what its package exports, and the build must have
 * happened (a bare tsc leaves the re-export, which works but loads the package's many files).
 */

const DIST_VENDOR = path.resolve(__dirname, "..", "..", "..", "lib", "vendor");

describe("unit: lib/vendor single-file builds", () => {
    for (const name of VENDORED) {
        it(`${name}: one file that exports exactly what the package exports`, () => {
            const file = path.join(DIST_VENDOR, `${name}.js`);
            const text = fs.readFileSync(file, "utf8");
            assert.ok(text.startsWith("// bundled"), `${file} is not the single-file build: run npm run build`);
            // Loading it loads nothing of the package (its files are inside).
            const loaded: string[] = [];
            const Module = require("module") as { _load: (request: string, ...rest: unknown[]) => unknown };
            const load = Module._load;
            Module._load = function (request: string, ...rest: unknown[]) {
                loaded.push(request);
                return load.call(this, request, ...rest);
            };
            let vendored: Record<string, unknown>;
            try {
                delete require.cache[require.resolve(file)];
                vendored = require(file) as Record<string, unknown>;
            } finally {
                Module._load = load;
            }
            assert.deepStrictEqual(loaded.filter((r) => r === name || r.startsWith(`${name}/`)), [], "the build still loads the package's files");
            // The sources import named exports (zod, yaml) or the default (ajv); those are the same.
            const pkg = require(name) as Record<string, unknown>;
            const compared = (keys: string[]) => keys.filter((k) => (name === "ajv" ? k === "default" : k !== "default")).sort();
            assert.deepStrictEqual(compared(Object.keys(vendored)), compared(Object.keys(pkg)));
            for (const k of compared(Object.keys(pkg))) assert.strictEqual(typeof vendored[k], typeof pkg[k], `${name}.${k}`);
        });
    }

    it("the builds behave as the packages do", () => {
        const { z } = require(path.join(DIST_VENDOR, "zod.js")) as typeof import("zod");
        assert.strictEqual(z.object({ a: z.number().int() }).safeParse({ a: 1.5 }).success, false);
        const YAML = require(path.join(DIST_VENDOR, "yaml.js")) as typeof import("yaml");
        assert.deepStrictEqual(YAML.parse("a: [1, {b: c}]"), { a: [1, { b: "c" }] });
        const Ajv = (require(path.join(DIST_VENDOR, "ajv.js")) as typeof import("ajv")).default;
        const validate = new Ajv().compile({ type: "object", required: ["x"] });
        assert.strictEqual(validate({}), false);
    });
});
