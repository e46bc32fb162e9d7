import * as assert from "assert";
import { BACKUP_DATASTORE_LABEL as PROGRAM_DATASTORE_LABEL, BACKUP_SCRIPTS, jobCronJobSpec, jobLabels, jobDeadlines } from "../../components/backup/backupSpec";
import { ROLE_LABEL as PROGRAM_ROLE_LABEL, BACKUP_ROLE as PROGRAM_BACKUP_ROLE } from "../../components/k8s/labels";
import { BACKUP_DATASTORE_LABEL, BACKUP_ROLE, ROLE_LABEL, backupCronJobPerDatabase, backupJobsHardened, cronRunsAtLeast, isPinnedImage } from "../../policies/rules/backups";
import { check, resource } from "../helpers/policy";
import { AWS_RDS_INSTANCE, K8S_CRON_JOB, K8S_JOB, K8S_STATEFUL_SET } from "../helpers/types";

/** A backup CronJob exactly as components/backup builds it. */
function backupCronJob(kind: keyof typeof BACKUP_SCRIPTS, schedule: string, tweak: (spec: any) => void = () => undefined) {
    const labels = jobLabels(`backup-${kind}`, { [PROGRAM_DATASTORE_LABEL]: kind });
    const spec: any = jobCronJobSpec({
        name: `backup-${kind}`,
        schedule,
        image: "ghcr.io/acme/runbook-backup:1.0.0",
        script: BACKUP_SCRIPTS[kind],
        scriptsConfigMap: "backup-scripts-0123456789",
        env: { S3_BUCKET: "acme-backups", AGE_RECIPIENT: "age1xyz" },
        secretEnv: { AWS_ACCESS_KEY_ID: { secret: "runbook-backup-credentials", key: "AWS_ACCESS_KEY_ID" }, AWS_SECRET_ACCESS_KEY: { secret: "runbook-backup-credentials", key: "AWS_SECRET_ACCESS_KEY" } },
        labels,
        ...jobDeadlines(kind),
    });
    tweak(spec);
    return resource(K8S_CRON_JOB, `backups-${kind}`, { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: `backup-${kind}`, namespace: "runbook", labels }, spec });
}

const rds = (name = "database-postgres-instance", extra: Record<string, unknown> = {}) => resource(AWS_RDS_INSTANCE, name, { engine: "postgres", instanceClass: "db.t4g.medium", ...extra });
const dataStatefulSet = (name: string, image: string, command: string[]) =>
    resource(K8S_STATEFUL_SET, name, {
        metadata: { name, labels: { "runbook.dev/tier": "data" } },
        spec: { template: { metadata: { labels: { "runbook.dev/tier": "data" } }, spec: { containers: [{ name, image, command }] } } },
    });
const mongo = dataStatefulSet("mongodb", "mongo:7.0.14", ["mongod", "--replSet", "rs0"]);
const redis = dataStatefulSet("redis", "redis:7.2.7", ["redis-server", "/etc/redis/redis.conf"]);

describe("policy: backup-cronjob-per-database (BK-1)", () => {
    it("the pack's label names are the program's", () => {
        assert.strictEqual(BACKUP_DATASTORE_LABEL, PROGRAM_DATASTORE_LABEL);
        assert.strictEqual(ROLE_LABEL, PROGRAM_ROLE_LABEL);
        assert.strictEqual(BACKUP_ROLE, PROGRAM_BACKUP_ROLE);
    });

    it("BK-1: cron schedules are read as daily or hourly", () => {
        for (const s of ["0 2 * * *", "30 */6 * * *", "@daily", "15 * * * *", "0 1,13 * * *"]) assert.ok(cronRunsAtLeast(s, "daily"), s);
        for (const s of ["0 2 * * 1", "0 5 1 1,4,7,10 *", "0 2 */2 * *", "bad"]) assert.ok(!cronRunsAtLeast(s, "daily"), s);
        for (const s of ["15 * * * *", "*/10 * * * *", "@hourly"]) assert.ok(cronRunsAtLeast(s, "hourly"), s);
        for (const s of ["0 2 * * *", "0 */2 * * *"]) assert.ok(!cronRunsAtLeast(s, "hourly"), s);
    });

    it("BK-1 compliant: RDS PostgreSQL with a daily pg_dump CronJob; MongoDB with daily and hourly; in-cluster Redis daily", async () => {
        const resources = [
            rds(),
            rds("database-postgres-replica", { replicateSourceDb: "database-postgres-instance" }),
            backupCronJob("postgres", "0 2 * * *"),
            mongo,
            backupCronJob("mongodb", "0 2 * * *"),
            backupCronJob("mongodb-oplog", "15 * * * *"),
            redis,
            backupCronJob("redis", "0 3 * * *"),
        ];
        assert.deepStrictEqual(await check([backupCronJobPerDatabase], resources), []);
    });

    it("BK-1 violating: a database without a backup CronJob is named", async () => {
        const db = rds();
        const vs = await check([backupCronJobPerDatabase], [db]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, db.urn);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory");
        assert.deepStrictEqual(vs[0].requirements, ["BK-1"]);
        assert.match(vs[0].message, /RDS PostgreSQL instance 'database-postgres-instance' has no daily postgres backup: no backup CronJob runs its dump/);
    });

    it("BK-1 violating: a weekly backup, a suspended one, or a labelled CronJob that does not run the dump do not count", async () => {
        const weekly = await check([backupCronJobPerDatabase], [rds(), backupCronJob("postgres", "0 2 * * 0")]);
        assert.match(weekly[0].message, /runs on '0 2 \* \* 0', less often than daily/);
        const suspended = await check([backupCronJobPerDatabase], [rds(), backupCronJob("postgres", "0 2 * * *", (s) => (s.suspend = true))]);
        assert.strictEqual(suspended.length, 1);
        const impostor = await check([backupCronJobPerDatabase], [rds(), backupCronJob("postgres", "0 2 * * *", (s) => (s.jobTemplate.spec.template.spec.containers[0].command = ["sleep", "1"]))]);
        assert.strictEqual(impostor.length, 1, "a label alone is not a backup");
    });

    it("BK-1 violating: MongoDB without the hourly oplog capture, and in-cluster Redis without a backup", async () => {
        const vs = await check([backupCronJobPerDatabase], [mongo, backupCronJob("mongodb", "0 2 * * *"), backupCronJob("mongodb-oplog", "0 */2 * * *"), redis]);
        assert.deepStrictEqual(
            vs.map((v) => /no (\w+) ([\w-]+) backup/.exec(v.message)!.slice(1).join(" ")).sort(),
            ["daily redis", "hourly mongodb-oplog"],
        );
    });
});

describe("policy: backup-jobs-hardened (SC-1, SC-5, BK-3)", () => {
    it("SC-5 compliant: the CronJob the program builds passes", async () => {
        assert.deepStrictEqual(await check([backupJobsHardened], [backupCronJob("postgres", "0 2 * * *")]), []);
    });

    it("SC-5: pinned images are a version tag or a digest", () => {
        assert.ok(isPinnedImage("postgres:16"));
        assert.ok(isPinnedImage("registry:5000/acme/backup@sha256:" + "a".repeat(64)));
        assert.ok(!isPinnedImage("ghcr.io/acme/runbook-backup"));
        assert.ok(!isPinnedImage("ghcr.io/acme/runbook-backup:latest"));
        assert.ok(!isPinnedImage("registry:5000/acme/backup"));
    });

    it("SC-5 violating: an unpinned image, a root or escalating container are named", async () => {
        const cron = backupCronJob("postgres", "0 2 * * *", (s) => {
            const pod = s.jobTemplate.spec.template.spec;
            pod.containers[0].image = "ghcr.io/acme/runbook-backup:latest";
            pod.containers[0].securityContext = { allowPrivilegeEscalation: true, runAsUser: 0 };
            pod.securityContext = {};
        });
        const messages = (await check([backupJobsHardened], [cron])).map((v) => v.message).join("\n");
        assert.match(messages, /image 'ghcr\.io\/acme\/runbook-backup:latest' is not pinned/);
        assert.match(messages, /runAsNonRoot is not true; runAsUser is 0; allowPrivilegeEscalation is not false; capabilities\.drop does not include ALL/);
        assert.match(messages, /no RuntimeDefault seccomp profile/);
    });

    it("SC-1 violating: a literal credential, a credential from a ConfigMap, or a password in a URL", async () => {
        const cron = backupCronJob("postgres", "0 2 * * *", (s) => {
            s.jobTemplate.spec.template.spec.containers[0].env.push(
                { name: "AWS_SECRET_ACCESS_KEY_OLD", value: "abc123" },
                { name: "REDISCLI_AUTH", valueFrom: { configMapKeyRef: { name: "cfg", key: "auth" } } },
                { name: "POSTGRES_URL", value: "postgres://runbook_backup:hunter2@db:5432/app" },
                { name: "AGE_IDENTITY", value: "AGE-SECRET-KEY-1QQQQ" },
            );
        });
        const vs = await check([backupJobsHardened], [cron]);
        assert.deepStrictEqual(
            vs.map((v) => /env (\w+)/.exec(v.message)![1]),
            ["AWS_SECRET_ACCESS_KEY_OLD", "REDISCLI_AUTH", "POSTGRES_URL", "AGE_IDENTITY"],
        );
        assert.match(vs[1].message, /a credential read from a ConfigMap\. Read it from a Secret with valueFrom\.secretKeyRef/);
    });

    it("SC-5: applies to backup Jobs too, and not to pods without the backup role", async () => {
        const job = resource(K8S_JOB, "role-setup", { spec: { template: { metadata: { labels: { [ROLE_LABEL]: BACKUP_ROLE } }, spec: { containers: [{ name: "job", image: "busybox" }] } } } });
        assert.ok((await check([backupJobsHardened], [job])).length > 0);
        const other = resource(K8S_JOB, "other", { spec: { template: { metadata: { labels: {} }, spec: { containers: [{ name: "job", image: "busybox" }] } } } });
        assert.deepStrictEqual(await check([backupJobsHardened], [other]), []);
    });
});
