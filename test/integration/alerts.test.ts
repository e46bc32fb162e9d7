import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { alertingModel } from "../../config/alerting";
import {
    AlertRulesInput,
    ScenarioTest,
    alertSpecs,
    alertingRules,
    defectScenarios,
    freshStackScenarios,
    expectedLabels,
    promtoolTests,
    ruleGroups,
    RuleGroup,
    timingScenarios,
} from "../../components/observability/alertRules";
import { DOC_AVAILABILITY_TARGETS } from "../../components/observability/burnRate";
import { alertmanagerConfigSpec, alertmanagerYamlConfig, routingModel } from "../../components/observability/routing";
import { validateConfig } from "../../config/validate";
import { PlanFile, PlanResource } from "../../plan/model";
import { runbook } from "../helpers/cli";
import { stackRaw, writeStackVariant } from "../helpers/stacks";
import { freePort } from "../helpers/servers";
import { requireTool } from "../helpers/tools";
import { useInClusterRedis, useReplica, useMongodb } from "../helpers/variants";

/*
 * The alert rules and the Alertmanager routing the offline plan emits, checked by Prometheus' and
 * Alertmanager's own tools: `promtool check rules`, a `promtool test rules` unit test per alert
 * (fires with exactly its labels and annotations; stays quiet just inside its threshold),
 * `amtool check-config`, and `amtool config routes test` for where each severity goes (OB-1…OB-4,
 * OB-6, OB-7, BK-6, ED-2).
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-alerts-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Edit = (c: Record<string, any>) => void;

interface Variant {
    label: string;
    stack: string;
    edits: Edit[];
    /** Run issue 22's timing and defect scenarios (they read only the SLO and traffic groups, alike in the data-tier variants). */
    scenarios: boolean;
    /** OB-5: the stack installs the log shipper, so the log-shipping alerts are planned. Absent means false. */
    shipsLogs?: boolean;
}

const VARIANTS: Variant[] = [
    { label: "staging", stack: "staging", edits: [], scenarios: true },
    { label: "production", stack: "production", edits: [], scenarios: true },
    { label: "production with MongoDB, in-cluster Redis and a replica", stack: "production", edits: [useMongodb, useInClusterRedis, useReplica], scenarios: false },
    // OB-5: the log-shipping alerts exist only where the stack installs the shipper.
    { label: "staging shipping its logs to an existing Loki", stack: "staging", edits: [(c) => (c["runbook:kubernetes"].logs = { lokiUrl: "http://loki-gateway.logging.svc/loki/api/v1/push" })], scenarios: false, shipsLogs: true },
];

function plan(variant: Variant): PlanFile {
    const file = writeStackVariant(variant.stack, tmp, (c) => variant.edits.forEach((e) => e(c)));
    const out = path.join(tmp, `${path.basename(file)}.json`);
    const r = runbook("plan", "--stack", variant.stack, "--config", file, "--json", out);
    assert.strictEqual(r.status, 0, `plan exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(fs.readFileSync(out, "utf8"));
}

function generatorInput(variant: Variant): AlertRulesInput {
    const result = validateConfig(stackRaw(variant.stack, (c) => variant.edits.forEach((e) => e(c))), variant.stack);
    assert.ok(result.ok, "the stack config is valid");
    return alertingModel(result.config);
}

function onlyOne(resources: PlanResource[], kind: string): PlanResource {
    const found = resources.filter((r) => r.type === `kubernetes:monitoring.coreos.com/${kind === "AlertmanagerConfig" ? "v1alpha1" : "v1"}:${kind}`);
    assert.strictEqual(found.length, 1, `one ${kind} in the plan`);
    return found[0];
}

function run(tool: string, args: string[], cwd: string): { status: number | null; output: string } {
    const r = spawnSync(tool, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

/** Runs promtool on each file, two at a time (the scenarios evaluate hours of samples each). */
async function promtoolEach(promtool: string, cwd: string, files: string[]): Promise<Array<{ file: string; status: number | null; output: string }>> {
    const results: Array<{ file: string; status: number | null; output: string }> = [];
    let next = 0;
    const worker = async () => {
        while (next < files.length) {
            const file = files[next++];
            results.push(
                await new Promise((resolve) => {
                    const child = spawn(promtool, ["test", "rules", file], { cwd });
                    let output = "";
                    child.stdout.on("data", (d) => (output += d));
                    child.stderr.on("data", (d) => (output += d));
                    child.on("close", (status) => resolve({ file, status, output }));
                }),
            );
        }
    };
    await Promise.all([worker(), worker()]);
    return results;
}

/** Writes the rule groups and the scenario documents, runs them all, and fails naming every scenario whose claim promtool refutes. */
async function proveScenarios(promtool: string, dir: string, groups: RuleGroup[], scenarios: (ruleFile: (g: string) => string) => ScenarioTest[]): Promise<number> {
    fs.mkdirSync(path.join(dir, "rules"), { recursive: true });
    fs.mkdirSync(path.join(dir, "scenarios"), { recursive: true });
    for (const g of groups) fs.writeFileSync(path.join(dir, "rules", `${g.name}.yaml`), YAML.stringify({ groups: [g] }));
    const docs = scenarios((group) => `../rules/${group}.yaml`);
    const files = docs.map((d, i) => {
        const file = path.join("scenarios", `${String(i).padStart(2, "0")}.yaml`);
        fs.writeFileSync(path.join(dir, file), YAML.stringify(d.document));
        return file;
    });
    const results = await promtoolEach(promtool, dir, files);
    const failed = results.filter((r) => r.status !== 0).map((r) => `${docs[files.indexOf(r.file)].claim}\n${r.output}`);
    assert.deepStrictEqual(failed, [], failed.join("\n\n"));
    return docs.length;
}

/** Writes the groups one file each, and a promtool test file per alert; returns the test files. */
function writeRulesAndTests(dir: string, groups: RuleGroup[], input: AlertRulesInput): { ruleFiles: string[]; testFiles: string[] } {
    fs.mkdirSync(path.join(dir, "rules"), { recursive: true });
    fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
    const ruleFiles = groups.map((g) => {
        const file = path.join("rules", `${g.name}.yaml`);
        fs.writeFileSync(path.join(dir, file), YAML.stringify({ groups: [g] }));
        return file;
    });
    const testFiles = promtoolTests(alertSpecs(input), (group) => `../rules/${group}.yaml`).map((t) => {
        const file = path.join("tests", `${t.name}.yaml`);
        fs.writeFileSync(path.join(dir, file), YAML.stringify(t.document));
        return file;
    });
    return { ruleFiles, testFiles };
}

for (const variant of VARIANTS) {
    describe(`alerts: ${variant.label} (OB-1, OB-2, OB-3, OB-6, OB-7, BK-6, ED-2)`, function () {
        this.timeout(600000);
        let planned: PlanFile;
        let input: AlertRulesInput;
        const dir = path.join(tmp, variant.label.replace(/\W+/g, "-"));

        before(() => {
            planned = plan(variant);
            input = generatorInput(variant);
        });

        it("the planned PrometheusRule holds exactly the generated rule groups", () => {
            const rule = onlyOne(planned.resources, "PrometheusRule");
            assert.deepStrictEqual((rule.inputs.spec as { groups: RuleGroup[] }).groups, JSON.parse(JSON.stringify(ruleGroups(input))));
            const logAlerts = alertingRules(ruleGroups(input)).filter((r) => r.labels.category === "logs").map((r) => r.alert);
            assert.deepStrictEqual(logAlerts, variant.shipsLogs ? ["LogShippingStopped", "LogShippingDropping"] : [], "OB-5: log-shipping alerts exactly where the stack installs the shipper");
        });

        it("promtool check rules accepts the planned rule groups", function () {
            const promtool = requireTool(this, "promtool", "prometheus");
            const groups = (onlyOne(planned.resources, "PrometheusRule").inputs.spec as { groups: RuleGroup[] }).groups;
            const { ruleFiles } = writeRulesAndTests(dir, groups, input);
            const r = run(promtool, ["check", "rules", ...ruleFiles], dir);
            assert.strictEqual(r.status, 0, r.output);
        });

        it("promtool test rules: every alert fires with its labels and annotations, and stays quiet just inside its threshold", function () {
            const promtool = requireTool(this, "promtool", "prometheus");
            const groups = (onlyOne(planned.resources, "PrometheusRule").inputs.spec as { groups: RuleGroup[] }).groups;
            const { testFiles } = writeRulesAndTests(dir, groups, input);
            const alerts = new Set(alertingRules(groups).map((r) => r.alert));
            const tested = new Set(promtoolTests(alertSpecs(input), (g) => g).map((t) => t.alert));
            assert.deepStrictEqual([...alerts].sort(), [...tested].sort(), "every planned alert has a unit test");
            const r = run(promtool, ["test", "rules", ...testFiles], dir);
            assert.strictEqual(r.status, 0, r.output);
            assert.strictEqual((r.output.match(/SUCCESS/g) ?? []).length, testFiles.length, r.output);
        });

        if (variant.scenarios) {
            it("issue 22: promtool confirms each SLO page's detection and reset times of docs/alerts.md, and the behaviour of each defect's scenario, reading the groups in the order that exposes stale reads", async function () {
                const promtool = requireTool(this, "promtool", "prometheus");
                const groups = (onlyOne(planned.resources, "PrometheusRule").inputs.spec as { groups: RuleGroup[] }).groups;
                const proven = await proveScenarios(promtool, path.join(dir, "scenarios"), groups, (rf) => [...timingScenarios(input, rf), ...defectScenarios(input, rf), ...freshStackScenarios(input, rf)]);
                assert.ok(proven >= (variant.stack === "production" ? 12 : 10), `${proven} scenarios`);
            });
        }

        it("OB-4 (issue 22, 7): every alert links to its section by an absolute https URL in production", () => {
            const groups = (onlyOne(planned.resources, "PrometheusRule").inputs.spec as { groups: RuleGroup[] }).groups;
            for (const rule of alertingRules(groups)) {
                const url = rule.annotations.runbook_url;
                assert.strictEqual(url, `${input.runbookBaseUrl}#${rule.alert.toLowerCase()}`);
                if (variant.stack === "production") assert.match(url, /^https:\/\/[^/]+\/.+#[a-z0-9]+$/, rule.alert);
            }
        });

        it("OB-4: the planned AlertmanagerConfig is the routing model; amtool accepts it and routes sev1/sev2 to PagerDuty and Slack, sev3/sev4 to Slack only", function () {
            const amtool = requireTool(this, "amtool", "prometheus-alertmanager");
            const planned_ = onlyOne(planned.resources, "AlertmanagerConfig");
            const deadMansSwitch = false;
            const model = routingModel({ deadMansSwitch });
            const spec = planned_.inputs.spec as Record<string, unknown>;
            const secretName = ((spec.receivers as Array<{ slackConfigs?: Array<{ apiURL: { name: string } }> }>).find((r) => r.slackConfigs)!.slackConfigs![0].apiURL.name);
            const channel = (spec.receivers as Array<{ slackConfigs?: Array<{ channel: string }> }>).find((r) => r.slackConfigs)!.slackConfigs![0].channel;
            assert.deepStrictEqual(spec, JSON.parse(JSON.stringify(alertmanagerConfigSpec(model, secretName, channel))));

            fs.mkdirSync(dir, { recursive: true });
            const file = path.join(dir, "alertmanager.yml");
            fs.writeFileSync(file, YAML.stringify(alertmanagerYamlConfig(model, channel, { pagerdutyRoutingKey: "offline-routing-key", slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/offline" })));
            const check = run(amtool, ["check-config", file], dir);
            assert.strictEqual(check.status, 0, check.output);
            const routeTo = (labels: string[], receivers: string) => {
                const r = run(amtool, ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receivers}`, ...labels], dir);
                assert.strictEqual(r.status, 0, `${labels.join(" ")} should reach ${receivers}: ${r.output}`);
            };
            routeTo([`namespace=${input.namespace}`, "severity=sev1", "alertname=AppDown", "app=api"], "pagerduty,slack");
            routeTo([`namespace=${input.namespace}`, "severity=sev2", "alertname=BackupFailed"], "pagerduty,slack");
            routeTo([`namespace=${input.namespace}`, "severity=sev3", "alertname=HighLatencyP95"], "slack");
            routeTo([`namespace=${input.namespace}`, "severity=sev4", "alertname=LatencyRegression"], "slack");
            routeTo([`namespace=${input.namespace}`, "severity=sev4", "alertname=Watchdog"], "slack");
            // The check must be able to fail: sev4 does not page.
            const wrong = run(amtool, ["config", "routes", "test", `--config.file=${file}`, "--verify.receivers=pagerduty,slack", "severity=sev4"], dir);
            assert.notStrictEqual(wrong.status, 0, "sev4 must not reach PagerDuty");
        });
    });
}

describe("alerts: a total outage pages within minutes at every availability target (issue 22, 2)", function () {
    this.timeout(600000);

    it(`promtool confirms the timing table's ErrorBudgetBurnFast rows at ${DOC_AVAILABILITY_TARGETS.join(", ")} %`, async function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const base = generatorInput(VARIANTS[1]);
        for (const target of DOC_AVAILABILITY_TARGETS) {
            const input: AlertRulesInput = { ...base, thresholds: { ...base.thresholds, availabilityPercent: target } };
            const proven = await proveScenarios(promtool, path.join(tmp, `target-${target}`), ruleGroups(input), (rf) => timingScenarios(input, rf).filter((t) => t.name.startsWith("ErrorBudgetBurnFast")));
            assert.strictEqual(proven, 3, `${target} %: 2x, 10x and a total outage`);
        }
    });
});

describe("alerts: log shipping (OB-5)", function () {
    this.timeout(300000);
    const dir = path.join(tmp, "logs");

    it("OB-5: LogShippingStopped fires when no shipper is scraped at all, and not when the stack runs no pod", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const input: AlertRulesInput = { ...generatorInput(VARIANTS[0]), logShipping: { job: "alloy" } };
        const groups = ruleGroups(input);
        const { testFiles } = writeRulesAndTests(dir, groups, input);
        const file = testFiles.find((f) => f.includes("LogShippingStopped"))!;
        const doc = YAML.parse(fs.readFileSync(path.join(dir, file), "utf8"));
        const [firing, quiet] = doc.tests;
        const isShipper = (s: { series: string }) => s.series.startsWith("loki_write_");
        // The shipper gone: no loki_write series at all, the stack's pods running.
        const gone = { ...firing, name: "LogShippingStopped fires with no shipper scraped", input_series: firing.input_series.filter((s: { series: string }) => !isShipper(s)) };
        // Nothing shipped, but nothing of the stack runs either: no alert.
        const idle = { ...quiet, name: "LogShippingStopped stays quiet with no pod running", input_series: firing.input_series.filter(isShipper) };
        assert.strictEqual(gone.input_series.length, 1);
        assert.strictEqual(idle.input_series.length, 1);
        fs.writeFileSync(path.join(dir, "tests", "log-shipping-cases.yaml"), YAML.stringify({ ...doc, tests: [gone, idle] }));
        const r = run(promtool, ["test", "rules", path.join("tests", "log-shipping-cases.yaml")], dir);
        assert.strictEqual(r.status, 0, r.output);
    });
});

describe("alerts: WebSocket apps and a dead man's switch (OB-3, OB-4)", function () {
    this.timeout(300000);
    const dir = path.join(tmp, "websocket");

    it("OB-3: an app with WebSocket paths gets the connection-drop alert, proven by promtool", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const base = generatorInput(VARIANTS[0]);
        const input: AlertRulesInput = { ...base, apps: base.apps.map((a) => (a.role === "api" ? { ...a, websocketPaths: ["/events"] } : a)) };
        const groups = ruleGroups(input);
        assert.ok(alertingRules(groups).some((r) => r.alert === "WebSocketConnectionsDropped"));
        const { ruleFiles, testFiles } = writeRulesAndTests(dir, groups, input);
        const check = run(promtool, ["check", "rules", ...ruleFiles], dir);
        assert.strictEqual(check.status, 0, check.output);
        const test = run(promtool, ["test", "rules", ...testFiles.filter((f) => f.includes("WebSocket"))], dir);
        assert.strictEqual(test.status, 0, test.output);
    });

    it("OB-2: the p95-regression alert is proven for any allowed threshold, not only the default", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const base = generatorInput(VARIANTS[1]);
        for (const percent of [5, 10.3, 47, 150, 500]) {
            const input: AlertRulesInput = { ...base, thresholds: { ...base.thresholds, latencyRegressionPercent: percent } };
            const at = path.join(tmp, `regression-${percent}`);
            const { testFiles } = writeRulesAndTests(at, ruleGroups(input), input);
            const mine = testFiles.filter((f) => f.includes("LatencyRegression"));
            assert.strictEqual(mine.length, 1, `one regression test for ${percent} %`);
            const r = run(promtool, ["test", "rules", ...mine], at);
            assert.strictEqual(r.status, 0, `latencyRegressionPercent ${percent}: ${r.output}`);
        }
    });

    it("ST-2: R2BucketOverBudget is proven for any allowed share and odd budgets; R2UsageStale fires also when no reading ever arrived", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const base = generatorInput(VARIANTS[0]);
        // storage.buckets[].budgetGb as config gives it: 12.5 GB, 0.001 GB (1 MB), 1000 GB.
        const buckets = [{ bucket: "menu-images", budgetBytes: 12.5e9 }, { bucket: "tiny", budgetBytes: 1e6 }, { bucket: "menu-backups", budgetBytes: 1e12 }, { bucket: "unbudgeted" }];
        for (const percent of [1, 33.3, 80, 99.5, 100]) {
            const input: AlertRulesInput = { ...base, r2Usage: { ...base.r2Usage!, buckets }, thresholds: { ...base.thresholds, r2BudgetPercent: percent } };
            const at = path.join(tmp, `r2-budget-${percent}`);
            const groups = ruleGroups(input);
            assert.deepStrictEqual(alertingRules(groups).filter((r) => r.alert === "R2BucketOverBudget").map((r) => r.labels.bucket), ["menu-images", "tiny", "menu-backups"]);
            const { ruleFiles, testFiles } = writeRulesAndTests(at, groups, input);
            const check = run(promtool, ["check", "rules", ...ruleFiles], at);
            assert.strictEqual(check.status, 0, check.output);
            const mine = testFiles.filter((f) => /R2BucketOverBudget|R2UsageStale/.test(f));
            assert.strictEqual(mine.length, 4, `three budget proofs and the staleness proof: ${mine.join(", ")}`);
            const r = run(promtool, ["test", "rules", ...mine], at);
            assert.strictEqual(r.status, 0, `r2BudgetPercent ${percent}: ${r.output}`);
        }
        // No reading ever: the metric is absent, yet the alert fires once the limit and its hold have passed.
        const at = path.join(tmp, "r2-never");
        const input: AlertRulesInput = { ...base, r2Usage: { ...base.r2Usage!, buckets } };
        const stale = alertingRules(ruleGroups(input)).find((r) => r.alert === "R2UsageStale")!;
        fs.mkdirSync(at, { recursive: true });
        fs.writeFileSync(path.join(at, "rules.yaml"), YAML.stringify({ groups: [{ name: "stale", rules: [stale] }] }));
        const alert = (evalTime: string, value?: number) => ({
            eval_time: evalTime,
            alertname: "R2UsageStale",
            exp_alerts: value === undefined ? [] : [{ exp_labels: stale.labels, exp_annotations: { ...stale.annotations, description: stale.annotations.description.replace('{{ printf "%.1f" $value }}', value.toFixed(1)) } }],
        });
        fs.writeFileSync(
            path.join(at, "test.yaml"),
            YAML.stringify({
                rule_files: ["rules.yaml"],
                evaluation_interval: "10m",
                tests: [{ interval: "10m", input_series: [{ series: 'up{job="unrelated"}', values: "1x40" }], alert_rule_test: [alert("3h50m"), alert("5h", 5)] }],
            }),
        );
        const never = run(promtool, ["test", "rules", "test.yaml"], at);
        assert.strictEqual(never.status, 0, never.output);
    });

    it("OB-4: with a dead man's switch, the watchdog pings it and nothing else", function () {
        const amtool = requireTool(this, "amtool", "prometheus-alertmanager");
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, "alertmanager-dms.yml");
        const config = alertmanagerYamlConfig(routingModel({ deadMansSwitch: true }), "#ops", {
            pagerdutyRoutingKey: "offline-routing-key",
            slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/offline",
            deadMansSwitchUrl: "https://hc-ping.com/offline",
        });
        fs.writeFileSync(file, YAML.stringify(config));
        assert.strictEqual(run(amtool, ["check-config", file], dir).status, 0);
        const r = run(amtool, ["config", "routes", "test", `--config.file=${file}`, "--verify.receivers=dead-mans-switch", "alertname=Watchdog", "severity=sev4"], dir);
        assert.strictEqual(r.status, 0, r.output);
    });
});

describe("alerts: inhibition on a real Alertmanager (OB-4)", function () {
    this.timeout(120000);
    let server: ChildProcess | undefined;
    let base = "";
    const dir = path.join(tmp, "alertmanager");

    before(async function () {
        const binary = requireTool(this, "prometheus-alertmanager", "prometheus-alertmanager");
        fs.mkdirSync(path.join(dir, "data"), { recursive: true });
        const file = path.join(dir, "alertmanager.yml");
        fs.writeFileSync(
            file,
            YAML.stringify(alertmanagerYamlConfig(routingModel({ deadMansSwitch: false }), "#ops", { pagerdutyRoutingKey: "offline-routing-key", slackWebhookUrl: "http://127.0.0.1:9/slack" })),
        );
        const port = await freePort();
        base = `http://127.0.0.1:${port}`;
        server = spawn(binary, [`--config.file=${file}`, `--storage.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], { stdio: "ignore" });
        for (let i = 0; i < 100; i++) {
            try {
                if ((await fetch(`${base}/-/ready`)).ok) return;
            } catch {
                // not listening yet
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error("Alertmanager did not become ready");
    });

    after(() => {
        server?.kill();
    });

    it("OB-4: a sev1 silences the lower alerts of its own app or datastore, and nothing else; a fast burn silences its slow burn", async () => {
        const ns = "runbook";
        const alert = (alertname: string, severity: string, labels: Record<string, string>) => ({ labels: { alertname, severity, namespace: ns, ...labels }, annotations: { summary: alertname } });
        const posted = [
            alert("AppDown", "sev1", { app: "api", job: "api" }),
            alert("HighLatencyP95", "sev3", { app: "api", job: "api" }),
            alert("HighLatencyP95", "sev3", { app: "web", job: "web" }),
            alert("RedisRejectingWrites", "sev1", { datastore: "redis" }),
            alert("RedisMemoryNearMax", "sev2", { datastore: "redis" }),
            alert("BackupTooOld", "sev2", { datastore: "postgres" }),
            alert("ErrorBudgetBurnFast", "sev2", { app: "web", job: "web", slo: "availability" }),
            alert("ErrorBudgetBurnSlow", "sev3", { app: "web", job: "web", slo: "availability" }),
            alert("PodRestartLoop", "sev2", { pod: "worker-1" }),
        ];
        const post = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(posted) });
        assert.ok(post.ok, await post.text());
        const got = (await (await fetch(`${base}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string>; status: { inhibitedBy: string[] } }>;
        const inhibited = (name: string, key: string, value: string) => {
            const a = got.find((x) => x.labels.alertname === name && x.labels[key] === value);
            assert.ok(a, `${name} ${key}=${value} was received`);
            return a.status.inhibitedBy.length > 0;
        };
        assert.strictEqual(got.length, posted.length);
        assert.strictEqual(inhibited("HighLatencyP95", "app", "api"), true, "AppDown silences the api's latency alert");
        assert.strictEqual(inhibited("HighLatencyP95", "app", "web"), false, "but not another app's");
        assert.strictEqual(inhibited("RedisMemoryNearMax", "datastore", "redis"), true, "rejected writes silence Redis memory");
        assert.strictEqual(inhibited("BackupTooOld", "datastore", "postgres"), false, "but not another datastore's alert");
        assert.strictEqual(inhibited("ErrorBudgetBurnSlow", "app", "web"), true, "the page silences its ticket");
        assert.strictEqual(inhibited("PodRestartLoop", "pod", "worker-1"), false, "an alert without app or datastore is never an echo");
        assert.strictEqual(inhibited("AppDown", "app", "api"), false);
    });

    it("issue 22 (1): with the labels the rules fire with, an SLO page silences its symptom and its ticket, which never page", async () => {
        // Staging's namespace: the alerts above are in another, so neither test sees the other's.
        const input = generatorInput(VARIANTS[0]);
        const specs = alertSpecs(input);
        const firing = (name: string) => {
            const spec = specs.find((s) => s.rule.alert === name)!;
            const labels: Record<string, string> = { alertname: name, ...expectedLabels(spec) };
            return { labels, annotations: { summary: name } };
        };
        const names = ["ErrorBudgetBurnFast", "HighErrorRatio", "ErrorBudgetBurnSlow", "LatencyBudgetBurnFast", "HighLatencyP95", "LatencyBudgetBurnSlow"];
        const post = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(names.map(firing)) });
        assert.ok(post.ok, await post.text());
        const got = (await (await fetch(`${base}/api/v2/alerts?filter=${encodeURIComponent(`namespace="${input.namespace}"`)}`)).json()) as Array<{ labels: Record<string, string>; status: { inhibitedBy: string[] } }>;
        const inhibited = Object.fromEntries(names.map((n) => [n, got.find((a) => a.labels.alertname === n)!.status.inhibitedBy.length > 0]));
        assert.deepStrictEqual(inhibited, {
            ErrorBudgetBurnFast: false,
            HighErrorRatio: true,
            ErrorBudgetBurnSlow: true,
            LatencyBudgetBurnFast: false,
            HighLatencyP95: true,
            LatencyBudgetBurnSlow: true,
        });
        for (const n of ["HighErrorRatio", "HighLatencyP95"]) assert.strictEqual(firing(n).labels.severity, "sev3", `${n} does not page`);
    });
});

