import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ALERT_DEFAULTS } from "../../../config/resolve";
import { alertProblems } from "../../../config/rulesAlerts";
import { cronPeriodSeconds } from "../../../config/schedule";
import { AlertRulesInput, SEVERITIES, alertSpecs, alertingRules, promtoolTests, ruleGroups } from "../../../components/observability/alertRules";
import { dashboard, metricNames, ruleMetricNames } from "../../../components/observability/dashboard";
import { elastiCacheAlarmSpecs, rdsAlarmSpecs, rdsMaxConnections } from "../../../components/observability/cloudwatchAlarms";
import { PAGED_SEVERITIES, RECEIVERS, Route, routingModel } from "../../../components/observability/routing";
import { renderTemplate } from "../../../components/observability/promql";
import { ROOT } from "../../helpers/harness";
import { stackRaw, stackRawAsFiled } from "../../helpers/stacks";
import { fillAbsentSecrets } from "../../../config/offline";
import { validateConfig } from "../../../config/validate";

const base: AlertRulesInput = {
    stack: "staging",
    namespace: "runbook-staging",
    apps: [
        { name: "api", role: "api" },
        { name: "web", role: "web" },
        { name: "worker", role: "worker" },
    ],
    databaseEngine: "postgres",
    redisMode: "elasticache",
    backups: [{ datastore: "postgres", schedule: "0 2 * * *" }],
    restoreDrill: { datastore: "postgres", schedule: "0 5 * * 1" },
    thresholds: ALERT_DEFAULTS,
    runbookBaseUrl: "docs/alerts.md",
};
const names = (input: AlertRulesInput) => new Set(alertingRules(ruleGroups(input)).map((r) => r.alert));

describe("unit: alert rule generator (OB-1, OB-2, OB-3, OB-6, OB-7, BK-6, ED-2)", () => {
    it("every alert has a promtool test with a firing case, and a quiet case unless it fires by design", () => {
        const specs = alertSpecs(base);
        const tests = promtoolTests(specs, (g) => g);
        assert.deepStrictEqual([...names(base)].sort(), [...new Set(tests.map((t) => t.alert))].sort());
        for (const t of tests) {
            const cases = (t.document.tests as unknown[]).length;
            assert.strictEqual(cases, t.alert === "Watchdog" ? 1 : 2, t.alert);
        }
    });

    it("OB-4: every alert carries a severity sev1–sev4, a summary, a description and a runbook_url whose section exists in docs/alerts.md", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "alerts.md"), "utf8");
        const anchors = new Set([...doc.matchAll(/^#+ (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")));
        const variants: AlertRulesInput[] = [base, { ...base, databaseEngine: "mongodb", mongodbMembers: 3, redisMode: "in-cluster" }, { ...base, apps: [{ name: "api", role: "api", websocketPaths: ["/events"] }] }];
        for (const input of variants) {
            for (const rule of alertingRules(ruleGroups(input))) {
                assert.ok(SEVERITIES.includes(rule.labels.severity as never), `${rule.alert} severity`);
                assert.ok(rule.annotations.summary && rule.annotations.description, `${rule.alert} texts`);
                const [file, anchor] = rule.annotations.runbook_url.split("#");
                assert.strictEqual(file, "docs/alerts.md");
                assert.ok(anchors.has(anchor), `docs/alerts.md has a section for ${rule.alert} (#${anchor})`);
            }
        }
    });

    it("OB-1: thresholds default to the runbook numbers and each environment can override them", () => {
        const rules = alertingRules(ruleGroups(base));
        const expr = (alert: string, input = base) => alertingRules(ruleGroups(input)).find((r) => r.alert === alert)!.expr;
        assert.match(expr("HighLatencyP95"), /\* 1000 > 400$/);
        assert.match(expr("HighErrorRatio"), /> 1$/);
        assert.match(expr("HighResponseTime"), /> 2000$/);
        assert.match(expr("ErrorBudgetBurnFast"), /> 0\.072 /, "14.4 × the 0.5 % budget of 99.5 %");
        const strict = { ...base, thresholds: { ...ALERT_DEFAULTS, errorRatePercent: 0.5, p95LatencyMs: 250, availabilityPercent: 99.9 } };
        assert.match(expr("HighErrorRatio", strict), /> 0\.5$/);
        assert.match(expr("HighLatencyP95", strict), /> 250$/);
        assert.match(expr("ErrorBudgetBurnFast", strict), /> 0\.0144 /);
        assert.ok(rules.every((r) => r.labels.namespace === "runbook-staging"));
    });

    it("OB-3, RD-2: queue alerts only with workers, the WebSocket alert only with WebSocket paths, replication lag only with replicas, Redis rules only for in-cluster Redis", () => {
        const noWorkers = { ...base, apps: base.apps.filter((a) => a.role !== "worker") };
        assert.ok(names(base).has("QueueBacklog"));
        assert.ok(!names(noWorkers).has("QueueBacklog") && !names(noWorkers).has("QueueJobsFailing"));
        assert.ok(!names(base).has("WebSocketConnectionsDropped"));
        assert.ok(names({ ...base, apps: [{ name: "api", role: "api", websocketPaths: ["/events"] }] }).has("WebSocketConnectionsDropped"));
        // ElastiCache runs no exporter: its CloudWatch alarms watch it, so no rule reads redis_exporter metrics.
        const redisAlerts = (input: AlertRulesInput) => alertingRules(ruleGroups(input)).filter((r) => /redis_/.test(r.expr)).map((r) => r.alert);
        assert.deepStrictEqual(redisAlerts(base), []);
        assert.deepStrictEqual(redisAlerts({ ...base, redisMode: "in-cluster" }), ["RedisMemoryNearMax", "RedisRejectingWrites", "DatastoreMetricsMissing"]);
        assert.deepStrictEqual(redisAlerts({ ...base, redisMode: "none" }), []);
        assert.ok(names({ ...base, databaseEngine: "mongodb", mongodbMembers: 3 }).has("MongoReplicationLag"));
        assert.ok(!names({ ...base, databaseEngine: "mongodb", mongodbMembers: 1 }).has("MongoReplicationLag"));
    });

    it("OB-6: a daily backup alerts after 26 h, an hourly one after 2 h", () => {
        const input = { ...base, backups: [{ datastore: "mongodb", schedule: "0 2 * * *" }, { datastore: "mongodb-oplog", schedule: "0 * * * *" }] };
        const tooOld = alertingRules(ruleGroups(input)).filter((r) => r.alert === "BackupTooOld");
        assert.deepStrictEqual(tooOld.map((r) => [r.labels.datastore, r.expr.split("> ")[1]]), [["mongodb", "26"], ["mongodb-oplog", "2"]]);
    });

    it("cron periods: daily, hourly, weekly, quarterly", () => {
        assert.strictEqual(cronPeriodSeconds("0 2 * * *"), 86400);
        assert.strictEqual(cronPeriodSeconds("15 * * * *"), 3600);
        assert.strictEqual(cronPeriodSeconds("*/15 * * * *"), 900);
        assert.strictEqual(cronPeriodSeconds("0 5 * * 1"), 7 * 86400);
        assert.strictEqual(cronPeriodSeconds("0 5 1 1,4,7,10 *"), 93 * 86400);
        assert.strictEqual(cronPeriodSeconds("0 2,14 * * *"), 12 * 3600);
    });

    it("the annotation renderer refuses a template form it cannot predict", () => {
        assert.strictEqual(renderTemplate('{{ $labels.job }} {{ printf "%.1f" $value }} {{ $value | humanizePercentage }}', { job: "api" }, 0.08), "api 0.1 8%");
        assert.throws(() => renderTemplate("{{ $value | humanize }}", {}, 1));
    });
});

describe("unit: Alertmanager routing (OB-4)", () => {
    const model = routingModel({ deadMansSwitch: true });
    const leaf = (severity: string): string[] => {
        const route = model.route.routes!.find((r) => r.matchers?.some((m) => m.name === "severity" && m.value === severity))!;
        return route.routes ? route.routes.map((r: Route) => r.receiver) : [route.receiver];
    };

    it("sev1 and sev2 page and post to Slack; sev3 and sev4 only post", () => {
        for (const s of SEVERITIES) assert.deepStrictEqual(leaf(s), PAGED_SEVERITIES.includes(s) ? [RECEIVERS.pagerduty, RECEIVERS.slack] : [RECEIVERS.slack], s);
    });

    it("inhibition needs the shared label on both sides, so a sev1 never silences unrelated alerts", () => {
        for (const rule of model.inhibitRules) {
            for (const label of rule.equal.filter((l) => l !== "namespace")) {
                if (label === "app" && rule.equal.includes("slo")) continue;
                assert.ok(rule.sourceMatch.some((m) => m.name === label && m.value === ".+"), `source requires ${label}`);
                assert.ok(rule.targetMatch.some((m) => m.name === label && m.value === ".+"), `target requires ${label}`);
            }
        }
    });

    it("the watchdog goes to the dead man's switch, pinged every minute", () => {
        const watchdog = model.route.routes![0];
        assert.deepStrictEqual([watchdog.receiver, watchdog.repeatInterval], [RECEIVERS.deadMansSwitch, "1m"]);
    });
});

describe("unit: CloudWatch alarm thresholds (OB-3, OB-4)", () => {
    it("RDS: max_connections follows the instance class memory; a replica adds ReplicaLag", () => {
        assert.strictEqual(rdsMaxConnections("db.t4g.medium"), 450);
        assert.strictEqual(rdsMaxConnections("db.m6g.large"), 901);
        const thresholds = { dbConnectionsPercent: 80, replicationLagSeconds: 30 };
        const primary = rdsAlarmSpecs({ instanceClass: "db.m6g.large", allocatedStorageGb: 100, replica: false, thresholds });
        assert.deepStrictEqual(primary.map((a) => a.metricName).sort(), ["CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory"]);
        assert.strictEqual(primary.find((a) => a.metricName === "DatabaseConnections")!.threshold, 720);
        assert.ok(rdsAlarmSpecs({ instanceClass: "db.m6g.large", allocatedStorageGb: 100, replica: true, thresholds }).some((a) => a.metricName === "ReplicaLag"));
    });

    it("ElastiCache: memory and evictions on every node, replication lag on replicas", () => {
        const thresholds = { redisMemoryPercent: 90, replicationLagSeconds: 30 };
        assert.deepStrictEqual(elastiCacheAlarmSpecs({ replica: false, thresholds }).map((a) => a.metricName), ["DatabaseMemoryUsagePercentage", "Evictions"]);
        assert.ok(elastiCacheAlarmSpecs({ replica: true, thresholds }).some((a) => a.metricName === "ReplicationLag"));
    });
});

describe("unit: Grafana dashboard", () => {
    it("is dashboard JSON whose every query reads a recording rule or a metric the rules read", () => {
        for (const input of [base, { ...base, databaseEngine: "mongodb" as const, mongodbMembers: 3 }]) {
            const json = JSON.parse(JSON.stringify(dashboard(input))) as { panels: Array<{ id: number; gridPos: object; targets: Array<{ expr: string }> }>; uid: string; schemaVersion: number };
            assert.ok(json.uid && json.schemaVersion >= 36);
            assert.strictEqual(new Set(json.panels.map((p) => p.id)).size, json.panels.length);
            const known = ruleMetricNames(ruleGroups(input));
            for (const panel of json.panels) {
                for (const target of panel.targets) {
                    for (const metric of metricNames(target.expr)) assert.ok(known.has(metric), `${metric} in "${target.expr}" is read by no rule`);
                }
            }
        }
    });
});

describe("unit: alerts config rules (OB-2, OB-4, BK-7)", () => {
    const problems = (stack: string, mutate: (c: Record<string, any>) => void) => {
        const r = validateConfig(stackRaw(stack, mutate), stack);
        return r.ok ? [] : r.problems;
    };

    it("OB-2: a high-response-time page at or below the p95 objective is refused, naming the key", () => {
        const found = problems("staging", (c) => (c["runbook:alerts"].highResponseTimeMs = 300));
        assert.ok(found.some((p) => p.path === "alerts.highResponseTimeMs" && p.requirement === "OB-2"), JSON.stringify(found));
    });

    it("BK-7: an RPO target shorter than the backup interval is refused", () => {
        const found = problems("staging", (c) => (c["runbook:alerts"].rpoTargetHours = 12));
        assert.ok(found.some((p) => p.path === "alerts.rpoTargetHours" && p.requirement === "BK-7"), JSON.stringify(found));
    });

    it("OB-4: production with RDS or ElastiCache needs the PagerDuty CloudWatch key; staging does not", () => {
        // As `pulumi preview` sees a stack file with every other secret set, and not this one.
        const withSecrets = stackRaw("production");
        delete ((withSecrets.namespaces.runbook.alerts as Record<string, any>).routes as Record<string, unknown>).pagerdutyCloudwatchKey;
        const result = validateConfig(withSecrets, "production");
        const found = result.ok ? [] : result.problems;
        assert.ok(found.some((p) => p.path === "alerts.routes.pagerdutyCloudwatchKey" && p.requirement === "OB-4"), JSON.stringify(found));
        assert.ok(fillAbsentSecrets(stackRawAsFiled("production"), "production").filled.some((f) => f.path === "alerts.routes.pagerdutyCloudwatchKey"));
        assert.deepStrictEqual(problems("staging", () => {}), []);
    });

    it("OB-4: a plain-text PagerDuty CloudWatch key is refused (SC-1)", () => {
        const found = problems("production", (c) => (c["runbook:alerts"].routes.pagerdutyCloudwatchKey = "plain"));
        assert.ok(found.some((p) => p.path.includes("pagerdutyCloudwatchKey")), JSON.stringify(found));
    });

    it("thresholds out of range are reported with the key path and the range", () => {
        const found = problems("staging", (c) => (c["runbook:alerts"].availabilityPercent = 100));
        assert.ok(found.some((p) => p.path === "alerts.availabilityPercent" && p.requirement === "OB-1" && /99\.99/.test(p.fix ?? "")), JSON.stringify(found));
        assert.strictEqual(typeof alertProblems, "function");
    });
});
