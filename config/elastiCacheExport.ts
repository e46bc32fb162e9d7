/*
 * Where ElastiCache can export a snapshot to S3, and how it is let into the bucket (BK-1). Read by the
 * config rules (a region the export cannot work in is refused up front) and by the export component.
 *
 * Source: "Exporting a backup" in the Amazon ElastiCache User Guide
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-exporting.html).
 */

/** ElastiCache's canonical user in the commercial AWS partition's default regions. */
export const ELASTICACHE_CANONICAL_USER_ID = "540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353";

/** Regions an account must opt into (launched after March 2019), where the bucket policy grants ElastiCache instead of the ACL. */
export const OPT_IN_REGIONS: readonly string[] = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/** How ElastiCache is let into the export bucket in a region. */
export type ExportBucketAccess =
    | { kind: "acl"; canonicalUserId: string; objectOwnership: "BucketOwnerPreferred" }
    | { kind: "bucket-policy"; servicePrincipal: string; objectOwnership: "BucketOwnerEnforced" };

/**
 * The grant for `region`, or a reason why the export cannot be set up there: GovCloud and the China
 * regions have canonical users and partitions of their own, which this program does not declare.
 */
export function exportBucketAccess(region: string): ExportBucketAccess | { unsupported: string } {
    if (region.includes("-gov-") || region.startsWith("cn-")) {
        return { unsupported: `${region} is outside the commercial AWS partition, whose ElastiCache canonical user the export bucket's grant names` };
    }
    if (OPT_IN_REGIONS.includes(region)) return { kind: "bucket-policy", servicePrincipal: `${region}.elasticache-snapshot.amazonaws.com`, objectOwnership: "BucketOwnerEnforced" };
    return { kind: "acl", canonicalUserId: ELASTICACHE_CANONICAL_USER_ID, objectOwnership: "BucketOwnerPreferred" };
}

