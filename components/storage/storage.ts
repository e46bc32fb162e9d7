import * as pulumi from "@pulumi/pulumi";
import type { ResolvedBucket } from "../../config";
import { Bucket } from "./bucket";

export interface StorageArgs {
    accountId: string;
    buckets: ResolvedBucket[];
    /** Zone that serves public bucket hosts. */
    zoneId: string;
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
                            // BK-2, BK-4: as the stack model resolved each backups bucket's retention.
                            retentionDays: b.retention?.lockDays,
                            prefixRetentionDays: b.retention?.prefixRetentionDays,
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
