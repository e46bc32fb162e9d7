import * as assert from "assert";
import { backupLifecycleRules, backupLockRules, lifecycleRules, retentionLockRule } from "../../../components/storage/lifecycle";
import { resolveBucket } from "../../../config/resolve";

describe("unit: R2 lifecycle rules (ST-2, BK-4)", () => {
    it("ST-2: assets abort stale multipart uploads and move to Infrequent Access after 30 days by default", () => {
        const rules = lifecycleRules(resolveBucket({ name: "a-assets", purpose: "assets" }, 30, false));
        assert.deepStrictEqual(rules.map((r) => r.id), ["abort-incomplete-multipart", "to-infrequent-access"]);
        assert.strictEqual(rules[0].abortMultipartUploadsTransition!.condition.maxAge, 7 * 86400);
        assert.strictEqual(rules[1].storageClassTransitions![0].condition.maxAge, 30 * 86400);
        assert.ok(rules.every((r) => r.enabled && r.conditions.prefix === ""));
    });

    it("BK-2: the backups target expires dumps exactly at the backup retention", () => {
        const rules = lifecycleRules(resolveBucket({ name: "a-backups", purpose: "backups" }, 14, true));
        assert.deepStrictEqual(rules.map((r) => r.id), ["abort-incomplete-multipart", "expire"]);
        assert.strictEqual(rules[1].deleteObjectsTransition!.condition.maxAge, 14 * 86400);
    });

    it("honours explicit lifecycle settings", () => {
        const rules = lifecycleRules(resolveBucket({ name: "u", purpose: "uploads", lifecycle: { expireAfterDays: 365, infrequentAccessAfterDays: 60, abortMultipartAfterDays: 2 } }, 7, false));
        assert.deepStrictEqual(rules.map((r) => r.id), ["abort-incomplete-multipart", "to-infrequent-access", "expire"]);
        assert.strictEqual(rules[2].deleteObjectsTransition!.condition.maxAge, 365 * 86400);
    });

    it("BK-4: the lock holds every object for the whole retention", () => {
        assert.deepStrictEqual(retentionLockRule(30), { id: "backups-write-once", enabled: true, prefix: "", condition: { type: "Age", maxAgeSeconds: 30 * 86400 } });
    });

    it("issue 17 #10, BK-2, BK-4: the monthly generation is a prefix of its own, expired and locked for its own retention; a prefix under another's is refused", () => {
        const prefixes = { postgres: 30, "monthly/postgres": 365 };
        const expire = backupLifecycleRules(prefixes).filter((r) => r.deleteObjectsTransition);
        assert.deepStrictEqual(
            expire.map((r) => [r.id, r.conditions.prefix, r.deleteObjectsTransition!.condition.maxAge / 86400]),
            [["expire-postgres", "postgres/", 30], ["expire-monthly-postgres", "monthly/postgres/", 365], ["expire-incoming", "incoming/", 1]],
        );
        assert.deepStrictEqual(
            backupLockRules(prefixes).map((r) => [r.id, r.prefix, r.condition.maxAgeSeconds / 86400]),
            [["backups-write-once-postgres", "postgres/", 30], ["backups-write-once-monthly-postgres", "monthly/postgres/", 365]],
        );
        // postgres/'s 30-day rule would expire postgres/monthly/ too: R2 matches rules by prefix.
        assert.throws(() => backupLifecycleRules({ postgres: 30, "postgres/monthly": 365 }), /backup prefix 'postgres\/monthly\/' lies under 'postgres\/', whose lifecycle rule would expire it after 30 days/);
    });
});
