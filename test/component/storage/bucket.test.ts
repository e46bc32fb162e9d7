import * as assert from "assert";
import { Bucket } from "../../../components/storage/bucket";
import { Storage } from "../../../components/storage/storage";
import { resolveBucket } from "../../../config/resolve";
import { mockRun, ofType, one } from "../../helpers/harness";
import { CLOUDFLARE_R2_BUCKET as R2, CLOUDFLARE_R2_BUCKET_LIFECYCLE as LIFECYCLE, CLOUDFLARE_R2_BUCKET_LOCK as LOCK, CLOUDFLARE_R2_CUSTOM_DOMAIN as DOMAIN } from "../../helpers/types";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const ZONE = "fedcba9876543210fedcba9876543210";

const assets = resolveBucket({ name: "acme-assets", purpose: "assets", publicHost: "assets.example.com" }, 30, false);
const backups = resolveBucket({ name: "acme-backups", purpose: "backups" }, 30, true);

describe("component: storage Bucket (ST-1, ST-2, ST-3, BK-4)", () => {
    it("ST-2: gives every bucket lifecycle rules that target it", async () => {
        const resources = await mockRun(() => {
            new Storage("storage", { accountId: ACCOUNT, buckets: [assets, backups], zoneId: ZONE });
        });
        assert.strictEqual(ofType(resources, R2).length, 2);
        const lifecycles = ofType(resources, LIFECYCLE);
        assert.deepStrictEqual(lifecycles.map((l) => l.inputs.bucketName).sort(), ["acme-assets", "acme-backups"]);
        const backupRules = one(resources, LIFECYCLE, "backups").inputs.rules as Array<Record<string, any>>;
        const expire = backupRules.find((r) => r.deleteObjectsTransition);
        assert.strictEqual(expire?.deleteObjectsTransition.condition.maxAge, 30 * 86400, "backups expire after their retention");
    });

    it("ST-3 and BK-4: a backups bucket gets a retention lock and no public domain", async () => {
        const resources = await mockRun(() => {
            new Bucket("b", { accountId: ACCOUNT, bucket: backups, zoneId: ZONE, retentionDays: 30 });
        });
        assert.strictEqual(ofType(resources, DOMAIN).length, 0);
        const lock = one(resources, LOCK);
        assert.deepStrictEqual((lock.inputs.rules as any[])[0].condition, { type: "Age", maxAgeSeconds: 30 * 86400 });
        assert.strictEqual(one(resources, R2).parent, resources.find((r) => r.type === "runbook:storage:BackupBucket")!.urn);
    });

    it("ST-3: an assets bucket is served from its public host with TLS 1.2 or later", async () => {
        const resources = await mockRun(() => {
            new Bucket("a", { accountId: ACCOUNT, bucket: assets, zoneId: ZONE });
        });
        const domain = one(resources, DOMAIN);
        assert.strictEqual(domain.inputs.domain, "assets.example.com");
        assert.strictEqual(domain.inputs.minTls, "1.2");
        assert.strictEqual(ofType(resources, LOCK).length, 0);
    });

    it("DB-6: protects and retains buckets and locks when asked (production)", async () => {
        const resources = await mockRun(() => {
            new Bucket("b", { accountId: ACCOUNT, bucket: backups, retentionDays: 30, protect: true });
        }, "production");
        const bucket = one(resources, R2);
        assert.strictEqual(bucket.protect, true);
        assert.strictEqual(bucket.retainOnDelete, true);
        assert.strictEqual(one(resources, LOCK).protect, true);
    });

    it("leaves staging buckets unprotected by default, so the stack can be torn down", async () => {
        const resources = await mockRun(() => {
            new Bucket("a", { accountId: ACCOUNT, bucket: assets, zoneId: ZONE });
        });
        assert.strictEqual(one(resources, R2).protect, false);
        assert.strictEqual(one(resources, R2).retainOnDelete, false);
    });

    it("refuses a backups bucket with a public host before creating anything", async () => {
        const bad = { ...backups, publicHost: "leak.example.com" };
        await assert.rejects(
            mockRun(() => {
                new Bucket("b", { accountId: ACCOUNT, bucket: bad, zoneId: ZONE, retentionDays: 30 });
            }),
            /cannot have a publicHost \(ST-3\)/,
        );
    });
});
