import * as assert from "assert";
import { editDistance, nearest, requirementFor } from "../../../config/problems";

describe("unit: config rule helpers", () => {
    it("suggests near keys only", () => {
        assert.strictEqual(editDistance("databse", "database"), 1);
        assert.strictEqual(nearest("replica", ["replicas", "port"]), "replicas");
        assert.strictEqual(nearest("zzzzzz", ["replicas", "port"]), undefined);
    });

    it("maps key paths to runbook requirement IDs", () => {
        assert.strictEqual(requirementFor("database.backupRetentionDays"), "BK-2");
        assert.strictEqual(requirementFor("apps[3].replicas"), "WL-1");
        assert.strictEqual(requirementFor("apps[0].resources.cpuLimit"), "WL-4");
        assert.strictEqual(requirementFor("storage.buckets[1].lifecycle.expireAfterDays"), "ST-2");
        assert.strictEqual(requirementFor("edge.zone"), undefined);
    });
});
