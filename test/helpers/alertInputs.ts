import { AlertRulesInput } from "../../components/observability/alertRules";
import { ALERT_DEFAULTS } from "../../config/resolve";

/*
 * The alert generator's inputs the tests share: one production and one staging stack on PostgreSQL
 * and ElastiCache with a daily backup. Tests that need another shape spread one of these and change
 * what they are about.
 */

/** Production: an api and a worker, no restore drill, runbook links to the published docs. */
export const PRODUCTION_ALERT_INPUT: AlertRulesInput = {
    stack: "production",
    namespace: "runbook",
    apps: [
        { name: "api", role: "api" },
        { name: "worker", role: "worker" },
    ],
    databaseEngine: "postgres",
    redisMode: "elasticache",
    backups: [{ datastore: "postgres", schedule: "0 2 * * *" }],
    restoreDrills: [],
    thresholds: ALERT_DEFAULTS,
    runbookBaseUrl: "https://github.com/acme/runbook/blob/main/docs/alerts.md",
};

/** Staging: api, web and worker, a weekly restore drill, runbook links relative to the repository. */
export const STAGING_ALERT_INPUT: AlertRulesInput = {
    stack: "staging",
    namespace: "runbook-staging",
    apps: [
        { name: "api", role: "api" },
        { name: "web", role: "web" },
        { name: "worker", role: "worker" },
    ],
    databaseEngine: "postgres",
    redisMode: "elasticache",
    backups: [{ datastore: "postgres", schedule: "0 2 * * *" }],
    restoreDrills: [{ stack: "staging", datastore: "postgres", schedule: "0 5 * * 1" }],
    thresholds: ALERT_DEFAULTS,
    runbookBaseUrl: "docs/alerts.md",
};

/** MongoDB (three members) and in-cluster Redis, WebSocket and worker apps, the oplog capture, a replica, a drill and the log shipper: every optional alert on. */
export const MONGODB_ALERT_INPUT: AlertRulesInput = {
    stack: "staging",
    namespace: "runbook-staging",
    apps: [
        { name: "api", role: "api", websocketPaths: ["/events"], expectsTraffic: true },
        { name: "web", role: "web" },
        { name: "worker", role: "worker" },
    ],
    databaseEngine: "mongodb",
    mongodbMembers: 3,
    redisMode: "in-cluster",
    backups: [
        { datastore: "mongodb", schedule: "0 2 * * *", retentionDays: 14, watchSize: true, replicated: true },
        { datastore: "mongodb-oplog", schedule: "15 * * * *", retentionDays: 7, replicated: true },
    ],
    restoreDrills: [{ stack: "staging", datastore: "mongodb", schedule: "0 5 * * 1" }],
    // OB-5: the stack installs the log shipper (Grafana Alloy).
    logShipping: { job: "alloy" },
    thresholds: ALERT_DEFAULTS,
    runbookBaseUrl: "docs/alerts.md",
    // ST-2: an images bucket with a 50 GB budget, a backups bucket without one.
    r2Usage: { schedule: "40 * * * *", buckets: [{ bucket: "runbook-images", budgetBytes: 50e9 }, { bucket: "runbook-backups" }] },
};
