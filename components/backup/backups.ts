import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels } from "../k8s/labels";
import * as random from "../providers/random";
import { MONTHLY_DATASTORES, monthlyPrefix, type ResolvedBackups, type StackBackups } from "../../config/resolve";
import {
    BACKUP_DATASTORE_LABEL,
    BACKUP_SCRIPTS,
    BACKUP_UID,
    BackupJobKind,
    DRILL_LABEL,
    DRILL_SCRIPT,
    APP_CHECK_JOB_MOUNT,
    appCheckContainer,
    appCheckDrillEnv,
    appCheckVolumes,
    backupEgressSpec,
    restoreDrillEgressSpec,
    backupRoleUrl,
    redisCliSettings,
    jobCronJobSpec,
    jobDeadlines,
    jobLabels,
    r2Endpoint,
    readScripts,
    replicaEnv,
    scratchEnv,
    scratchSidecar,
    scratchVolumes,
} from "./backupSpec";
import { contentHash } from "../k8s/contentHash";
import { R2Token } from "./r2Tokens";
import { postgresRoleJob } from "../database/roleJob";
import { generationSecret } from "../k8s/generations";
import { ASSET_CREDENTIAL_KEYS } from "../secrets/secretEnv";
import type { ElastiCacheExportSource } from "../redis/elastiCacheExport";

export const BACKUPS_TYPE = "runbook:backup:Backups";
/** Name of the PostgreSQL role the backup job dumps with (BK-8: it reads everything and writes nothing). */
export const POSTGRES_BACKUP_ROLE = "runbook_backup";
/** Name of the apps' R2 token's Secret, before its generation's ID. */
export const ASSETS_SECRET_BASE = "runbook-r2-assets";
/** The Secret holding the replica's own credentials (BK-8). */
export const REPLICA_CREDENTIALS_SECRET = "runbook-backup-replica-credentials";
/** Where the drill's age identity is mounted. */
const DRILL_KEY_DIR = "/etc/runbook/drill";

/** The credentials the ElastiCache export job reads (scripts/backup/backup-elasticache.sh). */
const ELASTICACHE_EXPORT_KEYS = ["ELASTICACHE_REPLICATION_GROUP_ID", "ELASTICACHE_EXPORT_BUCKET", "ELASTICACHE_AWS_ACCESS_KEY_ID", "ELASTICACHE_AWS_SECRET_ACCESS_KEY"];
/** The script of the ElastiCache export job, which writes the `redis` prefix as the in-cluster Redis's does. */
export const ELASTICACHE_BACKUP_SCRIPT = "backup-elasticache.sh";

/** Which of `datastores` each backup kind dumps from, and the credentials its job reads. */
const KIND_SOURCES: Record<BackupJobKind, { source: keyof BackupsArgs["datastores"]; secretKeys: string[] }> = {
    postgres: { source: "postgres", secretKeys: ["POSTGRES_URL"] },
    mongodb: { source: "mongodb", secretKeys: ["MONGODB_URI"] },
    "mongodb-oplog": { source: "mongodb", secretKeys: ["MONGODB_URI"] },
    redis: { source: "redis", secretKeys: ["REDIS_HOST", "REDIS_PORT", "REDISCLI_AUTH"] },
};

export interface BackupsArgs {
    /**
     * The stack model's `backups`: bucket, prefixes, image, Pushgateway, rotation labels, drill, and
     * `targets`, the CronJobs to run (one per datastore prefix, each with its schedule), which the
     * datastores' variants decided (config/model.ts).
     */
    backups: StackBackups;
    /** This stack's name, the `stack` label of the pushed metrics. */
    stack: string;
    /** Cloudflare account of the buckets. */
    accountId: string;
    /** Namespace of the jobs (the data tier's). */
    namespace: pulumi.Input<string>;
    /** What the targets dump from: every target's datastore must be here. */
    datastores: {
        /**
         * PostgreSQL: the master user's URL, used only by the Job that creates the read-only backup role,
         * and the server's URL without credentials, which the backup role's URL is made from.
         */
        postgres?: { adminUrl: pulumi.Output<string>; serverUrl: pulumi.Input<string> };
        /**
         * MongoDB: the backup user's URL (daily full dump and hourly oplog capture), and an upper bound of
         * the dump's size (the data volume's), which the upload of a stream over 50 GB needs (issue 17 #9).
         */
        mongodb?: { backupUrl: pulumi.Output<string>; expectedSizeBytes?: number };
        /**
         * In-cluster Redis: its `redis://:password@host:port` URL. ElastiCache: the export of its daily
         * snapshot (replication group, region, export bucket, the export user's key).
         */
        redis?: { url: pulumi.Output<string> } | { elastiCacheExport: ElastiCacheExportSource };
    };
    /** Where RDS PostgreSQL lives, for the jobs' egress on 5432: the VPC's CIDR. Defaults to the private ranges. */
    postgresCidrs?: string[];
    /** The MongoDB image of the MongoDB drill's scratch server: the one the replica set runs. Required for a MongoDB drill. */
    scratchMongoImage?: string;
    /** Asset and upload buckets the apps' token reaches (004). Defaults to none: no token. */
    assetBuckets?: string[];
    /** The drill's age identity, a secret (from `backups.drill.ageSecretKey`). Required when `backups.drill` is set. */
    drillAgeSecretKey?: pulumi.Output<string>;
    /**
     * The replica's own credentials (`backups.replica.accessKeyId` and `secretAccessKey`, secrets),
     * held in a Secret of their own. Required when `backups.replica` is set.
     */
    replicaCredentials?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
    /** Permission group IDs by access; looked up in Cloudflare's list when absent. */
    permissionGroupIds?: { read?: pulumi.Input<string>; write?: pulumi.Input<string> };
}

/**
 * Backups and restore drills (BK-1, BK-3, BK-6, BK-8, ST-1): the scripts in a ConfigMap named after
 * their hash; scoped R2 tokens (backup jobs, drill, apps' assets) held only in Secrets; one CronJob per
 * datastore (MongoDB adds the hourly oplog capture); the Job that creates PostgreSQL's read-only backup
 * role; the drill CronJobs, only in a stack that holds the drill's key (never production); and the
 * jobs' egress NetworkPolicy.
 */
export class Backups extends pulumi.ComponentResource {
    /** Names of the backup CronJobs, by datastore. */
    public readonly cronJobNames: Record<string, pulumi.Output<string>>;
    /** Names of the drill CronJobs, by target. */
    public readonly drillCronJobNames: Record<string, pulumi.Output<string>>;
    /** Name of the scripts ConfigMap (carries the scripts' hash). */
    public readonly scriptsConfigMapName: pulumi.Output<string>;
    /**
     * Secret holding R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY and R2_ENDPOINT for the apps, when asset
     * buckets exist: `runbook-r2-assets-<generation>`, a new name whenever the token rotates.
     */
    public readonly assetsSecretName?: pulumi.Output<string>;

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(BACKUPS_TYPE, name, {}, opts);
        const { backups, namespace } = args;
        // BK-1: one CronJob per target, in the model's order, each reading its datastore's credentials.
        const kinds = backups.targets.map((t): { kind: BackupJobKind; schedule: string; secretKeys: string[]; script: string; env: Record<string, string> } => {
            const { source, secretKeys } = KIND_SOURCES[t.datastore];
            const from = args.datastores[source];
            if (from === undefined) throw new Error(`Backups ${name}: backups.targets lists ${t.datastore}, but datastores.${source} is missing`);
            // ElastiCache refuses the replication protocol redis-cli --rdb uses: its job exports a snapshot instead.
            if ("elastiCacheExport" in from) return { kind: t.datastore, schedule: t.schedule, secretKeys: ELASTICACHE_EXPORT_KEYS, script: ELASTICACHE_BACKUP_SCRIPT, env: { ELASTICACHE_REGION: from.elastiCacheExport.region } };
            return { kind: t.datastore, schedule: t.schedule, secretKeys, script: BACKUP_SCRIPTS[t.datastore], env: {} };
        });
        const child = { parent: this };
        const meta = (objectName: string, labels: Record<string, string> = jobLabels(objectName)) => ({ name: objectName, namespace, labels });

        const scripts = readScripts();
        const configMap = new k8s.core.v1.ConfigMap(`${name}-scripts`, { metadata: meta(`backup-scripts-${contentHash(scripts)}`), data: scripts }, child);
        const scriptsConfigMap = configMap.metadata.name;

        // ST-1, BK-8: tokens scoped to object access in named buckets, rotated by label.
        const writer = new R2Token(
            `${name}-writer`,
            { accountId: args.accountId, buckets: [backups.bucket], access: "write", rotation: backups.rotation.backupJobs, tokenName: `runbook-${args.stack}-backup-jobs`, permissionGroupId: args.permissionGroupIds?.write },
            child,
        );

        const credentials: Record<string, pulumi.Output<string>> = { AWS_ACCESS_KEY_ID: writer.accessKeyId, AWS_SECRET_ACCESS_KEY: writer.secretAccessKey };
        let roleSetup: pulumi.Resource | undefined;
        if (args.datastores.postgres) {
            const password = new random.RandomPassword(`${name}-postgres-backup-password`, { length: 32, special: false }, child);
            const { adminUrl, serverUrl } = args.datastores.postgres;
            credentials.POSTGRES_URL = pulumi.secret(
                pulumi.all([serverUrl, password.result]).apply(([url, pw]) => backupRoleUrl(url, POSTGRES_BACKUP_ROLE, pw)),
            );
            // The role exists, with the current password, before the first dump: `pulumi up` waits for
            // this Job. It runs again whenever anything it runs with changes: the script, the image, the
            // password, or the admin URL (a new or restored RDS instance has no backup role).
            roleSetup = postgresRoleJob(
                `${name}-postgres-role`,
                {
                    baseName: "postgres-backup-role",
                    namespace,
                    labels: jobLabels("postgres-backup-role"),
                    image: backups.image,
                    uid: BACKUP_UID,
                    roles: [{ name: POSTGRES_BACKUP_ROLE, kind: "backup", password: password.result }],
                    adminUrl,
                },
                child,
            );
        }
        if (args.datastores.mongodb) credentials.MONGODB_URI = args.datastores.mongodb.backupUrl;
        const redisSource = args.datastores.redis;
        if (redisSource && "elastiCacheExport" in redisSource) {
            const ex = redisSource.elastiCacheExport;
            credentials.ELASTICACHE_REPLICATION_GROUP_ID = ex.replicationGroupId;
            credentials.ELASTICACHE_EXPORT_BUCKET = ex.bucket;
            credentials.ELASTICACHE_AWS_ACCESS_KEY_ID = ex.accessKeyId;
            credentials.ELASTICACHE_AWS_SECRET_ACCESS_KEY = ex.secretAccessKey;
        } else if (redisSource) {
            const settings = redisSource.url.apply(redisCliSettings);
            credentials.REDIS_HOST = pulumi.secret(settings.REDIS_HOST);
            credentials.REDIS_PORT = pulumi.secret(settings.REDIS_PORT);
            credentials.REDISCLI_AUTH = pulumi.secret(settings.REDISCLI_AUTH);
        }
        const credentialsSecret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            { metadata: meta("runbook-backup-credentials"), type: "Opaque", stringData: Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, pulumi.secret(v)])) },
            child,
        );
        const fromCredentials = (...keys: string[]) =>
            Object.fromEntries(keys.map((key) => [key, { secret: credentialsSecret.metadata.name, key }]));

        const common = {
            S3_ENDPOINT_URL: r2Endpoint(args.accountId),
            PUSHGATEWAY_URL: backups.pushgatewayUrl,
        };
        const replica = this.replicaSettings(name, args, meta);
        this.cronJobNames = {};
        for (const { kind, schedule, secretKeys, script, env: sourceEnv } of kinds) {
            const jobName = `backup-${kind}`;
            const labels = jobLabels(jobName, { [BACKUP_DATASTORE_LABEL]: kind });
            const cron = new k8s.batch.v1.CronJob(
                `${name}-${kind}`,
                {
                    metadata: meta(jobName, labels),
                    spec: jobCronJobSpec({
                        name: jobName,
                        schedule,
                        image: backups.image,
                        script,
                        scriptsConfigMap: scriptsConfigMap,
                        env: {
                            ...common,
                            ...sourceEnv,
                            S3_BUCKET: backups.bucket,
                            AGE_RECIPIENT: backups.encryptionRecipient,
                            BACKUP_PREFIX: kind,
                            STACK_NAME: args.stack,
                            // Issue 17 #10: the first backup of each month also goes to the monthly generation.
                            ...(backups.monthlyRetentionDays > 0 && MONTHLY_DATASTORES.includes(kind) ? { BACKUP_MONTHLY_PREFIX: monthlyPrefix(kind) } : {}),
                            ...(kind === "mongodb" && args.datastores.mongodb?.expectedSizeBytes !== undefined ? { BACKUP_EXPECTED_SIZE: String(args.datastores.mongodb.expectedSizeBytes) } : {}),
                            // BK-3: every promoted backup is copied to the second site too.
                            ...replica?.env,
                        },
                        secretEnv: { ...fromCredentials("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", ...secretKeys), ...replica?.secretEnv },
                        labels,
                        ...jobDeadlines(kind),
                    }),
                },
                { parent: this, dependsOn: roleSetup && kind === "postgres" ? [roleSetup] : [] },
            );
            this.cronJobNames[kind] = cron.metadata.name;
        }

        // BK-6: the drill, only where its key may live (config refuses it in production, BK-3).
        this.drillCronJobNames = {};
        const drill = backups.drill;
        if (drill) {
            if (args.drillAgeSecretKey === undefined) throw new Error(`Backups ${name}: drillAgeSecretKey is required with a drill (BK-6)`);
            const reader = new R2Token(
                `${name}-drill-reader`,
                {
                    accountId: args.accountId,
                    buckets: [...new Set(drill.targets.map((t) => t.bucket))],
                    access: "read",
                    rotation: backups.rotation.drill,
                    tokenName: `runbook-${args.stack}-restore-drill`,
                    permissionGroupId: args.permissionGroupIds?.read,
                },
                child,
            );
            const drillSecret = new k8s.core.v1.Secret(
                `${name}-drill-credentials`,
                {
                    metadata: meta("runbook-drill-credentials"),
                    type: "Opaque",
                    stringData: { AWS_ACCESS_KEY_ID: reader.accessKeyId, AWS_SECRET_ACCESS_KEY: reader.secretAccessKey, AGE_SECRET_KEY: pulumi.secret(args.drillAgeSecretKey) },
                },
                child,
            );
            const drillSecretName = drillSecret.metadata.name;
            for (const target of drill.targets) {
                const jobName = `restore-drill-${target.name}`;
                const labels = jobLabels(jobName, { [DRILL_LABEL]: target.datastore });
                const env: Record<string, string> = {
                    ...common,
                    ...scratchEnv(target.datastore),
                    S3_BUCKET: target.bucket,
                    DRILL_DATASTORE: target.datastore,
                    BACKUP_PREFIX: target.datastore,
                    AGE_IDENTITY_FILE: `${DRILL_KEY_DIR}/identity`,
                    DRILL_RESTORE_JOBS: String(drill.restoreJobs),
                    STACK_NAME: target.stack,
                };
                const minRows = Object.entries(drill.minRows).map(([t, n]) => `${t}=${n}`).join(",");
                if (target.datastore !== "redis" && minRows !== "") env.DRILL_MIN_ROWS = minRows;
                if (drill.checkCommand !== undefined && target.datastore === "postgres") env.DRILL_CHECK_COMMAND = drill.checkCommand;
                // Issue 17 #10: the monthly copies, when every daily backup has expired.
                if (MONTHLY_DATASTORES.includes(target.datastore)) env.DRILL_MONTHLY_PREFIX = monthlyPrefix(target.datastore);
                if (target.datastore === "postgres") Object.assign(env, postgresDrillChecks(drill));
                // Issue 17 #11: the oplog captures replayed after the full dump.
                if (target.datastore === "mongodb") env.DRILL_OPLOG_PREFIX = "mongodb-oplog" satisfies BackupJobKind;
                // 004: the target stack's own assets; production's drill never samples staging's.
                if (target.assetUrls.length > 0) env.DRILL_ASSET_URLS = target.assetUrls.join(" ");
                // BK-6, 004: the app's own image checks the restored PostgreSQL as the app reads it.
                const appCheck = target.datastore === "postgres" ? drill.appCheck : undefined;
                if (appCheck !== undefined) Object.assign(env, appCheckDrillEnv(appCheck));
                const cron = new k8s.batch.v1.CronJob(
                    `${name}-drill-${target.name}`,
                    {
                        metadata: meta(jobName, labels),
                        spec: jobCronJobSpec({
                            name: jobName,
                            schedule: target.schedule,
                            image: backups.image,
                            script: DRILL_SCRIPT,
                            scriptsConfigMap: scriptsConfigMap,
                            env,
                            secretEnv: {
                                AWS_ACCESS_KEY_ID: { secret: drillSecretName, key: "AWS_ACCESS_KEY_ID" },
                                AWS_SECRET_ACCESS_KEY: { secret: drillSecretName, key: "AWS_SECRET_ACCESS_KEY" },
                            },
                            labels,
                            volumes: [
                                { name: "drill-key", secret: { secretName: drillSecretName, items: [{ key: "AGE_SECRET_KEY", path: "identity" }], defaultMode: 0o400 } },
                                ...scratchVolumes(target.datastore),
                                ...(appCheck !== undefined ? appCheckVolumes(appCheck) : []),
                            ],
                            volumeMounts: [{ name: "drill-key", mountPath: DRILL_KEY_DIR, readOnly: true }, ...(appCheck !== undefined ? [APP_CHECK_JOB_MOUNT] : [])],
                            ...(appCheck !== undefined ? { containers: [appCheckContainer(appCheck)] } : {}),
                            sidecars: scratchSidecar(target.datastore, { jobImage: backups.image, mongoImage: args.scratchMongoImage }),
                            workSizeLimit: "100Gi",
                            ...jobDeadlines("drill"),
                        }),
                    },
                    child,
                );
                this.drillCronJobNames[target.name] = cron.metadata.name;
            }
            // BK-6, SC-5: the drills (and their app checks) reach R2, the asset URLs and the Pushgateway, no datastore.
            new k8s.networking.v1.NetworkPolicy(`${name}-drill-egress`, { metadata: meta("restore-drill-egress"), spec: restoreDrillEgressSpec(backups.pushgatewayUrl) }, child);
        }

        // 004, ST-1: the apps' own token for their asset buckets, in a Secret the apps that set r2Env
        // read through secretKeyRef. One Secret per token (k8s/generations.ts): a rotated token is a new
        // name in their pod templates, so they roll onto it, and `kubectl rollout undo` still finds the
        // previous one.
        if ((args.assetBuckets ?? []).length > 0) {
            const assets = new R2Token(
                `${name}-assets`,
                { accountId: args.accountId, buckets: args.assetBuckets!, access: "write", rotation: backups.rotation.assets, tokenName: `runbook-${args.stack}-app-assets`, permissionGroupId: args.permissionGroupIds?.write },
                child,
            );
            const { secret } = generationSecret(
                `${name}-assets-credentials`,
                {
                    base: ASSETS_SECRET_BASE,
                    namespace,
                    labels: objectLabels(ASSETS_SECRET_BASE, "credentials"),
                    stringData: {
                        [ASSET_CREDENTIAL_KEYS.accessKeyId]: assets.accessKeyId,
                        [ASSET_CREDENTIAL_KEYS.secretAccessKey]: assets.secretAccessKey,
                        [ASSET_CREDENTIAL_KEYS.endpoint]: pulumi.output(r2Endpoint(args.accountId)),
                    },
                },
                child,
            );
            this.assetsSecretName = secret.metadata.name;
        }

        // SC-5, DB-2: the backup jobs reach their data stores, HTTPS and the Pushgateway, nothing else.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-egress`,
            {
                metadata: meta("backup-jobs-egress"),
                spec: backupEgressSpec({
                    // ElastiCache's export is reached through AWS's HTTPS APIs, which the egress allows anyway.
                    inClusterPorts: [...(args.datastores.mongodb ? [27017] : []), ...(redisSource && "url" in redisSource ? [6379] : [])],
                    externalPorts: args.datastores.postgres
                        ? [{ port: 5432, cidrs: args.postgresCidrs ?? ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] }]
                        : [],
                    pushgatewayUrl: backups.pushgatewayUrl,
                    replicaEndpoint: backups.replica?.endpoint,
                }),
            },
            child,
        );

        this.scriptsConfigMapName = scriptsConfigMap;
        this.registerOutputs({ cronJobNames: this.cronJobNames, drillCronJobNames: this.drillCronJobNames, scriptsConfigMapName: this.scriptsConfigMapName, assetsSecretName: this.assetsSecretName });
    }

    /**
     * BK-3, BK-8: the replica's own credentials in a Secret of their own, and what the backup jobs
     * need to reach it; nothing without `backups.replica`.
     */
    private replicaSettings(
        name: string,
        args: BackupsArgs,
        meta: (objectName: string) => { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
    ): { env: Record<string, string>; secretEnv: Record<string, { secret: pulumi.Output<string>; key: string }> } | undefined {
        const replica = args.backups.replica;
        if (replica === undefined) return undefined;
        if (args.replicaCredentials === undefined) throw new Error(`Backups ${name}: replicaCredentials are required with backups.replica (BK-8)`);
        const secret = new k8s.core.v1.Secret(
            `${name}-replica-credentials`,
            {
                metadata: meta(REPLICA_CREDENTIALS_SECRET),
                type: "Opaque",
                stringData: {
                    REPLICA_AWS_ACCESS_KEY_ID: pulumi.secret(args.replicaCredentials.accessKeyId),
                    REPLICA_AWS_SECRET_ACCESS_KEY: pulumi.secret(args.replicaCredentials.secretAccessKey),
                },
            },
            { parent: this },
        );
        return {
            env: replicaEnv(replica),
            secretEnv: Object.fromEntries(
                ["REPLICA_AWS_ACCESS_KEY_ID", "REPLICA_AWS_SECRET_ACCESS_KEY"].map((key) => [key, { secret: secret.metadata.name, key }]),
            ),
        };
    }
}

/**
 * The PostgreSQL drill's checks that prove the data whole (issue 17 #2, #7): the largest tables' row
 * counts against the previous backup's, the newest row's age against the RPO target, and the app
 * role's access after the roles and privileges came back.
 */
export function postgresDrillChecks(drill: NonNullable<ResolvedBackups["drill"]>): Record<string, string> {
    return {
        DRILL_ROW_COUNT_FRACTION: String(drill.rowCountFraction),
        ...(drill.newestRow !== undefined ? { DRILL_NEWEST_ROW: drill.newestRow, DRILL_MAX_ROW_AGE_SECONDS: String(drill.maxRowAgeSeconds) } : {}),
        ...(drill.appRole !== undefined ? { DRILL_APP_ROLE: drill.appRole } : {}),
        ...(drill.appRole !== undefined && drill.appTables.length > 0 ? { DRILL_APP_TABLES: drill.appTables.join(",") } : {}),
    };
}
