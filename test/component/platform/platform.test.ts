import * as assert from "assert";
import { CHARTS, ENVOY_GATEWAY_CONTROLLER } from "../../../components/platform/charts";
import { Platform } from "../../../components/platform/platform";
import { PlanResource } from "../../../plan/model";
import { mockRun, ofType, one } from "../../helpers/harness";
import { kubernetesObjects, kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { K8S_GATEWAY_CLASS, K8S_HELM_RELEASE } from "../../helpers/types";

type Obj = Record<string, any>;

async function plan(): Promise<PlanResource[]> {
    return mockRun(() => {
        new Platform("platform", { certManagerNamespace: "cert-manager", gatewayNamespace: "envoy-gateway-system", gatewayClassName: "eg" });
    });
}

const release = (rs: PlanResource[], name: string) => {
    const r = ofType(rs, K8S_HELM_RELEASE).find((x) => x.inputs.name === name);
    assert.ok(r, `no release ${name}`);
    return r;
};

describe("component: Platform (kubernetes.platform: install; ED-2, ED-5)", () => {
    it("installs cert-manager, Envoy Gateway (CRDs and controller) and kube-prometheus-stack at exact chart versions", async () => {
        const rs = await plan();
        const releases = ofType(rs, K8S_HELM_RELEASE);
        assert.deepStrictEqual(releases.map((r) => r.inputs.name).sort(), ["cert-manager", "envoy-gateway", "envoy-gateway-crds", "kube-prometheus-stack"]);
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

    it("creates the GatewayClass for Envoy Gateway once its controller is installed", async () => {
        const rs = await plan();
        const gc = one(rs, K8S_GATEWAY_CLASS);
        assert.strictEqual((gc.inputs.metadata as Obj).name, "eg");
        assert.strictEqual((gc.inputs.spec as Obj).controllerName, ENVOY_GATEWAY_CONTROLLER);
        assert.ok(gc.dependencies.includes(release(rs, "envoy-gateway").urn));
    });

    it("Helm releases are not Kubernetes objects to schema-check; the GatewayClass validates against the Gateway API schema", async () => {
        const rs = await plan();
        assert.deepStrictEqual(kubernetesObjects(rs).map((r) => r.type), [K8S_GATEWAY_CLASS]);
        assert.deepStrictEqual(await kubernetesSchemaErrors(rs), []);
    });
});
