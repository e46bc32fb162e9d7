import { JOB_IMAGE_POSTGRES_MAJOR, JOB_IMAGE_REDIS, newerThan } from "./jobImage";
import { exportBucketAccess } from "./elastiCacheExport";
import { ConfigProblem } from "./problems";
import { Environment, MONTHLY_DATASTORES, MONTHLY_MARGIN_DAYS, resolveBackupPlan } from "./resolve";
import { BACKUP_DATASTORES, RawStackConfig } from "./schema";

/*
 * Cross-field rules for backups: where the drill's private key may live (BK-3), how long primary
 * data is kept in production (BK-2), and drill settings that would silently do nothing. Runs on
 * schema-valid config, from `crossFieldProblems`.
 */

/** BK-2: primary data is kept 14–30 days; production never keeps it less than 14. */
export const PRODUCTION_PRIMARY_MIN_DAYS = 14;

export function backupProblems(raw: RawStackConfig, env: Environment): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const b = raw.backups;
    // BK-1, BK-6: the job image must be able to dump and restore what the stack runs.
    if (raw.database.engine === "postgres" && raw.database.engineVersion !== undefined && Number(raw.database.engineVersion.split(".")[0]) > JOB_IMAGE_POSTGRES_MAJOR) {
        problems.push({
            path: "database.engineVersion",
            value: raw.database.engineVersion,
            message: `is newer than the PostgreSQL ${JOB_IMAGE_POSTGRES_MAJOR} client of the backup job image, whose pg_dump cannot dump it`,
            requirement: "BK-1",
            fix: `stay on ${JOB_IMAGE_POSTGRES_MAJOR} or older, or first rebuild scripts/backup/Dockerfile with a newer postgresql-client and raise JOB_IMAGE_POSTGRES_MAJOR`,
        });
    }
    if (raw.redis?.mode === "in-cluster" && raw.redis.engineVersion !== undefined && newerThan(raw.redis.engineVersion, JOB_IMAGE_REDIS)) {
        problems.push({
            path: "redis.engineVersion",
            value: raw.redis.engineVersion,
            message: `is newer than the redis-server ${JOB_IMAGE_REDIS} of the backup job image, which could not load its snapshots in a restore drill`,
            requirement: "BK-6",
            fix: `use ${JOB_IMAGE_REDIS} or older, or first rebuild scripts/backup/Dockerfile with a newer redis-server and raise JOB_IMAGE_REDIS`,
        });
    }
    // BK-1: ElastiCache's daily backup goes through an export to S3, which needs a grant this program
    // can only declare in the commercial partition.
    const region = raw.providers.aws?.region;
    if (raw.redis?.mode === "elasticache" && region !== undefined) {
        const access = exportBucketAccess(region);
        if ("unsupported" in access) {
            problems.push({
                path: "providers.aws.region",
                value: region,
                message: `cannot take the ElastiCache backup: ${access.unsupported}`,
                requirement: "BK-1",
                fix: "run ElastiCache in a commercial AWS region, or use redis.mode: in-cluster, which the backup job dumps directly",
            });
        }
    }
    if (env.isProduction) {
        if (b.retentionDays !== undefined && b.retentionDays < PRODUCTION_PRIMARY_MIN_DAYS) {
            problems.push({
                path: "backups.retentionDays",
                value: b.retentionDays,
                message: `keeps production's primary data less than ${PRODUCTION_PRIMARY_MIN_DAYS} days`,
                requirement: "BK-2",
                fix: `set ${PRODUCTION_PRIMARY_MIN_DAYS}–3650 (the runbook keeps 30)`,
            });
        }
        for (const datastore of BACKUP_DATASTORES.filter((d) => d !== "redis")) {
            const days = b.prefixRetentionDays?.[datastore];
            if (days !== undefined && days < PRODUCTION_PRIMARY_MIN_DAYS) {
                problems.push({
                    path: `backups.prefixRetentionDays.${datastore}`,
                    value: days,
                    message: `keeps production's primary data less than ${PRODUCTION_PRIMARY_MIN_DAYS} days`,
                    requirement: "BK-2",
                    fix: `set at least ${PRODUCTION_PRIMARY_MIN_DAYS}, or remove it to keep backups.retentionDays`,
                });
            }
        }
        if (b.drill !== undefined) {
            problems.push({
                path: "backups.drill",
                message: "puts the key that decrypts every backup into the production cluster",
                requirement: "BK-3",
                fix: "remove backups.drill from the production stack; drill production's backups from staging (backups.drill.targets in Pulumi.staging.yaml)",
            });
        }
    }
    // Issue 17 #10: the monthly generation outlives the newest daily backup, so a stack whose backups
    // stop keeps a good one; production may not go without it.
    const monthly = b.monthlyRetentionDays;
    if (monthly !== undefined) {
        const daily = resolveBackupPlan(b, env).prefixRetentionDays;
        const longest = Math.max(...MONTHLY_DATASTORES.map((d) => daily[d] ?? 0));
        if (monthly === 0 && env.isProduction) {
            problems.push({
                path: "backups.monthlyRetentionDays",
                value: monthly,
                message: "keeps no monthly backup in production: if the backups stop, the last good one expires with the daily retention",
                requirement: "BK-2",
                fix: `set at least ${longest + MONTHLY_MARGIN_DAYS} (365 keeps twelve monthly backups), or remove it for the default`,
            });
        } else if (monthly > 0 && monthly < longest + MONTHLY_MARGIN_DAYS) {
            problems.push({
                path: "backups.monthlyRetentionDays",
                value: monthly,
                message: `does not outlive the daily backups (${longest} days) by a month, so the newest monthly copy could expire before the newest daily one`,
                requirement: "BK-2",
                fix: `set at least ${longest + MONTHLY_MARGIN_DAYS}, or 0 for none outside production`,
            });
        }
    }
    const ownNames = [`${env.stack}-${raw.database.engine}`, `${env.stack}-redis`];
    (b.drill?.targets ?? []).forEach((t, i) => {
        const names = (b.drill?.targets ?? []).map((x) => x.name);
        if (names.indexOf(t.name) !== i || ownNames.includes(t.name)) {
            problems.push({
                path: `backups.drill.targets[${i}].name`,
                value: t.name,
                message: "is used by another drill (this stack's own drills are named <stack>-<datastore>)",
                requirement: "BK-6",
                fix: "give every target a unique name",
            });
        }
        if (t.bucket === b.bucket) {
            problems.push({
                path: `backups.drill.targets[${i}].bucket`,
                value: t.bucket,
                message: "is this stack's own backups bucket, which is drilled already",
                requirement: "BK-6",
                fix: "list only other stacks' buckets in backups.drill.targets",
            });
        }
    });
    return problems;
}
