import type { ResolvedAlerts } from "../../../config/resolve";

/*
 * What an alert is, and what the generator reads: the rule as Prometheus loads it, the promtool
 * proof declared with it (OB-1, OB-2, OB-3, OB-6, OB-7, BK-6, ED-2), and the stack's input.
 */

export type Severity = "sev1" | "sev2" | "sev3" | "sev4";
export const SEVERITIES: Severity[] = ["sev1", "sev2", "sev3", "sev4"];

/** What each alert is about; the `category` label, which policies and routes read. */
export type Category = "slo" | "latency" | "traffic" | "queues" | "pods" | "data" | "backups" | "storage" | "certificates" | "logs" | "watchdog" | "custom";

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
    /** True when every backup of it is also copied to the replica (`backups.replica`, BK-3): the replica alerts watch it. Absent means false. */
    replicated?: boolean;
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
    thresholds: Omit<ResolvedAlerts, "routes" | "monitoringNamespace" | "selectorLabels" | "runbookBaseUrl" | "rules">;
    /** The team's own alerts (`alerts.rules`), in config order; absent means none. */
    custom?: ResolvedAlerts["rules"];
    /**
     * OB-5: the log shipper the stack installs (Grafana Alloy), by the `job` Prometheus scrapes it
     * as; absent when the stack installs none (the cluster's own pipeline is not watched).
     */
    logShipping?: { job: string };
    /** Where the response steps live; each alert links to `<runbookBaseUrl>#<alert name in lowercase>`. */
    runbookBaseUrl: string;
    /**
     * The R2 usage job (ST-1, ST-2): its schedule, and the buckets it measures, each with its budget in
     * bytes where it has one. Absent: no usage job, no storage alerts.
     */
    r2Usage?: { schedule: string; buckets: Array<{ bucket: string; budgetBytes?: number }> };
}
