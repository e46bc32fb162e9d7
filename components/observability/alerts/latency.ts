import { counter, series } from "../promql";
import { APP_LABEL, alertsOf, literal, webApps, webAppsSelector } from "./alert";
import { BUCKETS, REQUEST_DURATION as H, ROUTE, p95Mix, requestLabels } from "./proof";
import type { AlertRulesInput, AlertSpec, InputSeries } from "./types";

export const LATENCY_GROUP = "runbook-latency";

/** The latency symptoms of the web apps (OB-1, OB-2): p95 above the objective, a slow mean, a regression against last week. */
export function latencyAlerts(input: AlertRulesInput): AlertSpec[] {
    const t = input.thresholds;
    const ns = input.namespace;
    const web = webApps(input);
    const probe = web[0];
    if (!probe) return [];
    const alert = alertsOf(input, { name: LATENCY_GROUP, category: "latency" });
    const specs: AlertSpec[] = [];
    const sel = webAppsSelector(input);
    const reqLabels = (status: string) => requestLabels(ns, probe.name, status);
    const jobOut = { namespace: ns, job: probe.name };

    // Latency (OB-1, OB-2). The histogram's buckets must include the thresholds (appMetrics.ts).
    const p95ms = (window: string, offset = "") =>
        `histogram_quantile(0.95, sum by (namespace, job, le) (rate(${H}_bucket${sel()}[${window}]${offset})))`;
    /** Bucket counters where `perStep` requests per step all take between `lower` and the next edge. */
    const latency = (segments: Array<{ lower: number; perStep: number; steps: number }>): InputSeries[] =>
        BUCKETS.map((le) => ({
            series: series(`${H}_bucket`, { namespace: ns, job: probe.name, route: ROUTE, method: "GET", status_code: "200", le }),
            values: counter(segments.map((s) => [le === "+Inf" || Number(le) > s.lower ? s.perStep : 0, s.steps])),
        }));
    /** A p95 that lands `fraction` of the way into the bucket above `lower` (95 % of requests land there). */
    const edgeAbove = (lower: number) => BUCKETS.map(Number).find((b) => b > lower) as number;
    const p95In = (lower: number) => lower + (edgeAbove(lower) - lower) * 0.95;
    // Put all requests in the bucket whose interpolated p95 is just above, or just below, the objective.
    const p95Seconds = t.p95LatencyMs / 1000;
    const above = BUCKETS.map(Number).filter((b) => b >= p95Seconds).sort((a, b) => a - b)[0];
    const below = [0, ...BUCKETS.map(Number)].filter((b) => p95In(b) < p95Seconds).sort((a, b) => b - a)[0];
    specs.push(alert({
        name: "HighLatencyP95",
        severity: "sev3",
        requirement: "OB-1",
        expr: `${p95ms("5m")} * 1000 > ${t.p95LatencyMs}`,
        for: "10m",
        // A symptom (issue 22): flapping around the objective resets its `for`, so the latency
        // budget's burn rate pages; the shared `slo` label lets that page silence this one.
        labels: { ...APP_LABEL, slo: "latency" },
        summary: `{{ $labels.job }} p95 latency is above ${t.p95LatencyMs} ms`,
        description: `95 % of {{ $labels.job }} requests took up to {{ printf "%.0f" $value }} ms over 5 minutes, for 10 minutes; the objective is below ${t.p95LatencyMs} ms. Not a page: LatencyBudgetBurnFast pages when the latency budget burns fast`,
        proof: {
            interval: "1m",
            firing: latency([{ lower: above, perStep: 100, steps: 30 }]),
            evalTime: "20m",
            outputLabels: jobOut,
            value: p95In(above) * 1000,
            quiet: latency([{ lower: below, perStep: 100, steps: 30 }]),
        },
    }));
    // The response time at the median and the 99th percentile (OB-2; 003 watches p50, p95 and p99).
    // Symptoms, like p95: the latency budget pages.
    for (const [quantile, name, severity, thresholdMs] of [
        [0.5, "HighLatencyP50", "sev4", t.p50LatencyMs],
        [0.99, "HighLatencyP99", "sev3", t.p99LatencyMs],
    ] as const) {
        const pct = Math.round(quantile * 100);
        const pIn = (lower: number) => lower + (edgeAbove(lower) - lower) * quantile;
        const thresholdSeconds = thresholdMs / 1000;
        // The lowest bucket whose requests put the quantile above the threshold (the top finite one at most).
        const over = [0, ...BUCKETS.map(Number)].filter((b) => Number.isFinite(edgeAbove(b)) && pIn(b) > thresholdSeconds).sort((a, b) => a - b)[0];
        const under = [0, ...BUCKETS.map(Number)].filter((b) => pIn(b) < thresholdSeconds).sort((a, b) => b - a)[0];
        specs.push(alert({
            name,
            severity,
            requirement: "OB-2",
            expr: `histogram_quantile(${quantile}, sum by (namespace, job, le) (rate(${H}_bucket${sel()}[5m]))) * 1000 > ${thresholdMs}`,
            for: "10m",
            labels: { ...APP_LABEL, slo: "latency" },
            summary: `{{ $labels.job }} p${pct} latency is above ${thresholdMs} ms`,
            description: `${pct} % of {{ $labels.job }} requests took up to {{ printf "%.0f" $value }} ms over 5 minutes, for 10 minutes (threshold ${thresholdMs} ms). Not a page: LatencyBudgetBurnFast pages when the latency budget burns fast`,
            proof: {
                interval: "1m",
                firing: latency([{ lower: over, perStep: 100, steps: 30 }]),
                evalTime: "20m",
                outputLabels: jobOut,
                value: pIn(over) * 1000,
                quiet: latency([{ lower: under, perStep: 100, steps: 30 }]),
            },
        }));
    }
    const sumCount = (status?: string) => ({ series: series(`${H}_count`, reqLabels(status ?? "200")) });
    const meanTraffic = (meanSeconds: number, steps: number): InputSeries[] => [
        { ...sumCount(), values: counter([[100, steps]]) },
        { series: series(`${H}_sum`, reqLabels("200")), values: counter([[100 * meanSeconds, steps]]) },
    ];
    specs.push(alert({
        name: "HighResponseTime",
        severity: "sev2",
        requirement: "OB-2",
        expr: `sum by (namespace, job) (rate(${H}_sum${sel()}[5m]))\n  / sum by (namespace, job) (rate(${H}_count${sel()}[5m])) * 1000 > ${t.highResponseTimeMs}`,
        for: "5m",
        labels: APP_LABEL,
        summary: `{{ $labels.job }} responds in more than ${t.highResponseTimeMs} ms on average`,
        description: `{{ $labels.job }} took {{ printf "%.0f" $value }} ms per request on average over 5 minutes, for 5 minutes`,
        proof: {
            interval: "1m",
            firing: meanTraffic((t.highResponseTimeMs * 1.25) / 1000, 20),
            evalTime: "15m",
            outputLabels: jobOut,
            value: t.highResponseTimeMs * 1.25,
            quiet: meanTraffic((t.highResponseTimeMs * 0.95) / 1000, 20),
        },
    }));
    // A week of samples every 10 minutes: the baseline sits in the bucket above 0.25 s; "now" is a
    // mix whose interpolated p95 lands where the proof needs it, for any configured threshold.
    const week = 7 * 24 * 6;
    const baseline = p95In(0.25);
    const regressionNow = (aim: number, direction: "up" | "down") => {
        // The annotation prints the value with one decimal: keep it off a rounding edge, where
        // Prometheus' float arithmetic and ours could round apart.
        const onEdge = (p95: number) => Math.abs(((((p95 / baseline - 1) * 100) * 10) % 1) - 0.5) < 1e-6;
        let mix = p95Mix(BUCKETS.map(Number), aim, direction);
        if (onEdge(mix.p95)) mix = p95Mix(BUCKETS.map(Number), aim * (direction === "up" ? 1.0001 : 0.9999), direction);
        return {
            series: BUCKETS.map((le) => {
                const edge = le === "+Inf" ? Infinity : Number(le);
                const before = edge > 0.25 ? 100 : 0;
                const now = edge > mix.lower ? 100 : edge >= BUCKETS.map(Number)[0] ? mix.belowPercent : 0;
                return {
                    series: series(`${H}_bucket`, { namespace: ns, job: probe.name, route: ROUTE, method: "GET", status_code: "200", le }),
                    values: counter([
                        [before, week],
                        [now, 12],
                    ]),
                };
            }),
            percent: (mix.p95 / baseline - 1) * 100,
        };
    };
    // Half again the threshold must fire; 60 % of it must not (and is still a real regression).
    const regressed = regressionNow(baseline * (1 + (1.5 * t.latencyRegressionPercent) / 100), "up");
    const slightly = regressionNow(baseline * (1 + (0.6 * t.latencyRegressionPercent) / 100), "down");
    specs.push(alert({
        name: "LatencyRegression",
        severity: "sev4",
        requirement: "OB-2",
        expr: `(${p95ms("30m")}\n  / ${p95ms("30m", " offset 1w")} - 1) * 100 > ${literal(t.latencyRegressionPercent)}`,
        for: "30m",
        labels: APP_LABEL,
        summary: `{{ $labels.job }} p95 latency regressed more than ${literal(t.latencyRegressionPercent)} % against a week ago`,
        description: `{{ $labels.job }} p95 latency is {{ printf "%.1f" $value }} % above the same hour a week earlier, for 30 minutes; compare with the deploys since`,
        proof: {
            interval: "10m",
            firing: regressed.series,
            evalTime: `${(week + 11) * 10}m`,
            outputLabels: jobOut,
            value: regressed.percent,
            quiet: slightly.series,
            quietEvalTime: `${(week + 11) * 10}m`,
        },
    }));
    return specs;
}
