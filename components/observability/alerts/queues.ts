import { QUEUE_METRICS } from "../appMetrics";
import { counter, gauge, matchers, series } from "../promql";
import { APP_LABEL, alertsOf, literal } from "./alert";
import type { AlertRulesInput, AlertSpec } from "./types";

export const QUEUES_GROUP = "runbook-queues";

/** Queues (OB-3): BullMQ metrics, from whichever app publishes them; none without a worker. */
export function queueAlerts(input: AlertRulesInput): AlertSpec[] {
    const t = input.thresholds;
    const ns = input.namespace;
    const worker = input.apps.find((a) => a.role === "worker");
    if (!worker) return [];
    const alert = alertsOf(input, { name: QUEUES_GROUP, category: "queues" });
    const qLabels = { namespace: ns, job: worker.name, queue: "email" };
    const qSel = matchers({ namespace: ns });
    return [
        alert({
            name: "QueueJobsFailing",
            severity: "sev3",
            requirement: "OB-3",
            expr: `sum by (namespace, job, queue) (rate(${QUEUE_METRICS.failedJobs}${qSel}[5m])) * 60 > ${literal(t.queueFailedJobsPerMinute)}`,
            for: "10m",
            labels: APP_LABEL,
            summary: "BullMQ queue {{ $labels.queue }} is failing jobs",
            description: `{{ $labels.queue }} failed {{ printf "%.1f" $value }} jobs a minute over 5 minutes, for 10 minutes (threshold ${literal(t.queueFailedJobsPerMinute)}): look for a retry storm`,
            proof: {
                interval: "1m",
                firing: [{ series: series(QUEUE_METRICS.failedJobs, qLabels), values: counter([[t.queueFailedJobsPerMinute * 1.2, 30]]) }],
                evalTime: "20m",
                outputLabels: qLabels,
                value: t.queueFailedJobsPerMinute * 1.2,
                quiet: [{ series: series(QUEUE_METRICS.failedJobs, qLabels), values: counter([[t.queueFailedJobsPerMinute * 0.9, 30]]) }],
            },
        }),
        alert({
            name: "QueueBacklog",
            severity: "sev3",
            requirement: "OB-3",
            expr: `max by (namespace, job, queue) (${QUEUE_METRICS.waitingJobs}${qSel}) > ${t.queueBacklogJobs}`,
            for: "15m",
            labels: APP_LABEL,
            summary: "BullMQ queue {{ $labels.queue }} is backing up",
            description: `{{ $labels.queue }} has {{ printf "%.0f" $value }} jobs waiting, for 15 minutes (threshold ${t.queueBacklogJobs}): workers are too few or stuck`,
            proof: {
                interval: "1m",
                firing: [{ series: series(QUEUE_METRICS.waitingJobs, qLabels), values: gauge([[Math.ceil(t.queueBacklogJobs * 1.5), 30]]) }],
                evalTime: "20m",
                outputLabels: qLabels,
                value: Math.ceil(t.queueBacklogJobs * 1.5),
                quiet: [{ series: series(QUEUE_METRICS.waitingJobs, qLabels), values: gauge([[t.queueBacklogJobs, 30]]) }],
            },
        }),
    ];
}
