import { spawnSync } from "child_process";
import * as path from "path";
import { FixtureRepo } from "../test/helpers/fixtureRepo";

/**
 * `runbook diff` between two revisions of production against a single `runbook plan` of
 * production, both measured in the same fixture repository, interleaved. Goal: within 2.5x.
 */

function time(cwd: string, args: string[], okStatus: number[]): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [path.join(cwd, "dist", "cli", "runbook.js"), ...args], { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (!okStatus.includes(r.status ?? -1)) throw new Error(`runbook ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
    return ms;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function benchDiff(runs: number): void {
    // The fixture makes its own history, so a tree without .git (a downloaded tarball) is fine; git itself is not optional.
    if (spawnSync("git", ["--version"]).status !== 0) {
        console.log("  diff      skipped: runbook diff needs git, which is not installed");
        return;
    }
    const repo = new FixtureRepo();
    try {
        repo.editStack("production", (config) => {
            config["runbook:database"].instanceClass = "db.m6g.xlarge";
        });
        repo.commit("production: a bigger database");
        const out = path.join(repo.dir, "out.json");
        const plan = ["plan", "--stack", "production", "--json", out];
        const diff = ["diff", "--base", "HEAD~1", "--stack", "production", "--json", out];
        time(repo.dir, plan, [0]); // warm the file cache and the compile cache once
        time(repo.dir, diff, [0, 1]);
        const plans: number[] = [];
        const diffs: number[] = [];
        for (let i = 0; i < runs; i++) {
            plans.push(time(repo.dir, plan, [0]));
            diffs.push(time(repo.dir, diff, [0, 1]));
        }
        const p = median(plans);
        const d = median(diffs);
        console.log(`  diff      runbook diff --base HEAD~1 --stack production      ${d.toFixed(0)} ms  = ${(d / p).toFixed(2)}x a single plan (${p.toFixed(0)} ms, same run)  (goal: within 2.5x)`);
        console.log(`  raw diff runs (ms): ${diffs.map((x) => x.toFixed(0)).join(", ")}; plan runs: ${plans.map((x) => x.toFixed(0)).join(", ")}`);
    } finally {
        repo.remove();
    }
}
