import * as assert from "assert";
import { cronPeriodSeconds, parseCronSchedule } from "../../../lib/cron";

describe("unit: cron schedules are parsed by cron-parser (BK-1, BK-6, OB-6, issue 19 (11))", () => {
    it("BK-1: accepts what the CronJob controller runs: numbers, ranges, lists, steps, names and its macros", () => {
        for (const s of ["0 2 * * *", "15 * * * *", "*/15 * * * *", "0 5 1 1,4,7,10 *", "0 5 * * MON", "0 0 1-7 * 1-5", "@daily", "@hourly"]) {
            assert.ok(!("problem" in parseCronSchedule(s)), s);
        }
    });

    it("BK-1: refuses out-of-range values, prose, six fields and the extensions Kubernetes does not read", () => {
        for (const s of ["0 25 * * *", "61 * * * *", "0 2 31 2 *", "every day at noon", "at 2am", "0 2 * * * *", "0 0 L * *", "0 0 * * 5#2", "H 2 * * *", "", "0 2 * *"]) {
            assert.ok("problem" in parseCronSchedule(s), `'${s}' is refused`);
        }
    });

    it("OB-6: the period the backup and drill alerts derive is the longest gap between two runs", () => {
        assert.strictEqual(cronPeriodSeconds("0 2 * * *"), 86400);
        assert.strictEqual(cronPeriodSeconds("@daily"), 86400);
        assert.strictEqual(cronPeriodSeconds("15 * * * *"), 3600);
        assert.strictEqual(cronPeriodSeconds("*/15 * * * *"), 900);
        assert.strictEqual(cronPeriodSeconds("0 2,14 * * *"), 12 * 3600);
        assert.strictEqual(cronPeriodSeconds("0 22,2 * * *"), 20 * 3600, "02:00 to 22:00 is the longer gap");
        assert.strictEqual(cronPeriodSeconds("0 5 * * 1"), 7 * 86400);
        assert.strictEqual(cronPeriodSeconds("0 5 * * 1-5"), 3 * 86400, "Friday to Monday");
        assert.strictEqual(cronPeriodSeconds("0 5 1 1,4,7,10 *"), 92 * 86400, "October to January");
        assert.strictEqual(cronPeriodSeconds("0 0 29 2 *"), (366 + 365 * 3) * 86400, "a leap day runs every four years");
        assert.throws(() => cronPeriodSeconds("0 25 * * *"), /0 25 \* \* \*/);
    });
});
