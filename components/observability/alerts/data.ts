import { KUBE_METRICS, MONGODB_METRICS, POSTGRES_METRICS, REDIS_METRICS } from "../appMetrics";
import { counter, gauge, series } from "../promql";
import { alertsOf, literal, namespaceSelector } from "./alert";
import type { AlertRulesInput, AlertSpec, InputSeries } from "./types";

export const DATA_GROUP = "runbook-data";

/** Data (DB-4, RD-2, 003 "too many clients"): the datastores, read from the exporters in the namespace, and their volumes. */
export function dataAlerts(input: AlertRulesInput): AlertSpec[] {
    const t = input.thresholds;
    const ns = input.namespace;
    const alert = alertsOf(input, { name: DATA_GROUP, category: "data" });
    const specs: AlertSpec[] = [];
    const nsSel = namespaceSelector(input);
    const dbPct = t.dbConnectionsPercent;
    if (input.databaseEngine === "postgres") {
        const pg = { namespace: ns, job: "postgres-exporter", instance: "postgres-exporter:9187" };
        const pgSeries = (used: number): InputSeries[] => [
            { series: series(POSTGRES_METRICS.connections, { ...pg, datname: "app", state: "active" }), values: gauge([[Math.floor(used / 2), 20]]) },
            { series: series(POSTGRES_METRICS.connections, { ...pg, datname: "app", state: "idle" }), values: gauge([[used - Math.floor(used / 2), 20]]) },
            { series: series(POSTGRES_METRICS.maxConnections, pg), values: gauge([[200, 20]]) },
        ];
        specs.push(alert({
            name: "DatabaseConnectionsNearMax",
            severity: "sev2",
            requirement: "DB-4",
            expr: `sum by (namespace) (${POSTGRES_METRICS.connections}${nsSel()})\n  / max by (namespace) (${POSTGRES_METRICS.maxConnections}${nsSel()}) * 100 > ${literal(dbPct)}`,
            for: "5m",
            labels: { datastore: "postgres" },
            summary: "PostgreSQL is running out of connections",
            description: `PostgreSQL holds {{ printf "%.1f" $value }} % of max_connections, for 5 minutes (threshold ${literal(dbPct)} %): the next clients get "too many clients"`,
            proof: {
                interval: "1m",
                firing: pgSeries(Math.min(200, Math.round(2 * (dbPct + (100 - dbPct) / 2)))),
                evalTime: "10m",
                outputLabels: { namespace: ns },
                value: Math.min(200, Math.round(2 * (dbPct + (100 - dbPct) / 2))) / 2,
                quiet: pgSeries(Math.floor(2 * dbPct) - 1),
            },
        }));
    } else {
        // Percona mongodb_exporter, one sidecar per member (names in appMetrics.ts); each reports its own mongod.
        const mongo = { namespace: ns, job: "mongodb-exporter", instance: "10.0.3.8:9216", rs_nm: "rs0", rs_state: "1" };
        const conns = (current: number): InputSeries[] => [
            { series: series(MONGODB_METRICS.connections, { ...mongo, conn_type: "current" }), values: gauge([[current, 20]]) },
            { series: series(MONGODB_METRICS.connections, { ...mongo, conn_type: "available" }), values: gauge([[1000 - current, 20]]) },
        ];
        const over = Math.min(1000, Math.round(10 * (dbPct + (100 - dbPct) / 2)));
        specs.push(alert({
            name: "DatabaseConnectionsNearMax",
            severity: "sev2",
            requirement: "DB-4",
            expr: `sum by (namespace, instance) (${MONGODB_METRICS.connections}${nsSel({ conn_type: "current" })})\n  / sum by (namespace, instance) (${MONGODB_METRICS.connections}${nsSel({ conn_type: /current|available/ })}) * 100 > ${literal(dbPct)}`,
            for: "5m",
            labels: { datastore: "mongodb" },
            summary: "MongoDB is running out of connections",
            description: `MongoDB holds {{ printf "%.1f" $value }} % of its connection limit, for 5 minutes (threshold ${literal(dbPct)} %)`,
            proof: {
                interval: "1m",
                firing: conns(over),
                evalTime: "10m",
                outputLabels: { namespace: ns, instance: mongo.instance },
                value: over / 10,
                quiet: conns(Math.floor(10 * dbPct) - 5),
            },
        }));
        // OB-3 (002): the mean time of a read or a write on each member, from opLatencies' counters.
        const opLatency = (ms: number): InputSeries[] => [
            { series: series(MONGODB_METRICS.opLatencyMicros, { ...mongo, op_type: "reads" }), values: counter([[600 * ms * 1000, 20]]) },
            { series: series(MONGODB_METRICS.opCount, { ...mongo, op_type: "reads" }), values: counter([[600, 20]]) },
        ];
        const mongoLatency = t.mongodbOpLatencyMs;
        specs.push(alert({
            name: "MongoOperationLatencyHigh",
            severity: "sev3",
            requirement: "OB-3",
            expr: `sum by (namespace, instance, op_type) (rate(${MONGODB_METRICS.opLatencyMicros}${nsSel({ op_type: /reads|writes/ })}[5m]))\n  / sum by (namespace, instance, op_type) (rate(${MONGODB_METRICS.opCount}${nsSel({ op_type: /reads|writes/ })}[5m])) / 1000 > ${mongoLatency}`,
            for: "10m",
            labels: { datastore: "mongodb" },
            summary: "MongoDB {{ $labels.op_type }} are slow",
            description: `MongoDB {{ $labels.op_type }} took {{ printf "%.0f" $value }} ms on average over 5 minutes, for 10 minutes (threshold ${mongoLatency} ms): look for collection scans in the slow query log, then at the volume's I/O`,
            proof: {
                interval: "1m",
                firing: opLatency(mongoLatency * 2),
                evalTime: "20m",
                outputLabels: { namespace: ns, instance: mongo.instance, op_type: "reads" },
                value: mongoLatency * 2,
                quiet: opLatency(mongoLatency * 0.8),
            },
        }));
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
            specs.push(alert({
                name: "MongoReplicationLag",
                severity: "sev3",
                requirement: "DB-1",
                expr: `(max by (namespace, rs_nm) (${MONGODB_METRICS.memberOptimeMs}${nsSel({ member_state: "PRIMARY" })})\n  - on (namespace, rs_nm) group_right min by (namespace, rs_nm, member_idx) (${MONGODB_METRICS.memberOptimeMs}${nsSel({ member_state: "SECONDARY" })})) / 1000 > ${t.replicationLagSeconds}`,
                for: "5m",
                labels: { datastore: "mongodb" },
                summary: "MongoDB secondary {{ $labels.member_idx }} lags behind the primary",
                description: `{{ $labels.member_idx }} is {{ printf "%.0f" $value }} s behind the primary, for 5 minutes (threshold ${t.replicationLagSeconds} s): a failover now would lose writes`,
                proof: {
                    interval: "1m",
                    firing: optimes(t.replicationLagSeconds * 1.5),
                    evalTime: "10m",
                    outputLabels: { namespace: ns, rs_nm: "rs0", member_idx: secondaryHost },
                    value: t.replicationLagSeconds * 1.5,
                    quiet: optimes(t.replicationLagSeconds - 1),
                },
            }));
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
    if (hasRedis) specs.push(alert({
        name: "RedisMemoryNearMax",
        severity: "sev2",
        requirement: "RD-2",
        expr: `max by (namespace, instance) (${REDIS_METRICS.memoryUsed}${nsSel()})\n  / max by (namespace, instance) (${REDIS_METRICS.memoryMax}${nsSel()} > 0) * 100 > ${literal(redisPct)}`,
        for: "5m",
        labels: { datastore: "redis" },
        summary: "Redis is close to maxmemory",
        description: `Redis uses {{ printf "%.1f" $value }} % of maxmemory, for 5 minutes (threshold ${literal(redisPct)} %); under noeviction it refuses writes when full, and enqueues fail`,
        proof: { interval: "1m", firing: redisMem(Math.min(100, redisPct + (100 - redisPct) / 2)), evalTime: "10m", outputLabels: redisOut, value: Math.min(100, redisPct + (100 - redisPct) / 2), quiet: redisMem(redisPct - 0.5) },
    }));
    // Redis lists an error type in INFO errorstats only once it has happened, so the OOM counter is
    // born at its first refused write: a series that did not exist 5 minutes ago counts too.
    const oom = { ...redis, err: "OOM" };
    const oomSel = `${REDIS_METRICS.errors}${nsSel({ err: "OOM" })}`;
    if (hasRedis) specs.push(alert({
        name: "RedisRejectingWrites",
        severity: "sev1",
        requirement: "RD-2",
        expr: `${oomSel} - ${oomSel} offset 5m > 0\n  or (${oomSel} unless ${oomSel} offset 5m)`,
        labels: { datastore: "redis" },
        summary: "Redis refuses writes: it is at maxmemory",
        description: "Redis answered {{ printf \"%.0f\" $value }} command(s) with OOM in 5 minutes: jobs and rate-limit writes are being refused right now",
        proof: {
            interval: "1m",
            firing: [{ series: series(REDIS_METRICS.errors, oom), values: `_x8 ${gauge([[3, 13]])}` }],
            evalTime: "10m",
            outputLabels: oom,
            value: 3,
            quiet: [{ series: series(REDIS_METRICS.errors, oom), values: gauge([[3, 20]]) }],
        },
    }));

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
        specs.push(alert({
            name: "DatastoreMetricsMissing",
            severity: "sev3",
            requirement: "DB-4",
            expr: `max by (namespace) (${e.up}${nsSel()}) == 0\n  or absent(${e.up}${nsSel()})`,
            for: "10m",
            labels: { datastore: e.datastore },
            summary: `The ${e.datastore} exporter reports no metrics`,
            description: `The ${e.datastore} exporter is gone or cannot reach the server ({{ printf "%.0f" $value }} for 10 minutes): the ${e.datastore} alerts are blind until it is back`,
            proof: {
                interval: "1m",
                firing: upSeries(gauge([[1, 5], [0, 16]])),
                evalTime: "20m",
                outputLabels: { namespace: ns },
                value: 0,
                quiet: upSeries(gauge([[0, 5], [1, 16]])),
            },
        }));
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
    specs.push(alert({
        name: "VolumeFillingUp",
        severity: "sev2",
        requirement: "OB-3",
        expr: `${KUBE_METRICS.volumeAvailableBytes}${nsSel()} / ${KUBE_METRICS.volumeCapacityBytes}${nsSel()} * 100 < 15\n  and predict_linear(${KUBE_METRICS.volumeAvailableBytes}${nsSel()}[6h], ${within * 3600}) < 0`,
        for: "15m",
        summary: "Volume {{ $labels.persistentvolumeclaim }} fills up within " + `${within} h`,
        description: `{{ $labels.persistentvolumeclaim }} has {{ printf "%.1f" $value }} % free and, at the rate of the last 6 hours, is full within ${within} hours`,
        proof: {
            interval: "1m",
            firing: fallingTo(Math.round(fillRate * 1.3)),
            evalTime: `${steps}m`,
            outputLabels: pvc,
            value: (freeAtEval / capacity) * 100,
            quiet: fallingTo(Math.round(fillRate * 0.95)),
        },
    }));
    return specs;
}
