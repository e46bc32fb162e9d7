import * as assert from "assert";
import { NetworkPolicies } from "../../../components/k8s/networkPolicies";
import { DNS_EGRESS_DEFAULTS } from "../../../config/resolve";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { mockRun, ofType } from "../../helpers/harness";
import { K8S_NETWORK_POLICY } from "../../helpers/types";

describe("component: NetworkPolicies (SC-5, DB-2)", () => {
    it("SC-5: default deny, DNS, app egress and app-to-app ingress in the namespace, all schema-valid", async () => {
        const resources = await mockRun(() => {
            const c = new NetworkPolicies("netpol", { namespace: "runbook", appPorts: [3000, 3001], awsData: { cidrs: ["10.20.0.0/16"], ports: [5432] }, dns: DNS_EGRESS_DEFAULTS });
            return { urn: c.urn };
        });
        const policies = ofType(resources, K8S_NETWORK_POLICY);
        assert.deepStrictEqual(policies.map((p) => (p.inputs.metadata as any).name).sort(), ["allow-dns", "app-egress", "app-from-apps", "default-deny"]);
        assert.ok(policies.every((p) => (p.inputs.metadata as any).namespace === "runbook"));
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });

    it("SC-5: with NodeLocal DNSCache configured, allow-dns admits its link-local address beside the CoreDNS pods, schema-valid", async () => {
        const resources = await mockRun(() => {
            const dns = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, cidrs: ["169.254.20.10/32"] };
            const c = new NetworkPolicies("netpol", { namespace: "runbook", appPorts: [3000], awsData: { cidrs: [], ports: [] }, dns });
            return { urn: c.urn };
        });
        const allowDns = ofType(resources, K8S_NETWORK_POLICY).find((p) => (p.inputs.metadata as any).name === "allow-dns")!;
        assert.deepStrictEqual((allowDns.inputs.spec as any).egress[0].to, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
            { ipBlock: { cidr: "169.254.20.10/32" } },
        ]);
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });
});
