import * as assert from "assert";
import { windowMinutes, windowsOverlap } from "../../../lib/windows";

describe("unit: UTC maintenance, backup and snapshot windows", () => {
    it("BK-1: detects overlapping daily and weekly windows, across midnight", () => {
        assert.ok(windowsOverlap("02:00-03:00", "sun:02:30-sun:03:30"));
        assert.ok(!windowsOverlap("02:00-03:00", "sun:04:00-sun:05:00"));
        assert.ok(windowsOverlap("23:30-00:30", "mon:00:00-mon:01:00"));
        assert.ok(windowsOverlap("sat:23:00-sun:01:00", "sun:00:30-sun:02:00"));
        assert.ok(!windowsOverlap("sat:23:00-sun:01:00", "sun:01:00-sun:02:00"));
    });

    it("measures daily windows, across midnight too", () => {
        assert.strictEqual(windowMinutes("03:00-04:00"), 60);
        assert.strictEqual(windowMinutes("23:30-01:00"), 90);
    });
});
