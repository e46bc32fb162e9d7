import * as assert from "assert";
import { cpuMillis, memoryGiB, memoryMiB } from "../../../lib/quantities";

describe("unit: Kubernetes resource quantities", () => {
    it("WL-4: parses CPU and memory quantities", () => {
        assert.strictEqual(cpuMillis("250m"), 250);
        assert.strictEqual(cpuMillis("1.5"), 1500);
        assert.strictEqual(memoryMiB("2Gi"), 2048);
        assert.strictEqual(memoryMiB("512Mi"), 512);
    });


    it("parses binary and decimal memory quantities into GiB, refusing what it cannot read", () => {
        assert.strictEqual(memoryGiB("4Gi"), 4);
        assert.strictEqual(memoryGiB("512Mi"), 0.5);
        assert.strictEqual(memoryGiB("1Ti"), 1024);
        assert.strictEqual(memoryGiB("1G"), 1e9 / 1024 ** 3);
        assert.throws(() => memoryGiB("4 gigs"), /memory quantity "4 gigs" is not understood/);
    });
});
