import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_TIER, TIER_LABEL, workloadLabels } from "../k8s/labels";
import { AlertApp, AlertRulesInput, alertSpecs, ruleGroups } from "./alertRules";
import { METRICS_PATH, METRICS_PORT_NAME } from "./appMetrics";
import { dashboard } from "./dashboard";
import { EXPORTER_PORT_NAME } from "./exporters";
import { PostgresExporter, PostgresExporterArgs } from "./postgresExporter";
import { ROUTING_SECRET_KEYS, alertmanagerConfigSpec, routingModel } from "./routing";

export interface ObservabilityArgs {
    /** What the rules are generated from: the stack model's alerting slice (config/alerting.ts). */
    rules: AlertRulesInput;
    /** The apps' namespace, where the rules, monitors, routing and dashboard live. */
    namespace: pulumi.Input<string>;
    /** Namespace of Prometheus; admitted to the apps' metrics port. Defaults to `monitoring`. */
    monitoringNamespace?: string;
    /** Labels the Prometheus operator selects rules, monitors and Alertmanager configs by. Defaults to `release: kube-prometheus-stack`. */
    selectorLabels?: Record<string, string>;
    /**
     * The data tier's metric sources (DB-4, RD-2). `postgres`: RDS, scraped by a postgres_exporter
     * Deployment this component declares. `redisPods` and `mongodbPods`: the pod labels of in-cluster
     * Redis and the MongoDB members, whose exporter sidecars it scrapes. Defaults to none.
     */
    exporters?: {
        postgres?: Omit<PostgresExporterArgs, "namespace" | "monitoringNamespace">;
        redisPods?: Record<string, string>;
        mongodbPods?: Record<string, string>;
    };
    /** OB-4: receivers' credentials, each a secret Output. */
    routes: {
        pagerdutyRoutingKey: pulumi.Input<string>;
        slackWebhookUrl: pulumi.Input<string>;
        slackChannel: string;
        /** Defaults to none: the watchdog then posts to Slack once a day. */
        deadMansSwitchWebhookUrl?: pulumi.Input<string>;
    };
}

/**
 * Alerting for one stack (OB-1…OB-4, OB-6, OB-7): the generated rules as a PrometheusRule, routing
 * by severity as an AlertmanagerConfig reading its credentials from a Secret, a ServiceMonitor per
 * api/web app and a PodMonitor per worker on the `http` port's `/metrics`, a NetworkPolicy that
 * lets Prometheus scrape them, and the Grafana dashboard.
 */
export class Observability extends pulumi.ComponentResource {
    /** Names of the alerts the PrometheusRule declares. */
    public readonly alertNames: string[];
    /** Name of the Secret holding the PagerDuty, Slack and dead-man's-switch credentials. */
    public readonly routingSecretName: pulumi.Output<string>;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:observability:Observability", name, {}, opts);
        // The prometheus-operator's kinds exist only once their CRDs do (`kubernetes.platform: install`
        // installs them): children do not inherit the component's dependsOn, so the custom resources take it.
        const crdOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };
        const namespace = args.namespace;
        const selectorLabels = args.selectorLabels ?? { release: "kube-prometheus-stack" };
        const labels = { ...workloadLabels("runbook-alerting", "observability", "monitoring"), ...selectorLabels };
        delete (labels as Record<string, string>)[TIER_LABEL];
        const specs = alertSpecs(args.rules);
        const groups = ruleGroups(args.rules, specs);
        this.alertNames = [...new Set(specs.map((s) => s.rule.alert))];

        new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "runbook-alerts", namespace, labels }, spec: { groups } },
            crdOpts,
        );

        const deadMansSwitch = args.routes.deadMansSwitchWebhookUrl !== undefined;
        const secret = new k8s.core.v1.Secret(
            `${name}-routing-secret`,
            {
                metadata: { name: "runbook-alert-routing", namespace, labels },
                type: "Opaque",
                stringData: {
                    [ROUTING_SECRET_KEYS.pagerduty]: pulumi.secret(args.routes.pagerdutyRoutingKey),
                    [ROUTING_SECRET_KEYS.slack]: pulumi.secret(args.routes.slackWebhookUrl),
                    ...(deadMansSwitch ? { [ROUTING_SECRET_KEYS.deadMansSwitch]: pulumi.secret(args.routes.deadMansSwitchWebhookUrl!) } : {}),
                },
            },
            { parent: this },
        );
        this.routingSecretName = secret.metadata.name;
        new k8s.apiextensions.CustomResource(
            `${name}-alertmanager-config`,
            {
                apiVersion: "monitoring.coreos.com/v1alpha1",
                kind: "AlertmanagerConfig",
                metadata: { name: "runbook-routing", namespace, labels },
                spec: secret.metadata.name.apply((secretName) => alertmanagerConfigSpec(routingModel({ deadMansSwitch }), secretName, args.routes.slackChannel)),
            },
            crdOpts,
        );

        for (const app of args.rules.apps) this.monitor(name, app, namespace, labels, crdOpts);
        this.dataMonitors(name, args, labels, crdOpts);

        new k8s.networking.v1.NetworkPolicy(
            `${name}-metrics-ingress`,
            {
                metadata: { name: "runbook-allow-metrics-scrape", namespace, labels },
                spec: {
                    podSelector: { matchLabels: { [TIER_LABEL]: APP_TIER } },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.monitoringNamespace ?? "monitoring" } } }],
                            ports: [{ port: METRICS_PORT_NAME, protocol: "TCP" }],
                        },
                    ],
                },
            },
            { parent: this },
        );

        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: { name: "runbook-dashboard", namespace, labels: { ...labels, grafana_dashboard: "1" } },
                data: { "runbook.json": JSON.stringify(dashboard(args.rules), null, 2) },
            },
            { parent: this },
        );
        this.registerOutputs({ alertNames: this.alertNames, routingSecretName: this.routingSecretName });
    }

    /**
     * The exporters' monitors: a ServiceMonitor for the RDS exporter's Service, a PodMonitor per
     * in-cluster datastore with an exporter sidecar, and the NetworkPolicy that admits Prometheus to
     * the sidecars' metrics port (and nothing else: the datastore's own port stays closed to it).
     */
    private dataMonitors(name: string, args: ObservabilityArgs, labels: Record<string, string>, crdOpts: pulumi.CustomResourceOptions): void {
        const exporters = args.exporters ?? {};
        const namespace = args.namespace;
        const monitoringNamespace = args.monitoringNamespace ?? "monitoring";
        const endpoint = { port: EXPORTER_PORT_NAME, path: "/metrics", interval: "30s", scheme: "http" };
        if (exporters.postgres) {
            const exporter = new PostgresExporter(`${name}-postgres-exporter`, { ...exporters.postgres, namespace, monitoringNamespace }, { parent: this });
            new k8s.apiextensions.CustomResource(
                `${name}-postgres-servicemonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: { name: exporter.serviceName, namespace, labels },
                    spec: {
                        selector: { matchLabels: { "app.kubernetes.io/name": exporter.serviceLabels["app.kubernetes.io/name"], "app.kubernetes.io/component": exporter.serviceLabels["app.kubernetes.io/component"] } },
                        endpoints: [endpoint],
                    },
                },
                crdOpts,
            );
        }
        const sidecars: Array<[string, Record<string, string> | undefined]> = [
            ["redis", exporters.redisPods],
            ["mongodb", exporters.mongodbPods],
        ];
        for (const [store, pods] of sidecars) {
            if (!pods) continue;
            new k8s.apiextensions.CustomResource(
                `${name}-${store}-podmonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: `${store}-exporter`, namespace, labels },
                    spec: { selector: { matchLabels: pods }, podMetricsEndpoints: [endpoint] },
                },
                crdOpts,
            );
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${store}-metrics-ingress`,
                {
                    metadata: { name: `runbook-allow-${store}-metrics-scrape`, namespace, labels },
                    spec: {
                        podSelector: { matchLabels: pods },
                        policyTypes: ["Ingress"],
                        ingress: [
                            {
                                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": monitoringNamespace } } }],
                                ports: [{ port: EXPORTER_PORT_NAME, protocol: "TCP" }],
                            },
                        ],
                    },
                },
                { parent: this },
            );
        }
    }

    /** A ServiceMonitor for an api/web app's Service, a PodMonitor for a worker's pods; `job` is the app's name. */
    private monitor(name: string, app: AlertApp, namespace: pulumi.Input<string>, labels: Record<string, string>, crdOpts: pulumi.CustomResourceOptions): void {
        const endpoint = { port: METRICS_PORT_NAME, path: METRICS_PATH, interval: "30s", scheme: "http" };
        // Name and role, as the App component labels its Service and pods: a migration Job's pods share the name, not the role.
        const selector = { matchLabels: { "app.kubernetes.io/name": app.name, "app.kubernetes.io/component": app.role } };
        if (app.role === "worker") {
            new k8s.apiextensions.CustomResource(
                `${name}-${app.name}-podmonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: app.name, namespace, labels },
                    spec: { jobLabel: "app.kubernetes.io/name", selector, podMetricsEndpoints: [endpoint] },
                },
                crdOpts,
            );
        } else {
            new k8s.apiextensions.CustomResource(
                `${name}-${app.name}-servicemonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: { name: app.name, namespace, labels },
                    spec: { jobLabel: "app.kubernetes.io/name", selector, endpoints: [endpoint] },
                },
                crdOpts,
            );
        }
    }
}
