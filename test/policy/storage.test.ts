import * as assert from "assert";
import { r2BackupsNeverPublic, r2BackupsWriteOnce, r2BucketLifecycle } from "../../policies/rules/storage";
import { check, resource } from "../helpers/policy";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const backupParent = resource("runbook:storage:BackupBucket", "b", {});
const assetParent = resource("runbook:storage:AssetBucket", "a", {});

function bucket(name: string, parent = assetParent) {
    return resource("cloudflare:index/r2Bucket:R2Bucket", `${name}-bucket`, { accountId: ACCOUNT, name }, { parent: parent.urn });
}
function lifecycle(bucketName: string, rules: unknown[]) {
    return resource("cloudflare:index/r2BucketLifecycle:R2BucketLifecycle", `${bucketName}-lifecycle`, { accountId: ACCOUNT, bucketName, rules });
}
function lock(bucketName: string, rules: unknown[], protect = true) {
    return resource("cloudflare:index/r2BucketLock:R2BucketLock", `${bucketName}-lock`, { accountId: ACCOUNT, bucketName, rules }, { protect });
}
const abortRule = { id: "abort", enabled: true, conditions: { prefix: "" }, abortMultipartUploadsTransition: { condition: { type: "Age", maxAge: 604800 } } };
const lockRule = (days: number, prefix = "") => ({ id: "lock", enabled: true, prefix, condition: { type: "Age", maxAgeSeconds: days * 86400 } });

describe("policy: r2-bucket-lifecycle (ST-2)", () => {
    it("ST-2 compliant: a bucket with an enabled lifecycle rule passes", async () => {
        assert.deepStrictEqual(await check([r2BucketLifecycle], [assetParent, bucket("assets"), lifecycle("assets", [abortRule])]), []);
    });

    it("ST-2 violating: a bucket without lifecycle rules is named in a mandatory violation", async () => {
        const b = bucket("assets");
        const vs = await check([r2BucketLifecycle], [assetParent, b, lifecycle("other", [abortRule])]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, b.urn);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory");
        assert.deepStrictEqual(vs[0].requirements, ["ST-2"]);
        assert.match(vs[0].message, /'assets' has 0 enabled lifecycle rule/);
    });

    it("ST-2 violating: disabled rules do not count", async () => {
        const vs = await check([r2BucketLifecycle], [assetParent, bucket("assets"), lifecycle("assets", [{ ...abortRule, enabled: false }])]);
        assert.strictEqual(vs.length, 1);
    });

    it("ST-2: the required number of rules comes from policy config", async () => {
        const resources = [assetParent, bucket("assets"), lifecycle("assets", [abortRule])];
        const vs = await check([r2BucketLifecycle], resources, { "r2-bucket-lifecycle": { minimumEnabledRules: 2 } });
        assert.strictEqual(vs.length, 1);
    });
});

describe("policy: r2-backups-never-public (ST-3)", () => {
    it("ST-3 compliant: an assets bucket may have a custom domain", async () => {
        const domain = resource("cloudflare:index/r2CustomDomain:R2CustomDomain", "d", { accountId: ACCOUNT, bucketName: "assets", domain: "assets.example.com", enabled: true });
        assert.deepStrictEqual(await check([r2BackupsNeverPublic], [assetParent, bucket("assets"), domain]), []);
    });

    it("ST-3 violating: a custom domain on a backups bucket is rejected and names the domain", async () => {
        const domain = resource("cloudflare:index/r2CustomDomain:R2CustomDomain", "leak", { accountId: ACCOUNT, bucketName: "backups", domain: "dl.example.com", enabled: true });
        const vs = await check([r2BackupsNeverPublic], [backupParent, bucket("backups", backupParent), domain]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, domain.urn);
        assert.match(vs[0].message, /dl\.example\.com/);
    });

    it("ST-3 violating: the public r2.dev domain on a backups bucket is rejected", async () => {
        const managed = resource("cloudflare:index/r2ManagedDomain:R2ManagedDomain", "dev", { accountId: ACCOUNT, bucketName: "backups", enabled: true });
        const vs = await check([r2BackupsNeverPublic], [backupParent, bucket("backups", backupParent), managed]);
        assert.match(vs[0].message, /r2\.dev/);
    });

    it("ST-3 compliant: a disabled r2.dev domain is not public", async () => {
        const managed = resource("cloudflare:index/r2ManagedDomain:R2ManagedDomain", "dev", { accountId: ACCOUNT, bucketName: "backups", enabled: false });
        assert.deepStrictEqual(await check([r2BackupsNeverPublic], [backupParent, bucket("backups", backupParent), managed]), []);
    });
});

describe("policy: r2-backups-write-once (BK-4)", () => {
    it("BK-4 compliant: a backups bucket locked for the retention passes", async () => {
        const resources = [backupParent, bucket("backups", backupParent), lock("backups", [lockRule(30)])];
        assert.deepStrictEqual(await check([r2BackupsWriteOnce], resources, { "r2-backups-write-once": { minimumLockDays: 30 } }), []);
    });

    it("BK-4 violating: a backups bucket without a lock is rejected", async () => {
        const b = bucket("backups", backupParent);
        const vs = await check([r2BackupsWriteOnce], [backupParent, b]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, b.urn);
        assert.deepStrictEqual(vs[0].requirements, ["BK-4", "BK-2"]);
    });

    it("BK-4 violating: a lock shorter than the configured minimum, or on a prefix only, is rejected", async () => {
        const short = await check([r2BackupsWriteOnce], [backupParent, bucket("backups", backupParent), lock("backups", [lockRule(7)])], { "r2-backups-write-once": { minimumLockDays: 30 } });
        assert.match(short[0].message, /locks every object for 7 day\(s\); at least 30 day\(s\) required/);
        const expire = lifecycle("backups", [{ id: "expire", enabled: true, conditions: { prefix: "" }, deleteObjectsTransition: { condition: { type: "Age", maxAge: 30 * 86400 } } }]);
        const partial = await check([r2BackupsWriteOnce], [backupParent, bucket("backups", backupParent), lock("backups", [lockRule(30, "tmp/")]), expire]);
        assert.strictEqual(partial.length, 1);
        assert.match(partial[0].message, /locks every object for 0 day\(s\)/);
    });

    const expireRule = (prefix: string, days: number) => ({ id: `expire-${prefix}`, enabled: true, conditions: { prefix }, deleteObjectsTransition: { condition: { type: "Age", maxAge: days * 86400 } } });

    it("BK-4 compliant: temporary uploads under incoming/ are unlocked and expire after a day while each datastore prefix is locked for its retention", async () => {
        const resources = [
            backupParent,
            bucket("backups", backupParent),
            lock("backups", [lockRule(30, "postgres/"), lockRule(7, "redis/")]),
            lifecycle("backups", [abortRule, expireRule("postgres/", 30), expireRule("redis/", 7), expireRule("incoming/", 1)]),
        ];
        assert.deepStrictEqual(await check([r2BackupsWriteOnce], resources, { "r2-backups-write-once": { minimumLockDays: 30, minimumLockDaysByPrefix: { "redis/": 7 } } }), []);
    });

    it("BK-4 violating: a datastore prefix the lock misses is rejected even when incoming/ is exempt, and a temporary prefix is exempt only up to its slash", async () => {
        const missed = await check([r2BackupsWriteOnce], [backupParent, bucket("backups", backupParent), lock("backups", [lockRule(30, "postgres/")]), lifecycle("backups", [expireRule("postgres/", 30), expireRule("redis/", 30), expireRule("incoming/", 1)])]);
        assert.strictEqual(missed.length, 1, JSON.stringify(missed));
        assert.match(missed[0].message, /^Backups bucket 'backups' locks prefix 'redis\/' for 0 day\(s\); at least 30 day\(s\) required/);
        // "incoming" without its slash also reaches "incoming-postgres/", which is not temporary.
        const noSlash = await check([r2BackupsWriteOnce], [backupParent, bucket("backups", backupParent), lock("backups", [lockRule(7, "postgres/")]), lifecycle("backups", [expireRule("incoming", 1)])]);
        assert.ok(noSlash.some((v) => /prefix 'incoming' for 0 day\(s\)/.test(v.message)), JSON.stringify(noSlash));
        // A delete rule on the whole bucket reaches the backups too.
        const everything = await check([r2BackupsWriteOnce], [backupParent, bucket("backups", backupParent), lock("backups", [lockRule(7, "postgres/")]), lifecycle("backups", [expireRule("", 1)])]);
        assert.ok(everything.some((v) => /deletes every object after 1 day\(s\)/.test(v.message)), JSON.stringify(everything));
    });

    it("BK-4 violating: a bucket whose only rules name incoming/ is held to a lock on every object", async () => {
        const b = bucket("backups", backupParent);
        const vs = await check([r2BackupsWriteOnce], [backupParent, b, lifecycle("backups", [expireRule("incoming/", 1)])]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /locks every object for 0 day\(s\) \(it has no lock\)/);
    });

    it("BK-4 violating: a lock that covers incoming/ still forbids deleting it earlier", async () => {
        const vs = await check([r2BackupsWriteOnce], [backupParent, bucket("backups", backupParent), lock("backups", [lockRule(30)]), lifecycle("backups", [expireRule("incoming/", 1)])]);
        assert.strictEqual(vs.length, 1, JSON.stringify(vs));
        assert.match(vs[0].message, /'expire-incoming\/' .* deletes prefix 'incoming\/' after 1 day\(s\), before the retention and lock of 30 day\(s\) end/);
    });

    it("BK-4: assets buckets need no lock", async () => {
        assert.deepStrictEqual(await check([r2BackupsWriteOnce], [assetParent, bucket("assets")]), []);
    });
});
