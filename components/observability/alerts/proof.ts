import { HTTP_DURATION_BUCKETS_SECONDS } from "../../../config/resolve";
import { HTTP_METRICS, KUBE_METRICS } from "../appMetrics";
import { counter, gauge, renderTemplate, series } from "../promql";
import type { AlertSpec, InputSeries } from "./types";

/*
 * The synthetic series the alerts' promtool proofs feed Prometheus, and the arithmetic that puts
 * them just past or just inside a threshold. The series themselves are written with promql.ts'
 * series(), gauge() and counter().
 */

/** The request-duration histogram the apps export (prom-client). */
export const REQUEST_DURATION = HTTP_METRICS.requestDuration;
const H = REQUEST_DURATION;
/** The route every proof's requests go to. */
export const ROUTE = "/api/orders";
/** The histogram's `le` labels, as prom-client writes them. */
export const BUCKETS = [...HTTP_DURATION_BUCKETS_SECONDS.map(String), "+Inf"];

/** One target up for `minutes`, and its requests: `requestsPerMinute` (a fraction spaces them out) until `stopAfter`, if given. */
export function noTrafficSeries(ns: string, job: string, o: { requestsPerMinute: number; stopAfter?: number; minutes: number }): InputSeries[] {
    let total = 0;
    const values = Array.from({ length: o.minutes + 1 }, (_, k) => {
        if (k > 0 && (o.stopAfter === undefined || k <= o.stopAfter)) {
            total += o.requestsPerMinute >= 1 ? o.requestsPerMinute : k % Math.round(1 / o.requestsPerMinute) === 0 ? 1 : 0;
        }
        return total;
    });
    return [
        { series: series(KUBE_METRICS.up, { namespace: ns, job, instance: `${job}-0` }), values: gauge([[1, o.minutes]]) },
        { series: series(`${H}_count`, requestLabels(ns, job, "200")), values: values.join(" ") },
    ];
}

export function requestLabels(ns: string, job: string, status: string): Record<string, string> {
    return { namespace: ns, job, route: ROUTE, method: "GET", status_code: status };
}

/** Minutes of steady traffic: `good` requests a minute answered 200, `bad` answered 500 (or, for latency, slower than the objective). */
export interface TrafficSegment {
    good: number;
    bad: number;
    minutes: number;
}

/** The `_count` series of one app's requests, segment after segment: 200s and 500s. */
export function requestTraffic(ns: string, job: string, segments: TrafficSegment[]): InputSeries[] {
    return [
        { series: series(`${H}_count`, requestLabels(ns, job, "200")), values: counter(segments.map((s) => [s.good, s.minutes])) },
        { series: series(`${H}_count`, requestLabels(ns, job, "500")), values: counter(segments.map((s) => [s.bad, s.minutes])) },
    ];
}

/**
 * The histogram of one app's requests (all 200), segment after segment: `good` requests in the lowest
 * bucket, `bad` ones in the bucket just above the objective, so p95 and the slow share both see them.
 */
export function latencyTraffic(ns: string, job: string, p95LatencyMs: number, segments: TrafficSegment[]): InputSeries[] {
    const objective = p95LatencyMs / 1000;
    const slowUpper = HTTP_DURATION_BUCKETS_SECONDS.find((e) => e > objective + 1e-12) ?? Infinity;
    const labels = requestLabels(ns, job, "200");
    return [
        ...BUCKETS.map((le) => {
            const edge = le === "+Inf" ? Infinity : Number(le);
            return { series: series(`${H}_bucket`, { ...labels, le }), values: counter(segments.map((s) => [s.good + (edge >= slowUpper ? s.bad : 0), s.minutes])) };
        }),
        { series: series(`${H}_count`, labels), values: counter(segments.map((s) => [s.good + s.bad, s.minutes])) },
    ];
}

/** A share rounded up to a hundredth of a percent, so its humanized value has at most four digits. */
export function ceilShare(x: number): number {
    return Math.ceil(x * 10000 - 1e-9) / 10000;
}

/** A share rounded down to a thousandth of a percent. */
export function floorShare(x: number): number {
    return Math.floor(x * 100000 + 1e-9) / 100000;
}

/** `70m` → 70, `7h` → 420. */
export function durationMinutes(d: string): number {
    const m = /^(\d+)([mhd])$/.exec(d);
    if (!m) throw new Error(`not a duration of whole minutes, hours or days: ${d}`);
    return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as "m" | "h" | "d"];
}

/**
 * How to fill a histogram so that `histogram_quantile(0.95, …)` interpolates to `target` seconds: a
 * share of the requests (`belowPercent`) in the lowest bucket, the rest in the bucket above `lower`.
 * With a share f below, the p95 is lower + width × (0.95 − f) / (1 − f), which reaches any point of the
 * bucket's first 95 %; a target in the last 5 % moves up into the next bucket or down to 95 % of this
 * one (`direction`), so a firing case stays above and a quiet case below the value it was aimed at.
 */
export function p95Mix(edges: number[], target: number, direction: "up" | "down"): { lower: number; belowPercent: number; p95: number } {
    const finite = edges.filter((e) => Number.isFinite(e)).sort((a, b) => a - b);
    let x = target;
    for (let attempt = 0; attempt < 4; attempt++) {
        const upper = finite.find((e) => e >= x);
        if (upper === undefined) throw new Error(`p95 target ${target}s is beyond the histogram's last finite bucket (${finite[finite.length - 1]}s)`);
        const lower = [0, ...finite].filter((e) => e < upper).pop() as number;
        const reach = lower + (upper - lower) * 0.95;
        if (x > reach) {
            x = direction === "up" ? upper + (((finite.find((e) => e > upper) ?? upper * 2) - upper) * 0.05) : reach;
            continue;
        }
        const r = (x - lower) / (upper - lower);
        const below = (0.95 - r) / (1 - r);
        return { lower, belowPercent: Number((below * 100).toPrecision(12)), p95: x };
    }
    throw new Error(`no histogram mix reaches a p95 of ${target}s`);
}

/** The labels an alert fires with in its proof: the expression's, then the rule's (templated). */
export function expectedLabels(spec: AlertSpec): Record<string, string> {
    const rendered = Object.fromEntries(Object.entries(spec.rule.labels).map(([k, v]) => [k, renderTemplate(v, spec.proof.outputLabels, spec.proof.value)]));
    return { ...spec.proof.outputLabels, ...rendered };
}

export function expectedAnnotations(spec: AlertSpec): Record<string, string> {
    return Object.fromEntries(Object.entries(spec.rule.annotations).map(([k, v]) => [k, renderTemplate(v, spec.proof.outputLabels, spec.proof.value)]));
}

/**
 * promtool unit-test documents, one per alert: the firing case and the quiet case. `ruleFile`
 * maps a group name to the rule file path the test should load (relative to the test file).
 */
export function promtoolTests(specs: AlertSpec[], ruleFile: (group: string) => string): Array<{ name: string; alert: string; document: Record<string, unknown> }> {
    return specs.map((spec, i) => {
        const p = spec.proof;
        const tests: Array<Record<string, unknown>> = [
            {
                name: `${spec.rule.alert} fires`,
                interval: p.interval,
                input_series: p.firing,
                alert_rule_test: [{ eval_time: p.evalTime, alertname: spec.rule.alert, exp_alerts: [{ exp_labels: expectedLabels(spec), exp_annotations: expectedAnnotations(spec) }] }],
            },
        ];
        if (Array.isArray(p.quiet)) {
            tests.push({
                name: `${spec.rule.alert} stays quiet just inside its threshold`,
                interval: p.interval,
                input_series: p.quiet,
                alert_rule_test: [{ eval_time: p.quietEvalTime ?? p.evalTime, alertname: spec.rule.alert, exp_alerts: [] }],
            });
        }
        return {
            name: `${String(i).padStart(2, "0")}-${spec.rule.alert}`,
            alert: spec.rule.alert,
            document: {
                rule_files: [ruleFile(spec.group)],
                evaluation_interval: p.interval,
                tests,
            },
        };
    });
}
