import type * as k8s from "@pulumi/kubernetes";
import { DEFAULT_MONGODB_STORAGE_GB, DEFAULT_MONGODB_VERSION, defaultMembers, type DatabaseSettings } from "../../config/model";
import type { Environment } from "../../config/resolve";
import { memoryGiB } from "../../lib/quantities";

/*
 * Pure settings of the MongoDB replica set (DB-1): member counts, the image, mongod's command line,
 * probes, resources, scheduling and the connection string. No Pulumi resources here, so every rule
 * is unit-tested without mocks.
 */

export const MONGODB_PORT = 27017;
/** Every deployment is a replica set, even with one member, so the oplog exists for point-in-time backups (BK-1). */
export const REPLICA_SET_NAME = "rs0";
/** The `mongodb` user and group of the official image (uid/gid 999 in its Dockerfile). */
export const MONGO_UID = 999;
/** Decided in config/model.ts, which resolves the stack's `database`; here for direct use of the component. */
export const DEFAULT_STORAGE_GB = DEFAULT_MONGODB_STORAGE_GB;
export const DEFAULT_ENGINE_VERSION = DEFAULT_MONGODB_VERSION;
export { defaultMembers };
export const DEFAULT_DATABASE_NAME = "app";
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

/** Users the init Job creates; passwords are generated per stack and never leave Secrets. */
export const ROOT_USERNAME = "root";
export const APP_USERNAME = "app";
export const BACKUP_USERNAME = "backup";
/** The user the mongodb_exporter sidecars read metrics as (clusterMonitor, read on local). */
export const MONITOR_USERNAME = "monitor";

/** Paths inside the mongod container. */
export const DATA_PATH = "/data/db";
export const KEYFILE_DIR = "/etc/mongodb/keyfile";
export const KEYFILE_PATH = `${KEYFILE_DIR}/keyfile`;
export const KEYFILE_SECRET_DIR = "/etc/mongodb/keyfile-secret";
/** Key of the keyfile in its Secret. */
export const KEYFILE_KEY = "keyfile";

/**
 * Image tags pinned to a patch release per supported minor version, so a rebuild never pulls a
 * different server than the one tested. Tags from https://hub.docker.com/_/mongo (official image,
 * which ships mongosh, used by the probes and the init Job).
 */
export const PINNED_MONGO_TAGS: Readonly<Record<string, string>> = {
    "6.0": "6.0.19",
    "7.0": "7.0.14",
    "8.0": "8.0.4",
};

/**
 * Oplog entries are kept at least this long, whatever the oplog's size, so hourly oplog dumps (BK-1)
 * never find a gap even after a day of failed backup runs (the runbooks' RPO is 24 hours, BK-7).
 */
export const OPLOG_MIN_RETENTION_HOURS = 24;

/** The keys of the `database` section this component reads; the resolved `ResolvedMongo` fits. */
export type MongoDatabaseConfig = Pick<DatabaseSettings, "engine" | "members" | "storageGb"> & { engineVersion?: string };

export interface MongoSettings {
    members: number;
    storageGb: number;
    /** The full image reference, pinned to a patch tag. */
    image: string;
    replicaSetName: string;
}

/**
 * `mongo:<patch>` for a configured version: "7.0" and "7" take the pinned patch of 7.0, a full
 * version such as "7.0.12" is used as given.
 */
export function mongoImage(engineVersion: string): string {
    const parts = engineVersion.split(".");
    if (!/^\d+(\.\d+){0,2}$/.test(engineVersion)) {
        throw new Error(`database.engineVersion: "${engineVersion}" is not a MongoDB version; use one of ${Object.keys(PINNED_MONGO_TAGS).join(", ")} or a full version such as 7.0.14`);
    }
    if (parts.length === 3) return `mongo:${engineVersion}`;
    const minor = parts.length === 1 ? `${parts[0]}.0` : engineVersion;
    const tag = PINNED_MONGO_TAGS[minor];
    if (tag === undefined) {
        throw new Error(`database.engineVersion: MongoDB ${engineVersion} is not supported; use one of ${Object.keys(PINNED_MONGO_TAGS).join(", ")} or a full version such as 7.0.14`);
    }
    return `mongo:${tag}`;
}

export function resolveMongoSettings(database: MongoDatabaseConfig, env: Environment): MongoSettings {
    if (database.engine !== "mongodb") {
        throw new Error(`database.engine: "${database.engine}" is not mongodb; the MongoDB component only serves engine: mongodb`);
    }
    const members = database.members ?? defaultMembers(env);
    if (!Number.isInteger(members) || members < 1 || members > 7) {
        throw new Error(`database.members: ${members} is not a valid replica-set size; set 1-7 (3 or more in production)`);
    }
    return {
        members,
        storageGb: database.storageGb ?? DEFAULT_STORAGE_GB,
        image: mongoImage(database.engineVersion ?? DEFAULT_ENGINE_VERSION),
        replicaSetName: REPLICA_SET_NAME,
    };
}

/** Kubernetes object names derived from the component name; member hostnames depend on them. */
export interface MongoNames {
    statefulSet: string;
    headlessService: string;
    clientService: string;
    keyfileSecret: string;
    rootSecret: string;
    appSecret: string;
    backupSecret: string;
    monitorSecret: string;
    disruptionBudget: string;
    networkPolicy: string;
    /** Prefix of the init Job and its script ConfigMap; a hash of the script follows it. */
    initPrefix: string;
}

/**
 * Names are fixed rather than auto-named: members reach each other by `<sts>-<i>.<headless>` and
 * the replica-set config stores those hostnames, so they must not change between deployments.
 */
export function mongoNames(name: string): MongoNames {
    // Pod hostnames are `<name>-<ordinal>` and must stay a DNS label (63 characters) with room for the
    // "-headless" service suffix; 40 leaves both.
    if (!/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(name)) {
        throw new Error(`MongoDB ${name}: the component name becomes Kubernetes object and host names; use a lowercase DNS label of at most 40 characters`);
    }
    return {
        statefulSet: name,
        headlessService: `${name}-headless`,
        clientService: name,
        keyfileSecret: `${name}-keyfile`,
        rootSecret: `${name}-root`,
        appSecret: `${name}-app`,
        backupSecret: `${name}-backup`,
        monitorSecret: `${name}-monitor`,
        disruptionBudget: name,
        networkPolicy: name,
        initPrefix: `${name}-init`,
    };
}

export interface MemberHostsArgs {
    statefulSet: string;
    headlessService: string;
    namespace: string;
    members: number;
    clusterDomain?: string;
}

/** `<sts>-<i>.<headless>.<ns>.svc.<domain>:27017` for every member, in ordinal order. */
export function memberHosts(args: MemberHostsArgs): string[] {
    const domain = args.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
    return Array.from({ length: args.members }, (_, i) => `${args.statefulSet}-${i}.${args.headlessService}.${args.namespace}.svc.${domain}:${MONGODB_PORT}`);
}

export interface ConnectionStringArgs {
    username: string;
    password: string;
    hosts: string[];
    database: string;
    replicaSetName: string;
    /** Database that holds the user. Defaults to admin, where the init Job creates every user. */
    authSource?: string;
}

/** The MONGODB_URI apps read: every member as a seed, credentials percent-encoded (RFC 3986 userinfo). */
export function connectionString(args: ConnectionStringArgs): string {
    if (args.hosts.length === 0) throw new Error("connectionString: at least one host is required");
    const user = encodeURIComponent(args.username);
    const password = encodeURIComponent(args.password);
    const query = new URLSearchParams({ replicaSet: args.replicaSetName, authSource: args.authSource ?? "admin" });
    return `mongodb://${user}:${password}@${args.hosts.join(",")}/${encodeURIComponent(args.database)}?${query.toString()}`;
}

export interface MemberResources {
    cpuRequest: string;
    memoryRequest: string;
    cpuLimit: string;
    memoryLimit: string;
}

/**
 * Requests and limits per member (WL-4). Memory request equals the limit, so under node memory
 * pressure the database is the last pod evicted, not the first.
 */
export function defaultMemberResources(env: Environment): MemberResources {
    return env.isProduction
        ? { cpuRequest: "1", memoryRequest: "4Gi", cpuLimit: "2", memoryLimit: "4Gi" }
        : { cpuRequest: "250m", memoryRequest: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" };
}

/**
 * WiredTiger's cache, sized from the container's memory limit with mongod's own formula
 * (50% of RAM minus 1 GB, at least 0.25 GB; https://www.mongodb.com/docs/manual/core/wiredtiger/#memory-use).
 * Set explicitly because mongod may size it from the node's RAM, not the container's limit, and be OOM-killed.
 */
export function wiredTigerCacheSizeGb(memoryLimit: string): number {
    const cache = (memoryGiB(memoryLimit) - 1) * 0.5;
    return Math.max(0.25, Math.floor(cache * 100) / 100);
}

export interface MongodArgsInput {
    replicaSetName: string;
    memoryLimit: string;
}

/** mongod's command line: a replica set, reachable on every interface, keyfile auth between members, client auth on. */
export function mongodArgs(input: MongodArgsInput): string[] {
    return [
        "--replSet",
        input.replicaSetName,
        "--bind_ip_all",
        "--port",
        String(MONGODB_PORT),
        "--dbpath",
        DATA_PATH,
        "--keyFile",
        KEYFILE_PATH,
        "--auth",
        "--wiredTigerCacheSizeGB",
        String(wiredTigerCacheSizeGb(input.memoryLimit)),
        "--oplogMinRetentionHours",
        String(OPLOG_MIN_RETENTION_HOURS),
    ];
}

/** `ping` needs no authentication, so the probes need no credentials. Local connection, bounded server selection. */
export const PING_COMMAND = [
    "mongosh",
    "--quiet",
    "--norc",
    `mongodb://127.0.0.1:${MONGODB_PORT}/?directConnection=true&serverSelectionTimeoutMS=5000`,
    "--eval",
    'db.adminCommand("ping")',
];

export interface MongoProbes {
    startupProbe: k8s.types.input.core.v1.Probe;
    readinessProbe: k8s.types.input.core.v1.Probe;
    livenessProbe: k8s.types.input.core.v1.Probe;
}

/**
 * Probes (WL-2). mongosh starts a Node.js process, so each check gets 10 seconds. Startup allows 10
 * minutes for journal recovery after an unclean stop; liveness then restarts a member only after
 * 2 minutes without an answer, because restarting a busy database makes things worse.
 */
export function probeSettings(): MongoProbes {
    const exec = { command: PING_COMMAND };
    return {
        startupProbe: { exec, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 60 },
        readinessProbe: { exec, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3, successThreshold: 1 },
        livenessProbe: { exec, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 },
    };
}

/** Seconds mongod gets after SIGTERM: a primary steps down (up to 15 s by default) and flushes the journal. */
export const TERMINATION_GRACE_SECONDS = 60;

/**
 * Members spread across zones and nodes. Production refuses to put two members in one zone or on one
 * node (losing it would lose the majority); elsewhere spreading is best effort so a small cluster can
 * still schedule.
 */
export function memberScheduling(
    env: Environment,
    selector: Record<string, string>,
): Pick<k8s.types.input.core.v1.PodSpec, "topologySpreadConstraints" | "affinity"> {
    const hostTerm = { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" };
    return {
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: env.isProduction ? "DoNotSchedule" : "ScheduleAnyway",
                labelSelector: { matchLabels: selector },
            },
        ],
        affinity: {
            podAntiAffinity: env.isProduction
                ? { requiredDuringSchedulingIgnoredDuringExecution: [hostTerm] }
                : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: hostTerm }] },
        },
    };
}

/**
 * The disruption budget: one member at a time may be evicted, which keeps a majority (and so a
 * primary) through node drains with 3 or more members. A single member gets none: a budget could
 * only block every drain forever or allow the eviction anyway, and a one-member set accepts that
 * downtime by design.
 */
export function disruptionBudgetSpec(members: number, selector: Record<string, string>): k8s.types.input.policy.v1.PodDisruptionBudgetSpec | undefined {
    if (members <= 1) return undefined;
    return {
        maxUnavailable: 1,
        selector: { matchLabels: selector },
        // A crash-looping member must not block drains; it is unavailable either way.
        unhealthyPodEvictionPolicy: "AlwaysAllow",
    };
}
