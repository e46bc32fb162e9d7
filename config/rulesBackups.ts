import { JOB_IMAGE_POSTGRES_MAJOR, JOB_IMAGE_REDIS, newerThan } from "./jobImage";
import { exportBucketAccess } from "./elastiCacheExport";
import { ConfigProblem } from "./problems";
import { Environment, MONTHLY_DATASTORES, MONTHLY_MARGIN_DAYS, r2Endpoint, resolveBackupPlan } from "./resolve";
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
    problems.push(...appCheckProblems(raw));
    problems.push(...replicaProblems(raw));
    return problems;
}

/**
 * BK-3: the replica is a second site, so it may not be the primary's own Cloudflare account (any
 * bucket there shares the primary's account, its tokens and its fate); and a replica lag threshold
 * without a replica would silently watch nothing.
 */
export function replicaProblems(raw: RawStackConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const replica = raw.backups.replica;
    if (replica !== undefined) {
        const host = new URL(replica.endpoint).hostname.toLowerCase();
        const primaryHost = new URL(r2Endpoint(raw.storage.accountId)).hostname;
        // R2 also serves jurisdictions: <account>.eu.r2.cloudflarestorage.com.
        if (host === primaryHost || (host.startsWith(`${raw.storage.accountId}.`) && host.endsWith(".r2.cloudflarestorage.com"))) {
            problems.push({
                path: "backups.replica.endpoint",
                value: replica.endpoint,
                message: `is the primary backups bucket's own Cloudflare account (storage.accountId ${raw.storage.accountId}): a replica there shares its account, tokens and outages`,
                requirement: "BK-3",
                fix: "point the replica at another account or provider, such as https://<other-account-id>.r2.cloudflarestorage.com or https://s3.<region>.amazonaws.com",
            });
        }
    }
    if (replica === undefined && raw.alerts.backupReplicaLagHours !== undefined) {
        problems.push({
            path: "alerts.backupReplicaLagHours",
            value: raw.alerts.backupReplicaLagHours,
            message: "sets the replica's lag threshold, but backups.replica is not set, so there is no replica to watch",
            requirement: "OB-6",
            fix: "set backups.replica, or remove alerts.backupReplicaLagHours",
        });
    }
    return problems;
}

/**
 * BK-6: the drill's app check runs an app's image against the restored PostgreSQL as that app reads
 * it, so the app must exist and read this stack's PostgreSQL (its connection string in secretRefs).
 */
export function appCheckProblems(raw: RawStackConfig): ConfigProblem[] {
    const check = raw.backups.drill?.appCheck;
    if (check === undefined) return [];
    const at = "backups.drill.appCheck";
    if (raw.database.engine !== "postgres") {
        return [{
            path: at,
            message: `runs against the drill's restored PostgreSQL, and this stack's database is ${raw.database.engine}`,
            requirement: "BK-6",
            fix: "remove backups.drill.appCheck; the MongoDB drill checks its restore with backups.drill.minRows",
        }];
    }
    const names = raw.apps.map((a) => a.name);
    const app = raw.apps.find((a) => a.name === check.app);
    if (app === undefined) {
        return [{ path: `${at}.app`, value: check.app, message: "names no app in apps", requirement: "BK-6", fix: `name one of the stack's apps: ${names.join(", ")}` }];
    }
    const readers = raw.apps.filter((a) => (a.secretRefs ?? []).includes("DATABASE_URL")).map((a) => a.name);
    if (!(app.secretRefs ?? []).includes("DATABASE_URL")) {
        return [{
            path: `${at}.app`,
            value: check.app,
            message: "does not read this stack's PostgreSQL (DATABASE_URL is not in its secretRefs), so its image says nothing about the restored database",
            requirement: "BK-6",
            fix: readers.length > 0 ? `name an app that reads it: ${readers.join(", ")}` : "add DATABASE_URL to the app's secretRefs, or remove backups.drill.appCheck",
        }];
    }
    return [];
}
