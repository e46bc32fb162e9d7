import type { SyntaxNode } from "@lezer/common";
import type { ConfigProblem } from "./problems";
import type { RawStackConfig } from "./schema";

/*
 * The team's own alerts (`alerts.rules`, issue 20, 5): business metrics and anything else its apps
 * export. Each goes through the generator like a built-in alert (labels, annotations, routing by
 * severity, `promtool check rules`, a promtool unit test made from the example series it gives, and
 * the policy pack), so the checks here are what must hold before that: an expression Prometheus
 * parses, a name of its own, and an example that can tell firing from quiet.
 */

/**
 * Every alert name the generator can emit. A custom alert may not take one: two rules of one name
 * would share a runbook section and silence each other in Alertmanager. A unit test keeps this list
 * equal to what the generator emits.
 */
export const BUILT_IN_ALERT_NAMES: readonly string[] = [
    "AppDown",
    "AuthFailureSpike",
    "BackupFailed",
    "BackupNeverSucceeded",
    "BackupNewestExpiring",
    "BackupReplicaFailed",
    "BackupReplicaLagging",
    "BackupReplicaNeverSucceeded",
    "BackupSizeDropped",
    "BackupTooOld",
    "CertificateExpiringSoon",
    "CertificateNotReady",
    "ContainerCpuThrottled",
    "ContainerMemoryNearLimit",
    "ContainerOOMKilled",
    "DatabaseConnectionsNearMax",
    "DatastoreMetricsMissing",
    "ErrorBudgetBurnFast",
    "ErrorBudgetBurnSlow",
    "HighErrorRatio",
    "HighLatencyP50",
    "HighLatencyP95",
    "HighLatencyP99",
    "HighResponseTime",
    "HpaAtMaxReplicas",
    "LatencyBudgetBurnFast",
    "LatencyBudgetBurnSlow",
    "LatencyRegression",
    "LogShippingDropping",
    "LogShippingStopped",
    "MongoOperationLatencyHigh",
    "MongoReplicationLag",
    "NoTraffic",
    "PodRestartLoop",
    "QueueBacklog",
    "QueueJobsFailing",
    "R2BucketOverBudget",
    "R2UsageStale",
    "RedisMemoryNearMax",
    "RedisRejectingWrites",
    "RestoreDrillFailed",
    "RestoreDrillNeverSucceeded",
    "RestoreDrillOverdue",
    "RestoreDrillRpoAboveTarget",
    "RestoreDrillRtoAboveTarget",
    "RouteClientErrors",
    "RouteServerErrors",
    "VolumeFillingUp",
    "Watchdog",
    "WebSocketConnectionsDropped",
];

/** Labels the generator sets on every alert; a custom alert's `labels` may not set them. */
export const GENERATED_ALERT_LABELS: readonly string[] = ["severity", "category", "namespace"];

type Parser = { parse(text: string): { topNode: SyntaxNode } };
let promqlParser: Parser | undefined;

/** Where the expression stops being PromQL, as Prometheus' own grammar reads it; undefined when it parses. */
export function promqlSyntaxError(expr: string): string | undefined {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    promqlParser ??= (require("@prometheus-io/lezer-promql") as { parser: Parser }).parser;
    const top = promqlParser.parse(expr).topNode;
    let error: number | undefined;
    const cursor = top.cursor();
    do {
        if (cursor.type.isError) {
            error = cursor.from;
            break;
        }
    } while (cursor.next());
    if (error === undefined) return undefined;
    const near = expr.slice(error, error + 20);
    return near.length > 0 ? `does not parse as PromQL near "${near}" (character ${error + 1})` : "does not parse as PromQL: it ends too early";
}

/** Problems of `alerts.rules`, each at its key. */
export function customAlertProblems(raw: RawStackConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const seen = new Map<string, number>();
    (raw.alerts.rules ?? []).forEach((rule, i) => {
        const at = `alerts.rules[${i}]`;
        if (BUILT_IN_ALERT_NAMES.includes(rule.name)) {
            problems.push({ path: `${at}.name`, value: rule.name, message: "is the name of a built-in alert; two rules of one name would share a runbook section and silence each other", requirement: "OB-4", fix: "choose another name" });
        } else if (seen.has(rule.name)) {
            problems.push({ path: `${at}.name`, value: rule.name, message: `is also alerts.rules[${seen.get(rule.name)}].name`, requirement: "OB-4", fix: "give each rule its own name" });
        }
        seen.set(rule.name, i);
        const syntax = promqlSyntaxError(rule.expr);
        if (syntax !== undefined) {
            problems.push({ path: `${at}.expr`, value: rule.expr, message: syntax, requirement: "OB-2", fix: "write an expression Prometheus accepts (try it in the Prometheus UI first)" });
        }
        for (const label of Object.keys(rule.labels ?? {})) {
            if (GENERATED_ALERT_LABELS.includes(label)) {
                problems.push({ path: `${at}.labels.${label}`, message: "is set by the generator on every alert (severity from the rule's severity)", requirement: "OB-4", fix: `remove ${at}.labels.${label}` });
            }
        }
        for (const [key, series] of [
            ["firing", rule.test.firing],
            ["quiet", rule.test.quiet],
        ] as const) {
            series.forEach((s, j) => {
                const syntax = promqlSyntaxError(s.series);
                if (syntax !== undefined) {
                    problems.push({ path: `${at}.test.${key}[${j}].series`, value: s.series, message: `${syntax}; a series is a metric name with labels, such as orders_failed_total{job="api"}`, fix: "write it as promtool's input_series takes it" });
                }
            });
        }
        const templated = /\$value\b/.test(`${rule.summary} ${rule.description}`);
        if (templated && rule.test.value === undefined) {
            problems.push({ path: `${at}.test.value`, message: "is required: the summary or description prints {{ $value }}, so the test must say what it is when the alert fires", fix: `set ${at}.test.value to the expression's value at evalTime` });
        }
    });
    return problems;
}
