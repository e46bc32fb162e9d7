import * as assert from "assert";
import { ALERT_DEFAULTS } from "../../config/resolve";
import { AlertRulesInput, ruleGroups } from "../../components/observability/alertRules";
import { alertmanagerConfigSpec, routingModel } from "../../components/observability/routing";
import { alertsCoverApps, alertsHaveSeverityAndRunbook, dataStoreCloudwatchAlarms, pagingAlertsReachPager, resolveReceivers } from "../../policies/rules/observability";
import { PlanResource } from "../../plan/model";
import { check, resource } from "../helpers/policy";
import { K8S_DEPLOYMENT } from "../helpers/types";

const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const ALERTMANAGER_CONFIG = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";
const RDS = "aws:rds/instance:Instance";
const GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

const input: AlertRulesInput = {
    stack: "production",
    namespace: "runbook",
    apps: [
        { name: "api", role: "api" },
        { name: "worker", role: "worker" },
    ],
    databaseEngine: "postgres",
    redisMode: "elasticache",
    backups: [{ datastore: "postgres", schedule: "0 2 * * *" }],
    restoreDrill: { datastore: "postgres", schedule: "0 5 1 1,4,7,10 *" },
    thresholds: ALERT_DEFAULTS,
    runbookBaseUrl: "docs/alerts.md",
};

function prometheusRule(groups: unknown = ruleGroups(input), namespace = "runbook"): PlanResource {
    return resource(PROMETHEUS_RULE, "observability-rules", { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "runbook-alerts", namespace }, spec: { groups } });
}
function alertmanagerConfig(spec: Record<string, unknown> = alertmanagerConfigSpec(routingModel({ deadMansSwitch: false }), "runbook-alert-routing", "#ops"), namespace = "runbook"): PlanResource {
    return resource(ALERTMANAGER_CONFIG, "observability-alertmanager-config", { apiVersion: "monitoring.coreos.com/v1alpha1", kind: "AlertmanagerConfig", metadata: { name: "runbook-routing", namespace }, spec: JSON.parse(JSON.stringify(spec)) });
}
function deployment(name: string, role: string): PlanResource {
    return resource(K8S_DEPLOYMENT, `app-${name}-deployment`, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: "runbook", labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/component": role, "runbook.dev/tier": "app" } },
    });
}
const withoutAlerts = (names: string[]) => ruleGroups(input).map((g) => ({ ...g, rules: g.rules.filter((r) => !("alert" in r) || !names.includes(r.alert)) }));

describe("policy: alerts-cover-apps (OB-1, OB-6, OB-7)", () => {
    it("OB-1, OB-7, OB-6: compliant: a stack with an api and a worker and the generated rules", async () => {
        assert.deepStrictEqual(await check([alertsCoverApps], [deployment("api", "api"), deployment("worker", "worker"), prometheusRule()]), []);
    });

    it("OB-1: violating: an api without the SLO alerts, named in the violation", async () => {
        const v = await check([alertsCoverApps], [deployment("api", "api"), prometheusRule(withoutAlerts(["ErrorBudgetBurnFast", "HighLatencyP95"]))]);
        assert.strictEqual(v.length, 1);
        assert.match(v[0].message, /ErrorBudgetBurnFast, HighLatencyP95/);
    });

    it("OB-6, OB-7: violating: apps without any PrometheusRule miss the pod and backup alerts", async () => {
        const v = await check([alertsCoverApps], [deployment("worker", "worker")]);
        assert.strictEqual(v.length, 1);
        assert.match(v[0].message, /AppDown, PodRestartLoop, ContainerOOMKilled, BackupFailed, BackupTooOld, RestoreDrillFailed/);
        assert.doesNotMatch(v[0].message, /HighLatencyP95/, "workers alone need no SLO alerts");
    });

    it("a stack without apps needs no alerts", async () => {
        assert.deepStrictEqual(await check([alertsCoverApps], [prometheusRule([])]), []);
    });
});

describe("policy: alerts-have-severity-and-runbook (OB-4)", () => {
    it("OB-4: the generated rules all carry a severity and a runbook_url", async () => {
        assert.deepStrictEqual(await check([alertsHaveSeverityAndRunbook], [prometheusRule()]), []);
    });

    it("OB-4: violating: an alert with severity 'critical' and no runbook_url", async () => {
        const groups = [{ name: "custom", rules: [{ alert: "DiskFull", expr: "vector(1)", labels: { severity: "critical" }, annotations: { summary: "disk" } }] }];
        const v = await check([alertsHaveSeverityAndRunbook], [prometheusRule(groups)]);
        assert.strictEqual(v.length, 1);
        assert.match(v[0].message, /'DiskFull'.*"critical" is not one of sev1, sev2, sev3, sev4; it has no runbook_url/);
    });
});

describe("policy: paging-alerts-reach-pager (OB-4)", () => {
    it("OB-4: the generated routing sends every sev1 and sev2 alert to PagerDuty", async () => {
        assert.deepStrictEqual(await check([pagingAlertsReachPager], [prometheusRule(), alertmanagerConfig()]), []);
    });

    it("OB-4: violating: routing that sends sev2 to Slack only, reported for each sev2 alert", async () => {
        const spec = alertmanagerConfigSpec(routingModel({ deadMansSwitch: false }), "runbook-alert-routing", "#ops") as { route: { routes: Array<{ matchers?: Array<{ value: string }>; routes?: unknown }> } };
        const sev2 = spec.route.routes.find((r) => r.matchers?.some((m) => m.value === "sev2"))!;
        delete sev2.routes;
        const v = await check([pagingAlertsReachPager], [prometheusRule(), alertmanagerConfig(spec)]);
        assert.ok(v.length > 0 && v.every((x) => /\(sev2\).*reaches no pager/.test(x.message)), JSON.stringify(v.map((x) => x.message)));
    });

    it("OB-4: routing in another namespace does not count", async () => {
        const v = await check([pagingAlertsReachPager], [prometheusRule(), alertmanagerConfig(undefined, "elsewhere")]);
        assert.ok(v.some((x) => /AppDown.*reaches no pager/.test(x.message)));
    });

    it("the route walk follows Alertmanager: first match wins unless it continues", () => {
        const route = { receiver: "default", routes: [{ matchers: [{ name: "severity", value: "sev1", matchType: "=" }], receiver: "a", continue: true }, { matchers: [{ name: "severity", value: "sev1|sev2", matchType: "=~" }], receiver: "b" }, { receiver: "c" }] };
        assert.deepStrictEqual(resolveReceivers(route, { severity: "sev1" }), ["a", "b"]);
        assert.deepStrictEqual(resolveReceivers(route, { severity: "sev2" }), ["b"]);
        assert.deepStrictEqual(resolveReceivers(route, { severity: "sev4" }), ["c"]);
    });
});

describe("policy: data-store-cloudwatch-alarms (OB-3, OB-4)", () => {
    const instance = resource(RDS, "database-postgres-instance", { engine: "postgres" });
    const replica = resource(RDS, "database-postgres-replica", { engine: "postgres", replicateSourceDb: "x" });
    const group = resource(GROUP, "redis-elasticache-group", { numCacheClusters: 2 });
    const alarm = (target: PlanResource, dimension: string, metricName: string, actions = ["arn:aws:sns:us-east-1:1:page"]) =>
        resource(ALARM, `alarms-${target.name}-${metricName}`, { metricName, dimensions: { [dimension]: "[unknown]" }, alarmActions: actions }, { propertyDependencies: { dimensions: [target.urn] } });
    const rdsAlarms = (target: PlanResource, extra: string[] = []) => ["CPUUtilization", "FreeStorageSpace", "DatabaseConnections", "FreeableMemory", ...extra].map((m) => alarm(target, "DBInstanceIdentifier", m));
    const redisAlarms = ["DatabaseMemoryUsagePercentage", "Evictions", "ReplicationLag"].map((m) => alarm(group, "CacheClusterId", m));
    // The stack comes from the URN, as under `pulumi preview`: these resources are production's.
    const inProduction = (rs: PlanResource[]) => rs;

    it("OB-3: each RDS instance, the replica and the replication group with all their alarms is compliant", async () => {
        const v = await check([dataStoreCloudwatchAlarms], inProduction([instance, replica, group, ...rdsAlarms(instance), ...rdsAlarms(replica, ["ReplicaLag"]), ...redisAlarms]));
        assert.deepStrictEqual(v, []);
    });

    it("OB-3: violating: a replica without ReplicaLag and a group without alarms, in production", async () => {
        const v = await check([dataStoreCloudwatchAlarms], inProduction([instance, replica, group, ...rdsAlarms(instance), ...rdsAlarms(replica)]));
        assert.deepStrictEqual(v.map((x) => [x.enforcementLevel, x.urn]), [["mandatory", replica.urn], ["mandatory", group.urn]]);
        assert.match(v[0].message, /no CloudWatch alarm on ReplicaLag/);
        assert.match(v[1].message, /DatabaseMemoryUsagePercentage, Evictions, ReplicationLag/);
    });

    it("OB-4: violating: an alarm that notifies no one", async () => {
        const silent = rdsAlarms(instance).map((a, i) => (i === 0 ? alarm(instance, "DBInstanceIdentifier", "CPUUtilization", []) : a));
        const v = await check([dataStoreCloudwatchAlarms], inProduction([instance, ...silent]));
        assert.strictEqual(v.length, 1);
        assert.match(v[0].message, /notify no one/);
    });

    it("outside production a violating stack is only advisory", async () => {
        const v = await check([dataStoreCloudwatchAlarms], [resource(RDS, "database-postgres-instance", { engine: "postgres" }, { stack: "staging" })]);
        assert.deepStrictEqual(v.map((x) => x.enforcementLevel), ["advisory"]);
    });
});
