import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Logs, LogsArgs } from "./logs";
import { release } from "./release";
import { CHARTS, MONITORING_NAMESPACE, certManagerValues, envoyGatewayValues, gatewayClassSpec, gatewayCrdsValues, kubePrometheusStackValues, pushgatewayValues } from "./charts";

export interface PlatformArgs {
    /** Namespace for cert-manager (`edge.tls.certManagerNamespace`). */
    certManagerNamespace: string;
    /** Namespace for Envoy Gateway and its proxies (`edge.gateway.namespace`). */
    gatewayNamespace: string;
    /** GatewayClass to create for Envoy Gateway (`edge.gateway.className`). */
    gatewayClassName: string;
    /** Namespace for kube-prometheus-stack and the Pushgateway (`alerts.monitoringNamespace`). Defaults to `monitoring`. */
    monitoringNamespace?: string;
    /**
     * OB-5: the log stack (the model's `logs`): Loki and Alloy, or Alloy alone shipping to an
     * existing Loki. Absent: no logs installed.
     */
    logs?: LogsArgs;
}

/**
 * `kubernetes.platform: install`: cert-manager, Envoy Gateway, kube-prometheus-stack, the
 * Pushgateway and the log stack (Loki and Alloy, logs.ts) as Helm releases with pinned chart
 * versions. CRDs come first, and every CRD is a template of some release, so bumping a chart
 * upgrades its CRDs (Helm never upgrades a chart's `crds/` directory): cert-manager's are in its own
 * release (`crds.enabled`), the Gateway API and Envoy Gateway CRDs and the Prometheus operator's
 * each in a release of their own that the controller's release depends on. Whatever uses these
 * CRDs depends on `ready`; nothing waits for the log stack.
 */
export class Platform extends pulumi.ComponentResource {
    /** The releases (and the GatewayClass) that must exist before any object of their CRDs. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:platform:Platform", name, {}, opts);
        const certManager = release(`${name}-cert-manager`, "cert-manager", CHARTS.certManager, args.certManagerNamespace, certManagerValues(), { parent: this });
        const gatewayCrds = release(`${name}-gateway-crds`, "envoy-gateway-crds", CHARTS.gatewayCrds, args.gatewayNamespace, gatewayCrdsValues(), { parent: this });
        const envoyGateway = release(`${name}-envoy-gateway`, "envoy-gateway", CHARTS.envoyGateway, args.gatewayNamespace, envoyGatewayValues(), { parent: this, dependsOn: [gatewayCrds] });
        const gatewayClass = new k8s.apiextensions.CustomResource(
            `${name}-gateway-class`,
            { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name: args.gatewayClassName }, spec: gatewayClassSpec() },
            { parent: this, dependsOn: [envoyGateway] },
        );
        const monitoringNamespace = args.monitoringNamespace ?? MONITORING_NAMESPACE;
        const operatorCrds = release(`${name}-prometheus-operator-crds`, "prometheus-operator-crds", CHARTS.prometheusOperatorCrds, monitoringNamespace, {}, { parent: this });
        const lokiQueryUrl = args.logs?.logs.mode === "install" ? args.logs.logs.queryUrl : undefined;
        const monitoring = release(`${name}-kube-prometheus-stack`, "kube-prometheus-stack", CHARTS.kubePrometheusStack, monitoringNamespace, kubePrometheusStackValues(lokiQueryUrl), { parent: this, dependsOn: [operatorCrds] });
        // OB-5: Alloy's ServiceMonitor needs the operator's CRDs.
        if (args.logs) new Logs(`${name}-logs`, { ...args.logs, crdsReady: [operatorCrds] }, { parent: this });
        // The backup and drill jobs push here (BK-6); without it, their alerts would see nothing.
        const pushgateway = release(`${name}-pushgateway`, "prometheus-pushgateway", CHARTS.pushgateway, monitoringNamespace, pushgatewayValues(monitoringNamespace), { parent: this, dependsOn: [operatorCrds] });
        this.ready = [certManager, gatewayCrds, envoyGateway, gatewayClass, operatorCrds, monitoring, pushgateway];
        this.registerOutputs({});
    }
}
