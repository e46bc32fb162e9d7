import { LOG_SHIPPER, LOKI_SERVICE } from "../../config/model";
import { PUSHGATEWAY_SERVICE } from "../../config/resolve";

/*
 * The cluster platform the stack installs with `kubernetes.platform: install`, pinned to chart
 * versions (a chart that floats would change the cluster under an unchanged stack). Sources: the
 * charts' own repositories; Envoy Gateway publishes its charts as OCI artifacts.
 */

export interface PinnedChart {
    /** Chart name, or an oci:// reference. */
    chart: string;
    /** Chart repository, absent for OCI charts. */
    repo?: string;
    /** Exact chart version. */
    version: string;
}

export const CHARTS = {
    /** cert-manager, with its CRDs in the release and kept on uninstall. */
    certManager: { chart: "cert-manager", repo: "https://charts.jetstack.io", version: "v1.19.1" },
    /** The Gateway API (standard channel) and Envoy Gateway CRDs, as their own release so upgrades update them. */
    gatewayCrds: { chart: "oci://docker.io/envoyproxy/gateway-crds-helm", version: "v1.9.0" },
    /** Envoy Gateway's controller, installed once its CRDs exist. */
    envoyGateway: { chart: "oci://docker.io/envoyproxy/gateway-helm", version: "v1.9.0" },
    /**
     * The Prometheus operator's CRDs, as a release of their own. Helm installs a chart's `crds/`
     * directory once and never upgrades it, which is how kube-prometheus-stack ships them; this chart
     * ships them as templates, so bumping it upgrades them. Its operator version must be the one
     * kube-prometheus-stack runs (OPERATOR_VERSIONS).
     */
    prometheusOperatorCrds: { chart: "prometheus-operator-crds", repo: "https://prometheus-community.github.io/helm-charts", version: "26.0.1" },
    /** Prometheus operator, Prometheus, Alertmanager and Grafana, without CRDs of its own. */
    kubePrometheusStack: { chart: "kube-prometheus-stack", repo: "https://prometheus-community.github.io/helm-charts", version: "81.6.2" },
    /** The Pushgateway the backup and drill jobs push to (`backups.pushgatewayUrl`'s default), with its ServiceMonitor. */
    pushgateway: { chart: "prometheus-pushgateway", repo: "https://prometheus-community.github.io/helm-charts", version: "3.6.0" },
    /**
     * Grafana Loki (3.7), the log store (OB-5). Since March 2026 the open-source chart is maintained
     * in grafana-community/helm-charts; grafana/loki's own chart (7.x) is for Grafana Enterprise Logs only.
     */
    loki: { chart: "loki", repo: "https://grafana-community.github.io/helm-charts", version: "18.11.0" },
    /** Grafana Alloy (v1.18.1), the log shipper (OB-5); Promtail reached its end of life and is not used. */
    alloy: { chart: "alloy", repo: "https://grafana.github.io/helm-charts", version: "1.11.1" },
} satisfies Record<string, PinnedChart>;

/**
 * The Prometheus operator version each chart carries (its Chart.yaml `appVersion`): the CRDs must
 * match the operator that reads them. Bump both charts together.
 */
export const OPERATOR_VERSIONS = { kubePrometheusStack: "v0.88.1", prometheusOperatorCrds: "v0.88.1" } as const;


/** Envoy Gateway's controller name, which a GatewayClass names to be served by it. */
export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

/** Namespace of kube-prometheus-stack. */
export const MONITORING_NAMESPACE = "monitoring";

/** cert-manager with its CRDs as templates (upgraded with the release), and a ServiceMonitor: the certificate alerts read its metrics. */
export const certManagerValues = () => ({ crds: { enabled: true, keep: true }, prometheus: { enabled: true, servicemonitor: { enabled: true } } });

export const gatewayCrdsValues = () => ({ crds: { gatewayAPI: { enabled: true, channel: "standard" }, envoyGateway: { enabled: true } } });

/** The controller's chart must not bring its own copy of the CRDs: the CRD release owns them. */
export const envoyGatewayValues = () => ({ crds: { enabled: false } });

/**
 * Prometheus picks up every PrometheusRule, ServiceMonitor and PodMonitor, not only those labelled
 * with this release, so the stack's own rules and monitors need no chart-specific label.
 */
export const kubePrometheusStackValues = (lokiQueryUrl?: string) => ({
    // The CRDs come from the prometheus-operator-crds release, which upgrades them.
    crds: { enabled: false },
    prometheus: {
        prometheusSpec: {
            ruleSelectorNilUsesHelmValues: false,
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
        },
    },
    // OB-5: the on-call engineer searches the logs in the same Grafana as the metrics (Explore, "Loki").
    ...(lokiQueryUrl !== undefined ? { grafana: { additionalDataSources: [lokiDatasource(lokiQueryUrl)] } } : {}),
});

/** Grafana's datasource for the installed Loki. */
export function lokiDatasource(url: string) {
    return { name: "Loki", type: "loki", uid: "loki", access: "proxy", url, editable: false };
}

/**
 * The Pushgateway: scraped with honor_labels, so the `job`, `datastore` and `stack` labels the jobs
 * push stay theirs; its metrics on a volume, so a restart does not forget the last successful backup
 * (which would raise BackupNeverSucceeded until the next one).
 */
export const pushgatewayValues = (monitoringNamespace: string) => ({
    fullnameOverride: PUSHGATEWAY_SERVICE.name,
    service: { port: PUSHGATEWAY_SERVICE.port },
    serviceMonitor: { enabled: true, namespace: monitoringNamespace, honorLabels: true },
    persistentVolume: { enabled: true, size: "1Gi" },
});

/** The GatewayClass Envoy Gateway serves, created with the platform. */
export function gatewayClassSpec() {
    return { controllerName: ENVOY_GATEWAY_CONTROLLER, description: "Envoy Gateway, installed by the runbook platform" };
}

/** The installed Loki's settings, from the model's `logs` (ResolvedInstalledLogs). */
export interface LokiSettings {
    retentionDays: number;
    volumeGb: number;
    storageClass?: string;
}

/**
 * The schema of Loki's index, fixed once: a later change needs a new entry with a future `from`,
 * never an edit of this one. TSDB and schema v13 are what Loki 3 requires for structured metadata.
 */
export const LOKI_SCHEMA = { from: "2024-04-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } } as const;

/**
 * Grafana Loki as one replica (the chart's Monolithic mode, formerly SingleBinary) on a volume:
 * the size for a small stack's logs, without object storage. Retention (OB-5) is the compactor's
 * job: `limits_config.retention_period` says how long, `compactor.retention_enabled` makes it
 * delete. The other deployment modes' targets, the memcached caches (gigabytes of memory by
 * default), the gateway, the canary and the Helm test are off: the single binary serves pushes and
 * queries on its own Service.
 */
export function lokiValues(settings: LokiSettings) {
    return {
        deploymentMode: "Monolithic",
        fullnameOverride: LOKI_SERVICE.name,
        loki: {
            // One tenant: the cluster's own logs.
            auth_enabled: false,
            commonConfig: { replication_factor: 1 },
            storage: { type: "filesystem" },
            schemaConfig: { configs: [LOKI_SCHEMA] },
            server: { http_listen_port: LOKI_SERVICE.port },
            limits_config: { retention_period: `${settings.retentionDays * 24}h` },
            compactor: { retention_enabled: true, delete_request_store: "filesystem", working_directory: "/var/loki/compactor" },
        },
        singleBinary: {
            replicas: 1,
            persistence: { enabled: true, size: `${settings.volumeGb}Gi`, ...(settings.storageClass !== undefined ? { storageClass: settings.storageClass } : {}) },
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
        },
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        gateway: { enabled: false },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
    };
}

/**
 * Grafana Alloy as a DaemonSet running the log pipeline (logPipeline.ts), scraped by Prometheus
 * through its ServiceMonitor (the log-shipping alerts read its `loki_write_*` metrics; its job is
 * LOG_SHIPPER.name). It reads logs through the Kubernetes API, so it needs no host mounts and no
 * privileges; it does not install the PodLogs CRD, which the pipeline does not use, and does not
 * report usage to Grafana Labs.
 */
export function alloyValues(pipeline: string, selectorLabels: Record<string, string>) {
    return {
        fullnameOverride: LOG_SHIPPER.name,
        crds: { create: false },
        controller: { type: "daemonset" },
        alloy: {
            configMap: { create: true, content: pipeline },
            enableReporting: false,
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
        },
        serviceMonitor: { enabled: true, additionalLabels: selectorLabels },
    };
}
