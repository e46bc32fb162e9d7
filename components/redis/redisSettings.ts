import { JOB_IMAGE_REDIS } from "../../config/jobImage";
import { createHash } from "crypto";
import type { Environment } from "../../config";
import { defaultElastiCacheReplicas, type RedisSettings } from "../../config/model";
import { memoryMiB } from "../../lib/quantities";
import { DAYS, minutesOfDay, windowMinutes, windowsOverlap } from "../../lib/windows";

/*
 * Pure Redis settings for both modes: defaults per environment, the ElastiCache parameter group,
 * the in-cluster redis.conf, the REDIS_URL the apps read, and the windows ElastiCache works in.
 * No Pulumi resources here, so every rule is unit-tested without mocks.
 */

export type RedisConfig = RedisSettings;

export const REDIS_PORT = 6379;

/**
 * RD-2: BullMQ keeps jobs as ordinary keys, so any evicting policy silently drops queued jobs under
 * memory pressure. Writes must fail loudly instead. https://docs.bullmq.io/guide/going-to-production#max-memory-policy
 */
export const MAXMEMORY_POLICY = "noeviction";

/** One problem with the component's args, as `pulumi.InputPropertiesError` reports it. */
export interface ArgProblem {
    propertyPath: string;
    reason: string;
}

/** One message listing every problem, each with its key path and the fix. */
export function formatArgProblems(component: string, problems: ArgProblem[]): string {
    return `${component}: invalid Redis settings:\n${problems.map((p) => `  ${p.propertyPath}: ${p.reason}`).join("\n")}`;
}

// ---------------------------------------------------------------------------------------------
// ElastiCache

/**
 * Engine defaults: 7.1 is ElastiCache's newest Redis OSS; Valkey starts at 7.2. ElastiCache takes a
 * major.minor for Redis 7 and later; patch releases within it arrive in the maintenance window
 * (autoMinorVersionUpgrade), so a patch AWS applies is never drift.
 */
const DEFAULT_ENGINE_VERSION = { redis: "7.1", valkey: "7.2" } as const;

/**
 * The parameter-group family for an engine and version. ElastiCache names them redis6.x, redis7,
 * valkey7, valkey8: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html
 */
export function parameterGroupFamily(engine: "redis" | "valkey", engineVersion: string): string {
    const major = Number(engineVersion.split(".")[0]);
    if (engine === "valkey") {
        if (major >= 7) return `valkey${major}`;
    } else {
        if (major >= 7) return `redis${major}`;
        if (major === 6) return "redis6.x";
    }
    throw new Error(
        `redis.engineVersion: ${engineVersion} has no ElastiCache parameter-group family for ${engine} in this program; set ${engine === "valkey" ? "7.2 or later" : "6.2 or later"}`,
    );
}

/** The parameters of the program's own parameter group. Without one, ElastiCache's default group evicts with volatile-lru (RD-2). */
export function parameterGroupParameters(): Array<{ name: string; value: string }> {
    return [{ name: "maxmemory-policy", value: MAXMEMORY_POLICY }];
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/**
 * A weekly one-hour maintenance window on Sunday, starting an hour after the daily snapshot window
 * ends, so maintenance never interrupts a snapshot (ElastiCache rejects overlapping windows).
 */
export function maintenanceWindowAfter(snapshotWindow: string): string {
    const snapshotEnd = minutesOfDay(snapshotWindow.split("-")[1]);
    const start = (snapshotEnd + 60) % 1440;
    const end = start + 60;
    const window = `sun:${hhmm(start)}-${DAYS[Math.floor(end / 1440)]}:${hhmm(end % 1440)}`;
    if (windowsOverlap(snapshotWindow, window)) {
        throw new Error(`redis.snapshotWindow: ${snapshotWindow} leaves no hour for maintenance; set a window of at most 22 hours such as 03:00-04:00`);
    }
    return window;
}

export interface ElastiCacheSettings {
    engine: "redis" | "valkey";
    engineVersion: string;
    family: string;
    nodeType: string;
    replicas: number;
    /** Primary plus replicas. */
    numCacheClusters: number;
    automaticFailoverEnabled: boolean;
    multiAzEnabled: boolean;
    snapshotRetentionLimit: number;
    snapshotWindow: string;
    maintenanceWindow: string;
    /** Production changes wait for the maintenance window. */
    applyImmediately: boolean;
    /** DB-6: production takes a final snapshot when the group is deleted. */
    finalSnapshot: boolean;
    /** DB-6: production protects and retains the replication group. */
    protect: boolean;
}

/** Every ElastiCache setting with its environment default, or every problem with the config at once. */
export function elastiCacheSettings(redis: RedisConfig, env: Environment): ElastiCacheSettings | ArgProblem[] {
    const problems: ArgProblem[] = [];
    if (redis.mode !== "elasticache") problems.push({ propertyPath: "redis.mode", reason: `is ${redis.mode}; the ElastiCache component needs mode elasticache` });
    const engine = redis.engine ?? "redis";
    const engineVersion = redis.engineVersion ?? DEFAULT_ENGINE_VERSION[engine];
    let family = "";
    try {
        family = parameterGroupFamily(engine, engineVersion);
    } catch (e) {
        problems.push({ propertyPath: "redis.engineVersion", reason: (e as Error).message.replace(/^redis\.engineVersion: /, "") });
    }
    const replicas = redis.replicas ?? defaultElastiCacheReplicas(env);
    const multiAz = redis.multiAz ?? env.isProduction;
    if (env.isProduction && replicas < 1) {
        problems.push({ propertyPath: "redis.replicas", reason: `${replicas} leaves production Redis without a failover target (RD-1); set 1 or more` });
    }
    if (env.isProduction && !multiAz) {
        problems.push({ propertyPath: "redis.multiAz", reason: "false is not allowed in production (RD-1); remove it or set true" });
    }
    if (!env.isProduction && multiAz && replicas < 1) {
        problems.push({ propertyPath: "redis.multiAz", reason: "true needs a replica in another AZ; set redis.replicas: 1 or remove redis.multiAz" });
    }
    if (redis.snapshotRetentionDays < 1) {
        problems.push({ propertyPath: "redis.snapshotRetentionDays", reason: `${redis.snapshotRetentionDays} turns snapshots off (BK-2); set 1–35, 7 in production` });
    }
    const snapshotWindow = redis.snapshotWindow ?? "03:00-04:00";
    let maintenanceWindow = "";
    if (windowMinutes(snapshotWindow) < 60) {
        problems.push({ propertyPath: "redis.snapshotWindow", reason: `${snapshotWindow} is shorter than the 60 minutes ElastiCache requires; widen it` });
    } else {
        try {
            maintenanceWindow = maintenanceWindowAfter(snapshotWindow);
        } catch (e) {
            problems.push({ propertyPath: "redis.snapshotWindow", reason: (e as Error).message.replace(/^redis\.snapshotWindow: /, "") });
        }
    }
    if (problems.length > 0) return problems;
    // Failover and Multi-AZ need a replica to promote; with none, ElastiCache rejects both flags.
    const failover = replicas >= 1;
    return {
        engine,
        engineVersion,
        family,
        nodeType: redis.nodeType ?? (env.isProduction ? "cache.m6g.large" : "cache.t4g.small"),
        replicas,
        numCacheClusters: 1 + replicas,
        automaticFailoverEnabled: failover,
        multiAzEnabled: failover && multiAz,
        snapshotRetentionLimit: redis.snapshotRetentionDays,
        snapshotWindow,
        maintenanceWindow,
        applyImmediately: !env.isProduction,
        finalSnapshot: env.isProduction,
        protect: env.isProduction,
    };
}

/** Lowercase letters, digits and single hyphens, starting with a letter: what ElastiCache accepts in names. */
export function elastiCacheName(...parts: string[]): string {
    const name = parts
        .join("-")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^[^a-z]+/, "")
        .replace(/-$/, "");
    return name.slice(0, 255).replace(/-$/, "");
}

// ---------------------------------------------------------------------------------------------
// In-cluster

/**
 * The official image, pinned per release. The default is the release of the backup job image's own
 * redis-server (JOB_IMAGE_REDIS), so the restore drill loads snapshots with the very server that
 * wrote them; 7.2 stays available (its RDB format 11 is read by 8.0). Runs as uid 999.
 */
export const PINNED_REDIS_TAGS: Readonly<Record<string, string>> = { "7.2": "7.2.7", "8.0": "8.0.2" };
export const DEFAULT_REDIS_VERSION = JOB_IMAGE_REDIS;
/** uid/gid of the `redis` user in the official image, so the volume is writable without root (SC-5). */
export const REDIS_UID = 999;

/**
 * maxmemory as a share of the container limit. The rest covers the fork that rewrites the AOF
 * (copy-on-write pages), client buffers and fragmentation, so Redis refuses writes (RD-2) before
 * the kernel OOM-kills it.
 */
export const MAXMEMORY_SHARE_OF_LIMIT = 0.75;

export interface InClusterSettings {
    image: string;
    storageGb: number;
    resources: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string };
    maxmemoryBytes: number;
    /** DB-6: production protects and retains the StatefulSet and its Secret. */
    protect: boolean;
}

/** The image for an in-cluster engineVersion: a full x.y.z is used as is; 8.0 (the default), 8, 7.2 and 7 map to a pinned patch. */
export function redisImage(engineVersion: string | undefined): string {
    const version = engineVersion ?? DEFAULT_REDIS_VERSION;
    if (/^\d+\.\d+\.\d+$/.test(version)) return `redis:${version}`;
    const release = /^\d+$/.test(version) ? Object.keys(PINNED_REDIS_TAGS).filter((r) => r.startsWith(`${version}.`)).pop() : version;
    const tag = release !== undefined ? PINNED_REDIS_TAGS[release] : undefined;
    if (tag === undefined) throw new Error(`redis.engineVersion: ${version} does not pin an image; use ${Object.keys(PINNED_REDIS_TAGS).join(" or ")}, or a full version such as 8.0.2`);
    return `redis:${tag}`;
}

export function maxmemoryBytesFor(memoryLimit: string): number {
    return Math.floor(memoryMiB(memoryLimit) * MAXMEMORY_SHARE_OF_LIMIT) * 1024 * 1024;
}

/** Requests equal limits for memory: a Redis pod that bursts past its request is the first the kubelet evicts. */
export function inClusterSettings(redis: RedisConfig, env: Environment): InClusterSettings | ArgProblem[] {
    const problems: ArgProblem[] = [];
    if (redis.mode !== "in-cluster") problems.push({ propertyPath: "redis.mode", reason: `is ${redis.mode}; the in-cluster component needs mode in-cluster` });
    let image = "";
    try {
        image = redisImage(redis.engineVersion);
    } catch (e) {
        problems.push({ propertyPath: "redis.engineVersion", reason: (e as Error).message.replace(/^redis\.engineVersion: /, "") });
    }
    const storageGb = redis.storageGb ?? 10;
    if (storageGb < 1) problems.push({ propertyPath: "redis.storageGb", reason: `${storageGb} is too small; set 1 or more` });
    if (problems.length > 0) return problems;
    const memory = env.isProduction ? "1Gi" : "512Mi";
    const resources = env.isProduction
        ? { cpuRequest: "250m", cpuLimit: "1000m", memoryRequest: memory, memoryLimit: memory }
        : { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: memory, memoryLimit: memory };
    return { image, storageGb, resources, maxmemoryBytes: maxmemoryBytesFor(resources.memoryLimit), protect: env.isProduction };
}

export interface RedisConfOptions {
    /** Bytes Redis may use for data before it refuses writes. */
    maxmemoryBytes: number;
    /** Defaults to 6379. */
    port?: number;
    /** Defaults to every interface (`* -::*`); the NetworkPolicy decides who gets through. */
    bind?: string;
    /** Defaults to /data, the persistent volume. */
    dir?: string;
}

/**
 * redis.conf for the in-cluster server. Deliberately no `requirepass`: the password comes from the
 * Secret at start-up (see `redisServerArgs`), so the ConfigMap holds nothing secret (SC-1, RD-3).
 */
export function renderRedisConf(options: RedisConfOptions): string {
    if (!Number.isInteger(options.maxmemoryBytes) || options.maxmemoryBytes < 1024 * 1024) {
        throw new Error(`maxmemoryBytes: ${options.maxmemoryBytes} must be a whole number of at least 1 MiB`);
    }
    return [
        "# Rendered by components/redis/redisSettings.ts. Edit the program, not this file.",
        `port ${options.port ?? REDIS_PORT}`,
        `bind ${options.bind ?? "* -::*"}`,
        // Refuses non-loopback clients if the password is ever missing, instead of serving them (RD-3).
        "protected-mode yes",
        "daemonize no",
        'logfile ""',
        "tcp-keepalive 300",
        `dir ${options.dir ?? "/data"}`,
        // RD-2: queued jobs survive a restart. The AOF is fsynced every second: at most one second of
        // acknowledged writes is lost on a node crash, none on a clean shutdown.
        "appendonly yes",
        "appendfsync everysec",
        "aof-use-rdb-preamble yes",
        // RDB snapshots as well, so the backup job can take a consistent point-in-time dump (BK-1).
        "save 3600 1 300 100 60 10000",
        "stop-writes-on-bgsave-error yes",
        // RD-2: when memory runs out, writes fail with OOM instead of evicting queued jobs.
        `maxmemory ${options.maxmemoryBytes}`,
        `maxmemory-policy ${MAXMEMORY_POLICY}`,
        "",
    ].join("\n");
}

/** Where the ConfigMap is mounted in the container. */
export const REDIS_CONF_DIR = "/etc/redis";
export const REDIS_CONF_KEY = "redis.conf";
/** The environment variable that carries the password from the Secret into the container. */
export const PASSWORD_ENV = "REDIS_PASSWORD";

/**
 * The server's arguments. Kubernetes expands `$(REDIS_PASSWORD)` from the container's environment,
 * which comes from the Secret, so the password is in neither the ConfigMap nor the pod spec (RD-3).
 */
export function redisServerArgs(confPath = `${REDIS_CONF_DIR}/${REDIS_CONF_KEY}`): string[] {
    return [confPath, "--requirepass", `$(${PASSWORD_ENV})`];
}

/**
 * The probe command. redis-cli reads the password from REDISCLI_AUTH (set from the Secret), and `-e`
 * makes it exit non-zero on an error reply (NOAUTH, LOADING), which plain redis-cli does not.
 */
export function probeCommand(port = REDIS_PORT): string[] {
    return ["redis-cli", "-e", "-h", "127.0.0.1", "-p", String(port), "ping"];
}

/** Rolls the pod when the config changes: a StatefulSet does not restart on a ConfigMap edit. */
export function configChecksum(redisConf: string): string {
    return createHash("sha256").update(redisConf).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// REDIS_URL

export interface RedisUrlParts {
    /** `rediss` (TLS) for ElastiCache, `redis` inside the cluster. */
    scheme: "redis" | "rediss";
    password: string;
    host: string;
    /** Defaults to 6379. */
    port?: number;
}

/** `scheme://:<password>@host:port`, the password URL-encoded so any character survives parsing. */
export function redisUrl(parts: RedisUrlParts): string {
    if (parts.password === "") throw new Error("REDIS_URL needs a password (RD-3)");
    if (!/^[A-Za-z0-9.-]+$/.test(parts.host)) throw new Error(`REDIS_URL host ${JSON.stringify(parts.host)} is not a DNS name`);
    return `${parts.scheme}://:${encodeURIComponent(parts.password)}@${parts.host}:${parts.port ?? REDIS_PORT}`;
}

/** The DNS name of a Service, as pods in any namespace resolve it. */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}
