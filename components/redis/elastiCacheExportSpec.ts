/*
 * What the ElastiCache export needs from S3 and IAM (BK-1, BK-3, BK-8), as pure data: which grant
 * lets ElastiCache write into the export bucket in a region, and the export user's policy.
 *
 * Source: "Exporting a backup" in the Amazon ElastiCache User Guide
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-exporting.html): the bucket must
 * be in the snapshot's region; in the regions enabled by default ElastiCache writes as its canonical
 * user, which the bucket's ACL must grant (so ACLs stay enabled: Object Ownership "bucket owner
 * preferred"); in the opt-in regions the bucket policy grants the regional service principal
 * `<region>.elasticache-snapshot.amazonaws.com` instead, and ACLs can stay disabled.
 */

import type { ExportBucketAccess } from "../../config/elastiCacheExport";
export { ELASTICACHE_CANONICAL_USER_ID, OPT_IN_REGIONS, exportBucketAccess, type ExportBucketAccess } from "../../config/elastiCacheExport";

/** Days an exported .rdb may stay in the export bucket: the job deletes it within minutes, the lifecycle catches what a killed job left. */
export const EXPORT_EXPIRY_DAYS = 1;

/** The IAM actions ElastiCache needs in the export bucket in an opt-in region (the ACL's READ, WRITE and READ_ACP as policy actions). */
export const OPT_IN_SERVICE_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:GetBucketAcl", "s3:ListMultipartUploadParts", "s3:ListBucketMultipartUploads"];

/** ACL permissions ElastiCache's canonical user gets on the bucket: list, write objects, read the ACL (the guide's "List objects", "Write objects", "Read bucket permissions"). */
export const ACL_PERMISSIONS = ["READ", "WRITE", "READ_ACP"] as const;

/** The names this job gives its snapshots: `<group>-export-<time>-<run id>` (scripts/backup/backup-elasticache.sh), the scope of the IAM policy. */
export function exportSnapshotPrefix(replicationGroupId: string): string {
    return `${replicationGroupId}-export-`;
}

interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Action: string[];
    Resource: string[];
    Principal?: unknown;
    Condition?: unknown;
}
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

/** ARNs of a replication group's members and of the export's snapshots, from the group's ARN. */
export function exportArns(replicationGroupArn: string): { group: string; members: string; snapshots: string } {
    const m = /^(arn:[a-z-]+:elasticache:[a-z0-9-]+:\d{12}):replicationgroup:([A-Za-z0-9-]+)$/.exec(replicationGroupArn);
    if (!m) throw new Error(`not a replication group ARN: ${replicationGroupArn}`);
    const [, base, id] = m;
    return { group: replicationGroupArn, members: `${base}:cluster:${id}-*`, snapshots: `${base}:snapshot:${exportSnapshotPrefix(id)}*` };
}

/**
 * The export user's policy (BK-8): snapshots of this one replication group, named as the job names
 * them, and objects of the export bucket only. CopySnapshot to a bucket also asks for
 * s3:GetBucketLocation and s3:ListAllMyBuckets (the ElastiCache API permissions reference); the
 * latter has no resource to scope to.
 */
export function exportUserPolicy(replicationGroupArn: string, bucketArn: string): PolicyDocument {
    const arns = exportArns(replicationGroupArn);
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "SnapshotTheGroup", Effect: "Allow", Action: ["elasticache:CreateSnapshot"], Resource: [arns.group, arns.members, arns.snapshots] },
            { Sid: "ReadExportSnapshots", Effect: "Allow", Action: ["elasticache:DescribeSnapshots"], Resource: [arns.group, arns.members, arns.snapshots] },
            { Sid: "ExportAndDeleteExportSnapshots", Effect: "Allow", Action: ["elasticache:CopySnapshot", "elasticache:DeleteSnapshot"], Resource: [arns.snapshots] },
            { Sid: "ListExportBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [bucketArn] },
            { Sid: "ReadAndDeleteExports", Effect: "Allow", Action: ["s3:GetObject", "s3:DeleteObject"], Resource: [`${bucketArn}/*`] },
            { Sid: "CopySnapshotFindsTheBucket", Effect: "Allow", Action: ["s3:ListAllMyBuckets"], Resource: ["*"] },
        ],
    };
}

/** The export bucket's policy: TLS only (BK-3), and, in an opt-in region, ElastiCache's regional principal. */
export function exportBucketPolicy(bucketArn: string, access: ExportBucketAccess): PolicyDocument {
    const statements: Statement[] = [
        {
            Sid: "TlsOnly",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:*"],
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    ];
    if (access.kind === "bucket-policy") {
        statements.push({ Sid: "ElastiCacheExport", Effect: "Allow", Principal: { Service: access.servicePrincipal }, Action: OPT_IN_SERVICE_ACTIONS, Resource: [bucketArn, `${bucketArn}/*`] });
    }
    return { Version: "2012-10-17", Statement: statements };
}
