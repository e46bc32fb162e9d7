import * as fs from "fs";
import * as path from "path";

/*
 * The program's own import graph, read from the TypeScript sources (not dist), for the layering test
 * (issue 18: arrows point one way, and no module imports itself back through others). Only relative
 * specifiers count: packages from node_modules are not the program's layers.
 */

/** A module's imports: the relative specifiers it names, in order, static and dynamic alike. */
export function relativeSpecifiers(source: string): string[] {
    const patterns = [
        // import x from "./a"; import type { A } from "./a"; import * as a from "./a"; export { a } from "./a"; export * from "./a"
        /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+)\s+from\s+["'](\.[^"']*)["']/gm,
        // import "./side-effect";
        /^\s*import\s+["'](\.[^"']*)["']/gm,
        // import("./a"), require("./a"), import x = require("./a")
        /\b(?:import|require)\s*\(\s*["'](\.[^"']*)["']\s*\)/g,
    ];
    const found: Array<{ at: number; specifier: string }> = [];
    for (const pattern of patterns) {
        for (const match of source.matchAll(pattern)) found.push({ at: match.index ?? 0, specifier: match[1] });
    }
    return found.sort((a, b) => a.at - b.at).map((f) => f.specifier);
}

/** The file a relative specifier names, as Node and tsc resolve it, or undefined (a JSON file, say). */
export function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
    const base = path.resolve(path.dirname(fromFile), specifier);
    for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
        if (candidate.endsWith(".ts") && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
    }
    return undefined;
}

const SKIPPED_DIRECTORIES = new Set(["node_modules", "dist", "test", "bin", ".git"]);

/** Every .ts source of the project below `root`, relative and with forward slashes, tests and build output left out. */
export function projectSources(root: string): string[] {
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            if (entry.isDirectory()) {
                if (!SKIPPED_DIRECTORIES.has(entry.name) && !entry.name.startsWith(".")) walk(path.join(dir, entry.name));
            } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
                files.push(path.relative(root, path.join(dir, entry.name)).split(path.sep).join("/"));
            }
        }
    };
    walk(root);
    return files.sort();
}

/** Module → the modules it imports (all relative to the root), plus the specifiers that named no .ts file. */
export interface ImportGraph {
    edges: Map<string, string[]>;
    unresolved: Array<{ file: string; specifier: string }>;
}

export function importGraph(root: string): ImportGraph {
    const edges = new Map<string, string[]>();
    const unresolved: ImportGraph["unresolved"] = [];
    for (const file of projectSources(root)) {
        const absolute = path.join(root, file);
        const targets = new Set<string>();
        for (const specifier of relativeSpecifiers(fs.readFileSync(absolute, "utf8"))) {
            const target = resolveSpecifier(absolute, specifier);
            if (target) targets.add(path.relative(root, target).split(path.sep).join("/"));
            else if (!specifier.endsWith(".json")) unresolved.push({ file, specifier });
        }
        edges.set(file, [...targets].sort());
    }
    return { edges, unresolved };
}

/**
 * The import cycles of a graph, one per strongly connected component that has one (Tarjan), each as
 * the path around it that starts and ends at its first module in sort order: ["a", "b", "a"].
 */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const components: string[][] = [];
    let next = 0;
    const visit = (v: string) => {
        index.set(v, next);
        low.set(v, next);
        next++;
        stack.push(v);
        onStack.add(v);
        for (const w of edges.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) {
                low.set(v, Math.min(low.get(v)!, index.get(w)!));
            }
        }
        if (low.get(v) === index.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            const selfLoop = component.length === 1 && (edges.get(v) ?? []).includes(v);
            if (component.length > 1 || selfLoop) components.push(component.sort());
        }
    };
    for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
    return components.map((component) => cycleThrough(component[0], new Set(component), edges)).sort((a, b) => a[0].localeCompare(b[0]));
}

/** The shortest way from `start` back to itself inside one strongly connected component (breadth first). */
function cycleThrough(start: string, within: ReadonlySet<string>, edges: ReadonlyMap<string, readonly string[]>): string[] {
    const cameFrom = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
        const v = queue.shift()!;
        for (const w of edges.get(v) ?? []) {
            if (!within.has(w)) continue;
            if (w === start) {
                const way: string[] = [];
                for (let at = v; at !== start; at = cameFrom.get(at)!) way.unshift(at);
                return [start, ...way, start];
            }
            if (!cameFrom.has(w)) {
                cameFrom.set(w, v);
                queue.push(w);
            }
        }
    }
    throw new Error(`${start} is in a strongly connected component but no cycle returns to it`);
}
