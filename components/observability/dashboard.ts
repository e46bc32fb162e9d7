import { AlertRulesInput, RuleGroup, SLO_RECORDS, sloRatioRecord } from "./alertRules";
import { errorBudget } from "./burnRate";
import { BACKUP_METRICS, BACKUP_PUSH_JOB, DRILL_METRICS } from "./backupMetrics";
import { HTTP_METRICS, KUBE_METRICS, MONGODB_METRICS, POSTGRES_METRICS, QUEUE_METRICS, REDIS_METRICS } from "./appMetrics";
import { matchers, oneOf } from "./promql";
import { R2_USAGE_METRICS, R2_USAGE_PUSH_JOB } from "./r2UsageMetrics";
import { BYTES_PER_GB } from "../../config/alerting";

/*
 * The Grafana dashboard for the SLOs and the data tier, loaded by the Grafana sidecar from a
 * ConfigMap labelled `grafana_dashboard: "1"`. Every query is either a recording rule, or reads only
 * metrics the alert rules read, so the dashboard shows what pages.
 */

interface Panel {
    title: string;
    unit: string;
    targets: Array<{ expr: string; legendFormat: string }>;
}

export const DASHBOARD_UID_PREFIX = "runbook-";

export function dashboard(input: AlertRulesInput): Record<string, unknown> {
    const ns = input.namespace;
    const web = input.apps.filter((a) => a.role !== "worker");
    const webSel = (extra: Record<string, string | RegExp> = {}) => matchers({ namespace: ns, job: oneOf(web.map((a) => a.name)), ...extra });
    const H = HTTP_METRICS.requestDuration;
    const panels: Panel[] = [];
    if (web.length > 0) {
        panels.push(
            { title: "Error ratio (5xx), 5m and 1h (OB-1)", unit: "percentunit", targets: [{ expr: `${sloRatioRecord("5m")}${matchers({ namespace: ns })}`, legendFormat: "{{job}} 5m" }, { expr: `${sloRatioRecord("1h")}${matchers({ namespace: ns })}`, legendFormat: "{{job}} 1h" }] },
            { title: "Error budget left this month (OB-1)", unit: "percentunit", targets: [{ expr: `1 - ${sloRatioRecord("3d")}${matchers({ namespace: ns })} / ${errorBudget(input.thresholds.availabilityPercent)}`, legendFormat: "{{job}} at the 3-day burn rate" }] },
            {
                title: `Requests slower than ${input.thresholds.p95LatencyMs} ms, 5m and 1h (latency SLO: at most 5 %, OB-1)`,
                unit: "percentunit",
                targets: [
                    { expr: `${SLO_RECORDS.slow("5m")}${matchers({ namespace: ns })}`, legendFormat: "{{job}} 5m" },
                    { expr: `${SLO_RECORDS.slow("1h")}${matchers({ namespace: ns })}`, legendFormat: "{{job}} 1h" },
                ],
            },
            {
                title: `Response time p50, p95, p99 (objective p95 ${input.thresholds.p95LatencyMs} ms; alerts at p50 ${input.thresholds.p50LatencyMs} ms, p99 ${input.thresholds.p99LatencyMs} ms; OB-1, OB-2)`,
                unit: "s",
                targets: ([0.5, 0.95, 0.99] as const).map((q) => ({ expr: `histogram_quantile(${q}, sum by (job, le) (rate(${H}_bucket${webSel()}[5m])))`, legendFormat: `{{job}} p${Math.round(q * 100)}` })),
            },
            { title: "Requests per second by status class (OB-3)", unit: "reqps", targets: [{ expr: `sum by (job, status_code) (rate(${H}_count${webSel()}[5m]))`, legendFormat: "{{job}} {{status_code}}" }] },
            { title: "Slowest routes, p95 (OB-3)", unit: "s", targets: [{ expr: `topk(10, histogram_quantile(0.95, sum by (job, route, le) (rate(${H}_bucket${webSel()}[5m]))))`, legendFormat: "{{job}} {{route}}" }] },
        );
    }
    if (input.apps.some((a) => a.role === "worker")) {
        panels.push({
            title: "BullMQ: failed jobs per minute and waiting jobs (OB-3)",
            unit: "short",
            targets: [
                { expr: `sum by (queue) (rate(${QUEUE_METRICS.failedJobs}${matchers({ namespace: ns })}[5m])) * 60`, legendFormat: "{{queue}} failed/min" },
                { expr: `max by (queue) (${QUEUE_METRICS.waitingJobs}${matchers({ namespace: ns })})`, legendFormat: "{{queue}} waiting" },
            ],
        });
    }
    if (input.databaseEngine === "postgres") {
        panels.push({ title: "PostgreSQL connections of max_connections (DB-4)", unit: "percentunit", targets: [{ expr: `sum(${POSTGRES_METRICS.connections}${matchers({ namespace: ns })}) / max(${POSTGRES_METRICS.maxConnections}${matchers({ namespace: ns })})`, legendFormat: "connections" }] });
    } else {
        panels.push({
            title: "MongoDB connections and replication lag (DB-1, DB-4)",
            unit: "short",
            targets: [
                { expr: `sum by (instance) (${MONGODB_METRICS.connections}${matchers({ namespace: ns, conn_type: "current" })})`, legendFormat: "{{instance}} connections" },
                { expr: `(max(${MONGODB_METRICS.memberOptimeMs}${matchers({ namespace: ns, member_state: "PRIMARY" })}) - min(${MONGODB_METRICS.memberOptimeMs}${matchers({ namespace: ns, member_state: "SECONDARY" })})) / 1000`, legendFormat: "lag (s)" },
            ],
        });
        panels.push({
            title: `MongoDB operation latency, mean per read and write (alert at ${input.thresholds.mongodbOpLatencyMs} ms, OB-3)`,
            unit: "ms",
            targets: [
                {
                    expr: `sum by (instance, op_type) (rate(${MONGODB_METRICS.opLatencyMicros}${matchers({ namespace: ns, op_type: /reads|writes/ })}[5m])) / sum by (instance, op_type) (rate(${MONGODB_METRICS.opCount}${matchers({ namespace: ns, op_type: /reads|writes/ })}[5m])) / 1000`,
                    legendFormat: "{{instance}} {{op_type}}",
                },
            ],
        });
    }
    if (input.redisMode === "in-cluster") {
        panels.push({ title: "Redis memory of maxmemory (RD-2)", unit: "percentunit", targets: [{ expr: `max by (instance) (${REDIS_METRICS.memoryUsed}${matchers({ namespace: ns })}) / max by (instance) (${REDIS_METRICS.memoryMax}${matchers({ namespace: ns })} > 0)`, legendFormat: "{{instance}}" }] });
    }
    panels.push(
        { title: "Volumes: free space (OB-3)", unit: "percentunit", targets: [{ expr: `${KUBE_METRICS.volumeAvailableBytes}${matchers({ namespace: ns })} / ${KUBE_METRICS.volumeCapacityBytes}${matchers({ namespace: ns })}`, legendFormat: "{{persistentvolumeclaim}}" }] },
        { title: "Container restarts in 15 minutes (OB-7)", unit: "short", targets: [{ expr: `${KUBE_METRICS.restarts}${matchers({ namespace: ns })} - ${KUBE_METRICS.restarts}${matchers({ namespace: ns })} offset 15m`, legendFormat: "{{pod}} {{container}}" }] },
        {
            title: "Hours since the last good backup (OB-6)",
            unit: "h",
            targets: [{ expr: `(time() - max by (datastore) (${BACKUP_METRICS.lastSuccessTimestamp}${matchers({ job: BACKUP_PUSH_JOB, stack: input.stack })})) / 3600`, legendFormat: "{{datastore}}" }],
        },
        {
            title: "Last restore drill: RTO (min) and RPO (h) (BK-7)",
            unit: "short",
            targets: [
                { expr: `max by (datastore) (${DRILL_METRICS.rtoSeconds}${matchers({ stack: input.stack })}) / 60`, legendFormat: "{{datastore}} RTO min" },
                { expr: `max by (datastore) (${DRILL_METRICS.rpoSeconds}${matchers({ stack: input.stack })}) / 3600`, legendFormat: "{{datastore}} RPO h" },
            ],
        },
    );
    // ST-2: the buckets' sizes beside their budgets, where a budget makes the size something that alerts.
    const budgeted = (input.r2Usage?.buckets ?? []).filter((b) => b.budgetBytes !== undefined);
    if (budgeted.length > 0) {
        panels.push({
            title: `R2 bucket size, GB (alerts at ${input.thresholds.r2BudgetPercent} % of ${budgeted.map((b) => `${b.bucket} ${b.budgetBytes! / BYTES_PER_GB} GB`).join(", ")}; ST-2)`,
            unit: "decgbytes",
            targets: [{ expr: `max by (bucket) (${R2_USAGE_METRICS.sizeBytes}${matchers({ job: R2_USAGE_PUSH_JOB, stack: input.stack })}) / ${BYTES_PER_GB}`, legendFormat: "{{bucket}}" }],
        });
    }
    return {
        uid: `${DASHBOARD_UID_PREFIX}${input.stack}`.slice(0, 40),
        title: `Runbook ${input.stack}: SLOs and data tier`,
        tags: ["runbook", input.stack],
        timezone: "utc",
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: "1m",
        time: { from: "now-6h", to: "now" },
        templating: { list: [] },
        annotations: { list: [] },
        panels: panels.map((p, i) => ({
            id: i + 1,
            type: "timeseries",
            title: p.title,
            datasource: { type: "prometheus", uid: "prometheus" },
            gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
            fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
            options: { legend: { displayMode: "list", placement: "bottom" } },
            targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legendFormat })),
        })),
    };
}

/** Metric and recording-rule names a PromQL expression reads. */
export function metricNames(expr: string): string[] {
    const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, "{}").replace(/\[[^\]]*\]/g, "[]");
    const words = withoutStrings.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
    const KEYWORDS = new Set(["sum", "max", "min", "avg", "count", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "rate", "increase", "histogram_quantile", "topk", "bottomk", "time", "absent", "vector", "predict_linear", "bool", "le", "job", "route", "status_code", "queue", "instance", "datastore", "namespace", "set", "member_idx", "name", "pod", "container", "horizontalpodautoscaler", "bucket"]);
    // A word right after "by (" / "on (" lists labels; the keyword set covers the labels used here.
    return [...new Set(words.filter((w) => !KEYWORDS.has(w)))];
}

/** Every metric or recording rule the rule groups read or record. */
export function ruleMetricNames(groups: RuleGroup[]): Set<string> {
    const names = new Set<string>();
    for (const g of groups) {
        for (const r of g.rules) {
            if ("record" in r) names.add(r.record);
            for (const n of metricNames(r.expr)) names.add(n);
        }
    }
    return names;
}
