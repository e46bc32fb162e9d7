import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { App } from "../../../components/app/app";
import { AppSecrets } from "../../../components/secrets/appSecrets";
import { PlanResource } from "../../../plan/model";
import { resolvedApp } from "../../helpers/apps";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { mockRun, ofType, one, production, staging } from "../../helpers/harness";
import { K8S_DEPLOYMENT, K8S_JOB, K8S_POD_DISRUPTION_BUDGET, K8S_SERVICE } from "../../helpers/types";

const K8S_SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const K8S_HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

async function build(overrides: Parameters<typeof resolvedApp>[0], env = staging): Promise<PlanResource[]> {
    const app = resolvedApp(overrides, env);
    return mockRun(() => {
        const component = new App(`app-${app.name}`, { app, environment: env, namespace: "runbook", secretName: "runbook-env", secretChecksum: "0123abcd", migrationSecretName: "runbook-migrate" });
        return { urn: component.urn };
    }, env.stack);
}

const podSpec = (r: PlanResource) => (r.inputs as any).spec.template.spec;

describe("component: App (WL-1…7, SC-5)", () => {
    it("WL-1, WL-2, SC-5: an API in production: Deployment, ClusterIP Service, token-less ServiceAccount, autoscaler, budget", async () => {
        const resources = await build({ name: "api", role: "api", secretRefs: ["DATABASE_URL", "JWT_SECRET"] }, production);
        const deployment = one(resources, K8S_DEPLOYMENT);
        const spec = deployment.inputs.spec as any;
        assert.strictEqual((deployment.inputs.metadata as any).name, "api");
        assert.strictEqual(spec.replicas, 3, "3 API pods by default in production");
        assert.deepStrictEqual(deployment.ignoreChanges, ["spec.replicas"], "the autoscaler owns the count once created");
        assert.strictEqual(spec.template.metadata.annotations["runbook.dev/secret-checksum"], "0123abcd");
        const container = podSpec(deployment).containers[0];
        assert.deepStrictEqual(container.ports, [{ name: "http", containerPort: 3001, protocol: "TCP" }]);
        assert.deepStrictEqual(
            container.env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef.name]),
            [["DATABASE_URL", "runbook-env"], ["JWT_SECRET", "runbook-env"]],
        );
        assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
        const service = one(resources, K8S_SERVICE);
        assert.deepStrictEqual([(service.inputs.metadata as any).name, (service.inputs.spec as any).type, (service.inputs.spec as any).ports[0].name], ["api", "ClusterIP", "http"]);
        const account = one(resources, K8S_SERVICE_ACCOUNT);
        assert.strictEqual(account.inputs.automountServiceAccountToken, false);
        assert.strictEqual(podSpec(deployment).serviceAccountName, "api");
        assert.strictEqual((one(resources, K8S_HPA).inputs.spec as any).minReplicas, 3);
        assert.strictEqual((one(resources, K8S_POD_DISRUPTION_BUDGET).inputs.spec as any).maxUnavailable, 1);
        assert.ok(resources.filter((r) => r.custom).every((r) => r.parent?.endsWith("::app-api")), "every child is parented to the App");
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });

    it("WL-2, SC-5: a web app in staging: one pod, .next/cache writable, no autoscaler or budget", async () => {
        const resources = await build({ name: "web", role: "web", websocketPaths: ["/events"] });
        const deployment = one(resources, K8S_DEPLOYMENT);
        assert.strictEqual((deployment.inputs.spec as any).replicas, 1);
        assert.deepStrictEqual(deployment.ignoreChanges, []);
        assert.deepStrictEqual(podSpec(deployment).containers[0].volumeMounts.map((m: any) => m.mountPath), ["/tmp", "/app/.next/cache"]);
        assert.ok(podSpec(deployment).containers[0].lifecycle.preStop.sleep.seconds > 0, "drains before SIGTERM");
        assert.strictEqual(ofType(resources, K8S_SERVICE).length, 1);
        assert.deepStrictEqual([ofType(resources, K8S_HPA).length, ofType(resources, K8S_POD_DISRUPTION_BUDGET).length], [0, 0]);
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });

    it("WL-6: a worker has no Service and scales on its own autoscaler", async () => {
        const resources = await build({ name: "worker", role: "worker", autoscaling: { minReplicas: 2, maxReplicas: 8 } });
        assert.strictEqual(ofType(resources, K8S_SERVICE).length, 0);
        const hpa = one(resources, K8S_HPA).inputs.spec as any;
        assert.deepStrictEqual([hpa.scaleTargetRef.name, hpa.minReplicas, hpa.maxReplicas], ["worker", 2, 8]);
        assert.strictEqual(podSpec(one(resources, K8S_DEPLOYMENT)).containers[0].lifecycle, undefined);
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });

    it("WL-5: the migration Job runs once per image version and the Deployment waits for it", async () => {
        const resources = await build({ name: "api", role: "api", secretRefs: ["DATABASE_URL"], migrate: { command: ["npx", "prisma", "migrate", "deploy"] } }, production);
        const job = one(resources, K8S_JOB);
        assert.match((job.inputs.metadata as any).name, /^api-migrate-[0-9a-f]{10}$/);
        assert.strictEqual((job.inputs.metadata as any).annotations["runbook.dev/migrated-image"], "ghcr.io/acme/api:1.4.2");
        const deployment = one(resources, K8S_DEPLOYMENT);
        assert.ok(deployment.dependencies.includes(job.urn), "the Deployment depends on the migration");
        const container = podSpec(job).containers[0];
        assert.strictEqual(container.image, podSpec(deployment).containers[0].image);
        assert.strictEqual(podSpec(job).restartPolicy, "Never");
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);

        const next = await build({ name: "api", role: "api", image: "ghcr.io/acme/api:1.4.3", secretRefs: ["DATABASE_URL"], migrate: { command: ["npx", "prisma", "migrate", "deploy"] } }, production);
        assert.notStrictEqual((one(next, K8S_JOB).inputs.metadata as any).name, (job.inputs.metadata as any).name, "a new image is a new Job");
    });

    it("an app without a migrate command has no Job", async () => {
        const resources = await build({ name: "api", role: "api" });
        assert.strictEqual(ofType(resources, K8S_JOB).length, 0);
        assert.deepStrictEqual(one(resources, K8S_DEPLOYMENT).dependencies.filter((u) => u.includes("Job")), []);
    });

    it("WL-5: a rotated credential rolls the app but leaves its migration Job as it is, so the migration does not run again", async () => {
        // The apps and the migration Job as index.ts wires them to the environment's Secrets.
        const env = production;
        const app = resolvedApp({ name: "api", role: "api", secretRefs: ["DATABASE_URL", "JWT_SECRET"], migrate: { command: ["npx", "prisma", "migrate", "deploy"] } }, env);
        const plan = (jwt: string, appPassword: string) =>
            mockRun(() => {
                const secrets = new AppSecrets("app-secrets", {
                    namespace: "runbook",
                    connectionUrls: { DATABASE_URL: pulumi.secret(`postgres://runbook_app:${appPassword}@db:5432/runbook?sslmode=require`) },
                    appSecrets: { JWT_SECRET: pulumi.secret(jwt) },
                    migrationUrls: { DATABASE_URL: pulumi.secret("postgres://runbook_migrate:m@db:5432/runbook?sslmode=require") },
                });
                const component = new App("app-api", {
                    app,
                    environment: env,
                    namespace: "runbook",
                    secretName: secrets.secretName,
                    secretChecksum: secrets.checksum,
                    migrationSecretName: secrets.migrationSecretName,
                });
                return { urn: component.urn };
            }, env.stack);
        const before = await plan("jwt-1", "app-1");
        for (const rotated of [await plan("jwt-2", "app-1"), await plan("jwt-1", "app-2")]) {
            const [job, rotatedJob] = [one(before, K8S_JOB), one(rotated, K8S_JOB)];
            assert.deepStrictEqual(rotatedJob.inputs, job.inputs, "same name and pod template: nothing to replace, nothing runs again");
            assert.notDeepStrictEqual((one(rotated, K8S_DEPLOYMENT).inputs.spec as any).template, (one(before, K8S_DEPLOYMENT).inputs.spec as any).template, "the app's pods roll onto the new values");
        }
        const env0 = podSpec(one(before, K8S_JOB)).containers[0].env.find((e: any) => e.name === "DATABASE_URL");
        assert.strictEqual(env0.valueFrom.secretKeyRef.name, "runbook-migrate", "SC-5: the migration reads the migration role's URL");
    });

    it("ST-1: an app that sets r2Env reads the R2 token from the token's Secret; one without it does not", async () => {
        const app = resolvedApp({ name: "web", role: "web", r2Env: { accessKeyId: "S3_ACCESS_KEY_ID", secretAccessKey: "S3_SECRET_ACCESS_KEY" } }, staging);
        const resources = await mockRun(() => {
            const component = new App("app-web", { app, environment: staging, namespace: "runbook", secretName: "runbook-env-1", assetsSecretName: "runbook-r2-assets-1" });
            return { urn: component.urn };
        });
        const env = podSpec(one(resources, K8S_DEPLOYMENT)).containers[0].env;
        assert.deepStrictEqual(
            env.filter((e: any) => e.valueFrom?.secretKeyRef.name === "runbook-r2-assets-1").map((e: any) => [e.name, e.valueFrom.secretKeyRef.key]),
            [["S3_ACCESS_KEY_ID", "R2_ACCESS_KEY_ID"], ["S3_SECRET_ACCESS_KEY", "R2_SECRET_ACCESS_KEY"]],
        );
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });
});
