import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ALERT_DEFAULTS } from "../../../config/resolve";
import { AlertRulesInput } from "../../../components/observability/alertRules";
import { CloudWatchAlarms } from "../../../components/observability/cloudwatchAlarms";
import { Observability } from "../../../components/observability/observability";
import { SECRET } from "../../../plan/model";
import { mockRun, ofType } from "../../helpers/harness";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";

const rules: AlertRulesInput = {
    stack: "staging",
    namespace: "runbook-staging",
    apps: [
        { name: "api", role: "api", websocketPaths: ["/events"] },
        { name: "web", role: "web" },
        { name: "worker", role: "worker" },
    ],
    databaseEngine: "postgres",
    redisMode: "in-cluster",
    backups: [{ datastore: "postgres", schedule: "0 2 * * *" }],
    restoreDrills: [
        { stack: "staging", datastore: "postgres", schedule: "0 5 * * 1" },
        { stack: "production", datastore: "postgres", schedule: "0 5 1 1,4,7,10 *" },
    ],
    thresholds: ALERT_DEFAULTS,
    runbookBaseUrl: "docs/alerts.md",
};

describe("component: Observability (OB-1…OB-4, OB-6, OB-7)", function () {
    this.timeout(60000);

    async function build() {
        return mockRun(() => {
            const o = new Observability("observability", {
                rules,
                namespace: "runbook-staging",
                routes: { pagerdutyRoutingKey: pulumi.secret("pd-key"), slackWebhookUrl: pulumi.secret("https://hooks.slack.com/x"), slackChannel: "#ops", deadMansSwitchWebhookUrl: pulumi.secret("https://hc-ping.com/x") },
            });
            return { urn: o.urn };
        });
    }

    it("every object validates against the prometheus-operator and Kubernetes schemas", async () => {
        const resources = await build();
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
        const kinds = resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.type.split(":").pop()).sort();
        assert.deepStrictEqual(kinds, ["AlertmanagerConfig", "ConfigMap", "NetworkPolicy", "PodMonitor", "PrometheusRule", "Secret", "ServiceMonitor", "ServiceMonitor"]);
    });

    it("OB-3: a ServiceMonitor per api/web app and a PodMonitor per worker scrape the http port's /metrics, with job = the app's name", async () => {
        const resources = await build();
        const monitors = [...ofType(resources, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"), ...ofType(resources, "kubernetes:monitoring.coreos.com/v1:PodMonitor")];
        const summary = monitors.map((m) => {
            const spec = m.inputs.spec as any;
            const endpoint = (spec.endpoints ?? spec.podMetricsEndpoints)[0];
            return [m.inputs.kind, spec.selector.matchLabels["app.kubernetes.io/name"], endpoint.port, endpoint.path, spec.jobLabel];
        });
        assert.deepStrictEqual(summary.sort(), [
            ["PodMonitor", "worker", "http", "/metrics", "app.kubernetes.io/name"],
            ["ServiceMonitor", "api", "http", "/metrics", "app.kubernetes.io/name"],
            ["ServiceMonitor", "web", "http", "/metrics", "app.kubernetes.io/name"],
        ]);
        const policy = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy")[0].inputs.spec as any;
        assert.deepStrictEqual(policy.ingress[0].from[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "monitoring" });
        assert.deepStrictEqual(policy.ingress[0].ports, [{ port: "http", protocol: "TCP" }]);
    });

    it("OB-4: the receivers' credentials stay secret in the Secret, and the AlertmanagerConfig reads them by reference", async () => {
        const resources = await build();
        const secret = ofType(resources, "kubernetes:core/v1:Secret")[0];
        const data = secret.inputs.stringData;
        // The plan marks the whole map secret, or each value; either way no credential is readable.
        if (data !== SECRET) for (const value of Object.values(data as Record<string, unknown>)) assert.strictEqual(value, SECRET);
        assert.ok(!JSON.stringify(secret.inputs).includes("pd-key"));
        const config = JSON.stringify(ofType(resources, "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig")[0].inputs);
        assert.ok(!config.includes("pd-key") && !config.includes("hooks.slack.com"), "no credential in the AlertmanagerConfig");
        assert.match(config, /"routingKey":\{"key":"pagerduty-routing-key","name":"runbook-alert-routing"\}/);
    });

    it("the dashboard ConfigMap carries grafana_dashboard: \"1\" and parses as JSON", async () => {
        const resources = await build();
        const cm = ofType(resources, "kubernetes:core/v1:ConfigMap")[0];
        assert.strictEqual((cm.inputs.metadata as any).labels.grafana_dashboard, "1");
        assert.ok(JSON.parse((cm.inputs.data as any)["runbook.json"]).panels.length > 5);
    });
});

describe("component: CloudWatchAlarms (OB-3, OB-4)", function () {
    this.timeout(60000);

    it("RDS primary and replica and each ElastiCache node get their alarms; paging alarms reach PagerDuty through SNS with a secret endpoint", async () => {
        const resources = await mockRun(() => {
            const a = new CloudWatchAlarms("alarms", {
                rdsInstances: [
                    { role: "rds-primary", identifier: "db-1", instanceClass: "db.m6g.large", allocatedStorageGb: 100, replica: false },
                    { role: "rds-replica", identifier: "db-1-replica", instanceClass: "db.m6g.large", allocatedStorageGb: 100, replica: true },
                ],
                elastiCache: { replicationGroupId: "redis-1", numCacheClusters: 2 },
                thresholds: { dbConnectionsPercent: 80, replicationLagSeconds: 30, redisMemoryPercent: 90 },
                pagerdutyCloudwatchKey: pulumi.secret("cw-key"),
            });
            return { urn: a.urn };
        }, "production");
        const alarms = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
        const by = (dimension: string, value: string) => alarms.filter((a) => (a.inputs.dimensions as Record<string, string>)[dimension] === value).map((a) => a.inputs.metricName).sort();
        assert.deepStrictEqual(by("DBInstanceIdentifier", "db-1"), ["CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory"]);
        assert.deepStrictEqual(by("DBInstanceIdentifier", "db-1-replica"), ["CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory", "ReplicaLag"]);
        assert.deepStrictEqual(by("CacheClusterId", "redis-1-001"), ["DatabaseMemoryUsagePercentage", "Evictions"]);
        assert.deepStrictEqual(by("CacheClusterId", "redis-1-002"), ["DatabaseMemoryUsagePercentage", "Evictions", "ReplicationLag"]);
        const subscription = ofType(resources, "aws:sns/topicSubscription:TopicSubscription")[0];
        assert.deepStrictEqual([subscription.inputs.protocol, subscription.inputs.endpoint], ["https", SECRET]);
    });
});

describe("component: Observability's data exporters (DB-4, RD-2)", function () {
    this.timeout(60000);
    const ADMIN_URL = "postgres://runbook_admin:admin-pw@db.internal:5432/app?sslmode=require";
    async function build() {
        return mockRun(() => {
            const o = new Observability("observability", {
                rules,
                namespace: "runbook-staging",
                monitoringNamespace: "prometheus",
                exporters: {
                    postgres: { adminUrl: pulumi.secret(ADMIN_URL), serverUrl: "postgres://db.example.internal:5432/runbook?sslmode=require", jobImage: "ghcr.io/acme/runbook-backup:1.0.0", jobUid: 10001, databaseCidrs: ["10.40.0.0/16"] },
                    redisPods: { "app.kubernetes.io/name": "redis-in-cluster", "app.kubernetes.io/component": "cache" },
                },
                routes: { pagerdutyRoutingKey: pulumi.secret("pd-key"), slackWebhookUrl: pulumi.secret("https://hooks.slack.com/x"), slackChannel: "#ops" },
            });
            return { urn: o.urn };
        });
    }
    const named = (resources: Awaited<ReturnType<typeof build>>, type: string, name: string) => {
        const found = ofType(resources, type).find((r) => r.name.endsWith(name));
        assert.ok(found, `${type} ${name}`);
        return found.inputs as any;
    };

    it("every exporter object validates against the Kubernetes and prometheus-operator schemas", async () => {
        assert.deepStrictEqual(await kubernetesSchemaErrors(await build()), []);
    });

    it("DB-4: a pinned postgres_exporter connects with TLS as the pg_monitor role from a Secret, after the Job that creates the role, and rolls when its DSN changes", async () => {
        const resources = await build();
        const deployment = named(resources, "kubernetes:apps/v1:Deployment", "postgres-exporter-deployment");
        const [container] = deployment.spec.template.spec.containers;
        assert.strictEqual(container.image, "quay.io/prometheuscommunity/postgres-exporter:v0.15.0");
        assert.deepStrictEqual(container.env.map((e: any) => [e.name, Object.keys(e.valueFrom?.secretKeyRef ?? {}).sort()]), [["DATA_SOURCE_NAME", ["key", "name"]]]);
        assert.strictEqual(deployment.spec.replicas, 1);
        assert.ok(deployment.spec.template.metadata.annotations["runbook.dev/config-checksum"]);
        const job = ofType(resources, "kubernetes:batch/v1:Job")[0];
        const exporterDeployment = ofType(resources, "kubernetes:apps/v1:Deployment")[0];
        assert.ok(exporterDeployment.dependencies.includes(job.urn), "the role exists before the exporter connects");
        const jobContainer = (job.inputs as any).spec.template.spec.containers[0];
        assert.deepStrictEqual(jobContainer.command, ["/bin/bash", "/scripts/create-roles.sh"]);
        assert.deepStrictEqual(jobContainer.env.find((e: any) => e.name === "ROLES"), { name: "ROLES", value: "runbook_monitor:monitor" });
        assert.deepStrictEqual(jobContainer.env.find((e: any) => e.name === "MONITOR_ROLE_PASSWORD").valueFrom.secretKeyRef.key, "MONITOR_ROLE_PASSWORD");
        const scripts = named(resources, "kubernetes:core/v1:ConfigMap", "role-script").data as Record<string, string>;
        assert.match(scripts["create-roles.sh"], /monitor\) printf pg_monitor/);
        // The script sources lib.sh from its own directory, so the ConfigMap mounted there carries it.
        assert.match(scripts["create-roles.sh"], /\. "\$\(dirname "\$0"\)\/lib\.sh"/);
        assert.match(scripts["lib.sh"], /^require_env\(\) \{/m);
        // Credentials only in Secrets, never in the plan's readable inputs.
        for (const secret of ofType(resources, "kubernetes:core/v1:Secret")) {
            assert.ok(!JSON.stringify(secret.inputs).includes("admin-pw"), secret.name);
        }
        assert.ok(!JSON.stringify(resources.map((r) => r.inputs)).includes("admin-pw"));
    });

    it("DB-2, SC-5: the exporter and its Job reach the database port only, and only the monitoring namespace reaches the exporter", async () => {
        const resources = await build();
        const egress = named(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "postgres-exporter-egress").spec;
        assert.deepStrictEqual(egress.egress, [{ to: [{ ipBlock: { cidr: "10.40.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] }]);
        const jobLabels = (ofType(resources, "kubernetes:batch/v1:Job")[0].inputs as any).spec.template.metadata.labels;
        const podLabels = named(resources, "kubernetes:apps/v1:Deployment", "postgres-exporter-deployment").spec.template.metadata.labels;
        const selects = (labels: Record<string, string>) =>
            Object.entries(egress.podSelector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v) &&
            (egress.podSelector.matchExpressions as any[]).every((e) => e.values.includes(labels[e.key]));
        assert.ok(selects(jobLabels) && selects(podLabels), "both the Job and the exporter are covered");
        const ingress = named(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "postgres-exporter-ingress").spec;
        assert.deepStrictEqual(ingress.ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prometheus" } } }], ports: [{ protocol: "TCP", port: "metrics" }] }]);
    });

    it("DB-4, RD-2: a ServiceMonitor scrapes the RDS exporter, a PodMonitor the Redis sidecar, and Prometheus may reach only the sidecar's metrics port", async () => {
        const resources = await build();
        const sm = named(resources, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "postgres-servicemonitor");
        assert.deepStrictEqual(sm.spec.selector.matchLabels, { "app.kubernetes.io/name": "postgres-exporter", "app.kubernetes.io/component": "exporter" });
        const service = named(resources, "kubernetes:core/v1:Service", "postgres-exporter-service");
        assert.ok(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels[k] === v), "the ServiceMonitor selects the exporter's Service");
        assert.deepStrictEqual(sm.spec.endpoints[0].port, "metrics");
        const pm = named(resources, "kubernetes:monitoring.coreos.com/v1:PodMonitor", "redis-podmonitor");
        assert.deepStrictEqual(pm.spec.selector.matchLabels, { "app.kubernetes.io/name": "redis-in-cluster", "app.kubernetes.io/component": "cache" });
        const scrape = named(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "redis-metrics-ingress").spec;
        assert.deepStrictEqual(scrape.podSelector.matchLabels, pm.spec.selector.matchLabels);
        assert.deepStrictEqual(scrape.ingress[0].ports, [{ port: "metrics", protocol: "TCP" }]);
    });
});
