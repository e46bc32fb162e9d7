import * as assert from "assert";
import * as path from "path";
import { findCycles, importGraph, relativeSpecifiers } from "../helpers/importGraph";

/*
 * Issue 18, items 2 and 4: the layers' arrows point one way (STYLE.md). lib/ is the ground floor
 * (pure helpers: CIDRs, windows, quantities, cron) that config/ and components/ both import;
 * config/ never imports components/; the pack in policies/ imports nothing of the program; and no
 * module imports itself back through others. Read from the TypeScript sources, not dist.
 */

const ROOT = path.resolve(__dirname, "..", "..", "..");
const graph = importGraph(ROOT);

/** Every import from a module under `from` into a module under one of `into`, as "a -> b". */
function crossings(from: string, into: (target: string) => boolean): string[] {
    return [...graph.edges]
        .filter(([file]) => file.startsWith(from))
        .flatMap(([file, targets]) => targets.filter(into).map((target) => `${file} -> ${target}`));
}

describe("unit: layers and import cycles (issue 18)", () => {
    it("reads the real graph: every relative import resolves, and known edges are there", () => {
        assert.deepStrictEqual(graph.unresolved, [], "a specifier the parser could not resolve hides an edge");
        assert.ok(graph.edges.size > 100, `only ${graph.edges.size} modules found under ${ROOT}`);
        assert.ok(graph.edges.get("config/rules.ts")?.includes("lib/cidr.ts"), "config/rules.ts -> lib/cidr.ts");
        assert.ok(graph.edges.get("plan/diff.ts")?.includes("plan/manualSteps.ts"), "plan/diff.ts -> plan/manualSteps.ts");
        assert.ok(graph.edges.get("index.ts")?.length, "index.ts imports the components");
        assert.ok(![...graph.edges.keys()].some((f) => f.startsWith("test/") || f.includes("node_modules/")), "tests and packages are not layers");
    });

    it("config/ imports nothing from components/: a default both need lives in config/ or lib/", () => {
        assert.deepStrictEqual(crossings("config/", (t) => t.startsWith("components/")), []);
    });

    it("lib/ is the ground floor: it imports only lib/", () => {
        assert.deepStrictEqual(crossings("lib/", (t) => !t.startsWith("lib/")), []);
    });

    it("the policy pack imports nothing from outside policies/, so `pulumi preview --policy-pack policies` loads it alone", () => {
        assert.deepStrictEqual(crossings("policies/", (t) => !t.startsWith("policies/")), []);
    });

    it("no module imports itself back through others", () => {
        const cycles = findCycles(graph.edges);
        assert.deepStrictEqual(cycles.map((c) => c.join(" -> ")), []);
    });
});

describe("unit: the import-graph reader the layering test relies on", () => {
    it("finds static, type-only, re-exported, side-effect and dynamic imports, and no commented one", () => {
        const source = [
            'import * as fs from "fs";',
            'import { a, b } from "./ab";',
            "import type {",
            "    C,",
            "    D,",
            '} from "../cd";',
            'import def, { e } from "./e";',
            'export { f } from "./f";',
            'export * from "./g";',
            'export type { H } from "./h";',
            'import "./side";',
            ' * import { x } from "./inAComment";',
            'const lazy = () => import("../lazy");',
            'const required = require("./req");',
            'const text = "this is from \\"./notAnImport\\"";',
        ].join("\n");
        assert.deepStrictEqual(relativeSpecifiers(source), ["./ab", "../cd", "./e", "./f", "./g", "./h", "./side", "../lazy", "./req"]);
    });

    it("finds every cycle of a synthetic graph, with the way round it, and none in a DAG", () => {
        const edges = new Map<string, string[]>([
            ["a", ["b"]],
            ["b", ["c", "d"]],
            ["c", ["a"]],
            ["d", []],
            ["e", ["e"]],
            ["f", ["g"]],
            ["g", ["f", "d"]],
        ]);
        assert.deepStrictEqual(findCycles(edges), [
            ["a", "b", "c", "a"],
            ["e", "e"],
            ["f", "g", "f"],
        ]);
        const dag = new Map<string, string[]>([
            ["a", ["b", "c"]],
            ["b", ["c"]],
            ["c", []],
        ]);
        assert.deepStrictEqual(findCycles(dag), []);
    });

    it("reports the circle this issue broke, had it stayed (config/rules -> postgresSettings -> config/index -> validate -> rules)", () => {
        const edges = new Map(graph.edges);
        edges.set("config/rules.ts", [...(edges.get("config/rules.ts") ?? []), "components/database/postgresSettings.ts"]);
        const cycles = findCycles(edges);
        assert.strictEqual(cycles.length, 1, cycles.map((c) => c.join(" -> ")).join("\n"));
        assert.ok(cycles[0].includes("config/rules.ts") && cycles[0].includes("components/database/postgresSettings.ts"), cycles[0].join(" -> "));
    });
});
