import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanFile, PlanResource } from "../plan/model";
import { benchDiff } from "./diff";
import { benchWorkloads } from "./workloads";
import { benchBackups } from "./backups";

/**
 * Prints the plan's cold-start cost against a baseline measured in the same run (a bare
 * `require('@pulumi/pulumi')`), the runbook's (`runbook docs`, one plan plus its pages) against the
 * same baseline and the plan, and the time to check a synthetic 10,000-resource plan file.
 * Runs are interleaved so that machine noise hits baseline and subject alike.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const CLI = path.join(ROOT, "dist", "cli", "runbook.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function time(args: string[], expectStatus: number | number[] = 0, env: NodeJS.ProcessEnv = process.env): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (![expectStatus].flat().includes(r.status ?? -1)) throw new Error(`${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
    return ms;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * A plan of `count` resources made by repeating production's resources (all but the stack) under
 * fresh URNs. Names that link resources to each other (bucket and parameter-group names) are made
 * unique per copy too, so every stack policy has real matching to do.
 */
export function syntheticPlan(base: PlanFile, count: number): PlanFile {
    const template = base.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const resources: PlanResource[] = [];
    for (let copy = 0; resources.length < count; copy++) {
        const urnOf = new Map(template.map((r) => [r.urn, `${r.urn}-copy${copy}`]));
        const rename = (urn: string) => urnOf.get(urn) ?? urn;
        const renameNames = (json: string) => json.replace(/retail-/g, `retail${copy}-`).replace(/runbook-production-/g, `runbook-production-copy${copy}-`);
        for (const r of template) {
            if (resources.length >= count) break;
            resources.push({
                ...r,
                urn: rename(r.urn),
                name: `${r.name}-copy${copy}`,
                parent: r.parent && urnOf.has(r.parent) ? rename(r.parent) : null,
                dependencies: r.dependencies.map(rename),
                propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, urns]) => [k, urns.map(rename)])),
                inputs: JSON.parse(renameNames(JSON.stringify(r.inputs))),
            });
        }
    }
    // The last copy is cut short; a bucket whose lifecycle fell past the cut would be a (true)
    // violation and turn the check's exit code into 1, so the cut copy keeps only bucket-free types.
    const lastCopy = Math.floor((count - 1) / template.length);
    const cut = resources.filter((r) => r.urn.endsWith(`-copy${lastCopy}`));
    if (cut.length < template.length) {
        const keep = resources.filter((r) => !r.urn.endsWith(`-copy${lastCopy}`));
        const filler = cut.filter((r) => !r.type.startsWith("cloudflare:"));
        while (keep.length + filler.length < count) filler.push({ ...filler[0], urn: `${filler[0].urn}-pad${keep.length + filler.length}`, name: `${filler[0].name}-pad${keep.length + filler.length}`, parent: null });
        return { ...base, resources: [...keep, ...filler.slice(0, count - keep.length)], violations: [] };
    }
    return { ...base, resources, violations: [] };
}

function main(): void {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-bench-"));
    try {
        const planFile = path.join(tmp, "production.json");
        const runbookDir = path.join(tmp, "runbook");
        time([CLI, "plan", "--stack", "production", "--json", planFile]); // warm the file cache once
        time([CLI, "docs", "--stack", "production", "--out", runbookDir]); // and the docs modules' compile cache

        const baseline: number[] = [];
        const plan: number[] = [];
        const planNoCache: number[] = [];
        const docs: number[] = [];
        const noCache = { ...process.env, DISABLE_V8_COMPILE_CACHE: "1" };
        for (let i = 0; i < RUNS; i++) {
            baseline.push(time(["-e", "require('@pulumi/pulumi')"]));
            plan.push(time([CLI, "plan", "--stack", "production", "--json", planFile]));
            planNoCache.push(time([CLI, "plan", "--stack", "production", "--json", planFile], 0, noCache));
            // Issue 21: the runbook is one plan plus rendering, so it costs what a plan costs.
            docs.push(time([CLI, "docs", "--stack", "production", "--out", runbookDir]));
        }
        const base = JSON.parse(fs.readFileSync(planFile, "utf8")) as PlanFile;
        const bigFile = path.join(tmp, "synthetic-10000.json");
        fs.writeFileSync(bigFile, JSON.stringify(syntheticPlan(base, 10000)));
        const check: number[] = [];
        const checkBaseline: number[] = [];
        // Warms the file cache with the synthetic plan, and the check command's compile cache.
        time([CLI, "check", bigFile, "--stack", "production", "--json", path.join(tmp, "out.json")], [0, 1]);
        for (let i = 0; i < 3; i++) {
            checkBaseline.push(time(["-e", "require('@pulumi/pulumi')"]));
            // Only the time counts here: a verdict of 1 (violations in the synthetic copies) is a finished check too.
            check.push(time([CLI, "check", bigFile, "--stack", "production", "--json", path.join(tmp, "out.json")], [0, 1]));
        }

        const b = median(baseline);
        const p = median(plan);
        const c = median(check);
        const cb = median(checkBaseline);
        console.log(`runbook benchmark (${RUNS} cold runs each, medians, node ${process.version})`);
        console.log(`  baseline  node -e "require('@pulumi/pulumi')"          ${b.toFixed(0)} ms`);
        console.log(`  plan      runbook plan --stack production (${base.resources.length} resources)  ${p.toFixed(0)} ms  = ${(p / b).toFixed(2)}x baseline  (goal: within 1.5x)`);
        const pn = median(planNoCache);
        console.log(`  plan, compile cache off (a first run after install)      ${pn.toFixed(0)} ms  = ${(pn / b).toFixed(2)}x baseline`);
        console.log(`  check     runbook check, synthetic 10000-resource plan     ${c.toFixed(0)} ms  = ${(c / cb).toFixed(2)}x baseline  (goal: within 2x)`);
        const d = median(docs);
        const pages = fs.readdirSync(runbookDir).filter((f) => f.endsWith(".md")).length;
        console.log(`  docs      runbook docs --stack production (${pages} pages)        ${d.toFixed(0)} ms  = ${(d / b).toFixed(2)}x baseline, ${(d / p).toFixed(2)}x plan  (goal: within 1.2x of plan)`);
        console.log(`  raw plan runs (ms): ${plan.map((x) => x.toFixed(0)).join(", ")}; docs runs: ${docs.map((x) => x.toFixed(0)).join(", ")}; baseline runs: ${baseline.map((x) => x.toFixed(0)).join(", ")}`);
        benchDiff(RUNS);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

if (require.main === module) {
    main();
    benchWorkloads(RUNS);
    if (process.env.BENCH_BACKUPS !== "0") {
        benchBackups().catch((e) => {
            console.error(e);
            process.exitCode = 1;
        });
    }
}
