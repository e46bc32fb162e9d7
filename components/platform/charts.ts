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
    /** Prometheus operator, Prometheus, Alertmanager and Grafana; its CRDs install before its templates. */
    kubePrometheusStack: { chart: "kube-prometheus-stack", repo: "https://prometheus-community.github.io/helm-charts", version: "81.6.2" },
} satisfies Record<string, PinnedChart>;

/** Envoy Gateway's controller name, which a GatewayClass names to be served by it. */
export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

/** Namespace of kube-prometheus-stack. */
export const MONITORING_NAMESPACE = "monitoring";

export const certManagerValues = () => ({ crds: { enabled: true, keep: true } });

export const gatewayCrdsValues = () => ({ crds: { gatewayAPI: { enabled: true, channel: "standard" }, envoyGateway: { enabled: true } } });

/** The controller's chart must not bring its own copy of the CRDs: the CRD release owns them. */
export const envoyGatewayValues = () => ({ crds: { enabled: false } });

/**
 * Prometheus picks up every PrometheusRule, ServiceMonitor and PodMonitor, not only those labelled
 * with this release, so the stack's own rules and monitors need no chart-specific label.
 */
export const kubePrometheusStackValues = () => ({
    prometheus: {
        prometheusSpec: {
            ruleSelectorNilUsesHelmValues: false,
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
        },
    },
});

/** The GatewayClass Envoy Gateway serves, created with the platform. */
export function gatewayClassSpec() {
    return { controllerName: ENVOY_GATEWAY_CONTROLLER, description: "Envoy Gateway, installed by the runbook platform" };
}
