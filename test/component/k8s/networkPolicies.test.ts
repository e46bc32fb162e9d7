import * as assert from "assert";
import { NetworkPolicies } from "../../../components/k8s/networkPolicies";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { mockRun, ofType } from "../../helpers/harness";
import { K8S_NETWORK_POLICY } from "../../helpers/types";

describe("component: NetworkPolicies (SC-5, DB-2)", () => {
    it("SC-5: default deny, DNS, app egress and app-to-app ingress in the namespace, all schema-valid", async () => {
        const resources = await mockRun(() => {
            const c = new NetworkPolicies("netpol", { namespace: "runbook", appPorts: [3000, 3001], awsData: { cidrs: ["10.20.0.0/16"], ports: [5432] } });
            return { urn: c.urn };
        });
        const policies = ofType(resources, K8S_NETWORK_POLICY);
        assert.deepStrictEqual(policies.map((p) => (p.inputs.metadata as any).name).sort(), ["allow-dns", "app-egress", "app-from-apps", "default-deny"]);
        assert.ok(policies.every((p) => (p.inputs.metadata as any).namespace === "runbook"));
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });
});
