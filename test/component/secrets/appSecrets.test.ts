import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Namespace } from "../../../components/k8s/namespace";
import { AppSecrets } from "../../../components/secrets/appSecrets";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { mockRun, one } from "../../helpers/harness";

describe("component: the environment's Secret and namespace (SC-1, SC-5)", () => {
    it("SC-1: writes every connection string and app secret into one Secret, each masked in the plan", async () => {
        let component: AppSecrets | undefined;
        const resources = await mockRun(() => {
            component = new AppSecrets("env", {
                namespace: "runbook",
                connectionUrls: { DATABASE_URL: pulumi.secret("postgres://u:p@db:5432/runbook"), REDIS_URL: pulumi.secret("rediss://:t@r:6379") },
                appSecrets: { JWT_SECRET: pulumi.secret("jwt") },
            });
        });
        assert.deepStrictEqual(component!.keys, ["DATABASE_URL", "REDIS_URL", "JWT_SECRET"]);
        const secret = one(resources, "kubernetes:core/v1:Secret");
        assert.strictEqual(secret.inputs.stringData, "[secret]");
        assert.doesNotMatch(JSON.stringify(resources), /postgres:\/\/u:p|rediss:|"jwt"/);
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });

    it("a connection string that is not marked secret is still stored as a secret", async () => {
        const resources = await mockRun(() => {
            new AppSecrets("env", { namespace: "runbook", connectionUrls: { REDIS_URL: pulumi.output("redis://:plain@r:6379") }, appSecrets: {} });
        });
        assert.strictEqual(one(resources, "kubernetes:core/v1:Secret").inputs.stringData, "[secret]");
    });

    it("SC-5: the namespace enforces the restricted Pod Security profile", async () => {
        const resources = await mockRun(() => {
            new Namespace("ns", { name: "runbook" });
        });
        const ns = one(resources, "kubernetes:core/v1:Namespace");
        assert.strictEqual((ns.inputs.metadata as any).labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });
});
