/*
 * The metrics contract: what the apps expose on their `http` port at `/metrics`, and what the
 * exporters the rules read are called (OB-3). The alert rules, the dashboard and the README's
 * "metrics contract" section all take their names from here.
 */

/** The path every app serves Prometheus metrics on, on its `http` port. */
export const METRICS_PATH = "/metrics";
/** The container port name every app listens on (apps[].port). */
export const METRICS_PORT_NAME = "http";

/**
 * Apps (api and web): one histogram of request durations in seconds, labelled `route` (the route
 * template, never the raw path), `method` and `status_code`. prom-client's
 * `http_request_duration_seconds` with express-prom-bundle or @willsoto/nestjs-prometheus produces it.
 * Buckets must include HTTP_DURATION_BUCKETS_SECONDS (config/resolve.ts): the latency SLO counts the
 * requests slower than alerts.p95LatencyMs from the bucket at that edge.
 */
export const HTTP_METRICS = {
    /** Histogram: request duration in seconds; its `_count` counts requests. */
    requestDuration: "http_request_duration_seconds",
    /** Gauge: open WebSocket connections (apps with `websocketPaths`), labelled `path`. */
    websocketConnections: "websocket_connections_active",
} as const;

/** The label names of the HTTP histogram. */
export const HTTP_LABELS = { route: "route", method: "method", status: "status_code" } as const;

/**
 * Workers: BullMQ counters and gauges per `queue`, published by the worker (BullMQ's
 * `Queue.getJobCounts()` and the worker's `completed`/`failed` events, through prom-client).
 */
export const QUEUE_METRICS = {
    /** Counter: jobs that failed their last attempt. */
    failedJobs: "bullmq_jobs_failed_total",
    /** Counter: jobs that completed. */
    completedJobs: "bullmq_jobs_completed_total",
    /** Gauge: jobs waiting to be picked up (waiting + delayed due now). */
    waitingJobs: "bullmq_queue_waiting_jobs",
} as const;

/** kube-state-metrics and cAdvisor (kubelet), as kube-prometheus-stack scrapes them. */
export const KUBE_METRICS = {
    restarts: "kube_pod_container_status_restarts_total",
    lastTerminatedReason: "kube_pod_container_status_last_terminated_reason",
    memoryLimit: "kube_pod_container_resource_limits",
    hpaCurrentReplicas: "kube_horizontalpodautoscaler_status_current_replicas",
    hpaMaxReplicas: "kube_horizontalpodautoscaler_spec_max_replicas",
    workingSetBytes: "container_memory_working_set_bytes",
    cfsPeriods: "container_cpu_cfs_periods_total",
    cfsThrottledPeriods: "container_cpu_cfs_throttled_periods_total",
    volumeAvailableBytes: "kubelet_volume_stats_available_bytes",
    volumeCapacityBytes: "kubelet_volume_stats_capacity_bytes",
    up: "up",
    /** 1 for the phase a pod is in (`phase` label: Pending, Running, ...). */
    podPhase: "kube_pod_status_phase",
} as const;

/**
 * postgres_exporter (prometheus-community; the pinned v0.15.0 and Debian's 0.11.1), connected to RDS as
 * a pg_monitor role (postgresExporter.ts). `pg_stat_activity_count{datname, state}` is a built-in
 * metric map (cmd/postgres_exporter/postgres_exporter.go and queries.go at v0.15.0);
 * `pg_settings_<name>` comes from pg_settings (cmd/postgres_exporter/pg_setting.go), so
 * `max_connections` is read from the server itself rather than assumed from the instance class.
 */
export const POSTGRES_METRICS = {
    connections: "pg_stat_activity_count",
    maxConnections: "pg_settings_max_connections",
    /** 1 when the exporter's last query reached the server. */
    up: "pg_up",
} as const;

/**
 * Percona mongodb_exporter v0.43.1 (not the old 0.1x names of `--compatible-mode`, nor Debian's 2018
 * fork). Names are built in exporter/metrics.go at v0.43.1: `serverStatus` becomes `ss`,
 * `replSetGetStatus` becomes `rs`, `serverStatus.connections.<field>` is the `conn_type` label, the
 * members array gives `member_idx` (the member's host:port) and `member_state` (its stateStr), and
 * dates are milliseconds (processSlice, makeRawMetric). exporter/topology_info.go adds `rs_nm` (the
 * set's name) and `rs_state`; exporter/general_collector.go defines `mongodb_up`.
 */
export const MONGODB_METRICS = {
    /** getDiagnosticData's serverStatus.connections, by `conn_type` (current, available, …). */
    connections: "mongodb_ss_connections",
    /** replSetGetStatus members[].optimeDate, in milliseconds. */
    memberOptimeMs: "mongodb_rs_members_optimeDate",
    /** serverStatus.opLatencies: the total time of operations, in microseconds, by `op_type` (reads, writes, commands, transactions). */
    opLatencyMicros: "mongodb_ss_opLatencies_latency",
    /** serverStatus.opLatencies: the number of operations, by `op_type`. */
    opCount: "mongodb_ss_opLatencies_ops",
    up: "mongodb_up",
} as const;

/** oliver006/redis_exporter (the pinned v1.67.0 and Debian's 1.45.0). */
export const REDIS_METRICS = {
    memoryUsed: "redis_memory_used_bytes",
    /** INFO memory's maxmemory. */
    memoryMax: "redis_memory_max_bytes",
    /** Errors by type from INFO errorstats; `err="OOM"` is a write refused at maxmemory under noeviction. */
    errors: "redis_errors_total",
    up: "redis_up",
} as const;

/** cert-manager's controller metrics. */
export const CERT_MANAGER_METRICS = {
    expiration: "certmanager_certificate_expiration_timestamp_seconds",
    ready: "certmanager_certificate_ready_status",
} as const;

/**
 * Grafana Alloy's `loki.write` client (internal/component/common/loki/client in grafana/alloy;
 * documented under loki.write's debug metrics): `host` is Loki's address, `tenant` the tenant,
 * and dropped entries carry the `reason` (ingester_error, line_too_long, queue_is_full, ...).
 */
export const LOG_SHIPPER_METRICS = {
    sentEntries: "loki_write_sent_entries_total",
    droppedEntries: "loki_write_dropped_entries_total",
} as const;
