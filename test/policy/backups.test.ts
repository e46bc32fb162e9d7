import * as assert from "assert";
import { contentHash } from "../../components/k8s/contentHash";
import { BACKUP_DATASTORE_LABEL as PROGRAM_DATASTORE_LABEL, BACKUP_SCRIPTS, DRILL_LABEL as PROGRAM_DRILL_LABEL, R2_PERMISSION_GROUPS, jobCronJobSpec, jobLabels, jobDeadlines, r2Endpoint, r2TokenPolicy, readScripts } from "../../components/backup/backupSpec";
import { backupLockRules } from "../../components/storage/lifecycle";
import { ROLE_LABEL as PROGRAM_ROLE_LABEL, BACKUP_ROLE as PROGRAM_BACKUP_ROLE } from "../../components/k8s/labels";
import { BACKUP_DATASTORE_LABEL, BACKUP_ROLE, DRILL_LABEL, ROLE_LABEL } from "../../policies/rules/vocabulary";
import {
    R2_ITEM_READ_GROUP,
    R2_ITEM_WRITE_GROUP,
    backupCronJobPerDatabase,
    backupsAccessScoped,
    DOCUMENTATION_RECIPIENTS,
    backupsOffsiteEncrypted,
    bucketOfKey,
    cronRunsAtLeast,
    isAgeRecipient,
} from "../../policies/rules/backups";
import { k8sRestrictedSecurity } from "../../policies/rules/kubernetes";
import { k8sEnvNoLiteralSecret, k8sImagePinned } from "../../policies/rules/workloads";
import { check, inStack, resource } from "../helpers/policy";
import { AWS_ELASTICACHE_REPLICATION_GROUP, AWS_RDS_INSTANCE, K8S_CRON_JOB, K8S_JOB, K8S_STATEFUL_SET } from "../helpers/types";
import { ELASTICACHE_BACKUP_SCRIPT } from "../../components/backup/backups";

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
        assert.strictEqual(DRILL_LABEL, PROGRAM_DRILL_LABEL);
        assert.ok(R2_PERMISSION_GROUPS.read && R2_PERMISSION_GROUPS.write, "the program looks the groups up by the names whose IDs the pack knows");
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

    it("BK-1: an ElastiCache replication group needs the daily export of its snapshot (backup-elasticache.sh); its own snapshots alone are refused", async () => {
        const group = resource(AWS_ELASTICACHE_REPLICATION_GROUP, "redis-elasticache-group", { engine: "redis", snapshotRetentionLimit: 7 });
        const alone = await check([backupCronJobPerDatabase], [group]);
        assert.strictEqual(alone.length, 1);
        assert.strictEqual(alone[0].urn, group.urn);
        assert.match(alone[0].message, /ElastiCache replication group 'redis-elasticache-group' has no daily redis backup: no backup CronJob runs its dump/);
        const exported = backupCronJob("redis", "0 2 * * *", (spec) => {
            spec.jobTemplate.spec.template.spec.containers[0].command = ["/bin/bash", `/opt/runbook/backup/${ELASTICACHE_BACKUP_SCRIPT}`];
        });
        assert.deepStrictEqual(await check([backupCronJobPerDatabase], [group, exported]), []);
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

describe("policy: backup and drill jobs are held to the workload rules (SC-1, SC-5, WL-3)", () => {
    const jobPolicies = [k8sEnvNoLiteralSecret, k8sImagePinned, k8sRestrictedSecurity];

    it("SC-5 compliant: the CronJob the program builds passes every workload rule", async () => {
        assert.deepStrictEqual(await check(jobPolicies, [backupCronJob("postgres", "0 2 * * *")]), []);
    });

    it("SC-5 violating: an unpinned image, a root or escalating container are each reported once, by the workload rules", async () => {
        const cron = backupCronJob("postgres", "0 2 * * *", (s) => {
            const pod = s.jobTemplate.spec.template.spec;
            pod.containers[0].image = "ghcr.io/acme/runbook-backup:latest";
            pod.containers[0].securityContext = { allowPrivilegeEscalation: true, runAsUser: 0 };
            pod.securityContext = {};
        });
        const vs = await check(jobPolicies, [cron]);
        assert.deepStrictEqual(vs.map((v) => v.policy).sort(), ["k8s-image-pinned", "k8s-restricted-security"]);
        const messages = vs.map((v) => v.message).join("\n");
        assert.match(messages, /image ghcr\.io\/acme\/runbook-backup:latest is tagged latest/);
        assert.match(messages, /runAsNonRoot is not true; runAsUser is 0 \(root\); allowPrivilegeEscalation is not false; capabilities\.drop does not include ALL; no seccompProfile/);
    });

    it("SC-1 violating: k8s-env-no-literal-secret names a literal credential, a credential from a ConfigMap, a password in a URL and an age identity in a backup job", async () => {
        const cron = backupCronJob("postgres", "0 2 * * *", (s) => {
            s.jobTemplate.spec.template.spec.containers[0].env.push(
                { name: "AWS_SECRET_ACCESS_KEY_OLD", value: "abc123" },
                { name: "REDISCLI_AUTH", valueFrom: { configMapKeyRef: { name: "cfg", key: "auth" } } },
                { name: "POSTGRES_URL", value: "postgres://runbook_backup:hunter2@db:5432/app" },
                { name: "AGE_IDENTITY", value: "AGE-SECRET-KEY-1QQQQ" },
            );
        });
        const vs = await check([k8sEnvNoLiteralSecret], [cron]);
        assert.deepStrictEqual(
            vs.map((v) => /sets (\w+) to/.exec(v.message)![1]),
            ["AWS_SECRET_ACCESS_KEY_OLD", "REDISCLI_AUTH", "POSTGRES_URL", "AGE_IDENTITY"],
        );
        assert.match(vs[1].message, /REDISCLI_AUTH to a value from a ConfigMap/);
        assert.match(vs[2].message, /POSTGRES_URL to a literal credential/);
        assert.ok(vs.every((v) => !v.message.includes("hunter2") && !v.message.includes("1QQQQ")), "values are never printed");
    });
});

describe("policy: backups-offsite-encrypted (BK-3) and backups-access-scoped (BK-8)", () => {
    const ACCOUNT = "0123456789abcdef0123456789abcdef";
    const RECIPIENT = "age1sw8wtkjm8f2qlnnxugv9fkrdgk06dcu3wwpzsmnk5z73j4qnc9lstwqqek";
    const scripts = readScripts();
    const scriptsMap = `backup-scripts-${contentHash(scripts)}`;
    const TOKEN = "cloudflare:index/apiToken:ApiToken";

    function job(name: string, kind: keyof typeof BACKUP_SCRIPTS | "drill", env: Record<string, string>, secret: string, extraLabels: Record<string, string> = {}) {
        const labels = jobLabels(name, kind === "drill" ? { [DRILL_LABEL]: "postgres", ...extraLabels } : { [PROGRAM_DATASTORE_LABEL]: kind, ...extraLabels });
        const spec = jobCronJobSpec({
            name,
            schedule: "0 2 * * *",
            image: "ghcr.io/acme/runbook-backup:1.0.0",
            script: kind === "drill" ? "restore-drill.sh" : BACKUP_SCRIPTS[kind],
            scriptsConfigMap: scriptsMap,
            env,
            secretEnv: { AWS_ACCESS_KEY_ID: { secret, key: "AWS_ACCESS_KEY_ID" }, AWS_SECRET_ACCESS_KEY: { secret, key: "AWS_SECRET_ACCESS_KEY" } },
            labels,
            ...jobDeadlines(kind === "drill" ? "drill" : kind),
        });
        return resource(K8S_CRON_JOB, `backups-${name}`, { apiVersion: "batch/v1", kind: "CronJob", metadata: { name, namespace: "runbook", labels }, spec }, { stack: "staging" });
    }
    const token = (name: string, buckets: string[], group: string) => resource(TOKEN, name, { name, policies: [r2TokenPolicy(ACCOUNT, buckets, group)] }, { stack: "staging" });
    const secret = (name: string, from: ReturnType<typeof token>[], stringData: unknown = "[secret]") =>
        resource("kubernetes:core/v1:Secret", `s-${name}`, { metadata: { name }, type: "Opaque", stringData }, { stack: "staging", dependencies: from.map((t) => t.urn), propertyDependencies: { stringData: from.map((t) => t.urn) } });

    /** A staging stack as components/storage and components/backup build it. */
    function stack(tweak: { backupEnv?: Record<string, string>; scripts?: Record<string, string> } = {}) {
        const bucket = resource("cloudflare:index/r2Bucket:R2Bucket", "backups-bucket", { accountId: ACCOUNT, name: "acme-backups" }, { stack: "staging" });
        const lock = resource("cloudflare:index/r2BucketLock:R2BucketLock", "backups-lock", { accountId: ACCOUNT, bucketName: "acme-backups", rules: backupLockRules({ postgres: 7 }) }, { stack: "staging" });
        const assets = resource("cloudflare:index/r2Bucket:R2Bucket", "assets-bucket", { accountId: ACCOUNT, name: "acme-assets" }, { stack: "staging" });
        const writer = token("writer", ["acme-backups"], R2_ITEM_WRITE_GROUP);
        const reader = token("drill-reader", ["acme-backups"], R2_ITEM_READ_GROUP);
        const assetToken = token("assets", ["acme-assets"], R2_ITEM_WRITE_GROUP);
        const configMap = resource("kubernetes:core/v1:ConfigMap", "scripts", { metadata: { name: scriptsMap }, data: tweak.scripts ?? scripts }, { stack: "staging" });
        const env = { S3_ENDPOINT_URL: r2Endpoint(ACCOUNT), S3_BUCKET: "acme-backups", AGE_RECIPIENT: RECIPIENT, BACKUP_PREFIX: "postgres", ...tweak.backupEnv };
        const backup = job("backup-postgres", "postgres", env, "runbook-backup-credentials");
        const drill = job("restore-drill-postgres", "drill", { S3_ENDPOINT_URL: r2Endpoint(ACCOUNT), S3_BUCKET: "acme-backups" }, "runbook-drill-credentials");
        return {
            bucket, lock, writer, reader, assetToken, configMap, backup, drill,
            all: [bucket, lock, assets, writer, reader, assetToken, configMap, backup, drill, secret("runbook-backup-credentials", [writer]), secret("runbook-drill-credentials", [reader]), secret("runbook-r2-assets", [assetToken])],
        };
    }
    const both = [backupsOffsiteEncrypted, backupsAccessScoped];

    it("BK-3: age recipients are checked the way age checks them, checksum included", () => {
        assert.ok(isAgeRecipient(RECIPIENT));
        assert.ok(!isAgeRecipient(`age1${"q".repeat(58)}`), "placeholder");
        assert.ok(!isAgeRecipient(RECIPIENT.slice(0, -1) + "q"), "one character off");
        assert.ok(!isAgeRecipient("age1xyz"));
        assert.strictEqual(bucketOfKey(`com.cloudflare.edge.r2.bucket.${ACCOUNT}_default_acme-backups`), "acme-backups");
    });

    it("BK-3, BK-8 compliant: backups encrypted to a real recipient over https to R2, one scoped writer, a read-only drill, tokens only in Secrets", async () => {
        const s = stack();
        // dependsOn orders without passing a value: a workload that waits for the token holds none of it.
        const waits = resource(K8S_JOB, "waits-for-token", { metadata: { name: "waits" } }, { stack: "staging", dependencies: [s.writer.urn] });
        assert.deepStrictEqual(await check(both, [...s.all, waits]), []);
    });

    it("BK-3 violating: http, a non-R2 endpoint, a placeholder recipient, an unknown bucket and --no-verify-ssl are each named", async () => {
        const s = stack({ backupEnv: { S3_ENDPOINT_URL: "http://s3.us-east-1.amazonaws.com", AGE_RECIPIENT: `age1${"q".repeat(58)}`, S3_BUCKET: "other-backups" } });
        const vs = await check([backupsOffsiteEncrypted], s.all);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, s.backup.urn);
        assert.deepStrictEqual(vs[0].requirements, ["BK-3"]);
        for (const part of [/is not https:\/\//, /not an age recipient/, /'other-backups' is not an R2 bucket of this stack/]) assert.match(vs[0].message, part);
        const r2 = await check([backupsOffsiteEncrypted], stack({ backupEnv: { S3_ENDPOINT_URL: "https://s3.us-east-1.amazonaws.com" } }).all);
        assert.match(r2[0].message, /not Cloudflare R2's S3 endpoint, so the backup is not stored offsite/);
    });

    it("BK-3 violating: age's documentation example key is an advisory naming the fix (mandatory once listed in placeholderRecipients)", async () => {
        const example = DOCUMENTATION_RECIPIENTS[0];
        assert.ok(isAgeRecipient(example));
        const s = stack({ backupEnv: { AGE_RECIPIENT: example } });
        const vs = await check([backupsOffsiteEncrypted], s.all);
        assert.deepStrictEqual(vs.map((v) => [v.enforcementLevel, v.urn]), [["advisory", s.backup.urn]]);
        assert.match(vs[0].message, /example public key from age's documentation; nobody on your team holds its identity.*backups\.encryptionRecipient/);
        const listed = await check([backupsOffsiteEncrypted], s.all, { "backups-offsite-encrypted": { placeholderRecipients: [example] } });
        assert.deepStrictEqual(listed.map((v) => v.enforcementLevel), ["mandatory"]);
        assert.match(listed[0].message, /is a known example or retired key/);
    });

    it("BK-3 violating: scripts without the age step leave the dump in clear", async () => {
        const clear = Object.fromEntries(Object.entries(scripts).map(([k, v]) => [k, v.replace(/\| age -r "\$AGE_RECIPIENT"/g, "| cat")]));
        assert.notDeepStrictEqual(clear, scripts, "the scripts encrypt with age -r");
        const s = stack({ scripts: clear });
        const vs = await check([backupsOffsiteEncrypted], s.all);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /encrypt with age -r, so the dump would leave the pod in clear/);
    });

    it("BK-8 violating: a drill token that can write, and the assets token granted the backups bucket, are second writers", async () => {
        const s = stack();
        s.reader.inputs = { name: "drill-reader", policies: [r2TokenPolicy(ACCOUNT, ["acme-backups"], R2_ITEM_WRITE_GROUP)] };
        s.assetToken.inputs = { name: "assets", policies: [r2TokenPolicy(ACCOUNT, ["acme-assets", "acme-backups"], R2_ITEM_WRITE_GROUP)] };
        const vs = await check([backupsAccessScoped], s.all);
        const on = (urn: string) => vs.filter((v) => v.urn === urn).map((v) => v.message);
        assert.ok(on(s.reader.urn).some((m) => /can write \(and delete\) backups in 'acme-backups', like 'writer'/.test(m)), JSON.stringify(vs));
        assert.ok(on(s.assetToken.urn).some((m) => /also reaches bucket\(s\) acme-assets/.test(m)), JSON.stringify(vs));
        assert.ok(on(s.drill.urn).some((m) => /holds token 'drill-reader' that can write and delete backups/.test(m)), JSON.stringify(vs));
        assert.deepStrictEqual([...new Set(vs.map((v) => v.requirements.join()))], ["BK-8"]);
    });

    it("BK-8 violating: an account-wide R2 token, a token value in a ConfigMap, the drill on the writer's Secret, and a missing lock", async () => {
        const s = stack();
        const admin = resource(TOKEN, "ops", { name: "ops", policies: [{ effect: "allow", permissionGroups: [{ id: "bf7481a1826f439697cb59a20b22293e" }], resources: JSON.stringify({ [`com.cloudflare.api.account.${ACCOUNT}`]: "*" }) }] }, { stack: "staging" });
        s.configMap.propertyDependencies = { data: [s.writer.urn] };
        const env = (s.drill.inputs as any).spec.jobTemplate.spec.template.spec.containers[0].env;
        for (const e of env.filter((x: any) => x.valueFrom?.secretKeyRef)) e.valueFrom.secretKeyRef.name = "runbook-backup-credentials";
        const vs = await check([backupsAccessScoped], [...s.all.filter((r) => r !== s.lock), admin]);
        const messages = (urn: string) => vs.filter((v) => v.urn === urn).map((v) => v.message).join("\n");
        assert.match(messages(admin.urn), /account-wide R2 permission group/);
        assert.match(messages(s.configMap.urn), /takes a value from R2 token 'writer'/);
        assert.match(messages(s.drill.urn), /which the backup jobs use/);
        assert.match(messages(s.bucket.urn), /has no R2BucketLock/);
    });

    it("BK-8 violating: in production, a drill or an age identity in a Secret is rejected; staging may hold both", async () => {
        const staging = stack().all;
        const withKey = [...staging, secret("runbook-drill-key", [], { AGE_SECRET_KEY: "[secret]" })];
        assert.deepStrictEqual(await check([backupsAccessScoped], withKey), []);
        const production = inStack("production", withKey);
        const vs = await check([backupsAccessScoped], production);
        assert.ok(vs.some((v) => /Restore drill .* is in the production stack/.test(v.message)), JSON.stringify(vs));
        assert.ok(vs.some((v) => /Secret 's-runbook-drill-key' holds an age identity in the production stack/.test(v.message)), JSON.stringify(vs));
    });
});
