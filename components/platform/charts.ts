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
export const kubePrometheusStackValues = () => ({
    // The CRDs come from the prometheus-operator-crds release, which upgrades them.
    crds: { enabled: false },
    prometheus: {
        prometheusSpec: {
            ruleSelectorNilUsesHelmValues: false,
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
        },
    },
});

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
