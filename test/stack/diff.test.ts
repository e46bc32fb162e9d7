import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DiffReport } from "../../plan/diff";
import { AWS_RDS_INSTANCE, CLOUDFLARE_R2_BUCKET, CLOUDFLARE_R2_BUCKET_LIFECYCLE } from "../helpers/types";
import { FixtureRepo, projectFiles } from "../helpers/fixtureRepo";
import { ROOT } from "../helpers/harness";
import { alarmDescription, rdsAlarmSpecs } from "../../components/observability/cloudwatchAlarms";

/**
 * `runbook diff` on a real git history: a fixture repository with the project as it is, then a
 * commit that changes the production stack file in three ways a reviewer must see.
 */
describe("stack: runbook diff between two commits of a fixture repository (DL-5, DB-6)", function () {
    this.timeout(180000);
    let repo: FixtureRepo;
    let report: DiffReport;
    let status: number | null;
    let text: string;
    let markdown: string;

    before(() => {
        repo = new FixtureRepo();
        repo.editStack("production", (config) => {
            config["runbook:database"].instanceClass = "db.m6g.xlarge"; // an in-place change
            config["runbook:database"].multiAz = false; // breaks DB-1: rds-multi-az is mandatory in production
            const uploads = config["runbook:storage"].buckets.find((b: { name: string }) => b.name === "retail-uploads");
            uploads.location = "weur"; // an R2 bucket's location cannot change: the protected bucket is replaced
        });
        repo.commit("production: bigger database, single-AZ, uploads moved to Western Europe");
        const json = path.join(repo.dir, "diff.json");
        const md = path.join(repo.dir, "diff.md");
        const r = repo.runbook("diff", "--base", "HEAD~1", "--stack", "production", "--json", json, "--markdown", md);
        status = r.status;
        text = r.stdout;
        assert.ok(fs.existsSync(json), `no diff written (exit ${r.status}):\n${r.stderr}`);
        report = JSON.parse(fs.readFileSync(json, "utf8"));
        markdown = fs.readFileSync(md, "utf8");
    });
    after(() => repo?.remove());

    it("DB-6: calls out the protected bucket that would be replaced, before anything else, and exits 1", () => {
        assert.strictEqual(status, 1);
        assert.strictEqual(report.summary.protectedAtRisk, 1);
        const first = report.resources[0];
        assert.deepStrictEqual([first.type, first.name, first.action, first.protect], [CLOUDFLARE_R2_BUCKET, "storage-retail-uploads-bucket", "replace", true]);
        assert.deepStrictEqual(report.protectedAtRisk, [first.urn]);
        assert.deepStrictEqual(first.changes, [{ path: "location", new: "weur", secret: false, forcesReplacement: true }]);
        assert.match(text, /^Desired-state diff for stack 'production': HEAD~1 \([0-9a-f]{12}\) → working tree/);
        assert.match(text.split("\n")[2], /^PROTECTED RESOURCES AT RISK: 1\./);
        assert.match(text.split("\n")[3], /\+- replace cloudflare:R2Bucket storage-retail-uploads-bucket \[protect/);
        assert.match(markdown, /> \[!CAUTION\]\n> \*\*1 protected resource\(s\) would be replaced or deleted/);
    });

    it("DL-5: reports exactly the changed properties with old and new values, and nothing that did not change", () => {
        const changed = Object.fromEntries(report.resources.map((c) => [c.name, [c.action, c.changes.map((p) => [p.path, p.old, p.new])]]));
        assert.deepStrictEqual(changed, {
            "storage-retail-uploads-bucket": ["replace", [["location", undefined, "weur"]]],
            // Its bucketName comes from the replaced bucket: the preview shows it replaced too.
            "storage-retail-uploads-lifecycle": ["replace", []],
            "database-postgres-instance": ["update", [["instanceClass", "db.m6g.large", "db.m6g.xlarge"], ["multiAz", true, false]]],
            "database-postgres-replica": ["update", [["instanceClass", "db.m6g.large", "db.m6g.xlarge"]]],
            // The CloudWatch alarms scale with the instance class's memory: a real consequence of the change.
            ...alarmUpdates("db.m6g.large", "db.m6g.xlarge"),
        });
        assert.strictEqual(report.resources.find((c) => c.name === "storage-retail-uploads-lifecycle")!.type, CLOUDFLARE_R2_BUCKET_LIFECYCLE);
        assert.match(text, /instanceClass: "db\.m6g\.large" → "db\.m6g\.xlarge"/);
        assert.ok(report.summary.unchanged > 10);
    });

    it("DB-1: reports the violation the change introduces and none fixed", () => {
        assert.deepStrictEqual(
            report.violations.introduced.map((v) => [v.policy, v.enforcementLevel, v.requirements, v.resource]),
            [["rds-multi-az", "mandatory", ["DB-1"], "aws:Instance database-postgres-instance"]],
        );
        assert.strictEqual(report.resources.find((c) => c.name === "database-postgres-instance")!.type, AWS_RDS_INSTANCE);
        assert.deepStrictEqual(report.violations.fixed, []);
        assert.match(text, /Violations introduced: 1\n  ✗ mandatory rds-multi-az \(DB-1\)/);
        assert.match(text, /FAIL: 1 protected resource\(s\) would be replaced or deleted; 1 new mandatory violation\(s\)\./);
    });

    it("DL-5: the same revision on both sides is no change and exits 0; a stack new since the base is all creates", () => {
        fs.copyFileSync(path.join(repo.dir, "Pulumi.staging.yaml"), path.join(repo.dir, "Pulumi.preview.yaml"));
        repo.commit("a preview stack");
        const same = repo.runbook("diff", "--base", "HEAD", "--stack", "staging", "--json", "-");
        assert.strictEqual(same.status, 0, same.stderr);
        const unchanged: DiffReport = JSON.parse(same.stdout);
        assert.deepStrictEqual(unchanged.resources, []);
        assert.deepStrictEqual(unchanged.violations, { introduced: [], fixed: [] });
        const fresh = repo.runbook("diff", "--base", "HEAD~1", "--stack", "preview", "--json", "-");
        const created: DiffReport = JSON.parse(fresh.stdout);
        // Every finding on a new stack is new: the exit code follows its mandatory ones.
        assert.strictEqual(fresh.status, created.summary.introducedMandatory > 0 ? 1 : 0, fresh.stderr);
        assert.strictEqual(created.base.stackExists, false);
        assert.ok(created.summary.create > 10 && created.summary.update === 0 && created.summary.delete === 0);
        assert.match(created.notes.join("\n"), /Pulumi\.preview\.yaml does not exist at HEAD~1/);
    });

    it("DL-5: the pull-request summary script writes one comment with every stack's plan and diff", () => {
        const out = path.join(repo.dir, "pr-summary");
        const r = spawnSync(path.join(repo.dir, "scripts", "deploy", "pr-summary.sh"), ["HEAD~2", out], { cwd: repo.dir, encoding: "utf8" });
        assert.strictEqual(r.status, 1, `${r.stdout}\n${r.stderr}`);
        const comment = fs.readFileSync(path.join(out, "comment.md"), "utf8");
        assert.ok(comment.startsWith("<!-- runbook-pr-summary -->\n## Runbook: offline plan and desired-state diff"));
        for (const stack of ["preview", "production", "staging"]) {
            assert.match(comment, new RegExp(`### Runbook plan: \`${stack}\``));
            assert.match(comment, new RegExp(`### Runbook diff: \`${stack}\``));
        }
        assert.match(comment, /### Runbook diff: `production` ❌/);
        assert.match(comment, /### Runbook diff: `staging` ✅/);
        assert.ok(comment.length < 65536, "fits in one GitHub comment");
        // A plan cut to fit never swallows what follows it: its code block and <details> are closed.
        assert.strictEqual((comment.match(/^```/gm) ?? []).length % 2, 0, "every code block is closed");
        assert.strictEqual((comment.match(/<details>/g) ?? []).length, (comment.match(/<\/details>/g) ?? []).length, "every <details> is closed");
    });

    it("issue 21: the pull-request comment lists the runbook sections the change alters, per stack, from the pages committed at the base", () => {
        const comment = fs.readFileSync(path.join(repo.dir, "pr-summary", "comment.md"), "utf8");
        const part = (stack: string) => {
            const start = comment.indexOf(`### Runbook sections: \`${stack}\``);
            assert.ok(start >= 0, `the comment has ${stack}'s runbook sections:\n${comment}`);
            const end = comment.indexOf("\n### ", start + 1);
            return comment.slice(start, end < 0 ? undefined : end);
        };
        // A bigger instance, single-AZ, the uploads bucket moved: the sections that say so, and no other page.
        const production = part("production");
        assert.match(production, /^### Runbook sections: `production` 📝\n\nAgainst `HEAD~2`: \d+ changed, 0 added, 0 removed\./);
        for (const section of ["inventory.md#datastores", "inventory.md#buckets", "incidents.md#database-down"]) assert.ok(production.includes(`\`${section}\``), `${section} is listed:\n${production}`);
        assert.ok(!/`(access|deploy|index)\.md#/.test(production), production);
        assert.match(part("staging"), /^### Runbook sections: `staging` ✅\n\nNo section of the generated runbook changes against `HEAD~2`\./);
        // A stack new since the base had no runbook there: every section is new.
        assert.match(part("preview"), /^### Runbook sections: `preview` 📝\n\nAgainst `HEAD~2`: 0 changed, \d+ added, 0 removed\./);
        assert.ok(fs.existsSync(path.join(repo.dir, "pr-summary", "runbook-production", "backups.md")), "the pages are in the artifact");
    });

    it("exits 2 with a clear message for a ref that is not a commit, and for missing arguments", () => {
        const bad = repo.runbook("diff", "--base", "no-such-branch", "--stack", "production");
        assert.strictEqual(bad.status, 2);
        assert.match(bad.stderr, /--base 'no-such-branch' is not a commit in this repository/);
        const usage = repo.runbook("diff", "--stack", "production");
        assert.strictEqual(usage.status, 2);
        assert.match(usage.stderr, /diff needs --base <git ref> and --stack <name>/);
    });
});

describe("stack: runbook diff's fixture from a tree without git history (a downloaded tarball)", function () {
    this.timeout(120000);
    let tarball: string;
    before(() => {
        // What `git archive HEAD | tar -x` and a build leave: the sources, dist/ and a node_modules link, no .git.
        tarball = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-tarball-"));
        for (const f of [...projectFiles(), "test/helpers/fixtureRepo.ts", "bench/diff.ts"]) {
            fs.mkdirSync(path.dirname(path.join(tarball, f)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, f), path.join(tarball, f));
        }
        fs.cpSync(path.join(ROOT, "dist"), path.join(tarball, "dist"), { recursive: true });
        fs.symlinkSync(fs.realpathSync(path.join(ROOT, "node_modules")), path.join(tarball, "node_modules"), "dir");
    });
    after(() => fs.rmSync(tarball, { recursive: true, force: true }));

    it("holds the files git lists in a checkout, so runbook diff's tests and benchmark run from a tarball too", () => {
        assert.ok(!fs.existsSync(path.join(tarball, ".git")));
        assert.deepStrictEqual(projectFiles(tarball), projectFiles(), "the same files as from the checkout: no tests, benchmarks, build output or packages");
        const repo = new FixtureRepo(tarball);
        try {
            assert.deepStrictEqual(repo.git("ls-files").split("\n").filter((f) => !f.startsWith("dist/")), projectFiles());
            assert.ok(fs.existsSync(path.join(repo.dir, "dist", "cli", "runbook.js")), "the build output is copied");
            assert.match(repo.git("log", "--oneline"), /base: the project as it is/);
        } finally {
            repo.remove();
        }
    });
});

/** The connection and freeable-memory alarms of both RDS instances, from one class to another. */
function alarmUpdates(from: string, to: string): Record<string, unknown> {
    const specs = (instanceClass: string) =>
        Object.fromEntries(rdsAlarmSpecs({ instanceClass, allocatedStorageGb: 100, replica: false, thresholds: { dbConnectionsPercent: 80, replicationLagSeconds: 30 } }).map((s) => [s.role, s]));
    const [before, after] = [specs(from), specs(to)];
    return Object.fromEntries(
        ["rds-primary", "rds-replica"].flatMap((instance) => [
            [`alarms-${instance}-connections`, ["update", [["alarmDescription", alarmDescription(before.connections), alarmDescription(after.connections)], ["threshold", before.connections.threshold, after.connections.threshold]]]],
            [`alarms-${instance}-freeable-memory`, ["update", [["threshold", before["freeable-memory"].threshold, after["freeable-memory"].threshold]]]],
        ]),
    );
}
