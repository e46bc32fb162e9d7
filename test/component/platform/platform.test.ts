import * as assert from "assert";
import { CHARTS, ENVOY_GATEWAY_CONTROLLER, OPERATOR_VERSIONS, lokiDatasource } from "../../../components/platform/charts";
import { REDACTED } from "../../../components/platform/logPipeline";
import { LogsArgs } from "../../../components/platform/logs";
import { defaultPushgatewayUrl } from "../../../config/resolve";
import { Platform } from "../../../components/platform/platform";
import { PlanResource } from "../../../plan/model";
import { mockRun, ofType, one } from "../../helpers/harness";
import { kubernetesObjects, kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { K8S_GATEWAY_CLASS, K8S_HELM_RELEASE } from "../../helpers/types";

type Obj = Record<string, any>;

async function plan(logs?: LogsArgs): Promise<PlanResource[]> {
    return mockRun(() => {
        new Platform("platform", { certManagerNamespace: "cert-manager", gatewayNamespace: "envoy-gateway-system", gatewayClassName: "eg", logs });
    });
}

/** The log stack `kubernetes.platform: install` resolves to in production. */
const INSTALLED_LOGS: LogsArgs = {
    logs: { mode: "install", namespace: "monitoring", retentionDays: 30, volumeGb: 50, pushUrl: "http://loki.monitoring.svc:3100/loki/api/v1/push", queryUrl: "http://loki.monitoring.svc:3100" },
    stack: "production",
    selectorLabels: { release: "kube-prometheus-stack" },
};

const release = (rs: PlanResource[], name: string) => {
    const r = ofType(rs, K8S_HELM_RELEASE).find((x) => x.inputs.name === name);
    assert.ok(r, `no release ${name}`);
    return r;
};

describe("component: Platform (kubernetes.platform: install; ED-2, ED-5)", () => {
    it("installs cert-manager, Envoy Gateway (CRDs and controller) and kube-prometheus-stack at exact chart versions", async () => {
        const rs = await plan();
        const releases = ofType(rs, K8S_HELM_RELEASE);
        assert.deepStrictEqual(releases.map((r) => r.inputs.name).sort(), ["cert-manager", "envoy-gateway", "envoy-gateway-crds", "kube-prometheus-stack", "prometheus-operator-crds", "prometheus-pushgateway"]);
        for (const r of releases) {
            assert.match(String(r.inputs.version), /^v?\d+\.\d+\.\d+$/, `${r.inputs.name} is pinned`);
            assert.strictEqual(r.inputs.atomic, true);
            assert.strictEqual(r.inputs.createNamespace, true);
        }
        assert.strictEqual(release(rs, "cert-manager").inputs.version, CHARTS.certManager.version);
        assert.deepStrictEqual(release(rs, "cert-manager").inputs.repositoryOpts, { repo: "https://charts.jetstack.io" });
        assert.strictEqual(release(rs, "cert-manager").inputs.namespace, "cert-manager");
        assert.strictEqual(release(rs, "envoy-gateway").inputs.namespace, "envoy-gateway-system");
        assert.strictEqual(release(rs, "kube-prometheus-stack").inputs.namespace, "monitoring");
    });

    it("CRDs first: cert-manager installs its own CRDs, and the Envoy Gateway controller waits for the CRD release and does not bring a second copy", async () => {
        const rs = await plan();
        assert.deepStrictEqual((release(rs, "cert-manager").inputs.values as Obj).crds, { enabled: true, keep: true });
        const crds = release(rs, "envoy-gateway-crds");
        assert.deepStrictEqual((crds.inputs.values as Obj).crds, { gatewayAPI: { enabled: true, channel: "standard" }, envoyGateway: { enabled: true } });
        const controller = release(rs, "envoy-gateway");
        assert.deepStrictEqual((controller.inputs.values as Obj).crds, { enabled: false });
        assert.ok(controller.dependencies.includes(crds.urn));
    });

    it("BK-6, OB-6: installs the Pushgateway the jobs push to by default, scraped with honor_labels, its metrics kept on a volume", async () => {
        const rs = await plan();
        const gateway = release(rs, "prometheus-pushgateway");
        const values = gateway.inputs.values as Obj;
        assert.strictEqual(gateway.inputs.namespace, "monitoring");
        // The Service the default backups.pushgatewayUrl names.
        assert.strictEqual(defaultPushgatewayUrl("monitoring"), `http://${values.fullnameOverride}.monitoring.svc:${values.service.port}`);
        assert.deepStrictEqual(values.serviceMonitor, { enabled: true, namespace: "monitoring", honorLabels: true });
        assert.strictEqual(values.persistentVolume.enabled, true, "a restart must not forget the last successful backup");
        assert.ok(gateway.dependencies.includes(release(rs, "prometheus-operator-crds").urn), "its ServiceMonitor needs the operator's CRDs");
    });

    it("OB-4, ED-2: cert-manager is scraped (its ServiceMonitor is on), so the certificate alerts see its metrics", async () => {
        const rs = await plan();
        assert.deepStrictEqual((release(rs, "cert-manager").inputs.values as Obj).prometheus, { enabled: true, servicemonitor: { enabled: true } });
    });

    it("every CRD is a template of a release, so a chart bump upgrades it: the Prometheus operator's come from their own release, at the operator version kube-prometheus-stack runs", async () => {
        const rs = await plan();
        const stack = release(rs, "kube-prometheus-stack");
        assert.deepStrictEqual((stack.inputs.values as Obj).crds, { enabled: false }, "Helm would install the chart's crds/ once and never upgrade them");
        const crds = release(rs, "prometheus-operator-crds");
        assert.strictEqual(crds.inputs.version, CHARTS.prometheusOperatorCrds.version);
        assert.ok(stack.dependencies.includes(crds.urn));
        assert.strictEqual(OPERATOR_VERSIONS.prometheusOperatorCrds, OPERATOR_VERSIONS.kubePrometheusStack, "the CRDs match the operator that reads them");
        assert.deepStrictEqual((release(rs, "cert-manager").inputs.values as Obj).crds, { enabled: true, keep: true });
    });

    it("creates the GatewayClass for Envoy Gateway once its controller is installed", async () => {
        const rs = await plan();
        const gc = one(rs, K8S_GATEWAY_CLASS);
        assert.strictEqual((gc.inputs.metadata as Obj).name, "eg");
        assert.strictEqual((gc.inputs.spec as Obj).controllerName, ENVOY_GATEWAY_CONTROLLER);
        assert.ok(gc.dependencies.includes(release(rs, "envoy-gateway").urn));
    });

    it("OB-5: with the log stack, installs Loki and Alloy at exact versions in the monitoring namespace, Alloy shipping to that Loki once the operator's CRDs exist", async () => {
        const rs = await plan(INSTALLED_LOGS);
        const loki = release(rs, "loki");
        const alloy = release(rs, "alloy");
        assert.strictEqual(loki.inputs.version, CHARTS.loki.version);
        assert.deepStrictEqual(loki.inputs.repositoryOpts, { repo: CHARTS.loki.repo });
        assert.strictEqual(alloy.inputs.version, CHARTS.alloy.version);
        assert.deepStrictEqual([loki.inputs.namespace, alloy.inputs.namespace], ["monitoring", "monitoring"]);
        assert.strictEqual(((loki.inputs.values as Obj).loki as Obj).limits_config.retention_period, "720h");
        const values = alloy.inputs.values as Obj;
        assert.ok(values.alloy.configMap.content.includes('url = "http://loki.monitoring.svc:3100/loki/api/v1/push"'));
        assert.ok(values.alloy.configMap.content.includes(`replace    = "${REDACTED}"`), "secrets are masked before shipping");
        assert.ok(alloy.dependencies.includes(loki.urn), "Alloy starts once Loki is there");
        assert.ok(alloy.dependencies.includes(release(rs, "prometheus-operator-crds").urn), "its ServiceMonitor needs the operator's CRDs");
    });

    it("OB-5: Grafana gets Loki as a datasource when the stack installs it, and not otherwise", async () => {
        const withLogs = (release(await plan(INSTALLED_LOGS), "kube-prometheus-stack").inputs.values as Obj).grafana;
        assert.deepStrictEqual(withLogs.additionalDataSources, [lokiDatasource("http://loki.monitoring.svc:3100")]);
        assert.ok(!("grafana" in (release(await plan(), "kube-prometheus-stack").inputs.values as Obj)));
    });

    it("OB-5: shipping to an existing Loki installs Alloy alone, and Grafana gets no datasource of ours", async () => {
        const rs = await plan({ ...INSTALLED_LOGS, logs: { mode: "ship", namespace: "monitoring", pushUrl: "https://logs.example.com/loki/api/v1/push" } });
        const names = ofType(rs, K8S_HELM_RELEASE).map((r) => r.inputs.name);
        assert.ok(names.includes("alloy") && !names.includes("loki"));
        assert.ok((release(rs, "alloy").inputs.values as Obj).alloy.configMap.content.includes('url = "https://logs.example.com/loki/api/v1/push"'));
        assert.ok(!("grafana" in (release(rs, "kube-prometheus-stack").inputs.values as Obj)));
    });

    it("Helm releases are not Kubernetes objects to schema-check; the GatewayClass validates against the Gateway API schema", async () => {
        const rs = await plan();
        assert.deepStrictEqual(kubernetesObjects(rs).map((r) => r.type), [K8S_GATEWAY_CLASS]);
        assert.deepStrictEqual(await kubernetesSchemaErrors(rs), []);
    });
});
