import { cronPeriodSeconds } from "../../lib/cron";
import type { ResolvedAlerts } from "../../config/resolve";
import { BACKUP_METRICS, BACKUP_PUSH_JOB, DRILL_METRICS, DRILL_PUSH_JOB } from "./backupMetrics";
import {
    CERT_MANAGER_METRICS,
    HTTP_METRICS,
    KUBE_METRICS,
    MONGODB_METRICS,
    POSTGRES_METRICS,
    QUEUE_METRICS,
    REDIS_METRICS,
} from "./appMetrics";
import { HTTP_DURATION_BUCKETS_SECONDS } from "../../config/resolve";
import {
    LATENCY_BUDGET,
    PAGE_FOR_MINUTES,
    PairThresholds,
    MinuteTraffic,
    SCENARIO_REQUESTS_PER_MINUTE,
    SCENARIO_WARMUP_MINUTES,
    SLO_WINDOWS,
    SliKind,
    SloWindow,
    TICKET_FOR_MINUTES,
    TIMING_LEVELS,
    WINDOW_MINUTES,
    burnTiming,
    episode,
    errorBudget,
    evaluateBurnAlert,
    pageAlert,
    pairThresholds,
    requestsFor,
    round10,
    steadyStateMinutes,
} from "./burnRate";
import { counter, gauge, matchers, oneOf, renderTemplate, series } from "./promql";

/*
 * The alert rules, generated from the stack config (OB-1, OB-2, OB-3, OB-6, OB-7, BK-6, ED-2). Every
 * alert is declared together with its proof: synthetic series that must make it fire with exactly
 * these labels and annotations, and series just inside the threshold that must not. The rule
 * groups are derived from the same list, so an alert cannot exist without its promtool unit test.
 */

export type Severity = "sev1" | "sev2" | "sev3" | "sev4";
export const SEVERITIES: Severity[] = ["sev1", "sev2", "sev3", "sev4"];

/** What each alert is about; the `category` label, which policies and routes read. */
export type Category = "slo" | "latency" | "traffic" | "queues" | "pods" | "data" | "backups" | "certificates" | "watchdog";

export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: Record<string, string>;
    annotations: { summary: string; description: string; runbook_url: string };
}

export interface RecordingRule {
    record: string;
    expr: string;
}

export interface RuleGroup {
    name: string;
    rules: Array<AlertRule | RecordingRule>;
}

export interface InputSeries {
    series: string;
    values: string;
}

/** A promtool unit test for one alert. Durations are Prometheus durations (`1m`, `26h`). */
export interface AlertProof {
    /** Sample interval of the input series, and the rule evaluation interval. */
    interval: string;
    /** Series that must make the alert fire at `evalTime`. */
    firing: InputSeries[];
    evalTime: string;
    /** Labels the expression keeps from the firing series; the rule's own labels are added to them. */
    outputLabels: Record<string, string>;
    /** The alert's value at `evalTime`, which the annotations print. */
    value: number;
    /**
     * Series just inside the threshold, which must not fire at `quietEvalTime`; null only for an
     * alert that fires by design (the watchdog), with the reason.
     */
    quiet: InputSeries[] | { none: string };
    quietEvalTime?: string;
}

export interface AlertSpec {
    group: string;
    rule: AlertRule;
    proof: AlertProof;
}

/** An app, as the `apps` config declares it (websocketPaths only where the app serves WebSockets). */
export interface AlertApp {
    name: string;
    role: "api" | "web" | "worker";
    websocketPaths?: string[];
    /** True when no requests while its pods are up is an outage (NoTraffic); absent means false. */
    expectsTraffic?: boolean;
}

/** A backed-up datastore and how often its backup runs. */
export interface BackupTarget {
    /** The `datastore` label the backup job pushes: postgres, mongodb, mongodb-oplog or redis. */
    datastore: string;
    /** The backup's cron schedule. */
    schedule: string;
    /** Days its prefix keeps a backup (BK-2): BackupNewestExpiring fires before the newest one expires. Absent: no such alert. */
    retentionDays?: number;
    /**
     * True for a full dump of primary data, whose size should not halve from one backup to the next
     * (BackupSizeDropped); not for the oplog captures (sized by the hour's writes) or Redis (queues and
     * cache drain and fill). Absent means false.
     */
    watchSize?: boolean;
}

/** BackupNewestExpiring: days before the newest backup of a prefix expires that it fires (a week, or half the retention when shorter). */
export function newestExpiringLeadDays(retentionDays: number): number {
    return Math.max(1, Math.min(7, Math.floor(retentionDays / 2)));
}

export interface AlertRulesInput {
    stack: string;
    /** The apps' namespace; every alert carries it as its `namespace` label. */
    namespace: string;
    apps: AlertApp[];
    databaseEngine: "postgres" | "mongodb";
    /** MongoDB replica-set members (replication lag is watched when more than one). */
    mongodbMembers?: number;
    /** `none` when the stack runs no Redis. The Prometheus Redis alerts are for `in-cluster` (ElastiCache has CloudWatch alarms). */
    redisMode: "elasticache" | "in-cluster" | "none";
    backups: BackupTarget[];
    /** The restore drills this stack runs: whose backups (`stack`), of which datastore, on which schedule. None where no drill runs. */
    restoreDrills: Array<{ stack: string; datastore: string; schedule: string }>;
    thresholds: Omit<ResolvedAlerts, "routes" | "monitoringNamespace" | "selectorLabels" | "runbookBaseUrl">;
    /** Where the response steps live; each alert links to `<runbookBaseUrl>#<alert name in lowercase>`. */
    runbookBaseUrl: string;
}

/**
 * The SLO group: its recording rules first, then the alerts that read them. Prometheus evaluates a
 * group's rules in order, so every alert reads the ratio of this evaluation; in a group of their own
 * the recordings may run after the alerts, which then read them a minute stale (issue 22).
 */
export const SLO_GROUP = "runbook-slo";

/** The group the backup and drill alerts live in. */
export const BACKUPS_GROUP = "runbook-backups";

/** The SLO recording rules' names, per window: request rate, error ratio, slow-request ratio. */
export const SLO_RECORDS: Record<"requests" | SliKind, (window: SloWindow) => string> = {
    requests: (w) => `runbook:slo_requests:rate${w}`,
    errors: (w) => `runbook:slo_errors_per_request:ratio_rate${w}`,
    slow: (w) => `runbook:slo_slow_requests_per_request:ratio_rate${w}`,
};
export function sloRatioRecord(window: SloWindow): string {
    return SLO_RECORDS.errors(window);
}

const H = HTTP_METRICS.requestDuration;
const ROUTE = "/api/orders";
/** The histogram's `le` labels, as prom-client writes them. */
const BUCKETS = [...HTTP_DURATION_BUCKETS_SECONDS.map(String), "+Inf"];

/** NoTraffic: no request counted in `windowMinutes`, for `forMinutes`, while a target is up. */
export const NO_TRAFFIC = { windowMinutes: 5, forMinutes: 10 } as const;

function noTrafficExpr(ns: string, jobs: string[]): string {
    const sel = matchers({ namespace: ns, job: oneOf(jobs) });
    return `sum by (namespace, job) (${KUBE_METRICS.up}${sel}) > 0\n  unless on (namespace, job) sum by (namespace, job) (rate(${H}_count${sel}[${NO_TRAFFIC.windowMinutes}m])) > 0`;
}

/** The minute NoTraffic fires when the last request was counted at minute `lastRequest` (the window empties, then `for` runs). */
export function noTrafficDetection(lastRequest: number): number {
    return lastRequest + NO_TRAFFIC.windowMinutes + NO_TRAFFIC.forMinutes;
}

/** One target up for `minutes`, and its requests: `requestsPerMinute` (a fraction spaces them out) until `stopAfter`, if given. */
function noTrafficSeries(ns: string, job: string, o: { requestsPerMinute: number; stopAfter?: number; minutes: number }): InputSeries[] {
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

function requestLabels(ns: string, job: string, status: string): Record<string, string> {
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
function ceilShare(x: number): number {
    return Math.ceil(x * 10000 - 1e-9) / 10000;
}

function floorShare(x: number): number {
    return Math.floor(x * 100000 + 1e-9) / 100000;
}

/** `70m` → 70, `7h` → 420. */
function durationMinutes(d: string): number {
    const m = /^(\d+)([mhd])$/.exec(d);
    if (!m) throw new Error(`not a duration of whole minutes, hours or days: ${d}`);
    return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as "m" | "h" | "d"];
}

function isRecording(rule: AlertRule | RecordingRule): rule is RecordingRule {
    return "record" in rule;
}

/** `0.005` rather than `0.005000000000000004`. */
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

function literal(n: number): string {
    return String(Number(n.toPrecision(10)));
}

function hoursText(seconds: number): number {
    return seconds / 3600;
}

function duration(seconds: number): string {
    if (seconds % 86400 === 0) return `${seconds / 86400}d`;
    if (seconds % 3600 === 0) return `${seconds / 3600}h`;
    return `${Math.round(seconds / 60)}m`;
}

/** Every alert of a stack, each with its proof. */
export function alertSpecs(input: AlertRulesInput): AlertSpec[] {
    const t = input.thresholds;
    const ns = input.namespace;
    const specs: AlertSpec[] = [];
    const add = (group: string, category: Category, severity: Severity, requirement: string, rule: Omit<AlertRule, "labels" | "annotations"> & { labels?: Record<string, string>; summary: string; description: string }, proof: AlertProof) => {
        const { summary, description, labels, for: pending, ...rest } = rule;
        specs.push({
            group,
            rule: {
                ...rest,
                ...(pending === undefined ? {} : { for: pending }),
                labels: { severity, category, namespace: ns, ...labels },
                annotations: {
                    summary,
                    description: `${description} (${requirement})`,
                    runbook_url: `${input.runbookBaseUrl}#${rule.alert.toLowerCase()}`,
                },
            },
            proof,
        });
    };

    const webApps = input.apps.filter((a) => a.role !== "worker");
    const allApps = input.apps;
    const probe = webApps[0];
    const appLabel = { app: "{{ $labels.job }}" };

    // Availability: every app has at least one target up (sev1: full outage).
    if (allApps.length > 0) {
        const first = allApps[0].name;
        const upSel = (job: string) => matchers({ namespace: ns, job });
        const expr = [
            `sum by (namespace, job) (${KUBE_METRICS.up}${matchers({ namespace: ns, job: oneOf(allApps.map((a) => a.name)) })}) == 0`,
            ...allApps.map((a) => `absent(${KUBE_METRICS.up}${upSel(a.name)})`),
        ].join("\n  or ");
        const others = allApps.slice(1).map((a) => ({ series: series(KUBE_METRICS.up, { namespace: ns, job: a.name, instance: `${a.name}-0` }), values: gauge([[1, 10]]) }));
        add(
            "runbook-availability",
            "slo",
            "sev1",
            "OB-1",
            {
                alert: "AppDown",
                expr,
                for: "2m",
                labels: appLabel,
                summary: "{{ $labels.job }} has no pod that Prometheus can scrape",
                description: `Every target of {{ $labels.job }} in ${ns} is down or gone for 2 minutes: a full outage of the app`,
            },
            {
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
        );
    }

    if (probe) {
        const web = oneOf(webApps.map((a) => a.name));
        const sel = (extra: Record<string, string | RegExp> = {}) => matchers({ namespace: ns, job: web, ...extra });
        const reqLabels = (status: string) => requestLabels(ns, probe.name, status);
        // Enough requests for the minimum-traffic guard of the route alerts, whatever it is set to.
        const scale = Math.max(1, Math.ceil((2 * t.minRequestsPerMinute) / 100));
        /** Requests per minute: `ok` answered 200, `bad` with the given status (times `scale`). */
        const traffic = (okPerMin: number, badPerMin: number, status: string, steps: number): InputSeries[] => [
            { series: series(`${H}_count`, reqLabels("200")), values: counter([[okPerMin * scale, steps]]) },
            { series: series(`${H}_count`, reqLabels(status)), values: counter([[badPerMin * scale, steps]]) },
        ];
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
        add(
            SLO_GROUP,
            "slo",
            "sev2",
            "OB-1",
            {
                alert: "ErrorBudgetBurnFast",
                expr: burn("errors", page(availabilityPairs)),
                for: `${PAGE_FOR_MINUTES}m`,
                labels: { ...appLabel, slo: "availability" },
                summary: "{{ $labels.job }} is burning its monthly error budget fast",
                description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of requests with 5xx over the last hour or six; at this rate the 30-day budget of ${budgetText} is gone within days`,
            },
            burnProof("errors", page(availabilityPairs), "70m", "7h"),
        );
        add(
            SLO_GROUP,
            "slo",
            "sev3",
            "OB-1",
            {
                alert: "ErrorBudgetBurnSlow",
                expr: burn("errors", ticket(availabilityPairs)),
                for: `${TICKET_FOR_MINUTES}m`,
                labels: { ...appLabel, slo: "availability" },
                summary: "{{ $labels.job }} is spending its monthly error budget faster than it earns it",
                description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of requests with 5xx over the last day or three; at this rate the 30-day budget of ${budgetText} runs out before the month does`,
            },
            burnProof("errors", ticket(availabilityPairs), "150m", "150m"),
        );
        // A symptom, never a page (issue 22): the last 5 minutes fail at the fast page's rate. It
        // carries the page's `slo` label, so once ErrorBudgetBurnFast fires, Alertmanager silences it.
        const fastErrors = availabilityPairs[0];
        const symptomShare = ceilShare(Math.min(1, 1.25 * fastErrors.shortThreshold));
        const quietSymptomShare = floorShare(0.9 * fastErrors.shortThreshold);
        add(
            SLO_GROUP,
            "slo",
            "sev3",
            "OB-2",
            {
                alert: "HighErrorRatio",
                expr: `${r(SLO_RECORDS.errors, fastErrors.short)} > ${literal(fastErrors.shortThreshold)}\n  and ${r(SLO_RECORDS.requests, fastErrors.short)} * 60 >= ${literal(t.minRequestsPerMinute)}`,
                for: "5m",
                labels: { ...appLabel, slo: "availability" },
                summary: "{{ $labels.job }} fails requests at the rate of its fast error-budget page",
                description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of requests with 5xx over 5 minutes, for 5 minutes: the fast-burn rate of ${budgetText}. Not a page: ErrorBudgetBurnFast pages if it lasts`,
            },
            {
                interval: "1m",
                firing: sloTraffic("errors", symptomShare, 30),
                evalTime: "20m",
                outputLabels: jobOut,
                value: symptomShare,
                quiet: sloTraffic("errors", quietSymptomShare, 30),
            },
        );
        const latencyText = `95 % of requests within ${t.p95LatencyMs} ms`;
        add(
            SLO_GROUP,
            "latency",
            "sev2",
            "OB-1",
            {
                alert: "LatencyBudgetBurnFast",
                expr: burn("slow", page(latencyPairs)),
                for: `${PAGE_FOR_MINUTES}m`,
                labels: { ...appLabel, slo: "latency" },
                summary: `{{ $labels.job }} is burning its monthly latency budget fast`,
                description: `{{ $value | humanizePercentage }} of {{ $labels.job }} requests took longer than ${t.p95LatencyMs} ms over the last hour or six; at this rate the 30-day budget of ${latencyText} is gone within days`,
            },
            burnProof("slow", page(latencyPairs), "70m", "7h"),
        );
        add(
            SLO_GROUP,
            "latency",
            "sev3",
            "OB-1",
            {
                alert: "LatencyBudgetBurnSlow",
                expr: burn("slow", ticket(latencyPairs)),
                for: `${TICKET_FOR_MINUTES}m`,
                labels: { ...appLabel, slo: "latency" },
                summary: `{{ $labels.job }} is spending its monthly latency budget faster than it earns it`,
                description: `{{ $value | humanizePercentage }} of {{ $labels.job }} requests took longer than ${t.p95LatencyMs} ms over the last day or three; at this rate the 30-day budget of ${latencyText} runs out before the month does`,
            },
            burnProof("slow", ticket(latencyPairs), "150m", "150m"),
        );
        const ratio = (status: RegExp, by: string, window = "5m") =>
            `sum by (${by}) (rate(${H}_count${sel({ status_code: status })}[${window}]))\n  / sum by (${by}) (rate(${H}_count${sel()}[${window}])) * 100`;

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
        add(
            "runbook-latency",
            "latency",
            "sev3",
            "OB-1",
            {
                alert: "HighLatencyP95",
                expr: `${p95ms("5m")} * 1000 > ${t.p95LatencyMs}`,
                for: "10m",
                // A symptom (issue 22): flapping around the objective resets its `for`, so the latency
                // budget's burn rate pages; the shared `slo` label lets that page silence this one.
                labels: { ...appLabel, slo: "latency" },
                summary: `{{ $labels.job }} p95 latency is above ${t.p95LatencyMs} ms`,
                description: `95 % of {{ $labels.job }} requests took up to {{ printf "%.0f" $value }} ms over 5 minutes, for 10 minutes; the objective is below ${t.p95LatencyMs} ms. Not a page: LatencyBudgetBurnFast pages when the latency budget burns fast`,
            },
            {
                interval: "1m",
                firing: latency([{ lower: above, perStep: 100, steps: 30 }]),
                evalTime: "20m",
                outputLabels: jobOut,
                value: p95In(above) * 1000,
                quiet: latency([{ lower: below, perStep: 100, steps: 30 }]),
            },
        );
        const sumCount = (status?: string) => ({ series: series(`${H}_count`, reqLabels(status ?? "200")) });
        const meanTraffic = (meanSeconds: number, steps: number): InputSeries[] => [
            { ...sumCount(), values: counter([[100, steps]]) },
            { series: series(`${H}_sum`, reqLabels("200")), values: counter([[100 * meanSeconds, steps]]) },
        ];
        add(
            "runbook-latency",
            "latency",
            "sev2",
            "OB-2",
            {
                alert: "HighResponseTime",
                expr: `sum by (namespace, job) (rate(${H}_sum${sel()}[5m]))\n  / sum by (namespace, job) (rate(${H}_count${sel()}[5m])) * 1000 > ${t.highResponseTimeMs}`,
                for: "5m",
                labels: appLabel,
                summary: `{{ $labels.job }} responds in more than ${t.highResponseTimeMs} ms on average`,
                description: `{{ $labels.job }} took {{ printf "%.0f" $value }} ms per request on average over 5 minutes, for 5 minutes`,
            },
            {
                interval: "1m",
                firing: meanTraffic((t.highResponseTimeMs * 1.25) / 1000, 20),
                evalTime: "15m",
                outputLabels: jobOut,
                value: t.highResponseTimeMs * 1.25,
                quiet: meanTraffic((t.highResponseTimeMs * 0.95) / 1000, 20),
            },
        );
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
        add(
            "runbook-latency",
            "latency",
            "sev4",
            "OB-2",
            {
                alert: "LatencyRegression",
                expr: `(${p95ms("30m")}\n  / ${p95ms("30m", " offset 1w")} - 1) * 100 > ${literal(t.latencyRegressionPercent)}`,
                for: "30m",
                labels: appLabel,
                summary: `{{ $labels.job }} p95 latency regressed more than ${literal(t.latencyRegressionPercent)} % against a week ago`,
                description: `{{ $labels.job }} p95 latency is {{ printf "%.1f" $value }} % above the same hour a week earlier, for 30 minutes; compare with the deploys since`,
            },
            {
                interval: "10m",
                firing: regressed.series,
                evalTime: `${(week + 11) * 10}m`,
                outputLabels: jobOut,
                value: regressed.percent,
                quiet: slightly.series,
                quietEvalTime: `${(week + 11) * 10}m`,
            },
        );

        // Traffic (OB-3).
        add(
            "runbook-traffic",
            "traffic",
            "sev3",
            "OB-3",
            {
                alert: "AuthFailureSpike",
                expr: `${ratio(/401|403/, "namespace, job")} > ${literal(t.authFailurePercent)}`,
                for: "10m",
                labels: appLabel,
                summary: `More than ${literal(t.authFailurePercent)} % of {{ $labels.job }} requests are refused with 401 or 403`,
                description: `{{ $labels.job }} answered {{ printf "%.1f" $value }} % of requests with 401 or 403 over 5 minutes, for 10 minutes: a bad JWT secret, clock skew or a credential-stuffing run`,
            },
            {
                interval: "1m",
                firing: traffic(100 - 1.5 * t.authFailurePercent, 1.5 * t.authFailurePercent, "401", 30),
                evalTime: "20m",
                outputLabels: jobOut,
                value: 1.5 * t.authFailurePercent,
                quiet: traffic(100 - 0.9 * t.authFailurePercent, 0.9 * t.authFailurePercent, "403", 30),
            },
        );
        const byRoute = "namespace, job, route";
        const minTraffic = `\n  and on (${byRoute}) sum by (${byRoute}) (rate(${H}_count${sel()}[5m])) * 60 >= ${literal(t.minRequestsPerMinute)}`;
        const routeOut = { namespace: ns, job: probe.name, route: ROUTE };
        add(
            "runbook-traffic",
            "traffic",
            "sev3",
            "OB-3",
            {
                alert: "RouteServerErrors",
                expr: `${ratio(/5../, byRoute)} > ${literal(t.routeServerErrorPercent)}${minTraffic}`,
                for: "10m",
                labels: appLabel,
                summary: "{{ $labels.job }} {{ $labels.route }} fails with 5xx",
                description: `{{ $labels.job }} answered {{ printf "%.1f" $value }} % of {{ $labels.route }} requests with 5xx over 5 minutes, for 10 minutes (threshold ${literal(t.routeServerErrorPercent)} %)`,
            },
            {
                interval: "1m",
                firing: traffic(100 - 1.2 * t.routeServerErrorPercent, 1.2 * t.routeServerErrorPercent, "500", 30),
                evalTime: "20m",
                outputLabels: routeOut,
                value: 1.2 * t.routeServerErrorPercent,
                quiet: traffic(100 - 0.9 * t.routeServerErrorPercent, 0.9 * t.routeServerErrorPercent, "502", 30),
            },
        );
        add(
            "runbook-traffic",
            "traffic",
            "sev4",
            "OB-3",
            {
                alert: "RouteClientErrors",
                expr: `${ratio(/4../, byRoute)} > ${literal(t.routeClientErrorPercent)}${minTraffic}`,
                for: "15m",
                labels: appLabel,
                summary: "{{ $labels.job }} {{ $labels.route }} refuses many requests with 4xx",
                description: `{{ $labels.job }} answered {{ printf "%.1f" $value }} % of {{ $labels.route }} requests with 4xx over 5 minutes, for 15 minutes (threshold ${literal(t.routeClientErrorPercent)} %): a broken client release or a changed contract`,
            },
            {
                interval: "1m",
                firing: traffic(100 - Math.min(99, 1.2 * t.routeClientErrorPercent), Math.min(99, 1.2 * t.routeClientErrorPercent), "404", 30),
                evalTime: "25m",
                outputLabels: routeOut,
                value: Math.min(99, 1.2 * t.routeClientErrorPercent),
                quiet: traffic(100 - 0.9 * t.routeClientErrorPercent, 0.9 * t.routeClientErrorPercent, "422", 30),
            },
        );

        // With no requests every SLO ratio is 0/0 and no burn-rate alert can fire (issue 22): for apps
        // that always have traffic, none while their pods are up is an outage of its own.
        const watched = webApps.filter((a) => a.expectsTraffic === true);
        if (watched.length > 0) {
            const quiet = watched[0];
            add(
                "runbook-traffic",
                "traffic",
                "sev2",
                "OB-1",
                {
                    alert: "NoTraffic",
                    expr: noTrafficExpr(ns, watched.map((a) => a.name)),
                    for: `${NO_TRAFFIC.forMinutes}m`,
                    labels: appLabel,
                    summary: "{{ $labels.job }} serves no requests while its pods are up",
                    description: `{{ $labels.job }} has {{ printf "%.0f" $value }} target(s) up but answered no request for ${NO_TRAFFIC.windowMinutes + NO_TRAFFIC.forMinutes} minutes: nothing reaches it (Gateway, DNS, the edge), or it stopped counting requests. Its SLO alerts cannot see this`,
                },
                {
                    interval: "1m",
                    firing: noTrafficSeries(ns, quiet.name, { requestsPerMinute: 100, stopAfter: 10, minutes: 40 }),
                    evalTime: `${noTrafficDetection(10)}m`,
                    outputLabels: { namespace: ns, job: quiet.name },
                    value: 1,
                    // One request every few minutes is traffic.
                    quiet: noTrafficSeries(ns, quiet.name, { requestsPerMinute: 1 / (NO_TRAFFIC.windowMinutes - 1), minutes: 40 }),
                    quietEvalTime: `${noTrafficDetection(10)}m`,
                },
            );
        }
    }

    const wsApps = webApps.filter((a) => (a.websocketPaths ?? []).length > 0);
    if (wsApps.length > 0) {
        const ws = wsApps[0];
        const wsSel = matchers({ namespace: ns, job: oneOf(wsApps.map((a) => a.name)) });
        const W = HTTP_METRICS.websocketConnections;
        const conn = (now: number): InputSeries[] => [
            { series: series(W, { namespace: ns, job: ws.name, pod: `${ws.name}-0`, path: ws.websocketPaths![0] }), values: gauge([[200, 40], [now, 21]]) },
        ];
        const drop = t.websocketDropPercent;
        add(
            "runbook-traffic",
            "traffic",
            "sev3",
            "OB-3",
            {
                alert: "WebSocketConnectionsDropped",
                expr: `(1 - sum by (namespace, job) (${W}${wsSel}) / sum by (namespace, job) (${W}${wsSel} offset 30m)) * 100 > ${literal(drop)}\n  and sum by (namespace, job) (${W}${wsSel} offset 30m) >= 10`,
                for: "5m",
                labels: appLabel,
                summary: "{{ $labels.job }} lost many of its WebSocket connections",
                description: `{{ $labels.job }} holds {{ printf "%.0f" $value }} % fewer WebSocket connections than 30 minutes earlier (threshold ${literal(drop)} %): clients cannot reconnect`,
            },
            {
                interval: "1m",
                firing: conn(Math.round(200 * (1 - Math.min(100, drop + 10) / 100))),
                evalTime: "50m",
                outputLabels: { namespace: ns, job: ws.name },
                value: (1 - Math.round(200 * (1 - Math.min(100, drop + 10) / 100)) / 200) * 100,
                quiet: conn(Math.round(200 * (1 - (drop - 5) / 100))),
            },
        );
    }

    // Queues (OB-3): BullMQ metrics, from whichever app publishes them.
    if (input.apps.some((a) => a.role === "worker")) {
        const worker = input.apps.find((a) => a.role === "worker")!;
        const qLabels = { namespace: ns, job: worker.name, queue: "email" };
        const qSel = matchers({ namespace: ns });
        add(
            "runbook-queues",
            "queues",
            "sev3",
            "OB-3",
            {
                alert: "QueueJobsFailing",
                expr: `sum by (namespace, job, queue) (rate(${QUEUE_METRICS.failedJobs}${qSel}[5m])) * 60 > ${literal(t.queueFailedJobsPerMinute)}`,
                for: "10m",
                labels: appLabel,
                summary: "BullMQ queue {{ $labels.queue }} is failing jobs",
                description: `{{ $labels.queue }} failed {{ printf "%.1f" $value }} jobs a minute over 5 minutes, for 10 minutes (threshold ${literal(t.queueFailedJobsPerMinute)}): look for a retry storm`,
            },
            {
                interval: "1m",
                firing: [{ series: series(QUEUE_METRICS.failedJobs, qLabels), values: counter([[t.queueFailedJobsPerMinute * 1.2, 30]]) }],
                evalTime: "20m",
                outputLabels: qLabels,
                value: t.queueFailedJobsPerMinute * 1.2,
                quiet: [{ series: series(QUEUE_METRICS.failedJobs, qLabels), values: counter([[t.queueFailedJobsPerMinute * 0.9, 30]]) }],
            },
        );
        add(
            "runbook-queues",
            "queues",
            "sev3",
            "OB-3",
            {
                alert: "QueueBacklog",
                expr: `max by (namespace, job, queue) (${QUEUE_METRICS.waitingJobs}${qSel}) > ${t.queueBacklogJobs}`,
                for: "15m",
                labels: appLabel,
                summary: "BullMQ queue {{ $labels.queue }} is backing up",
                description: `{{ $labels.queue }} has {{ printf "%.0f" $value }} jobs waiting, for 15 minutes (threshold ${t.queueBacklogJobs}): workers are too few or stuck`,
            },
            {
                interval: "1m",
                firing: [{ series: series(QUEUE_METRICS.waitingJobs, qLabels), values: gauge([[Math.ceil(t.queueBacklogJobs * 1.5), 30]]) }],
                evalTime: "20m",
                outputLabels: qLabels,
                value: Math.ceil(t.queueBacklogJobs * 1.5),
                quiet: [{ series: series(QUEUE_METRICS.waitingJobs, qLabels), values: gauge([[t.queueBacklogJobs, 30]]) }],
            },
        );
    }

    // Pods (OB-7), for every container of the namespace: apps and the data tier.
    const nsSel = (extra: Record<string, string | RegExp> = {}) => matchers({ namespace: ns, ...extra });
    const pod = { namespace: ns, pod: `${probe?.name ?? "app"}-7d9f8-abcde`, container: probe?.name ?? "app" };
    const ksm = { ...pod, job: "kube-state-metrics" };
    /** A restart counter with one restart at each of the given minutes. */
    const restartsAt = (minutes: number[], steps: number) => Array.from({ length: steps + 1 }, (_, k) => minutes.filter((m) => m <= k).length).join(" ");
    const restartWindow = 15;
    const restartMinutes = (count: number) => Array.from({ length: count }, (_, i) => 11 + (i % 9));
    add(
        "runbook-pods",
        "pods",
        "sev2",
        "OB-7",
        {
            alert: "PodRestartLoop",
            expr: `${KUBE_METRICS.restarts}${nsSel()} - ${KUBE_METRICS.restarts}${nsSel()} offset ${restartWindow}m >= ${t.podRestartsPer15m}`,
            for: "5m",
            summary: "{{ $labels.pod }} is restarting in a loop",
            description: `Container {{ $labels.container }} of {{ $labels.pod }} restarted {{ printf "%.0f" $value }} times in 15 minutes (threshold ${t.podRestartsPer15m}): crash loop`,
        },
        {
            interval: "1m",
            // The restarts land between minutes 11 and 19, so every 15-minute window from minute 20 to 25 holds them all.
            firing: [{ series: series(KUBE_METRICS.restarts, ksm), values: restartsAt(restartMinutes(t.podRestartsPer15m), 30) }],
            evalTime: "25m",
            outputLabels: ksm,
            value: t.podRestartsPer15m,
            quiet: [{ series: series(KUBE_METRICS.restarts, ksm), values: restartsAt(restartMinutes(t.podRestartsPer15m - 1), 30) }],
        },
    );
    add(
        "runbook-pods",
        "pods",
        "sev3",
        "OB-7",
        {
            alert: "ContainerOOMKilled",
            expr: `(${KUBE_METRICS.restarts}${nsSel()} - ${KUBE_METRICS.restarts}${nsSel()} offset 10m >= 1)\n  and on (namespace, pod, container) ${KUBE_METRICS.lastTerminatedReason}${nsSel({ reason: "OOMKilled" })} == 1`,
            summary: "{{ $labels.pod }} was killed for running out of memory",
            description: "Container {{ $labels.container }} of {{ $labels.pod }} was OOM-killed {{ printf \"%.0f\" $value }} time(s) in 10 minutes: raise its memory limit or find the leak",
        },
        {
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
    );
    const cadvisor = { ...pod, job: "kubelet" };
    const byContainer = "namespace, pod, container";
    add(
        "runbook-pods",
        "pods",
        "sev4",
        "OB-7",
        {
            alert: "ContainerCpuThrottled",
            expr: `sum by (${byContainer}) (increase(${KUBE_METRICS.cfsThrottledPeriods}${nsSel({ container: /.+/ })}[5m]))\n  / sum by (${byContainer}) (increase(${KUBE_METRICS.cfsPeriods}${nsSel({ container: /.+/ })}[5m])) * 100 > ${literal(t.cpuThrottlingPercent)}`,
            for: "15m",
            summary: "{{ $labels.pod }} is CPU-throttled",
            description: `Container {{ $labels.container }} of {{ $labels.pod }} was throttled in {{ printf "%.1f" $value }} % of CPU periods over 5 minutes, for 15 minutes (threshold ${literal(t.cpuThrottlingPercent)} %): raise its CPU limit`,
        },
        {
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
    );
    const limit = 2e9;
    add(
        "runbook-pods",
        "pods",
        "sev3",
        "OB-7",
        {
            alert: "ContainerMemoryNearLimit",
            expr: `max by (${byContainer}) (${KUBE_METRICS.workingSetBytes}${nsSel({ container: /.+/ })})\n  / max by (${byContainer}) (${KUBE_METRICS.memoryLimit}${nsSel({ resource: "memory" })}) * 100 > ${literal(t.memoryLimitPercent)}`,
            for: "15m",
            summary: "{{ $labels.pod }} is close to its memory limit",
            description: `Container {{ $labels.container }} of {{ $labels.pod }} uses {{ printf "%.1f" $value }} % of its memory limit, for 15 minutes (threshold ${literal(t.memoryLimitPercent)} %): an OOM kill is next`,
        },
        {
            interval: "1m",
            firing: [
                { series: series(KUBE_METRICS.workingSetBytes, cadvisor), values: gauge([[limit * ((t.memoryLimitPercent + (100 - t.memoryLimitPercent) / 2) / 100), 30]]) },
                { series: series(KUBE_METRICS.memoryLimit, { ...ksm, resource: "memory", unit: "byte" }), values: gauge([[limit, 30]]) },
            ],
            evalTime: "20m",
            outputLabels: pod,
            value: t.memoryLimitPercent + (100 - t.memoryLimitPercent) / 2,
            quiet: [
                { series: series(KUBE_METRICS.workingSetBytes, cadvisor), values: gauge([[limit * ((t.memoryLimitPercent - 0.5) / 100), 30]]) },
                { series: series(KUBE_METRICS.memoryLimit, { ...ksm, resource: "memory", unit: "byte" }), values: gauge([[limit, 30]]) },
            ],
        },
    );
    const hpa = { namespace: ns, horizontalpodautoscaler: probe?.name ?? "app", job: "kube-state-metrics" };
    add(
        "runbook-pods",
        "pods",
        "sev3",
        "OB-7",
        {
            alert: "HpaAtMaxReplicas",
            expr: `${KUBE_METRICS.hpaCurrentReplicas}${nsSel()}\n  >= on (namespace, horizontalpodautoscaler) ${KUBE_METRICS.hpaMaxReplicas}${nsSel()}`,
            for: "15m",
            summary: "{{ $labels.horizontalpodautoscaler }} cannot scale out any further",
            description: "{{ $labels.horizontalpodautoscaler }} has run at its maximum of {{ printf \"%.0f\" $value }} replicas for 15 minutes: raise the maximum or find what saturates it",
        },
        {
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
    );

    // Data (DB-4, RD-2, 003 "too many clients"). Read from the exporters in the namespace.
    const dbPct = t.dbConnectionsPercent;
    if (input.databaseEngine === "postgres") {
        const pg = { namespace: ns, job: "postgres-exporter", instance: "postgres-exporter:9187" };
        const pgSeries = (used: number): InputSeries[] => [
            { series: series(POSTGRES_METRICS.connections, { ...pg, datname: "app", state: "active" }), values: gauge([[Math.floor(used / 2), 20]]) },
            { series: series(POSTGRES_METRICS.connections, { ...pg, datname: "app", state: "idle" }), values: gauge([[used - Math.floor(used / 2), 20]]) },
            { series: series(POSTGRES_METRICS.maxConnections, pg), values: gauge([[200, 20]]) },
        ];
        add(
            "runbook-data",
            "data",
            "sev2",
            "DB-4",
            {
                alert: "DatabaseConnectionsNearMax",
                expr: `sum by (namespace) (${POSTGRES_METRICS.connections}${nsSel()})\n  / max by (namespace) (${POSTGRES_METRICS.maxConnections}${nsSel()}) * 100 > ${literal(dbPct)}`,
                for: "5m",
                labels: { datastore: "postgres" },
                summary: "PostgreSQL is running out of connections",
                description: `PostgreSQL holds {{ printf "%.1f" $value }} % of max_connections, for 5 minutes (threshold ${literal(dbPct)} %): the next clients get "too many clients"`,
            },
            {
                interval: "1m",
                firing: pgSeries(Math.min(200, Math.round(2 * (dbPct + (100 - dbPct) / 2)))),
                evalTime: "10m",
                outputLabels: { namespace: ns },
                value: Math.min(200, Math.round(2 * (dbPct + (100 - dbPct) / 2))) / 2,
                quiet: pgSeries(Math.floor(2 * dbPct) - 1),
            },
        );
    } else {
        // Percona mongodb_exporter, one sidecar per member (names in appMetrics.ts); each reports its own mongod.
        const mongo = { namespace: ns, job: "mongodb-exporter", instance: "10.0.3.8:9216", rs_nm: "rs0", rs_state: "1" };
        const conns = (current: number): InputSeries[] => [
            { series: series(MONGODB_METRICS.connections, { ...mongo, conn_type: "current" }), values: gauge([[current, 20]]) },
            { series: series(MONGODB_METRICS.connections, { ...mongo, conn_type: "available" }), values: gauge([[1000 - current, 20]]) },
        ];
        const over = Math.min(1000, Math.round(10 * (dbPct + (100 - dbPct) / 2)));
        add(
            "runbook-data",
            "data",
            "sev2",
            "DB-4",
            {
                alert: "DatabaseConnectionsNearMax",
                expr: `sum by (namespace, instance) (${MONGODB_METRICS.connections}${nsSel({ conn_type: "current" })})\n  / sum by (namespace, instance) (${MONGODB_METRICS.connections}${nsSel({ conn_type: /current|available/ })}) * 100 > ${literal(dbPct)}`,
                for: "5m",
                labels: { datastore: "mongodb" },
                summary: "MongoDB is running out of connections",
                description: `MongoDB holds {{ printf "%.1f" $value }} % of its connection limit, for 5 minutes (threshold ${literal(dbPct)} %)`,
            },
            {
                interval: "1m",
                firing: conns(over),
                evalTime: "10m",
                outputLabels: { namespace: ns, instance: mongo.instance },
                value: over / 10,
                quiet: conns(Math.floor(10 * dbPct) - 5),
            },
        );
        if ((input.mongodbMembers ?? 1) > 1) {
            // Every member's sidecar reports the whole set as that member sees it (`replSetGetStatus`):
            // `member_idx` is the member's host:port, `rs_state` the reporting member's own state.
            const primaryHost = `database-mongodb-0.database-mongodb-headless.${ns}.svc.cluster.local:27017`;
            const secondaryHost = `database-mongodb-1.database-mongodb-headless.${ns}.svc.cluster.local:27017`;
            const optimes = (lagSeconds: number): InputSeries[] =>
                [
                    { job: "mongodb-exporter", instance: "10.0.3.8:9216", rs_state: "1" },
                    { job: "mongodb-exporter", instance: "10.0.4.8:9216", rs_state: "2" },
                ].flatMap((exporter) => [
                    { series: series(MONGODB_METRICS.memberOptimeMs, { namespace: ns, ...exporter, rs_nm: "rs0", member_state: "PRIMARY", member_idx: primaryHost }), values: gauge([[1.7e12, 20]]) },
                    { series: series(MONGODB_METRICS.memberOptimeMs, { namespace: ns, ...exporter, rs_nm: "rs0", member_state: "SECONDARY", member_idx: secondaryHost }), values: gauge([[1.7e12 - lagSeconds * 1000, 20]]) },
                ]);
            add(
                "runbook-data",
                "data",
                "sev3",
                "DB-1",
                {
                    alert: "MongoReplicationLag",
                    expr: `(max by (namespace, rs_nm) (${MONGODB_METRICS.memberOptimeMs}${nsSel({ member_state: "PRIMARY" })})\n  - on (namespace, rs_nm) group_right min by (namespace, rs_nm, member_idx) (${MONGODB_METRICS.memberOptimeMs}${nsSel({ member_state: "SECONDARY" })})) / 1000 > ${t.replicationLagSeconds}`,
                    for: "5m",
                    labels: { datastore: "mongodb" },
                    summary: "MongoDB secondary {{ $labels.member_idx }} lags behind the primary",
                    description: `{{ $labels.member_idx }} is {{ printf "%.0f" $value }} s behind the primary, for 5 minutes (threshold ${t.replicationLagSeconds} s): a failover now would lose writes`,
                },
                {
                    interval: "1m",
                    firing: optimes(t.replicationLagSeconds * 1.5),
                    evalTime: "10m",
                    outputLabels: { namespace: ns, rs_nm: "rs0", member_idx: secondaryHost },
                    value: t.replicationLagSeconds * 1.5,
                    quiet: optimes(t.replicationLagSeconds - 1),
                },
            );
        }
    }

    // Redis: in-cluster only, read from its redis_exporter sidecar. ElastiCache runs no exporter; its
    // memory, evictions and replication lag are CloudWatch alarms (cloudwatchAlarms.ts).
    const redis = { namespace: ns, job: "redis-exporter", instance: "10.0.3.7:9121" };
    const hasRedis = input.redisMode === "in-cluster";
    const redisOut = { namespace: ns, instance: redis.instance };
    const redisPct = t.redisMemoryPercent;
    const maxBytes = 1e9;
    const redisMem = (pct: number): InputSeries[] => [
        { series: series(REDIS_METRICS.memoryUsed, redis), values: gauge([[(maxBytes * pct) / 100, 20]]) },
        { series: series(REDIS_METRICS.memoryMax, redis), values: gauge([[maxBytes, 20]]) },
    ];
    if (hasRedis) add(
        "runbook-data",
        "data",
        "sev2",
        "RD-2",
        {
            alert: "RedisMemoryNearMax",
            expr: `max by (namespace, instance) (${REDIS_METRICS.memoryUsed}${nsSel()})\n  / max by (namespace, instance) (${REDIS_METRICS.memoryMax}${nsSel()} > 0) * 100 > ${literal(redisPct)}`,
            for: "5m",
            labels: { datastore: "redis" },
            summary: "Redis is close to maxmemory",
            description: `Redis uses {{ printf "%.1f" $value }} % of maxmemory, for 5 minutes (threshold ${literal(redisPct)} %); under noeviction it refuses writes when full, and enqueues fail`,
        },
        { interval: "1m", firing: redisMem(Math.min(100, redisPct + (100 - redisPct) / 2)), evalTime: "10m", outputLabels: redisOut, value: Math.min(100, redisPct + (100 - redisPct) / 2), quiet: redisMem(redisPct - 0.5) },
    );
    // Redis lists an error type in INFO errorstats only once it has happened, so the OOM counter is
    // born at its first refused write: a series that did not exist 5 minutes ago counts too.
    const oom = { ...redis, err: "OOM" };
    const oomSel = `${REDIS_METRICS.errors}${nsSel({ err: "OOM" })}`;
    if (hasRedis) add(
        "runbook-data",
        "data",
        "sev1",
        "RD-2",
        {
            alert: "RedisRejectingWrites",
            expr: `${oomSel} - ${oomSel} offset 5m > 0\n  or (${oomSel} unless ${oomSel} offset 5m)`,
            labels: { datastore: "redis" },
            summary: "Redis refuses writes: it is at maxmemory",
            description: "Redis answered {{ printf \"%.0f\" $value }} command(s) with OOM in 5 minutes: jobs and rate-limit writes are being refused right now",
        },
        {
            interval: "1m",
            firing: [{ series: series(REDIS_METRICS.errors, oom), values: `_x8 ${gauge([[3, 13]])}` }],
            evalTime: "10m",
            outputLabels: oom,
            value: 3,
            quiet: [{ series: series(REDIS_METRICS.errors, oom), values: gauge([[3, 20]]) }],
        },
    );

    // The exporters themselves (DB-4): without them every data alert above is blind, not quiet.
    const exporters: Array<{ datastore: string; up: string; present: boolean; labels: Record<string, string> }> = [
        { datastore: "postgres", up: POSTGRES_METRICS.up, present: input.databaseEngine === "postgres", labels: { job: "postgres-exporter", instance: "10.0.3.9:9187" } },
        { datastore: "mongodb", up: MONGODB_METRICS.up, present: input.databaseEngine === "mongodb", labels: { job: "mongodb-exporter", instance: "10.0.3.8:9216" } },
        { datastore: "redis", up: REDIS_METRICS.up, present: hasRedis, labels: redis },
    ];
    const present = exporters.filter((x) => x.present);
    for (const e of present) {
        // The other exporters report, so only this one's silence is tested (the alert shares its name).
        const others = present.filter((o) => o !== e).map((o) => ({ series: series(o.up, { ...o.labels, namespace: ns }), values: gauge([[1, 21]]) }));
        const upSeries = (values: string): InputSeries[] => [{ series: series(e.up, { ...e.labels, namespace: ns }), values }, ...others];
        add(
            "runbook-data",
            "data",
            "sev3",
            "DB-4",
            {
                alert: "DatastoreMetricsMissing",
                expr: `max by (namespace) (${e.up}${nsSel()}) == 0\n  or absent(${e.up}${nsSel()})`,
                for: "10m",
                labels: { datastore: e.datastore },
                summary: `The ${e.datastore} exporter reports no metrics`,
                description: `The ${e.datastore} exporter is gone or cannot reach the server ({{ printf "%.0f" $value }} for 10 minutes): the ${e.datastore} alerts are blind until it is back`,
            },
            {
                interval: "1m",
                firing: upSeries(gauge([[1, 5], [0, 16]])),
                evalTime: "20m",
                outputLabels: { namespace: ns },
                value: 0,
                quiet: upSeries(gauge([[0, 5], [1, 16]])),
            },
        );
    }
    const pvc = { namespace: ns, persistentvolumeclaim: "data-redis-0", job: "kubelet" };
    const capacity = 100e9;
    const within = t.diskFullWithinHours;
    // Free space below 15 % and shrinking fast enough to reach zero within the horizon, or just not.
    const freeAtEval = 11.8e9;
    const steps = 420;
    const fallingTo = (perMinute: number): InputSeries[] => [
        { series: series(KUBE_METRICS.volumeAvailableBytes, pvc), values: `${freeAtEval + perMinute * steps}-${perMinute}x${steps + 10}` },
        { series: series(KUBE_METRICS.volumeCapacityBytes, pvc), values: gauge([[capacity, steps + 10]]) },
    ];
    const fillRate = freeAtEval / (within * 60);
    add(
        "runbook-data",
        "data",
        "sev2",
        "OB-3",
        {
            alert: "VolumeFillingUp",
            expr: `${KUBE_METRICS.volumeAvailableBytes}${nsSel()} / ${KUBE_METRICS.volumeCapacityBytes}${nsSel()} * 100 < 15\n  and predict_linear(${KUBE_METRICS.volumeAvailableBytes}${nsSel()}[6h], ${within * 3600}) < 0`,
            for: "15m",
            summary: "Volume {{ $labels.persistentvolumeclaim }} fills up within " + `${within} h`,
            description: `{{ $labels.persistentvolumeclaim }} has {{ printf "%.1f" $value }} % free and, at the rate of the last 6 hours, is full within ${within} hours`,
        },
        {
            interval: "1m",
            firing: fallingTo(Math.round(fillRate * 1.3)),
            evalTime: `${steps}m`,
            outputLabels: pvc,
            value: (freeAtEval / capacity) * 100,
            quiet: fallingTo(Math.round(fillRate * 0.95)),
        },
    );

    // Backups and drills (OB-6, BK-6, BK-7): the metrics the backup jobs push.
    const margin = t.backupMarginHours * 3600;
    for (const target of input.backups) {
        const push = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: target.datastore };
        /** The other datastores' backups, present, so only this one's absence is tested. */
        const othersPresent = (steps: number): InputSeries[] =>
            input.backups
                .filter((b) => b.datastore !== target.datastore)
                .map((b) => ({ series: series(BACKUP_METRICS.lastSuccessTimestamp, { ...push, datastore: b.datastore }), values: gauge([[0, steps]]) }));
        const sel = matchers(push);
        // The schedule plus the margin, and never more than one extra period: 26 h daily, 2 h hourly.
        const period = cronPeriodSeconds(target.schedule);
        const maxAge = period + Math.min(margin, period);
        const hours = hoursText(maxAge);
        const interval = maxAge > 6 * 3600 ? "10m" : "1m";
        const evalFire = duration(maxAge + 3600);
        const steps = (maxAge + 7200) / (interval === "10m" ? 600 : 60);
        const evalQuiet = duration(maxAge - 600);
        const ageLabels = { datastore: target.datastore };
        add(
            BACKUPS_GROUP,
            "backups",
            "sev2",
            "OB-6",
            {
                alert: "BackupTooOld",
                expr: `(time() - max by (datastore) (${BACKUP_METRICS.lastSuccessTimestamp}${sel})) / 3600 > ${literal(hours)}`,
                labels: ageLabels,
                summary: `The last good ${target.datastore} backup is older than ${literal(hours)} h`,
                description: `The last ${target.datastore} backup that was uploaded and verified finished {{ printf "%.1f" $value }} hours ago; the schedule '${target.schedule}' allows ${literal(hours)} h`,
            },
            {
                interval,
                firing: [{ series: series(BACKUP_METRICS.lastSuccessTimestamp, push), values: gauge([[0, steps]]) }],
                evalTime: evalFire,
                outputLabels: { datastore: target.datastore },
                value: (maxAge + 3600) / 3600,
                quiet: [{ series: series(BACKUP_METRICS.lastSuccessTimestamp, push), values: gauge([[0, steps]]) }],
                quietEvalTime: evalQuiet,
            },
        );
        add(
            BACKUPS_GROUP,
            "backups",
            "sev2",
            "OB-6",
            {
                alert: "BackupNeverSucceeded",
                expr: `absent(${BACKUP_METRICS.lastSuccessTimestamp}${sel})`,
                for: duration(maxAge),
                labels: ageLabels,
                summary: `No good ${target.datastore} backup has been recorded`,
                description: `No ${target.datastore} backup has reported success for ${literal(hours)} h: the backup job is not running, or cannot reach the Pushgateway`,
            },
            {
                interval,
                firing: othersPresent(steps),
                evalTime: evalFire,
                outputLabels: push,
                value: 1,
                quiet: othersPresent(steps),
                quietEvalTime: evalQuiet,
            },
        );
    }
    // Issue 17 #7: a full backup far smaller than the one before it: a wiped database, or the wrong one
    // dumped. The job pushes both sizes (the previous 0 when it had none, which never fires).
    const dropRatio = round10(1 - t.backupSizeDropPercent / 100);
    for (const target of input.backups.filter((b) => b.watchSize === true)) {
        const push = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: target.datastore };
        const sel = matchers(push);
        const sized = (size: number, previous: number): InputSeries[] => [
            { series: series(BACKUP_METRICS.sizeBytes, push), values: gauge([[size, 10]]) },
            { series: series(BACKUP_METRICS.previousSizeBytes, push), values: gauge([[previous, 10]]) },
        ];
        const previous = 1_000_000_000;
        const fired = Math.round(previous * dropRatio * 0.8);
        add(
            BACKUPS_GROUP,
            "backups",
            "sev2",
            "OB-6",
            {
                alert: "BackupSizeDropped",
                expr: `max by (datastore) (${BACKUP_METRICS.sizeBytes}${sel} / (${BACKUP_METRICS.previousSizeBytes}${sel} > 0)) < ${literal(dropRatio)}`,
                labels: { datastore: target.datastore },
                summary: `The last ${target.datastore} backup is less than ${literal(100 - t.backupSizeDropPercent)} % of the one before it`,
                description: `The last good ${target.datastore} backup is {{ $value | humanizePercentage }} of the size of the one before it: data may have been deleted, or the wrong database dumped; check before the retention expires the good backups`,
            },
            {
                interval: "1m",
                firing: sized(fired, previous),
                evalTime: "5m",
                outputLabels: { datastore: target.datastore },
                value: fired / previous,
                quiet: sized(Math.round(previous * dropRatio * 1.02), previous),
            },
        );
    }
    // Issue 17 #10: backups stopped long enough that the newest one expires soon (the monthly copies
    // outlive it, but they are up to a month older). Pages, where BackupTooOld only tickets.
    for (const target of input.backups.filter((b) => b.retentionDays !== undefined)) {
        const push = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: target.datastore };
        const retention = target.retentionDays!;
        const lead = newestExpiringLeadDays(retention);
        const limitDays = retention - lead;
        const steps = (limitDays + 2) * 24;
        add(
            BACKUPS_GROUP,
            "backups",
            "sev1",
            "BK-2",
            {
                alert: "BackupNewestExpiring",
                expr: `(time() - max by (datastore) (${BACKUP_METRICS.lastSuccessTimestamp}${matchers(push)})) / 86400 > ${limitDays}`,
                labels: { datastore: target.datastore },
                summary: `No good ${target.datastore} backup for ${limitDays} days: the newest expires within ${lead}`,
                description: `The last good ${target.datastore} backup finished {{ printf "%.1f" $value }} days ago; its prefix keeps backups ${retention} days, so within ${lead} days no daily ${target.datastore} backup is left`,
            },
            {
                interval: "1h",
                firing: [{ series: series(BACKUP_METRICS.lastSuccessTimestamp, push), values: gauge([[0, steps]]) }],
                evalTime: duration((limitDays + 1) * 86400),
                outputLabels: { datastore: target.datastore },
                value: limitDays + 1,
                quiet: [{ series: series(BACKUP_METRICS.lastSuccessTimestamp, push), values: gauge([[0, steps]]) }],
                quietEvalTime: duration(limitDays * 86400 - 3600),
            },
        );
    }
    if (input.backups.length > 0) {
        const push = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: input.backups[0].datastore };
        add(
            BACKUPS_GROUP,
            "backups",
            "sev2",
            "OB-6",
            {
                alert: "BackupFailed",
                expr: `min by (datastore) (${BACKUP_METRICS.lastRunSuccess}${matchers({ job: BACKUP_PUSH_JOB, stack: input.stack })}) == 0`,
                summary: "The last {{ $labels.datastore }} backup failed",
                description: "The last {{ $labels.datastore }} backup attempt failed; nothing was promoted, so the previous backup is still the newest good one",
            },
            {
                interval: "1m",
                firing: [{ series: series(BACKUP_METRICS.lastRunSuccess, push), values: gauge([[1, 5], [0, 6]]) }],
                evalTime: "10m",
                outputLabels: { datastore: push.datastore },
                value: 0,
                quiet: [{ series: series(BACKUP_METRICS.lastRunSuccess, push), values: gauge([[0, 5], [1, 6]]) }],
            },
        );
    }

    // Restore drills (BK-6, BK-7): watched where they run and push, which is the stack holding the
    // drill's key (staging), for every stack whose backups it restores; the `stack` label says whose.
    // A stack whose backups are drilled elsewhere (production) has no drill alerts of its own: its
    // Prometheus never receives drill metrics, and an alert waiting for them would fire forever.
    if (input.restoreDrills.length > 0) {
        const first = input.restoreDrills[0];
        const drill = { job: DRILL_PUSH_JOB, stack: first.stack, datastore: first.datastore };
        const drillAny = matchers({ job: DRILL_PUSH_JOB });
        const drillOut = { stack: first.stack, datastore: first.datastore };
        add(
            BACKUPS_GROUP,
            "backups",
            "sev3",
            "BK-6",
            {
                alert: "RestoreDrillFailed",
                expr: `min by (stack, datastore) (${DRILL_METRICS.lastRunSuccess}${drillAny}) == 0`,
                summary: "The last {{ $labels.datastore }} restore drill of {{ $labels.stack }} failed",
                description: "The last restore drill of {{ $labels.stack }}'s {{ $labels.datastore }} backups did not restore, or a check after the restore failed: the backups may not be restorable",
            },
            {
                interval: "1m",
                firing: [{ series: series(DRILL_METRICS.lastRunSuccess, drill), values: gauge([[0, 10]]) }],
                evalTime: "5m",
                outputLabels: drillOut,
                value: 0,
                quiet: [{ series: series(DRILL_METRICS.lastRunSuccess, drill), values: gauge([[1, 10]]) }],
            },
        );
        /**
         * The other drills' passes, present, so that only this drill's absence is tested: with two
         * drill targets or more, each one's RestoreDrillNeverSucceeded fires on empty input too, and
         * its proof would see them all (promtool wants some series: an unrelated one when alone).
         */
        const otherDrillsPresent = (target: { stack: string; datastore: string }, steps: number): InputSeries[] => {
            const others = input.restoreDrills
                .filter((d) => d.stack !== target.stack || d.datastore !== target.datastore)
                .map((d) => ({ series: series(DRILL_METRICS.lastSuccessTimestamp, { job: DRILL_PUSH_JOB, stack: d.stack, datastore: d.datastore }), values: gauge([[0, steps]]) }));
            return others.length > 0 ? others : [{ series: series("runbook_unrelated_series", { job: "x" }), values: gauge([[1, steps]]) }];
        };
        for (const target of input.restoreDrills) {
            const watched = { job: DRILL_PUSH_JOB, stack: target.stack, datastore: target.datastore };
            /** The other drills' metrics, present and current, so only this drill's absence or age is tested. */
            const othersPresent = (steps: number): InputSeries[] =>
                input.restoreDrills
                    .filter((d) => d !== target)
                    .map((d) => ({ series: series(DRILL_METRICS.lastSuccessTimestamp, { job: DRILL_PUSH_JOB, stack: d.stack, datastore: d.datastore }), values: `0+3600x${steps}` }));
            const out = { stack: target.stack, datastore: target.datastore };
            const drillMax = cronPeriodSeconds(target.schedule) + 86400;
            const drillDays = drillMax / 86400;
            const drillSteps = (drillMax + 2 * 86400) / 3600;
            add(
                BACKUPS_GROUP,
                "backups",
                "sev3",
                "BK-6",
                {
                    alert: "RestoreDrillOverdue",
                    expr: `(time() - max by (stack, datastore) (${DRILL_METRICS.lastSuccessTimestamp}${matchers(watched)})) / 86400 > ${literal(drillDays)}`,
                    summary: `The ${target.datastore} restore drill of ${target.stack} is overdue`,
                    description: `The last passing restore drill of ${target.stack}'s ${target.datastore} backups finished {{ printf "%.1f" $value }} days ago; the schedule '${target.schedule}' allows ${literal(drillDays)} days`,
                },
                {
                    interval: "1h",
                    firing: [{ series: series(DRILL_METRICS.lastSuccessTimestamp, watched), values: gauge([[0, drillSteps]]) }, ...othersPresent(drillSteps)],
                    evalTime: duration(drillMax + 86400),
                    outputLabels: out,
                    value: drillDays + 1,
                    quiet: [{ series: series(DRILL_METRICS.lastSuccessTimestamp, watched), values: gauge([[0, drillSteps]]) }, ...othersPresent(drillSteps)],
                    quietEvalTime: duration(drillMax - 3600),
                },
            );
            add(
                BACKUPS_GROUP,
                "backups",
                "sev3",
                "BK-6",
                {
                    alert: "RestoreDrillNeverSucceeded",
                    expr: `absent(${DRILL_METRICS.lastSuccessTimestamp}${matchers(watched)})`,
                    for: duration(drillMax),
                    labels: out,
                    summary: `No passing ${target.datastore} restore drill of ${target.stack} has been recorded`,
                    description: `No restore drill of ${target.stack}'s ${target.datastore} backups has passed for ${literal(drillDays)} days: the drill is not running, or has never passed`,
                },
                {
                    interval: "1h",
                    firing: otherDrillsPresent(target, drillSteps),
                    evalTime: duration(drillMax + 86400),
                    outputLabels: watched,
                    value: 1,
                    quiet: otherDrillsPresent(target, drillSteps),
                    quietEvalTime: duration(drillMax - 3600),
                },
            );
        }
        add(
            BACKUPS_GROUP,
            "backups",
            "sev3",
            "BK-7",
            {
                alert: "RestoreDrillRtoAboveTarget",
                expr: `max by (stack, datastore) (${DRILL_METRICS.rtoSeconds}${drillAny}) / 60 > ${t.rtoTargetMinutes}`,
                summary: `The last {{ $labels.datastore }} restore of {{ $labels.stack }} took longer than the ${t.rtoTargetMinutes}-minute RTO`,
                description: `Fetching, verifying, decrypting and restoring the latest {{ $labels.datastore }} backup of {{ $labels.stack }} took {{ printf "%.0f" $value }} minutes; the target is ${t.rtoTargetMinutes}`,
            },
            {
                interval: "1m",
                firing: [{ series: series(DRILL_METRICS.rtoSeconds, drill), values: gauge([[t.rtoTargetMinutes * 60 * 1.25, 10]]) }],
                evalTime: "5m",
                outputLabels: drillOut,
                value: t.rtoTargetMinutes * 1.25,
                quiet: [{ series: series(DRILL_METRICS.rtoSeconds, drill), values: gauge([[t.rtoTargetMinutes * 60 - 30, 10]]) }],
            },
        );
        add(
            BACKUPS_GROUP,
            "backups",
            "sev3",
            "BK-7",
            {
                alert: "RestoreDrillRpoAboveTarget",
                expr: `max by (stack, datastore) (${DRILL_METRICS.rpoSeconds}${drillAny}) / 3600 > ${t.rpoTargetHours}`,
                summary: `The last {{ $labels.datastore }} restore of {{ $labels.stack }} lost more than the ${t.rpoTargetHours}-hour RPO`,
                description: `The {{ $labels.datastore }} backup of {{ $labels.stack }} the drill restored was {{ printf "%.1f" $value }} hours old when the drill started; the target is ${t.rpoTargetHours} h`,
            },
            {
                interval: "1m",
                firing: [{ series: series(DRILL_METRICS.rpoSeconds, drill), values: gauge([[t.rpoTargetHours * 3600 * 1.25, 10]]) }],
                evalTime: "5m",
                outputLabels: drillOut,
                value: t.rpoTargetHours * 1.25,
                quiet: [{ series: series(DRILL_METRICS.rpoSeconds, drill), values: gauge([[t.rpoTargetHours * 3600 - 60, 10]]) }],
            },
        );
    }

    // Certificates (ED-2): cert-manager's metrics, wherever the certificates live.
    const cert = { name: "api-example-com", exported_namespace: "gateway", job: "cert-manager" };
    const days = t.certificateExpiryDays;
    add(
        "runbook-certificates",
        "certificates",
        "sev3",
        "ED-2",
        {
            alert: "CertificateExpiringSoon",
            expr: `(max by (name) (${CERT_MANAGER_METRICS.expiration}) - time()) / 86400 < ${days}`,
            summary: "Certificate {{ $labels.name }} expires within " + `${days} days`,
            description: `Certificate {{ $labels.name }} expires in {{ printf "%.1f" $value }} days and cert-manager has not renewed it (renewal normally happens 30 days ahead)`,
        },
        {
            interval: "1m",
            firing: [{ series: series(CERT_MANAGER_METRICS.expiration, cert), values: gauge([[(days - 1) * 86400 + 3600, 70]]) }],
            evalTime: "60m",
            outputLabels: { name: cert.name },
            value: days - 1,
            quiet: [{ series: series(CERT_MANAGER_METRICS.expiration, cert), values: gauge([[days * 86400 + 3600, 70]]) }],
        },
    );
    add(
        "runbook-certificates",
        "certificates",
        "sev2",
        "ED-2",
        {
            alert: "CertificateNotReady",
            expr: `max by (name) (${CERT_MANAGER_METRICS.ready}${matchers({ condition: /False|Unknown/ })}) == 1`,
            for: "15m",
            summary: "Certificate {{ $labels.name }} is not ready",
            description: "cert-manager has reported certificate {{ $labels.name }} as not ready for 15 minutes: issuance or renewal is failing",
        },
        {
            interval: "1m",
            firing: [{ series: series(CERT_MANAGER_METRICS.ready, { ...cert, condition: "False" }), values: gauge([[1, 30]]) }],
            evalTime: "20m",
            outputLabels: { name: cert.name },
            value: 1,
            quiet: [{ series: series(CERT_MANAGER_METRICS.ready, { ...cert, condition: "False" }), values: gauge([[0, 6], [1, 25]]) }],
            quietEvalTime: "20m",
        },
    );

    add(
        "runbook-watchdog",
        "watchdog",
        "sev4",
        "OB-4",
        {
            alert: "Watchdog",
            expr: "vector(1)",
            summary: "The alerting pipeline is alive",
            description: "This alert always fires; the dead man's switch raises an alarm when it stops arriving, because then Prometheus or Alertmanager is down",
        },
        {
            interval: "1m",
            firing: [],
            evalTime: "1m",
            outputLabels: {},
            value: 1,
            quiet: { none: "the watchdog fires by design; its absence is what the dead man's switch detects" },
        },
    );
    return specs;
}

/**
 * The SLO recording rules of the api and web apps, per window: requests a second, then the share
 * answered with 5xx and the share slower than p95LatencyMs (the histogram bucket at that edge).
 * Each ratio reads the request rate recorded just before it.
 */
export function sloRecordingRules(input: AlertRulesInput): RecordingRule[] {
    const webApps = input.apps.filter((a) => a.role !== "worker");
    if (webApps.length === 0) return [];
    const sel = (extra: Record<string, string | RegExp> = {}) => matchers({ namespace: input.namespace, job: oneOf(webApps.map((a) => a.name)), ...extra });
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

/** The rule groups of a stack, as PrometheusRule spec.groups and a promtool rule file take them. */
export function ruleGroups(input: AlertRulesInput, specs: AlertSpec[] = alertSpecs(input)): RuleGroup[] {
    const groups: RuleGroup[] = [];
    const recording = sloRecordingRules(input);
    if (recording.length > 0) groups.push({ name: SLO_GROUP, rules: recording });
    for (const spec of specs) {
        let group = groups.find((g) => g.name === spec.group);
        if (!group) {
            group = { name: spec.group, rules: [] };
            groups.push(group);
        }
        group.rules.push(spec.rule);
    }
    return groups;
}

/** Every alerting rule of some groups. */
export function alertingRules(groups: RuleGroup[]): AlertRule[] {
    return groups.flatMap((g) => g.rules.filter((r): r is AlertRule => !isRecording(r)));
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

/** A promtool test document that proves a behaviour across alerts, rather than one alert's threshold. */
export interface ScenarioTest {
    name: string;
    /** What it proves, in a sentence. */
    claim: string;
    /** Rule groups it loads. */
    groups: string[];
    document: Record<string, unknown>;
}

/**
 * The group order that exposes stale reads: groups with alerts first, groups of recording rules only
 * last. Prometheus runs every group on its own timer, so this order happens; an alert whose
 * recordings share its group (and precede it) reads the current value in any order.
 */
export function adversarialGroupOrder(groups: RuleGroup[]): string[] {
    const recordingOnly = (g: RuleGroup) => g.rules.every(isRecording);
    return [...groups.filter((g) => !recordingOnly(g)), ...groups.filter(recordingOnly)].map((g) => g.name);
}

interface AlertCheck {
    at: number;
    alert: string;
    /** Absent: the alert must not fire. */
    fires?: { labels: Record<string, string>; value: number };
}

function scenario(o: { name: string; claim: string; input: AlertRulesInput; groups: string[]; series: InputSeries[]; checks: AlertCheck[]; ruleFile: (group: string) => string }): ScenarioTest {
    const specs = alertSpecs(o.input);
    const loaded = ruleGroups(o.input, specs).filter((g) => o.groups.includes(g.name));
    const expect = (c: AlertCheck) => {
        if (!c.fires) return [];
        const spec = specs.find((s) => s.rule.alert === c.alert);
        if (!spec) throw new Error(`no alert ${c.alert} for this input`);
        const fires = c.fires;
        const rendered = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, renderTemplate(v, fires.labels, fires.value)]));
        return [{ exp_labels: { ...fires.labels, ...rendered(spec.rule.labels) }, exp_annotations: rendered(spec.rule.annotations) }];
    };
    return {
        name: o.name,
        claim: o.claim,
        groups: o.groups,
        document: {
            rule_files: o.groups.map(o.ruleFile),
            evaluation_interval: "1m",
            group_eval_order: adversarialGroupOrder(loaded),
            tests: [
                {
                    name: o.claim,
                    interval: "1m",
                    input_series: o.series,
                    alert_rule_test: o.checks.map((c) => ({ eval_time: `${c.at}m`, alertname: c.alert, exp_alerts: expect(c) })),
                },
            ],
        },
    };
}

/** Minutes of traffic as segments of equal minutes (minute 0 holds no requests). */
function segmentsOf(traffic: MinuteTraffic[]): TrafficSegment[] {
    const out: TrafficSegment[] = [];
    for (const m of traffic.slice(1)) {
        const last = out[out.length - 1];
        if (last && last.good === m.good && last.bad === m.bad) last.minutes++;
        else out.push({ good: m.good, bad: m.bad, minutes: 1 });
    }
    return out;
}

/** The SLO page of each SLI: its alert name, budget and how its traffic is written. */
function sloPages(input: AlertRulesInput) {
    const t = input.thresholds;
    return [
        { alert: "ErrorBudgetBurnFast", sli: "errors" as const, budget: errorBudget(t.availabilityPercent) },
        { alert: "LatencyBudgetBurnFast", sli: "slow" as const, budget: LATENCY_BUDGET },
    ].map((p) => ({ ...p, burn: pageAlert(p.sli, p.budget, t.minRequestsPerMinute) }));
}

function trafficFor(input: AlertRulesInput, sli: SliKind, job: string, traffic: MinuteTraffic[]): InputSeries[] {
    const segments = segmentsOf(traffic);
    return sli === "errors" ? requestTraffic(input.namespace, job, segments) : latencyTraffic(input.namespace, job, input.thresholds.p95LatencyMs, segments);
}

/**
 * The timing of each SLO page, as docs/alerts.md tabulates it: at 2×, 10× and 100 % of the budget's
 * rate, errors (or slow requests) start after six healthy hours and last until the page fires; the
 * page must not fire a minute earlier, and must resolve exactly `resetMinutes` after they stop. Every
 * document evaluates groups in the adversarial order, so an alert reading a stale recording fires late.
 */
export function timingScenarios(input: AlertRulesInput, ruleFile: (group: string) => string): ScenarioTest[] {
    const job = input.apps.find((a) => a.role !== "worker")?.name;
    if (!job) return [];
    const out: ScenarioTest[] = [];
    for (const page of sloPages(input)) {
        for (const level of TIMING_LEVELS) {
            const share = Math.min(1, level.share(page.budget));
            const timing = burnTiming(page.burn, share);
            const start = SCENARIO_WARMUP_MINUTES;
            const labels = { namespace: input.namespace, job };
            const name = `${page.alert} at ${level.label} of ${sloText(page.sli, input)}`;
            if (timing.detectMinutes === undefined) {
                const end = start + steadyStateMinutes(page.burn);
                out.push(
                    scenario({
                        name,
                        claim: `${name}: never pages (every window it reads is saturated at minute ${end})`,
                        input,
                        groups: [SLO_GROUP],
                        series: trafficFor(input, page.sli, job, episode(share, end, end)),
                        checks: [{ at: end, alert: page.alert }],
                        ruleFile,
                    }),
                );
                continue;
            }
            const fired = start + timing.detectMinutes;
            const reset = timing.resetMinutes as number;
            const checks: AlertCheck[] = [
                { at: fired - 1, alert: page.alert },
                { at: fired, alert: page.alert, fires: { labels, value: timing.valueAtDetection as number } },
                ...(timing.valueBeforeReset === undefined ? [] : [{ at: fired + reset - 1, alert: page.alert, fires: { labels, value: timing.valueBeforeReset } }]),
                { at: fired + reset, alert: page.alert },
            ];
            out.push(
                scenario({
                    name,
                    claim: `${name}: pages ${timing.detectMinutes} minutes after the errors start, not a minute sooner, and resolves ${reset} minutes after they stop`,
                    input,
                    groups: [SLO_GROUP],
                    series: trafficFor(input, page.sli, job, episode(share, fired, fired + reset + 1)),
                    checks,
                    ruleFile,
                }),
            );
        }
    }
    return out;
}

function sloText(sli: SliKind, input: AlertRulesInput): string {
    return sli === "errors" ? `${literal(input.thresholds.availabilityPercent)} % availability` : `95 % within ${input.thresholds.p95LatencyMs} ms`;
}

/**
 * Issue 16 (6): a stack's own Prometheus, fed exactly what its cluster's Pushgateway receives when
 * every job runs on schedule, raises no backup or drill alert: not on a freshly created stack's first
 * day (the first backup at its first run, no drill yet), and not after the longest drill period (at
 * least 100 days, past a quarterly drill). Drill metrics reach only the stack that runs the drill,
 * labelled with the stack whose backups it restored; an alert that waited for them anywhere else
 * would fire forever.
 */
export function freshStackScenarios(input: AlertRulesInput, ruleFile: (group: string) => string): ScenarioTest[] {
    const specs = alertSpecs(input).filter((s) => s.group === BACKUPS_GROUP);
    if (specs.length === 0) return [];
    const alerts = [...new Set(specs.map((s) => s.rule.alert))];
    const longestDrill = Math.max(0, ...input.restoreDrills.map((d) => cronPeriodSeconds(d.schedule) + 86400));
    const horizonHours = Math.ceil(Math.max(100 * 86400, longestDrill + 2 * 86400) / 3600);
    /** A job that first reports at `firstHour` and then stays current: its last success is always this hour. */
    const fresh = (name: string, labels: Record<string, string>, firstHour: number, value?: number): InputSeries => ({
        series: series(name, labels),
        values: `${firstHour > 0 ? `_x${firstHour} ` : ""}${value !== undefined ? `${value}x${horizonHours - firstHour}` : `${firstHour * 3600}+3600x${horizonHours - firstHour}`}`,
    });
    const inputSeries: InputSeries[] = [];
    for (const b of input.backups) {
        const labels = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: b.datastore };
        // The first run of a daily 02:00 backup reports at 03:00; an hourly one within its first hour.
        const first = cronPeriodSeconds(b.schedule) >= 86400 ? 3 : 1;
        inputSeries.push(fresh(BACKUP_METRICS.lastSuccessTimestamp, labels, first), fresh(BACKUP_METRICS.lastRunSuccess, labels, first, 1));
    }
    for (const d of input.restoreDrills) {
        const labels = { job: DRILL_PUSH_JOB, stack: d.stack, datastore: d.datastore };
        // The first drill passes on the second day, after the first backups exist.
        const first = 30;
        inputSeries.push(
            fresh(DRILL_METRICS.lastSuccessTimestamp, labels, first),
            fresh(DRILL_METRICS.lastRunSuccess, labels, first, 1),
            fresh(DRILL_METRICS.rtoSeconds, labels, first, 60),
            fresh(DRILL_METRICS.rpoSeconds, labels, first, 3 * 3600),
        );
    }
    const checks = [24, horizonHours].flatMap((h) => alerts.map((alert) => ({ eval_time: `${h}h`, alertname: alert, exp_alerts: [] })));
    return [
        {
            name: "issue 16 (6) a stack on schedule raises no backup or drill alert",
            claim: `${input.stack}: with every backup${input.restoreDrills.length > 0 ? " and drill" : ""} it runs reporting on schedule, none of ${alerts.join(", ")} fires on the first day or after ${horizonHours / 24} days`,
            groups: [BACKUPS_GROUP],
            document: {
                rule_files: [ruleFile(BACKUPS_GROUP)],
                evaluation_interval: "1h",
                tests: [{ name: `${input.stack} on schedule`, interval: "1h", input_series: inputSeries, alert_rule_test: checks }],
            },
        },
    ];
}

/**
 * Issue 22's defects, each as behaviour the old rules got wrong: a 2.4× burn paging through
 * HighErrorRatio (1), one failed request paging a low-traffic app (3), silence when an app gets no
 * requests (4), a latency page evaded by flapping (5). (2 and 6 are the timing scenarios at several
 * targets, in the adversarial group order; 7 is every production alert's runbook_url.)
 */
export function defectScenarios(input: AlertRulesInput, ruleFile: (group: string) => string): ScenarioTest[] {
    const web = input.apps.find((a) => a.role !== "worker");
    if (!web) return [];
    const job = web.name;
    const labels = { namespace: input.namespace, job };
    const t = input.thresholds;
    const start = SCENARIO_WARMUP_MINUTES;
    const out: ScenarioTest[] = [];
    const N = SCENARIO_REQUESTS_PER_MINUTE;

    // (1) 2.4× the budget's rate: the Workbook tickets it after about a day; nothing may page, and the
    // symptom, which reads the fast page's rate, stays quiet too.
    const slowBurn = round10(2.4 * errorBudget(t.availabilityPercent));
    const slowBurnEnd = start + WINDOW_MINUTES["6h"] + 30;
    out.push(
        scenario({
            name: "issue 22 (1) a 2.4x burn pages nobody",
            claim: `${literal(slowBurn * 100)} % errors against ${literal(t.availabilityPercent)} % (2.4x): neither HighErrorRatio nor ErrorBudgetBurnFast fires within ${slowBurnEnd - start} minutes`,
            input,
            groups: [SLO_GROUP],
            series: requestTraffic(input.namespace, job, segmentsOf(episode(slowBurn, slowBurnEnd, slowBurnEnd))),
            checks: [15, 30, 60, slowBurnEnd - start].flatMap((m) => [
                { at: start + m, alert: "HighErrorRatio" },
                { at: start + m, alert: "ErrorBudgetBurnFast" },
            ]),
            ruleFile,
        }),
    );

    // (3) Six requests an hour, one of them failing: a 16.7 % hour, yet one request is no evidence.
    const lowTraffic: MinuteTraffic[] = Array.from({ length: start + 31 }, (_, k) => ({ good: k > 0 && k % 10 === 0 && k !== start + 10 ? 1 : 0, bad: k === start + 10 ? 1 : 0 }));
    out.push(
        scenario({
            name: "issue 22 (3) one failed request of a low-traffic app pages nobody",
            claim: `at 6 requests an hour (under ${literal(t.minRequestsPerMinute)} a minute), one 5xx fires neither ErrorBudgetBurnFast nor HighErrorRatio`,
            input,
            groups: [SLO_GROUP],
            series: requestTraffic(input.namespace, job, segmentsOf(lowTraffic)),
            checks: [2, 3, 4, 10, 20].flatMap((m) => [
                { at: start + 10 + m, alert: "ErrorBudgetBurnFast" },
                { at: start + 10 + m, alert: "HighErrorRatio" },
            ]),
            ruleFile,
        }),
    );

    // (4) No requests while the pods are up: the SLO ratios are 0/0, so only NoTraffic can say so.
    const watched = input.apps.find((a) => a.role !== "worker" && a.expectsTraffic === true);
    if (watched) {
        const lastRequest = 30;
        const fires = noTrafficDetection(lastRequest);
        out.push(
            scenario({
                name: "issue 22 (4) an app that stops getting requests pages",
                claim: `${watched.name}'s pods stay up and its last request is counted at minute ${lastRequest}: NoTraffic fires at minute ${fires}, not before`,
                input,
                groups: [SLO_GROUP, "runbook-traffic"],
                series: noTrafficSeries(input.namespace, watched.name, { requestsPerMinute: 100, stopAfter: lastRequest, minutes: fires + 5 }),
                checks: [
                    { at: fires - 1, alert: "NoTraffic" },
                    { at: fires, alert: "NoTraffic", fires: { labels: { namespace: input.namespace, job: watched.name }, value: 1 } },
                    { at: fires, alert: "ErrorBudgetBurnFast" },
                ],
                ruleFile,
            }),
        );
        out.push(
            scenario({
                name: "issue 22 (4) an app that never got a request pages",
                claim: `${watched.name}'s pods are up and it has counted no request since they started (no series at all): NoTraffic fires after its ${NO_TRAFFIC.forMinutes} minutes`,
                input,
                groups: ["runbook-traffic"],
                series: [{ series: series(KUBE_METRICS.up, { namespace: input.namespace, job: watched.name, instance: `${watched.name}-0` }), values: gauge([[1, 30]]) }],
                checks: [
                    { at: NO_TRAFFIC.forMinutes - 1, alert: "NoTraffic" },
                    { at: NO_TRAFFIC.forMinutes, alert: "NoTraffic", fires: { labels: { namespace: input.namespace, job: watched.name }, value: 1 } },
                ],
                ruleFile,
            }),
        );
    }

    // (5) Six minutes with every request slow, five with none, for two hours: the p95 of the last 5
    // minutes is above the objective in 10 of every 11 evaluations, never 11 in a row, so the p95
    // symptom's `for: 10m` never completes; the latency budget burns at 11x and pages.
    const cycles = 11;
    const flapping: MinuteTraffic[] = Array.from({ length: start + cycles * 11 + 1 }, (_, k) => (k > start && (k - start - 1) % 11 < 6 ? { good: 0, bad: N } : { good: N, bad: 0 }));
    const latencyPage = pageAlert("slow", LATENCY_BUDGET, t.minRequestsPerMinute);
    const firstFiring = evaluateBurnAlert(latencyPage, flapping).find((e) => e.firing);
    if (!firstFiring) throw new Error("the latency page does not fire on a flapping 11x burn");
    const lastCycle = start + (cycles - 1) * 11;
    out.push(
        scenario({
            name: "issue 22 (5) flapping latency pages through the latency budget",
            claim: `6 minutes slow, 5 fast, for ${cycles} cycles: LatencyBudgetBurnFast pages at minute ${firstFiring.minute - start} of the flapping; HighLatencyP95, a symptom, never fires`,
            input,
            groups: [SLO_GROUP, "runbook-latency"],
            series: latencyTraffic(input.namespace, job, t.p95LatencyMs, segmentsOf(flapping)),
            checks: [
                { at: firstFiring.minute - 1, alert: "LatencyBudgetBurnFast" },
                { at: firstFiring.minute, alert: "LatencyBudgetBurnFast", fires: { labels, value: firstFiring.value as number } },
                ...Array.from({ length: 11 }, (_, i) => ({ at: lastCycle + 1 + i, alert: "HighLatencyP95" })),
            ],
            ruleFile,
        }),
    );
    return out;
}
