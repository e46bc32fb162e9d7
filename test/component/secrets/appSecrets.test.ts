import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Namespace } from "../../../components/k8s/namespace";
import { AppSecrets } from "../../../components/secrets/appSecrets";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { mockRun, one } from "../../helpers/harness";

/** The value of an Output under the mocks. */
function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

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

    it("SC-1: the Secret is named by its content and exposes the checksum; a rotated value is a new Secret, created before the old one is deleted", async () => {
        const build = (jwt: string) => {
            let component: AppSecrets | undefined;
            return mockRun(() => {
                component = new AppSecrets("env", { namespace: "runbook", connectionUrls: { REDIS_URL: pulumi.secret("redis://:pw@r:6379") }, appSecrets: { JWT_SECRET: pulumi.secret(jwt) } });
            }).then(async (resources) => ({ resources, name: await valueOf(component!.secretName), checksum: await valueOf(component!.checksum), isSecret: await pulumi.isSecret(component!.checksum) }));
        };
        const a = await build("jwt-1");
        const again = await build("jwt-1");
        const rotated = await build("jwt-2");
        assert.match(a.name, /^runbook-env-[0-9a-f]{10}$/);
        assert.strictEqual(a.name, `runbook-env-${a.checksum}`);
        assert.strictEqual(again.name, a.name, "the same content keeps its name: nothing rolls");
        assert.notStrictEqual(rotated.name, a.name, "a rotated value is a new Secret, so Pulumi creates it before deleting the old one");
        assert.strictEqual(a.isSecret, false, "the checksum goes on pod templates, which are not secret; it is a one-way hash");
        const secret = one(a.resources, "kubernetes:core/v1:Secret");
        assert.deepStrictEqual([secret.protect, secret.deleteBeforeReplace], [false, false]);
        assert.doesNotMatch(JSON.stringify(a.resources), /jwt-1|pw@r/);
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
