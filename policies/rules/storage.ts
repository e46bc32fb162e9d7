import * as cloudflare from "@pulumi/cloudflare";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { requirement } from "./meta";

/** Component types that declare what a bucket holds (see components/storage/bucket.ts). */
export const BACKUP_BUCKET_TYPE = "runbook:storage:BackupBucket";

const DAY_SECONDS = 86400;

function bucketsOf(resources: PolicyResource[]) {
    return resources.filter((r) => r.isType(cloudflare.R2Bucket));
}

/** True when the bucket is declared as holding backups (its parent is a BackupBucket). */
export function holdsBackups(bucket: PolicyResource): boolean {
    return bucket.parent?.type === BACKUP_BUCKET_TYPE;
}

/**
 * Resources that configure a bucket (lifecycle, lock, domain), grouped by the bucket they name, so
 * each policy is one pass over the stack however many buckets it has.
 */
function byBucket(resources: PolicyResource[]): (bucket: PolicyResource) => PolicyResource[] {
    const groups = new Map<string, PolicyResource[]>();
    for (const r of resources) {
        const key = `${r.props.accountId}/${r.props.bucketName}`;
        groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    return (bucket) => groups.get(`${bucket.props.accountId}/${bucket.props.name}`) ?? [];
}

export const r2BucketLifecycle: StackValidationPolicy = {
    name: "r2-bucket-lifecycle",
    description: "ST-2: every R2 bucket has lifecycle rules, so storage does not grow without bound.",
    enforcementLevel: "mandatory",
    ...requirement("ST-2", "Lifecycle rules on R2 buckets, plus a periodic copy to cold storage"),
    configSchema: {
        properties: {
            minimumEnabledRules: { type: "integer", minimum: 1, default: 1, description: "Enabled lifecycle rules each bucket needs." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { minimumEnabledRules } = args.getConfig<{ minimumEnabledRules: number }>();
        const lifecyclesOf = byBucket(args.resources.filter((r) => r.isType(cloudflare.R2BucketLifecycle)));
        for (const bucket of bucketsOf(args.resources)) {
            const enabled = lifecyclesOf(bucket)
                .flatMap((l) => (l.props.rules ?? []) as Array<{ enabled?: boolean }>)
                .filter((rule) => rule.enabled === true).length;
            if (enabled < minimumEnabledRules) {
                reportViolation(
                    `R2 bucket '${bucket.props.name}' has ${enabled} enabled lifecycle rule(s); at least ${minimumEnabledRules} required. Add a cloudflare.R2BucketLifecycle for it.`,
                    bucket.urn,
                );
            }
        }
    },
};

export const r2BackupsNeverPublic: StackValidationPolicy = {
    name: "r2-backups-never-public",
    description: "ST-3: a bucket holding backups is never served publicly (no custom or r2.dev domain).",
    enforcementLevel: "mandatory",
    ...requirement("ST-3", "Assets served from a public base URL behind the CDN; buckets holding backups are never public"),
    validateStack: (args, reportViolation) => {
        const domainsOf = byBucket(
            args.resources.filter((r) => (r.isType(cloudflare.R2CustomDomain) || r.isType(cloudflare.R2ManagedDomain)) && r.props.enabled !== false),
        );
        for (const bucket of bucketsOf(args.resources).filter(holdsBackups)) {
            for (const domain of domainsOf(bucket)) {
                const what = domain.props.domain ? `custom domain ${domain.props.domain}` : "the public r2.dev domain";
                reportViolation(`Backups bucket '${bucket.props.name}' is exposed through ${what} (${domain.urn}). Remove the domain.`, domain.urn);
            }
        }
    },
};

export const r2BackupsWriteOnce: StackValidationPolicy = {
    name: "r2-backups-write-once",
    description: "BK-4: a bucket holding backups has a bucket lock, so a dump cannot be overwritten or deleted before its retention ends.",
    enforcementLevel: "mandatory",
    ...requirement("BK-4", "Backups are append-only / write-protected once written"),
    configSchema: {
        properties: {
            minimumLockDays: { type: "integer", minimum: 1, default: 7, description: "Shortest lock, in days, that a backup object must have." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { minimumLockDays } = args.getConfig<{ minimumLockDays: number }>();
        const locksOf = byBucket(args.resources.filter((r) => r.isType(cloudflare.R2BucketLock)));
        for (const bucket of bucketsOf(args.resources).filter(holdsBackups)) {
            const longest = Math.max(
                0,
                ...locksOf(bucket)
                    .flatMap((l) => (l.props.rules ?? []) as Array<{ enabled?: boolean; prefix?: string; condition?: { maxAgeSeconds?: number } }>)
                    .filter((rule) => rule.enabled === true && (rule.prefix ?? "") === "")
                    .map((rule) => rule.condition?.maxAgeSeconds ?? 0),
            );
            if (longest < minimumLockDays * DAY_SECONDS) {
                reportViolation(
                    `Backups bucket '${bucket.props.name}' locks objects for ${Math.floor(longest / DAY_SECONDS)} day(s); at least ${minimumLockDays} required. Add a cloudflare.R2BucketLock covering every prefix.`,
                    bucket.urn,
                );
            }
        }
    },
};
