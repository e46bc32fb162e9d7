import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../helpers/harness";
import { requireTool } from "../helpers/tools";

/**
 * The GitHub Actions workflows (DL-1…5, BK-5, SC-4): each passes a real workflow linter, and the
 * properties that make them safe are checked on the parsed YAML.
 */

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const ACTIONS = path.join(ROOT, ".github", "actions");
const VALIDATOR = path.join(ROOT, "node_modules", ".bin", "action-validator");

type Job = Record<string, any>;
type Workflow = { name: string; on: Record<string, any>; permissions?: unknown; jobs: Record<string, Job> };

function load(file: string): Workflow {
    return YAML.parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"));
}

function workflowFiles(): string[] {
    return fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
}

function actionFiles(): string[] {
    return fs.existsSync(ACTIONS) ? fs.readdirSync(ACTIONS).map((d) => path.join(ACTIONS, d, "action.yml")).filter((f) => fs.existsSync(f)) : [];
}

function steps(job: Job): Job[] {
    return job.steps ?? [];
}

/** Every `uses:` in a workflow or composite action file. */
function usesIn(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(usesIn);
    if (value && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => (k === "uses" && typeof v === "string" ? [v] : usesIn(v)));
    }
    return [];
}

function validate(file: string): { status: number | null; output: string } {
    const r = spawnSync(VALIDATOR, [file], { encoding: "utf8" });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("stack: GitHub Actions workflows", () => {
    it("the workflows exist: pull-request, its comment, checks, deploy, drift", () => {
        assert.deepStrictEqual(workflowFiles().sort(), ["checks.yml", "deploy.yml", "drift.yml", "pr-comment.yml", "pull-request.yml"]);
    });

    it("every workflow and action passes action-validator, which does reject a broken workflow", () => {
        for (const file of [...workflowFiles().map((f) => path.join(WORKFLOWS, f)), ...actionFiles()]) {
            const r = validate(file);
            assert.strictEqual(r.status, 0, `${path.relative(ROOT, file)}:\n${r.output}`);
        }
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-workflow-"));
        try {
            const broken = path.join(tmp, "broken.yml");
            fs.writeFileSync(broken, "name: broken\non: push\njobs:\n  build:\n    runs-onn: ubuntu-24.04\n    steps:\n      - run: true\n");
            assert.notStrictEqual(validate(broken).status, 0, "action-validator accepted a job without runs-on");
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("every action is pinned to a full version or a commit, and the container image to a tag", () => {
        const pinned = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/;
        const all = [...workflowFiles().map((f) => path.join(WORKFLOWS, f)), ...actionFiles()].flatMap((file) => usesIn(YAML.parse(fs.readFileSync(file, "utf8"))).map((u) => [file, u]));
        assert.ok(all.length > 10);
        for (const [file, uses] of all) {
            if (uses.startsWith("./")) continue;
            assert.match(uses, pinned, `${path.relative(ROOT, file)}: ${uses} is not pinned`);
        }
        assert.ok(all.some(([, u]) => /^pulumi\/actions@v6\./.test(u)), "pulumi/actions at its current major, v6");
        const checks = load("checks.yml");
        assert.match(checks.jobs.test.container.image, /^node:20-bookworm$|^node:\d+\.\d+\.\d+-bookworm$/);
    });

    it("least privilege: no workflow-wide permissions, every job states its own, nothing writes code", () => {
        const allowedWrites: Record<string, string[]> = {
            "pull-request.yml/preview": ["id-token", "pull-requests"],
            "pr-comment.yml/comment": ["pull-requests"],
            "deploy.yml/staging": ["id-token"],
            "deploy.yml/production": ["id-token"],
            "drift.yml/drift": ["id-token"],
            "drift.yml/report": ["issues"],
        };
        for (const file of workflowFiles()) {
            const wf = load(file);
            assert.deepStrictEqual(wf.permissions, {}, `${file}: top-level permissions must be {}`);
            for (const [id, job] of Object.entries(wf.jobs)) {
                const where = `${file}/${id}`;
                assert.ok(job.permissions && typeof job.permissions === "object", `${where}: no permissions block`);
                const writes = Object.entries(job.permissions as Record<string, string>).filter(([, level]) => level === "write").map(([scope]) => scope).sort();
                assert.deepStrictEqual(writes, (allowedWrites[where] ?? []).sort(), `${where}: write scopes`);
                assert.notStrictEqual(job.permissions.contents, "write", `${where}: contents: write`);
            }
        }
    });

    it("DL-5: the offline plan job and the checks use no secrets and no cloud identity, so they run for forks", () => {
        const pr = load("pull-request.yml");
        const fork = [pr.jobs["offline-plan"], ...Object.values(load("checks.yml").jobs)];
        for (const job of fork) {
            assert.ok(!/secrets\./.test(JSON.stringify(job)), `a fork-safe job reads a secret: ${JSON.stringify(job).match(/secrets\.\w+/)}`);
            assert.strictEqual(job.permissions["id-token"], undefined);
        }
        assert.ok(!/secrets\./.test(fs.readFileSync(path.join(WORKFLOWS, "checks.yml"), "utf8")));
        const plan = steps(pr.jobs["offline-plan"]).find((s) => /pr-summary\.sh/.test(s.run ?? ""));
        assert.ok(plan, "the offline job runs the plan and diff summary");
        assert.strictEqual(pr.jobs["offline-plan"].steps[0].with["fetch-depth"], 0, "the diff needs the base branch's history");
        assert.ok(steps(pr.jobs["offline-plan"]).some((s) => /upload-artifact/.test(s.uses ?? "") && s.if === "always()"));
        assert.strictEqual(pr.jobs.preview.if, "github.event.pull_request.head.repo.full_name == github.repository", "the real preview only runs for branches of this repository");
    });

    it("DL-5: the summary is ONE comment, updated in place, posted without running the pull request's code", () => {
        const wf = load("pr-comment.yml");
        assert.deepStrictEqual(wf.on.workflow_run.workflows, [load("pull-request.yml").name]);
        const job = wf.jobs.comment;
        assert.ok(!steps(job).some((s) => /actions\/checkout/.test(s.uses ?? "")), "never checks out the pull request");
        const script: string = steps(job).find((s) => /github-script/.test(s.uses ?? ""))!.with.script;
        assert.match(script, /updateComment/);
        assert.match(script, /createComment/);
        assert.match(script, /pr\.head\.sha !== run\.head_sha/, "comments only on the PR whose head ran");
        assert.match(fs.readFileSync(path.join(ROOT, "scripts", "deploy", "pr-summary.sh"), "utf8"), /marker="<!-- runbook-pr-summary -->"/);
        assert.match(script, /const marker = "<!-- runbook-pr-summary -->"/);
    });

    it("DL-5: same-repository previews run pulumi preview per stack with the pack, its config and its dependencies", () => {
        const preview = load("pull-request.yml").jobs.preview;
        assert.deepStrictEqual(preview.strategy.matrix.include.map((m: { stack: string }) => m.stack), ["staging", "production"]);
        const s = steps(preview);
        const pulumi = s.findIndex((x) => /^pulumi\/actions@/.test(x.uses ?? ""));
        const packDeps = s.findIndex((x) => x["working-directory"] === "policies" && /npm ci/.test(x.run ?? ""));
        assert.ok(packDeps >= 0 && packDeps < pulumi, "the pack's dependencies are installed before the preview");
        assert.strictEqual(s[pulumi].with.command, "preview");
        assert.strictEqual(s[pulumi].with["comment-on-pr"], true);
        assert.strictEqual(s[pulumi].with.policyPacks, "policies");
        assert.strictEqual(s[pulumi].with.policyPackConfigs, "policies/config/${{ matrix.stack }}.json");
    });

    it("DL-1, DL-2, SC-4, BK-5: deploy checks first, then staging with smoke checks, then production behind its environment with a snapshot first", () => {
        const wf = load("deploy.yml");
        assert.deepStrictEqual(wf.on.push.branches, ["main"]);
        const { checks, staging, production } = wf.jobs;
        assert.strictEqual(checks.uses, "./.github/workflows/checks.yml");
        assert.ok(staging.needs.includes("checks"), "staging needs the checks");
        assert.ok(production.needs.includes("staging"), "production needs staging");
        assert.strictEqual(staging.environment.name, "staging");
        assert.strictEqual(production.environment.name, "production");
        for (const [stack, job] of [["staging", staging], ["production", production]] as const) {
            assert.deepStrictEqual(job.concurrency, { group: `pulumi-stack-${stack}`, "cancel-in-progress": false }, `${stack}: updates never overlap`);
            const s = steps(job);
            const up = s.findIndex((x) => /^pulumi\/actions@/.test(x.uses ?? "") && x.with.command === "up");
            assert.ok(up > 0, `${stack}: pulumi up`);
            assert.strictEqual(s[up].with.policyPacks, "policies");
            assert.strictEqual(s[up].with.policyPackConfigs, `policies/config/${stack}.json`);
            assert.ok(s.findIndex((x) => x["working-directory"] === "policies" && /npm ci/.test(x.run ?? "")) < up);
            const smoke = s.findIndex((x) => /dist\/cli\/smoke\.js --stack "\$STACK" --in-cluster/.test(x.run ?? ""));
            assert.ok(smoke > up, `${stack}: smoke checks after the update`);
            assert.ok(s.some((x) => x.uses === "./.github/actions/cloud-access"), `${stack}: OIDC cloud access`);
            assert.ok(!/AWS_SECRET_ACCESS_KEY|aws-secret-access-key/.test(JSON.stringify(job)), `${stack}: no long-lived AWS keys`);
        }
        const s = steps(production);
        const snapshot = s.findIndex((x) => /rds-snapshot\.sh/.test(x.run ?? ""));
        const up = s.findIndex((x) => /^pulumi\/actions@/.test(x.uses ?? "") && x.with.command === "up");
        assert.ok(snapshot >= 0 && snapshot < up, "the RDS snapshot comes before the production update (BK-5)");
        assert.match(s[snapshot].env.INSTANCE, /steps\.outputs\.outputs\.databaseInstanceIdentifier/);
    });

    it("DL-3: a manual run redeploys a chosen earlier commit of main through the same gates", () => {
        const wf = load("deploy.yml");
        assert.strictEqual(wf.on.workflow_dispatch.inputs.ref.required, true);
        const resolve: string = steps(wf.jobs.resolve).find((x) => x.id === "resolve")!.run;
        assert.match(resolve, /merge-base --is-ancestor "\$sha" origin\/main/);
        assert.strictEqual(steps(wf.jobs.resolve).find((x) => x.id === "resolve")!.env.REF, "${{ inputs.ref || github.sha }}");
        for (const job of [wf.jobs.staging, wf.jobs.production]) assert.strictEqual(steps(job)[0].with.ref, "${{ needs.resolve.outputs.sha }}");
        assert.strictEqual(wf.jobs.checks.with.ref, "${{ needs.resolve.outputs.sha }}");
    });

    it("DL-4: drift runs a refreshing preview that expects no changes per stack, and keeps one issue", () => {
        const wf = load("drift.yml");
        assert.ok(wf.on.schedule?.[0]?.cron);
        const drift = wf.jobs.drift;
        assert.deepStrictEqual(drift.strategy.matrix.include.map((m: { stack: string }) => m.stack), ["staging", "production"]);
        const preview = steps(drift).find((x) => /^pulumi\/actions@/.test(x.uses ?? ""))!;
        assert.deepStrictEqual([preview.with.command, preview.with.refresh, preview.with["expect-no-changes"]], ["preview", true, true]);
        assert.strictEqual(preview["continue-on-error"], undefined, "drift fails its job visibly");
        const report = wf.jobs.report;
        assert.strictEqual(report.if, "always()");
        const script: string = steps(report).find((x) => /github-script/.test(x.uses ?? ""))!.with.script;
        assert.match(script, /labels: label/);
        assert.match(script, /issues\.update/);
        assert.match(script, /issues\.create\(/);
    });

    it("every stack in the project is previewed and drift-checked", () => {
        const stacks = fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
        for (const [file, job] of [["pull-request.yml", "preview"], ["drift.yml", "drift"]]) {
            const covered = load(file).jobs[job].strategy.matrix.include.map((m: { stack: string }) => m.stack).sort();
            assert.deepStrictEqual(covered, stacks, `${file}/${job}`);
        }
    });

    it("the deploy scripts pass shellcheck", function () {
        const shellcheck = requireTool(this, "shellcheck", "shellcheck");
        const scripts = fs.readdirSync(path.join(ROOT, "scripts", "deploy")).filter((f) => f.endsWith(".sh")).map((f) => path.join(ROOT, "scripts", "deploy", f));
        assert.ok(scripts.length >= 2);
        const r = spawnSync(shellcheck, scripts, { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    it("BK-5: rds-snapshot.sh snapshots the instance under a valid identifier and waits until it is available", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-snapshot-"));
        try {
            // A stand-in for the AWS CLI that records its arguments.
            const log = path.join(tmp, "aws.log");
            fs.writeFileSync(path.join(tmp, "aws"), `#!/bin/sh\necho "$*" >>"${log}"\n`, { mode: 0o755 });
            const output = path.join(tmp, "github-output");
            const r = spawnSync(path.join(ROOT, "scripts", "deploy", "rds-snapshot.sh"), ["database-postgres-instance-1a2b3c", "3b1af74c0ffe_run--812-"], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${tmp}:${process.env.PATH}`, GITHUB_OUTPUT: output },
            });
            assert.strictEqual(r.status, 0, r.stderr);
            const calls = fs.readFileSync(log, "utf8").trim().split("\n");
            const id = "predeploy-database-postgres-instance-1a2b3c-3b1af74c0ffe-run-812";
            assert.match(calls[0], new RegExp(`^rds create-db-snapshot --db-instance-identifier database-postgres-instance-1a2b3c --db-snapshot-identifier ${id} `));
            assert.strictEqual(calls[1], `rds wait db-snapshot-available --db-snapshot-identifier ${id}`);
            assert.strictEqual(fs.readFileSync(output, "utf8"), `snapshot=${id}\n`);
            const missing = spawnSync(path.join(ROOT, "scripts", "deploy", "rds-snapshot.sh"), [], { encoding: "utf8", env: { ...process.env, PATH: `${tmp}:${process.env.PATH}` } });
            assert.notStrictEqual(missing.status, 0, "no instance, no snapshot");
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});
