/*
 * The metrics the backup and restore-drill jobs publish, and the alert rules read (OB-6, BK-6). One
 * declaration of the names, so the jobs that push them and the rules that page on them cannot drift.
 *
 * Every job pushes to the Prometheus Pushgateway under `job="runbook-backup"` (backups) or
 * `job="runbook-restore-drill"` (drills), grouped by `datastore` and `stack`, so a new push replaces
 * the previous one for the same datastore. Times are Unix seconds.
 */

/** The Pushgateway job label of the backup CronJobs. */
export const BACKUP_PUSH_JOB = "runbook-backup";
/** The Pushgateway job label of the restore-drill CronJobs. */
export const DRILL_PUSH_JOB = "runbook-restore-drill";

/** What a backup or drill is about: `postgres`, `mongodb`, `mongodb-oplog` or `redis`. */
export const DATASTORE_LABEL = "datastore";
export const STACK_LABEL = "stack";

export const BACKUP_METRICS = {
    /** Gauge: when the last backup that was uploaded and promoted finished. */
    lastSuccessTimestamp: "runbook_backup_last_success_timestamp_seconds",
    /** Gauge: when the last backup attempt ended, good or not. */
    lastRunTimestamp: "runbook_backup_last_run_timestamp_seconds",
    /** Gauge: 1 when the last attempt succeeded, 0 when it failed. */
    lastRunSuccess: "runbook_backup_last_run_success",
    /** Gauge: size of the last good encrypted object, in bytes. */
    sizeBytes: "runbook_backup_size_bytes",
    /**
     * Gauge: size of the good backup before it, in bytes, or 0 when it had none: a sharp drop between
     * the two (BackupSizeDropped) is a database wiped, or dumped from the wrong place (issue 17 #7).
     */
    previousSizeBytes: "runbook_backup_previous_size_bytes",
    /** Gauge: duration of the last attempt, in seconds. */
    durationSeconds: "runbook_backup_duration_seconds",
} as const;

/**
 * What a backup job with a replica (`backups.replica`, BK-3) pushes beside BACKUP_METRICS, under the
 * same job, datastore and stack, after it copied the promoted backup to the second site.
 */
export const BACKUP_REPLICA_METRICS = {
    /** Gauge: when the last copy that reached the replica and matched the recorded SHA-256 finished. */
    lastSuccessTimestamp: "runbook_backup_replica_last_success_timestamp_seconds",
    /** Gauge: 1 when the last copy to the replica succeeded, 0 when it failed (the primary backup is promoted either way). */
    lastRunSuccess: "runbook_backup_replica_last_run_success",
    /**
     * Gauge: how many seconds the replica's newest backup of the datastore is older than the primary's
     * (0 when it holds the newest), from their names; not pushed when either cannot be listed.
     */
    lagSeconds: "runbook_backup_replica_lag_seconds",
} as const;

export const DRILL_METRICS = {
    /** Gauge: when the last drill that restored and passed every check finished. */
    lastSuccessTimestamp: "runbook_restore_drill_last_success_timestamp_seconds",
    /** Gauge: when the last drill attempt ended. */
    lastRunTimestamp: "runbook_restore_drill_last_run_timestamp_seconds",
    /** Gauge: 1 when the last drill passed, 0 when it failed. */
    lastRunSuccess: "runbook_restore_drill_last_run_success",
    /** Gauge: measured recovery time: fetch, verify, decrypt and restore, in seconds (BK-7). */
    rtoSeconds: "runbook_restore_drill_rto_seconds",
    /** Gauge: measured recovery point: age of the restored backup when the drill started, in seconds (BK-7). */
    rpoSeconds: "runbook_restore_drill_rpo_seconds",
} as const;

/** Pushed with the drill's metrics, only by a drill that ran its app check (`backups.drill.appCheck`, BK-6). */
export const DRILL_APP_CHECK_METRICS = {
    /** Gauge: 1 when the app check exited 0, 0 otherwise. */
    success: "runbook_restore_drill_app_check_success",
    /** Gauge: 1 when the app check was stopped at its timeout, or gave no result. */
    timedOut: "runbook_restore_drill_app_check_timed_out",
    /** Gauge: the app check's exit status, when it exited. */
    exitCode: "runbook_restore_drill_app_check_exit_code",
    /** Gauge: seconds from the handover of the restored database to the check's result. */
    seconds: "runbook_restore_drill_app_check_seconds",
} as const;
