import { ConfigProblem } from "./problems";
import { Environment, appReplicas } from "./resolve";
import { RawStackConfig } from "./schema";

/*
 * Cross-field rules for the workloads: replica counts and autoscaling bounds (WL-1), WebSocket
 * paths (WL-7), and which optional sections a stack needs (network only when something lives in
 * AWS). Runs on schema-valid config, from `crossFieldProblems`.
 */

/** True when a data store lives in AWS, which is what needs a VPC. */
export function usesAws(raw: Pick<RawStackConfig, "database" | "redis">): boolean {
    return raw.database.engine === "postgres" || raw.redis?.mode === "elasticache";
}

/** What in the stack lives in AWS, for messages. */
function awsReasons(raw: Pick<RawStackConfig, "database" | "redis">): string[] {
    return [
        ...(raw.database.engine === "postgres" ? ["database.engine is postgres (RDS)"] : []),
        ...(raw.redis?.mode === "elasticache" ? ["redis.mode is elasticache"] : []),
    ];
}

export function networkProblems(raw: RawStackConfig): ConfigProblem[] {
    if (usesAws(raw) && raw.network === undefined) {
        return [
            {
                path: "network",
                message: `is required because ${awsReasons(raw).join(" and ")}`,
                requirement: "DB-2",
                fix: "add a runbook:network section (mode: existing with the cluster's vpcId, privateSubnetIds and clusterSecurityGroupIds, or mode: create with peering to the cluster's VPC)",
            },
        ];
    }
    if (!usesAws(raw) && raw.network !== undefined) {
        return [
            {
                path: "network",
                message: "is set, but nothing in this stack lives in AWS (database.engine is mongodb and Redis is in-cluster or absent), so no VPC would be built",
                fix: "remove the runbook:network section",
            },
        ];
    }
    return [];
}

export function appProblems(raw: RawStackConfig, env: Environment): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    raw.apps.forEach((app, i) => {
        const at = `apps[${i}]`;
        if (app.healthPath !== undefined && app.healthPath === app.readinessPath) {
            // WL-2: readiness covers the database; a liveness probe on it restarts every pod in a database outage.
            problems.push({
                path: `${at}.healthPath`,
                value: app.healthPath,
                message: "is the readiness path too: readiness covers the database, so in a database outage the liveness probe would restart every pod",
                requirement: "WL-2",
                fix: "remove healthPath (liveness then checks the app's port), or point it at an endpoint that does not touch the database",
            });
        }
        const scaling = app.autoscaling;
        if (scaling !== undefined) {
            const min = scaling.minReplicas ?? app.replicas;
            if (scaling.minReplicas !== undefined && app.replicas !== undefined && scaling.minReplicas !== app.replicas) {
                problems.push({
                    path: `${at}.autoscaling.minReplicas`,
                    value: scaling.minReplicas,
                    message: `contradicts ${at}.replicas (${app.replicas})`,
                    requirement: "WL-1",
                    fix: `set only one of them: replicas is the autoscaling floor`,
                });
            } else if (min !== undefined && min > scaling.maxReplicas) {
                problems.push({
                    path: `${at}.autoscaling.maxReplicas`,
                    value: scaling.maxReplicas,
                    message: `is below the autoscaling floor of ${min}`,
                    requirement: "WL-1",
                    fix: `set at least ${min}`,
                });
            }
            if (app.replicas === 0) {
                problems.push({ path: `${at}.replicas`, value: 0, message: "cannot be the floor of an autoscaled app", requirement: "WL-1", fix: "set 1 or more, or remove autoscaling" });
            }
        }
        const replicas = appReplicas(app, env);
        if (env.isProduction && replicas < 2) {
            const path = app.replicas === undefined && scaling?.minReplicas !== undefined ? `${at}.autoscaling.minReplicas` : `${at}.replicas`;
            problems.push({ path, value: replicas, message: "is below the 2 replicas production needs to survive a node loss", requirement: "WL-1", fix: "set 2 or more" });
        }
        if (env.isProduction && scaling !== undefined && scaling.maxReplicas < 2) {
            problems.push({ path: `${at}.autoscaling.maxReplicas`, value: scaling.maxReplicas, message: "is below the 2 replicas production needs", requirement: "WL-1", fix: "set 2 or more" });
        }
        const sockets = app.websocketPaths ?? [];
        if (app.role === "worker" && sockets.length > 0) {
            problems.push({
                path: `${at}.websocketPaths`,
                value: sockets,
                message: "is set on a worker, which takes no traffic",
                requirement: "WL-7",
                fix: `remove it, or set ${at}.role to api or web`,
            });
        }
        if (app.role === "worker" && app.expectsTraffic === true) {
            problems.push({
                path: `${at}.expectsTraffic`,
                value: true,
                message: "is set on a worker, which serves no HTTP requests to count",
                requirement: "OB-1",
                fix: `remove it, or set ${at}.role to api or web`,
            });
        }
        sockets.forEach((p, j) => {
            if (sockets.indexOf(p) !== j) problems.push({ path: `${at}.websocketPaths[${j}]`, value: p, message: "is listed twice", requirement: "WL-7", fix: "list each path once" });
        });
        (app.writablePaths ?? []).forEach((p, j) => {
            if (p === "/") problems.push({ path: `${at}.writablePaths[${j}]`, value: p, message: "would make the whole root filesystem writable", requirement: "SC-5", fix: "list the directories the app writes to" });
        });
    });
    return problems;
}

/** Every workload rule, in the order they are reported. */
export function workloadProblems(raw: RawStackConfig, env: Environment): ConfigProblem[] {
    return [...networkProblems(raw), ...appProblems(raw, env)];
}
