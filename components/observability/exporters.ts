import type * as k8s from "@pulumi/kubernetes";
import { RESTRICTED_CONTAINER_SECURITY } from "../k8s/labels";

/*
 * The metric sources of the data alerts (DB-4, RD-2, OB-3): one exporter per datastore, pinned, as
 * pure container specs. In-cluster Redis and every MongoDB member carry theirs as a sidecar that
 * talks to the server over the pod's loopback; RDS PostgreSQL gets a small Deployment in the apps'
 * namespace (postgresExporter.ts). ElastiCache has none: CloudWatch covers it (cloudwatchAlarms.ts),
 * and the Prometheus Redis rules are emitted for in-cluster Redis only.
 *
 * The metric names the rules read (appMetrics.ts) exist in these pinned images and in the Debian
 * builds the integration tier runs (prometheus-postgres-exporter 0.11.1, prometheus-redis-exporter
 * 1.45.0); test/integration/exporters.test.ts scrapes the real ones.
 */

/** Name of the exporters' container port; the monitors scrape it. */
export const EXPORTER_PORT_NAME = "metrics";

export type ExporterKind = "postgres" | "redis" | "mongodb";

export interface ExporterImage {
    /** The image, pinned to a release tag (WL-3). */
    image: string;
    /** The exporter's binary in its image: the pod runs it by name, never through the image's entrypoint. */
    command: string;
    /** The port the exporter serves `/metrics` on (its upstream default). */
    port: number;
    /** Non-root user and group it runs as (the image's own user, or any: the binaries are static). */
    uid: number;
    /** Requests and limits (WL-4). */
    resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
}

export const EXPORTERS: Readonly<Record<ExporterKind, ExporterImage>> = {
    // https://github.com/prometheus-community/postgres_exporter/releases/tag/v0.15.0 (USER nobody)
    postgres: {
        image: "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
        command: "/bin/postgres_exporter",
        port: 9187,
        uid: 65534,
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    },
    // https://github.com/oliver006/redis_exporter/releases/tag/v1.67.0 (USER 59000)
    redis: {
        image: "oliver006/redis_exporter:v1.67.0",
        command: "/redis_exporter",
        port: 9121,
        uid: 59000,
        resources: { requests: { cpu: "10m", memory: "24Mi" }, limits: { cpu: "200m", memory: "96Mi" } },
    },
    // https://github.com/percona/mongodb_exporter/releases/tag/v0.43.1; the image tag drops the v (USER 65535)
    mongodb: {
        image: "percona/mongodb_exporter:0.43.1",
        command: "/mongodb_exporter",
        port: 9216,
        uid: 65535,
        resources: { requests: { cpu: "20m", memory: "48Mi" }, limits: { cpu: "300m", memory: "192Mi" } },
    },
};

/** Environment variables the exporters read their connection from (each upstream's own names). */
export const EXPORTER_ENV = {
    /** postgres_exporter: the libpq URL, with the password; from a Secret. */
    postgresDsn: "DATA_SOURCE_NAME",
    /** redis_exporter: where Redis listens, and its password (from the Redis Secret). */
    redisAddr: "REDIS_ADDR",
    redisPassword: "REDIS_PASSWORD",
    /** mongodb_exporter: where mongod listens, and the monitoring user (from its Secret). */
    mongodbUri: "MONGODB_URI",
    mongodbUser: "MONGODB_USER",
    mongodbPassword: "MONGODB_PASSWORD",
} as const;

/** A Secret key, as a `secretKeyRef` names it. */
export interface SecretKey {
    name: unknown;
    key: string;
}

function fromSecret(envName: string, ref: SecretKey): k8s.types.input.core.v1.EnvVar {
    return { name: envName, valueFrom: { secretKeyRef: { name: ref.name as string, key: ref.key } } };
}

/**
 * An exporter container: restricted (SC-5), sized (WL-4), probed on its port (WL-2; a TCP probe,
 * so a datastore that is down never gets its exporter restarted), the metrics port named `metrics`.
 */
export function exporterContainer(kind: ExporterKind, env: k8s.types.input.core.v1.EnvVar[], args: string[]): k8s.types.input.core.v1.Container {
    const e = EXPORTERS[kind];
    const probe = (periodSeconds: number): k8s.types.input.core.v1.Probe => ({ tcpSocket: { port: EXPORTER_PORT_NAME }, periodSeconds, timeoutSeconds: 3, failureThreshold: 3 });
    return {
        name: `${kind}-exporter`,
        image: e.image,
        command: [e.command],
        args,
        env,
        ports: [{ name: EXPORTER_PORT_NAME, containerPort: e.port, protocol: "TCP" }],
        livenessProbe: probe(30),
        readinessProbe: probe(10),
        resources: e.resources,
        securityContext: { ...RESTRICTED_CONTAINER_SECURITY, runAsUser: e.uid, runAsGroup: e.uid, seccompProfile: { type: "RuntimeDefault" } },
    };
}

/** The redis_exporter sidecar: Redis on the pod's loopback, authenticated with the server's own password. */
export function redisExporterSidecar(password: SecretKey, redisPort: number): k8s.types.input.core.v1.Container {
    return exporterContainer(
        "redis",
        [{ name: EXPORTER_ENV.redisAddr, value: `redis://127.0.0.1:${redisPort}` }, fromSecret(EXPORTER_ENV.redisPassword, password)],
        [`--web.listen-address=:${EXPORTERS.redis.port}`],
    );
}

/**
 * The mongodb_exporter sidecar of a member: its own mongod only (a direct connection), as the
 * monitoring user. `getDiagnosticData` gives the `mongodb_ss_*` metrics, `replSetGetStatus` the
 * `mongodb_rs_*` ones; neither collector is on by default.
 */
export function mongodbExporterSidecar(user: SecretKey, password: SecretKey, mongoPort: number): k8s.types.input.core.v1.Container {
    return exporterContainer(
        "mongodb",
        [
            { name: EXPORTER_ENV.mongodbUri, value: `mongodb://127.0.0.1:${mongoPort}/admin` },
            fromSecret(EXPORTER_ENV.mongodbUser, user),
            fromSecret(EXPORTER_ENV.mongodbPassword, password),
        ],
        ["--mongodb.direct-connect", "--collector.diagnosticdata", "--collector.replicasetstatus", `--web.listen-address=:${EXPORTERS.mongodb.port}`],
    );
}

/** The postgres_exporter container of the RDS exporter Deployment; its DSN comes from a Secret. */
export function postgresExporterContainer(dsn: SecretKey): k8s.types.input.core.v1.Container {
    return exporterContainer("postgres", [fromSecret(EXPORTER_ENV.postgresDsn, dsn)], [`--web.listen-address=:${EXPORTERS.postgres.port}`]);
}

/** The MongoDB roles of the monitoring user: what mongodb_exporter documents, nothing more. */
export const MONGODB_MONITOR_ROLES = [
    { role: "clusterMonitor", db: "admin" },
    { role: "read", db: "local" },
];

/** The PostgreSQL role postgres_exporter connects as: a member of pg_monitor only. */
export const POSTGRES_MONITOR_ROLE = "runbook_monitor";

/**
 * The exporter's DSN: the admin URL's host, port and database with the monitoring role's
 * credentials. TLS stays required: `sslmode=require` unless the URL already verifies more.
 */
export function monitorDsn(adminUrl: string, role: string, password: string): string {
    const u = new URL(adminUrl);
    u.username = role;
    u.password = encodeURIComponent(password);
    const mode = u.searchParams.get("sslmode");
    if (mode !== "verify-full" && mode !== "verify-ca") u.searchParams.set("sslmode", "require");
    return u.toString();
}
