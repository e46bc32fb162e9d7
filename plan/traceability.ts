import * as fs from "fs";
import * as path from "path";
import { Policies, Policy } from "@pulumi/policy";

/**
 * Traceability: each runbook requirement → the policies that enforce it → the tests that prove
 * them. Requirements come from the runbook requirements table; tests are found by name: a test
 * belongs to a policy when its full title (describe blocks and `it`) names the policy, and to a
 * requirement when it names the requirement's ID. A violating-case test has "violating" in its title.
 */

export interface Requirement {
    id: string;
    text: string;
    scope: string;
    /** The table says a policy must reject a stack that breaks it. */
    enforce: boolean;
}

/** Where the requirements table is looked for, first match wins. */
export function requirementsFileCandidates(projectRoot: string): string[] {
    return [
        ...(process.env.RUNBOOK_REQUIREMENTS ? [process.env.RUNBOOK_REQUIREMENTS] : []),
        path.join(projectRoot, "..", "shared", "runbook-requirements.md"),
        path.join(projectRoot, "..", "..", "shared", "runbook-requirements.md"),
        path.join(projectRoot, "docs", "runbook-requirements.md"),
    ];
}

export function findRequirementsFile(projectRoot: string): string | undefined {
    return requirementsFileCandidates(projectRoot).find((f) => fs.existsSync(f));
}

/** Rows `| ID | Requirement | Sources | Scope |` of the requirements table. */
export function parseRequirements(markdown: string): Requirement[] {
    const out: Requirement[] = [];
    for (const line of markdown.split(/\r?\n/)) {
        const cells = line.split("|").map((c) => c.trim());
        if (cells.length < 6 || !/^[A-Z]{2}-\d+$/.test(cells[1])) continue;
        const scope = cells[4];
        out.push({ id: cells[1], text: cells[2], scope, enforce: /\benforce\b/.test(scope) });
    }
    return out;
}

/** Full titles of every test in the compiled test files, loaded (not run) with Mocha. */
export function collectTestTitles(testDir: string): string[] {
    if (!fs.existsSync(testDir)) return [];
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".test.js")) files.push(full);
        }
    };
    walk(testDir);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Mocha = require("mocha") as new () => { addFile(f: string): void; loadFiles(): void; suite: MochaSuite };
    const mocha = new Mocha();
    for (const f of files.sort()) mocha.addFile(f);
    mocha.loadFiles();
    const titles: string[] = [];
    const visit = (suite: MochaSuite) => {
        for (const t of suite.tests) titles.push(t.fullTitle());
        for (const s of suite.suites) visit(s);
    };
    visit(mocha.suite);
    return titles;
}

interface MochaSuite {
    tests: Array<{ fullTitle(): string }>;
    suites: MochaSuite[];
}

export interface PolicyTrace {
    name: string;
    requirements: string[];
    description: string;
    severity: string | undefined;
    remediationSteps: string | undefined;
    enforcementLevel: string;
    tests: string[];
    violatingTests: string[];
}

export interface RequirementTrace extends Requirement {
    policies: string[];
    tests: string[];
}

export interface Traceability {
    requirementsFile: string | undefined;
    requirements: RequirementTrace[];
    policies: PolicyTrace[];
}

function names(title: string, word: string): boolean {
    return new RegExp(`(^|[^A-Za-z0-9-])${word.replace(/[-]/g, "\\-")}($|[^A-Za-z0-9-])`).test(title);
}

export function trace(policies: Policies, requirements: Requirement[], titles: string[], requirementsFile?: string): Traceability {
    const policyTraces: PolicyTrace[] = policies.map((p: Policy) => {
        const tests = titles.filter((t) => names(t, p.name));
        return {
            name: p.name,
            requirements: p.tags ?? [],
            description: p.description,
            severity: p.severity,
            remediationSteps: p.remediationSteps,
            enforcementLevel: p.enforcementLevel ?? "mandatory",
            tests,
            violatingTests: tests.filter((t) => /violating/i.test(t)),
        };
    });
    return {
        requirementsFile,
        requirements: requirements.map((r) => ({
            ...r,
            policies: policyTraces.filter((p) => p.requirements.includes(r.id)).map((p) => p.name),
            tests: titles.filter((t) => names(t, r.id)),
        })),
        policies: policyTraces,
    };
}

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** docs/traceability.md: deterministic, so a test can tell when it is stale. */
export function renderTraceabilityMarkdown(t: Traceability): string {
    const lines = [
        "# Traceability: requirement → policies → tests",
        "",
        "Generated by `npm run --silent build && node dist/cli/runbook.js policies --markdown docs/traceability.md`; a test fails when this file is stale.",
        "Requirements come from the runbook requirements table; a test counts for a policy when its title names the policy, and for a requirement when it names the ID.",
        "",
        "| Requirement | Scope | Policies | Tests naming the ID |",
        "|---|---|---|---|",
    ];
    for (const r of t.requirements) {
        const policies = r.policies.length > 0 ? r.policies.map((p) => `\`${p}\``).join(", ") : r.enforce ? "**none**" : "—";
        lines.push(`| ${r.id} ${cell(r.text)} | ${r.scope} | ${policies} | ${r.tests.length} |`);
    }
    lines.push("", "## Policies", "");
    for (const p of t.policies) {
        lines.push(`### \`${p.name}\` (${p.requirements.join(", ")})`, "");
        lines.push(`${p.description}`, "");
        lines.push(`- Level: ${p.enforcementLevel}; severity: ${p.severity ?? "not set"}`);
        lines.push(`- Remediation: ${p.remediationSteps ?? "not set"}`);
        lines.push(`- Tests (${p.tests.length}, ${p.violatingTests.length} violating):`);
        for (const test of p.tests) lines.push(`  - ${readableTitle(test)}`);
        lines.push("");
    }
    return `${lines.join("\n").trimEnd()}\n`;
}

/** The table `runbook policies` prints. */
export function renderTraceabilityText(t: Traceability): string {
    const lines = [`Requirements: ${t.requirementsFile ?? "(requirements table not found)"}`, ""];
    const width = Math.max(...t.requirements.map((r) => r.id.length), 5);
    for (const r of t.requirements) {
        if (r.policies.length === 0 && !r.enforce) continue;
        const policies = r.policies.length > 0 ? r.policies.map((name) => {
            const p = t.policies.find((x) => x.name === name)!;
            return `${name} (${p.tests.length} tests, ${p.violatingTests.length} violating)`;
        }) : ["NO POLICY (scope says enforce)"];
        lines.push(`${r.id.padEnd(width)}  ${policies[0]}`);
        for (const more of policies.slice(1)) lines.push(`${"".padEnd(width)}  ${more}`);
    }
    return `${lines.join("\n")}\n`;
}

/**
 * A test's title as the table shows it: without the tracker references some titles carry
 * (`(issue 19 (3))`, `issue 22 (5): `), which say nothing to a reader of the table. The counts above
 * read the titles as they are.
 */
export function readableTitle(title: string): string {
    return title
        .replace(/;\s*issue \d+(?:\s*\([^()]*\))?(?=\))/g, "")
        .replace(/\s*\(issue \d+(?:[^()]|\([^()]*\))*\)/g, "")
        .replace(/\bissue \d+(?:\s*\([^()]*\))?:\s*/g, "")
        .replace(/,?\s*\bissue \d+\b/g, "")
        .replace(/\s{2,}/g, " ");
}
