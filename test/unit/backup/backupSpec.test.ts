import * as assert from "assert";
import { contentHash } from "../../../components/k8s/contentHash";
import { createHash } from "crypto";
import {
    BACKUP_SCRIPTS,
    DRILL_SCRIPT,
    SCRATCH_POSTGRES_SETTINGS,
    SCRATCH_RESOURCES,
    APP_CHECK_GRACE_SECONDS,
    appCheckContainer,
    appCheckDrillEnv,
    appCheckVolumes,
    backupEgressSpec,
    backupRoleUrl,
    restoreDrillEgressSpec,
    redisCliSettings,
    jobCronJobSpec,
    jobDeadlines,
    pushgatewayTarget,
    r2SecretAccessKey,
    r2TokenPolicy,
    readScripts,
    replicaEnv,
    replicaPort,
    scratchSidecar,
} from "../../../components/backup/backupSpec";
import { INCOMING_PREFIX, backupLifecycleRules, backupLockRules } from "../../../components/storage/lifecycle";

const DAY = 86400;

describe("unit: backup job builders (BK-1, BK-3, BK-4, ST-1)", () => {
    it("BK-1: the scripts ConfigMap holds every script a job runs, and its hash changes with any script", () => {
        const scripts = readScripts();
        for (const s of [...Object.values(BACKUP_SCRIPTS), DRILL_SCRIPT, "lib.sh"]) assert.ok(scripts[s], `${s} is mounted`);
        const hash = contentHash(scripts);
        assert.match(hash, /^[0-9a-f]{10}$/);
        assert.strictEqual(contentHash({ ...scripts }), hash, "stable");
        assert.notStrictEqual(contentHash({ ...scripts, "lib.sh": scripts["lib.sh"] + "\n" }), hash, "a one-byte change renames the ConfigMap");
    });

    it("ST-1: a token reaches exactly the named buckets, and its S3 secret is the SHA-256 of its value", () => {
        const policy = r2TokenPolicy("acc", ["b2", "b1"], "group-id");
        assert.deepStrictEqual(policy.permissionGroups, [{ id: "group-id" }]);
        assert.deepStrictEqual(JSON.parse(policy.resources), { "com.cloudflare.edge.r2.bucket.acc_default_b1": "*", "com.cloudflare.edge.r2.bucket.acc_default_b2": "*" });
        assert.throws(() => r2TokenPolicy("acc", [], "g"), /at least one bucket/);
        assert.strictEqual(r2SecretAccessKey("token"), createHash("sha256").update("token").digest("hex"));
    });

    it("BK-8: the backup role's URL keeps host, database and TLS; redis-cli gets host, port and password apart", () => {
        assert.strictEqual(
            backupRoleUrl("postgres://runbook_admin:admin%40pw@db.internal:5432/runbook?sslmode=require", "runbook_backup", "p@ss/w"),
            "postgres://runbook_backup:p%40ss%2Fw@db.internal:5432/runbook?sslmode=require",
        );
        assert.deepStrictEqual(redisCliSettings("redis://:redis%2Fpw@redis.runbook.svc:6379"), { REDIS_HOST: "redis.runbook.svc", REDIS_PORT: "6379", REDISCLI_AUTH: "redis/pw" });
        assert.strictEqual(redisCliSettings("redis://:x@r").REDIS_PORT, "6379");
    });

    it("BK-1, SC-5: a backup CronJob is Forbid, deadline-bound, history-bounded, restricted, and reads credentials through secretKeyRef", () => {
        const spec: any = jobCronJobSpec({
            name: "backup-postgres",
            schedule: "0 2 * * *",
            image: "ghcr.io/acme/runbook-backup:1.0.0",
            script: BACKUP_SCRIPTS.postgres,
            scriptsConfigMap: "backup-scripts-abc",
            env: { S3_BUCKET: "b" },
            secretEnv: { AWS_SECRET_ACCESS_KEY: { secret: "creds", key: "AWS_SECRET_ACCESS_KEY" } },
            labels: { "runbook.dev/role": "backup" },
            ...jobDeadlines("postgres"),
        });
        assert.strictEqual(spec.concurrencyPolicy, "Forbid");
        assert.strictEqual(spec.timeZone, "Etc/UTC");
        assert.strictEqual(spec.startingDeadlineSeconds, 3600);
        assert.strictEqual(spec.successfulJobsHistoryLimit, 3);
        assert.strictEqual(spec.failedJobsHistoryLimit, 3);
        const job = spec.jobTemplate.spec;
        assert.strictEqual(job.activeDeadlineSeconds, 4 * 3600);
        const pod = job.template.spec;
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
        assert.deepStrictEqual(pod.containers[0].command, ["/bin/bash", "/opt/runbook/backup/backup-postgres.sh"]);
        assert.deepStrictEqual(pod.containers[0].env.find((e: any) => e.name === "AWS_SECRET_ACCESS_KEY"), { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "creds", key: "AWS_SECRET_ACCESS_KEY" } } });
        assert.strictEqual(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
        assert.strictEqual(jobDeadlines("mongodb-oplog").activeDeadlineSeconds < 3600, true, "an hourly capture ends before the next starts");
    });

    it("SC-5: the jobs' egress is their data stores, HTTPS outside the private ranges, and the Pushgateway's namespace and port", () => {
        assert.deepStrictEqual(pushgatewayTarget("http://prometheus-pushgateway.monitoring.svc:9091"), { namespace: "monitoring", port: 9091 });
        assert.deepStrictEqual(pushgatewayTarget("https://push.example.com"), { namespace: undefined, port: 443 });
        const spec: any = backupEgressSpec({ inClusterPorts: [6379], externalPorts: [{ port: 5432, cidrs: ["10.0.0.0/8"] }], pushgatewayUrl: "http://prometheus-pushgateway.monitoring.svc:9091" });
        assert.deepStrictEqual(spec.policyTypes, ["Egress"]);
        assert.deepStrictEqual(spec.podSelector, { matchLabels: { "runbook.dev/role": "backup" }, matchExpressions: [{ key: "runbook.dev/restore-drill", operator: "DoesNotExist" }] });
        const ports = spec.egress.map((e: any) => e.ports.map((p: any) => p.port).join(","));
        assert.deepStrictEqual(ports, ["6379", "5432", "443", "9091"]);
        assert.deepStrictEqual(spec.egress[2].to[0].ipBlock.except, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]);
        assert.deepStrictEqual(spec.egress[3].to[0], { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } });
    });

    it("BK-6, SC-5: the drills' egress is HTTPS outside the private ranges and the Pushgateway: no datastore port, so neither the drill nor its app check reaches a real database", () => {
        const drill: any = restoreDrillEgressSpec("http://prometheus-pushgateway.monitoring.svc:9091");
        assert.deepStrictEqual(drill.podSelector, { matchLabels: { "runbook.dev/role": "backup" }, matchExpressions: [{ key: "runbook.dev/restore-drill", operator: "Exists" }] });
        assert.deepStrictEqual(drill.egress.map((e: any) => e.ports.map((p: any) => p.port).join(",")), ["443", "9091"]);
        const backup: any = backupEgressSpec({ inClusterPorts: [27017], externalPorts: [{ port: 5432, cidrs: ["10.0.0.0/8"] }], pushgatewayUrl: "http://prometheus-pushgateway.monitoring.svc:9091" });
        assert.deepStrictEqual(drill.egress, backup.egress.slice(-2), "the same HTTPS and Pushgateway rules as the backup jobs'");
    });

    it("BK-6, SC-5: the app check container runs the app's image as the app, with the scratch copy's URL and nothing secret", () => {
        const check = {
            app: "web",
            image: "ghcr.io/acme/web:1.0.0",
            runAsUser: 1000,
            writablePaths: ["/tmp", "/app/.next/cache", "/work"],
            resources: { cpuRequest: "250m", memoryRequest: "512Mi", cpuLimit: "1000m", memoryLimit: "2Gi" },
            command: ["npx", "prisma", "migrate", "status"],
            timeoutSeconds: 300,
            connectionEnv: ["DATABASE_URL", "DATABASE_READER_URL"],
        };
        const c: any = appCheckContainer(check);
        assert.deepStrictEqual(c.env, [
            { name: "DATABASE_URL", value: "postgresql://drill@127.0.0.1:5432/runbook_drill?sslmode=disable" },
            { name: "DATABASE_READER_URL", value: "postgresql://drill@127.0.0.1:5432/runbook_drill?sslmode=disable" },
            { name: "DRILL_APP_CHECK_DIR", value: "/run/drill-check" },
            { name: "DRILL_APP_CHECK_TIMEOUT_SECONDS", value: "300" },
            { name: "HOME", value: "/tmp" },
        ]);
        assert.strictEqual(c.envFrom, undefined);
        assert.strictEqual(c.securityContext.runAsUser, 1000);
        assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
        const volumes = appCheckVolumes(check);
        // The app's writable paths never share a volume with the drill's own (its work space is "work").
        assert.deepStrictEqual(volumes.map((v) => v.name), ["drill-check", "app-check-tmp", "app-check-app-next-cache", "app-check-work"]);
        assert.deepStrictEqual(c.volumeMounts.map((m: any) => `${m.name}:${m.mountPath}`), ["scripts:/opt/runbook/backup", "drill-check:/run/drill-check", "app-check-tmp:/tmp", "app-check-app-next-cache:/app/.next/cache", "app-check-work:/work"]);
        // The drill waits the check's timeout and a grace for the check to say so.
        assert.strictEqual(appCheckDrillEnv(check).DRILL_APP_CHECK_TIMEOUT_SECONDS, String(300 + APP_CHECK_GRACE_SECONDS));
        // A second main container of the drill's Job, after the job's.
        const spec: any = jobCronJobSpec({ name: "d", schedule: "0 5 * * 1", image: "i:1", script: DRILL_SCRIPT, scriptsConfigMap: "s", env: {}, secretEnv: {}, startingDeadlineSeconds: 1, activeDeadlineSeconds: 2, labels: {}, containers: [c] });
        assert.deepStrictEqual(spec.jobTemplate.spec.template.spec.containers.map((x: any) => x.name), ["job", "app-check"]);
    });

    it("BK-3, SC-5: the replica's settings, and its port joins the HTTPS rule only when it is not 443", () => {
        assert.deepStrictEqual(replicaEnv({ endpoint: "https://s3.eu-central-1.amazonaws.com", bucket: "b-replica", region: "eu-central-1" }), {
            REPLICA_S3_ENDPOINT_URL: "https://s3.eu-central-1.amazonaws.com",
            REPLICA_S3_BUCKET: "b-replica",
            REPLICA_S3_REGION: "eu-central-1",
        });
        assert.strictEqual(replicaPort("https://s3.example.com"), 443);
        assert.strictEqual(replicaPort("https://minio.example.net:9443"), 9443);
        const needs = { inClusterPorts: [], externalPorts: [], pushgatewayUrl: "http://prometheus-pushgateway.monitoring.svc:9091" };
        const https = (spec: any) => spec.egress.find((e: any) => e.to[0].ipBlock?.except !== undefined);
        assert.deepStrictEqual(https(backupEgressSpec({ ...needs, replicaEndpoint: "https://s3.example.com" })), https(backupEgressSpec(needs)));
        assert.deepStrictEqual(https(backupEgressSpec({ ...needs, replicaEndpoint: "https://minio.example.net:9443" })).ports.map((p: any) => p.port), [443, 9443]);
    });
});

describe("unit: the drill's scratch PostgreSQL server (BK-6, BK-7)", () => {
    /** Bytes of a PostgreSQL size ("512MB") or a Kubernetes quantity ("6Gi"). */
    const bytes = (v: string) => {
        const m = /^(\d+)(kB|MB|GB|Ki|Mi|Gi)$/.exec(v);
        assert.ok(m, `${v} is a size`);
        return Number(m[1]) * { kB: 1024, Ki: 1024, MB: 1024 ** 2, Mi: 1024 ** 2, GB: 1024 ** 3, Gi: 1024 ** 3 }[m[2] as "kB"];
    };

    it("BK-7: the sidecar runs with exactly the shared scratch settings, a throwaway server that writes no WAL for a restore", () => {
        const [sidecar] = scratchSidecar("postgres", { jobImage: "ghcr.io/acme/runbook-backup:1.0.0" });
        const args = sidecar.args as string[];
        const settings = Object.fromEntries(args.filter((_, i) => args[i - 1] === "-c").map((a) => a.split("=") as [string, string]));
        assert.deepStrictEqual(settings, { listen_addresses: "127.0.0.1", unix_socket_directories: "/var/run/postgresql", ...SCRATCH_POSTGRES_SETTINGS });
        // The job image's own server, started by the project's script: no upstream entrypoint.
        assert.strictEqual(sidecar.image, "ghcr.io/acme/runbook-backup:1.0.0");
        assert.deepStrictEqual(sidecar.command, ["/bin/bash", "/opt/runbook/backup/scratch-postgres.sh"]);
        for (const [k, v] of Object.entries({ fsync: "off", full_page_writes: "off", synchronous_commit: "off", wal_level: "minimal", max_wal_senders: "0", autovacuum: "off" })) {
            assert.strictEqual(SCRATCH_POSTGRES_SETTINGS[k], v, k);
        }
        assert.deepStrictEqual(sidecar.resources, SCRATCH_RESOURCES);
    });

    it("BK-7: shared_buffers plus one maintenance_work_mem per parallel restore job fits the sidecar's memory limit with room to spare", () => {
        const jobs = Number(SCRATCH_RESOURCES.limits.cpu);
        const used = bytes(SCRATCH_POSTGRES_SETTINGS.shared_buffers) + jobs * bytes(SCRATCH_POSTGRES_SETTINGS.maintenance_work_mem) + bytes(SCRATCH_POSTGRES_SETTINGS.wal_buffers);
        assert.ok(used <= 0.75 * bytes(SCRATCH_RESOURCES.limits.memory), `${used} bytes within 75% of ${SCRATCH_RESOURCES.limits.memory}`);
    });
});

describe("unit: backups bucket lifecycle and lock per prefix (BK-2, BK-4, ST-2)", () => {
    const prefixes = { postgres: 30, redis: 7 };

    it("BK-2: each prefix expires at its retention; temporary uploads after 1 day, unfinished multipart uploads after 1", () => {
        const rules = backupLifecycleRules(prefixes);
        const expiry = Object.fromEntries(rules.filter((r) => r.deleteObjectsTransition).map((r) => [r.conditions.prefix, r.deleteObjectsTransition!.condition.maxAge / DAY]));
        assert.deepStrictEqual(expiry, { "postgres/": 30, "redis/": 7, "incoming/": 1 });
        const abort = rules.find((r) => r.abortMultipartUploadsTransition)!;
        assert.deepStrictEqual([abort.conditions.prefix, abort.abortMultipartUploadsTransition!.condition.maxAge / DAY], ["", 1]);
        assert.ok(rules.every((r) => r.enabled));
    });

    it("BK-4: each datastore prefix is locked for its retention, temporary uploads are not locked; no rule deletes before its lock ends", () => {
        const locks = backupLockRules(prefixes);
        assert.deepStrictEqual(locks.map((l) => [l.prefix, l.condition.maxAgeSeconds / DAY]), [["postgres/", 30], ["redis/", 7]]);
        assert.ok(locks.every((l) => l.prefix !== "" && !INCOMING_PREFIX.startsWith(l.prefix)), "no lock rule covers incoming/");
        const lockFor = (key: string) => Math.max(0, ...locks.filter((l) => key.startsWith(l.prefix)).map((l) => l.condition.maxAgeSeconds));
        for (const rule of backupLifecycleRules(prefixes).filter((r) => r.deleteObjectsTransition)) {
            assert.ok(rule.deleteObjectsTransition!.condition.maxAge >= lockFor(`${rule.conditions.prefix}x`), `${rule.id} deletes no earlier than the lock`);
        }
        assert.throws(() => backupLockRules({}), /at least one datastore prefix/);
    });
});
