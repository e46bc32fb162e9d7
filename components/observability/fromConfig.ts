import type { StackConfig } from "../../config";
import { AlertApp, AlertRulesInput, BackupTarget } from "./alertRules";

/**
 * What gets backed up, and how often: the primary database on `backups.schedule` (with its hourly
 * oplog for MongoDB on `backups.oplogSchedule`, BK-1), and in-cluster Redis (ElastiCache keeps its
 * own daily snapshots, BK-2). The schedules are the CronJobs' own.
 */
export function backupTargets(config: Pick<StackConfig, "backups">): BackupTarget[] {
    // The primary database's full dump is the one whose size is watched (issue 17 #7); every prefix's
    // retention says when its newest backup would expire (issue 17 #10).
    return config.backups.targets.map((t) => ({ datastore: t.datastore, schedule: t.schedule, retentionDays: t.retentionDays, ...(t.watchSize ? { watchSize: true } : {}) }));
}

/** The generator's input from a validated stack config. */
export function alertRulesInput(config: StackConfig): AlertRulesInput {
    const { routes: _routes, monitoringNamespace: _ns, selectorLabels: _labels, runbookBaseUrl, ...thresholds } = config.alerts;
    const apps: AlertApp[] = config.apps.map((a) => {
        // websocketPaths arrives with the apps config of WL-7; read it when present.
        const websocketPaths = (a as { websocketPaths?: string[] }).websocketPaths;
        return { name: a.name, role: a.role, expectsTraffic: a.expectsTraffic, ...(websocketPaths ? { websocketPaths } : {}) };
    });
    const isProduction = config.environment.isProduction;
    return {
        stack: config.environment.stack,
        namespace: config.kubernetes.namespace,
        apps,
        databaseEngine: config.database.engine,
        mongodbMembers: config.database.engine === "mongodb" ? (config.database.members ?? (isProduction ? 3 : 1)) : undefined,
        redisMode: config.redis?.mode ?? "none",
        backups: backupTargets(config),
        restoreDrills: (config.backups.drill?.targets ?? []).map((d) => ({ stack: d.stack, datastore: d.datastore, schedule: d.schedule })),
        thresholds,
        runbookBaseUrl,
    };
}
