import * as assert from "assert";
import { cpuMillis, memoryMiB, windowsOverlap } from "../../../config/rules";
import { editDistance, nearest, requirementFor } from "../../../config/problems";

describe("unit: config rule helpers", () => {
    it("BK-1: detects overlapping daily and weekly windows, across midnight", () => {
        assert.ok(windowsOverlap("02:00-03:00", "sun:02:30-sun:03:30"));
        assert.ok(!windowsOverlap("02:00-03:00", "sun:04:00-sun:05:00"));
        assert.ok(windowsOverlap("23:30-00:30", "mon:00:00-mon:01:00"));
        assert.ok(windowsOverlap("sat:23:00-sun:01:00", "sun:00:30-sun:02:00"));
        assert.ok(!windowsOverlap("sat:23:00-sun:01:00", "sun:01:00-sun:02:00"));
    });

    it("WL-4: parses CPU and memory quantities", () => {
        assert.strictEqual(cpuMillis("250m"), 250);
        assert.strictEqual(cpuMillis("1.5"), 1500);
        assert.strictEqual(memoryMiB("2Gi"), 2048);
        assert.strictEqual(memoryMiB("512Mi"), 512);
    });

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
