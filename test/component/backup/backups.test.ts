import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Backups } from "../../../components/backup/backups";
import { validateConfig } from "../../../config/validate";
import { mockRun, mockRunRevealed, ofType, one } from "../../helpers/harness";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { stackRaw } from "../../helpers/stacks";
import { useMongodb } from "../../helpers/variants";
import { CLOUDFLARE_API_TOKEN, K8S_CRON_JOB, K8S_JOB, K8S_SECRET, RANDOM_RANDOM_ID, RANDOM_RANDOM_PASSWORD } from "../../helpers/types";
import { SECRET } from "../../../plan/model";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

function resolved(stack: string, mutate: (c: Record<string, any>) => void = () => undefined) {
    const r = validateConfig(stackRaw(stack, mutate), stack);
    if (!r.ok) throw new Error(r.problems.map((p) => p.path).join(", "));
    return r.config;
}

/** BK-3: a replica at another provider, on `endpoint`. */
const withReplica = (endpoint = "https://s3.eu-central-1.amazonaws.com") => (c: Record<string, any>) =>
    (c["runbook:backups"].replica = { endpoint, bucket: "acme-backups-replica", region: "eu-central-1", accessKeyId: { secure: "v1:id" }, secretAccessKey: { secure: "v1:key" } });
const REPLICA_CREDENTIALS = { accessKeyId: pulumi.secret("AKIAREPLICA"), secretAccessKey: pulumi.secret("replica-secret") };

/** What the ElastiCache component hands the backups for its snapshot's export (production runs ElastiCache). */
const elastiCacheExport = () => ({
    elastiCacheExport: {
        replicationGroupId: pulumi.output("redis-elasticache-group-1a2b3c4"),
        region: "eu-west-1",
        bucket: pulumi.output("redis-elasticache-export-bucket-5d6e7f8"),
        accessKeyId: pulumi.secret("AKIAEXPORTEXAMPLE"),
        secretAccessKey: pulumi.secret("export-secret"),
    },
});

function build(
    stack: string,
    datastores: "postgres+redis" | "mongodb",
    options: { mutate?: (c: Record<string, any>) => void; replicaCredentials?: typeof REPLICA_CREDENTIALS; run?: typeof mockRun } = {},
) {
    // The backup targets are the stack model's: a MongoDB stack's for the MongoDB sources.
    const config = resolved(stack, (c) => {
        if (datastores === "mongodb") useMongodb(c);
        options.mutate?.(c);
    });
    const redis = config.redis?.mode === "elasticache" ? elastiCacheExport() : { url: pulumi.secret("redis://:redis%2Fpw@redis.runbook.svc:6379") };
    return (options.run ?? mockRun)(() => {
        new Backups("backups", {
            backups: config.backups,
            stack,
            accountId: ACCOUNT,
            namespace: "runbook",
            datastores:
                datastores === "mongodb"
                    ? { mongodb: { backupUrl: pulumi.secret("mongodb://runbook_backup:pw@m-0.m:27017/?replicaSet=rs0"), expectedSizeBytes: 50 * 1024 ** 3 }, ...(config.redis ? { redis } : {}) }
                    : {
                          postgres: {
                              adminUrl: pulumi.secret("postgres://runbook_admin:admin%40pw@db.example.internal:5432/runbook?sslmode=require"),
                              serverUrl: "postgres://db.example.internal:5432/runbook?sslmode=require",
                          },
                          redis,
                      },
            assetBuckets: ["acme-assets"],
            drillAgeSecretKey: config.backups.drill ? pulumi.secret("AGE-SECRET-KEY-1TEST") : undefined,
            permissionGroupIds: { read: "read-group", write: "write-group" },
            replicaCredentials: options.replicaCredentials,
        });
    }, stack);
}

describe("component: Backups (BK-1, BK-3, BK-6, ST-1, SC-5)", () => {
    it("BK-1: staging with PostgreSQL and in-cluster Redis: one daily CronJob each, the role Job, and schema-valid objects", async () => {
        const resources = await build("staging", "postgres+redis");
        const crons = ofType(resources, K8S_CRON_JOB);
        const backupsCrons = crons.filter((c) => (c.inputs.metadata as any).name.startsWith("backup-"));
        assert.deepStrictEqual(backupsCrons.map((c) => `${(c.inputs.metadata as any).name} ${(c.inputs.spec as any).schedule}`).sort(), ["backup-postgres 0 2 * * *", "backup-redis 0 2 * * *"]);
        const pg = one(resources, K8S_CRON_JOB, "backups-postgres");
        const container = (pg.inputs.spec as any).jobTemplate.spec.template.spec.containers[0];
        const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
        assert.strictEqual(env.S3_ENDPOINT_URL.value, `https://${ACCOUNT}.r2.cloudflarestorage.com`);
        assert.strictEqual(env.BACKUP_PREFIX.value, "postgres");
        for (const key of ["POSTGRES_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
            assert.deepStrictEqual(env[key].valueFrom.secretKeyRef, { name: "runbook-backup-credentials", key }, `${key} comes from the Secret`);
        }
        const job = one(resources, K8S_JOB, "postgres-role");
        // Issue 16 item 3: named by everything it runs with, the password and admin URL included, so a
        // new password or a new RDS instance runs it again (the name is only known once they are).
        const password = one(resources, RANDOM_RANDOM_PASSWORD, "postgres-backup-password");
        assert.ok(job.propertyDependencies.metadata.includes(password.urn), "the Job's name follows the password");
        const setup = one(resources, K8S_SECRET, "postgres-role-setup");
        assert.ok(setup.propertyDependencies.metadata.includes(password.urn), "so does its Secret's: a new password is a new Secret, not an update");
        const roleContainer = (job.inputs.spec as any).template.spec.containers[0];
        assert.deepStrictEqual(roleContainer.command, ["/bin/bash", "/scripts/create-roles.sh"]);
        assert.deepStrictEqual(roleContainer.env.find((e: any) => e.name === "ROLES"), { name: "ROLES", value: "runbook_backup:backup" });
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });

    it("SC-1: every credential Secret's content stays secret in the plan", async () => {
        const resources = await build("staging", "postgres+redis");
        for (const name of ["backups-credentials", "postgres-role-setup", "drill-credentials", "assets-credentials"]) {
            assert.strictEqual(one(resources, K8S_SECRET, name).inputs.stringData, SECRET, `${name} is masked`);
        }
    });

    it("BK-1: MongoDB gets a daily full dump and an hourly oplog capture that ends before the next", async () => {
        const resources = await build("production", "mongodb");
        const crons = ofType(resources, K8S_CRON_JOB).map((c) => [(c.inputs.metadata as any).name, (c.inputs.spec as any).schedule, (c.inputs.spec as any).jobTemplate.spec.activeDeadlineSeconds]);
        assert.deepStrictEqual(crons.sort(), [
            ["backup-mongodb", "0 2 * * *", 14400],
            ["backup-mongodb-oplog", "15 * * * *", 3000],
            // Production's Redis is ElastiCache: its snapshot's export (BK-1).
            ["backup-redis", "0 2 * * *", 14400],
        ]);
    });

    it("BK-1: the scripts ConfigMap is named after their hash and every job mounts that one", async () => {
        const resources = await build("staging", "postgres+redis");
        const cm = one(resources, CONFIG_MAP, "scripts");
        const name = (cm.inputs.metadata as any).name;
        assert.match(name, /^backup-scripts-[0-9a-f]{10}$/);
        assert.ok((cm.inputs.data as Record<string, string>)["restore-drill.sh"].includes("pg_restore"));
        for (const c of ofType(resources, K8S_CRON_JOB)) {
            const volumes = (c.inputs.spec as any).jobTemplate.spec.template.spec.volumes;
            assert.strictEqual(volumes.find((v: any) => v.name === "scripts").configMap.name, name, c.name);
        }
    });

    it("BK-6, BK-3: staging's drills restore into a scratch sidecar with the drill's own read-only token and key; production has none", async () => {
        const staging = await build("staging", "postgres+redis");
        const drills = ofType(staging, K8S_CRON_JOB).filter((c) => (c.inputs.metadata as any).name.startsWith("restore-drill-"));
        assert.deepStrictEqual(drills.map((c) => (c.inputs.metadata as any).name).sort(), ["restore-drill-production-postgres", "restore-drill-staging-postgres", "restore-drill-staging-redis"]);
        const prod = drills.find((c) => c.name.endsWith("production-postgres"))!;
        const pod = (prod.inputs.spec as any).jobTemplate.spec.template.spec;
        assert.strictEqual(pod.initContainers[0].name, "scratch-postgres");
        assert.strictEqual(pod.initContainers[0].restartPolicy, "Always", "a native sidecar ends with the drill");
        const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e]));
        assert.strictEqual(env.S3_BUCKET.value, "retail-backups");
        assert.strictEqual(env.STACK_NAME.value, "production");
        // 004: each drill samples its own stack's assets, never another stack's.
        assert.strictEqual(env.DRILL_ASSET_URLS.value, "https://assets.example.com/health.png");
        const own = drills.find((c) => c.name.endsWith("staging-postgres"))!;
        const ownEnv = Object.fromEntries((own.inputs.spec as any).jobTemplate.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
        assert.strictEqual(ownEnv.DRILL_ASSET_URLS, "https://assets.staging.example.com/health.png");
        assert.strictEqual(env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef.name, "runbook-drill-credentials");
        assert.strictEqual(pod.volumes.find((v: any) => v.name === "drill-key").secret.defaultMode, 0o400);

        const tokens = ofType(staging, CLOUDFLARE_API_TOKEN);
        const reader = tokens.find((t) => t.name.includes("drill-reader"))!;
        const policy = (reader.inputs.policies as any[])[0];
        assert.deepStrictEqual(policy.permissionGroups, [{ id: "read-group" }]);
        assert.deepStrictEqual(Object.keys(JSON.parse(policy.resources)).sort(), [
            `com.cloudflare.edge.r2.bucket.${ACCOUNT}_default_retail-backups`,
            `com.cloudflare.edge.r2.bucket.${ACCOUNT}_default_retail-staging-backups`,
        ]);

        const production = await build("production", "postgres+redis");
        assert.strictEqual(ofType(production, K8S_CRON_JOB).filter((c) => (c.inputs.metadata as any).name.startsWith("restore-drill-")).length, 0);
        assert.strictEqual(ofType(production, K8S_SECRET).filter((s) => s.name.includes("drill")).length, 0, "no drill key in production");
        assert.strictEqual(ofType(production, CLOUDFLARE_API_TOKEN).filter((t) => t.name.includes("drill")).length, 0);
    });

    it("BK-6, 004: with an app check, each PostgreSQL drill pod runs the app's pinned image as the app runs, beside the drill, against the scratch database only", async () => {
        const staging = await build("staging", "postgres+redis", { mutate: (c) => {
            c["runbook:backups"].drill.appCheck = { app: "web", command: ["npx", "prisma", "migrate", "status"], timeoutSeconds: 120 };
        } });
        const web = resolved("staging").apps.find((a) => a.name === "web")!;
        const podOf = (name: string) => (one(staging, K8S_CRON_JOB, name).inputs.spec as any).jobTemplate.spec.template.spec;
        for (const name of ["backups-drill-staging-postgres", "backups-drill-production-postgres"]) {
            const pod = podOf(name);
            assert.deepStrictEqual(pod.containers.map((c: any) => c.name), ["job", "app-check"], `${name}: the check is a second main container, which exits on its own`);
            // The scratch server is a native sidecar: up before both, stopped once both have exited.
            assert.deepStrictEqual(pod.initContainers.map((c: any) => [c.name, c.restartPolicy]), [["scratch-postgres", "Always"]]);
            assert.strictEqual(pod.automountServiceAccountToken, false, "no service account token in the pod");
            const [job, check] = pod.containers;
            assert.strictEqual(check.image, web.image, "the app's own pinned image");
            assert.deepStrictEqual(check.command, ["/bin/sh", "/opt/runbook/backup/drill-app-check.sh"]);
            assert.deepStrictEqual(check.args, ["npx", "prisma", "migrate", "status"]);
            // Nothing but plain values: no Secret of the app, the drill or the backups reaches the check.
            assert.strictEqual(check.envFrom, undefined);
            assert.ok(check.env.every((e: any) => e.value !== undefined && e.valueFrom === undefined), JSON.stringify(check.env));
            const env = Object.fromEntries(check.env.map((e: any) => [e.name, e.value]));
            assert.deepStrictEqual(Object.keys(env).sort(), ["DATABASE_URL", "DRILL_APP_CHECK_DIR", "DRILL_APP_CHECK_TIMEOUT_SECONDS", "HOME"]);
            assert.strictEqual(env.DATABASE_URL, "postgresql://drill@127.0.0.1:5432/runbook_drill?sslmode=disable", "the restored copy on the pod's loopback, as the scratch user, without a password");
            assert.strictEqual(env.DRILL_APP_CHECK_TIMEOUT_SECONDS, "120");
            assert.deepStrictEqual(check.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, runAsUser: web.runAsUser, runAsGroup: web.runAsUser, seccompProfile: { type: "RuntimeDefault" } });
            assert.deepStrictEqual(check.resources.limits, { cpu: web.resources.cpuLimit, memory: web.resources.memoryLimit });
            const mounts = Object.fromEntries(check.volumeMounts.map((m: any) => [m.mountPath, m]));
            assert.deepStrictEqual(Object.keys(mounts).sort(), ["/opt/runbook/backup", "/run/drill-check", ...web.writablePaths].sort(), "the scripts, the handover and the app's writable paths; never the drill's key or work space");
            assert.strictEqual(mounts["/opt/runbook/backup"].readOnly, true);
            for (const p of web.writablePaths) assert.ok(pod.volumes.find((v: any) => v.name === mounts[p].name).emptyDir, `${p} is an emptyDir`);
            // The drill hands over to the check and waits for it a little longer than the check's own timeout.
            const jobEnv = Object.fromEntries(job.env.map((e: any) => [e.name, e.value]));
            assert.deepStrictEqual([jobEnv.DRILL_APP_CHECK_DIR, jobEnv.DRILL_APP_CHECK_TIMEOUT_SECONDS, jobEnv.DRILL_DATABASE], ["/run/drill-check", "180", "runbook_drill"]);
            assert.ok(job.volumeMounts.some((m: any) => m.name === mounts["/run/drill-check"].name && m.mountPath === "/run/drill-check"));
        }
        assert.deepStrictEqual(podOf("backups-drill-staging-redis").containers.map((c: any) => c.name), ["job"], "a Redis drill has no app check");
        assert.deepStrictEqual(await kubernetesSchemaErrors(staging), []);
        const without = await build("staging", "postgres+redis", { mutate: (c) => delete c["runbook:backups"].drill.appCheck });
        assert.deepStrictEqual(((one(without, K8S_CRON_JOB, "backups-drill-staging-postgres").inputs.spec as any).jobTemplate.spec.template.spec.containers as any[]).map((c) => c.name), ["job"]);
    });

    it("issue 17 #2, #7, #9, #10, #11, BK-2, BK-6: full backups copy the first of each month to monthly/<datastore>/; the MongoDB dump knows its largest size; the drills look in the monthly generation and check counts, the newest row and the app role", async () => {
        const staging = await build("staging", "postgres+redis");
        const envOf = (resources: Awaited<ReturnType<typeof build>>, name: string) =>
            Object.fromEntries(((ofType(resources, K8S_CRON_JOB).find((c) => c.name === name)!.inputs.spec as any).jobTemplate.spec.template.spec.containers[0].env as any[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
        assert.strictEqual(envOf(staging, "backups-postgres").BACKUP_MONTHLY_PREFIX, "monthly/postgres");
        assert.strictEqual(envOf(staging, "backups-redis").BACKUP_MONTHLY_PREFIX, undefined, "Redis keeps no monthly copy (003: 7 days)");
        const drill = envOf(staging, "backups-drill-production-postgres");
        assert.deepStrictEqual(
            [drill.DRILL_MONTHLY_PREFIX, drill.DRILL_ROW_COUNT_FRACTION, drill.DRILL_NEWEST_ROW, drill.DRILL_APP_ROLE],
            ["monthly/postgres", "0.9", undefined, undefined],
            "the defaults: the counts compared with the previous backup's, no newest-row or app-role check unless configured",
        );
        const configured = validateConfig(
            stackRaw("staging", (c) => Object.assign(c["runbook:backups"].drill, { appRole: "runbook_app", appTables: ["public.orders", "public.users"], newestRow: "public.orders.created_at", rowCountFraction: 0.75 })),
            "staging",
        );
        assert.ok(configured.ok);
        const withChecks = await mockRun(() => {
            new Backups("backups", {
                backups: configured.config.backups,
                stack: "staging",
                accountId: ACCOUNT,
                namespace: "runbook",
                datastores: {
                    postgres: { adminUrl: pulumi.secret("postgres://runbook_admin:pw@db.example.internal:5432/runbook"), serverUrl: "postgres://db.example.internal:5432/runbook?sslmode=require" },
                    redis: { url: pulumi.secret("redis://:pw@redis.runbook.svc:6379") },
                },
                drillAgeSecretKey: pulumi.secret("AGE-SECRET-KEY-1TEST"),
                permissionGroupIds: { read: "read-group", write: "write-group" },
            });
        }, "staging");
        const checks = envOf(withChecks, "backups-drill-staging-postgres");
        assert.deepStrictEqual(
            [checks.DRILL_APP_ROLE, checks.DRILL_APP_TABLES, checks.DRILL_NEWEST_ROW, checks.DRILL_MAX_ROW_AGE_SECONDS, checks.DRILL_ROW_COUNT_FRACTION],
            ["runbook_app", "public.orders,public.users", "public.orders.created_at", String(24 * 3600), "0.75"],
        );

        const mongo = await build("production", "mongodb");
        const dump = envOf(mongo, "backups-mongodb");
        assert.strictEqual(dump.BACKUP_MONTHLY_PREFIX, "monthly/mongodb");
        assert.strictEqual(dump.BACKUP_EXPECTED_SIZE, String(50 * 1024 ** 3), "the data volume bounds the dump: --expected-size");
        assert.strictEqual(envOf(mongo, "backups-mongodb-oplog").BACKUP_MONTHLY_PREFIX, undefined, "oplog captures only replay onto the full dump they follow");
    });

    it("ST-1, SC-2: each token's name carries its rotation label, its value stays secret; the writer reaches only the backups bucket", async () => {
        const resources = await build("staging", "postgres+redis");
        const tokens = ofType(resources, CLOUDFLARE_API_TOKEN);
        assert.deepStrictEqual(tokens.map((t) => t.inputs.name).sort(), ["runbook-staging-app-assets-2026-Q4", "runbook-staging-backup-jobs-2026-Q4", "runbook-staging-restore-drill-2026-Q4"]);
        for (const t of tokens) {
            assert.ok(t.additionalSecretOutputs.includes("value"), `${t.name}'s value stays secret`);
            assert.strictEqual(t.deleteBeforeReplace, false, `${t.name}: the new token exists before the old one goes`);
        }
        const writer = tokens.find((t) => t.name.includes("writer"))!;
        assert.deepStrictEqual(Object.keys(JSON.parse((writer.inputs.policies as any[])[0].resources)), [`com.cloudflare.edge.r2.bucket.${ACCOUNT}_default_retail-staging-backups`]);
    });

    it("BK-1: the jobs are the stack model's targets; a target whose datastore gives nothing to dump from is refused before anything is declared", async () => {
        const config = resolved("staging");
        assert.deepStrictEqual(config.backups.targets.map((t) => t.datastore), ["postgres", "redis"]);
        assert.throws(
            () =>
                new Backups("backups", {
                    backups: config.backups,
                    stack: "staging",
                    accountId: ACCOUNT,
                    namespace: "runbook",
                    datastores: { redis: { url: pulumi.secret("redis://:pw@redis.runbook.svc:6379") } },
                }),
            /Backups backups: backups\.targets lists postgres, but datastores\.postgres is missing/,
        );
    });

    it("BK-1, BK-3, BK-8: with ElastiCache (production) the redis job exports its snapshot: backup-elasticache.sh, the export user's key and group from the Secret, the region as a value, no port 6379 in the egress; schema-valid", async () => {
        const resources = await mockRun(() => {
            const config = resolved("production");
            assert.strictEqual(config.redis?.mode, "elasticache");
            new Backups("backups", {
                backups: config.backups,
                stack: "production",
                accountId: ACCOUNT,
                namespace: "runbook",
                datastores: {
                    postgres: { adminUrl: pulumi.secret("postgres://runbook_admin:pw@db.example.internal:5432/runbook"), serverUrl: "postgres://db.example.internal:5432/runbook?sslmode=require" },
                    redis: elastiCacheExport(),
                },
                permissionGroupIds: { read: "read-group", write: "write-group" },
            });
        }, "production");
        const cron = one(resources, K8S_CRON_JOB, "backups-redis");
        assert.strictEqual((cron.inputs.metadata as any).name, "backup-redis");
        assert.strictEqual((cron.inputs.spec as any).schedule, "0 2 * * *");
        const container = (cron.inputs.spec as any).jobTemplate.spec.template.spec.containers[0];
        assert.deepStrictEqual(container.command, ["/bin/bash", "/opt/runbook/backup/backup-elasticache.sh"]);
        const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
        assert.strictEqual(env.BACKUP_PREFIX.value, "redis", "the same prefix, retention and lock as in-cluster Redis's dumps");
        assert.strictEqual(env.ELASTICACHE_REGION.value, "eu-west-1");
        for (const key of ["ELASTICACHE_REPLICATION_GROUP_ID", "ELASTICACHE_EXPORT_BUCKET", "ELASTICACHE_AWS_ACCESS_KEY_ID", "ELASTICACHE_AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
            assert.deepStrictEqual(env[key].valueFrom.secretKeyRef, { name: "runbook-backup-credentials", key }, `${key} comes from the Secret`);
        }
        assert.strictEqual(env.REDISCLI_AUTH, undefined, "no Redis password: ElastiCache is never dumped over its port");
        const np = one(resources, NETWORK_POLICY, "backups-egress");
        assert.ok(!JSON.stringify((np.inputs.spec as any).egress).includes("6379"), "no in-cluster Redis port");
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });

    it("SC-5, BK-6: one egress NetworkPolicy for the backup pods, one for the drills (no datastore port); production has no drill and no drill policy", async () => {
        const resources = await build("staging", "postgres+redis");
        const policies = ofType(resources, NETWORK_POLICY);
        assert.deepStrictEqual(policies.map((p) => (p.inputs.metadata as any).name).sort(), ["backup-jobs-egress", "restore-drill-egress"]);
        const backup = policies.find((p) => (p.inputs.metadata as any).name === "backup-jobs-egress")!;
        assert.deepStrictEqual((backup.inputs.spec as any).podSelector, { matchLabels: { "runbook.dev/role": "backup" }, matchExpressions: [{ key: "runbook.dev/restore-drill", operator: "DoesNotExist" }] });
        const drill = policies.find((p) => (p.inputs.metadata as any).name === "restore-drill-egress")!;
        assert.deepStrictEqual(((drill.inputs.spec as any).egress as any[]).map((e) => e.ports[0].port), [443, 9091]);
        // Every drill pod carries the label the drill policy selects on.
        for (const cron of ofType(resources, K8S_CRON_JOB).filter((c) => (c.inputs.metadata as any).name.startsWith("restore-drill-"))) {
            assert.ok((cron.inputs.spec as any).jobTemplate.spec.template.metadata.labels["runbook.dev/restore-drill"], cron.name);
        }
        const production = await build("production", "postgres+redis");
        assert.deepStrictEqual(ofType(production, NETWORK_POLICY).map((p) => (p.inputs.metadata as any).name), ["backup-jobs-egress"]);
    });

    it("ST-1, WL-3: the apps' R2 token is in a Secret per token, named by a random ID its content keeps, kept after a rotation", async () => {
        const resources = await build("staging", "postgres+redis");
        const secret = one(resources, K8S_SECRET, "assets-credentials");
        const id = one(resources, RANDOM_RANDOM_ID, "assets-credentials-generation");
        assert.ok(secret.propertyDependencies.metadata.includes(id.urn), "a rotated token is a new Secret name, so the apps that read it roll");
        const token = one(resources, CLOUDFLARE_API_TOKEN, "assets");
        assert.ok(id.propertyDependencies.keepers.includes(token.urn), "the ID changes with the token");
        assert.strictEqual(secret.retainOnDelete, true, "the previous token's Secret stays for kubectl rollout undo");
    });

    describe("the replica (BK-3, BK-8)", () => {
        const envOf = (cron: { inputs: Record<string, unknown> }) =>
            Object.fromEntries(((cron.inputs.spec as any).jobTemplate.spec.template.spec.containers[0].env as any[]).map((e) => [e.name, e]));

        it("BK-3, BK-8: every backup CronJob copies to the replica, reading its own credentials from a Secret of their own; the drills do not; schema-valid", async () => {
            const resources = await build("staging", "postgres+redis", { mutate: withReplica(), replicaCredentials: REPLICA_CREDENTIALS });
            const crons = ofType(resources, K8S_CRON_JOB);
            const backupCrons = crons.filter((c) => (c.inputs.metadata as any).name.startsWith("backup-"));
            assert.strictEqual(backupCrons.length, 2);
            for (const cron of backupCrons) {
                const env = envOf(cron);
                assert.strictEqual(env.REPLICA_S3_ENDPOINT_URL.value, "https://s3.eu-central-1.amazonaws.com");
                assert.strictEqual(env.REPLICA_S3_BUCKET.value, "acme-backups-replica");
                assert.strictEqual(env.REPLICA_S3_REGION.value, "eu-central-1");
                for (const key of ["REPLICA_AWS_ACCESS_KEY_ID", "REPLICA_AWS_SECRET_ACCESS_KEY"]) {
                    assert.deepStrictEqual(env[key].valueFrom.secretKeyRef, { name: "runbook-backup-replica-credentials", key }, `${key} comes from the replica's Secret`);
                    assert.strictEqual(env[key].value, undefined);
                }
                assert.deepStrictEqual(env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef, { name: "runbook-backup-credentials", key: "AWS_ACCESS_KEY_ID" }, "the primary keeps its own token");
            }
            for (const drill of crons.filter((c) => (c.inputs.metadata as any).name.startsWith("restore-drill-"))) {
                assert.ok(!Object.keys(envOf(drill)).some((k) => k.startsWith("REPLICA_")), "the drill restores from the primary");
            }
            const secret = one(resources, K8S_SECRET, "replica-credentials");
            assert.strictEqual(secret.inputs.stringData, SECRET, "its content stays secret in the plan");
            assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);

            const revealed = await build("staging", "postgres+redis", { mutate: withReplica(), replicaCredentials: REPLICA_CREDENTIALS, run: mockRunRevealed });
            assert.deepStrictEqual(one(revealed, K8S_SECRET, "replica-credentials").inputs.stringData, { REPLICA_AWS_ACCESS_KEY_ID: "AKIAREPLICA", REPLICA_AWS_SECRET_ACCESS_KEY: "replica-secret" });
            assert.ok(!JSON.stringify(one(revealed, K8S_SECRET, "backups-credentials").inputs.stringData).includes("replica-secret"), "the primary's Secret holds none of the replica's credentials");
        });

        it("BK-3: without backups.replica, no replica Secret and no REPLICA_ setting", async () => {
            const resources = await build("staging", "postgres+redis");
            assert.strictEqual(ofType(resources, K8S_SECRET).filter((r) => r.name.includes("replica")).length, 0);
            for (const cron of ofType(resources, K8S_CRON_JOB)) assert.ok(!Object.keys(envOf(cron)).some((k) => k.startsWith("REPLICA_")));
        });

        it("BK-8: a replica without its credentials is refused before anything is declared", async () => {
            await assert.rejects(build("staging", "postgres+redis", { mutate: withReplica() }), /replicaCredentials are required with backups.replica/);
        });

        it("SC-5: the replica on 443 needs no new egress; on another port, that port joins HTTPS's rule to public addresses only", async () => {
            const httpsRule = (resources: Awaited<ReturnType<typeof build>>) =>
                ((one(resources, NETWORK_POLICY, "backups-egress").inputs.spec as any).egress as any[]).find((r) => r.to[0].ipBlock?.except !== undefined);
            const plain = httpsRule(await build("staging", "postgres+redis"));
            const on443 = httpsRule(await build("staging", "postgres+redis", { mutate: withReplica(), replicaCredentials: REPLICA_CREDENTIALS }));
            assert.deepStrictEqual(on443, plain, "443 is reached already");
            const on9443 = httpsRule(await build("staging", "postgres+redis", { mutate: withReplica("https://minio.backup.example.net:9443"), replicaCredentials: REPLICA_CREDENTIALS }));
            assert.deepStrictEqual(on9443.ports, [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 9443 }]);
            assert.deepStrictEqual(on9443.to, plain.to, "still never the private ranges");
        });
    });
});
