/** Which stack is being resolved, and whether it is production. */
export interface Environment {
    stack: string;
    isProduction: boolean;
}
import type { BackupDatastore, RawStackConfig } from "./schema";

/*
 * The resolved stack model (issue 18 #1): every default and every engine choice decided once, here,
 * and read everywhere else. Each datastore is a variant of a tagged union that carries the facts
 * the rest of the program asks of it: where it lives (`inAws`), what the backup jobs dump from it
 * (`backupTargets`, with schedule, retention and prefix), the env names of its connection strings,
 * and where its metrics come from. Adding a datastore means one variant here and one component.
 *
 * Pure: no Pulumi, nothing from components/ (the arrows point from components to config).
 */

/** Key of the apps' Secret holding the read replica's URL (DB-5); an app names its env through `readerUrlEnv`. */
export const READER_URL_KEY = "DATABASE_READER_URL";

/** Production keeps 30 days (003); elsewhere the runbook minimum of 7 (BK-2). RDS automated backups and the dumps share it. */
export function defaultRetentionDays(env: Environment): number {
    return env.isProduction ? 30 : 7;
}

/** Three voting members in production survive the loss of one (DB-1); one elsewhere keeps staging cheap. */
export function defaultMembers(env: Environment): number {
    return env.isProduction ? 3 : 1;
}

/** RD-1: production ElastiCache keeps a replica to fail over to; elsewhere none keeps staging cheap. Multi-AZ follows production. */
export function defaultElastiCacheReplicas(env: Environment): number {
    return env.isProduction ? 1 : 0;
}

/** A major only: RDS applies minor upgrades itself (autoMinorVersionUpgrade); a pinned minor is the user's to keep current (docs/operations.md). */
export const DEFAULT_POSTGRES_VERSION = "16";
/** BK-1: RDS's automated backup runs at 02:00 UTC, with the daily dump (003). */
export const DEFAULT_POSTGRES_BACKUP_WINDOW = "02:00-03:00";
/** After the backup window, on the quietest day; the rules check the two never overlap. */
export const DEFAULT_POSTGRES_MAINTENANCE_WINDOW = "sun:04:00-sun:05:00";
/** The MongoDB server version; its image is pinned to a patch release (components/database/mongodbSettings.ts). */
export const DEFAULT_MONGODB_VERSION = "7.0";
/** Volume size per MongoDB member, in GB. */
export const DEFAULT_MONGODB_STORAGE_GB = 50;
/** BK-1: the daily full backups. */
export const DEFAULT_BACKUP_SCHEDULE = "0 2 * * *";
/** BK-1: MongoDB's oplog capture, hourly, a quarter past, away from the full dump at 02:00. */
export const DEFAULT_OPLOG_SCHEDULE = "15 * * * *";
/** The data VPC that `network.mode: create` builds, unless `network.vpcCidr` says otherwise (DB-2). */
export const DEFAULT_VPC_CIDR = "10.20.0.0/16";
/** BK-2: ElastiCache and in-cluster Redis snapshots are kept a week (003). */
export const DEFAULT_REDIS_SNAPSHOT_RETENTION_DAYS = 7;

/** One prefix of the backups bucket a CronJob writes: what it dumps, when, and how long the prefix keeps it. */
export interface ResolvedBackupTarget {
    /** The `datastore` label the job pushes and its object prefix in the backups bucket. */
    datastore: BackupDatastore;
    /** The job's cron schedule. */
    schedule: string;
    /** Days the prefix keeps (and locks) each backup (BK-2, BK-4). */
    retentionDays: number;
    /** The primary database's full dump, whose size is watched (BackupSizeDropped, issue 17 #7). */
    watchSize: boolean;
    /** A full backup, which this stack's restore drill restores (BK-6); not the oplog captures, which only replay onto one. */
    full: boolean;
}

/** The `database` section with its defaults filled in: what the engines' components read. */
export type DatabaseSettings = RawStackConfig["database"] & {
    engineVersion: string;
    /** RDS automated backups (BK-2). */
    backupRetentionDays: number;
    protect: boolean;
    /** postgres: the read replica in two AZs (DB-5); see defaultReplicaMultiAz. */
    replicaMultiAz: boolean;
};

/** What every datastore variant tells the rest of the program about itself. */
interface DatastoreFacts {
    /** True when it runs in AWS: it then needs `network` and `providers.aws`, and gets CloudWatch alarms. */
    inAws: boolean;
    /** The backup jobs' targets. */
    backupTargets: ResolvedBackupTarget[];
    /**
     * Where its metrics come from: a postgres_exporter Deployment (RDS), the exporter sidecars of its
     * pods (in-cluster), or CloudWatch alone (ElastiCache).
     */
    metricsSource: "postgres-exporter" | "pod-exporters" | "cloudwatch";
}

/** PostgreSQL on RDS (DB-1). */
export interface ResolvedPostgres extends DatabaseSettings, DatastoreFacts {
    engine: "postgres";
    inAws: true;
    metricsSource: "postgres-exporter";
    backupWindow: string;
    maintenanceWindow: string;
    /** No replica set. */
    members?: never;
    /** Env names of its connection strings in the apps' Secret: the primary's, and the replica's with readReplica (DB-5). */
    env: { connection: "DATABASE_URL"; reader?: typeof READER_URL_KEY };
}

/** A MongoDB replica set on Kubernetes (DB-1). */
export interface ResolvedMongo extends DatabaseSettings, DatastoreFacts {
    engine: "mongodb";
    inAws: false;
    metricsSource: "pod-exporters";
    members: number;
    storageGb: number;
    env: { connection: "MONGODB_URI"; reader?: never };
}

export type ResolvedDatabase = ResolvedPostgres | ResolvedMongo;

/** The `redis` section with its defaults filled in: what the Redis components read. */
export type RedisSettings = NonNullable<RawStackConfig["redis"]> & { snapshotRetentionDays: number; maxmemoryPolicy: "noeviction" };

/** ElastiCache (RD-1): in AWS, with its own daily snapshots and CloudWatch alarms. */
export interface ResolvedElastiCache extends RedisSettings, DatastoreFacts {
    mode: "elasticache";
    /** Read replicas, each a failover target (RD-1). */
    replicas: number;
    multiAz: boolean;
    inAws: true;
    metricsSource: "cloudwatch";
    env: { connection: "REDIS_URL" };
}

/** Redis as a StatefulSet in the cluster (RD-1), dumped by the backup jobs. */
export interface ResolvedInClusterRedis extends RedisSettings, DatastoreFacts {
    mode: "in-cluster";
    inAws: false;
    metricsSource: "pod-exporters";
    env: { connection: "REDIS_URL" };
}

export type ResolvedRedis = ResolvedElastiCache | ResolvedInClusterRedis;

/** The backups section's daily schedules and per-prefix retention, which the datastores' targets are made from. */
export interface BackupPlan {
    schedule: string;
    oplogSchedule: string;
    prefixRetentionDays: Record<BackupDatastore, number>;
}

const target = (plan: BackupPlan, datastore: BackupDatastore, schedule: string, kind: { watchSize?: boolean; full: boolean }): ResolvedBackupTarget => ({
    datastore,
    schedule,
    retentionDays: plan.prefixRetentionDays[datastore],
    watchSize: kind.watchSize ?? false,
    full: kind.full,
});

/**
 * DB-5: a replica that apps read from is part of serving in production, so it gets a standby in a
 * second zone like the primary (DB-1); a replica nobody reads from, or one outside production, stays
 * single-AZ and cheap.
 */
export function defaultReplicaMultiAz(raw: Pick<RawStackConfig, "apps" | "database">, env: Environment): boolean {
    return env.isProduction && raw.database.readReplica === true && raw.apps.some((a) => a.readerUrlEnv !== undefined);
}

/** The database variant the stack's `database.engine` picks, every default decided. */
export function resolveDatabase(raw: Pick<RawStackConfig, "apps" | "database">, env: Environment, backups: BackupPlan): ResolvedDatabase {
    const db = raw.database;
    const common = {
        backupRetentionDays: db.backupRetentionDays ?? defaultRetentionDays(env),
        protect: env.isProduction,
        replicaMultiAz: db.replicaMultiAz ?? defaultReplicaMultiAz(raw, env),
    };
    if (db.engine === "postgres") {
        const { members: _members, ...settings } = db;
        return {
            ...settings,
            engine: "postgres",
            engineVersion: db.engineVersion ?? DEFAULT_POSTGRES_VERSION,
            ...common,
            backupWindow: db.backupWindow ?? DEFAULT_POSTGRES_BACKUP_WINDOW,
            maintenanceWindow: db.maintenanceWindow ?? DEFAULT_POSTGRES_MAINTENANCE_WINDOW,
            inAws: true,
            metricsSource: "postgres-exporter",
            // BK-1: the daily dump of the primary data.
            backupTargets: [target(backups, "postgres", backups.schedule, { watchSize: true, full: true })],
            env: { connection: "DATABASE_URL", ...(db.readReplica === true ? { reader: READER_URL_KEY } : {}) },
        };
    }
    return {
        ...db,
        engine: "mongodb",
        engineVersion: db.engineVersion ?? DEFAULT_MONGODB_VERSION,
        ...common,
        members: db.members ?? defaultMembers(env),
        storageGb: db.storageGb ?? DEFAULT_MONGODB_STORAGE_GB,
        inAws: false,
        metricsSource: "pod-exporters",
        // BK-1: the daily full dump, and the hourly oplog capture that replays onto it.
        backupTargets: [
            target(backups, "mongodb", backups.schedule, { watchSize: true, full: true }),
            target(backups, "mongodb-oplog", backups.oplogSchedule, { full: false }),
        ],
        env: { connection: "MONGODB_URI" },
    };
}

/** The Redis variant `redis.mode` picks, or undefined when the stack declares no Redis. */
export function resolveRedis(raw: RawStackConfig["redis"], env: Environment, backups: BackupPlan): ResolvedRedis | undefined {
    if (raw === undefined) return undefined;
    const settings = { ...raw, snapshotRetentionDays: raw.snapshotRetentionDays ?? DEFAULT_REDIS_SNAPSHOT_RETENTION_DAYS, maxmemoryPolicy: "noeviction" as const };
    if (raw.mode === "elasticache") {
        // BK-1, BK-3: ElastiCache keeps its own snapshots, in the account they should survive; the
        // daily job also exports one and writes it to the backups bucket's redis/ prefix, as it does
        // the in-cluster Redis's RDB (scripts/backup/backup-elasticache.sh).
        return {
            ...settings,
            mode: "elasticache",
            replicas: raw.replicas ?? defaultElastiCacheReplicas(env),
            multiAz: raw.multiAz ?? env.isProduction,
            inAws: true,
            metricsSource: "cloudwatch",
            backupTargets: [target(backups, "redis", backups.schedule, { full: true })],
            env: { connection: "REDIS_URL" },
        };
    }
    return { ...settings, mode: "in-cluster", inAws: false, metricsSource: "pod-exporters", backupTargets: [target(backups, "redis", backups.schedule, { full: true })], env: { connection: "REDIS_URL" } };
}

/** The `network` section as given: what the Network component reads. */
export type NetworkSettings = NonNullable<RawStackConfig["network"]>;

/** A data VPC the stack builds, peered with the cluster's (DB-2). */
export interface ResolvedCreatedNetwork extends NetworkSettings {
    mode: "create";
    vpcCidr: string;
    /** Where the AWS data stores' addresses lie: the new VPC's CIDR, the apps' and jobs' egress to them. */
    dataCidrs: string[];
}

/** The cluster's own VPC and private subnets (DB-2). */
export interface ResolvedExistingNetwork extends NetworkSettings {
    mode: "existing";
    vpcCidr?: never;
    /** Any address: the stack does not know the VPC's CIDR, so the data stores' security groups do the narrowing and egress limits only the ports. */
    dataCidrs: string[];
}

export type ResolvedNetwork = ResolvedCreatedNetwork | ResolvedExistingNetwork;

/** The network variant `network.mode` picks; absent when nothing lives in AWS (the rules require it exactly then). */
export function resolveNetwork(raw: RawStackConfig["network"]): ResolvedNetwork | undefined {
    if (raw === undefined) return undefined;
    if (raw.mode === "create") {
        const vpcCidr = raw.vpcCidr ?? DEFAULT_VPC_CIDR;
        return { ...raw, mode: "create", vpcCidr, dataCidrs: [vpcCidr] };
    }
    const { vpcCidr: _vpcCidr, ...existing } = raw;
    return { ...existing, mode: "existing", dataCidrs: ["0.0.0.0/0"] };
}

/** Every backup target of the stack, the database's first (BK-1). */
export function stackBackupTargets(model: { database: DatastoreFacts; redis?: DatastoreFacts }): ResolvedBackupTarget[] {
    return [...model.database.backupTargets, ...(model.redis?.backupTargets ?? [])];
}

/** Whether anything of the stack lives in AWS: then `network` and `providers.aws` are required. */
export function usesAwsDatastores(model: { database: DatastoreFacts; redis?: DatastoreFacts }): boolean {
    return model.database.inAws || (model.redis?.inAws ?? false);
}

/** The connection strings the data tier writes into the apps' Secret, by env name (SC-1, DB-5). */
export function connectionEnvNames(model: { database: ResolvedDatabase; redis?: ResolvedRedis }): string[] {
    const db = model.database.env;
    return [db.connection, ...(db.reader !== undefined ? [db.reader] : []), ...(model.redis ? [model.redis.env.connection] : [])];
}

/**
 * The log store `kubernetes.platform: install` installs (OB-5): Grafana Loki's single-binary Service
 * as its chart names it for a release called `loki` (the chart's `loki.fullname`), on Loki's HTTP port.
 */
export const LOKI_SERVICE = { name: "loki", port: 3100 } as const;

/** Loki's push path, which `kubernetes.logs.lokiUrl` ends with. */
export const LOKI_PUSH_PATH = "/loki/api/v1/push";

/**
 * The log shipper (Grafana Alloy): its release and Service name, which is also the `job` label
 * Prometheus scrapes it as, and so what the log-shipping alerts select.
 */
export const LOG_SHIPPER = { name: "alloy" } as const;

/**
 * OB-5: no runbook names a log retention. Production keeps a month, the window of the monthly
 * availability objective (OB-1), so any incident inside the month under review still has its logs;
 * elsewhere a week.
 */
export function defaultLogRetentionDays(env: Environment): number {
    return env.isProduction ? 30 : 7;
}

/** The installed Loki's volume: a month of a small stack's logs in production, a week's elsewhere. */
export function defaultLogVolumeGb(env: Environment): number {
    return env.isProduction ? 50 : 10;
}

/** Loki and Alloy installed by the stack (`platform: install`, no `lokiUrl`). */
export interface ResolvedInstalledLogs {
    mode: "install";
    /** Where Loki and Alloy run: the monitoring namespace. */
    namespace: string;
    retentionDays: number;
    volumeGb: number;
    storageClass?: string;
    /** Where Alloy pushes: the installed Loki's Service. */
    pushUrl: string;
    /** What Grafana's Loki datasource queries. */
    queryUrl: string;
}

/** Only Alloy installed, shipping to a Loki the stack does not manage (`lokiUrl`). */
export interface ResolvedShippedLogs {
    mode: "ship";
    namespace: string;
    pushUrl: string;
}

/** `platform: existing` without `lokiUrl`: the cluster's own log pipeline; nothing installed, nothing watched. */
export interface ResolvedUnmanagedLogs {
    mode: "none";
}

export type ResolvedLogs = ResolvedInstalledLogs | ResolvedShippedLogs | ResolvedUnmanagedLogs;

/** The log variant `kubernetes.platform` and `kubernetes.logs.lokiUrl` pick (OB-5). */
export function resolveLogs(kubernetes: RawStackConfig["kubernetes"], monitoringNamespace: string, env: Environment): ResolvedLogs {
    const logs = kubernetes.logs ?? {};
    if (logs.lokiUrl !== undefined) return { mode: "ship", namespace: monitoringNamespace, pushUrl: logs.lokiUrl };
    if ((kubernetes.platform ?? "existing") === "existing") return { mode: "none" };
    const queryUrl = `http://${LOKI_SERVICE.name}.${monitoringNamespace}.svc:${LOKI_SERVICE.port}`;
    return {
        mode: "install",
        namespace: monitoringNamespace,
        retentionDays: logs.retentionDays ?? defaultLogRetentionDays(env),
        volumeGb: logs.volumeGb ?? defaultLogVolumeGb(env),
        ...(kubernetes.storageClass !== undefined ? { storageClass: kubernetes.storageClass } : {}),
        pushUrl: `${queryUrl}${LOKI_PUSH_PATH}`,
        queryUrl,
    };
}
