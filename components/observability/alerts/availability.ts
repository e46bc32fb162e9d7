import { KUBE_METRICS } from "../appMetrics";
import { gauge, matchers, oneOf, series } from "../promql";
import { APP_LABEL, alertsOf } from "./alert";
import type { AlertRulesInput, AlertSpec } from "./types";

export const AVAILABILITY_GROUP = "runbook-availability";

/** AppDown (OB-1): every app has at least one target up (sev1: full outage). */
export function availabilityAlerts(input: AlertRulesInput): AlertSpec[] {
    const ns = input.namespace;
    const allApps = input.apps;
    if (allApps.length === 0) return [];
    const alert = alertsOf(input, { name: AVAILABILITY_GROUP, category: "slo" });
    const first = allApps[0].name;
    const upSel = (job: string) => matchers({ namespace: ns, job });
    const expr = [
        `sum by (namespace, job) (${KUBE_METRICS.up}${matchers({ namespace: ns, job: oneOf(allApps.map((a) => a.name)) })}) == 0`,
        ...allApps.map((a) => `absent(${KUBE_METRICS.up}${upSel(a.name)})`),
    ].join("\n  or ");
    const others = allApps.slice(1).map((a) => ({ series: series(KUBE_METRICS.up, { namespace: ns, job: a.name, instance: `${a.name}-0` }), values: gauge([[1, 10]]) }));
    return [
        alert({
            name: "AppDown",
            severity: "sev1",
            requirement: "OB-1",
            expr,
            for: "2m",
            labels: APP_LABEL,
            summary: "{{ $labels.job }} has no pod that Prometheus can scrape",
            description: `Every target of {{ $labels.job }} in ${ns} is down or gone for 2 minutes: a full outage of the app`,
            proof: {
                interval: "1m",
                firing: [{ series: series(KUBE_METRICS.up, { namespace: ns, job: first, instance: `${first}-0` }), values: gauge([[0, 10]]) }, ...others],
                evalTime: "5m",
                outputLabels: { namespace: ns, job: first },
                value: 0,
                quiet: [
                    { series: series(KUBE_METRICS.up, { namespace: ns, job: first, instance: `${first}-0` }), values: gauge([[0, 10]]) },
                    { series: series(KUBE_METRICS.up, { namespace: ns, job: first, instance: `${first}-1` }), values: gauge([[1, 10]]) },
                    ...others,
                ],
            },
        }),
    ];
}
