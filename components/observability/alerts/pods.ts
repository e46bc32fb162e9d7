import { KUBE_METRICS } from "../appMetrics";
import { counter, gauge, series } from "../promql";
import { alertsOf, literal, namespaceSelector, webApps } from "./alert";
import type { AlertRulesInput, AlertSpec } from "./types";

export const PODS_GROUP = "runbook-pods";

/** Pods (OB-7), for every container of the namespace: apps and the data tier. */
export function podAlerts(input: AlertRulesInput): AlertSpec[] {
    const t = input.thresholds;
    const ns = input.namespace;
    const probe = webApps(input)[0];
    const alert = alertsOf(input, { name: PODS_GROUP, category: "pods" });
    const nsSel = namespaceSelector(input);
    const pod = { namespace: ns, pod: `${probe?.name ?? "app"}-7d9f8-abcde`, container: probe?.name ?? "app" };
    const ksm = { ...pod, job: "kube-state-metrics" };
    /** A restart counter with one restart at each of the given minutes. */
    const restartsAt = (minutes: number[], steps: number) => Array.from({ length: steps + 1 }, (_, k) => minutes.filter((m) => m <= k).length).join(" ");
    const restartWindow = 15;
    const restartMinutes = (count: number) => Array.from({ length: count }, (_, i) => 11 + (i % 9));
    const cadvisor = { ...pod, job: "kubelet" };
    const byContainer = "namespace, pod, container";
    /** The proof container's memory limit, in bytes. */
    const memoryLimitBytes = 2e9;
    const hpa = { namespace: ns, horizontalpodautoscaler: probe?.name ?? "app", job: "kube-state-metrics" };
    return [
        alert({
            name: "PodRestartLoop",
            severity: "sev2",
            requirement: "OB-7",
            expr: `${KUBE_METRICS.restarts}${nsSel()} - ${KUBE_METRICS.restarts}${nsSel()} offset ${restartWindow}m >= ${t.podRestartsPer15m}`,
            for: "5m",
            summary: "{{ $labels.pod }} is restarting in a loop",
            description: `Container {{ $labels.container }} of {{ $labels.pod }} restarted {{ printf "%.0f" $value }} times in 15 minutes (threshold ${t.podRestartsPer15m}): crash loop`,
            proof: {
                interval: "1m",
                // The restarts land between minutes 11 and 19, so every 15-minute window from minute 20 to 25 holds them all.
                firing: [{ series: series(KUBE_METRICS.restarts, ksm), values: restartsAt(restartMinutes(t.podRestartsPer15m), 30) }],
                evalTime: "25m",
                outputLabels: ksm,
                value: t.podRestartsPer15m,
                quiet: [{ series: series(KUBE_METRICS.restarts, ksm), values: restartsAt(restartMinutes(t.podRestartsPer15m - 1), 30) }],
            },
        }),
        alert({
            name: "ContainerOOMKilled",
            severity: "sev3",
            requirement: "OB-7",
            expr: `(${KUBE_METRICS.restarts}${nsSel()} - ${KUBE_METRICS.restarts}${nsSel()} offset 10m >= 1)\n  and on (namespace, pod, container) ${KUBE_METRICS.lastTerminatedReason}${nsSel({ reason: "OOMKilled" })} == 1`,
            summary: "{{ $labels.pod }} was killed for running out of memory",
            description: "Container {{ $labels.container }} of {{ $labels.pod }} was OOM-killed {{ printf \"%.0f\" $value }} time(s) in 10 minutes: raise its memory limit or find the leak",
            proof: {
                interval: "1m",
                firing: [
                    { series: series(KUBE_METRICS.restarts, ksm), values: gauge([[0, 5], [1, 11]]) },
                    { series: series(KUBE_METRICS.lastTerminatedReason, { ...ksm, reason: "OOMKilled" }), values: gauge([[1, 15]]) },
                ],
                evalTime: "10m",
                outputLabels: ksm,
                value: 1,
                quiet: [
                    { series: series(KUBE_METRICS.restarts, ksm), values: gauge([[0, 5], [1, 11]]) },
                    { series: series(KUBE_METRICS.lastTerminatedReason, { ...ksm, reason: "Error" }), values: gauge([[1, 15]]) },
                ],
                quietEvalTime: "10m",
            },
        }),
        alert({
            name: "ContainerCpuThrottled",
            severity: "sev4",
            requirement: "OB-7",
            expr: `sum by (${byContainer}) (increase(${KUBE_METRICS.cfsThrottledPeriods}${nsSel({ container: /.+/ })}[5m]))\n  / sum by (${byContainer}) (increase(${KUBE_METRICS.cfsPeriods}${nsSel({ container: /.+/ })}[5m])) * 100 > ${literal(t.cpuThrottlingPercent)}`,
            for: "15m",
            summary: "{{ $labels.pod }} is CPU-throttled",
            description: `Container {{ $labels.container }} of {{ $labels.pod }} was throttled in {{ printf "%.1f" $value }} % of CPU periods over 5 minutes, for 15 minutes (threshold ${literal(t.cpuThrottlingPercent)} %): raise its CPU limit`,
            proof: {
                interval: "1m",
                firing: [
                    { series: series(KUBE_METRICS.cfsPeriods, cadvisor), values: counter([[600, 30]]) },
                    { series: series(KUBE_METRICS.cfsThrottledPeriods, cadvisor), values: counter([[6 * Math.min(100, t.cpuThrottlingPercent * 1.2), 30]]) },
                ],
                evalTime: "25m",
                outputLabels: pod,
                value: Math.min(100, t.cpuThrottlingPercent * 1.2),
                quiet: [
                    { series: series(KUBE_METRICS.cfsPeriods, cadvisor), values: counter([[600, 30]]) },
                    { series: series(KUBE_METRICS.cfsThrottledPeriods, cadvisor), values: counter([[6 * t.cpuThrottlingPercent * 0.96, 30]]) },
                ],
            },
        }),
        alert({
            name: "ContainerMemoryNearLimit",
            severity: "sev3",
            requirement: "OB-7",
            expr: `max by (${byContainer}) (${KUBE_METRICS.workingSetBytes}${nsSel({ container: /.+/ })})\n  / max by (${byContainer}) (${KUBE_METRICS.memoryLimit}${nsSel({ resource: "memory" })}) * 100 > ${literal(t.memoryLimitPercent)}`,
            for: "15m",
            summary: "{{ $labels.pod }} is close to its memory limit",
            description: `Container {{ $labels.container }} of {{ $labels.pod }} uses {{ printf "%.1f" $value }} % of its memory limit, for 15 minutes (threshold ${literal(t.memoryLimitPercent)} %): an OOM kill is next`,
            proof: {
                interval: "1m",
                firing: [
                    { series: series(KUBE_METRICS.workingSetBytes, cadvisor), values: gauge([[memoryLimitBytes * ((t.memoryLimitPercent + (100 - t.memoryLimitPercent) / 2) / 100), 30]]) },
                    { series: series(KUBE_METRICS.memoryLimit, { ...ksm, resource: "memory", unit: "byte" }), values: gauge([[memoryLimitBytes, 30]]) },
                ],
                evalTime: "20m",
                outputLabels: pod,
                value: t.memoryLimitPercent + (100 - t.memoryLimitPercent) / 2,
                quiet: [
                    { series: series(KUBE_METRICS.workingSetBytes, cadvisor), values: gauge([[memoryLimitBytes * ((t.memoryLimitPercent - 0.5) / 100), 30]]) },
                    { series: series(KUBE_METRICS.memoryLimit, { ...ksm, resource: "memory", unit: "byte" }), values: gauge([[memoryLimitBytes, 30]]) },
                ],
            },
        }),
        alert({
            name: "HpaAtMaxReplicas",
            severity: "sev3",
            requirement: "OB-7",
            expr: `${KUBE_METRICS.hpaCurrentReplicas}${nsSel()}\n  >= on (namespace, horizontalpodautoscaler) ${KUBE_METRICS.hpaMaxReplicas}${nsSel()}`,
            for: "15m",
            summary: "{{ $labels.horizontalpodautoscaler }} cannot scale out any further",
            description: "{{ $labels.horizontalpodautoscaler }} has run at its maximum of {{ printf \"%.0f\" $value }} replicas for 15 minutes: raise the maximum or find what saturates it",
            proof: {
                interval: "1m",
                firing: [
                    { series: series(KUBE_METRICS.hpaCurrentReplicas, hpa), values: gauge([[10, 30]]) },
                    { series: series(KUBE_METRICS.hpaMaxReplicas, hpa), values: gauge([[10, 30]]) },
                ],
                evalTime: "20m",
                // A one-to-one comparison `on (...)` keeps only the matching labels.
                outputLabels: { namespace: ns, horizontalpodautoscaler: hpa.horizontalpodautoscaler },
                value: 10,
                quiet: [
                    { series: series(KUBE_METRICS.hpaCurrentReplicas, hpa), values: gauge([[9, 30]]) },
                    { series: series(KUBE_METRICS.hpaMaxReplicas, hpa), values: gauge([[10, 30]]) },
                ],
            },
        }),
    ];
}
