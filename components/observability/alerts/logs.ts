import { KUBE_METRICS, LOG_SHIPPER_METRICS } from "../appMetrics";
import { counter, gauge, matchers, series } from "../promql";
import { alertsOf, namespaceSelector } from "./alert";
import type { AlertRulesInput, AlertSpec } from "./types";

export const LOGS_GROUP = "runbook-logs";

/** Minutes without a shipped entry before LogShippingStopped: the rate's window; the alert waits 5 more. */
export const LOG_SILENCE_MINUTES = 15;

/**
 * Centralized logs (OB-5): the shipper the stack installs (Grafana Alloy) stops sending, or Loki
 * refuses what it sends. No alerts when the stack installs no shipper.
 */
export function logAlerts(input: AlertRulesInput): AlertSpec[] {
    const shipping = input.logShipping;
    if (!shipping) return [];
    const alert = alertsOf(input, { name: LOGS_GROUP, category: "logs" });
    const shipper = matchers({ job: shipping.job });
    const nsSel = namespaceSelector(input);
    const writer = { job: shipping.job, instance: "10.0.1.7:12345", host: "loki.monitoring.svc:3100", tenant: "" };
    const runningPod = series(KUBE_METRICS.podPhase, { namespace: input.namespace, pod: "api-7d9f-abcde", phase: "Running" });
    const window = `${LOG_SILENCE_MINUTES}m`;
    return [
        alert({
            name: "LogShippingStopped",
            severity: "sev3",
            requirement: "OB-5",
            // `or vector(0)`: a shipper that is gone (no series at all) has stopped too.
            expr: `(sum(rate(${LOG_SHIPPER_METRICS.sentEntries}${shipper}[${window}])) or vector(0)) == 0\n  and on () sum(${KUBE_METRICS.podPhase}${nsSel({ phase: "Running" })}) > 0`,
            for: "5m",
            summary: "Pod logs are no longer reaching Loki",
            description: `The log shipper (${shipping.job}) has sent no log entries for ${LOG_SILENCE_MINUTES} minutes while the stack's pods run: logs of this period will be missing from the search`,
            proof: {
                interval: "1m",
                firing: [
                    { series: series(LOG_SHIPPER_METRICS.sentEntries, writer), values: counter([[20, 10], [0, 30]]) },
                    { series: runningPod, values: gauge([[1, 40]]) },
                ],
                evalTime: "35m",
                outputLabels: {},
                value: 0,
                quiet: [
                    { series: series(LOG_SHIPPER_METRICS.sentEntries, writer), values: counter([[20, 40]]) },
                    { series: runningPod, values: gauge([[1, 40]]) },
                ],
            },
        }),
        alert({
            name: "LogShippingDropping",
            severity: "sev3",
            requirement: "OB-5",
            expr: `sum by (reason) (increase(${LOG_SHIPPER_METRICS.droppedEntries}${shipper}[${window}])) > 0`,
            summary: "Loki is refusing log entries ({{ $labels.reason }})",
            description: `The log shipper (${shipping.job}) dropped log entries after its retries within ${LOG_SILENCE_MINUTES} minutes, reason {{ $labels.reason }}: those lines are not searchable`,
            proof: {
                interval: "1m",
                firing: [{ series: series(LOG_SHIPPER_METRICS.droppedEntries, { ...writer, reason: "ingester_error" }), values: counter([[0, 10], [3, 20]]) }],
                evalTime: "25m",
                outputLabels: { reason: "ingester_error" },
                value: 45,
                quiet: [{ series: series(LOG_SHIPPER_METRICS.droppedEntries, { ...writer, reason: "ingester_error" }), values: counter([[3, 5], [0, 30]]) }],
            },
        }),
    ];
}
