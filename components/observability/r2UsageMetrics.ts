/*
 * The metrics the R2 usage job (scripts/backup/r2-usage.sh) pushes and the storage alerts read (ST-1,
 * ST-2). One declaration of the names, so the job and the rules cannot drift; the integration test
 * checks that the script pushes exactly these.
 *
 * The job pushes to the Pushgateway under `job="runbook-r2-usage"`, grouped by `stack`. A good run
 * replaces the whole group (a bucket removed from the stack stops being reported); a failed run adds
 * only its failure, so the last good sizes and success time stay. Times are Unix seconds.
 */

/** The Pushgateway job label of the R2 usage CronJob. */
export const R2_USAGE_PUSH_JOB = "runbook-r2-usage";
/** The bucket a size or count is about. */
export const BUCKET_LABEL = "bucket";

export const R2_USAGE_METRICS = {
    /** Gauge, per bucket: bytes stored, objects and their metadata, at Cloudflare's newest storage sample. */
    sizeBytes: "runbook_r2_bucket_size_bytes",
    /** Gauge, per bucket: objects stored, at the same sample. */
    objects: "runbook_r2_bucket_objects",
    /** Gauge: when the last run that read every bucket finished. */
    lastSuccessTimestamp: "runbook_r2_usage_last_success_timestamp_seconds",
    /** Gauge: when the last run ended, good or not. */
    lastRunTimestamp: "runbook_r2_usage_last_run_timestamp_seconds",
    /** Gauge: 1 when the last run read every bucket, 0 when it failed. */
    lastRunSuccess: "runbook_r2_usage_last_run_success",
} as const;
