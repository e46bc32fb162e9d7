import {
    LATENCY_BUDGET,
    PAGE_FOR_MINUTES,
    PairThresholds,
    SCENARIO_REQUESTS_PER_MINUTE,
    SLO_WINDOWS,
    SliKind,
    SloWindow,
    TICKET_FOR_MINUTES,
    errorBudget,
    pairThresholds,
    requestsFor,
    round10,
} from "../burnRate";
import { matchers } from "../promql";
import { APP_LABEL, alertsOf, literal, webApps, webAppsSelector } from "./alert";
import { REQUEST_DURATION as H, ceilShare, durationMinutes, floorShare, latencyTraffic, requestTraffic } from "./proof";
import type { AlertProof, AlertRulesInput, AlertSpec, InputSeries, RecordingRule } from "./types";

/**
 * The SLO group: its recording rules first, then the alerts that read them. Prometheus evaluates a
 * group's rules in order, so every alert reads the ratio of this evaluation; in a group of their own
 * the recordings may run after the alerts, which then read them a minute stale (issue 22).
 */
export const SLO_GROUP = "runbook-slo";

/** The SLO recording rules' names, per window: request rate, error ratio, slow-request ratio. */
export const SLO_RECORDS: Record<"requests" | SliKind, (window: SloWindow) => string> = {
    requests: (w) => `runbook:slo_requests:rate${w}`,
    errors: (w) => `runbook:slo_errors_per_request:ratio_rate${w}`,
    slow: (w) => `runbook:slo_slow_requests_per_request:ratio_rate${w}`,
};
export function sloRatioRecord(window: SloWindow): string {
    return SLO_RECORDS.errors(window);
}

/**
 * The SLO recording rules of the api and web apps, per window: requests a second, then the share
 * answered with 5xx and the share slower than p95LatencyMs (the histogram bucket at that edge).
 * Each ratio reads the request rate recorded just before it.
 */
export function sloRecordingRules(input: AlertRulesInput): RecordingRule[] {
    const web = webApps(input);
    if (web.length === 0) return [];
    const sel = webAppsSelector(input);
    const requests = (w: SloWindow) => `${SLO_RECORDS.requests(w)}${matchers({ namespace: input.namespace })}`;
    const le = latencyBucketLabel(input.thresholds.p95LatencyMs);
    return [
        ...SLO_WINDOWS.map((w) => ({ record: SLO_RECORDS.requests(w), expr: `sum by (namespace, job) (rate(${H}_count${sel()}[${w}]))` })),
        ...SLO_WINDOWS.map((w) => ({ record: SLO_RECORDS.errors(w), expr: `sum by (namespace, job) (rate(${H}_count${sel({ status_code: /5../ })}[${w}]))\n  / ${requests(w)}` })),
        ...SLO_WINDOWS.map((w) => ({ record: SLO_RECORDS.slow(w), expr: `1 - sum by (namespace, job) (rate(${H}_bucket${sel({ le })}[${w}]))\n  / ${requests(w)}` })),
    ];
}

/** The `le` label of the histogram bucket at the latency objective: 400 ms → "0.4". */
export function latencyBucketLabel(p95LatencyMs: number): string {
    return String(round10(p95LatencyMs / 1000));
}

/** The burn-rate pages and tickets of the availability and latency SLOs, and the error-ratio symptom, of the first web app's job. */
export function sloAlerts(input: AlertRulesInput): AlertSpec[] {
    const t = input.thresholds;
    const ns = input.namespace;
    const probe = webApps(input)[0];
    if (!probe) return [];
    const alert = alertsOf(input, { name: SLO_GROUP, category: "slo" });
    const specs: AlertSpec[] = [];
    const jobOut = { namespace: ns, job: probe.name };

    // The SLOs (OB-1, issue 22): availability (the share of requests answered without 5xx) and
    // latency (the share answered within p95LatencyMs), each spent by the Workbook's burn-rate pairs
    // (burnRate.ts). The pages fire on a budget alone: no second threshold that could contradict it.
    const availabilityPairs = pairThresholds(errorBudget(t.availabilityPercent));
    const latencyPairs = pairThresholds(LATENCY_BUDGET);
    const r = (record: (w: SloWindow) => string, w: SloWindow) => `${record(w)}${matchers({ namespace: ns })}`;
    // A pair holds only with enough requests in its long window: at 6 requests an hour one failure
    // is a 16.7 % error ratio, which the Workbook's low-traffic advice says not to page on.
    const burn = (sli: SliKind, pairs: PairThresholds[]) =>
        pairs
            .map((p) => `(${r(SLO_RECORDS[sli], p.long)} > ${literal(p.longThreshold)}\n  and ${r(SLO_RECORDS[sli], p.short)} > ${literal(p.shortThreshold)}\n  and ${r(SLO_RECORDS.requests, p.long)} * 60 >= ${literal(t.minRequestsPerMinute)})`)
            .join("\nor\n");
    const page = (pairs: PairThresholds[]) => pairs.filter((p) => p.page);
    const ticket = (pairs: PairThresholds[]) => pairs.filter((p) => !p.page);
    /** A steady share of failing (or slow) requests that fires the first pair, and one that stays under every pair's long threshold. */
    const firingShare = (pairs: PairThresholds[]) => ceilShare(Math.min(1, 1.25 * Math.max(pairs[0].longThreshold, pairs[0].shortThreshold)));
    const quietShare = (pairs: PairThresholds[]) => floorShare(0.9 * Math.min(...pairs.map((p) => p.longThreshold)));
    const budgetText = `${literal(t.availabilityPercent)} % availability`;
    /** Steady traffic from minute 0 with `share` of the requests failing (or slow), for `minutes`. */
    const sloTraffic = (sli: SliKind, share: number, minutes: number): InputSeries[] => {
        const segments = [{ good: SCENARIO_REQUESTS_PER_MINUTE - requestsFor(share), bad: requestsFor(share), minutes }];
        return sli === "errors" ? requestTraffic(ns, probe.name, segments) : latencyTraffic(ns, probe.name, t.p95LatencyMs, segments);
    };
    const burnProof = (sli: SliKind, pairs: PairThresholds[], evalTime: string, quietEvalTime: string): AlertProof => ({
        interval: "1m",
        firing: sloTraffic(sli, firingShare(pairs), durationMinutes(evalTime) + 5),
        evalTime,
        outputLabels: jobOut,
        value: firingShare(pairs),
        quiet: sloTraffic(sli, quietShare(pairs), durationMinutes(quietEvalTime) + 5),
        quietEvalTime,
    });
    specs.push(alert({
        name: "ErrorBudgetBurnFast",
        severity: "sev2",
        requirement: "OB-1",
        expr: burn("errors", page(availabilityPairs)),
        for: `${PAGE_FOR_MINUTES}m`,
        labels: { ...APP_LABEL, slo: "availability" },
        summary: "{{ $labels.job }} is burning its monthly error budget fast",
        description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of requests with 5xx over the last hour or six; at this rate the 30-day budget of ${budgetText} is gone within days`,
        proof: burnProof("errors", page(availabilityPairs), "70m", "7h"),
    }));
    specs.push(alert({
        name: "ErrorBudgetBurnSlow",
        severity: "sev3",
        requirement: "OB-1",
        expr: burn("errors", ticket(availabilityPairs)),
        for: `${TICKET_FOR_MINUTES}m`,
        labels: { ...APP_LABEL, slo: "availability" },
        summary: "{{ $labels.job }} is spending its monthly error budget faster than it earns it",
        description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of requests with 5xx over the last day or three; at this rate the 30-day budget of ${budgetText} runs out before the month does`,
        proof: burnProof("errors", ticket(availabilityPairs), "150m", "150m"),
    }));
    // A symptom, never a page (issue 22): the last 5 minutes fail at the fast page's rate. It
    // carries the page's `slo` label, so once ErrorBudgetBurnFast fires, Alertmanager silences it.
    const fastErrors = availabilityPairs[0];
    const symptomShare = ceilShare(Math.min(1, 1.25 * fastErrors.shortThreshold));
    const quietSymptomShare = floorShare(0.9 * fastErrors.shortThreshold);
    specs.push(alert({
        name: "HighErrorRatio",
        severity: "sev3",
        requirement: "OB-2",
        expr: `${r(SLO_RECORDS.errors, fastErrors.short)} > ${literal(fastErrors.shortThreshold)}\n  and ${r(SLO_RECORDS.requests, fastErrors.short)} * 60 >= ${literal(t.minRequestsPerMinute)}`,
        for: "5m",
        labels: { ...APP_LABEL, slo: "availability" },
        summary: "{{ $labels.job }} fails requests at the rate of its fast error-budget page",
        description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of requests with 5xx over 5 minutes, for 5 minutes: the fast-burn rate of ${budgetText}. Not a page: ErrorBudgetBurnFast pages if it lasts`,
        proof: {
            interval: "1m",
            firing: sloTraffic("errors", symptomShare, 30),
            evalTime: "20m",
            outputLabels: jobOut,
            value: symptomShare,
            quiet: sloTraffic("errors", quietSymptomShare, 30),
        },
    }));
    const latencyText = `95 % of requests within ${t.p95LatencyMs} ms`;
    specs.push(alert({
        name: "LatencyBudgetBurnFast",
        severity: "sev2",
        requirement: "OB-1",
        category: "latency",
        expr: burn("slow", page(latencyPairs)),
        for: `${PAGE_FOR_MINUTES}m`,
        labels: { ...APP_LABEL, slo: "latency" },
        summary: `{{ $labels.job }} is burning its monthly latency budget fast`,
        description: `{{ $value | humanizePercentage }} of {{ $labels.job }} requests took longer than ${t.p95LatencyMs} ms over the last hour or six; at this rate the 30-day budget of ${latencyText} is gone within days`,
        proof: burnProof("slow", page(latencyPairs), "70m", "7h"),
    }));
    specs.push(alert({
        name: "LatencyBudgetBurnSlow",
        severity: "sev3",
        requirement: "OB-1",
        category: "latency",
        expr: burn("slow", ticket(latencyPairs)),
        for: `${TICKET_FOR_MINUTES}m`,
        labels: { ...APP_LABEL, slo: "latency" },
        summary: `{{ $labels.job }} is spending its monthly latency budget faster than it earns it`,
        description: `{{ $value | humanizePercentage }} of {{ $labels.job }} requests took longer than ${t.p95LatencyMs} ms over the last day or three; at this rate the 30-day budget of ${latencyText} runs out before the month does`,
        proof: burnProof("slow", ticket(latencyPairs), "150m", "150m"),
    }));
    return specs;
}
