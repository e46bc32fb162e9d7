import * as assert from "assert";
import { resolveNetwork } from "../../../config/model";
import { appEgressSpec, appIngressFromAppsSpec, awsDataDestinations, defaultDenySpec, dnsEgressSpec } from "../../../components/k8s/networkPolicySpecs";
import { DNS_EGRESS_DEFAULTS } from "../../../config/resolve";

describe("unit: namespace network policies (SC-5, DB-2)", () => {
    it("SC-5: the default deny selects every pod, in and out", () => {
        assert.deepStrictEqual(defaultDenySpec(), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    });

    it("SC-5: by default every pod may reach DNS in kube-system on 53, UDP and TCP", () => {
        const spec = dnsEgressSpec(DNS_EGRESS_DEFAULTS) as any;
        assert.deepStrictEqual(spec.podSelector, {}, "every pod of the namespace, apps and jobs alike");
        assert.deepStrictEqual(spec.egress.length, 1);
        assert.deepStrictEqual(spec.egress[0].to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }]);
        assert.deepStrictEqual(spec.egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`), ["UDP/53", "TCP/53"]);
    });

    it("SC-5: NodeLocal DNSCache on the host network is admitted by its address; DNS pods can be narrowed by label or moved to another namespace", () => {
        const rule = (dnsEgressSpec({ namespace: "dns", podLabels: { "k8s-app": "kube-dns" }, cidrs: ["169.254.20.10/32", "10.100.0.10/32"] }).egress as any[])[0];
        assert.deepStrictEqual(rule.to, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dns" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
            { ipBlock: { cidr: "169.254.20.10/32" } },
            { ipBlock: { cidr: "10.100.0.10/32" } },
        ]);
        assert.deepStrictEqual(rule.ports.map((p: any) => `${p.protocol}/${p.port}`), ["UDP/53", "TCP/53"], "the same ports for every destination");
    });

    it("DB-2: apps reach the data tier, the VPC on the data ports, other apps and HTTPS, nothing else", () => {
        const spec = appEgressSpec({ appPorts: [3001, 3000, 3000], awsData: awsDataDestinations({ dataCidrs: ["10.30.0.0/16"] }, { postgres: true, redis: false }) }) as any;
        assert.deepStrictEqual(spec.podSelector, { matchLabels: { "runbook.dev/tier": "app" } });
        const summary = spec.egress.map((r: any) => [r.to.map((t: any) => t.ipBlock?.cidr ?? JSON.stringify(t.podSelector.matchLabels)), r.ports.map((p: any) => p.port)]);
        assert.deepStrictEqual(summary, [
            [['{"runbook.dev/tier":"data"}'], [5432, 27017, 6379]],
            [["10.30.0.0/16"], [5432]],
            [['{"runbook.dev/tier":"app"}'], [3000, 3001]],
            [["0.0.0.0/0"], [443]],
        ]);
    });

    it("DB-2: without AWS data stores there is no VPC rule; an existing VPC is limited by port only", () => {
        const none = appEgressSpec({ appPorts: [3000], awsData: awsDataDestinations(undefined, { postgres: false, redis: false }) }) as any;
        assert.ok(none.egress.every((r: any) => r.to.every((t: any) => t.ipBlock === undefined || t.ipBlock.cidr === "0.0.0.0/0")));
        // Where the data stores lie is the resolved network's (config/model.ts, tested in test/unit/config/model.test.ts).
        assert.deepStrictEqual(awsDataDestinations(resolveNetwork({ mode: "existing" }), { postgres: true, redis: true }), { cidrs: ["0.0.0.0/0"], ports: [5432, 6379] });
        assert.deepStrictEqual(awsDataDestinations(resolveNetwork({ mode: "create" }), { postgres: false, redis: true }), { cidrs: ["10.20.0.0/16"], ports: [6379] });
    });

    it("apps may call each other's http ports", () => {
        assert.deepStrictEqual((appIngressFromAppsSpec([3001, 3000]) as any).ingress[0].ports.map((p: any) => p.port), [3000, 3001]);
        assert.strictEqual(appIngressFromAppsSpec([]), undefined);
    });
});
