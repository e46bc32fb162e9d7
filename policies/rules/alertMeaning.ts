import { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, guidance, requirement, stackOf } from "./meta";
import { REQUIRED, alertsOf, unknownAlertNames } from "./observability";
import { UNKNOWN, at, knownString, listAt } from "./props";
import { Branch, Condition, Expr, Interval, Quantity, branchNeverHolds, branchesOf, classify, contains, durationSeconds, expandRecordings, firingSet, intersect, labelMatches, parsePromql, selectorsOf, show } from "./promql";
import { APP_TIER, K8S_CERTIFICATE, K8S_DEPLOYMENT, K8S_PROMETHEUS_RULE, TIER_LABEL } from "./vocabulary";

/*
 * What the required alerts mean (OB-1, OB-2, OB-6, OB-7, ED-2; issue 19 (1)): each compares the
 * quantity the runbook names (a 5xx share of requests over 1h, p95 latency, restarts in 15 minutes,
 * a backup's age) with the runbook's number, waits no longer than the runbook allows (`for`), and
 * can fire at all. The numbers are the runbook's, stated once here as the policy's config defaults
 * (a stack's policy config may set stricter or, with a reason, looser ones); the program's alerts
 * config derives the same numbers (components/observability/burnRate.ts).
 */

/** OB-1: availability 99.5 % a month, so 0.5 % of requests may fail. */
const ERROR_BUDGET = 0.005;
/** OB-1: p95 latency under 400 ms, so 5 % of requests may be slower. */
const P95_SECONDS = 0.4;
/**
 * The SRE Workbook's multiwindow, multi-burn-rate pairs (https://sre.google/workbook/alerting-on-slos/):
 * the page at 14.4× over 1h and 5m or 6× over 6h and 30m, the ticket at 3× over 1d and 2h or 1× over 3d and 6h.
 * Where 14.4 × the budget exceeds 10 % (the latency SLO's 5 %), the fast pair is clamped to 10 % over the hour
 * and min(14.4 × budget, 50 %) over 5 minutes (docs/alerts.md, "Low targets").
 */
function burnPairs(budget: number, page: boolean): Array<[string, number]> {
    if (page) {
        const fast = 14.4 * budget;
        const [long, short] = fast > 0.1 ? [0.1, Math.min(fast, 0.5)] : [fast, fast];
        return [["1h", long], ["5m", short], ["6h", 6 * budget], ["30m", 6 * budget]];
    }
    return [["1d", 3 * budget], ["2h", 3 * budget], ["3d", budget], ["6h", budget]];
}
const round = (n: number) => Number(n.toPrecision(10));

/** How a required comparison must fire: above/atLeast/below/atMost the value, or at it. */
type Fires = "above" | "atLeast" | "below" | "atMost" | "at";

export interface RequiredComparison {
    quantity: string;
    /** The window, as a Prometheus duration; for counts (restarts) the shortest window allowed. */
    window?: string;
    fires: Fires;
    value: number;
}

export interface AlertMeaning {
    /** The longest `for` allowed, as a Prometheus duration; "0s" for none. */
    maxFor: string;
    require: RequiredComparison[];
}

const share = (quantity: string, pairs: Array<[string, number]>): RequiredComparison[] => pairs.map(([window, value]) => ({ quantity, window, fires: "above" as const, value: round(value) }));

/** The runbook's numbers, per required alert. */
export const ALERT_MEANINGS: Record<string, AlertMeaning> = {
    ErrorBudgetBurnFast: { maxFor: "2m", require: share("error-share", burnPairs(ERROR_BUDGET, true)) },
    ErrorBudgetBurnSlow: { maxFor: "15m", require: share("error-share", burnPairs(ERROR_BUDGET, false)) },
    LatencyBudgetBurnFast: { maxFor: "2m", require: share("slow-share", burnPairs(1 - 0.95, true)) },
    LatencyBudgetBurnSlow: { maxFor: "15m", require: share("slow-share", burnPairs(1 - 0.95, false)) },
    HighErrorRatio: { maxFor: "5m", require: share("error-share", [["5m", 14.4 * ERROR_BUDGET]]) },
    HighLatencyP95: { maxFor: "10m", require: [{ quantity: "latency-quantile", fires: "above", value: P95_SECONDS }] },
    AppDown: { maxFor: "2m", require: [{ quantity: "targets-up", fires: "at", value: 0 }] },
    PodRestartLoop: { maxFor: "5m", require: [{ quantity: "restarts", window: "15m", fires: "atLeast", value: 3 }] },
    ContainerOOMKilled: { maxFor: "0s", require: [{ quantity: "oom-killed", fires: "at", value: 1 }] },
    BackupFailed: { maxFor: "0s", require: [{ quantity: "backup-run-success", fires: "at", value: 0 }] },
    BackupTooOld: { maxFor: "0s", require: [{ quantity: "backup-age", fires: "above", value: 26 * 3600 }] },
    RestoreDrillFailed: { maxFor: "0s", require: [{ quantity: "drill-run-success", fires: "at", value: 0 }] },
    CertificateExpiringSoon: { maxFor: "1h", require: [{ quantity: "certificate-time-left", fires: "below", value: 14 * 86400 }] },
};

/** ED-2: the certificate-expiry alert a stack with Certificates must have, whatever its name. */
const CERTIFICATE_EXPIRY = "CertificateExpiringSoon";

interface Config {
    alerts: Record<string, AlertMeaning>;
    /** Fewest requests a minute a traffic guard may ask for before an SLO alert fires. */
    minRequestsPerMinute: number;
    /** The latency objective a slow share must count above, at most (s). */
    latencyObjectiveSeconds: number;
    /** The smallest quantile a latency alert may watch. */
    latencyQuantile: number;
    /** How old a backup may grow before BackupTooOld must fire, by datastore, in hours (BK-1: daily, hourly for the oplog; plus 2 h of margin). */
    backupAgeHours: Record<string, number>;
}

const DEFAULTS: Config = {
    alerts: ALERT_MEANINGS,
    minRequestsPerMinute: 1,
    latencyObjectiveSeconds: P95_SECONDS,
    latencyQuantile: 0.95,
    backupAgeHours: { postgres: 26, mongodb: 26, redis: 26, "mongodb-oplog": 2 },
};

function requiredSet(r: RequiredComparison): Interval {
    switch (r.fires) {
        case "above":
            return firingSet(">", r.value);
        case "atLeast":
            return firingSet(">=", r.value);
        case "below":
            return firingSet("<", r.value);
        case "atMost":
            return firingSet("<=", r.value);
        case "at":
            return firingSet("==", r.value);
    }
}

const FIRES_TEXT: Record<Fires, string> = { above: "above", atLeast: "at or above", below: "below", atMost: "at or below", at: "at" };

/** A number in the unit a reader expects: seconds as hours or days, shares as percent. */
function human(quantity: string, value: number): string {
    if (["backup-age", "certificate-time-left"].includes(quantity)) return value % 86400 === 0 && Math.abs(value) >= 86400 ? `${value / 86400} days` : `${round(value / 3600)} h`;
    if (["error-share", "slow-share"].includes(quantity)) return `${round(value * 100)} %`;
    if (quantity === "latency-quantile") return `${round(value * 1000)} ms`;
    if (quantity === "request-rate") return `${round(value * 60)} requests a minute`;
    return String(round(value));
}

const QUANTITY_TEXT: Record<string, string> = {
    "error-share": "the share of requests answered 5xx",
    "slow-share": "the share of requests slower than the latency objective",
    "request-rate": "the request rate",
    "latency-quantile": "the p95 request latency",
    "targets-up": "the number of app targets up",
    restarts: "container restarts",
    "oom-killed": "containers last killed for memory (OOMKilled)",
    "backup-run-success": "the last backup run's success",
    "drill-run-success": "the last restore drill's success",
    "backup-age": "the age of the last good backup",
    "certificate-time-left": "the time left before a certificate expires",
};

function describeRequirement(r: RequiredComparison): string {
    return `${QUANTITY_TEXT[r.quantity] ?? r.quantity}${r.window ? ` over ${r.window}` : ""} ${FIRES_TEXT[r.fires]} ${human(r.quantity, r.value)}`;
}

interface Judged {
    condition: Condition;
    quantity: Quantity;
}

/** Why an atom's quantity is not the one asked for (another latency objective, a smaller quantile), or undefined. */
function paramProblem(q: Quantity, config: Config): string | undefined {
    if (q.narrowed !== undefined) return `counts only ${q.narrowed}`;
    if (q.name === "slow-share" && typeof q.param === "number" && q.param > config.latencyObjectiveSeconds + 1e-12) {
        return `counts requests slower than ${human("latency-quantile", q.param)}, not the objective's ${human("latency-quantile", config.latencyObjectiveSeconds)}`;
    }
    if (q.name === "latency-quantile" && typeof q.param === "number" && q.param < config.latencyQuantile) return `watches the p${round(q.param * 100)}, below the p${round(config.latencyQuantile * 100)}`;
    return undefined;
}

function windowMatches(r: RequiredComparison, q: Quantity): boolean {
    if (r.window === undefined) return true;
    const wanted = durationSeconds(r.window);
    if (q.window === undefined || wanted === undefined) return false;
    // A count over a longer window sees at least as many events: never looser.
    return r.quantity === "restarts" ? q.window >= wanted : q.window === wanted;
}

/** The scope an alert of the apps must reach: their namespaces and names, and the stack. */
interface Scope {
    namespaces: Set<string>;
    jobs: Set<string>;
    stack: string | undefined;
}

/** Why a selector can never match a series of this stack's apps or jobs (a namespace, job or stack matcher that admits none), or undefined. */
function outOfScope(e: Expr, scope: Scope): string | undefined {
    for (const s of selectorsOf(e)) {
        const check = (label: string, values: Set<string>) => {
            if (values.size === 0) return undefined;
            const m = s.matchers.find((x) => x.label === label && ![...values].some((v) => labelMatches(x, v)));
            return m ? `its selector ${s.metric ?? ""}{${m.label}${m.op}"${m.value}"} matches none of the stack's ${label === "job" ? "apps" : `${label}s`} (${[...values].join(", ")})` : undefined;
        };
        const why = check("namespace", scope.namespaces) ?? (s.metric === "up" || s.metric?.startsWith("http_request") ? check("job", scope.jobs) : undefined) ?? check("stack", new Set(scope.stack ? [scope.stack] : []));
        if (why) return why;
    }
    return undefined;
}

/**
 * Judges one alert against what the runbook asks of it; reports violations and, for what the pack
 * cannot read, advisories that name the alert.
 */
function judgeAlert(
    name: string,
    rule: unknown,
    meaning: AlertMeaning | undefined,
    recordings: ReadonlyMap<string, Expr>,
    unreadableRecordings: ReadonlySet<string>,
    config: Config,
    scope: Scope | undefined,
    where: PolicyResource,
    report: ReportViolation,
): void {
    const policy = "alerts-fire-at-runbook-thresholds";
    const exprText = at(rule, "expr");
    if (exprText === UNKNOWN) return cannotCheckYet(report, policy, where.urn, `the expression of alert '${name}'`);
    const text = typeof exprText === "number" ? String(exprText) : knownString(exprText);
    if (text === undefined) {
        report(`Alert '${name}' in PrometheusRule '${where.name}' has no expression it could fire on. Give it the runbook's expression.`, where.urn);
        return;
    }
    const parsed = parsePromql(text);
    if ("error" in parsed) {
        report(`Alert '${name}' in PrometheusRule '${where.name}' can never fire: ${parsed.error}, so Prometheus refuses its rule group. Fix the expression.`, where.urn);
        return;
    }
    const pending = selectorsOf(parsed).filter((s) => s.metric !== undefined && unreadableRecordings.has(s.metric)).map((s) => s.metric);
    if (pending.length > 0) return cannotCheckYet(report, policy, where.urn, `alert '${name}', which reads recording rule(s) ${[...new Set(pending)].join(", ")} whose expression is only known after 'pulumi up'`);
    const expanded = expandRecordings(parsed, recordings);
    const branches = branchesOf(expanded);
    const never = branches.map((b) => branchNeverHolds(b) ?? (scope ? outOfScope(b.map(atomExpr).reduce(and), scope) : undefined));
    const live: Branch[] = branches.filter((_, i) => never[i] === undefined);
    if (live.length === 0) {
        report(`Alert '${name}' in PrometheusRule '${where.name}' can never fire: ${[...new Set(never)].join("; ")}. Fix the expression${meaning ? ` so it fires on ${meaning.require.map(describeRequirement).join(" and ")}` : ""}.`, where.urn);
        return;
    }
    if (meaning === undefined) return;
    const forText = at(rule, "for");
    if (forText === UNKNOWN) cannotCheckYet(report, policy, where.urn, `the 'for' of alert '${name}'`);
    else {
        const waits = forText === undefined || forText === null ? 0 : durationSeconds(String(forText));
        const max = durationSeconds(meaning.maxFor) ?? 0;
        if (waits === undefined) report(`Alert '${name}' in PrometheusRule '${where.name}' waits 'for: ${String(forText)}', which is no duration Prometheus reads. Set at most ${meaning.maxFor}.`, where.urn);
        else if (waits > max) report(`Alert '${name}' in PrometheusRule '${where.name}' waits ${String(forText)} before it fires, longer than the runbook's ${meaning.maxFor}: the response starts late. Set 'for' to ${meaning.maxFor} or less.`, where.urn);
    }
    const judged: Judged[] = [];
    const unread: string[] = [];
    for (const b of live) {
        for (const atom of b) {
            if (atom.kind === "compare") {
                const q = classify(atom.core);
                if (q) judged.push({ condition: atom, quantity: q });
                else unread.push(atom.written);
            } else if (atom.kind === "opaque") unread.push(show(atom.expr));
        }
    }
    const problems: string[] = [];
    let unjudgeable = false;
    for (const r of meaning.require) {
        const candidates = judged.filter((j) => j.quantity.name === r.quantity && windowMatches(r, j.quantity));
        const usable = candidates.filter((j) => paramProblem(j.quantity, config) === undefined);
        const wanted = intersect(requiredSet(r), { lo: candidates[0]?.quantity.bounds[0] ?? -Infinity, hi: candidates[0]?.quantity.bounds[1] ?? Infinity, loOpen: false, hiOpen: false });
        if (usable.some((j) => wanted === undefined || contains(firingSet(j.condition.op, j.condition.threshold), wanted))) continue;
        if (candidates.length === 0) {
            if (unread.length > 0) unjudgeable = true;
            else problems.push(`it no longer compares ${QUANTITY_TEXT[r.quantity] ?? r.quantity}${r.window ? ` over ${r.window}` : ""}, so it cannot fire on ${describeRequirement(r)}`);
            continue;
        }
        const shown = candidates.map((j) => paramProblem(j.quantity, config) ?? `fires on ${j.condition.written}, that is ${FIRES_TEXT_OF(j.condition)} ${human(r.quantity, j.condition.threshold)}`);
        problems.push(`${shown.join("; ")}: looser than the runbook's ${describeRequirement(r)}`);
    }
    // A traffic guard may only hold an SLO alert back below the runbook's minimum traffic.
    const guardFloor = config.minRequestsPerMinute / 60;
    for (const j of judged.filter((x) => x.quantity.name === "request-rate")) {
        if (!contains(firingSet(j.condition.op, j.condition.threshold), firingSet(">=", guardFloor))) {
            problems.push(`its traffic guard ${j.condition.written} holds it back until ${human("request-rate", j.condition.threshold)}, above the runbook's ${human("request-rate", guardFloor)}`);
        }
    }
    for (const j of judged.filter((x) => x.quantity.name === "backup-age")) {
        const datastore = typeof j.quantity.param === "string" ? j.quantity.param : undefined;
        const hours = datastore !== undefined ? config.backupAgeHours[datastore] : Math.min(...Object.values(config.backupAgeHours));
        if (hours !== undefined && !contains(firingSet(j.condition.op, j.condition.threshold), firingSet(">", hours * 3600))) {
            problems.push(`it waits until ${datastore ?? "a"} backup is ${human("backup-age", j.condition.threshold)} old, beyond the runbook's ${hours} h (BK-1)`);
        }
    }
    if (problems.length > 0) {
        report(`Alert '${name}' in PrometheusRule '${where.name}' does not fire when the runbook asks: ${problems.join("; ")}. Restore the runbook's expression (the Observability component generates it from the alerts config).`, where.urn);
    } else if (unjudgeable) {
        cannotJudge(report, where.urn, `alert '${name}': its comparison${unread.length > 1 ? "s" : ""} ${unread.slice(0, 3).join(", ")} ${unread.length > 1 ? "are" : "is"} not one the pack can read, so it cannot tell whether it fires on ${meaning.require.map(describeRequirement).join(" and ")}`);
    }
}

/** Stands for the PrometheusRule while an alert's judgement is recorded, to be replayed for each rule that holds the same alert. */
const PLACEHOLDER = { name: "\u0000rule-name\u0000", urn: "\u0000rule-urn\u0000" } as PolicyResource;

function fillPlaceholder(x: unknown, rule: PolicyResource): unknown {
    if (typeof x === "string") return x.split(PLACEHOLDER.name).join(rule.name).split(PLACEHOLDER.urn).join(rule.urn);
    if (x !== null && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, fillPlaceholder(v, rule)]));
    return x;
}

function FIRES_TEXT_OF(c: Condition): string {
    return { ">": "above", ">=": "at or above", "<": "below", "<=": "at or below", "==": "at", "!=": "anything but" }[c.op];
}

function atomExpr(a: Branch[number]): Expr {
    return a.kind === "compare" ? a.core : a.expr;
}
function and(a: Expr, b: Expr): Expr {
    return { kind: "binary", op: "and", lhs: a, rhs: b, bool: false };
}

/** An advisory for an expression the pack cannot judge: named, never passed in silence. */
function cannotJudge(report: ReportViolation, urn: string, what: string): void {
    (report as unknown as (info: object) => void)({ name: "alerts-fire-at-runbook-thresholds", message: `can't judge ${what}. Review it by hand, or write it in the form the Observability component generates.`, urn, enforcementLevel: "advisory" });
}

export const alertsFireAtRunbookThresholds: StackValidationPolicy = {
    name: "alerts-fire-at-runbook-thresholds",
    description:
        "OB-1: every alert can fire, and each required alert fires on what the runbook says, read from its PromQL: its comparison against the runbook's number (SLO burn rates of the 99.5 % availability and 400 ms p95 objectives, p95 latency, app targets up, restarts, OOM kills, backup and drill failures and age (OB-6), certificate expiry (ED-2)), a traffic guard no stricter than one request a minute, and a `for` no longer than the runbook's.",
    enforcementLevel: "mandatory",
    ...requirement(["OB-1", "OB-2", "OB-6", "OB-7", "ED-2"], "SLOs: p95 latency < 400 ms, error rate < 1 %, availability 99.5 % a month"),
    ...guidance("high", "Keep the alert expressions the Observability component generates from the alerts config (docs/alerts.md lists each alert's threshold and 'for'); a stricter threshold or a shorter 'for' is fine."),
    configSchema: {
        properties: {
            alerts: {
                type: "object",
                default: ALERT_MEANINGS,
                description: "Per required alert: the longest 'for' and the comparisons it must make (quantity, window, fires above/atLeast/below/atMost/at, value in the quantity's unit: shares as fractions, latency and ages in seconds).",
                additionalProperties: {
                    type: "object",
                    properties: { maxFor: { type: "string" }, require: { type: "array", items: { type: "object", properties: { quantity: { type: "string" }, window: { type: "string" }, fires: { enum: ["above", "atLeast", "below", "atMost", "at"] }, value: { type: "number" } }, required: ["quantity", "fires", "value"] } } },
                    required: ["maxFor", "require"],
                },
            },
            minRequestsPerMinute: { type: "number", minimum: 0, default: DEFAULTS.minRequestsPerMinute, description: "The most requests a minute a traffic guard may ask for. Defaults to 1." },
            latencyObjectiveSeconds: { type: "number", default: DEFAULTS.latencyObjectiveSeconds, description: "The p95 objective a latency burn rate counts slower requests against, at most. Defaults to 0.4 (OB-1)." },
            latencyQuantile: { type: "number", default: DEFAULTS.latencyQuantile, description: "The smallest latency quantile an alert may watch. Defaults to 0.95." },
            backupAgeHours: { type: "object", additionalProperties: { type: "number" }, default: DEFAULTS.backupAgeHours, description: "The oldest a backup may grow before BackupTooOld must fire, by datastore, in hours. Defaults to 26 (daily plus 2 h) and 2 for the MongoDB oplog." },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = { ...DEFAULTS, ...args.getConfig<Partial<Config>>() };
        const rules = args.resources.filter((r) => r.type === K8S_PROMETHEUS_RULE);
        if (rules.length === 0) return;
        const apps = args.resources.filter((r) => r.type === K8S_DEPLOYMENT && at(r.props, "metadata", "labels", TIER_LABEL) === APP_TIER);
        const scope: Scope = {
            namespaces: new Set(apps.map((a) => knownString(at(a.props, "metadata", "namespace"))).filter((n): n is string => n !== undefined)),
            jobs: new Set(apps.map((a) => knownString(at(a.props, "metadata", "name"))).filter((n): n is string => n !== undefined)),
            stack: stackOf(rules[0].urn),
        };
        const hasCertificates = args.resources.some((r) => r.type === K8S_CERTIFICATE);
        const recordings = new Map<string, Expr>();
        const unreadable = new Set<string>();
        for (const rule of rules) {
            for (const group of listAt(rule.props, "spec", "groups")) {
                for (const r of listAt(group, "rules")) {
                    const record = knownString(at(r, "record"));
                    if (record === undefined) continue;
                    const expr = at(r, "expr");
                    const parsed = typeof expr === "string" ? parsePromql(expr) : undefined;
                    if (parsed && !("error" in parsed)) recordings.set(record, parsed);
                    else if (expr === UNKNOWN) unreadable.add(record);
                }
            }
        }
        const required = new Set([...REQUIRED.any, ...REQUIRED.web, ...(hasCertificates ? [CERTIFICATE_EXPIRY] : [])]);
        const judged = new Map<string, unknown[][]>();
        let certificateExpiryFound = false;
        for (const rule of rules) {
            if (at(rule.props, "spec") === UNKNOWN || at(rule.props, "spec", "groups") === UNKNOWN) {
                cannotCheckYet(reportViolation, "alerts-fire-at-runbook-thresholds", rule.urn, `the alert rules of PrometheusRule '${rule.name}'`);
                continue;
            }
            for (const a of alertsOf(rule.props)) {
                const meaning = required.has(a.alert) ? config.alerts[a.alert] : undefined;
                if (a.alert === CERTIFICATE_EXPIRY) certificateExpiryFound = true;
                const appAlert = REQUIRED.any.includes(a.alert) || REQUIRED.web.includes(a.alert);
                const alertScope = appAlert && apps.length > 0 ? scope : undefined;
                const exprRaw = at(a.rule, "expr");
                const forRaw = at(a.rule, "for");
                if (exprRaw === UNKNOWN || forRaw === UNKNOWN) {
                    judgeAlert(a.alert, a.rule, meaning, recordings, unreadable, config, alertScope, rule, reportViolation);
                    continue;
                }
                // The same alert with the same expression and `for` judges the same everywhere in this
                // stack (its meaning, its scope, the recordings and the config are the stack's, decided
                // above): a stack with many copies of one rule set pays once.
                const key = JSON.stringify([a.alert, exprRaw ?? null, forRaw ?? null]);
                let calls = judged.get(key);
                if (calls === undefined) {
                    const captured: unknown[][] = [];
                    judgeAlert(a.alert, a.rule, meaning, recordings, unreadable, config, alertScope, PLACEHOLDER, ((...callArgs: unknown[]) => void captured.push(callArgs)) as unknown as ReportViolation);
                    judged.set(key, (calls = captured));
                }
                for (const callArgs of calls) (reportViolation as unknown as (...x: unknown[]) => void)(...callArgs.map((x) => fillPlaceholder(x, rule)));
            }
        }
        // ED-2: a stack with Certificates watches their expiry (the alert itself is judged above).
        if (hasCertificates && !certificateExpiryFound && rules.some((r) => unknownAlertNames(r.props))) {
            cannotCheckYet(reportViolation, "alerts-fire-at-runbook-thresholds", rules[0].urn, `whether the stack declares ${CERTIFICATE_EXPIRY}: some alert rules are only known after 'pulumi up'`);
        } else if (hasCertificates && !certificateExpiryFound) {
            const certificate = args.resources.find((r) => r.type === K8S_CERTIFICATE)!;
            reportViolation(
                `The stack declares cert-manager Certificates but no ${CERTIFICATE_EXPIRY} alert on certmanager_certificate_expiration_timestamp_seconds: a certificate that stops renewing expires unseen (ED-2). Declare it (the Observability component does, alerts.certificateExpiryDays).`,
                certificate.urn,
            );
        }
    },
};
