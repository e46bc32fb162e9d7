import * as assert from "assert";
import { awsProviderSettings, kubernetesProviderSettings } from "../../../components/providers/providerSettings";
import { validateConfig } from "../../../config/validate";
import { formatProblem } from "../../../config/problems";
import { stackRaw } from "../../helpers/stacks";
import { useInClusterRedis, useMongodb } from "../../helpers/variants";

function config(stack: string, mutate: (c: Record<string, any>) => void = () => {}) {
    const result = validateConfig(stackRaw(stack, mutate), stack);
    assert.ok(result.ok, result.ok ? "" : result.problems.map(formatProblem).join("\n"));
    return result.config;
}

function problems(stack: string, mutate: (c: Record<string, any>) => void): string {
    const result = validateConfig(stackRaw(stack, mutate), stack);
    assert.ok(!result.ok, "expected the config to be rejected");
    return result.problems.map(formatProblem).join("\n");
}

describe("unit: explicit provider settings", () => {
    it("the AWS provider is pinned to the stack's region and accounts, and tags what it creates with the stack", () => {
        assert.deepStrictEqual(awsProviderSettings(config("production")), {
            region: "us-east-1",
            allowedAccountIds: ["111111111111"],
            defaultTags: { tags: { "runbook:stack": "production", "runbook:managed-by": "pulumi" } },
        });
    });

    it("the Kubernetes provider uses the stack's context and namespace, with server-side apply", () => {
        assert.deepStrictEqual(kubernetesProviderSettings(config("staging")), {
            context: "arn:aws:eks:us-east-1:222222222222:cluster/retail-staging",
            namespace: "runbook-staging",
            enableServerSideApply: true,
        });
    });

    it("no AWS provider when nothing lives in AWS and the stack sets none", () => {
        const c = config("staging", (raw) => {
            useMongodb(raw);
            useInClusterRedis(raw);
            delete raw["runbook:providers"].aws;
        });
        assert.strictEqual(awsProviderSettings(c), undefined);
    });

    it("staging can never reach production's account or cluster: the committed stacks name different accounts and contexts", () => {
        const prod = config("production");
        const stage = config("staging");
        const prodAccounts = new Set(prod.providers.aws?.allowedAccountIds);
        assert.ok(prodAccounts.size > 0);
        assert.ok((stage.providers.aws?.allowedAccountIds ?? []).length > 0, "staging is pinned too");
        assert.ok(!(stage.providers.aws?.allowedAccountIds ?? []).some((a) => prodAccounts.has(a)), "no account in common");
        assert.notStrictEqual(stage.kubernetes.context, prod.kubernetes.context);
    });

    it("providers are validated like every other key", () => {
        assert.match(problems("production", (c) => delete c["runbook:providers"].aws.allowedAccountIds), /providers\.aws\.allowedAccountIds: is required in production/);
        assert.match(problems("staging", (c) => delete c["runbook:providers"].aws), /providers\.aws: is required because a data store lives in AWS/);
        assert.match(problems("staging", (c) => (c["runbook:providers"].aws.region = "US East")), /providers\.aws\.region: "US East" must be an AWS region such as us-east-1/);
        assert.match(problems("staging", (c) => (c["runbook:providers"].aws.allowedAccountIds = ["12345"])), /providers\.aws\.allowedAccountIds\[0\]: "12345" must be a 12-digit AWS account ID/);
        assert.match(problems("staging", (c) => delete c["runbook:kubernetes"].context), /kubernetes\.context: is required/);
        assert.match(problems("staging", (c) => (c["runbook:providers"].aws.region = "eu-west-1")), /network\.availabilityZones\[0\]: "us-east-1a" is not a zone of providers\.aws\.region \(eu-west-1\)/);
    });

    it("SC-1: a Cloudflare token in plain text is refused, without echoing it", () => {
        const text = problems("staging", (c) => (c["runbook:providers"].cloudflare = { apiToken: "cf-plain-token" }));
        assert.match(text, /providers\.cloudflare\.apiToken: looks like a secret but is given as plain text \(SC-1\); remove it from the stack file and run: pulumi config set --secret --path 'runbook:providers\.cloudflare\.apiToken' <value>/);
        assert.doesNotMatch(text, /cf-plain-token/);
    });
});
