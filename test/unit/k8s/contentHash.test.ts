import * as assert from "assert";
import { contentHash, hashedName } from "../../../components/k8s/contentHash";
import { claimPatchArgs, memberClaimName } from "../../../components/k8s/volumeGrowth";

describe("unit: content-hash names and volume claim patches", () => {
    it("SC-1: the hash depends on every key and value and on nothing else (not the order of keys)", () => {
        const base = contentHash({ a: "1", b: "2" });
        assert.match(base, /^[0-9a-f]{10}$/);
        assert.strictEqual(contentHash({ b: "2", a: "1" }), base);
        assert.notStrictEqual(contentHash({ a: "1", b: "3" }), base);
        assert.notStrictEqual(contentHash({ a: "1", c: "2" }), base);
        // Keys and values cannot run into each other.
        assert.notStrictEqual(contentHash({ ab: "c" }), contentHash({ a: "bc" }));
    });

    it("names stay DNS labels of at most 63 characters", () => {
        assert.strictEqual(hashedName("runbook-env", "0123456789"), "runbook-env-0123456789");
        const long = hashedName("x".repeat(70), "0123456789");
        assert.strictEqual(long.length, 63);
        assert.match(long, /^x+-0123456789$/);
    });

    it("DB-6: a member's claim is named as the StatefulSet controller names it, and the patch sets only its size", () => {
        assert.strictEqual(memberClaimName("mongodb", 2), "data-mongodb-2");
        assert.deepStrictEqual(claimPatchArgs("data-redis-0", "runbook", 40), {
            metadata: { name: "data-redis-0", namespace: "runbook", annotations: { "pulumi.com/patchForce": "true" } },
            spec: { resources: { requests: { storage: "40Gi" } } },
        });
        assert.throws(() => claimPatchArgs("data-redis-0", "runbook", 0), /storageGb: 0/);
    });
});
