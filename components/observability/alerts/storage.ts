import { cronPeriodSeconds } from "../../../lib/cron";
import { BYTES_PER_GB } from "../../../config/alerting";
import { R2_USAGE_METRICS, R2_USAGE_PUSH_JOB } from "../r2UsageMetrics";
import { gauge, matchers, series } from "../promql";
import { alertsOf, duration, literal } from "./alert";
import type { AlertRulesInput, AlertSpec } from "./types";

/** The group the R2 storage alerts live in. */
export const STORAGE_GROUP = "runbook-storage";

/**
 * R2UsageStale: runs without a good reading before it fires. Three, so one failed run (Cloudflare's
 * API busy, a token being rotated) only delays the numbers.
 */
export const R2_USAGE_STALE_RUNS = 3;

/** R2 storage (ST-1, ST-2): every bucket's size against its budget, and the job that measures them. */
export function storageAlerts(input: AlertRulesInput): AlertSpec[] {
    const usage = input.r2Usage;
    if (usage === undefined) return [];
    const alert = alertsOf(input, { name: STORAGE_GROUP, category: "storage" });
    const push = { job: R2_USAGE_PUSH_JOB, stack: input.stack };
    const specs: AlertSpec[] = [];

    const period = cronPeriodSeconds(usage.schedule);
    const staleHours = (R2_USAGE_STALE_RUNS * period) / 3600;
    // `or vector(0)`: a job that never succeeded reads as a success at the epoch, so the alert also
    // fires when the metric never arrived. `for` one period: a new stack's first run comes within it.
    specs.push(alert({
        name: "R2UsageStale",
        severity: "sev3",
        requirement: "ST-2",
        expr: `(time() - (max(${R2_USAGE_METRICS.lastSuccessTimestamp}${matchers(push)}) or vector(0))) / 3600 > ${literal(staleHours)}`,
        for: duration(period),
        summary: `No R2 bucket size reading for over ${literal(staleHours)} h`,
        description: `The R2 usage job last read the buckets' sizes {{ printf "%.1f" $value }} hours ago (a number this large means never): the budget alerts see old sizes or none. Check the r2-usage CronJob's last Job logs`,
        proof: {
            interval: "10m",
            firing: [{ series: series(R2_USAGE_METRICS.lastSuccessTimestamp, push), values: gauge([[0, 40]]) }],
            evalTime: duration(staleHours * 3600 + period + 3600),
            outputLabels: {},
            value: staleHours + period / 3600 + 1,
            // Older than the limit, but not yet for a whole period.
            quiet: [{ series: series(R2_USAGE_METRICS.lastSuccessTimestamp, push), values: gauge([[0, 40]]) }],
            quietEvalTime: duration(staleHours * 3600 + period - 600),
        },
    }));

    const ratio = input.thresholds.r2BudgetPercent / 100;
    for (const b of usage.buckets.filter((x) => x.budgetBytes !== undefined)) {
        const budget = b.budgetBytes!;
        const labels = { ...push, bucket: b.bucket };
        const sized = (bytes: number) => [{ series: series(R2_USAGE_METRICS.sizeBytes, labels), values: gauge([[bytes, 10]]) }];
        const fired = Math.round(budget * Math.min(1, ratio + 0.05));
        specs.push(alert({
            name: "R2BucketOverBudget",
            severity: "sev3",
            requirement: "ST-2",
            expr: `max by (bucket) (${R2_USAGE_METRICS.sizeBytes}${matchers(labels)}) / ${budget} >= ${literal(ratio)}`,
            labels: { bucket: b.bucket },
            summary: `R2 bucket ${b.bucket} holds ${literal(input.thresholds.r2BudgetPercent)} % or more of its ${literal(budget / BYTES_PER_GB)} GB budget`,
            description: `R2 bucket ${b.bucket} holds {{ $value | humanizePercentage }} of its ${literal(budget / BYTES_PER_GB)} GB budget: check its lifecycle rules (expiry, Infrequent Access), what is filling it, or raise storage.buckets[].budgetGb`,
            proof: {
                interval: "1m",
                firing: sized(fired),
                evalTime: "5m",
                outputLabels: { bucket: b.bucket },
                value: fired / budget,
                quiet: sized(Math.floor(budget * ratio) - 1),
            },
        }));
    }
    return specs;
}
