import type { SyntaxNode } from "@lezer/common";

/*
 * PromQL, read for what an alert means (OB-1, OB-2, OB-6, OB-7, ED-2; issue 19 (1)). Expressions
 * are parsed with @prometheus-io/lezer-promql, the grammar Prometheus' own UI uses, into a small
 * tree; recording rules are expanded into the expressions they record; each comparison with a
 * number is normalised to `<quantity> <op> <threshold in the quantity's own unit>` (so
 * `histogram_quantile(…) * 1000 > 400` is "p95 latency above 0.4 s"), and the quantity is named by
 * what it reads (a 5xx share of requests over 1h, container restarts over 15m), never by a rule or
 * recording name. An alert fires when one branch of its `or`s holds; a branch can never hold when a
 * comparison asks for a value its quantity cannot take (a share above 1, a count below 0) or two of
 * its comparisons contradict each other.
 *
 * The metric names are the metrics contract the apps and exporters expose (restated from
 * components/observability/appMetrics.ts; a test keeps the two in step).
 */

export const METRICS = {
    requestCount: "http_request_duration_seconds_count",
    requestBucket: "http_request_duration_seconds_bucket",
    up: "up",
    restarts: "kube_pod_container_status_restarts_total",
    lastTerminatedReason: "kube_pod_container_status_last_terminated_reason",
    backupLastSuccess: "runbook_backup_last_success_timestamp_seconds",
    backupLastRunSuccess: "runbook_backup_last_run_success",
    drillLastRunSuccess: "runbook_restore_drill_last_run_success",
    certificateExpiry: "certmanager_certificate_expiration_timestamp_seconds",
};

export interface Matcher {
    label: string;
    op: "=" | "!=" | "=~" | "!~";
    value: string;
}

export type Expr =
    | { kind: "number"; value: number }
    | { kind: "string"; value: string }
    | { kind: "selector"; metric?: string; matchers: Matcher[]; range?: number; offset: number }
    | { kind: "call"; fn: string; args: Expr[] }
    | { kind: "aggregate"; op: string; param?: Expr; expr: Expr; by: string[] }
    | { kind: "binary"; op: string; lhs: Expr; rhs: Expr; bool: boolean }
    | { kind: "unary"; op: string; expr: Expr }
    | { kind: "subquery"; expr: Expr; range: number };

type Parser = { parse(src: string): { topNode: SyntaxNode } };
let promqlParser: Parser | undefined;
/** Loaded on first use: a check of a stack without alert rules never pays for the grammar. */
function parser(): Parser {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    promqlParser ??= (require("@prometheus-io/lezer-promql") as { parser: Parser }).parser;
    return promqlParser;
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Seconds of a Prometheus duration (`5m`, `1h30m`, `90`), or undefined. */
export function durationSeconds(text: string): number | undefined {
    const t = text.trim();
    if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
    const parts = [...t.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== t) return undefined;
    return parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]], 0);
}

function unquote(text: string): string {
    const q = text[0];
    if (q === "`") return text.slice(1, -1);
    try {
        return q === "'" ? JSON.parse(`"${text.slice(1, -1).replace(/"/g, '\\"')}"`) : JSON.parse(text);
    } catch {
        return text.slice(1, -1);
    }
}

class ParseError extends Error {}

/** Parsed expressions by text: a stack repeats the same expressions (one per app copy, per stack file), and no caller mutates a tree. */
const parsed = new Map<string, Expr | { error: string }>();

/** Parses an expression; a syntax error says where. */
export function parsePromql(src: string): Expr | { error: string } {
    let result = parsed.get(src);
    if (result === undefined) {
        result = parseUncached(src);
        if (parsed.size > 10000) parsed.clear();
        parsed.set(src, result);
    }
    return result;
}

function parseUncached(src: string): Expr | { error: string } {
    const tree = parser().parse(src);
    let error: string | undefined;
    tree.topNode.cursor().iterate((n) => {
        if (error === undefined && n.type.isError) error = `it does not parse at character ${n.from + 1} ('${src.slice(Math.max(0, n.from - 10), n.to + 10).trim()}')`;
    });
    if (error !== undefined) return { error };
    try {
        const top = tree.topNode.firstChild;
        if (!top) return { error: "it is empty" };
        return convert(top, src);
    } catch (e) {
        return { error: e instanceof ParseError ? e.message : `it cannot be read (${(e as Error).message})` };
    }
}

function children(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
}

function text(node: SyntaxNode, src: string): string {
    return src.slice(node.from, node.to);
}

function matchersOf(node: SyntaxNode | undefined, src: string): Matcher[] {
    if (!node) return [];
    return children(node)
        .filter((m) => m.name === "UnquotedLabelMatcher" || m.name === "QuotedLabelMatcher")
        .map((m) => {
            const parts = children(m);
            const name = parts.find((p) => p.name === "LabelName" || p.name === "QuotedLabelName");
            const op = parts.find((p) => p.name === "MatchOp");
            const value = parts.find((p) => p.name === "StringLiteral");
            return { label: name ? (name.name === "QuotedLabelName" ? unquote(text(name, src)) : text(name, src)) : "", op: (op ? text(op, src) : "=") as Matcher["op"], value: value ? unquote(text(value, src)) : "" };
        });
}

function durationOf(node: SyntaxNode | undefined, src: string): number {
    const seconds = node ? durationSeconds(text(node, src)) : undefined;
    if (seconds === undefined) throw new ParseError(`its duration '${node ? text(node, src) : ""}' is not one the pack reads`);
    return seconds;
}

function convert(node: SyntaxNode, src: string): Expr {
    const kids = children(node);
    switch (node.name) {
        case "ParenExpr":
        case "StepInvariantExpr":
            return convert(kids[0], src);
        case "NumberDurationLiteral": {
            const t = text(node, src);
            const n = /^[+-]?(inf|nan)$/i.test(t) ? Number(t.replace(/inf/i, "Infinity")) : Number(t);
            return { kind: "number", value: Number.isNaN(n) ? durationSeconds(t) ?? NaN : n };
        }
        case "StringLiteral":
            return { kind: "string", value: unquote(text(node, src)) };
        case "VectorSelector": {
            const id = kids.find((k) => k.name === "Identifier");
            const matchers = matchersOf(kids.find((k) => k.name === "LabelMatchers"), src);
            const named = matchers.find((m) => m.label === "__name__" && m.op === "=");
            // PromQL 3 also names a metric by a quoted string inside the braces.
            const quoted = kids.find((k) => k.name === "LabelMatchers") ? children(kids.find((k) => k.name === "LabelMatchers")!).find((k) => k.name === "QuotedLabelName") : undefined;
            const metric = id ? text(id, src) : named ? named.value : quoted ? unquote(text(quoted, src)) : undefined;
            return { kind: "selector", metric, matchers: matchers.filter((m) => m !== named), offset: 0 };
        }
        case "MatrixSelector": {
            const inner = convert(kids[0], src);
            if (inner.kind !== "selector") throw new ParseError("a range applies to a selector only");
            return { ...inner, range: durationOf(kids.find((k) => k.name === "DurationExpr")?.firstChild ?? undefined, src) };
        }
        case "OffsetExpr": {
            const inner = convert(kids[0], src);
            const offsetNode = kids.find((k) => k.name === "OffsetDurationExpr");
            const negative = offsetNode ? /^\s*-/.test(text(offsetNode, src)) : false;
            const seconds = durationOf(offsetNode?.lastChild ?? undefined, src) * (negative ? -1 : 1);
            // lezer-promql lets `offset` close a whole binary expression (`a - b offset 15m`);
            // Prometheus binds it to the selector just before it, as here.
            const shift = (x: Expr): Expr => {
                if (x.kind === "selector") return { ...x, offset: x.offset + seconds };
                if (x.kind === "binary") return { ...x, rhs: shift(x.rhs) };
                if (x.kind === "unary" || x.kind === "subquery") return { ...x, expr: shift(x.expr) };
                throw new ParseError("an offset applies to a selector only");
            };
            return shift(inner);
        }
        case "SubqueryExpr":
            return { kind: "subquery", expr: convert(kids[0], src), range: durationOf(kids.find((k) => k.name === "DurationExpr")?.firstChild ?? undefined, src) };
        case "FunctionCall": {
            const fn = text(kids.find((k) => k.name === "FunctionIdentifier")!, src);
            const body = kids.find((k) => k.name === "FunctionCallBody");
            return { kind: "call", fn, args: body ? children(body).map((a) => convert(a, src)) : [] };
        }
        case "AggregateExpr": {
            const op = text(kids.find((k) => k.name === "AggregateOp")!, src).toLowerCase();
            const modifier = kids.find((k) => k.name === "AggregateModifier");
            const by = modifier && /^\s*by/i.test(text(modifier, src)) ? children(modifier.lastChild!).map((l) => text(l, src)) : [];
            const args = children(kids.find((k) => k.name === "FunctionCallBody")!).map((a) => convert(a, src));
            const expr = args[args.length - 1];
            return { kind: "aggregate", op, by, expr, ...(args.length > 1 ? { param: args[0] } : {}) };
        }
        case "UnaryExpr":
            return { kind: "unary", op: text(kids[0], src), expr: convert(kids[1], src) };
        case "BinaryExpr": {
            const operands = kids.filter((k) => !["BoolModifier", "MatchingModifierClause"].includes(k.name));
            const [lhs, op, rhs] = operands;
            return { kind: "binary", op: text(op, src).toLowerCase(), lhs: convert(lhs, src), rhs: convert(rhs, src), bool: kids.some((k) => k.name === "BoolModifier") };
        }
        default:
            throw new ParseError(`its '${node.name}' (${text(node, src).slice(0, 40)}) is not read by the pack`);
    }
}

/** A canonical text of an expression, to tell two comparisons of the same quantity. */
export function show(e: Expr): string {
    switch (e.kind) {
        case "number":
            return String(e.value);
        case "string":
            return JSON.stringify(e.value);
        case "selector": {
            const m = [...e.matchers].sort((a, b) => a.label.localeCompare(b.label)).map((x) => `${x.label}${x.op}${JSON.stringify(x.value)}`);
            return `${e.metric ?? ""}{${m.join(",")}}${e.range !== undefined ? `[${e.range}s]` : ""}${e.offset ? ` offset ${e.offset}s` : ""}`;
        }
        case "call":
            return `${e.fn}(${e.args.map(show).join(", ")})`;
        case "aggregate":
            return `${e.op}${e.by.length ? ` by (${e.by.join(",")})` : ""}(${e.param ? `${show(e.param)}, ` : ""}${show(e.expr)})`;
        case "binary":
            return `(${show(e.lhs)} ${e.op}${e.bool ? " bool" : ""} ${show(e.rhs)})`;
        case "unary":
            return `${e.op}${show(e.expr)}`;
        case "subquery":
            return `${show(e.expr)}[${e.range}s:]`;
    }
}

/** Recording rules replaced by the expressions they record (to a depth of 8, so a cycle ends). */
export function expandRecordings(e: Expr, recordings: ReadonlyMap<string, Expr>, depth = 0): Expr {
    if (depth > 8) return e;
    const again = (x: Expr) => expandRecordings(x, recordings, depth + 1);
    switch (e.kind) {
        case "selector": {
            const recorded = e.metric !== undefined && e.range === undefined && e.offset === 0 ? recordings.get(e.metric) : undefined;
            return recorded ? again(recorded) : e;
        }
        case "call":
            return { ...e, args: e.args.map(again) };
        case "aggregate":
            return { ...e, expr: again(e.expr), ...(e.param ? { param: again(e.param) } : {}) };
        case "binary":
            return { ...e, lhs: again(e.lhs), rhs: again(e.rhs) };
        case "unary":
        case "subquery":
            return { ...e, expr: again(e.expr) };
        default:
            return e;
    }
}

export const COMPARISONS = [">", ">=", "<", "<=", "==", "!="] as const;
export type Comparison = (typeof COMPARISONS)[number];
const FLIP: Record<Comparison, Comparison> = { ">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!=" };

/** What an alert's branch asks of one quantity: `core op threshold`, the threshold in the core's own unit. */
export interface Condition {
    kind: "compare";
    core: Expr;
    op: Comparison;
    threshold: number;
    /** The comparison as written, for messages. */
    written: string;
}

/** A part of a branch the pack reads as "fires while these series exist" (absent(), a bare selector) or cannot read (two vectors compared). */
export interface Opaque {
    kind: "present" | "opaque";
    expr: Expr;
}

export type Atom = Condition | Opaque;

/** One way the alert can fire: every atom must hold. `unless` parts are not judged. */
export type Branch = Atom[];

const MAX_BRANCHES = 64;

/** The alert's expression as an `or` of `and`s. */
export function branchesOf(e: Expr): Branch[] {
    if (e.kind === "binary" && e.op === "or") return [...branchesOf(e.lhs), ...branchesOf(e.rhs)].slice(0, MAX_BRANCHES);
    if (e.kind === "binary" && e.op === "and") {
        const out: Branch[] = [];
        for (const l of branchesOf(e.lhs)) for (const r of branchesOf(e.rhs)) if (out.length < MAX_BRANCHES) out.push([...l, ...r]);
        return out;
    }
    if (e.kind === "binary" && e.op === "unless") return branchesOf(e.lhs);
    if (e.kind === "binary" && (COMPARISONS as readonly string[]).includes(e.op) && !e.bool) {
        const op = e.op as Comparison;
        const written = show(e);
        if (e.rhs.kind === "number") return [[normalise(e.lhs, op, e.rhs.value, written)]];
        if (e.lhs.kind === "number") return [[normalise(e.rhs, FLIP[op], e.lhs.value, written)]];
        if (e.rhs.kind === "call" && e.rhs.fn === "vector" && e.rhs.args[0]?.kind === "number") return [[normalise(e.lhs, op, e.rhs.args[0].value, written)]];
        return [[{ kind: "opaque", expr: e }]];
    }
    return [[{ kind: "present", expr: e }]];
}

/**
 * Moves scalar arithmetic from the quantity to the threshold: `x * 1000 > 400` → `x > 0.4`,
 * `(time() - t) / 3600 > 26` → `time() - t > 93600`, `-x > c` → `x < -c`. Stops at the first form
 * `classify` names, so `1 - fast share > 0.1` stays a slow share.
 */
export function normalise(core: Expr, op: Comparison, threshold: number, written: string): Condition {
    let c = core;
    let o = op;
    let t = threshold;
    for (let i = 0; i < 16 && classify(c) === undefined; i++) {
        if (c.kind === "unary" && c.op === "-") {
            c = c.expr;
            t = -t;
            o = FLIP[o];
            continue;
        }
        if (c.kind !== "binary" || c.bool) break;
        const k = c.rhs.kind === "number" ? c.rhs.value : c.lhs.kind === "number" ? c.lhs.value : undefined;
        if (k === undefined) break;
        const x = c.rhs.kind === "number" ? c.lhs : c.rhs;
        const numberOnRight = c.rhs.kind === "number";
        if (c.op === "*" && k !== 0) {
            t /= k;
            if (k < 0) o = FLIP[o];
        } else if (c.op === "/" && numberOnRight && k !== 0) {
            t *= k;
            if (k < 0) o = FLIP[o];
        } else if (c.op === "+") t -= k;
        else if (c.op === "-" && numberOnRight) t += k;
        else if (c.op === "-") {
            t = k - t;
            o = FLIP[o];
        } else break;
        c = x;
    }
    return { kind: "compare", core: c, op: o, threshold: t, written };
}

/** A quantity an alert compares, named by what it reads. */
export interface Quantity {
    /** error-share, slow-share, request-rate, latency-quantile, targets-up, restarts, oom-killed, backup-age, backup-run-success, drill-run-success, certificate-time-left. */
    name: string;
    /** The window it is measured over, in seconds, where it has one. */
    window?: number;
    /** The quantile, or the latency a slow share counts above (s), or the datastore a backup age reads. */
    param?: number | string;
    /** The values it can take at all. */
    bounds: [number, number];
    /** Set when a matcher narrows what it counts (only 503s, a reason other than OOMKilled): what it counts instead. */
    narrowed?: string;
}

const ANY_SERIES = new Set(["sum", "max", "min", "avg", "topk", "bottomk", "quantile", "group"]);

/** The inner expression of sums and maxima: `sum by (…) (x)` → x. */
function unwrapAggregate(e: Expr): Expr {
    let x = e;
    while (x.kind === "aggregate" && ANY_SERIES.has(x.op)) x = x.expr;
    return x;
}

/** `rate(<metric>{…}[w])` (or increase), possibly summed: the selector and the window. */
function rateOf(e: Expr, metric: string): { selector: Extract<Expr, { kind: "selector" }>; window: number } | undefined {
    const x = unwrapAggregate(e);
    if (x.kind !== "call" || !["rate", "irate", "increase"].includes(x.fn)) return undefined;
    const s = x.args[0];
    if (s?.kind !== "selector" || s.metric !== metric || s.range === undefined) return undefined;
    return { selector: s, window: s.range };
}

const regexes = new Map<string, RegExp | null>();
function anchored(pattern: string): RegExp | null {
    let re = regexes.get(pattern);
    if (re === undefined) {
        try {
            re = new RegExp(`^(?:${pattern})$`);
        } catch {
            re = null;
        }
        regexes.set(pattern, re);
    }
    return re;
}

function labelMatches(m: Matcher, value: string): boolean {
    const re = m.op === "=~" || m.op === "!~" ? anchored(m.value) : /(?:)/;
    if (re === null) return false;
    switch (m.op) {
        case "=":
            return value === m.value;
        case "!=":
            return value !== m.value;
        case "=~":
            return re.test(value);
        case "!~":
            return !re.test(value);
    }
}

/** True when the selector's matchers on `label` let every one of `values` through. */
function admitsAll(s: Extract<Expr, { kind: "selector" }>, label: string, values: string[]): boolean {
    return s.matchers.filter((m) => m.label === label).every((m) => values.every((v) => labelMatches(m, v)));
}

const FIVE_XX = Array.from({ length: 100 }, (_, i) => String(500 + i));

/** True when a request-count selector narrows by nothing but where it runs (namespace, job, route, method, instance). */
function countsEveryRequest(s: Extract<Expr, { kind: "selector" }>): boolean {
    return s.matchers.every((m) => ["namespace", "job", "route", "method", "instance", "service", "pod"].includes(m.label));
}

/** The named quantity an expression is, or undefined when the pack does not read it. */
export function classify(e: Expr): Quantity | undefined {
    // A share of requests: matching errors (5xx) or in-time (le ≤ x) requests over all requests.
    if (e.kind === "binary" && e.op === "/") {
        const all = rateOf(e.rhs, METRICS.requestCount);
        if (all && countsEveryRequest(all.selector)) {
            const errors = rateOf(e.lhs, METRICS.requestCount);
            const status = errors?.selector.matchers.filter((m) => m.label === "status_code") ?? [];
            if (errors && errors.window === all.window && status.length > 0) {
                const narrowed = admitsAll(errors.selector, "status_code", FIVE_XX) ? undefined : `requests with status_code${status.map((m) => `${m.op}"${m.value}"`).join(",")}, not every 5xx`;
                // A share of 4xx (or of 401/403) is another quantity, not a narrowed error share.
                if (narrowed === undefined || FIVE_XX.some((code) => status.every((m) => labelMatches(m, code)))) return { name: "error-share", window: all.window, bounds: [0, 1], ...(narrowed ? { narrowed } : {}) };
            }
            const fast = rateOf(e.lhs, METRICS.requestBucket);
            const le = fast?.selector.matchers.find((m) => m.label === "le" && m.op === "=");
            if (fast && le && fast.window === all.window && Number.isFinite(Number(le.value))) return { name: "fast-share", window: all.window, param: Number(le.value), bounds: [0, 1] };
        }
    }
    if (e.kind === "binary" && e.op === "-" && e.lhs.kind === "number" && e.lhs.value === 1) {
        const fast = classify(e.rhs);
        if (fast?.name === "fast-share") return { name: "slow-share", window: fast.window, param: fast.param, bounds: [0, 1] };
    }
    const rate = rateOf(e, METRICS.requestCount);
    if (rate && countsEveryRequest(rate.selector) && e.kind !== "call") return { name: "request-rate", window: rate.window, bounds: [0, Infinity] };
    if (rate && countsEveryRequest(rate.selector)) return { name: "request-rate", window: rate.window, bounds: [0, Infinity] };
    if (e.kind === "call" && e.fn === "histogram_quantile" && e.args[0]?.kind === "number") {
        const buckets = rateOf(e.args[1], METRICS.requestBucket);
        if (buckets && countsEveryRequest(buckets.selector)) return { name: "latency-quantile", window: buckets.window, param: e.args[0].value, bounds: [0, Infinity] };
    }
    const inner = unwrapAggregate(e);
    if (inner.kind === "selector" && inner.metric === METRICS.up && inner.range === undefined) return { name: "targets-up", bounds: [0, Infinity] };
    // Restarts in a window: x - x offset w, or increase(x[w]).
    if (e.kind === "binary" && e.op === "-") {
        const [a, b] = [unwrapAggregate(e.lhs), unwrapAggregate(e.rhs)];
        if (a.kind === "selector" && b.kind === "selector" && a.metric === METRICS.restarts && b.metric === METRICS.restarts && a.offset === 0 && b.offset > 0) {
            return { name: "restarts", window: b.offset, bounds: [0, Infinity] };
        }
    }
    const restarts = rateOf(e, METRICS.restarts);
    if (restarts && inner.kind === "call" && inner.fn === "increase") return { name: "restarts", window: restarts.window, bounds: [0, Infinity] };
    if (inner.kind === "selector" && inner.metric === METRICS.lastTerminatedReason) {
        const reason = inner.matchers.filter((m) => m.label === "reason");
        return { name: "oom-killed", bounds: [0, 1], ...(reason.length > 0 && admitsAll(inner, "reason", ["OOMKilled"]) ? {} : { narrowed: `containers last terminated with reason${reason.map((m) => `${m.op}"${m.value}"`).join(",") || " of any kind"}, not OOMKilled` }) };
    }
    if (inner.kind === "selector" && inner.metric === METRICS.backupLastRunSuccess) return { name: "backup-run-success", bounds: [0, 1] };
    if (inner.kind === "selector" && inner.metric === METRICS.drillLastRunSuccess) return { name: "drill-run-success", bounds: [0, 1] };
    // Ages and time left: time() - last success, expiry - time().
    if (e.kind === "binary" && e.op === "-") {
        const l = unwrapAggregate(e.lhs);
        const r = unwrapAggregate(e.rhs);
        const isTime = (x: Expr) => x.kind === "call" && x.fn === "time";
        if (isTime(l) && r.kind === "selector" && r.metric === METRICS.backupLastSuccess) {
            const datastore = r.matchers.find((m) => m.label === "datastore" && m.op === "=")?.value;
            return { name: "backup-age", bounds: [-Infinity, Infinity], ...(datastore ? { param: datastore } : {}) };
        }
        if (isTime(r) && l.kind === "selector" && l.metric === METRICS.certificateExpiry) return { name: "certificate-time-left", bounds: [-Infinity, Infinity] };
    }
    return undefined;
}

/** The values an expression can take, as far as the pack can tell; (-inf, inf) when it cannot. */
export function bounds(e: Expr): [number, number] {
    const q = classify(e);
    if (q) return q.bounds;
    switch (e.kind) {
        case "number":
            return [e.value, e.value];
        case "call":
            if (e.fn === "vector" && e.args[0]?.kind === "number") return [e.args[0].value, e.args[0].value];
            if (e.fn === "absent" || e.fn === "absent_over_time") return [1, 1];
            if (["rate", "irate", "increase", "count_over_time", "changes", "resets", "time", "histogram_quantile"].includes(e.fn)) return [0, Infinity];
            if (["abs", "sqrt", "exp"].includes(e.fn)) return [0, Infinity];
            return [-Infinity, Infinity];
        case "aggregate":
            if (e.op === "count" || e.op === "count_values") return [0, Infinity];
            if (ANY_SERIES.has(e.op)) {
                const [lo, hi] = bounds(e.expr);
                return e.op === "sum" ? [lo >= 0 ? 0 : -Infinity, hi <= 0 ? 0 : Infinity] : [lo, hi];
            }
            return [-Infinity, Infinity];
        case "selector":
            if (e.metric === METRICS.up) return [0, 1];
            if (e.metric !== undefined && /(_total|_count|_bucket|_seconds|_bytes)$/.test(e.metric)) return [0, Infinity];
            return [-Infinity, Infinity];
        case "binary": {
            const [a, b] = [bounds(e.lhs), bounds(e.rhs)];
            if (e.op === "+") return [a[0] + b[0], a[1] + b[1]];
            if (e.op === "-") return [a[0] - b[1], a[1] - b[0]];
            if ((e.op === "*" || e.op === "/") && a[0] >= 0 && b[0] >= 0) {
                if (e.op === "*") return [a[0] * b[0], a[1] * b[1]];
                return [b[1] === Infinity ? 0 : a[0] / b[1], b[0] === 0 ? Infinity : a[1] / b[0]];
            }
            return [-Infinity, Infinity];
        }
        default:
            return [-Infinity, Infinity];
    }
}

/** The values for which `x op t` holds, as an interval with open or closed ends (`!=` as everything). */
export interface Interval {
    lo: number;
    hi: number;
    loOpen: boolean;
    hiOpen: boolean;
}

export function firingSet(op: Comparison, t: number): Interval {
    switch (op) {
        case ">":
            return { lo: t, hi: Infinity, loOpen: true, hiOpen: true };
        case ">=":
            return { lo: t, hi: Infinity, loOpen: false, hiOpen: true };
        case "<":
            return { lo: -Infinity, hi: t, loOpen: true, hiOpen: true };
        case "<=":
            return { lo: -Infinity, hi: t, loOpen: true, hiOpen: false };
        case "==":
            return { lo: t, hi: t, loOpen: false, hiOpen: false };
        case "!=":
            return { lo: -Infinity, hi: Infinity, loOpen: true, hiOpen: true };
    }
}

export function intersect(a: Interval, b: Interval): Interval | undefined {
    const lo = Math.max(a.lo, b.lo);
    const hi = Math.min(a.hi, b.hi);
    const loOpen = (a.lo === lo && a.loOpen) || (b.lo === lo && b.loOpen);
    const hiOpen = (a.hi === hi && a.hiOpen) || (b.hi === hi && b.hiOpen);
    if (lo > hi || (lo === hi && (loOpen || hiOpen))) return undefined;
    return { lo, hi, loOpen, hiOpen };
}

/** True when every value of `inner` is in `outer`. */
export function contains(outer: Interval, inner: Interval): boolean {
    const loOk = outer.lo < inner.lo || (outer.lo === inner.lo && (!outer.loOpen || inner.loOpen));
    const hiOk = outer.hi > inner.hi || (outer.hi === inner.hi && (!outer.hiOpen || inner.hiOpen));
    return loOk && hiOk;
}

function closed(lo: number, hi: number): Interval {
    return { lo, hi, loOpen: false, hiOpen: false };
}

/** Why a selector can match no series at all (two matchers on one label that exclude each other), or undefined. */
function impossibleSelector(e: Expr): string | undefined {
    if (e.kind === "selector") {
        for (const m of e.matchers) {
            if ((m.op === "=~" || m.op === "!~") && anchored(m.value) === null) return `its matcher ${m.label}${m.op}"${m.value}" is not a valid regular expression`;
            const equal = e.matchers.find((x) => x.label === m.label && x.op === "=");
            if (equal && m !== equal && !labelMatches(m, equal.value)) return `its selector asks ${m.label}="${equal.value}" and ${m.label}${m.op}"${m.value}" at once`;
        }
        return undefined;
    }
    const parts: Expr[] = e.kind === "call" ? e.args : e.kind === "aggregate" ? [e.expr] : e.kind === "binary" ? [e.lhs, e.rhs] : e.kind === "unary" || e.kind === "subquery" ? [e.expr] : [];
    for (const p of parts) {
        const why = impossibleSelector(p);
        if (why) return why;
    }
    return undefined;
}

/** Why a branch can never hold, or undefined. */
export function branchNeverHolds(branch: Branch): string | undefined {
    const sets = new Map<string, Interval>();
    for (const atom of branch) {
        const why = impossibleSelector(atom.kind === "compare" ? atom.core : atom.expr);
        if (why) return why;
        if (atom.kind === "present") {
            const [lo, hi] = bounds(atom.expr);
            if (lo === hi && atom.expr.kind === "number") return `it is the constant ${lo}`;
            continue;
        }
        if (atom.kind !== "compare") continue;
        if (!Number.isFinite(atom.threshold) && atom.threshold === atom.threshold) {
            if ((atom.op === ">" || atom.op === ">=") && atom.threshold === Infinity) return `${atom.written} compares with +Inf`;
        }
        if (Number.isNaN(atom.threshold)) return `${atom.written} compares with NaN, which nothing equals`;
        const [lo, hi] = bounds(atom.core);
        const possible = intersect(firingSet(atom.op, atom.threshold), closed(lo, hi));
        if (!possible || (atom.op === "!=" && lo === hi && lo === atom.threshold)) return `${atom.written} asks for a value ${show(atom.core)} never takes (it stays within ${lo} to ${hi})`;
        const key = show(atom.core);
        const before = sets.get(key) ?? closed(-Infinity, Infinity);
        const both = atom.op === "!=" ? before : intersect(before, possible);
        if (!both) return `${atom.written} contradicts another comparison of the same quantity`;
        sets.set(key, both);
    }
    return undefined;
}

/** Every selector of an expression. */
export function selectorsOf(e: Expr): Array<Extract<Expr, { kind: "selector" }>> {
    switch (e.kind) {
        case "selector":
            return [e];
        case "call":
            return e.args.flatMap(selectorsOf);
        case "aggregate":
            return [...(e.param ? selectorsOf(e.param) : []), ...selectorsOf(e.expr)];
        case "binary":
            return [...selectorsOf(e.lhs), ...selectorsOf(e.rhs)];
        case "unary":
        case "subquery":
            return selectorsOf(e.expr);
        default:
            return [];
    }
}

export { labelMatches };
