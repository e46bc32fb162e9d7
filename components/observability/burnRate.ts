/*
 * The arithmetic of the SLO alerts (OB-1, OB-2, issue 22), pure so that the rule generator, its
 * promtool scenarios, the unit tests and the timing table of docs/alerts.md all read one set of numbers.
 *
 * The pairs are the SRE Workbook's multiwindow, multi-burn-rate alerts for a 30-day budget
 * (https://sre.google/workbook/alerting-on-slos/, "6: Multiwindow, Multi-Burn-Rate Alerts"): page when
 * 2 % of the budget goes within an hour or 5 % within six, ticket at 10 % within a day or three.
 */

export type SloWindow = "5m" | "30m" | "1h" | "2h" | "6h" | "1d" | "3d";
export const SLO_WINDOWS: readonly SloWindow[] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];
export const WINDOW_MINUTES: Record<SloWindow, number> = { "5m": 5, "30m": 30, "1h": 60, "2h": 120, "6h": 360, "1d": 1440, "3d": 4320 };

export interface BurnPair {
    long: SloWindow;
    short: SloWindow;
    /** Burn rate: how many times faster than the budget lasts 30 days. */
    factor: number;
    /** Pages (sev2) or tickets (sev3). */
    page: boolean;
    /** Whether the pair is the one that must catch a total outage within minutes at any target (see pairThresholds). */
    catchesOutages: boolean;
}

export const BURN_PAIRS: readonly BurnPair[] = [
    { long: "1h", short: "5m", factor: 14.4, page: true, catchesOutages: true },
    { long: "6h", short: "30m", factor: 6, page: true, catchesOutages: false },
    { long: "1d", short: "2h", factor: 3, page: false, catchesOutages: false },
    { long: "3d", short: "6h", factor: 1, page: false, catchesOutages: false },
];

/**
 * Where the fast page's 14.4× is out of reach. An error ratio never exceeds 1, so below 93.06 %
 * availability (a budget above 1/14.4) the Workbook's fast pair can never fire, and well above that it
 * needs most of an hour of total outage: the Workbook's "extreme availability goals" case. There the
 * long window's threshold is capped at `long`, which a total outage reaches in 6 minutes of an hour, and the
 * short window asks for `short` (most requests failing right now) instead of the unreachable rate, so
 * the clamped page still means an outage rather than a mild, steady burn.
 */
export const OUTAGE_CLAMP = { long: 0.1, short: 0.5 } as const;

/** The pages' and tickets' `for`: the Workbook's pairs need little more than a scrape's worth of confirmation. */
export const PAGE_FOR_MINUTES = 2;
export const TICKET_FOR_MINUTES = 15;

/** The share of requests that may be slower than alerts.p95LatencyMs: it is a 95th percentile. */
export const LATENCY_BUDGET = 0.05;

/** The error budget of an availability objective, as a share of requests: 99.5 → 0.005. */
export function errorBudget(availabilityPercent: number): number {
    return round10((100 - availabilityPercent) / 100);
}

/** 10 significant digits, as the rules print numbers: what Prometheus parses is what we compute with. */
export function round10(n: number): number {
    return Number(n.toPrecision(10));
}

export interface PairThresholds extends BurnPair {
    /** Error (or slow) ratio the long window must exceed. */
    longThreshold: number;
    /** Ratio the short window must exceed. */
    shortThreshold: number;
    clamped: boolean;
}

/** Each pair's thresholds for a budget (a share of requests), clamped where the Workbook's rate cannot catch an outage. */
export function pairThresholds(budget: number): PairThresholds[] {
    return BURN_PAIRS.map((pair) => {
        const workbook = round10(pair.factor * budget);
        const clamped = pair.catchesOutages && workbook > OUTAGE_CLAMP.long;
        return {
            ...pair,
            longThreshold: clamped ? OUTAGE_CLAMP.long : workbook,
            shortThreshold: clamped ? Math.min(workbook, OUTAGE_CLAMP.short) : workbook,
            clamped,
        };
    });
}

/** The sev2 page of an SLO (its page pairs) and its sev3 ticket, as the rule generator declares them. */
export function pageAlert(sli: SliKind, budget: number, minRequestsPerMinute: number): BurnAlert {
    return { sli, pairs: pairThresholds(budget).filter((p) => p.page), minRequestsPerMinute, forMinutes: PAGE_FOR_MINUTES };
}

export function ticketAlert(sli: SliKind, budget: number, minRequestsPerMinute: number): BurnAlert {
    return { sli, pairs: pairThresholds(budget).filter((p) => !p.page), minRequestsPerMinute, forMinutes: TICKET_FOR_MINUTES };
}

/** Requests in one minute: `good` met the objective, `bad` failed it (5xx, or slower than the threshold). */
export interface MinuteTraffic {
    good: number;
    bad: number;
}

/**
 * How the SLI turns counters into a ratio, as the recording rules compute it: `errors` divides the 5xx
 * rate by the request rate (two `_count` series, 200 and 500); `slow` is 1 minus the rate of the
 * bucket at the threshold over the request rate (one `_count` series).
 */
export type SliKind = "errors" | "slow";

export interface BurnAlert {
    sli: SliKind;
    pairs: PairThresholds[];
    minRequestsPerMinute: number;
    forMinutes: number;
}

export interface Evaluation {
    minute: number;
    /** The expression returned a sample: the alert is pending or firing. */
    active: boolean;
    firing: boolean;
    /** The alert's value: the long-window ratio of the first pair that holds. */
    value?: number;
}

/**
 * Evaluates a burn-rate alert once a minute over synthetic traffic, with Prometheus 2's arithmetic.
 * `traffic[k]` holds the requests of minute k (between the samples at k−1 and k; `traffic[0]` is
 * ignored), and every counter starts at 0 at minute 0. Then `rate()` over a window is the counter's
 * increase within it times 1/range exactly (no extrapolation: the first sample is at the window's
 * start or is the counter's zero), and the operations below are the rules' own, in the same order,
 * so even a ratio that lands exactly on a threshold compares as Prometheus compares it.
 */
export function evaluateBurnAlert(alert: BurnAlert, traffic: MinuteTraffic[]): Evaluation[] {
    const good = cumulative(traffic.map((t) => t.good));
    const bad = cumulative(traffic.map((t) => t.bad));
    const rates = (window: SloWindow, t: number) => {
        const from = Math.max(0, t - WINDOW_MINUTES[window]);
        if (t - from < 1) return undefined;
        const perSecond = 1 / (WINDOW_MINUTES[window] * 60);
        const goodRate = (good[t] - good[from]) * perSecond;
        const badRate = (bad[t] - bad[from]) * perSecond;
        if (alert.sli === "errors") {
            const requests = goodRate + badRate;
            return { requests, ratio: badRate / requests };
        }
        // One `_count` series holds every request; the bucket at the threshold holds the good ones.
        const requests = (good[t] - good[from] + (bad[t] - bad[from])) * perSecond;
        return { requests, ratio: 1 - goodRate / requests };
    };
    const out: Evaluation[] = [];
    let activeSince: number | undefined;
    for (let t = 0; t < traffic.length; t++) {
        let value: number | undefined;
        for (const pair of alert.pairs) {
            const long = rates(pair.long, t);
            const short = rates(pair.short, t);
            if (!long || !short) continue;
            if (long.ratio > pair.longThreshold && short.ratio > pair.shortThreshold && long.requests * 60 >= alert.minRequestsPerMinute) {
                value = long.ratio;
                break;
            }
        }
        const active = value !== undefined;
        if (!active) activeSince = undefined;
        else if (activeSince === undefined) activeSince = t;
        out.push({ minute: t, active, firing: active && t - (activeSince as number) >= alert.forMinutes, ...(active ? { value } : {}) });
    }
    return out;
}

function cumulative(increments: number[]): number[] {
    const out: number[] = [];
    let total = 0;
    increments.forEach((n, k) => {
        if (k > 0) total += n;
        out.push(total);
    });
    return out;
}

/** Requests a minute in the timing scenarios: enough that every share used is a whole number of requests. */
export const SCENARIO_REQUESTS_PER_MINUTE = 100000;
/** Healthy minutes before the errors start: the longest page window, so every window starts full of good traffic. */
export const SCENARIO_WARMUP_MINUTES = WINDOW_MINUTES["6h"];

/** A share of the scenario's requests as a whole number of requests, or an error if it is not one. */
export function requestsFor(share: number): number {
    const n = Math.round(share * SCENARIO_REQUESTS_PER_MINUTE);
    if (Math.abs(n - share * SCENARIO_REQUESTS_PER_MINUTE) > 1e-6) throw new Error(`${share} of ${SCENARIO_REQUESTS_PER_MINUTE} requests is not a whole number`);
    return n;
}

/** The warm-up, then `badShare` of the requests failing in every minute up to and including minute `end`, then healthy again, up to minute `length`. */
export function episode(badShare: number, end: number, length: number): MinuteTraffic[] {
    const bad = requestsFor(badShare);
    return Array.from({ length: length + 1 }, (_, k) =>
        k > SCENARIO_WARMUP_MINUTES && k <= end ? { good: SCENARIO_REQUESTS_PER_MINUTE - bad, bad } : { good: SCENARIO_REQUESTS_PER_MINUTE, bad: 0 },
    );
}

export interface BurnTiming {
    /** Share of requests failing. */
    badShare: number;
    /** Minutes from the first failing minute's start to the page; undefined when it never pages. */
    detectMinutes?: number;
    /** The alert's value when it fires. */
    valueAtDetection?: number;
    /** Minutes from the errors stopping (the minute the page fired) to the alert resolving. */
    resetMinutes?: number;
    /** The alert's value one minute before it resolves (when it fires that long). */
    valueBeforeReset?: number;
}

/**
 * Detection and reset of a burn-rate alert for a steady error share, as the Workbook tabulates them:
 * errors start after a full window of good traffic, last until the alert fires, then stop.
 */
export function burnTiming(alert: BurnAlert, badShare: number): BurnTiming {
    const horizon = SCENARIO_WARMUP_MINUTES + steadyStateMinutes(alert);
    const start = SCENARIO_WARMUP_MINUTES;
    const ongoing = evaluateBurnAlert(alert, episode(badShare, horizon, horizon));
    const first = ongoing.find((e) => e.firing);
    if (!first) return { badShare };
    const end = first.minute;
    const stopped = evaluateBurnAlert(alert, episode(badShare, end, end + steadyStateMinutes(alert)));
    const resolved = stopped.find((e) => e.minute > end && !e.firing);
    if (!resolved) throw new Error(`the alert never resolves after the errors stop at minute ${end}`);
    const before = stopped[resolved.minute - 1];
    return {
        badShare,
        detectMinutes: end - start,
        valueAtDetection: first.value,
        resetMinutes: resolved.minute - end,
        ...(before.firing && resolved.minute - 1 > end ? { valueBeforeReset: before.value } : {}),
    };
}

/** Minutes after which every window the alert reads holds only the new traffic: nothing changes after it. */
export function steadyStateMinutes(alert: BurnAlert): number {
    return Math.max(...alert.pairs.map((p) => WINDOW_MINUTES[p.long])) + alert.forMinutes + 5;
}

/** The error levels the timing table and its scenarios try: twice and ten times the budget's rate, and a total outage. */
export const TIMING_LEVELS: ReadonlyArray<{ label: string; share: (budget: number) => number }> = [
    { label: "2×", share: (b) => round10(2 * b) },
    { label: "10×", share: (b) => round10(10 * b) },
    { label: "100 %", share: () => 1 },
];

/** Availability targets docs/alerts.md tabulates: across the schema's 90–99.99, around 93.06 where 14.4× stops being reachable, and the default. */
export const DOC_AVAILABILITY_TARGETS: readonly number[] = [90, 93, 95, 99, 99.5, 99.9, 99.99];

export const TIMING_TABLE_BEGIN = "<!-- BEGIN generated by sloTimingMarkdown() in components/observability/burnRate.ts; the promtool scenarios check every number -->";
export const TIMING_TABLE_END = "<!-- END generated -->";

function percent(share: number): string {
    return `${round10(share * 100)} %`;
}

function pairText(p: PairThresholds): string {
    const both = p.longThreshold === p.shortThreshold ? `> ${percent(p.longThreshold)} over both` : `> ${percent(p.longThreshold)} over ${p.long}, > ${percent(p.shortThreshold)} over ${p.short}`;
    return `${both}${p.clamped ? " (clamped)" : ""}`;
}

function timingText(t: BurnTiming): string {
    return t.detectMinutes === undefined ? "no page" : `${t.detectMinutes} min, resets in ${t.resetMinutes} min`;
}

/**
 * The timing table of docs/alerts.md: for each SLO page, at each tabulated objective, the budget it
 * protects, its pairs, and when it pages (minutes after the errors start) and resolves (minutes after
 * they stop) at 2×, 10× and 100 % errors.
 */
export function sloTimingMarkdown(): string {
    const row = (alert: string, objective: string, budget: number, sli: SliKind) => {
        const burn = pageAlert(sli, budget, 1);
        const [fast, slow] = burn.pairs;
        const cells = TIMING_LEVELS.map((level) => timingText(burnTiming(burn, Math.min(1, level.share(budget)))));
        const outage = round10(budget * 30 * 24 * 60);
        return `| ${alert} | ${objective} | ${percent(budget)} of requests (${outage} min ${sli === "errors" ? "of total outage" : "with every request slow"}) | ${pairText(fast)} | ${pairText(slow)} | ${cells.join(" | ")} |`;
    };
    return [
        TIMING_TABLE_BEGIN,
        "| Page | Objective | 30-day budget | 1 h and 5 min pair | 6 h and 30 min pair | 2× | 10× | 100 % |",
        "|---|---|---|---|---|---|---|---|",
        ...DOC_AVAILABILITY_TARGETS.map((target) => row("ErrorBudgetBurnFast", `${target} % availability`, errorBudget(target), "errors")),
        row("LatencyBudgetBurnFast", "95 % of requests within `p95LatencyMs`", LATENCY_BUDGET, "slow"),
        TIMING_TABLE_END,
    ].join("\n");
}
