import { AppConfig, BucketConfig, RawStackConfig } from "./schema";

/** Only the stack named `production` is production; every other stack is non-production. */
export function isProductionStack(stack: string): boolean {
    return stack === "production";
}

export interface Environment {
    stack: string;
    isProduction: boolean;
}

export interface ResolvedApp extends Omit<AppConfig, "replicas" | "env" | "secretRefs" | "resources"> {
    replicas: number;
    env: Record<string, string>;
    secretRefs: string[];
    resources: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
}

export interface ResolvedBucket extends Omit<BucketConfig, "lifecycle"> {
    lifecycle: { expireAfterDays?: number; infrequentAccessAfterDays?: number; abortMultipartAfterDays: number };
}

/** The validated stack config with every default filled in. Components take slices of it. */
export interface StackConfig {
    environment: Environment;
    apps: ResolvedApp[];
    database: RawStackConfig["database"] & {
        engineVersion: string;
        backupRetentionDays: number;
        protect: boolean;
    };
    redis: RawStackConfig["redis"] & { snapshotRetentionDays: number; maxmemoryPolicy: "noeviction" };
    storage: { accountId: string; buckets: ResolvedBucket[] };
    backups: Required<Omit<RawStackConfig["backups"], never>>;
    edge: RawStackConfig["edge"] & { loginPath: string; loginRateLimit: { requests: number; periodSeconds: number } };
    alerts: RawStackConfig["alerts"] & { p95LatencyMs: number; errorRatePercent: number; highResponseTimeMs: number };
    network: RawStackConfig["network"];
    kubernetes: { namespace: string; storageClass?: string };
    /** Names of the keys in `runbook:secrets`. Values are read separately and stay secret. */
    secretNames: string[];
}

/** WL-4: 003 sizes the API at 2Gi / 1000m. */
export const DEFAULT_APP_RESOURCES = { cpuRequest: "250m", memoryRequest: "512Mi", cpuLimit: "1000m", memoryLimit: "2Gi" };

/** Production keeps 30 days (003); elsewhere the runbook minimum of 7 (BK-2). */
export function defaultRetentionDays(env: Environment): number {
    return env.isProduction ? 30 : 7;
}

/** BK-6: a weekly test restore in staging, a quarterly drill in production. */
export function defaultRestoreDrillSchedule(env: Environment): string {
    return env.isProduction ? "0 5 1 1,4,7,10 *" : "0 5 * * 1";
}

export function resolveApp(app: AppConfig, env: Environment): ResolvedApp {
    return {
        ...app,
        replicas: app.replicas ?? (env.isProduction ? 2 : 1),
        env: app.env ?? {},
        secretRefs: app.secretRefs ?? [],
        resources: { ...DEFAULT_APP_RESOURCES, ...stripUndefined(app.resources ?? {}) },
    };
}

export function resolveBucket(bucket: BucketConfig, backupRetentionDays: number, isBackupTarget: boolean): ResolvedBucket {
    const lifecycle = bucket.lifecycle ?? {};
    return {
        ...bucket,
        lifecycle: {
            // Dumps outlive their retention by nothing: BK-2 is the contract.
            expireAfterDays: lifecycle.expireAfterDays ?? (isBackupTarget ? backupRetentionDays : undefined),
            infrequentAccessAfterDays: lifecycle.infrequentAccessAfterDays ?? (bucket.purpose === "backups" ? undefined : 30),
            abortMultipartAfterDays: lifecycle.abortMultipartAfterDays ?? 7,
        },
    };
}

export function resolveConfig(raw: RawStackConfig, env: Environment): StackConfig {
    const backupRetentionDays = raw.backups.retentionDays ?? defaultRetentionDays(env);
    return {
        environment: env,
        apps: raw.apps.map((a) => resolveApp(a, env)),
        database: {
            ...raw.database,
            engineVersion: raw.database.engineVersion ?? (raw.database.engine === "postgres" ? "16.4" : "7.0"),
            backupRetentionDays: raw.database.backupRetentionDays ?? defaultRetentionDays(env),
            protect: env.isProduction,
        },
        redis: { ...raw.redis, snapshotRetentionDays: raw.redis.snapshotRetentionDays ?? 7, maxmemoryPolicy: "noeviction" },
        storage: {
            accountId: raw.storage.accountId,
            buckets: raw.storage.buckets.map((b) => resolveBucket(b, backupRetentionDays, b.name === raw.backups.bucket)),
        },
        backups: {
            ...raw.backups,
            schedule: raw.backups.schedule ?? "0 2 * * *",
            retentionDays: backupRetentionDays,
            restoreDrillSchedule: raw.backups.restoreDrillSchedule ?? defaultRestoreDrillSchedule(env),
        },
        edge: {
            ...raw.edge,
            loginPath: raw.edge.loginPath ?? "/api/auth/login",
            loginRateLimit: {
                requests: raw.edge.loginRateLimit?.requests ?? 5,
                periodSeconds: raw.edge.loginRateLimit?.periodSeconds ?? 900,
            },
        },
        alerts: {
            ...raw.alerts,
            p95LatencyMs: raw.alerts.p95LatencyMs ?? 400,
            errorRatePercent: raw.alerts.errorRatePercent ?? 1,
            highResponseTimeMs: raw.alerts.highResponseTimeMs ?? 2000,
        },
        network: raw.network,
        kubernetes: { namespace: raw.kubernetes?.namespace ?? "runbook", storageClass: raw.kubernetes?.storageClass },
        secretNames: Object.keys(raw.secrets ?? {}),
    };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
