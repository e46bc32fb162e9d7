import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Namespace } from "../../../components/k8s/namespace";
import { AppSecrets } from "../../../components/secrets/appSecrets";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { mockRun, mockRunRevealed, one } from "../../helpers/harness";
import { RANDOM_RANDOM_ID } from "../../helpers/types";

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

    it("SC-1, WL-3: a Secret per generation of its content, named by a random ID that the content's hash keeps; the checksum is public", async () => {
        const build = (jwt: string) => {
            let component: AppSecrets | undefined;
            return mockRun(() => {
                component = new AppSecrets("env", { namespace: "runbook", connectionUrls: { REDIS_URL: pulumi.secret("redis://:pw@r:6379") }, appSecrets: { JWT_SECRET: pulumi.secret(jwt) } });
            }).then(async (resources) => ({ resources, checksum: await valueOf(component!.checksum), isSecret: await pulumi.isSecret(component!.checksum) }));
        };
        const a = await build("jwt-1");
        const again = await build("jwt-1");
        const rotated = await build("jwt-2");
        const id = one(a.resources, RANDOM_RANDOM_ID);
        assert.deepStrictEqual(id.inputs.keepers, { content: a.checksum }, "new content replaces the ID, so the Secret gets a new name");
        assert.strictEqual(id.inputs.byteLength, 5);
        const secret = one(a.resources, "kubernetes:core/v1:Secret");
        assert.ok(secret.propertyDependencies.metadata.includes(id.urn), "the name comes from the generation's ID");
        assert.deepStrictEqual(one(again.resources, RANDOM_RANDOM_ID).inputs.keepers, id.inputs.keepers, "the same content keeps its ID and name: nothing rolls");
        assert.notDeepStrictEqual(one(rotated.resources, RANDOM_RANDOM_ID).inputs.keepers, id.inputs.keepers, "a rotated value is a new generation");
        assert.strictEqual(a.isSecret, false, "the checksum goes on pod templates, which are not secret; it is a one-way hash");
        assert.deepStrictEqual([secret.protect, secret.deleteBeforeReplace], [false, false], "the new generation exists before the pods move to it");
        assert.doesNotMatch(JSON.stringify(a.resources), /jwt-1|pw@r/);
    });

    it("WL-3: the previous generation of the apps' Secret outlives its replacement, so `kubectl rollout undo` finds it", async () => {
        const resources = await mockRun(() => {
            new AppSecrets("env", { namespace: "runbook", connectionUrls: { DATABASE_URL: pulumi.secret("postgres://u:p@db:5432/runbook") }, appSecrets: {} });
        });
        const secret = one(resources, "kubernetes:core/v1:Secret");
        assert.strictEqual(secret.retainOnDelete, true, "Pulumi forgets a replaced generation instead of deleting it");
        assert.strictEqual((secret.inputs.metadata as any).labels["runbook.dev/secret-generations"], "runbook-env", "the label the pruning selects");
    });

    it("WL-5, SC-5: the migration Jobs' Secret keeps one name, holds every key of the apps' Secret, and the migration role's URL", async () => {
        let component: AppSecrets | undefined;
        const resources = await mockRun(() => {
            component = new AppSecrets("env", {
                namespace: "runbook",
                connectionUrls: { DATABASE_URL: pulumi.secret("postgres://runbook_app:a@db:5432/runbook"), REDIS_URL: pulumi.secret("redis://:r@r:6379") },
                appSecrets: { JWT_SECRET: pulumi.secret("jwt") },
                migrationUrls: { DATABASE_URL: pulumi.secret("postgres://runbook_migrate:m@db:5432/runbook") },
            });
        }, "staging");
        const migration = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as any).name === "runbook-migrate");
        assert.ok(migration, "a Secret named runbook-migrate");
        assert.strictEqual(await valueOf(component!.migrationSecretName!), "runbook-migrate");
        assert.strictEqual(migration.inputs.stringData, "[secret]");
        assert.strictEqual(migration.retainOnDelete, false, "one object, updated in place");
        const revealed = await mockRunRevealed(() => {
            new AppSecrets("env", {
                namespace: "runbook",
                connectionUrls: { DATABASE_URL: pulumi.secret("postgres://runbook_app:a@db:5432/runbook"), REDIS_URL: pulumi.secret("redis://:r@r:6379") },
                appSecrets: { JWT_SECRET: pulumi.secret("jwt") },
                migrationUrls: { DATABASE_URL: pulumi.secret("postgres://runbook_migrate:m@db:5432/runbook") },
            });
        });
        const data = (s: string) => revealed.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === s)!.inputs.stringData as Record<string, string>;
        assert.deepStrictEqual(Object.keys(data("env-migration")).sort(), Object.keys(data("env-secret")).sort(), "every secretRefs name a Job reads exists");
        assert.strictEqual(data("env-migration").DATABASE_URL, "postgres://runbook_migrate:m@db:5432/runbook");
        assert.strictEqual(data("env-secret").DATABASE_URL, "postgres://runbook_app:a@db:5432/runbook", "the apps never get the migration role");
        assert.strictEqual(data("env-migration").JWT_SECRET, "jwt");
    });

    it("without a migrate command there is no migration Secret", async () => {
        const resources = await mockRun(() => {
            new AppSecrets("env", { namespace: "runbook", connectionUrls: { DATABASE_URL: pulumi.secret("postgres://u:p@db:5432/runbook") }, appSecrets: {} });
        });
        assert.strictEqual(resources.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 1);
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
