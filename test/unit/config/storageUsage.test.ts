import * as assert from "assert";
import { validateConfig } from "../../../config/validate";
import { problemAt, problemsOf } from "../../helpers/configProblems";
import { stackRaw } from "../../helpers/stacks";

/*
 * The R2 usage keys (ST-1, ST-2): storage.buckets[].budgetGb and alerts.r2BudgetPercent, and the
 * usage token's rotation label, each refused at its own path with the fix, before any resource.
 */

describe("unit: R2 storage budgets config (ST-1, ST-2)", () => {
    const budget = (gb: unknown) => (c: Record<string, any>) => (c["runbook:storage"].buckets[0].budgetGb = gb);

    it("ST-2: a bucket's budget in GB and the alert's share are read; the share defaults to 80 %, the usage job runs hourly", () => {
        const r = validateConfig(stackRaw("production", budget(250.5)), "production");
        assert.ok(r.ok);
        assert.strictEqual(r.config.storage.buckets[0].budgetGb, 250.5);
        assert.strictEqual(r.config.alerts.r2BudgetPercent, 80);
        assert.strictEqual(r.config.storage.usage.schedule, "40 * * * *");
        assert.strictEqual(r.config.backups.rotation.analytics, "initial");
        const set = validateConfig(stackRaw("production", (c) => {
            budget(10)(c);
            c["runbook:alerts"].r2BudgetPercent = 95;
            c["runbook:backups"].rotation = { ...(c["runbook:backups"].rotation ?? {}), analytics: "2027-Q1" };
        }), "production");
        assert.ok(set.ok);
        assert.strictEqual(set.config.alerts.r2BudgetPercent, 95);
        assert.strictEqual(set.config.backups.rotation.analytics, "2027-Q1");
    });

    it("ST-2: a budget that is not a positive number of GB is refused at its bucket", () => {
        for (const bad of [0, -5, "100GB", 2_000_000]) {
            problemAt(problemsOf("production", budget(bad)), "storage.buckets[0].budgetGb");
        }
    });

    it("ST-2: a share outside 1-100 % is refused at alerts.r2BudgetPercent", () => {
        for (const bad of [0, 150, "80%"]) {
            problemAt(problemsOf("production", (c) => {
                budget(10)(c);
                c["runbook:alerts"].r2BudgetPercent = bad;
            }), "alerts.r2BudgetPercent");
        }
    });

    it("ST-2: a share with no bucket budget to take it of is refused, naming the keys to set", () => {
        const p = problemAt(problemsOf("production", (c) => (c["runbook:alerts"].r2BudgetPercent = 90)), "alerts.r2BudgetPercent");
        assert.match(p.message, /no bucket in storage.buckets has a budgetGb/);
        assert.match(p.fix ?? "", /storage\.buckets\[\]\.budgetGb/);
    });

    it("SC-2: the usage token's rotation label is checked like the others", () => {
        problemAt(problemsOf("production", (c) => (c["runbook:backups"].rotation = { analytics: "next quarter!" })), "backups.rotation.analytics");
    });
});
