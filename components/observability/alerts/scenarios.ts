import { cronPeriodSeconds } from "../../../lib/cron";
import { KUBE_METRICS } from "../appMetrics";
import { BACKUP_METRICS, BACKUP_PUSH_JOB, DRILL_METRICS, DRILL_PUSH_JOB } from "../backupMetrics";
import {
    LATENCY_BUDGET,
    MinuteTraffic,
    SCENARIO_REQUESTS_PER_MINUTE,
    SCENARIO_WARMUP_MINUTES,
    SliKind,
    TIMING_LEVELS,
    WINDOW_MINUTES,
    burnTiming,
    episode,
    errorBudget,
    evaluateBurnAlert,
    pageAlert,
    round10,
    steadyStateMinutes,
} from "../burnRate";
import { gauge, renderTemplate, series } from "../promql";
import { literal } from "./alert";
import { BACKUPS_GROUP } from "./backups";
import { LATENCY_GROUP } from "./latency";
import { TrafficSegment, latencyTraffic, noTrafficSeries, requestTraffic } from "./proof";
import { adversarialGroupOrder, alertSpecs, ruleGroups } from "./rules";
import { SLO_GROUP } from "./slo";
import { NO_TRAFFIC, TRAFFIC_GROUP, noTrafficDetection } from "./traffic";
import type { AlertRulesInput, InputSeries } from "./types";

/*
 * The scenarios: the SLO pages' timing as docs/alerts.md tabulates it, a stack whose jobs run on
 * schedule (issue 16), and issue 22's defects, each a promtool document over one or more groups.
 */

/** A promtool test document that proves a behaviour across alerts, rather than one alert's threshold. */
export interface ScenarioTest {
    name: string;
    /** What it proves, in a sentence. */
    claim: string;
    /** Rule groups it loads. */
    groups: string[];
    document: Record<string, unknown>;
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
                groups: [SLO_GROUP, TRAFFIC_GROUP],
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
                groups: [TRAFFIC_GROUP],
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
            groups: [SLO_GROUP, LATENCY_GROUP],
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
