import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Certificates, CertificatesArgs } from "../../../components/edge/certificates";
import { PlanResource, SECRET } from "../../../plan/model";
import { mockRun, ofType, one } from "../../helpers/harness";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { K8S_CERTIFICATE, K8S_CLUSTER_ISSUER, K8S_SECRET } from "../../helpers/types";

type Obj = Record<string, any>;
const spec = (r: PlanResource) => r.inputs.spec as Obj;

const args = (extra: Partial<CertificatesArgs> = {}): CertificatesArgs => ({
    namespace: "runbook",
    zone: "example.com",
    hosts: ["example.com", "api.example.com"],
    dnsApiToken: pulumi.secret("cf-dns-token-value"),
    acmeServer: "https://acme-v02.api.letsencrypt.org/directory",
    acmeEmail: "ops@example.com",
    certManagerNamespace: "cert-manager",
    renewBeforeDays: 30,
    ...extra,
});

async function plan(a: CertificatesArgs): Promise<PlanResource[]> {
    return mockRun(() => {
        new Certificates("certificates", a);
    });
}

describe("component: edge Certificates (ED-2, SC-1)", () => {
    it("ED-2: a ClusterIssuer answers ACME DNS-01 challenges for the zone through Cloudflare, with the token from a Secret", async () => {
        const rs = await plan(args());
        const issuer = one(rs, K8S_CLUSTER_ISSUER);
        assert.strictEqual((issuer.inputs.metadata as Obj).name, "runbook-acme-dns01");
        assert.strictEqual((issuer.inputs.metadata as Obj).namespace, undefined, "a ClusterIssuer is cluster-scoped");
        const acme = spec(issuer).acme;
        assert.strictEqual(acme.server, "https://acme-v02.api.letsencrypt.org/directory");
        assert.strictEqual(acme.email, "ops@example.com");
        assert.deepStrictEqual(acme.solvers, [
            { selector: { dnsZones: ["example.com"] }, dns01: { cloudflare: { apiTokenSecretRef: { name: "runbook-cloudflare-dns01", key: "api-token" } } } },
        ]);
        const secret = one(rs, K8S_SECRET);
        assert.strictEqual((secret.inputs.metadata as Obj).name, "runbook-cloudflare-dns01");
        assert.strictEqual((secret.inputs.metadata as Obj).namespace, "cert-manager", "cert-manager reads ClusterIssuer secrets from its own namespace");
        assert.ok(issuer.dependencies.includes(secret.urn));
    });

    it("SC-1: the Cloudflare token reaches the Secret only as a secret, never in plain text", async () => {
        const rs = await plan(args());
        const secret = one(rs, K8S_SECRET);
        assert.strictEqual(secret.inputs.stringData, SECRET);
        assert.ok(!JSON.stringify(rs).includes("cf-dns-token-value"));
    });

    it("ED-2: one Certificate per host, into the Secret its Gateway listener reads, renewed the configured days before expiry", async () => {
        const rs = await plan(args({ renewBeforeDays: 21 }));
        const certs = ofType(rs, K8S_CERTIFICATE);
        assert.deepStrictEqual(certs.map((c) => spec(c).dnsNames), [["example.com"], ["api.example.com"]]);
        for (const c of certs) {
            const s = spec(c);
            assert.strictEqual(s.secretName, `${s.dnsNames[0]}-tls`);
            assert.strictEqual((c.inputs.metadata as Obj).namespace, "runbook");
            assert.deepStrictEqual(s.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "runbook-acme-dns01" });
            assert.strictEqual(s.renewBefore, "504h");
            assert.strictEqual(s.duration, "2160h");
            assert.ok(c.dependencies.includes(one(rs, K8S_CLUSTER_ISSUER).urn));
        }
    });

    it("without an email the ACME account has none", async () => {
        const rs = await plan(args({ acmeEmail: undefined }));
        assert.ok(!("email" in spec(one(rs, K8S_CLUSTER_ISSUER)).acme));
    });

    it("every object validates against the Kubernetes and cert-manager schemas", async () => {
        const rs = await plan(args());
        assert.deepStrictEqual(await kubernetesSchemaErrors(rs), []);
        const cert = ofType(rs, K8S_CERTIFICATE)[0];
        spec(cert).issuerRef = { kind: "ClusterIssuer" };
        assert.ok((await kubernetesSchemaErrors([cert])).some((e) => e.includes("issuerRef")));
    });
});
