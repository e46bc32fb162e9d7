import * as aws from "../providers/aws";
import * as pulumi from "@pulumi/pulumi";
import { ACL_PERMISSIONS, EXPORT_EXPIRY_DAYS, exportBucketAccess, exportBucketPolicy, exportUserPolicy } from "./elastiCacheExportSpec";

export interface ElastiCacheExportArgs {
    /** The replication group whose snapshots are exported. */
    replicationGroupId: pulumi.Input<string>;
    /** Its ARN, which the export user's policy is scoped to. */
    replicationGroupArn: pulumi.Input<string>;
    /** The stack's AWS region: the group's, and so the export bucket's (ElastiCache exports only within a region). */
    region: string;
    /** Protects the bucket, as every stateful resource of production. Defaults to false. */
    protect?: boolean;
    /** The account's canonical user ID, the owner in the bucket's ACL. Defaults to the provider's (s3.getCanonicalUserId). */
    ownerCanonicalUserId?: pulumi.Input<string>;
}

/** What the backup job needs to export a snapshot (scripts/backup/backup-elasticache.sh). */
export interface ElastiCacheExportSource {
    replicationGroupId: pulumi.Output<string>;
    region: string;
    bucket: pulumi.Output<string>;
    /** The export user's access key, a secret. */
    accessKeyId: pulumi.Output<string>;
    secretAccessKey: pulumi.Output<string>;
}

/**
 * Where ElastiCache's daily snapshot is exported on its way to the backups bucket (BK-1, BK-3, BK-8):
 * a private S3 bucket in the group's region, encrypted (SSE-S3), TLS only, public access blocked,
 * exports expiring after a day; the grant ElastiCache writes with (the ACL's canonical user, or in an
 * opt-in region the bucket policy's service principal); and an IAM user whose key the backup job
 * reads, allowed only this group's export snapshots and this bucket's objects.
 */
export class ElastiCacheExport extends pulumi.ComponentResource {
    public readonly source: ElastiCacheExportSource;

    constructor(name: string, args: ElastiCacheExportArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:redis:ElastiCacheExport", name, {}, opts);
        const access = exportBucketAccess(args.region);
        if ("unsupported" in access) {
            throw new pulumi.InputPropertiesError({ message: `ElastiCacheExport ${name}: ${access.unsupported}`, errors: [{ propertyPath: "region", reason: access.unsupported }] });
        }
        const child = { parent: this };
        const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: true, tags: { "runbook:purpose": "elasticache-export" } }, { ...child, protect: args.protect ?? false });
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            // Granting ElastiCache's canonical user is no public ACL: all four blocks stay on (ST-3).
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child,
        );
        const ownership = new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: access.objectOwnership } }, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            child,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.id,
                rules: [{ id: "expire-exports", status: "Enabled", filter: {}, expiration: { days: EXPORT_EXPIRY_DAYS }, abortIncompleteMultipartUpload: { daysAfterInitiation: EXPORT_EXPIRY_DAYS } }],
            },
            child,
        );
        new aws.s3.BucketPolicy(`${name}-policy`, { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(exportBucketPolicy(arn, access))) }, { ...child, dependsOn: [publicAccess] });
        if (access.kind === "acl") {
            const owner = args.ownerCanonicalUserId ?? aws.s3.getCanonicalUserIdOutput({ parent: this }).id;
            new aws.s3.BucketAcl(
                `${name}-acl`,
                {
                    bucket: bucket.id,
                    accessControlPolicy: {
                        owner: { id: owner },
                        grants: [
                            { grantee: { type: "CanonicalUser", id: owner }, permission: "FULL_CONTROL" },
                            ...ACL_PERMISSIONS.map((permission) => ({ grantee: { type: "CanonicalUser", id: access.canonicalUserId }, permission })),
                        ],
                    },
                },
                // ACLs apply only once Object Ownership allows them.
                { ...child, dependsOn: [ownership, publicAccess] },
            );
        }

        const user = new aws.iam.User(`${name}-user`, { path: "/runbook/", tags: { "runbook:purpose": "elasticache-export" } }, child);
        new aws.iam.UserPolicy(
            `${name}-user-policy`,
            { user: user.name, policy: pulumi.all([args.replicationGroupArn, bucket.arn]).apply(([groupArn, bucketArn]) => JSON.stringify(exportUserPolicy(groupArn, bucketArn))) },
            child,
        );
        // Rotated with `pulumi up --replace` of this key (docs/recovery.md): the CronJob reads the new one from its Secret at its next run.
        const key = new aws.iam.AccessKey(`${name}-key`, { user: user.name }, child);

        this.source = {
            replicationGroupId: pulumi.output(args.replicationGroupId),
            region: args.region,
            bucket: bucket.bucket,
            accessKeyId: pulumi.secret(key.id),
            secretAccessKey: pulumi.secret(key.secret),
        };
        this.registerOutputs({ bucket: this.source.bucket });
    }
}
