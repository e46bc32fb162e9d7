import * as cloudflare from "../providers/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedBucket } from "../../config";
import { backupLifecycleRules, backupLockRules, lifecycleRules, retentionLockRule } from "./lifecycle";

/** The component type of a bucket that holds backups; policies use it to tell backups from assets (ST-3, BK-4). */
export const BACKUP_BUCKET_TYPE = "runbook:storage:BackupBucket";
export const ASSET_BUCKET_TYPE = "runbook:storage:AssetBucket";

export interface BucketArgs {
    /** Cloudflare account that owns the bucket. */
    accountId: string;
    bucket: ResolvedBucket;
    /** Zone that serves `bucket.publicHost`. Required when the bucket has a public host. */
    zoneId?: string;
    /** Days each backup object stays locked (BK-4), for a bucket without datastore prefixes. A backups bucket needs this or `prefixRetentionDays`. */
    retentionDays?: number;
    /**
     * Retention per datastore prefix (`postgres` → 30): each prefix expires at its retention and is locked
     * at least that long (BK-2, BK-4); temporary uploads go under `incoming/`, unlocked, expired after a day. Defaults to none.
     */
    prefixRetentionDays?: Record<string, number>;
    /** Protect and retain the bucket, as production does with all data. Defaults to false. */
    protect?: boolean;
}

/**
 * An R2 bucket with its lifecycle rules (ST-2). A backups bucket also gets a retention lock (BK-4) and
 * can never have a public domain (ST-3); an assets bucket may be served from `publicHost` behind the CDN.
 */
export class Bucket extends pulumi.ComponentResource {
    /** The bucket's name in R2. */
    public readonly bucketName: pulumi.Output<string>;
    /** Public base URL of the bucket, when it has a public host (R2_PUBLIC_BASE). */
    public readonly publicBaseUrl: pulumi.Output<string | undefined>;

    constructor(name: string, args: BucketArgs, opts?: pulumi.ComponentResourceOptions) {
        const isBackup = args.bucket.purpose === "backups";
        super(isBackup ? BACKUP_BUCKET_TYPE : ASSET_BUCKET_TYPE, name, {}, opts);
        if (isBackup && args.bucket.publicHost !== undefined) {
            throw new Error(`Bucket ${name}: a backups bucket cannot have a publicHost (ST-3)`);
        }
        const prefixes = args.prefixRetentionDays !== undefined && Object.keys(args.prefixRetentionDays).length > 0 ? args.prefixRetentionDays : undefined;
        if (isBackup && args.retentionDays === undefined && prefixes === undefined) {
            throw new Error(`Bucket ${name}: retentionDays or prefixRetentionDays is required for a backups bucket (BK-4)`);
        }
        const protect = args.protect ?? false;
        const stateful: pulumi.CustomResourceOptions = { parent: this, protect, retainOnDelete: protect };

        const bucket = new cloudflare.R2Bucket(
            `${name}-bucket`,
            { accountId: args.accountId, name: args.bucket.name, location: args.bucket.location, storageClass: "Standard" },
            stateful,
        );
        new cloudflare.R2BucketLifecycle(
            `${name}-lifecycle`,
            { accountId: args.accountId, bucketName: bucket.name, rules: isBackup && prefixes ? backupLifecycleRules(prefixes) : lifecycleRules(args.bucket) },
            { parent: this },
        );
        if (isBackup) {
            new cloudflare.R2BucketLock(
                `${name}-lock`,
                { accountId: args.accountId, bucketName: bucket.name, rules: prefixes ? backupLockRules(prefixes) : [retentionLockRule(args.retentionDays!)] },
                { parent: this, protect },
            );
        }
        let publicBaseUrl: pulumi.Output<string | undefined> = pulumi.output(undefined);
        if (args.bucket.publicHost !== undefined) {
            if (args.zoneId === undefined) throw new Error(`Bucket ${name}: zoneId is required to serve ${args.bucket.publicHost}`);
            const domain = new cloudflare.R2CustomDomain(
                `${name}-domain`,
                { accountId: args.accountId, bucketName: bucket.name, domain: args.bucket.publicHost, zoneId: args.zoneId, enabled: true, minTls: "1.2" },
                { parent: this },
            );
            publicBaseUrl = domain.domain.apply((d) => `https://${d}`);
        }

        this.bucketName = bucket.name;
        this.publicBaseUrl = publicBaseUrl;
        this.registerOutputs({ bucketName: this.bucketName, publicBaseUrl: this.publicBaseUrl });
    }
}
