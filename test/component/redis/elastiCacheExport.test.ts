import * as assert from "assert";
import { ElastiCache, ElastiCacheArgs } from "../../../components/redis/elasticache";
import { ELASTICACHE_CANONICAL_USER_ID } from "../../../components/redis/elastiCacheExportSpec";
import { mockRun, ofType, one, production, staging } from "../../helpers/harness";

const OWNER = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const args = (environment = staging, region = "us-east-1", extra: Partial<ElastiCacheArgs> = {}): ElastiCacheArgs => ({
    redis: { mode: "elasticache", snapshotRetentionDays: 7, maxmemoryPolicy: "noeviction" },
    environment,
    vpcId: "vpc-0abc1234",
    subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"],
    appCidrs: ["10.20.0.0/16"],
    backupExport: { region, ownerCanonicalUserId: OWNER },
    ...extra,
});
const plan = (a: ElastiCacheArgs) => mockRun(() => void new ElastiCache("redis", a), a.environment.stack);

describe("component: ElastiCache snapshot export bucket and user (BK-1, BK-3, BK-8, ST-3)", () => {
    it("BK-3, ST-3: a private, SSE-encrypted bucket, public access blocked, exports expiring after a day, TLS only; protected in production", async () => {
        const resources = await plan(args(production));
        const bucket = one(resources, "aws:s3/bucket:Bucket", "export-bucket");
        assert.strictEqual(bucket.protect, true);
        assert.strictEqual(bucket.inputs.acl, undefined, "no canned ACL");
        const block = one(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "export");
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.strictEqual(block.inputs[k], true, k);
        const sse = one(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "export");
        assert.strictEqual((sse.inputs.rules as any)[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        const lifecycle = one(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "export");
        const rule = (lifecycle.inputs.rules as any)[0];
        assert.deepStrictEqual([rule.status, rule.expiration.days, rule.abortIncompleteMultipartUpload.daysAfterInitiation], ["Enabled", 1, 1]);
        const staged = await plan(args(staging));
        assert.strictEqual(one(staged, "aws:s3/bucket:Bucket", "export-bucket").protect, false);
    });

    it("BK-1: in a default region the bucket ACL grants ElastiCache's canonical user list, write and read-ACL beside the owner, with ACLs enabled (bucket owner preferred) first", async () => {
        const resources = await plan(args(staging, "us-east-1"));
        const ownership = one(resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "export");
        assert.strictEqual((ownership.inputs.rule as any).objectOwnership, "BucketOwnerPreferred");
        const acl = one(resources, "aws:s3/bucketAcl:BucketAcl", "export");
        const grants = (acl.inputs.accessControlPolicy as any).grants.map((g: any) => `${g.grantee.id === OWNER ? "owner" : g.grantee.id} ${g.permission}`);
        assert.deepStrictEqual(grants, ["owner FULL_CONTROL", `${ELASTICACHE_CANONICAL_USER_ID} READ`, `${ELASTICACHE_CANONICAL_USER_ID} WRITE`, `${ELASTICACHE_CANONICAL_USER_ID} READ_ACP`]);
        assert.ok(acl.dependencies.includes(ownership.urn), "the ACL waits for ACLs to be enabled");
    });

    it("BK-1: in an opt-in region no ACL: ACLs stay disabled and the bucket policy grants the regional principal", async () => {
        const resources = await plan(args(staging, "af-south-1"));
        assert.strictEqual(ofType(resources, "aws:s3/bucketAcl:BucketAcl").length, 0);
        const ownership = one(resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "export");
        assert.strictEqual((ownership.inputs.rule as any).objectOwnership, "BucketOwnerEnforced");
        assert.strictEqual(ofType(resources, "aws:s3/bucketPolicy:BucketPolicy").length, 1);
    });

    it("BK-8: an IAM user with one inline policy and one access key; none without backupExport; GovCloud refused", async () => {
        const resources = await plan(args(staging));
        assert.strictEqual(ofType(resources, "aws:iam/user:User").length, 1);
        assert.strictEqual(ofType(resources, "aws:iam/userPolicy:UserPolicy").length, 1);
        const key = one(resources, "aws:iam/accessKey:AccessKey", "export");
        const user = one(resources, "aws:iam/user:User", "export");
        assert.ok(key.dependencies.includes(user.urn), "the key is the export user's");
        const none = await plan(args(staging, "us-east-1", { backupExport: undefined }));
        assert.strictEqual(ofType(none, "aws:s3/bucket:Bucket").length, 0);
        assert.strictEqual(ofType(none, "aws:iam/user:User").length, 0);
        await assert.rejects(plan(args(staging, "us-gov-west-1")), /outside the commercial AWS partition/);
    });
});
