import type { ZonePlan } from "./cloudflarePlans";
import {
    BackupPlan,
    DEFAULT_BACKUP_SCHEDULE,
    DEFAULT_OPLOG_SCHEDULE,
    ResolvedBackupTarget,
    ResolvedDatabase,
    ResolvedLogs,
    ResolvedNetwork,
    ResolvedRedis,
    defaultRetentionDays,
    resolveDatabase,
    resolveLogs,
    resolveNetwork,
    resolveRedis,
    stackBackupTargets,
} from "./model";
import { AppConfig, BackupDatastore, BucketConfig, EdgeConfig, RawStackConfig } from "./schema";

export { defaultReplicaMultiAz, defaultRetentionDays } from "./model";

/** Only the stack named `production` is production; every other stack is non-production. */
export function isProductionStack(stack: string): boolean {
    return stack === "production";
}

import type { Environment } from "./model";
export type { Environment };

export interface ResolvedAutoscaling {
    minReplicas: number;
    maxReplicas: number;
    cpuPercent: number;
    memoryPercent: number;
}

export interface ResolvedMigration {
    command: string[];
    timeoutSeconds: number;
    backoffLimit: number;
}

export interface ResolvedApp
    extends Omit<AppConfig, "replicas" | "env" | "secretRefs" | "resources" | "autoscaling" | "startupPath" | "websocketPaths" | "expectsTraffic" | "migrate" | "runAsUser" | "writablePaths" | "r2Env" | "readerUrlEnv" | "featureFlags" | "requestTimeoutSeconds" | "requestTimeoutEnv"> {
    /** Feature flags as the app reads them: FLAG_<NAME> to its value (WL-8). */
    featureFlags: Record<string, string>;
    /** The app's request timeout and the variable that carries it, when the stack sets one (WL-8). */
    requestTimeout?: { seconds: number; env: string };
    /** Pods when not autoscaled; the autoscaling floor otherwise. */
    replicas: number;
    /** Set in production, and elsewhere when the stack asks for it. */
    autoscaling?: ResolvedAutoscaling;
    /** Where the startup probe asks; undefined when it checks the port. */
    startupPath?: string;
    websocketPaths: string[];
    /** Whether no requests while its pods are up is an outage (NoTraffic). */
    expectsTraffic: boolean;
    migrate?: ResolvedMigration;
    env: Record<string, string>;
    secretRefs: string[];
    resources: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
    runAsUser: number;
    /** Writable emptyDir mounts, `/tmp` first. */
    writablePaths: string[];
    /** Env names of the apps' R2 token, when the app takes it (ST-1). */
    r2Env?: { accessKeyId: string; secretAccessKey: string; endpoint?: string };
    /** Env name of the read replica's URL, when the app reads from it (DB-5). */
    readerUrlEnv?: string;
}

export interface ResolvedBucket extends Omit<BucketConfig, "lifecycle"> {
    lifecycle: { expireAfterDays?: number; infrequentAccessAfterDays?: number; abortMultipartAfterDays: number };
    /**
     * A backups bucket's retention (BK-2, BK-4): the days a backup object stays locked, and, for the
     * stack's backups bucket, each prefix it writes with its own retention (which then wins).
     */
    retention?: { lockDays: number; prefixRetentionDays?: Record<string, number> };
}

/** The edge section with every default filled in. The DNS token stays out: it is read as a secret. */
export interface ResolvedEdge {
    zone: string;
    zoneId: string;
    hosts: Array<{ host: string; app: string }>;
    origin: string;
    ownsZone: boolean;
    /** The zone's Cloudflare plan; the config check has held the rate limit and the WAF to it. */
    zonePlan: ZonePlan;
    loginPath: string;
    loginRateLimit: { requests: number; periodSeconds: number; blockSeconds: number };
    hstsMaxAgeSeconds: number;
    maxRequestBodyMb: number;
    requestTimeoutSeconds: number;
    websocketTimeoutSeconds: number;
    cache: { staticTtlSeconds: number; assetTtlSeconds: number };
    waf: { managedRuleset: boolean; owaspRuleset: boolean };
    gateway: { implementation: "envoy-gateway" | "generic"; className: string; namespace: string };
    tls: { acmeEmail?: string; acmeServer: string; certManagerNamespace: string; renewBeforeDays: number };
}

/** Edge defaults (ED-1…ED-5, WL-7), in one place for config, components and docs. */
export const EDGE_DEFAULTS = {
    /** The cheapest plan on which the defaults below and the managed WAF rulesets exist (ED-4). */
    zonePlan: "pro" as ZonePlan,
    loginPath: "/api/auth/login",
    /** ED-4: five attempts a minute per IP, then a 15-minute block. */
    loginRateLimit: { requests: 5, periodSeconds: 60, blockSeconds: 900 },
    /** ED-3: one year; the runbook's floor is six months (15,768,000 s). */
    hstsMaxAgeSeconds: 31536000,
    maxRequestBodyMb: 10,
    requestTimeoutSeconds: 60,
    websocketTimeoutSeconds: 3600,
    cache: { staticTtlSeconds: 31536000, assetTtlSeconds: 2592000 },
    gateway: { implementation: "envoy-gateway" as const, className: "eg", namespace: "envoy-gateway-system" },
    tls: { acmeServer: "https://acme-v02.api.letsencrypt.org/directory", certManagerNamespace: "cert-manager", renewBeforeDays: 30 },
};

/** The runbook's HSTS floor (ED-3): six months. */
export const MIN_HSTS_MAX_AGE_SECONDS = 15768000;

export function resolveEdge(edge: EdgeConfig, env: Environment): ResolvedEdge {
    const d = EDGE_DEFAULTS;
    return {
        zone: edge.zone,
        zoneId: edge.zoneId,
        hosts: edge.hosts,
        origin: edge.origin,
        ownsZone: edge.ownsZone ?? true,
        zonePlan: edge.zonePlan ?? d.zonePlan,
        loginPath: edge.loginPath ?? d.loginPath,
        loginRateLimit: {
            requests: edge.loginRateLimit?.requests ?? d.loginRateLimit.requests,
            periodSeconds: edge.loginRateLimit?.periodSeconds ?? d.loginRateLimit.periodSeconds,
            blockSeconds: edge.loginRateLimit?.blockSeconds ?? d.loginRateLimit.blockSeconds,
        },
        hstsMaxAgeSeconds: edge.hstsMaxAgeSeconds ?? d.hstsMaxAgeSeconds,
        maxRequestBodyMb: edge.maxRequestBodyMb ?? d.maxRequestBodyMb,
        requestTimeoutSeconds: edge.requestTimeoutSeconds ?? d.requestTimeoutSeconds,
        websocketTimeoutSeconds: edge.websocketTimeoutSeconds ?? d.websocketTimeoutSeconds,
        cache: {
            staticTtlSeconds: edge.cache?.staticTtlSeconds ?? d.cache.staticTtlSeconds,
            assetTtlSeconds: edge.cache?.assetTtlSeconds ?? d.cache.assetTtlSeconds,
        },
        waf: {
            managedRuleset: edge.waf?.managedRuleset ?? env.isProduction,
            owaspRuleset: edge.waf?.owaspRuleset ?? env.isProduction,
        },
        gateway: {
            implementation: edge.gateway?.implementation ?? d.gateway.implementation,
            className: edge.gateway?.className ?? d.gateway.className,
            namespace: edge.gateway?.namespace ?? d.gateway.namespace,
        },
        tls: {
            acmeEmail: edge.tls.acmeEmail,
            acmeServer: edge.tls.acmeServer ?? d.tls.acmeServer,
            certManagerNamespace: edge.tls.certManagerNamespace ?? d.tls.certManagerNamespace,
            renewBeforeDays: edge.tls.renewBeforeDays ?? d.tls.renewBeforeDays,
        },
    };
}

/** The validated stack config with every default filled in. Components take slices of it. */
/** Where every pod may resolve names (SC-5): DNS pods by namespace (and labels), and DNS servers by address. */
export interface DnsEgress {
    namespace: string;
    /** Empty: every pod of the namespace. */
    podLabels: Record<string, string>;
    /** Empty: none outside the pod network. */
    cidrs: string[];
}

/**
 * ST-1, ST-2: the R2 usage job's schedule, hourly at minute 40 (clear of the oplog capture's 15 and the
 * daily backup's hour). Cloudflare's storage analytics move a few times an hour at most, so a tighter
 * schedule would read the same numbers; R2UsageStale reads the same schedule.
 */
export const R2_USAGE_SCHEDULE = "40 * * * *";

/** SC-5: the cluster DNS, CoreDNS in kube-system, as most clusters run it. */
export const DNS_EGRESS_DEFAULTS: DnsEgress = { namespace: "kube-system", podLabels: {}, cidrs: [] };

export interface StackConfig {
    environment: Environment;
    apps: ResolvedApp[];
    /** The engine's variant, with its backup targets, connection env names, location and metrics source (config/model.ts). */
    database: ResolvedDatabase;
    /** The mode's variant; absent when the stack declares no Redis. */
    redis?: ResolvedRedis;
    storage: {
        accountId: string;
        buckets: ResolvedBucket[];
        /** The R2 usage job (ST-1, ST-2): when it reads every bucket's size and object count. */
        usage: { schedule: string };
    };
    backups: StackBackups;
    edge: ResolvedEdge;
    alerts: ResolvedAlerts;
    /** Present exactly when a data store lives in AWS: the mode's variant, with its CIDR and where the data stores' addresses lie. */
    network?: ResolvedNetwork;
    kubernetes: { context: string; namespace: string; storageClass?: string; platform: "install" | "existing"; dnsEgress: DnsEgress };
    /** OB-5: the mode's variant: Loki and Alloy installed, Alloy shipping to an existing Loki, or neither. */
    logs: ResolvedLogs;
    /** The explicit providers' settings. The Cloudflare token is read separately and stays secret. */
    providers: { aws?: { region: string; allowedAccountIds?: string[] } };
    /** Names of the keys in `runbook:secrets`. Values are read separately and stay secret. */
    secretNames: string[];
}

/** `errorRatePercent` is no threshold of its own: it restates availabilityPercent (see alertProblems). */
type AlertThresholdKey = Exclude<keyof RawStackConfig["alerts"], "routes" | "monitoringNamespace" | "selectorLabels" | "runbookBaseUrl" | "errorRatePercent" | "rules" | "backupReplicaLagHours">;

/** The `alerts` section with every threshold filled in. */
export type ResolvedAlerts = Required<Pick<RawStackConfig["alerts"], AlertThresholdKey>> & {
    monitoringNamespace: string;
    selectorLabels: Record<string, string>;
    runbookBaseUrl: string;
    routes: RawStackConfig["alerts"]["routes"];
    /** The team's own alert rules, in config order (issue 20, 5). */
    rules: NonNullable<RawStackConfig["alerts"]["rules"]>;
    /** BK-3: the replica's allowed lag, in hours; absent: each backup's period plus `backupMarginHours` (replicaLagLimitSeconds). */
    backupReplicaLagHours?: number;
};

/**
 * The runbooks' numbers (OB-1, OB-2, OB-7, BK-7, ED-2); every environment may override any of them.
 * 001: p95 < 400 ms, 99.5 % a month, regression > 20 %; 003: response time > 2 s, RTO 1 h, RPO 24 h;
 * the backup margin: 26 h for a daily backup. 001's "errors < 1 %" is met by 99.5 %, which lets
 * 0.5 % fail; one objective, so the error-rate page cannot contradict the budget (issue 22).
 */
export const ALERT_DEFAULTS: Required<Pick<RawStackConfig["alerts"], AlertThresholdKey>> = {
    p95LatencyMs: 400,
    p50LatencyMs: 250,
    p99LatencyMs: 2000,
    mongodbOpLatencyMs: 100,
    availabilityPercent: 99.5,
    // The route alerts' guard before issue 22, now shared with the SLO pages.
    minRequestsPerMinute: 1,
    highResponseTimeMs: 2000,
    latencyRegressionPercent: 20,
    authFailurePercent: 10,
    routeServerErrorPercent: 5,
    routeClientErrorPercent: 25,
    websocketDropPercent: 50,
    queueFailedJobsPerMinute: 5,
    queueBacklogJobs: 1000,
    podRestartsPer15m: 3,
    cpuThrottlingPercent: 25,
    memoryLimitPercent: 90,
    dbConnectionsPercent: 80,
    replicationLagSeconds: 30,
    redisMemoryPercent: 90,
    diskFullWithinHours: 24,
    backupMarginHours: 2,
    backupSizeDropPercent: 50,
    rtoTargetMinutes: 60,
    rpoTargetHours: 24,
    certificateExpiryDays: 14,
    r2BudgetPercent: 80,
};

/**
 * The request-duration histogram's bucket edges, in seconds, that the metrics contract asks every api
 * and web app to expose (README, "The metrics contract"). The latency SLO counts the requests slower
 * than alerts.p95LatencyMs from the bucket at that edge, so the objective must be one of them.
 */
export const HTTP_DURATION_BUCKETS_SECONDS = [0.1, 0.25, 0.4, 0.5, 1, 2, 2.5, 5, 10] as const;

/** Production: an app that takes traffic is expected to take some every minute (NoTraffic); elsewhere an idle hour is normal. */
export function defaultExpectsTraffic(role: AppConfig["role"], env: Environment): boolean {
    return env.isProduction && role !== "worker";
}

/**
 * The p50 and p99 thresholds (OB-2): the runbook's numbers (250 ms, and 003's 2 s) unless the p95
 * objective leaves them on the wrong side of it, where they follow it (half of it, twice it).
 */
export function latencyPercentiles(raw: Pick<RawStackConfig["alerts"], "p50LatencyMs" | "p95LatencyMs" | "p99LatencyMs">): { p50LatencyMs: number; p99LatencyMs: number } {
    const p95 = raw.p95LatencyMs ?? ALERT_DEFAULTS.p95LatencyMs;
    return {
        p50LatencyMs: raw.p50LatencyMs ?? (ALERT_DEFAULTS.p50LatencyMs < p95 ? ALERT_DEFAULTS.p50LatencyMs : Math.max(MIN_PERCENTILE_LATENCY_MS, Math.round(p95 / 2))),
        p99LatencyMs: raw.p99LatencyMs ?? (ALERT_DEFAULTS.p99LatencyMs > p95 ? ALERT_DEFAULTS.p99LatencyMs : Math.min(MAX_PERCENTILE_LATENCY_MS, p95 * 2)),
    };
}

/** The p50 and p99 thresholds' range: the request-duration histogram can show a quantile above and below each. */
export const MIN_PERCENTILE_LATENCY_MS = 60;
export const MAX_PERCENTILE_LATENCY_MS = 9900;

export function resolveAlerts(raw: RawStackConfig["alerts"]): ResolvedAlerts {
    const thresholds = Object.fromEntries(
        (Object.keys(ALERT_DEFAULTS) as AlertThresholdKey[]).map((k) => [k, raw[k] ?? ALERT_DEFAULTS[k]]),
    ) as Required<Pick<RawStackConfig["alerts"], AlertThresholdKey>>;
    return {
        ...thresholds,
        ...latencyPercentiles(raw),
        monitoringNamespace: raw.monitoringNamespace ?? "monitoring",
        selectorLabels: raw.selectorLabels ?? { release: "kube-prometheus-stack" },
        runbookBaseUrl: raw.runbookBaseUrl ?? "docs/alerts.md",
        routes: raw.routes,
        rules: raw.rules ?? [],
        ...(raw.backupReplicaLagHours !== undefined ? { backupReplicaLagHours: raw.backupReplicaLagHours } : {}),
    };
}

/** One restore-drill CronJob: which bucket and datastore it restores, and when. */
export interface DrillTarget {
    name: string;
    /** The stack the backups belong to (the metrics' `stack` label). */
    stack: string;
    bucket: string;
    datastore: "postgres" | "mongodb" | "redis";
    schedule: string;
    /** The target stack's asset URLs, sampled after its restore (004); never another stack's. */
    assetUrls: string[];
}

/**
 * The backups section of the stack model: the resolved settings, and what this stack's datastores
 * make of them: every job's target, and every prefix of the backups bucket with its retention.
 */
export interface StackBackups extends ResolvedBackups {
    /** Every backup CronJob's target, the database's first (BK-1): schedule, retention and prefix. */
    targets: ResolvedBackupTarget[];
    /** Every prefix of the backups bucket this stack writes, with the days it keeps and locks its objects (BK-2, BK-4, issue 17 #10). */
    bucketPrefixRetentionDays: Record<string, number>;
}

export interface ResolvedBackups {
    bucket: string;
    schedule: string;
    oplogSchedule: string;
    /** Primary-data retention (BK-2). */
    retentionDays: number;
    /** Days each datastore prefix keeps its objects and locks them (BK-2, BK-4). */
    prefixRetentionDays: Record<BackupDatastore, number>;
    /** Days the monthly generation (`monthly/<datastore>/`, MONTHLY_DATASTORES only) keeps and locks its copies; 0 for none (issue 17 #10). */
    monthlyRetentionDays: number;
    encryptionRecipient: string;
    image: string;
    pushgatewayUrl: string;
    restoreDrillSchedule: string;
    rotation: { backupJobs: string; drill: string; assets: string; analytics: string };
    /** The second copy of every backup (BK-3, BK-4): another account's or provider's bucket. Its credentials stay in the config's secrets. */
    replica?: ResolvedReplica;
    /** Present only when the stack holds the drill's key (never in production, BK-3). */
    drill?: {
        targets: DrillTarget[];
        minRows: Record<string, number>;
        checkCommand?: string;
        restoreJobs: number;
        /** The app's role, which must read `appTables` (every table when empty) after a restore (issue 17 #2). */
        appRole?: string;
        appTables: string[];
        /** The largest tables must hold this fraction of their rows in the previous backup (issue 17 #7). */
        rowCountFraction: number;
        /** A timestamp column whose newest value is no older than `maxRowAgeSeconds` (issue 17 #7). */
        newestRow?: string;
        /** The RPO target (alerts.rpoTargetHours), in seconds. */
        maxRowAgeSeconds: number;
        /** A check in an app's own image against the restored PostgreSQL (BK-6, 004); see resolveDrillAppCheck. */
        appCheck?: ResolvedDrillAppCheck;
    };
}

/** What the drill's app check runs with: the app's image and how the app runs, nothing of its secrets. */
export interface ResolvedDrillAppCheck {
    /** The app whose image runs the check. */
    app: string;
    /** The app's pinned image. */
    image: string;
    /** The app's user; its root filesystem is read-only and only `writablePaths` are writable, as in its pods. */
    runAsUser: number;
    writablePaths: string[];
    resources: ResolvedApp["resources"];
    /** The check's `command`, then its `args`. */
    command: string[];
    timeoutSeconds: number;
    /** The env names the app reads its database through (DATABASE_URL, its readerUrlEnv): each gets the scratch copy's URL. */
    connectionEnv: string[];
}

/** BK-6: an app check that has not finished in five minutes is stuck (prisma migrate status takes seconds). */
export const DEFAULT_APP_CHECK_TIMEOUT_SECONDS = 300;

/**
 * `backups.drill.appCheck` resolved against its app (`connection`: the env name of the database's
 * connection string, from the database's variant). Undefined without one, and when it names no app or
 * the database is not PostgreSQL: config/rulesBackups.ts refuses those at their keys.
 */
export function resolveDrillAppCheck(raw: RawStackConfig, env: Environment, connection: string): ResolvedDrillAppCheck | undefined {
    const check = raw.backups.drill?.appCheck;
    if (check === undefined || raw.database.engine !== "postgres") return undefined;
    const found = raw.apps.find((a) => a.name === check.app);
    if (found === undefined) return undefined;
    const app = resolveApp(found, env);
    return {
        app: app.name,
        image: app.image,
        runAsUser: app.runAsUser,
        writablePaths: app.writablePaths,
        resources: app.resources,
        command: [...check.command, ...(check.args ?? [])],
        timeoutSeconds: check.timeoutSeconds ?? DEFAULT_APP_CHECK_TIMEOUT_SECONDS,
        connectionEnv: [connection, ...(app.readerUrlEnv !== undefined ? [app.readerUrlEnv] : [])],
    };
}

/** R2's S3 endpoint for an account: where the primary backups bucket is. */
export function r2Endpoint(accountId: string): string {
    return `https://${accountId}.r2.cloudflarestorage.com`;
}

/** `backups.replica` resolved: where the copies go. The credentials are read as secrets, never kept here. */
export interface ResolvedReplica {
    /** https URL of the replica's S3 endpoint, without a trailing slash. */
    endpoint: string;
    bucket: string;
    /** Defaults to `auto`. */
    region: string;
}

/** BK-3: the replica's region when the stack names none (R2's, and what most S3-compatible providers accept). */
export const DEFAULT_REPLICA_REGION = "auto";

/**
 * How far, in seconds, a prefix's replica may trail the primary before BackupReplicaLagging fires:
 * `alerts.backupReplicaLagHours`, else the backup's period plus the backup margin (never more than
 * one extra period), the same allowance BackupTooOld gives the backup itself.
 */
export function replicaLagLimitSeconds(periodSeconds: number, thresholds: { backupMarginHours: number; backupReplicaLagHours?: number }): number {
    if (thresholds.backupReplicaLagHours !== undefined) return thresholds.backupReplicaLagHours * 3600;
    return periodSeconds + Math.min(thresholds.backupMarginHours * 3600, periodSeconds);
}

/**
 * Issue 17 #10: the datastores whose first full backup of each month is also kept in a monthly
 * generation. Not the oplog captures (they only replay onto the full backup they follow) and not Redis
 * (queues and cache: 003 keeps 7 days).
 */
export const MONTHLY_DATASTORES: readonly BackupDatastore[] = ["postgres", "mongodb"];

/** The monthly generation's prefix, beside the datastore's and not under it: R2 lifecycle and lock rules match by prefix. */
export function monthlyPrefix(datastore: BackupDatastore): string {
    return `monthly/${datastore}`;
}

/** Issue 17 #10: twelve monthly backups in production, as barman and pgBackRest keep them; two months elsewhere. */
export function defaultMonthlyRetentionDays(env: Environment): number {
    return env.isProduction ? 365 : 60;
}

/** A monthly copy must outlive the newest daily backup by a month, so the newest monthly copy is never the first to expire. */
export const MONTHLY_MARGIN_DAYS = 31;

/**
 * Every prefix of the backups bucket a stack writes, with the days it keeps (and locks) its objects:
 * each backed-up datastore, and the monthly generation of those in MONTHLY_DATASTORES.
 */
export function backupPrefixRetention(backups: Pick<ResolvedBackups, "prefixRetentionDays" | "monthlyRetentionDays">, backedUp: readonly BackupDatastore[]): Record<string, number> {
    const prefixes: Record<string, number> = {};
    for (const d of backedUp) prefixes[d] = backups.prefixRetentionDays[d];
    if (backups.monthlyRetentionDays > 0) {
        for (const d of backedUp.filter((x) => MONTHLY_DATASTORES.includes(x))) prefixes[monthlyPrefix(d)] = backups.monthlyRetentionDays;
    }
    return prefixes;
}

/**
 * Where the backup and drill jobs push metrics unless the stack says otherwise: the Pushgateway
 * `kubernetes.platform: install` puts in the monitoring namespace (its Service's name and port).
 */
export function defaultPushgatewayUrl(monitoringNamespace: string): string {
    return `http://${PUSHGATEWAY_SERVICE.name}.${monitoringNamespace}.svc:${PUSHGATEWAY_SERVICE.port}`;
}

/** The Pushgateway's Service as `kubernetes.platform: install` creates it. */
export const PUSHGATEWAY_SERVICE = { name: "prometheus-pushgateway", port: 9091 } as const;

/** BK-2: primary data keeps `retentionDays`; Redis keeps 7 days (003); nothing keeps less than 7. */
export function defaultPrefixRetentionDays(retentionDays: number): Record<BackupDatastore, number> {
    return { postgres: retentionDays, mongodb: retentionDays, "mongodb-oplog": retentionDays, redis: Math.min(7, retentionDays) };
}

/** The schedules and per-prefix retention the datastores' backup targets are made from (BK-1, BK-2). */
export function resolveBackupPlan(backups: RawStackConfig["backups"], env: Environment): BackupPlan & { retentionDays: number } {
    const retentionDays = backups.retentionDays ?? defaultRetentionDays(env);
    return {
        schedule: backups.schedule ?? DEFAULT_BACKUP_SCHEDULE,
        oplogSchedule: backups.oplogSchedule ?? DEFAULT_OPLOG_SCHEDULE,
        retentionDays,
        prefixRetentionDays: { ...defaultPrefixRetentionDays(retentionDays), ...stripUndefined(backups.prefixRetentionDays ?? {}) },
    };
}

type DrillTargetConfig = NonNullable<NonNullable<RawStackConfig["backups"]["drill"]>["targets"]>[number];

/**
 * The `backups` section resolved. `ownTargets` are the stack's own backup targets (its datastores'),
 * whose full backups the drill restores; see resolveConfig.
 */
export function resolveBackups(raw: RawStackConfig, env: Environment, ownTargets: readonly ResolvedBackupTarget[]): ResolvedBackups {
    const b = raw.backups;
    const { schedule, oplogSchedule, retentionDays, prefixRetentionDays } = resolveBackupPlan(b, env);
    const restoreDrillSchedule = b.restoreDrillSchedule ?? defaultRestoreDrillSchedule(env);
    const drill = b.drill;
    return {
        bucket: b.bucket,
        schedule,
        oplogSchedule,
        retentionDays,
        prefixRetentionDays,
        monthlyRetentionDays:
            b.monthlyRetentionDays ?? Math.max(defaultMonthlyRetentionDays(env), ...MONTHLY_DATASTORES.map((d) => prefixRetentionDays[d] + MONTHLY_MARGIN_DAYS)),
        encryptionRecipient: b.encryptionRecipient,
        image: b.image,
        pushgatewayUrl: b.pushgatewayUrl ?? defaultPushgatewayUrl(raw.alerts.monitoringNamespace ?? "monitoring"),
        restoreDrillSchedule,
        rotation: {
            backupJobs: b.rotation?.backupJobs ?? "initial",
            drill: b.rotation?.drill ?? "initial",
            assets: b.rotation?.assets ?? "initial",
            analytics: b.rotation?.analytics ?? "initial",
        },
        ...(b.replica !== undefined
            ? { replica: { endpoint: b.replica.endpoint.replace(/\/$/, ""), bucket: b.replica.bucket, region: b.replica.region ?? DEFAULT_REPLICA_REGION } }
            : {}),
        drill: drill && {
            targets: [
                // BK-6: each of the stack's own full backups (not the oplog captures, which replay onto one).
                ...ownTargets
                    .filter((t) => t.full)
                    .map((t): DrillTargetConfig => ({ name: `${env.stack}-${t.datastore}`, bucket: b.bucket, datastore: t.datastore as DrillTarget["datastore"], assetUrls: drill.assetUrls })),
                ...(drill.targets ?? []),
            ].map((t) => ({ ...t, stack: t.stack ?? env.stack, schedule: t.schedule ?? restoreDrillSchedule, assetUrls: t.assetUrls ?? [] })),
            minRows: drill.minRows ?? {},
            checkCommand: drill.checkCommand,
            restoreJobs: drill.restoreJobs ?? 1,
            appRole: drill.appRole,
            appTables: drill.appTables ?? [],
            rowCountFraction: drill.rowCountFraction ?? 0.9,
            newestRow: drill.newestRow,
            maxRowAgeSeconds: (raw.alerts.rpoTargetHours ?? ALERT_DEFAULTS.rpoTargetHours) * 3600,
        },
    };
}

/** WL-4: 003 sizes the API at 2Gi / 1000m. */
export const DEFAULT_APP_RESOURCES = { cpuRequest: "250m", memoryRequest: "512Mi", cpuLimit: "1000m", memoryLimit: "2Gi" };

/** BK-6: a weekly test restore in staging, a quarterly drill in production. */
export function defaultRestoreDrillSchedule(env: Environment): string {
    return env.isProduction ? "0 5 1 1,4,7,10 *" : "0 5 * * 1";
}

/** WL-1: production runs 3 API pods (003 scales the API to 3) and 2 of anything else; elsewhere 1. */
export function defaultReplicas(role: AppConfig["role"], env: Environment): number {
    if (!env.isProduction) return 1;
    return role === "api" ? 3 : 2;
}

/** The pod count an app starts with: `replicas`, else the autoscaling floor, else the role's default. */
export function appReplicas(app: Pick<AppConfig, "replicas" | "autoscaling" | "role">, env: Environment): number {
    return app.replicas ?? app.autoscaling?.minReplicas ?? defaultReplicas(app.role, env);
}

/** Target utilisation of the autoscaler, in percent of the requests. */
export const DEFAULT_CPU_PERCENT = 70;
export const DEFAULT_MEMORY_PERCENT = 80;
/** WL-5: a migration gets 10 minutes and one retry before the deploy stops. */
export const DEFAULT_MIGRATION_TIMEOUT_SECONDS = 600;
export const DEFAULT_MIGRATION_BACKOFF_LIMIT = 1;
/** The `node` user of the official Node.js images. */
export const DEFAULT_RUN_AS_USER = 1000;
/** Next.js writes its image and fetch cache here (standalone output in /app). */
export const NEXT_CACHE_PATH = "/app/.next/cache";

export function resolveApp(app: AppConfig, env: Environment): ResolvedApp {
    const replicas = appReplicas(app, env);
    const scaling = app.autoscaling;
    // Production always autoscales (WL-1); by default up to twice its floor.
    const autoscaling: ResolvedAutoscaling | undefined =
        scaling !== undefined || env.isProduction
            ? {
                  minReplicas: Math.max(1, replicas),
                  maxReplicas: scaling?.maxReplicas ?? Math.max(1, replicas) * 2,
                  cpuPercent: scaling?.cpuPercent ?? DEFAULT_CPU_PERCENT,
                  memoryPercent: scaling?.memoryPercent ?? DEFAULT_MEMORY_PERCENT,
              }
            : undefined;
    const migrate = app.migrate && {
        command: app.migrate.command,
        timeoutSeconds: app.migrate.timeoutSeconds ?? DEFAULT_MIGRATION_TIMEOUT_SECONDS,
        backoffLimit: app.migrate.backoffLimit ?? DEFAULT_MIGRATION_BACKOFF_LIMIT,
    };
    const extraPaths = app.writablePaths ?? (app.role === "web" ? [NEXT_CACHE_PATH] : []);
    return {
        name: app.name,
        image: app.image,
        role: app.role,
        port: app.port,
        healthPath: app.healthPath,
        readinessPath: app.readinessPath,
        replicas,
        autoscaling,
        startupPath: app.startupPath ?? app.healthPath,
        websocketPaths: app.websocketPaths ?? [],
        expectsTraffic: app.expectsTraffic ?? defaultExpectsTraffic(app.role, env),
        migrate,
        env: app.env ?? {},
        secretRefs: app.secretRefs ?? [],
        resources: { ...DEFAULT_APP_RESOURCES, ...stripUndefined(app.resources ?? {}) },
        runAsUser: app.runAsUser ?? DEFAULT_RUN_AS_USER,
        writablePaths: ["/tmp", ...extraPaths.filter((p) => p !== "/tmp")],
        ...(app.r2Env !== undefined ? { r2Env: app.r2Env } : {}),
        ...(app.readerUrlEnv !== undefined ? { readerUrlEnv: app.readerUrlEnv } : {}),
        ...(app.command !== undefined ? { command: app.command } : {}),
        ...(app.args !== undefined ? { args: app.args } : {}),
        featureFlags: featureFlagEnv(app.featureFlags ?? {}),
        ...(app.requestTimeoutSeconds !== undefined ? { requestTimeout: { seconds: app.requestTimeoutSeconds, env: app.requestTimeoutEnv ?? DEFAULT_REQUEST_TIMEOUT_ENV } } : {}),
    };
}

/** The variable that carries an app's request timeout when `requestTimeoutEnv` is not set (WL-8). */
export const DEFAULT_REQUEST_TIMEOUT_ENV = "REQUEST_TIMEOUT_MS";

/** `{ NEW_CHECKOUT: false }` as the app reads it: `{ FLAG_NEW_CHECKOUT: "false" }` (WL-8). */
export function featureFlagEnv(flags: Record<string, boolean | string>): Record<string, string> {
    return Object.fromEntries(Object.entries(flags).map(([name, value]) => [`FLAG_${name}`, String(value)]));
}

/**
 * A bucket with its defaults. `prefixRetentionDays`: the prefixes the stack writes to its backups
 * bucket (`isBackupTarget`), with their retention (StackBackups.bucketPrefixRetentionDays).
 */
export function resolveBucket(bucket: BucketConfig, backupRetentionDays: number, isBackupTarget: boolean, prefixRetentionDays?: Record<string, number>): ResolvedBucket {
    const lifecycle = bucket.lifecycle ?? {};
    const prefixes = isBackupTarget && prefixRetentionDays !== undefined && Object.keys(prefixRetentionDays).length > 0 ? prefixRetentionDays : undefined;
    return {
        ...bucket,
        ...(bucket.purpose === "backups" ? { retention: { lockDays: backupRetentionDays, ...(prefixes ? { prefixRetentionDays: prefixes } : {}) } } : {}),
        lifecycle: {
            // Dumps outlive their retention by nothing: BK-2 is the contract.
            expireAfterDays: lifecycle.expireAfterDays ?? (isBackupTarget ? backupRetentionDays : undefined),
            infrequentAccessAfterDays: lifecycle.infrequentAccessAfterDays ?? (bucket.purpose === "backups" ? undefined : 30),
            abortMultipartAfterDays: lifecycle.abortMultipartAfterDays ?? 7,
        },
    };
}

export function resolveConfig(raw: RawStackConfig, env: Environment): StackConfig {
    // The datastores' variants first: their backup targets are what the backups and the bucket's prefixes are made of.
    const plan = resolveBackupPlan(raw.backups, env);
    const database = resolveDatabase(raw, env, plan);
    const redis = resolveRedis(raw.redis, env, plan);
    const targets = stackBackupTargets({ database, redis });
    const backups = resolveBackups(raw, env, targets);
    // Issue 17 #10: the monthly generation of the full backups beside the datastores' prefixes.
    const bucketPrefixRetentionDays = backupPrefixRetention(
        backups,
        targets.map((t) => t.datastore),
    );
    return {
        environment: env,
        apps: raw.apps.map((a) => resolveApp(a, env)),
        database,
        redis,
        storage: {
            accountId: raw.storage.accountId,
            buckets: raw.storage.buckets.map((b) => resolveBucket(b, backups.retentionDays, b.name === raw.backups.bucket, bucketPrefixRetentionDays)),
            usage: { schedule: R2_USAGE_SCHEDULE },
        },
        backups: { ...backups, ...withAppCheck(backups, resolveDrillAppCheck(raw, env, database.env.connection)), targets, bucketPrefixRetentionDays },
        edge: resolveEdge(raw.edge, env),
        alerts: resolveAlerts(raw.alerts),
        network: resolveNetwork(raw.network),
        logs: resolveLogs(raw.kubernetes, raw.alerts.monitoringNamespace ?? "monitoring", env),
        kubernetes: {
            context: raw.kubernetes.context,
            namespace: raw.kubernetes.namespace ?? "runbook",
            storageClass: raw.kubernetes.storageClass,
            platform: raw.kubernetes.platform ?? "existing",
            dnsEgress: {
                namespace: raw.kubernetes.dnsEgress?.namespace ?? DNS_EGRESS_DEFAULTS.namespace,
                podLabels: raw.kubernetes.dnsEgress?.podLabels ?? DNS_EGRESS_DEFAULTS.podLabels,
                cidrs: raw.kubernetes.dnsEgress?.cidrs ?? DNS_EGRESS_DEFAULTS.cidrs,
            },
        },
        providers: { aws: raw.providers.aws },
        secretNames: Object.keys(raw.secrets ?? {}),
    };
}

/** The drill with its app check, when it has one. */
function withAppCheck(backups: ResolvedBackups, appCheck: ResolvedDrillAppCheck | undefined): Partial<ResolvedBackups> {
    return backups.drill !== undefined && appCheck !== undefined ? { drill: { ...backups.drill, appCheck } } : {};
}

function stripUndefined<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
