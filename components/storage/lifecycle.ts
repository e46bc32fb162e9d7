import type { ResolvedBucket } from "../../config";

const DAY_SECONDS = 24 * 60 * 60;

/** One R2 lifecycle rule, as the Cloudflare API takes it (ages in seconds). */
export interface LifecycleRule {
    id: string;
    enabled: boolean;
    conditions: { prefix: string };
    abortMultipartUploadsTransition?: { condition: { type: "Age"; maxAge: number } };
    deleteObjectsTransition?: { condition: { type: "Age"; maxAge: number } };
    storageClassTransitions?: Array<{ condition: { type: "Age"; maxAge: number }; storageClass: "InfrequentAccess" }>;
}

/**
 * The lifecycle rules for a bucket (ST-2): unfinished multipart uploads are always aborted; objects
 * move to Infrequent Access (the cold copy) and expire when the config says so.
 */
export function lifecycleRules(bucket: ResolvedBucket): LifecycleRule[] {
    const { abortMultipartAfterDays, infrequentAccessAfterDays, expireAfterDays } = bucket.lifecycle;
    const rules: LifecycleRule[] = [
        {
            id: "abort-incomplete-multipart",
            enabled: true,
            conditions: { prefix: "" },
            abortMultipartUploadsTransition: { condition: { type: "Age", maxAge: abortMultipartAfterDays * DAY_SECONDS } },
        },
    ];
    if (infrequentAccessAfterDays !== undefined) {
        rules.push({
            id: "to-infrequent-access",
            enabled: true,
            conditions: { prefix: "" },
            storageClassTransitions: [{ condition: { type: "Age", maxAge: infrequentAccessAfterDays * DAY_SECONDS }, storageClass: "InfrequentAccess" }],
        });
    }
    if (expireAfterDays !== undefined) {
        rules.push({
            id: "expire",
            enabled: true,
            conditions: { prefix: "" },
            deleteObjectsTransition: { condition: { type: "Age", maxAge: expireAfterDays * DAY_SECONDS } },
        });
    }
    return rules;
}

/** BK-4: a backups bucket locks every object for its whole retention, so nothing can overwrite or delete a dump early. */
export function retentionLockRule(retentionDays: number) {
    return {
        id: "backups-write-once",
        enabled: true,
        prefix: "",
        condition: { type: "Age", maxAgeSeconds: retentionDays * DAY_SECONDS },
    };
}

/** Where backup jobs upload before a verified object is promoted under its datastore prefix (BK-3). */
export const INCOMING_PREFIX = "incoming/";
/**
 * Temporary uploads are never locked (a verified one is copied to its datastore prefix, where the lock
 * applies, and deleted; a failed one is not a backup) and expire after a day, so each backup is stored
 * twice for minutes, not for a week.
 */
export const INCOMING_DAYS = 1;

/**
 * The lifecycle rules of a backups bucket (BK-2, ST-2): each prefix expires at its own retention (a
 * datastore's daily backups, and its monthly generation `monthly/postgres`, issue 17 #10), temporary
 * uploads under `incoming/` after 1 day, and unfinished multipart uploads are aborted after
 * `abortMultipartAfterDays` (1 by default). `prefixRetentionDays` maps a prefix without its trailing
 * slash (`postgres`, `monthly/postgres`) to days; no prefix may lie under another, whose rule would
 * expire it too.
 */
export function backupLifecycleRules(prefixRetentionDays: Record<string, number>, abortMultipartAfterDays = 1): LifecycleRule[] {
    if (Object.keys(prefixRetentionDays).length === 0) throw new Error("a backups bucket needs at least one datastore prefix");
    const prefixes = Object.keys(prefixRetentionDays);
    for (const p of prefixes) {
        const outer = prefixes.find((q) => q !== p && p.startsWith(`${q}/`));
        if (outer !== undefined) throw new Error(`backup prefix '${p}/' lies under '${outer}/', whose lifecycle rule would expire it after ${prefixRetentionDays[outer]} days`);
    }
    return [
        {
            id: "abort-incomplete-multipart",
            enabled: true,
            conditions: { prefix: "" },
            abortMultipartUploadsTransition: { condition: { type: "Age", maxAge: abortMultipartAfterDays * DAY_SECONDS } },
        },
        ...Object.entries(prefixRetentionDays).map(([prefix, days]) => ({
            id: `expire-${ruleIdOf(prefix)}`,
            enabled: true,
            conditions: { prefix: `${prefix}/` },
            deleteObjectsTransition: { condition: { type: "Age" as const, maxAge: days * DAY_SECONDS } },
        })),
        {
            id: "expire-incoming",
            enabled: true,
            conditions: { prefix: INCOMING_PREFIX },
            deleteObjectsTransition: { condition: { type: "Age", maxAge: INCOMING_DAYS * DAY_SECONDS } },
        },
    ];
}

/**
 * BK-4: the lock of a backups bucket, one rule per datastore prefix: each keeps its objects for its
 * whole retention, so nothing there can be overwritten or deleted early. `incoming/` is not locked:
 * the backup job deletes its temporary object once promoted. No lifecycle rule deletes before its
 * prefix's lock ends.
 */
export function backupLockRules(prefixRetentionDays: Record<string, number>) {
    if (Object.keys(prefixRetentionDays).length === 0) throw new Error("a backups bucket needs at least one datastore prefix");
    const rule = (id: string, prefix: string, days: number) => ({ id, enabled: true, prefix, condition: { type: "Age", maxAgeSeconds: days * DAY_SECONDS } });
    return Object.entries(prefixRetentionDays).map(([prefix, days]) => rule(`backups-write-once-${ruleIdOf(prefix)}`, `${prefix}/`, days));
}

/** A prefix in a rule id: `monthly/postgres` → `monthly-postgres`. */
function ruleIdOf(prefix: string): string {
    return prefix.replace(/\//g, "-");
}
