import * as assert from "assert";
import {
    ELASTICACHE_CANONICAL_USER_ID,
    exportArns,
    exportBucketAccess,
    exportBucketPolicy,
    exportSnapshotPrefix,
    exportUserPolicy,
} from "../../../components/redis/elastiCacheExportSpec";

const GROUP_ARN = "arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:redis-elasticache-group-1a2b3c4";
const BUCKET_ARN = "arn:aws:s3:::redis-elasticache-export-bucket-5d6e7f8";

describe("unit: ElastiCache snapshot export: grant and IAM scope (BK-1, BK-3, BK-8)", () => {
    it("BK-1: in a default region ElastiCache writes as its canonical user, which needs ACLs (bucket owner preferred); in an opt-in region the bucket policy's regional principal, with ACLs disabled", () => {
        assert.deepStrictEqual(exportBucketAccess("us-east-1"), { kind: "acl", canonicalUserId: ELASTICACHE_CANONICAL_USER_ID, objectOwnership: "BucketOwnerPreferred" });
        assert.deepStrictEqual(exportBucketAccess("ap-east-1"), { kind: "bucket-policy", servicePrincipal: "ap-east-1.elasticache-snapshot.amazonaws.com", objectOwnership: "BucketOwnerEnforced" });
        assert.ok("unsupported" in exportBucketAccess("us-gov-west-1"));
        assert.ok("unsupported" in exportBucketAccess("cn-north-1"));
    });

    it("BK-8: the export user may snapshot only this group, touch only snapshots named <group>-export-*, and read or delete only the export bucket's objects", () => {
        const policy = exportUserPolicy(GROUP_ARN, BUCKET_ARN);
        const snapshots = "arn:aws:elasticache:eu-west-1:123456789012:snapshot:redis-elasticache-group-1a2b3c4-export-*";
        assert.strictEqual(exportArns(GROUP_ARN).snapshots, snapshots);
        assert.strictEqual(exportSnapshotPrefix("g-1"), "g-1-export-");
        const byAction = new Map<string, string[]>();
        for (const st of policy.Statement) {
            assert.strictEqual(st.Effect, "Allow");
            for (const a of st.Action) byAction.set(a, [...(byAction.get(a) ?? []), ...st.Resource]);
        }
        assert.deepStrictEqual([...byAction.keys()].sort(), [
            "elasticache:CopySnapshot",
            "elasticache:CreateSnapshot",
            "elasticache:DeleteSnapshot",
            "elasticache:DescribeSnapshots",
            "s3:DeleteObject",
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:ListAllMyBuckets",
            "s3:ListBucket",
        ]);
        assert.deepStrictEqual(byAction.get("elasticache:DeleteSnapshot"), [snapshots], "never the automatic snapshots, nor another group's");
        assert.deepStrictEqual(byAction.get("elasticache:CopySnapshot"), [snapshots]);
        assert.deepStrictEqual(byAction.get("elasticache:CreateSnapshot"), [GROUP_ARN, "arn:aws:elasticache:eu-west-1:123456789012:cluster:redis-elasticache-group-1a2b3c4-*", snapshots]);
        assert.deepStrictEqual(byAction.get("s3:GetObject"), [`${BUCKET_ARN}/*`]);
        assert.deepStrictEqual(byAction.get("s3:DeleteObject"), [`${BUCKET_ARN}/*`]);
        assert.deepStrictEqual(byAction.get("s3:ListBucket"), [BUCKET_ARN]);
        // CopySnapshot asks for it, and it has no resource to scope to; it lists bucket names only.
        assert.deepStrictEqual(byAction.get("s3:ListAllMyBuckets"), ["*"]);
        assert.ok(!JSON.stringify(policy).includes("s3:PutObject"), "the job never writes the export bucket: ElastiCache does");
        assert.throws(() => exportUserPolicy("arn:aws:elasticache:eu-west-1:123456789012:cluster:x", BUCKET_ARN), /not a replication group ARN/);
    });

    it("BK-3: the export bucket refuses plain HTTP; only an opt-in region's policy lets ElastiCache's principal in", () => {
        const acl = exportBucketPolicy(BUCKET_ARN, { kind: "acl", canonicalUserId: ELASTICACHE_CANONICAL_USER_ID, objectOwnership: "BucketOwnerPreferred" });
        assert.deepStrictEqual(acl.Statement.map((s) => [s.Sid, s.Effect]), [["TlsOnly", "Deny"]]);
        assert.deepStrictEqual(acl.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
        const optIn = exportBucketAccess("me-south-1");
        assert.ok(!("unsupported" in optIn));
        const policy = exportBucketPolicy(BUCKET_ARN, optIn);
        const allow = policy.Statement.find((s) => s.Effect === "Allow")!;
        assert.deepStrictEqual(allow.Principal, { Service: "me-south-1.elasticache-snapshot.amazonaws.com" });
        assert.deepStrictEqual(allow.Resource, [BUCKET_ARN, `${BUCKET_ARN}/*`]);
    });
});
