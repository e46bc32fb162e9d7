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
