import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import { runbookSections, RunbookTexts } from "../../plan/runbookSections";
import { ROOT } from "./harness";

/*
 * What the tests check on any generated runbook: markdownlint (the npm package, with the config
 * committed beside the pages), links that resolve, and headings that make sections.
 */

interface LintError {
    lineNumber: number;
    ruleNames: string[];
    ruleDescription: string;
    errorDetail: string | null;
}

// markdownlint is an ES module; this project compiles to CommonJS, whose `import()` TypeScript turns into require().
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<{ lint(options: object): Promise<Record<string, LintError[]>> }>;

export const LINT_CONFIG = path.join(ROOT, "docs", "runbooks", ".markdownlint.json");

/** markdownlint's findings on the pages, one line each; empty when they pass. */
export async function markdownlint(pages: RunbookTexts, prefix = ""): Promise<string[]> {
    const { lint } = await importModule(pathToFileURL(require.resolve("markdownlint/promise")).href);
    const config = JSON.parse(fs.readFileSync(LINT_CONFIG, "utf8"));
    const strings = Object.fromEntries(Object.entries(pages).map(([file, text]) => [`${prefix}${file}`, text]));
    const results = await lint({ strings, config });
    return Object.entries(results).flatMap(([name, errors]) => errors.map((e) => `${name}:${e.lineNumber} ${e.ruleNames.join("/")} ${e.ruleDescription}${e.errorDetail ? ` (${e.errorDetail})` : ""}`));
}

/** Every Markdown link target of a page, outside code fences and inline code. */
export function linkTargets(markdown: string): string[] {
    const targets: string[] = [];
    let inFence = false;
    for (const line of markdown.split("\n")) {
        if (/^\s*```/.test(line)) inFence = !inFence;
        if (inFence) continue;
        const prose = line.replace(/``[^`]*``|`[^`]*`/g, "");
        for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) targets.push(m[1]);
    }
    return targets;
}

function anchorsOf(markdown: string): Set<string> {
    return new Set(runbookSections({ page: markdown }).map((s) => s.anchor));
}

/**
 * Links that do not resolve: a relative file that does not exist, or an anchor that no heading of
 * its target has. `dir` is where the pages are committed (links are relative to it); a page of the
 * runbook itself is read from `pages`, so freshly generated pages are checked as they are.
 */
export function brokenLinks(pages: RunbookTexts, dir: string): string[] {
    const broken: string[] = [];
    for (const [file, markdown] of Object.entries(pages)) {
        for (const target of linkTargets(markdown)) {
            if (/^[a-z]+:/.test(target)) continue;
            const [where, anchor] = target.split("#");
            const resolved = where === "" ? path.join(dir, file) : path.resolve(dir, where);
            const inRunbook = path.dirname(resolved) === dir ? pages[path.basename(resolved)] : undefined;
            if (inRunbook === undefined && !fs.existsSync(resolved)) {
                broken.push(`${file}: ${target} (no such file)`);
                continue;
            }
            if (anchor === undefined || !resolved.endsWith(".md")) continue;
            const text = inRunbook ?? fs.readFileSync(resolved, "utf8");
            if (!anchorsOf(text).has(anchor)) broken.push(`${file}: ${target} (no heading with that anchor)`);
        }
    }
    return broken;
}

/** Each page's headings are unique, and every section has something under its heading. */
export function assertSections(pages: RunbookTexts, label: string): void {
    for (const [file, markdown] of Object.entries(pages)) {
        const sections = runbookSections({ [file]: markdown });
        const anchors = sections.map((s) => s.anchor);
        assert.deepStrictEqual(anchors.filter((a, i) => anchors.indexOf(a) !== i), [], `${label} ${file}: repeated headings`);
        for (const s of sections) {
            const body = s.text.split("\n").slice(1).join("\n").trim();
            assert.ok(body !== "", `${label} ${file}: section "${s.heading}" is empty`);
        }
        assert.ok(markdown.startsWith("# "), `${label} ${file} starts with its title`);
    }
}
