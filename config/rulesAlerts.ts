import { ConfigProblem } from "./problems";
import { usesAwsDatastores } from "./model";
import { ALERT_DEFAULTS, latencyPercentiles, Environment, HTTP_DURATION_BUCKETS_SECONDS, StackConfig, defaultRestoreDrillSchedule, resolveConfig } from "./resolve";
import { cronPeriodSeconds } from "../lib/cron";
import { RawStackConfig } from "./schema";

/**
 * Secret keys the schema leaves optional but the rules below require for this config, as key paths
 * (the offline plan stands in for them like for any required secret). Reads raw, unvalidated values.
 */
export function conditionallyRequiredSecrets(values: Record<string, unknown>, isProduction: boolean): string[][] {
    const section = (key: string) => (values[key] !== null && typeof values[key] === "object" ? (values[key] as Record<string, unknown>) : {});
    const awsStores = section("database").engine === "postgres" || section("redis").mode === "elasticache";
    return isProduction && awsStores ? [["alerts", "routes", "pagerdutyCloudwatchKey"]] : [];
}

/** Rules of the `alerts` section that span keys or depend on the environment (OB-1…OB-7, BK-7). */
export function alertProblems(raw: RawStackConfig, env: Environment, model: StackConfig = resolveConfig(raw, env)): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const alerts = raw.alerts;
    const p95 = alerts.p95LatencyMs ?? ALERT_DEFAULTS.p95LatencyMs;
    const high = alerts.highResponseTimeMs ?? ALERT_DEFAULTS.highResponseTimeMs;
    if (high <= p95) {
        problems.push({
            path: "alerts.highResponseTimeMs",
            value: high,
            message: `is not above alerts.p95LatencyMs (${p95}), so the high-response-time page would fire before the latency objective is even missed`,
            requirement: "OB-2",
            fix: `set it above ${p95}`,
        });
    }
    const { p50LatencyMs: p50, p99LatencyMs: p99 } = latencyPercentiles(alerts);
    if (p50 >= p95) {
        problems.push({ path: "alerts.p50LatencyMs", value: p50, message: `is not below alerts.p95LatencyMs (${p95}); the median is never slower than the 95th percentile`, requirement: "OB-2", fix: `set it below ${p95}` });
    }
    if (p99 <= p95) {
        problems.push({ path: "alerts.p99LatencyMs", value: p99, message: `is not above alerts.p95LatencyMs (${p95}); the 99th percentile is never faster than the 95th`, requirement: "OB-2", fix: `set it above ${p95}` });
    }
    if (!HTTP_DURATION_BUCKETS_SECONDS.some((edge) => Math.abs(edge * 1000 - p95) < 1e-9)) {
        const edges = HTTP_DURATION_BUCKETS_SECONDS.map((e) => String(e * 1000));
        problems.push({
            path: "alerts.p95LatencyMs",
            value: p95,
            message: "is no bucket edge of the request-duration histogram, so the latency SLO cannot count the requests slower than it",
            requirement: "OB-1",
            fix: `set one of ${edges.join(", ")}`,
        });
    }
    // ST-2: a budget share with no budget to take it of would never alert; say so rather than accept it.
    if (alerts.r2BudgetPercent !== undefined && !raw.storage.buckets.some((b) => b.budgetGb !== undefined)) {
        problems.push({
            path: "alerts.r2BudgetPercent",
            value: alerts.r2BudgetPercent,
            message: "is set, but no bucket in storage.buckets has a budgetGb, so R2BucketOverBudget never fires",
            requirement: "ST-2",
            fix: "set storage.buckets[].budgetGb on the buckets to watch, or remove alerts.r2BudgetPercent",
        });
    }
    // One objective, stated two ways: a second number would page on a budget the SLO does not have (issue 22).
    const availability = alerts.availabilityPercent ?? ALERT_DEFAULTS.availabilityPercent;
    const allowedErrors = Number((100 - availability).toPrecision(10));
    if (alerts.errorRatePercent !== undefined && Math.abs(alerts.errorRatePercent - allowedErrors) > 1e-9) {
        problems.push({
            path: "alerts.errorRatePercent",
            value: alerts.errorRatePercent,
            message: `contradicts alerts.availabilityPercent (${availability}), which lets ${allowedErrors} % of requests fail; errors page from that one budget`,
            requirement: "OB-1",
            fix: `remove alerts.errorRatePercent (it is always 100 − availabilityPercent), or set alerts.availabilityPercent to ${Number((100 - alerts.errorRatePercent).toPrecision(10))}`,
        });
    }
    const runbookBaseUrl = alerts.runbookBaseUrl;
    if (env.isProduction && !/^https:\/\//.test(runbookBaseUrl ?? "")) {
        problems.push({
            path: "alerts.runbookBaseUrl",
            ...(runbookBaseUrl === undefined ? {} : { value: runbookBaseUrl }),
            message: `${runbookBaseUrl === undefined ? "is not set, so every page links to the relative docs/alerts.md" : "is relative"}: the on-call engineer cannot open the response steps from a page`,
            requirement: "OB-4",
            fix: "set it to where docs/alerts.md is published, such as https://github.com/acme/runbook/blob/main/docs/alerts.md",
        });
    }
    const backupSchedule = raw.backups.schedule ?? "0 2 * * *";
    const backupPeriodHours = cronPeriodSeconds(backupSchedule) / 3600;
    const rpo = alerts.rpoTargetHours ?? ALERT_DEFAULTS.rpoTargetHours;
    if (rpo < backupPeriodHours) {
        problems.push({
            path: "alerts.rpoTargetHours",
            value: rpo,
            message: `is below the ${backupPeriodHours} h between backups (backups.schedule '${backupSchedule}'), so every restore drill would miss it`,
            requirement: "BK-7",
            fix: `set ${backupPeriodHours} or more, or back up more often`,
        });
    }
    const drillSchedule = raw.backups.restoreDrillSchedule ?? defaultRestoreDrillSchedule(env);
    if (cronPeriodSeconds(drillSchedule) < 3600) {
        problems.push({ path: "backups.restoreDrillSchedule", value: drillSchedule, message: "runs more than once an hour", requirement: "BK-6", fix: "schedule the drill at most hourly" });
    }
    // CloudWatch alarms exist exactly for the data stores the model places in AWS.
    const awsStores = usesAwsDatastores(model);
    if (env.isProduction && awsStores && alerts.routes.pagerdutyCloudwatchKey === undefined) {
        problems.push({
            path: "alerts.routes.pagerdutyCloudwatchKey",
            message: "is required in production when RDS or ElastiCache runs, so their CloudWatch alarms page someone",
            requirement: "OB-4",
            fix: "create an Amazon CloudWatch integration on the PagerDuty service, then: pulumi config set --secret --path 'runbook:alerts.routes.pagerdutyCloudwatchKey' <integration key>",
        });
    }
    if (!awsStores && alerts.routes.awsChatbotSlack !== undefined) {
        problems.push({
            path: "alerts.routes.awsChatbotSlack",
            value: alerts.routes.awsChatbotSlack,
            message: "has no CloudWatch alarms to post: no data store runs in AWS",
            requirement: "OB-4",
            fix: "remove alerts.routes.awsChatbotSlack",
        });
    }
    return problems;
}
