import * as assert from "assert";
import {
    HTTP_PORT_NAME,
    SECRET_CHECKSUM_ANNOTATION,
    autoscalerSpec,
    containerEnv,
    deploymentSpec,
    disruptionBudgetSpec,
    migrationJobName,
    migrationJobSpec,
    serviceSpec,
    topologySpread,
    volumeName,
} from "../../../components/app/appSpec";
import { resolvedApp } from "../../helpers/apps";
import { production, staging } from "../../helpers/harness";

const appInput = { name: "api", role: "api" as const, secretRefs: ["DATABASE_URL"], env: { LOG_LEVEL: "info" }, migrate: { command: ["npx", "prisma", "migrate", "deploy"] } };
const api = (env = staging) => resolvedApp(appInput, env);

describe("unit: app builders (WL-1…8, SC-5)", () => {
    it("WL-8: feature flags are FLAG_<NAME>, the request timeout is in milliseconds; the migration gets neither, so a flag flip never renames or reruns it", () => {
        const app = resolvedApp({ ...appInput, featureFlags: { NEW_CHECKOUT: false, SEARCH_V2: "beta" }, requestTimeoutSeconds: 15 }, staging);
        const env = containerEnv(app, { env: "runbook-env" }).filter((e) => e.value !== undefined);
        assert.deepStrictEqual(env, [
            { name: "FLAG_NEW_CHECKOUT", value: "false" },
            { name: "FLAG_SEARCH_V2", value: "beta" },
            { name: "LOG_LEVEL", value: "info" },
            { name: "PORT", value: "3001" },
            { name: "REQUEST_TIMEOUT_MS", value: "15000" },
        ]);
        const named = resolvedApp({ ...appInput, requestTimeoutSeconds: 15, requestTimeoutEnv: "HTTP_TIMEOUT" }, staging);
        assert.ok(containerEnv(named, { env: "runbook-env" }).some((e) => e.name === "HTTP_TIMEOUT" && e.value === "15000"));
        const job = (migrationJobSpec({ app, serviceAccountName: "api", migrationSecretName: "runbook-migrate" }) as any).template.spec.containers[0].env as Array<{ name: string }>;
        assert.ok(!job.some((e) => e.name.startsWith("FLAG_") || e.name === "REQUEST_TIMEOUT_MS"), JSON.stringify(job));
        const flipped = resolvedApp({ ...appInput, featureFlags: { NEW_CHECKOUT: true }, requestTimeoutSeconds: 15 }, staging);
        assert.strictEqual(migrationJobName(flipped), migrationJobName(app));
    });

    it("000: command and args replace the image's for the app's container, never for its migration", () => {
        const app = resolvedApp({ ...appInput, role: "worker", command: ["node", "dist/worker.js"], args: ["--queues", "email"] }, staging);
        const c = (deploymentSpec({ app, environment: staging, serviceAccountName: "api", secretName: "s" }) as any).template.spec.containers[0];
        assert.deepStrictEqual([c.command, c.args], [["node", "dist/worker.js"], ["--queues", "email"]]);
        const plain = (deploymentSpec({ app: api(), environment: staging, serviceAccountName: "api", secretName: "s" }) as any).template.spec.containers[0];
        assert.ok(!("command" in plain) && !("args" in plain), "the image's own entrypoint when none is set");
        const job = (migrationJobSpec({ app, serviceAccountName: "api", migrationSecretName: "runbook-migrate" }) as any).template.spec.containers[0];
        assert.deepStrictEqual(job.command, ["npx", "prisma", "migrate", "deploy"]);
        assert.ok(!("args" in job));
    });

    it("SC-1: plain env is sorted with PORT, secrets only through secretKeyRef", () => {
        assert.deepStrictEqual(containerEnv(api(), { env: "runbook-env" }), [
            { name: "LOG_LEVEL", value: "info" },
            { name: "PORT", value: "3001" },
            { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "runbook-env", key: "DATABASE_URL" } } },
        ]);
    });

    it("WL-3: rolling updates never drop below the desired count and keep a few revisions", () => {
        const spec = deploymentSpec({ app: api(), environment: staging, serviceAccountName: "api", secretName: "runbook-env" }) as any;
        assert.deepStrictEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
        assert.ok(spec.revisionHistoryLimit >= 2);
        assert.strictEqual(spec.template.metadata.annotations, undefined, "no checksum annotation without a checksum");
        const withChecksum = deploymentSpec({ app: api(), environment: staging, serviceAccountName: "api", secretName: "runbook-env", secretChecksum: "abc" }) as any;
        assert.strictEqual(withChecksum.template.metadata.annotations[SECRET_CHECKSUM_ANNOTATION], "abc");
    });

    it("WL-2: startup, liveness and readiness probe the configured paths on the http port", () => {
        const app = resolvedApp({ name: "web", role: "web", healthPath: "/live", readinessPath: "/ready", startupPath: "/started" }, staging);
        const c = (deploymentSpec({ app, environment: staging, serviceAccountName: "web", secretName: "s" }) as any).template.spec.containers[0];
        assert.deepStrictEqual([c.startupProbe.httpGet, c.livenessProbe.httpGet, c.readinessProbe.httpGet], [
            { path: "/started", port: HTTP_PORT_NAME },
            { path: "/live", port: HTTP_PORT_NAME },
            { path: "/ready", port: HTTP_PORT_NAME },
        ]);
        assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 300, "five minutes to start");
    });

    it("SC-5: read-only root with emptyDirs for /tmp and .next/cache on web apps", () => {
        const app = resolvedApp({ name: "web", role: "web" }, staging);
        const pod = (deploymentSpec({ app, environment: staging, serviceAccountName: "web", secretName: "s" }) as any).template.spec;
        assert.deepStrictEqual(pod.containers[0].volumeMounts, [
            { name: "tmp", mountPath: "/tmp" },
            { name: "app-next-cache", mountPath: "/app/.next/cache" },
        ]);
        assert.deepStrictEqual(pod.volumes.map((v: any) => Object.keys(v.emptyDir)), [["sizeLimit"], ["sizeLimit"]]);
        const security = pod.containers[0].securityContext;
        assert.deepStrictEqual(
            [security.readOnlyRootFilesystem, security.runAsNonRoot, security.allowPrivilegeEscalation, security.capabilities.drop, security.seccompProfile.type],
            [true, true, false, ["ALL"], "RuntimeDefault"],
        );
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(volumeName("/var/cache/My App/"), "var-cache-my-app");
    });

    it("WL-1: pods spread across zones and nodes; production never stacks a node", () => {
        const app = api();
        assert.deepStrictEqual(topologySpread(app, staging).map((t) => [t.topologyKey, t.whenUnsatisfiable]), [
            ["topology.kubernetes.io/zone", "ScheduleAnyway"],
            ["kubernetes.io/hostname", "ScheduleAnyway"],
        ]);
        assert.strictEqual(topologySpread(app, production)[1].whenUnsatisfiable, "DoNotSchedule");
    });

    it("WL-1: production gets an autoscaler on CPU and memory and a disruption budget; staging with one pod gets neither", () => {
        const hpa = autoscalerSpec(api(production)) as any;
        assert.deepStrictEqual([hpa.minReplicas, hpa.maxReplicas], [3, 6]);
        assert.deepStrictEqual(hpa.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]), [["cpu", 70], ["memory", 80]]);
        assert.deepStrictEqual(hpa.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "api" });
        assert.deepStrictEqual(disruptionBudgetSpec(api(production)), { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "api", "app.kubernetes.io/component": "api" } } });
        assert.strictEqual(autoscalerSpec(api()), undefined);
        assert.strictEqual(disruptionBudgetSpec(api()), undefined);
    });

    it("ED-5: the Service is ClusterIP, named port http on the app's port", () => {
        assert.deepStrictEqual(serviceSpec(api()).ports, [{ name: "http", port: 3001, targetPort: "http", protocol: "TCP" }]);
        assert.strictEqual(serviceSpec(api()).type, "ClusterIP");
    });

    it("WL-5: one migration Job name per image version; the same image is the same Job", () => {
        const a = migrationJobName(api());
        assert.match(a, /^api-migrate-[0-9a-f]{10}$/);
        assert.strictEqual(migrationJobName(api()), a);
        assert.notStrictEqual(migrationJobName({ ...api(), image: "ghcr.io/acme/api:1.4.3" }), a);
        assert.notStrictEqual(migrationJobName({ ...api(), migrate: { command: ["other"], timeoutSeconds: 600, backoffLimit: 1 } }), a);
        assert.ok(migrationJobName({ ...api(), name: "a".repeat(40) }).length <= 63);
    });

    it("WL-5: the migration runs the command with the app's image and secrets, no probes, bounded in time", () => {
        const spec = migrationJobSpec({ app: api(), serviceAccountName: "api", migrationSecretName: "runbook-migrate" }) as any;
        const c = spec.template.spec.containers[0];
        assert.deepStrictEqual(c.command, ["npx", "prisma", "migrate", "deploy"]);
        assert.strictEqual(c.image, "ghcr.io/acme/api:1.4.2");
        assert.ok(c.env.some((e: any) => e.name === "DATABASE_URL" && e.valueFrom.secretKeyRef.name === "runbook-migrate"), "the migration role's URL, from the migration Secret");
        assert.ok(c.env.some((e: any) => e.name === "HOME" && e.value === "/tmp"));
        assert.deepStrictEqual([c.livenessProbe, c.readinessProbe, c.startupProbe], [undefined, undefined, undefined]);
        assert.deepStrictEqual([spec.activeDeadlineSeconds, spec.backoffLimit, spec.ttlSecondsAfterFinished], [600, 1, undefined]);
        assert.strictEqual(spec.template.spec.restartPolicy, "Never");
        assert.strictEqual(spec.template.metadata.labels["app.kubernetes.io/component"], "migrate");
        assert.strictEqual(spec.template.metadata.labels["runbook.dev/tier"], "app", "the Job reaches the database as the app does");
    });

    it("ST-1: an app with r2Env reads the R2 token under its own names from the token's Secret; a rotated token changes the pod template", () => {
        const app = resolvedApp({ name: "web", role: "web", r2Env: { accessKeyId: "S3_ACCESS_KEY_ID", secretAccessKey: "S3_SECRET_ACCESS_KEY", endpoint: "S3_ENDPOINT" } }, staging);
        const template = (assets: string) => (deploymentSpec({ app, environment: staging, serviceAccountName: "web", secretName: "runbook-env-1", assetsSecretName: assets }) as any).template;
        const env = template("runbook-r2-assets-aaaa").spec.containers[0].env.filter((e: any) => e.valueFrom);
        assert.deepStrictEqual(
            env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]),
            [
                ["S3_ACCESS_KEY_ID", "runbook-r2-assets-aaaa", "R2_ACCESS_KEY_ID"],
                ["S3_SECRET_ACCESS_KEY", "runbook-r2-assets-aaaa", "R2_SECRET_ACCESS_KEY"],
                ["S3_ENDPOINT", "runbook-r2-assets-aaaa", "R2_ENDPOINT"],
            ],
        );
        assert.notDeepStrictEqual(template("runbook-r2-assets-bbbb"), template("runbook-r2-assets-aaaa"), "a new token's Secret rolls the pods");
        assert.throws(() => deploymentSpec({ app, environment: staging, serviceAccountName: "web", secretName: "s" }), /r2Env.*no R2 token/);
        const plain = (deploymentSpec({ app: resolvedApp({ name: "web", role: "web" }, staging), environment: staging, serviceAccountName: "web", secretName: "s", assetsSecretName: "runbook-r2-assets-aaaa" }) as any).template.spec.containers[0].env;
        assert.ok(!plain.some((e: any) => e.valueFrom?.secretKeyRef.name === "runbook-r2-assets-aaaa"), "an app without r2Env gets no token");
    });

    it("DB-5: an app with readerUrlEnv reads the replica's URL under that name; the migration reads neither it nor the R2 token", () => {
        const app = resolvedApp({ name: "api", role: "api", readerUrlEnv: "READ_DATABASE_URL", r2Env: { accessKeyId: "A", secretAccessKey: "B" }, migrate: { command: ["migrate"] } }, staging);
        const env = containerEnv(app, { env: "runbook-env-1", assets: "runbook-r2-assets-1" });
        assert.deepStrictEqual(env.find((e) => e.name === "READ_DATABASE_URL"), { name: "READ_DATABASE_URL", valueFrom: { secretKeyRef: { name: "runbook-env-1", key: "DATABASE_READER_URL" } } });
        const job = (migrationJobSpec({ app, serviceAccountName: "api", migrationSecretName: "runbook-migrate" }) as any).template.spec.containers[0].env;
        assert.deepStrictEqual(job.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.name), [], "the migration needs no reader and no R2 token");
    });
});
