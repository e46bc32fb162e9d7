import { ConfigProblem } from "./problems";
import { usesAwsDatastores } from "./model";
import { DEFAULT_REQUEST_TIMEOUT_ENV, Environment, StackConfig, appReplicas, resolveConfig } from "./resolve";
import { RawStackConfig } from "./schema";

/*
 * Cross-field rules for the workloads: replica counts and autoscaling bounds (WL-1), WebSocket
 * paths (WL-7), and which optional sections a stack needs (network only when something lives in
 * AWS). Runs on schema-valid config, from `crossFieldProblems`.
 */

/** True when a data store lives in AWS, which is what needs a VPC: the model's variants say where they live. */
export function usesAws(model: Pick<StackConfig, "database" | "redis">): boolean {
    return usesAwsDatastores(model);
}

/** What in the stack lives in AWS, for messages. */
function awsReasons(model: Pick<StackConfig, "database" | "redis">): string[] {
    return [
        ...(model.database.inAws ? [`database.engine is ${model.database.engine} (RDS)`] : []),
        ...(model.redis?.inAws ? [`redis.mode is ${model.redis.mode}`] : []),
    ];
}

export function networkProblems(raw: RawStackConfig, model: Pick<StackConfig, "database" | "redis">): ConfigProblem[] {
    if (usesAws(model) && raw.network === undefined) {
        return [
            {
                path: "network",
                message: `is required because ${awsReasons(model).join(" and ")}`,
                requirement: "DB-2",
                fix: "add a runbook:network section (mode: existing with the cluster's vpcId, privateSubnetIds and clusterSecurityGroupIds, or mode: create with peering to the cluster's VPC)",
            },
        ];
    }
    if (!usesAws(model) && raw.network !== undefined) {
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

/** Purposes of the buckets the apps' R2 token reaches (ST-1); the backups bucket is never one. */
export const APP_BUCKET_PURPOSES = ["assets", "uploads"] as const;

/**
 * The env names an app chooses for what the stack builds for it (ST-1, DB-5): the R2 token, which
 * exists only with an assets or uploads bucket; the read replica's URL, which exists only with
 * PostgreSQL and `database.readReplica`. Each name must be its own: not PORT, not a key of `env`, not
 * in `secretRefs`, not chosen twice; a second value under one name would silently win.
 */
export function appSecretEnvProblems(raw: RawStackConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const appBuckets = raw.storage.buckets.filter((b) => (APP_BUCKET_PURPOSES as readonly string[]).includes(b.purpose));
    const postgres = raw.database.engine === "postgres";
    const replica = postgres && raw.database.readReplica === true;
    raw.apps.forEach((app, i) => {
        const at = `apps[${i}]`;
        if (app.r2Env !== undefined && appBuckets.length === 0) {
            problems.push({
                path: `${at}.r2Env`,
                message: "asks for the apps' R2 token, which reaches the assets and uploads buckets, but storage.buckets has neither",
                requirement: "ST-1",
                fix: `add a bucket with purpose: assets or uploads to storage.buckets, or remove ${at}.r2Env`,
            });
        }
        if (app.readerUrlEnv !== undefined && !replica) {
            problems.push({
                path: `${at}.readerUrlEnv`,
                value: app.readerUrlEnv,
                message: postgres ? "asks for the read replica's URL, but database.readReplica is not true" : "asks for a PostgreSQL read replica's URL, but database.engine is mongodb",
                requirement: "DB-5",
                fix: postgres ? `set database.readReplica: true, or remove ${at}.readerUrlEnv` : `remove ${at}.readerUrlEnv`,
            });
        }
        // Every name this app's container gets, with the key that sets it.
        const taken = new Map<string, string>([["PORT", "PORT (set from port)"]]);
        for (const k of Object.keys(app.env ?? {})) taken.set(k, `${at}.env.${k}`);
        (app.secretRefs ?? []).forEach((ref, j) => taken.set(ref, `${at}.secretRefs[${j}]`));
        const chosen: Array<[string, string | undefined]> = [
            [`${at}.readerUrlEnv`, app.readerUrlEnv],
            [`${at}.r2Env.accessKeyId`, app.r2Env?.accessKeyId],
            [`${at}.r2Env.secretAccessKey`, app.r2Env?.secretAccessKey],
            [`${at}.r2Env.endpoint`, app.r2Env?.endpoint],
            ...Object.keys(app.featureFlags ?? {}).map((name): [string, string] => [`${at}.featureFlags.${name}`, `FLAG_${name}`]),
            [`${at}.requestTimeoutEnv`, app.requestTimeoutSeconds !== undefined ? (app.requestTimeoutEnv ?? DEFAULT_REQUEST_TIMEOUT_ENV) : undefined],
        ];
        if (app.requestTimeoutEnv !== undefined && app.requestTimeoutSeconds === undefined) {
            problems.push({
                path: `${at}.requestTimeoutEnv`,
                value: app.requestTimeoutEnv,
                message: "names the variable for the app's request timeout, but requestTimeoutSeconds is not set",
                requirement: "WL-8",
                fix: `set ${at}.requestTimeoutSeconds, or remove ${at}.requestTimeoutEnv`,
            });
        }
        for (const [path, name] of chosen) {
            if (name === undefined) continue;
            const other = taken.get(name);
            if (other !== undefined) {
                problems.push({ path, value: name, message: `is also set by ${other}, and one value would silently replace the other`, requirement: "SC-1", fix: `choose another name, or remove ${other}` });
            } else {
                taken.set(name, path);
            }
        }
    });
    const db = raw.database;
    if (postgres && db.replicaMultiAz !== undefined && db.readReplica !== true) {
        problems.push({
            path: "database.replicaMultiAz",
            value: db.replicaMultiAz,
            message: "applies to the read replica, but database.readReplica is not true",
            requirement: "DB-5",
            fix: "set database.readReplica: true, or remove database.replicaMultiAz",
        });
    }
    return problems;
}

/** Every workload rule, in the order they are reported. */
export function workloadProblems(raw: RawStackConfig, env: Environment, model: StackConfig = resolveConfig(raw, env)): ConfigProblem[] {
    return [...networkProblems(raw, model), ...appProblems(raw, env), ...appSecretEnvProblems(raw)];
}
