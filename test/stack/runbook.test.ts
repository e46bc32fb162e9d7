import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { slug } from "../../plan/markdown";
import { PlanFile } from "../../plan/model";
import { readStackFile } from "../../plan/pipeline";
import { readRunbook } from "../../plan/runbookDocs";
import { runbookFacts } from "../../plan/runbookModel";
import { RunbookTexts, runbookSections } from "../../plan/runbookSections";
import { runbook } from "../helpers/cli";
import { ROOT } from "../helpers/harness";
import { assertSections, brokenLinks, markdownlint } from "../helpers/runbookPages";

/*
 * Issue 21: `runbook docs` writes each stack's operations runbook offline. These tests run the CLI
 * as a user would, on the committed stacks and on edited copies of production's stack file.
 */

const STACKS = ["production", "staging"] as const;
const REGENERATE = (stack: string) => `Regenerate it: npm run --silent build && node dist/cli/runbook.js docs --stack ${stack}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-docs-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function docs(stack: string, name: string, ...extra: string[]): RunbookTexts {
    const out = path.join(tmp, name);
    const r = runbook("docs", "--stack", stack, "--out", out, ...extra);
    assert.strictEqual(r.status, 0, `docs of ${stack} (${name}) exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    return readRunbook(out);
}

/** Production's stack file, edited, as a file of its own; with a `secure:` value, as a real stack file has. */
const CIPHERTEXT = "v1:AAABBBCCCdocsTestCiphertextNeverPrinted=";
function productionWith(name: string, edit: (config: Record<string, any>) => void): string {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8"));
    doc.config["runbook:secrets"] = { JWT_SECRET: { secure: CIPHERTEXT } };
    edit(doc.config);
    // One directory per edit, so every copy has the name the pages quote: Pulumi.production.yaml.
    fs.mkdirSync(path.join(tmp, `stack-${name}`));
    const file = path.join(tmp, `stack-${name}`, "Pulumi.production.yaml");
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

describe("stack: runbook docs, the generated runbook of each stack (issue 21)", function () {
    this.timeout(300000);
    const generated: Record<string, RunbookTexts> = {};
    const plans: Record<string, PlanFile> = {};

    before(() => {
        for (const stack of STACKS) {
            const planFile = path.join(tmp, `${stack}.plan.json`);
            const planned = runbook("plan", "--stack", stack, "--json", planFile);
            assert.ok(planned.status === 0 || planned.status === 1, planned.stderr);
            plans[stack] = JSON.parse(fs.readFileSync(planFile, "utf8"));
            generated[stack] = docs(stack, stack, "--plan", planFile);
        }
    });

    for (const stack of STACKS) {
        it(`docs/runbooks/${stack}/ is what \`runbook docs --stack ${stack}\` writes (stale pages fail)`, () => {
            const committed = readRunbook(path.join(ROOT, "docs", "runbooks", stack));
            assert.deepStrictEqual(Object.keys(committed), Object.keys(generated[stack]), `docs/runbooks/${stack} has other pages than the generator writes. ${REGENERATE(stack)}`);
            for (const [file, text] of Object.entries(generated[stack])) assert.ok(committed[file] === text, `docs/runbooks/${stack}/${file} is stale. ${REGENERATE(stack)}`);
        });
    }

    it("planning again writes the same bytes as reusing the plan file (--plan): stable between runs, one plan per run", () => {
        assert.deepStrictEqual(docs("production", "planned-again"), generated.production);
    });

    it("markdownlint (the npm package, docs/runbooks/.markdownlint.json) passes on every page", async () => {
        for (const stack of STACKS) assert.deepStrictEqual(await markdownlint(generated[stack], `${stack}/`), []);
    });

    it("every link resolves: pages, anchors, the hand-written docs and the workflows they point to", () => {
        for (const stack of STACKS) assert.deepStrictEqual(brokenLinks(generated[stack], path.join(ROOT, "docs", "runbooks", stack)), []);
    });

    it("headings are unique on each page, and no section is empty", () => {
        for (const stack of STACKS) assertSections(generated[stack], stack);
    });

    it("OB-4: every alert's runbook_url opens its own section of this stack's alerts page, which gives its severity and route", () => {
        for (const stack of STACKS) {
            const page = generated[stack]["alerts.md"];
            const sections = new Map(runbookSections({ "alerts.md": page }).map((s) => [s.anchor, s.text]));
            const rule = plans[stack].resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
            const alerts = (rule.inputs.spec as any).groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert));
            assert.ok(alerts.length > 20);
            for (const alert of alerts) {
                const anchor = alert.alert.toLowerCase();
                assert.strictEqual(alert.annotations.runbook_url, `https://github.com/acme/runbook/blob/main/docs/runbooks/${stack}/alerts.md#${anchor}`);
                const section = sections.get(anchor);
                assert.ok(section, `${stack}: no section for ${alert.alert}`);
                assert.match(section, new RegExp(`\\| \`${alert.labels.severity}\` \\|`), `${stack} ${alert.alert}: its severity`);
                assert.match(section, /Slack #retail-/, `${stack} ${alert.alert}: who it reaches`);
                assert.match(section, /^1\. /m, `${stack} ${alert.alert}: first steps`);
            }
            for (const alarm of plans[stack].resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) {
                const anchor = /#([a-z0-9-]+)$/.exec(String(alarm.inputs.alarmDescription))![1];
                assert.ok(sections.has(anchor), `${stack}: no section for the CloudWatch alarm ${alarm.name} (#${anchor})`);
            }
        }
    });

    it("each alert's threshold names the config key whose value the rule really compares against", () => {
        // Thresholds that are one number in the rule; the SLO pages compare derived burn rates instead.
        const plain = ["highResponseTimeMs", "latencyRegressionPercent", "authFailurePercent", "routeServerErrorPercent", "routeClientErrorPercent", "queueFailedJobsPerMinute", "queueBacklogJobs", "podRestartsPer15m", "cpuThrottlingPercent", "memoryLimitPercent", "dbConnectionsPercent", "replicationLagSeconds", "redisMemoryPercent", "certificateExpiryDays", "websocketDropPercent"];
        for (const stack of STACKS) {
            const validated = readStackFile({ stack });
            assert.strictEqual(validated.kind, "valid");
            if (validated.kind !== "valid") return;
            const facts = runbookFacts(validated.config, plans[stack]);
            const rule = plans[stack].resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
            const exprs = (rule.inputs.spec as any).groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert).map((r: any) => [r.alert, String(r.expr)]));
            let checked = 0;
            for (const alert of facts.alerting.alerts) {
                const key = /`alerts\.([A-Za-z0-9]+)`/.exec(alert.threshold)?.[1];
                if (key === undefined || !plain.includes(key)) continue;
                const value = (validated.config.alerts as unknown as Record<string, number>)[key];
                assert.ok(alert.threshold.includes(String(value)), `${stack} ${alert.name}: the page shows ${key} = ${value}`);
                const own = exprs.filter(([name]: [string]) => name === alert.name).map(([, expr]: [string, string]) => expr);
                assert.ok(own.some((expr: string) => new RegExp(`[<>]=? ${value}(\\b|$)`).test(expr)), `${stack} ${alert.name}: its rule compares against ${key} = ${value}:\n${own.join("\n")}`);
                checked++;
            }
            assert.ok(checked >= 10, `${stack}: ${checked} thresholds checked`);
        }
    });

    it("names this stack's real things, and prints no secret, placeholder or unknown", () => {
        for (const stack of STACKS) {
            const all = Object.values(generated[stack]).join("\n");
            const stackFile = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
            for (const bucket of stackFile["runbook:storage"].buckets) assert.ok(all.includes(bucket.name), `${stack}: bucket ${bucket.name}`);
            for (const app of stackFile["runbook:apps"]) assert.ok(all.includes(`deployment/${app.name}`), `${stack}: app ${app.name}`);
            assert.ok(all.includes(`--namespace=${stackFile["runbook:kubernetes"].namespace}`));
            assert.ok(all.includes(stackFile["runbook:kubernetes"].context));
            assert.ok(all.includes(stackFile["runbook:alerts"].routes.slackChannel));
            const cronJobs = plans[stack].resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob").map((r) => (r.inputs.metadata as any).name as string);
            for (const name of cronJobs) assert.ok(all.includes(`cronjob/${name}`), `${stack}: CronJob ${name} with a command`);
            for (const bad of ["offline-placeholder-for-", "[secret]", "[unknown]", "undefined", "NaN", "[object Object]"]) assert.ok(!all.includes(bad), `${stack}: prints ${bad}`);
        }
    });
});

describe("stack: runbook docs refuses what it cannot document (issue 21)", function () {
    this.timeout(120000);

    it("exits 2 on a bad stack file, naming the key, and writes nothing", () => {
        const out = path.join(tmp, "refused");
        const r = runbook("docs", "--stack", "production", "--config", productionWith("refused", (c) => (c["runbook:backups"].retentionDays = 3)), "--out", out);
        assert.strictEqual(r.status, 2, r.stderr);
        assert.match(r.stderr, /backups\.retentionDays/);
        assert.ok(!fs.existsSync(out));
    });

    it("exits 2 with the usage for a missing stack or a flag of another command", () => {
        const missing = runbook("docs");
        assert.strictEqual(missing.status, 2);
        assert.match(missing.stderr, /docs needs --stack <name>/);
        const json = runbook("docs", "--stack", "production", "--json");
        assert.strictEqual(json.status, 2);
        assert.match(json.stderr, /--json and --policy-config do not apply/);
        const help = runbook("help");
        assert.match(help.stdout, /runbook docs --stack <name> \[--out <dir>\]/);
    });
});

describe("stack: runbook docs follows the stack file, line for line (issue 21)", function () {
    this.timeout(300000);
    let base: RunbookTexts;
    before(() => {
        base = docs("production", "edit-base", "--config", productionWith("base", () => undefined));
    });

    /** Each line that differs, as [page, section anchor, before, after]; the pages keep their line counts. */
    function differences(after: RunbookTexts): Array<[string, string, string, string]> {
        assert.deepStrictEqual(Object.keys(after), Object.keys(base));
        const out: Array<[string, string, string, string]> = [];
        for (const [file, text] of Object.entries(base)) {
            const a = text.split("\n");
            const b = after[file].split("\n");
            assert.strictEqual(b.length, a.length, `${file}: the edit added or removed lines`);
            let anchor = "";
            let inFence = false;
            a.forEach((line, i) => {
                if (/^\s*```/.test(line)) inFence = !inFence;
                const heading = inFence ? null : /^#{1,6} (.+)$/.exec(line);
                if (heading) anchor = slug(heading[1]);
                if (line !== b[i]) out.push([file, anchor, line, b[i]]);
            });
        }
        return out;
    }

    /** Every changed line is the old line with the values replaced, and nothing else changed. */
    function assertOnly(after: RunbookTexts, replacements: Array<[string, string]>, sections: string[]): void {
        const diff = differences(after);
        assert.ok(diff.length > 0, "the edit changed the runbook");
        for (const [file, anchor, before, changed] of diff) {
            const expected = replacements.reduce((line, [from, to]) => line.split(from).join(to), before);
            assert.strictEqual(changed, expected, `${file}#${anchor}: a line changed beyond the edited value`);
        }
        assert.deepStrictEqual([...new Set(diff.map(([file, anchor]) => `${file}#${anchor}`))].sort(), [...sections].sort());
    }

    it("the base copy prints no `secure:` value of its stack file", () => {
        assert.ok(!Object.values(base).some((t) => t.includes(CIPHERTEXT) || t.includes("docsTestCiphertext")));
    });

    it("BK-2: a retention (backups.retentionDays 30 → 45) changes the lines of the dumps' retention and lock and the alert it derives, not RDS's", () => {
        const after = docs("production", "edit-retention", "--config", productionWith("retention", (c) => (c["runbook:backups"].retentionDays = 45)));
        // BackupNewestExpiring fires a week before the newest backup expires: at retention − 7 days.
        assertOnly(
            after,
            [
                ["30 days", "45 days"],
                ["23 days", "38 days"],
            ],
            ["backups.md#summary", "inventory.md#buckets", "alerts.md#backupnewestexpiring"],
        );
    });

    it("BK-1: a schedule (backups.schedule 0 2 * * * → 30 3 * * *) changes the lines that show it, in cron and in words", () => {
        const after = docs("production", "edit-schedule", "--config", productionWith("schedule", (c) => (c["runbook:backups"].schedule = "30 3 * * *")));
        assertOnly(
            after,
            [
                ["0 2 * * *", "30 3 * * *"],
                ["02:00 UTC", "03:30 UTC"],
            ],
            ["backups.md#summary", "backups.md#restore-postgresql", "inventory.md#scheduled-jobs", "alerts.md#backuptooold"],
        );
    });

    it("OB-3: a threshold (alerts.queueBacklogJobs 1000 → 2500) changes that alert's lines only", () => {
        const after = docs("production", "edit-threshold", "--config", productionWith("threshold", (c) => (c["runbook:alerts"].queueBacklogJobs = 2500)));
        assertOnly(after, [["1000", "2500"]], ["alerts.md#all-alerts", "alerts.md#queuebacklog"]);
    });

    it("ST-3: a bucket name (retail-backups → retail-vault) changes every line that names it, and the old name is gone", () => {
        const after = docs(
            "production",
            "edit-bucket",
            "--config",
            productionWith("bucket", (c) => {
                c["runbook:storage"].buckets.find((b: { purpose: string }) => b.purpose === "backups").name = "retail-vault";
                c["runbook:backups"].bucket = "retail-vault";
            }),
        );
        assertOnly(after, [["retail-backups", "retail-vault"]], ["access.md#buckets", "backups.md#summary", "backups.md#where-the-backups-are", "backups.md#restore-drills", "inventory.md#diagram", "inventory.md#buckets", "inventory.md#scheduled-jobs", "inventory.md#protected-resources", "incidents.md#region-or-account-loss"]);
        assert.ok(!Object.values(after).some((t) => t.includes("retail-backups")));
    });
});
