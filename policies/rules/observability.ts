import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, forTypes, guidance, isProductionStack, isProductionUrn, outsideProductionSchema, reportAt, requirement } from "./meta";
import { isRestoreDrill } from "./backups";
import { UNKNOWN, at, keysAt, knownNumber, knownString, listAt, stringMap } from "./props";
import { APP_COMPONENT_LABEL, APP_TIER, AWS_CLOUDWATCH_METRIC_ALARM, AWS_ELASTICACHE_REPLICATION_GROUP, AWS_RDS_INSTANCE, K8S_ALERTMANAGER_CONFIG, K8S_DAEMON_SET, K8S_DEPLOYMENT, K8S_POD_MONITOR, K8S_PROMETHEUS_RULE, K8S_SERVICE, K8S_SERVICE_MONITOR, K8S_STATEFUL_SET, TIER_LABEL } from "./vocabulary";

/*
 * Alerting rules (OB-1…OB-4, OB-6, OB-7): the alerts a stack with apps must have, where paging
 * alerts go, and the CloudWatch alarms of the AWS-managed data stores. The pack cannot import the
 * program, so the few shared facts (alert names, label keys, kinds) are restated here; see
 * components/observability/alertRules.ts and routing.ts.
 */

const SEVERITIES = ["sev1", "sev2", "sev3", "sev4"];
const PAGED = ["sev1", "sev2"];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export interface Alert {
    alert: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    /** Label and annotation keys whose values are only known after `pulumi up`. */
    unknown: string[];
    rule: unknown;
}

/** True when a PrometheusRule holds groups, rules or alert names only known after `pulumi up`. */
export function unknownAlertNames(props: unknown): boolean {
    if (at(props, "spec") === UNKNOWN || at(props, "spec", "groups") === UNKNOWN) return true;
    return listAt(props, "spec", "groups").some((g) => g === UNKNOWN || at(g, "rules") === UNKNOWN || listAt(g, "rules").some((r) => r === UNKNOWN || at(r, "alert") === UNKNOWN));
}

/** Alerts already read, per props object: several policies read every PrometheusRule of the stack. */
const alertsRead = new WeakMap<object, readonly Alert[]>();

/** The alerting rules of a PrometheusRule's props (recording rules skipped); the list and its alerts are read-only. */
export function alertsOf(props: unknown): readonly Alert[] {
    if (props === null || typeof props !== "object") return readAlerts(props);
    let alerts = alertsRead.get(props);
    if (alerts === undefined) alertsRead.set(props, (alerts = readAlerts(props)));
    return alerts;
}

function readAlerts(props: unknown): Alert[] {
    const out: Alert[] = [];
    for (const group of listAt(props, "spec", "groups")) {
        for (const rule of listAt(group, "rules")) {
            const name = str(at(rule, "alert"));
            if (name === undefined) continue;
            const unknown: string[] = [];
            const strings = (section: string) => {
                const values: Record<string, string> = {};
                for (const k of keysAt(rule, section)) {
                    const v = at(rule, section, k);
                    if (v === UNKNOWN) unknown.push(`${section}.${k}`);
                    else if (typeof v === "string") values[k] = v;
                }
                if (at(rule, section) === UNKNOWN) unknown.push(section);
                return values;
            };
            out.push({ alert: name, labels: strings("labels"), annotations: strings("annotations"), unknown, rule });
        }
    }
    return out;
}

/**
 * Required alerts for the apps a stack runs: for api/web apps the burn-rate page and ticket of both
 * SLOs (availability and latency) and their symptoms; pod and backup alerts for any app.
 */
export const REQUIRED = {
    web: ["ErrorBudgetBurnFast", "ErrorBudgetBurnSlow", "LatencyBudgetBurnFast", "LatencyBudgetBurnSlow", "HighErrorRatio", "HighLatencyP95"],
    any: ["AppDown", "PodRestartLoop", "ContainerOOMKilled", "BackupFailed", "BackupTooOld"],
    /** Where a restore drill runs (and pushes its metrics), whichever stack's backups it restores. */
    drill: ["RestoreDrillFailed", "RestoreDrillOverdue", "RestoreDrillNeverSucceeded"],
};

export const alertsCoverApps: StackValidationPolicy = {
    name: "alerts-cover-apps",
    description: "OB-1: a stack that runs apps declares the SLO alerts (availability and latency burn rates and their symptoms, for api and web apps), the pod alerts (OB-7), the backup alerts (OB-6), and, where a restore drill runs, the drill alerts (BK-6).",
    enforcementLevel: "mandatory",
    ...requirement(["OB-1", "OB-6", "OB-7"], "SLOs: p95 latency < 400 ms, error rate < 1 %, availability 99.5 % a month"),
    ...guidance("high", "Declare the alerts in a PrometheusRule: the Observability component generates them from the alerts config for every app."),
    configSchema: {
        properties: {
            webAlerts: { type: "array", items: { type: "string" }, default: REQUIRED.web, description: "Alerts required when the stack runs an api or web app." },
            appAlerts: { type: "array", items: { type: "string" }, default: REQUIRED.any, description: "Alerts required when the stack runs any app." },
            drillAlerts: { type: "array", items: { type: "string" }, default: REQUIRED.drill, description: "Alerts required in the stack that runs a restore drill CronJob (its metrics arrive there)." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { webAlerts, appAlerts, drillAlerts } = args.getConfig<{ webAlerts: string[]; appAlerts: string[]; drillAlerts: string[] }>();
        const apps = args.resources.filter((r) => r.type === K8S_DEPLOYMENT && at(r.props, "metadata", "labels", TIER_LABEL) === APP_TIER);
        if (apps.length === 0) return;
        const roles = new Set(apps.map((r) => at(r.props, "metadata", "labels", APP_COMPONENT_LABEL)));
        const ruleResources = args.resources.filter((r) => r.type === K8S_PROMETHEUS_RULE);
        const declared = new Set(ruleResources.flatMap((r) => alertsOf(r.props).map((a) => a.alert)));
        // A drill is recognised by what it runs, not only its label (issue 19 (8)).
        const drills = args.resources.some((r) => isRestoreDrill(r));
        const required = [...appAlerts, ...(roles.has("api") || roles.has("web") ? webAlerts : []), ...(drills ? drillAlerts : [])];
        const missing = required.filter((a) => !declared.has(a));
        // A rule whose name (or whose rule list) is only known after `pulumi up` may be a missing one.
        const unnamed = ruleResources.filter((r) => unknownAlertNames(r.props));
        if (missing.length > 0 && unnamed.length > 0) {
            cannotCheckYet(reportViolation, "alerts-cover-apps", unnamed[0].urn, `whether the stack declares ${missing.join(", ")}: PrometheusRule(s) ${unnamed.map((r) => `'${r.name}'`).join(", ")} hold rules whose name is only known after 'pulumi up'`);
        } else if (missing.length > 0) {
            reportViolation(
                `The stack runs ${apps.length} app Deployment(s) but declares no ${missing.join(", ")} alert. Declare them in a PrometheusRule (the Observability component generates them from the alerts config).`,
                apps[0].urn,
            );
        }
    },
};

export const alertsHaveSeverityAndRunbook: ResourceValidationPolicy = {
    name: "alerts-have-severity-and-runbook",
    description: "OB-4: every alert carries a severity label sev1–sev4 and a runbook_url annotation that says what to do; in production an absolute https URL, which a page can open.",
    enforcementLevel: "mandatory",
    ...requirement("OB-4", "Alerts routed by severity (SEV1–SEV4, with response targets) to PagerDuty and Slack"),
    ...guidance("medium", "Give every alert a severity label sev1–sev4 and a runbook_url annotation pointing at its section of docs/alerts.md; in production set alerts.runbookBaseUrl to where that file is published (https://…)."),
    validateResource: forTypes([K8S_PROMETHEUS_RULE], (args, reportViolation) => {
        if (args.type !== K8S_PROMETHEUS_RULE) args.notApplicable("not a PrometheusRule");
        // An on-call engineer opens the link from PagerDuty or Slack on a phone: a repository path is no link (issue 22).
        const absolute = isProductionUrn(args.urn);
        for (const a of alertsOf(args.props)) {
            const problems: string[] = [];
            const later = a.unknown.filter((k) => ["labels", "annotations", "labels.severity", "annotations.runbook_url"].includes(k));
            if (later.length > 0) cannotCheckYet(reportViolation, "alerts-have-severity-and-runbook", args.urn, `${later.join(", ")} of alert '${a.alert}'`);
            if (later.some((k) => k.startsWith("labels"))) {
                // Judged once known; the runbook_url below is still judged now.
            } else if (!SEVERITIES.includes(a.labels.severity ?? "")) problems.push(`severity label ${JSON.stringify(a.labels.severity ?? null)} is not one of ${SEVERITIES.join(", ")}`);
            if (later.some((k) => k.startsWith("annotations"))) {
                // Judged once known.
            } else if (!a.annotations.runbook_url) problems.push("it has no runbook_url annotation");
            else if (absolute && !/^https:\/\/[^\s/]+\/\S*$/.test(a.annotations.runbook_url)) problems.push(`its runbook_url ${JSON.stringify(a.annotations.runbook_url)} is not an absolute https URL, which a page in production must link to`);
            if (problems.length > 0) reportViolation(`Alert '${a.alert}' in PrometheusRule '${args.name}': ${problems.join("; ")}. Set labels.severity and annotations.runbook_url (a section of docs/alerts.md; in production its published https URL, from alerts.runbookBaseUrl).`);
        }
    }),
};

type Matcher = { name: string; value: string; matchType: string };

function matches(matchers: Matcher[], labels: Record<string, string>): boolean {
    return matchers.every((m) => {
        const value = labels[m.name] ?? "";
        const re = () => {
            try {
                return new RegExp(`^(?:${m.value})$`);
            } catch {
                // Alertmanager refuses a config with an invalid regex; here it simply matches nothing.
                return /(?!)/;
            }
        };
        switch (m.matchType) {
            case "!=":
                return value !== m.value;
            case "=~":
                return re().test(value);
            case "!~":
                return !re().test(value);
            default:
                return value === m.value;
        }
    });
}

function matchersOf(route: unknown): Matcher[] {
    return listAt(route, "matchers").map((m) => ({ name: String(at(m, "name")), value: String(at(m, "value") ?? ""), matchType: String(at(m, "matchType") ?? "=") }));
}

/** The receivers Alertmanager would notify for these labels, walking the route tree as it does (`continue` included). */
export function resolveReceivers(route: unknown, labels: Record<string, string>, inherited?: string): string[] {
    const receiver = str(at(route, "receiver")) ?? inherited;
    const out: string[] = [];
    let matchedChild = false;
    for (const child of listAt(route, "routes")) {
        if (!matches(matchersOf(child), labels)) continue;
        matchedChild = true;
        out.push(...resolveReceivers(child, labels, receiver));
        if (at(child, "continue") !== true) break;
    }
    if (!matchedChild && receiver !== undefined) out.push(receiver);
    return out;
}

const PAGER_CONFIGS = ["pagerdutyConfigs", "opsgenieConfigs", "victoropsConfigs"];

export const pagingAlertsReachPager: StackValidationPolicy = {
    name: "paging-alerts-reach-pager",
    description: "OB-4: every sev1 and sev2 alert is routed, by an AlertmanagerConfig in its namespace, to a receiver that pages (PagerDuty, Opsgenie or VictorOps).",
    enforcementLevel: "mandatory",
    ...requirement("OB-4", "Alerts routed by severity (SEV1–SEV4, with response targets) to PagerDuty and Slack"),
    ...guidance("critical", "Route sev1 and sev2 to a PagerDuty receiver in an AlertmanagerConfig of the alerts' namespace (alerts.routes.pagerdutyRoutingKey)."),
    validateStack: (args, reportViolation) => {
        const configs = args.resources.filter((r) => r.type === K8S_ALERTMANAGER_CONFIG);
        for (const ruleResource of args.resources.filter((r) => r.type === K8S_PROMETHEUS_RULE)) {
            const namespace = str(at(ruleResource.props, "metadata", "namespace"));
            // The operator scopes an AlertmanagerConfig to alerts of its own namespace.
            const candidates = configs.filter((c) => {
                const ns = str(at(c.props, "metadata", "namespace"));
                return namespace === undefined || ns === undefined || ns === namespace;
            });
            if (candidates.some((c) => at(c.props, "spec") === UNKNOWN || at(c.props, "spec", "route") === UNKNOWN || at(c.props, "spec", "receivers") === UNKNOWN)) {
                cannotCheckYet(reportViolation, "paging-alerts-reach-pager", ruleResource.urn, `the routes of the AlertmanagerConfigs that route PrometheusRule '${ruleResource.name}'`);
                continue;
            }
            for (const a of alertsOf(ruleResource.props)) {
                if (a.unknown.includes("labels") || a.unknown.includes("labels.severity")) {
                    cannotCheckYet(reportViolation, "paging-alerts-reach-pager", ruleResource.urn, `the severity of alert '${a.alert}' (whether it pages)`);
                    continue;
                }
                if (!PAGED.includes(a.labels.severity ?? "")) continue;
                const labels = { ...Object.fromEntries(Object.entries(a.labels).filter(([, v]) => !v.includes("{{"))), alertname: a.alert, ...(namespace ? { namespace } : {}) };
                const paged = candidates.some((c) => {
                    const receivers = new Set(resolveReceivers(at(c.props, "spec", "route"), labels));
                    return listAt(c.props, "spec", "receivers").some((r) => receivers.has(String(at(r, "name"))) && PAGER_CONFIGS.some((k) => listAt(r, k).length > 0));
                });
                if (!paged) {
                    reportViolation(
                        `Alert '${a.alert}' (${a.labels.severity}) in PrometheusRule '${ruleResource.name}' reaches no pager: no AlertmanagerConfig in its namespace routes it to a receiver with pagerdutyConfigs. Route ${PAGED.join(" and ")} to PagerDuty (alerts.routes.pagerdutyRoutingKey).`,
                        ruleResource.urn,
                    );
                }
            }
        }
    },
};

const RDS_METRICS = ["CPUUtilization", "FreeStorageSpace", "DatabaseConnections", "FreeableMemory"];
const ELASTICACHE_METRICS = ["DatabaseMemoryUsagePercentage", "Evictions"];

/**
 * Alarms indexed once per check by what their `dimension` refers to: the resources it depends on
 * (preview, when identifiers are unknown) and its known value with every `-`-separated prefix of it
 * (node IDs such as `<group>-001` belong to the group). A lookup is then linear in its own alarms,
 * not in every alarm of the stack.
 */
function alarmIndex(alarms: PolicyResource[], dimension: string) {
    const byDependency = new Map<string, PolicyResource[]>();
    const byIdentifier = new Map<string, PolicyResource[]>();
    const add = (map: Map<string, PolicyResource[]>, key: string, alarm: PolicyResource) => {
        const list = map.get(key);
        if (!list) map.set(key, [alarm]);
        else if (list[list.length - 1] !== alarm) list.push(alarm);
    };
    for (const alarm of alarms) {
        if (!(dimension in obj(at(alarm.props, "dimensions")))) continue;
        for (const d of alarm.propertyDependencies?.dimensions ?? []) add(byDependency, d.urn, alarm);
        const value = str(at(alarm.props, "dimensions", dimension));
        if (value === undefined) continue;
        add(byIdentifier, value, alarm);
        for (let i = value.indexOf("-"); i > 0; i = value.indexOf("-", i + 1)) add(byIdentifier, value.slice(0, i), alarm);
    }
    /** The alarms whose dimension refers to this resource: by dependency, or by its identifier (exactly, or as `<identifier>-…`). */
    return (resource: PolicyResource, identifier: string | undefined): PolicyResource[] => [
        ...new Set([...(byDependency.get(resource.urn) ?? []), ...(identifier !== undefined ? byIdentifier.get(identifier) ?? [] : [])]),
    ];
}

export const dataStoreCloudwatchAlarms: StackValidationPolicy = {
    name: "data-store-cloudwatch-alarms",
    description:
        "OB-3: every RDS instance has CPU, FreeStorageSpace, DatabaseConnections and FreeableMemory alarms (and ReplicaLag on a replica); every ElastiCache replication group has DatabaseMemoryUsagePercentage and Evictions alarms (and ReplicationLag with replicas); each alarm notifies someone (OB-4).",
    enforcementLevel: "mandatory",
    ...requirement(["OB-3", "OB-4"], "Metrics for request rate and latency by route, 4xx/5xx, active and WebSocket connections, auth failures (401/403), DB query latency and connection pool, replication lag, disk, CPU, memory"),
    ...guidance("high", "Declare the CloudWatchAlarms component for every RDS instance and ElastiCache group, with SNS actions that reach PagerDuty (alerts.routes.pagerdutyCloudwatchKey)."),
    configSchema: { properties: { outsideProduction: outsideProductionSchema("advisory") } },
    validateStack: (args, reportViolation) => {
        const { outsideProduction = "advisory" } = args.getConfig<{ outsideProduction?: "mandatory" | "advisory" | "disabled" }>();
        const production = isProductionStack(args.resources);
        if (!production && outsideProduction === "disabled") return;
        const report = reportAt(reportViolation, production ? undefined : outsideProduction, "data-store-cloudwatch-alarms");
        const alarms = args.resources.filter((r) => r.type === AWS_CLOUDWATCH_METRIC_ALARM);
        const unreadableAlarms = alarms.filter((a) => at(a.props, "dimensions") === UNKNOWN || keysAt(a.props, "dimensions").some((k) => at(a.props, "dimensions", k) === UNKNOWN && (a.propertyDependencies?.dimensions ?? []).length === 0));
        const indexes = new Map<string, ReturnType<typeof alarmIndex>>();
        const check = (resource: PolicyResource, dimension: string, required: string[], identifier: string | undefined) => {
            let watchingOf = indexes.get(dimension);
            if (!watchingOf) indexes.set(dimension, (watchingOf = alarmIndex(alarms, dimension)));
            const watching = watchingOf(resource, identifier);
            const present = new Set(watching.map((a) => str(at(a.props, "metricName"))));
            // An alarm whose metric or dimensions are only known after `pulumi up` may be a missing one.
            const unsure = unreadableAlarms.length > 0 || watching.some((a) => at(a.props, "metricName") === UNKNOWN);
            const missing = required.filter((m) => !present.has(m));
            if (missing.length > 0 && unsure) {
                cannotCheckYet(reportViolation, "data-store-cloudwatch-alarms", resource.urn, `the ${missing.join(", ")} alarm(s) of '${resource.name}' (alarms whose metric or dimensions are only known after 'pulumi up')`);
                missing.length = 0;
            }
            // An unknown action (an SNS topic's ARN) is still an action; only an unknown list is unsure.
            const actionsUnknown = watching.filter((a) => at(a.props, "alarmActions") === UNKNOWN);
            if (actionsUnknown.length > 0) cannotCheckYet(reportViolation, "data-store-cloudwatch-alarms", resource.urn, `the alarmActions of ${actionsUnknown.map((a) => a.name).join(", ")}`);
            const silent = watching.filter((a) => at(a.props, "alarmActions") !== UNKNOWN && listAt(a.props, "alarmActions").length === 0).map((a) => a.name);
            const problems = [
                ...(missing.length > 0 ? [`no CloudWatch alarm on ${missing.join(", ")}`] : []),
                ...(silent.length > 0 ? [`alarm(s) ${silent.join(", ")} notify no one (alarmActions is empty)`] : []),
            ];
            if (problems.length > 0) {
                report(`${resource.type.split(":").pop()} '${resource.name}': ${problems.join("; ")}. The CloudWatchAlarms component declares them, to SNS topics that reach PagerDuty and Slack.`, resource.urn);
            }
        };
        for (const instance of args.resources.filter((r) => r.type === AWS_RDS_INSTANCE)) {
            const replica = at(instance.props, "replicateSourceDb") !== undefined;
            check(instance, "DBInstanceIdentifier", [...RDS_METRICS, ...(replica ? ["ReplicaLag"] : [])], str(at(instance.props, "identifier")));
        }
        for (const group of args.resources.filter((r) => r.type === AWS_ELASTICACHE_REPLICATION_GROUP)) {
            const clusters = at(group.props, "numCacheClusters");
            if (clusters === UNKNOWN) cannotCheckYet(reportViolation, "data-store-cloudwatch-alarms", group.urn, `numCacheClusters of '${group.name}' (whether it needs a ReplicationLag alarm)`);
            // A count written as a string is read as the provider reads it (issue 19 (7)).
            const replicas = (knownNumber(clusters) ?? 0) > 1;
            check(group, "CacheClusterId", [...ELASTICACHE_METRICS, ...(replicas ? ["ReplicationLag"] : [])], str(at(group.props, "replicationGroupId")));
        }
    },
};

const WORKLOADS = [K8S_DEPLOYMENT, K8S_STATEFUL_SET, K8S_DAEMON_SET];

/** Metric prefixes of the data exporters, and the image name each comes from (restated from components/observability/exporters.ts). */
const EXPORTER_SOURCES: Array<{ prefix: string; exporter: string; image: RegExp }> = [
    { prefix: "pg_", exporter: "postgres_exporter", image: /postgres[-_]exporter/ },
    { prefix: "redis_", exporter: "redis_exporter", image: /redis[-_]exporter/ },
    { prefix: "mongodb_", exporter: "mongodb_exporter", image: /mongodb[-_]exporter/ },
];

const selectsLabels = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const sameNamespace = (a: string | undefined, b: string | undefined) => a === undefined || b === undefined || a === b;
const namespaceOf = (r: PolicyResource) => knownString(at(r.props, "metadata", "namespace"));

/**
 * The exporters a stack runs that a monitor scrapes: the pod labels and namespace of every workload
 * with an exporter container, kept only when a PodMonitor selects its pods or a ServiceMonitor selects
 * a Service that selects them. Returns the exporter names found, by namespace.
 */
/** True when a resource's labels or selector are only known after `pulumi up` (it may be the one that scrapes). */
function selectorUnknown(r: PolicyResource, ...path: string[]): boolean {
    const v = at(r.props, ...path);
    return v === UNKNOWN || keysAt(r.props, ...path).some((k) => at(r.props, ...path, k) === UNKNOWN);
}

/** Workloads, Services and monitors whose labels, selectors or images the scrape chain needs but a preview cannot know. */
function unreadableScrapeChain(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter(
        (r) =>
            (WORKLOADS.includes(r.type) && (selectorUnknown(r, "spec", "template", "metadata", "labels") || listAt(r.props, "spec", "template", "spec", "containers").some((c) => c === UNKNOWN || at(c, "image") === UNKNOWN))) ||
            (r.type === K8S_SERVICE && (selectorUnknown(r, "spec", "selector") || selectorUnknown(r, "metadata", "labels"))) ||
            ((r.type === K8S_SERVICE_MONITOR || r.type === K8S_POD_MONITOR) && selectorUnknown(r, "spec", "selector", "matchLabels")),
    );
}

function scrapedExporters(resources: PolicyResource[]): Array<{ exporter: string; namespace: string | undefined }> {
    const services = resources.filter((r) => r.type === K8S_SERVICE);
    const podMonitors = resources.filter((r) => r.type === K8S_POD_MONITOR);
    const serviceMonitors = resources.filter((r) => r.type === K8S_SERVICE_MONITOR);
    const found: Array<{ exporter: string; namespace: string | undefined }> = [];
    for (const w of resources.filter((r) => WORKLOADS.includes(r.type))) {
        const ns = namespaceOf(w);
        const podLabels = stringMap(at(w.props, "spec", "template", "metadata", "labels"));
        const images = listAt(w.props, "spec", "template", "spec", "containers").map((c) => knownString(at(c, "image")) ?? "");
        const scraped =
            podMonitors.some((m) => sameNamespace(namespaceOf(m), ns) && selectsLabels(stringMap(at(m.props, "spec", "selector", "matchLabels")), podLabels)) ||
            services.some(
                (s) =>
                    sameNamespace(namespaceOf(s), ns) &&
                    selectsLabels(stringMap(at(s.props, "spec", "selector")), podLabels) &&
                    serviceMonitors.some((m) => sameNamespace(namespaceOf(m), namespaceOf(s)) && selectsLabels(stringMap(at(m.props, "spec", "selector", "matchLabels")), stringMap(at(s.props, "metadata", "labels")))),
            );
        if (!scraped) continue;
        for (const source of EXPORTER_SOURCES) if (images.some((i) => source.image.test(i))) found.push({ exporter: source.exporter, namespace: ns });
    }
    return found;
}

export const dataAlertsHaveSource: StackValidationPolicy = {
    name: "data-alerts-have-source",
    description:
        "OB-3: every alert that reads a datastore exporter's metrics (pg_*, redis_*, mongodb_*) has that exporter running in its namespace and scraped by a ServiceMonitor or PodMonitor; otherwise the alert can never fire (DB-4).",
    enforcementLevel: "mandatory",
    ...requirement(["OB-3", "DB-4"], "Metrics for request rate and latency by route, 4xx/5xx, active and WebSocket connections, auth failures (401/403), DB query latency and connection pool, replication lag, disk, CPU, memory"),
    ...guidance(
        "high",
        "Run the exporter the alert reads (the Observability component deploys postgres_exporter for RDS; the Redis and MongoDB components carry exporter sidecars) with a monitor that selects it, or drop the alert (ElastiCache is watched by CloudWatch alarms).",
    ),
    validateStack: (args, reportViolation) => {
        const rules = args.resources.filter((r) => r.type === K8S_PROMETHEUS_RULE);
        if (rules.length === 0) return;
        const scraped = scrapedExporters(args.resources);
        const unreadable = unreadableScrapeChain(args.resources);
        for (const rule of rules) {
            const ns = namespaceOf(rule);
            for (const group of listAt(rule.props, "spec", "groups")) {
                for (const r of listAt(group, "rules")) {
                    const alert = knownString(at(r, "alert"));
                    const expr = knownString(at(r, "expr"));
                    if (alert === undefined || expr === undefined) continue;
                    const metrics = [...expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g)].map((m) => m[1]);
                    for (const source of EXPORTER_SOURCES) {
                        const read = metrics.filter((m) => m.startsWith(source.prefix));
                        if (read.length === 0) continue;
                        if (scraped.some((s) => s.exporter === source.exporter && sameNamespace(s.namespace, ns))) continue;
                        if (unreadable.length > 0) {
                            cannotCheckYet(reportViolation, "data-alerts-have-source", rule.urn, `whether ${source.exporter} is scraped for alert '${alert}' (${unreadable.slice(0, 3).map((r) => `'${r.name}'`).join(", ")}${unreadable.length > 3 ? "…" : ""} have labels, selectors or images only known after 'pulumi up')`);
                            continue;
                        }
                        reportViolation(
                            `Alert '${alert}' in PrometheusRule '${rule.name}' reads ${[...new Set(read)].join(", ")}, but no ${source.exporter} runs${ns ? ` in namespace '${ns}'` : ""} with a ServiceMonitor or PodMonitor scraping it: the alert can never fire. Deploy and scrape the exporter, or drop the alert.`,
                            rule.urn,
                        );
                    }
                }
            }
        }
    },
};
