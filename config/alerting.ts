import { LOG_SHIPPER } from "./model";
import type { StackConfig } from "./resolve";

/*
 * The alert rules' slice of the stack model (OB-1…OB-7, BK-7, issue 18 #1): what the rule generator
 * (components/observability/alertRules.ts, its AlertRulesInput) is made from, read off the resolved
 * model. No engine or mode test here: the datastore variants already carry their backup targets and
 * members, so a new datastore adds nothing to this file.
 */

/** A backed-up prefix as the backup alerts see it; see ResolvedBackupTarget. */
export interface AlertedBackup {
    datastore: string;
    schedule: string;
    retentionDays?: number;
    /** Present (true) only for the primary database's full dump (BackupSizeDropped, issue 17 #7). */
    watchSize?: boolean;
    /** Present (true) when the stack copies every backup to a replica (BK-3). */
    replicated?: boolean;
}

/** The generator's input: structurally the AlertRulesInput the observability component takes. */
export interface AlertingModel {
    stack: string;
    namespace: string;
    apps: Array<{ name: string; role: "api" | "web" | "worker"; expectsTraffic?: boolean; websocketPaths?: string[] }>;
    databaseEngine: StackConfig["database"]["engine"];
    /** MongoDB replica-set members; undefined for an engine without a replica set. */
    mongodbMembers?: number;
    redisMode: NonNullable<StackConfig["redis"]>["mode"] | "none";
    backups: AlertedBackup[];
    restoreDrills: Array<{ stack: string; datastore: string; schedule: string }>;
    thresholds: Omit<StackConfig["alerts"], "routes" | "monitoringNamespace" | "selectorLabels" | "runbookBaseUrl" | "rules">;
    runbookBaseUrl: string;
    /** The team's own alerts (`alerts.rules`, issue 20); absent when there are none. */
    custom?: StackConfig["alerts"]["rules"];
    /** The R2 usage job's schedule, and every bucket it measures with its budget in bytes where it has one (ST-1, ST-2). */
    r2Usage: R2UsageAlerting;
    /** OB-5: the log shipper the stack installs, by its scrape job; absent when it installs none. */
    logShipping?: { job: string };
}

/** What the R2 usage alerts read: the job's schedule and the buckets, each with its budget in bytes (budgetGb × 10^9) or none. */
export interface R2UsageAlerting {
    schedule: string;
    buckets: Array<{ bucket: string; budgetBytes?: number }>;
}

/** Bytes in one GB of `storage.buckets[].budgetGb`: a decimal gigabyte, as the README's table says. */
export const BYTES_PER_GB = 1e9;

/** The R2 usage alerts' input from the model's buckets. */
export function r2UsageAlerting(storage: StackConfig["storage"]): R2UsageAlerting {
    return {
        schedule: storage.usage.schedule,
        buckets: storage.buckets.map((b) => ({ bucket: b.name, ...(b.budgetGb !== undefined ? { budgetBytes: Math.round(b.budgetGb * BYTES_PER_GB) } : {}) })),
    };
}

/**
 * What gets backed up, and how often (BK-1): the model's backup targets, whose schedules are the
 * CronJobs' own and whose retention says when the newest backup of each prefix would expire (issue 17 #10).
 */
export function alertedBackups(config: Pick<StackConfig, "backups">): AlertedBackup[] {
    return config.backups.targets.map((t) => ({
        datastore: t.datastore,
        schedule: t.schedule,
        retentionDays: t.retentionDays,
        ...(t.watchSize ? { watchSize: true } : {}),
        ...(config.backups.replica !== undefined ? { replicated: true } : {}),
    }));
}

/** The alert generator's input from the resolved stack model. */
export function alertingModel(config: StackConfig): AlertingModel {
    const { routes: _routes, monitoringNamespace: _ns, selectorLabels: _labels, runbookBaseUrl, rules, ...thresholds } = config.alerts;
    return {
        stack: config.environment.stack,
        namespace: config.kubernetes.namespace,
        apps: config.apps.map((a) => ({ name: a.name, role: a.role, expectsTraffic: a.expectsTraffic, websocketPaths: a.websocketPaths })),
        databaseEngine: config.database.engine,
        mongodbMembers: config.database.members,
        redisMode: config.redis?.mode ?? "none",
        backups: alertedBackups(config),
        restoreDrills: (config.backups.drill?.targets ?? []).map((d) => ({ stack: d.stack, datastore: d.datastore, schedule: d.schedule })),
        thresholds,
        runbookBaseUrl,
        ...(rules.length > 0 ? { custom: rules } : {}),
        r2Usage: r2UsageAlerting(config.storage),
        ...(config.logs.mode !== "none" ? { logShipping: { job: LOG_SHIPPER.name } } : {}),
    };
}
