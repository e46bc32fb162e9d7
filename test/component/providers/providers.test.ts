import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Namespace } from "../../../components/k8s/namespace";
import { createProviders } from "../../../components/providers/providers";
import { AppSecrets } from "../../../components/secrets/appSecrets";
import { DNS_EGRESS_DEFAULTS } from "../../../config/resolve";
import { mockRun, one } from "../../helpers/harness";
import { K8S_SECRET } from "../../helpers/types";

const config = {
    environment: { stack: "staging", isProduction: false },
    kubernetes: { context: "staging-cluster", namespace: "runbook-staging", platform: "existing" as const, dnsEgress: DNS_EGRESS_DEFAULTS },
    providers: { aws: { region: "us-east-1", allowedAccountIds: ["222222222222"] } },
};

describe("component: explicit providers", () => {
    it("one provider per package, configured from the stack, with the Cloudflare token kept secret", async () => {
        const resources = await mockRun(() => {
            createProviders({ config, cloudflareApiToken: pulumi.secret("cf-token") });
        });
        const aws = one(resources, "pulumi:providers:aws");
        assert.deepStrictEqual([aws.name, aws.inputs.region], ["aws", "us-east-1"]);
        assert.match(JSON.stringify(aws.inputs.allowedAccountIds), /"?\[?\\?"?222222222222/);
        const k8s = one(resources, "pulumi:providers:kubernetes");
        assert.deepStrictEqual([k8s.inputs.context, k8s.inputs.namespace], ["staging-cluster", "runbook-staging"]);
        const cf = one(resources, "pulumi:providers:cloudflare");
        assert.strictEqual(cf.inputs.apiToken, "[secret]");
        assert.doesNotMatch(JSON.stringify(resources), /cf-token/);
        one(resources, "pulumi:providers:random");
    });

    it("children of a component built with the providers' opts use them, through { parent: this }", async () => {
        const resources = await mockRun(() => {
            const { opts } = createProviders({ config, cloudflareApiToken: pulumi.secret("cf-token") });
            const ns = new Namespace("ns", { name: "runbook-staging" }, opts);
            new AppSecrets("app-secrets", { namespace: ns.name, connectionUrls: {}, appSecrets: { JWT_SECRET: pulumi.secret("x") } }, opts);
        });
        const k8sProvider = one(resources, "pulumi:providers:kubernetes");
        for (const r of [one(resources, "kubernetes:core/v1:Namespace"), one(resources, K8S_SECRET)]) {
            assert.strictEqual(r.provider, k8sProvider.urn, `${r.name} uses the stack's Kubernetes provider`);
        }
    });
});
