import * as pulumi from "@pulumi/pulumi";
import type { ResolvedBucket } from "../../config";
import { Bucket } from "./bucket";

export interface StorageArgs {
    accountId: string;
    buckets: ResolvedBucket[];
    /** Zone that serves public bucket hosts. */
    zoneId: string;
    /**
     * Name of the bucket that receives backups and how long they are kept (BK-2, BK-4): `retentionDays`
     * for the whole bucket, or per datastore prefix with `prefixRetentionDays` (which wins when given).
     */
    backups: { bucket: string; retentionDays: number; prefixRetentionDays?: Record<string, number> };
    /** Protect and retain every bucket. Defaults to false. */
    protect?: boolean;
}

/** Every R2 bucket of the environment (ST-1…3). */
export class Storage extends pulumi.ComponentResource {
    /** Bucket names by their config name. */
    public readonly bucketNames: Record<string, pulumi.Output<string>>;
    /** Public base URLs of buckets served by the CDN, by config name. */
    public readonly publicBaseUrls: Record<string, pulumi.Output<string | undefined>>;

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:storage:Storage", name, {}, opts);
        const buckets = args.buckets.map(
            (b) =>
                [
                    b.name,
                    new Bucket(
                        `${name}-${b.name}`,
                        {
                            accountId: args.accountId,
                            bucket: b,
                            zoneId: args.zoneId,
                            retentionDays: b.purpose === "backups" ? args.backups.retentionDays : undefined,
                            prefixRetentionDays: b.name === args.backups.bucket ? args.backups.prefixRetentionDays : undefined,
                            protect: args.protect,
                        },
                        { parent: this },
                    ),
                ] as const,
        );
        this.bucketNames = Object.fromEntries(buckets.map(([n, b]) => [n, b.bucketName]));
        this.publicBaseUrls = Object.fromEntries(buckets.map(([n, b]) => [n, b.publicBaseUrl]));
        this.registerOutputs({ bucketNames: this.bucketNames, publicBaseUrls: this.publicBaseUrls });
    }
}
