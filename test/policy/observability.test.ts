import * as assert from "assert";
import { AlertRulesInput, alertingRules as alertingRulesOf, ruleGroups } from "../../components/observability/alertRules";
import { alertmanagerConfigSpec, routingModel } from "../../components/observability/routing";
import { alertsCoverApps, alertsHaveSeverityAndRunbook, dataAlertsHaveSource, dataStoreCloudwatchAlarms, pagingAlertsReachPager, resolveReceivers } from "../../policies/rules/observability";
import { PlanResource } from "../../plan/model";
import { check, resource } from "../helpers/policy";
import { K8S_DEPLOYMENT } from "../helpers/types";
import { PRODUCTION_ALERT_INPUT } from "../helpers/alertInputs";

const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const ALERTMANAGER_CONFIG = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";
const RDS = "aws:rds/instance:Instance";
const GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

const input = PRODUCTION_ALERT_INPUT;

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

    it("OB-1: violating: an api without the latency SLO's burn-rate alerts (issue 22), named in the violation", async () => {
        const v = await check([alertsCoverApps], [deployment("api", "api"), prometheusRule(withoutAlerts(["LatencyBudgetBurnFast", "LatencyBudgetBurnSlow"]))]);
        assert.strictEqual(v.length, 1);
        assert.match(v[0].message, /no LatencyBudgetBurnFast, LatencyBudgetBurnSlow alert/);
    });

    it("OB-6, OB-7: violating: apps without any PrometheusRule miss the pod and backup alerts", async () => {
        const v = await check([alertsCoverApps], [deployment("worker", "worker")]);
        assert.strictEqual(v.length, 1);
        assert.match(v[0].message, /AppDown, PodRestartLoop, ContainerOOMKilled, BackupFailed, BackupTooOld alert/);
        assert.doesNotMatch(v[0].message, /HighLatencyP95/, "workers alone need no SLO alerts");
    });

    it("BK-6: compliant: a stack whose backups are drilled elsewhere declares no drill alerts (its Prometheus never sees drill metrics)", async () => {
        assert.deepStrictEqual(await check([alertsCoverApps], [deployment("api", "api"), prometheusRule()]), []);
    });

    it("BK-6: violating: the stack that runs a restore drill CronJob must watch it (failed, overdue, never passed)", async () => {
        const drill = resource("kubernetes:batch/v1:CronJob", "backups-drill-production-postgres", { metadata: { name: "restore-drill-production-postgres", labels: { "runbook.dev/restore-drill": "postgres" } }, spec: {} });
        const v = await check([alertsCoverApps], [deployment("api", "api"), prometheusRule(), drill]);
        assert.strictEqual(v.length, 1);
        assert.match(v[0].message, /no RestoreDrillFailed, RestoreDrillOverdue, RestoreDrillNeverSucceeded alert/);
        const watched = ruleGroups({ ...input, restoreDrills: [{ stack: "production", datastore: "postgres", schedule: "0 5 1 1,4,7,10 *" }] });
        assert.deepStrictEqual(await check([alertsCoverApps], [deployment("api", "api"), prometheusRule(watched), drill]), []);
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

    it("OB-4: violating: production alerts linking to a repository path (issue 22); staging may", async () => {
        const relative = ruleGroups({ ...input, runbookBaseUrl: "docs/alerts.md" });
        const v = await check([alertsHaveSeverityAndRunbook], [prometheusRule(relative)]);
        assert.strictEqual(v.length, alertingRulesOf(relative).length, "one violation per alert");
        assert.match(v[0].message, /runbook_url "docs\/alerts\.md#errorbudgetburnfast" is not an absolute https URL/);
        const staging = resource(PROMETHEUS_RULE, "observability-rules", { metadata: { name: "runbook-alerts", namespace: "runbook" }, spec: { groups: relative } }, { stack: "staging" });
        assert.deepStrictEqual(await check([alertsHaveSeverityAndRunbook], [staging]), []);
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

describe("policy: data-alerts-have-source (OB-3, DB-4)", () => {
    const inCluster: AlertRulesInput = { ...input, redisMode: "in-cluster" };
    const rules = prometheusRule(ruleGroups(inCluster));
    const exporterPod = { "app.kubernetes.io/name": "postgres-exporter", "app.kubernetes.io/component": "exporter" };
    const redisPod = { "app.kubernetes.io/name": "redis-in-cluster", "app.kubernetes.io/component": "cache" };
    const workload = (type: string, name: string, labels: Record<string, string>, images: string[]) =>
        resource(type, name, { metadata: { name, namespace: "runbook" }, spec: { template: { metadata: { labels }, spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } } } });
    const postgresExporter = workload(K8S_DEPLOYMENT, "postgres-exporter-deployment", exporterPod, ["quay.io/prometheuscommunity/postgres-exporter:v0.15.0"]);
    const postgresService = resource("kubernetes:core/v1:Service", "postgres-exporter-service", { metadata: { name: "postgres-exporter", namespace: "runbook", labels: exporterPod }, spec: { selector: exporterPod } });
    const serviceMonitor = resource("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "postgres-servicemonitor", { metadata: { name: "postgres-exporter", namespace: "runbook" }, spec: { selector: { matchLabels: exporterPod } } });
    const redis = workload("kubernetes:apps/v1:StatefulSet", "redis-statefulset", redisPod, ["redis:7.2.7", "oliver006/redis_exporter:v1.67.0"]);
    const podMonitor = resource("kubernetes:monitoring.coreos.com/v1:PodMonitor", "redis-podmonitor", { metadata: { name: "redis-exporter", namespace: "runbook" }, spec: { selector: { matchLabels: redisPod } } });

    it("OB-3, DB-4: compliant: the PostgreSQL and Redis alerts with their exporters and monitors", async () => {
        assert.deepStrictEqual(await check([dataAlertsHaveSource], [rules, postgresExporter, postgresService, serviceMonitor, redis, podMonitor]), []);
    });

    it("OB-3, DB-4: violating: Redis alerts without a redis_exporter (ElastiCache has none), each alert named", async () => {
        const v = await check([dataAlertsHaveSource], [rules, postgresExporter, postgresService, serviceMonitor]);
        assert.deepStrictEqual(v.map((x) => /Alert '(\w+)'/.exec(x.message)![1]).sort(), ["DatastoreMetricsMissing", "RedisMemoryNearMax", "RedisRejectingWrites"]);
        assert.ok(v.every((x) => /no redis_exporter runs in namespace 'runbook'/.test(x.message) && x.urn === rules.urn));
    });

    it("OB-3, DB-4: violating: an exporter that no monitor scrapes produces nothing", async () => {
        const v = await check([dataAlertsHaveSource], [rules, postgresExporter, postgresService, redis, podMonitor]);
        assert.ok(v.length > 0 && v.every((x) => /postgres_exporter/.test(x.message)), JSON.stringify(v.map((x) => x.message)));
        assert.ok(v.some((x) => /'DatabaseConnectionsNearMax' .* reads pg_stat_activity_count, pg_settings_max_connections/.test(x.message)));
    });

    it("OB-3, DB-4: violating: a MongoDB rule in a stack whose exporters are PostgreSQL's and Redis'", async () => {
        const mongoRules = prometheusRule(ruleGroups({ ...inCluster, databaseEngine: "mongodb", mongodbMembers: 3 }));
        const v = await check([dataAlertsHaveSource], [mongoRules, postgresExporter, postgresService, serviceMonitor, redis, podMonitor]);
        assert.deepStrictEqual([...new Set(v.map((x) => /Alert '(\w+)'/.exec(x.message)![1]))].sort(), ["DatabaseConnectionsNearMax", "DatastoreMetricsMissing", "MongoOperationLatencyHigh", "MongoReplicationLag"]);
    });
});
