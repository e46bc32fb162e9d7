import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

/*
 * How the plan scales with the number of apps: the production stack with 1 app and with 50 apps
 * (each an API with a migration, so every app brings its full set: Deployment, Service,
 * ServiceAccount, autoscaler, budget, Job), cold runs interleaved with a `require('@pulumi/pulumi')`
 * baseline measured in the same run. Goal: 50 apps within 2x of 1 app.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const CLI = path.join(ROOT, "dist", "cli", "runbook.js");

/** Preloaded into each child: prints the process's own CPU time at exit, which other load on the machine barely moves. */
const CPU_REPORTER = `process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeSync(2, "\\nRUNBOOK_BENCH_CPU_MS=" + (u.user + u.system) / 1000 + "\\n"); });`;

interface Timing {
    wallMs: number;
    cpuMs: number;
}

function time(args: string[], reporter: string): Timing {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["--require", reporter, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    const cpu = /RUNBOOK_BENCH_CPU_MS=([\d.]+)/.exec(r.stderr);
    return { wallMs, cpuMs: cpu ? Number(cpu[1]) : NaN };
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The production stack file with `count` apps modelled on its API, and one host per app. */
export function stackWithApps(count: number): string {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8"));
    const config = doc.config as Record<string, any>;
    const template = config["runbook:apps"].find((a: { role: string }) => a.role === "api");
    config["runbook:apps"] = Array.from({ length: count }, (_, i) => ({
        ...template,
        name: `app-${i}`,
        image: template.image.replace(/:[^:/]+$/, `:1.0.${i}`),
        migrate: "npx prisma migrate deploy",
    }));
    const zone = config["runbook:edge"].zone;
    config["runbook:edge"].hosts = Array.from({ length: count }, (_, i) => ({ host: `app-${i}.${zone}`, app: `app-${i}` }));
    return YAML.stringify(doc);
}

export function benchWorkloads(runs: number): void {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-bench-apps-"));
    try {
        const files = new Map<number, string>();
        for (const count of [1, 50]) {
            const file = path.join(tmp, `Pulumi.production.apps-${count}.yaml`);
            fs.writeFileSync(file, stackWithApps(count));
            files.set(count, file);
        }
        const reporter = path.join(tmp, "cpu-reporter.js");
        fs.writeFileSync(reporter, CPU_REPORTER);
        const planArgs = (count: number) => [CLI, "plan", "--stack", "production", "--config", files.get(count)!, "--json", path.join(tmp, `apps-${count}.json`)];
        time(planArgs(1), reporter); // warm the file cache once
        const baseline: Timing[] = [];
        const one: Timing[] = [];
        const fifty: Timing[] = [];
        for (let i = 0; i < runs; i++) {
            baseline.push(time(["-e", "require('@pulumi/pulumi')"], reporter));
            one.push(time(planArgs(1), reporter));
            fifty.push(time(planArgs(50), reporter));
        }
        const resources = (count: number) => (JSON.parse(fs.readFileSync(path.join(tmp, `apps-${count}.json`), "utf8")) as { resources: unknown[] }).resources.length;
        const wall = (ts: Timing[]) => median(ts.map((t) => t.wallMs));
        const cpu = (ts: Timing[]) => median(ts.map((t) => t.cpuMs));
        const line = (label: string, ts: Timing[], extra = "") =>
            `  ${label.padEnd(52)} wall ${wall(ts).toFixed(0).padStart(5)} ms = ${(wall(ts) / wall(baseline)).toFixed(2)}x baseline;  cpu ${cpu(ts).toFixed(0).padStart(5)} ms = ${(cpu(ts) / cpu(baseline)).toFixed(2)}x baseline${extra}`;
        console.log(`workloads: plan time against the number of apps (${runs} cold runs each, medians; CPU time is the process's own, less sensitive to other load)`);
        console.log(line(`baseline node -e "require('@pulumi/pulumi')"`, baseline));
        console.log(line(`1 app, runbook plan production (${resources(1)} resources)`, one));
        console.log(
            line(
                `50 apps, runbook plan production (${resources(50)} resources)`,
                fifty,
                `;  50 apps / 1 app: wall ${(wall(fifty) / wall(one)).toFixed(2)}x, cpu ${(cpu(fifty) / cpu(one)).toFixed(2)}x (goal: within 2x)`,
            ),
        );
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}
