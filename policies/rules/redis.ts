import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { DATA_TIER, TIER_LABEL } from "./kubernetes";
import { requirement } from "./meta";
import { UNKNOWN, at, isSet, listAt } from "./props";

/*
 * Redis rules, for ElastiCache and for Redis running in the cluster. The pack cannot import the
 * program's components, so the few shared facts (labels, the config key) are restated here; see
 * components/redis/inCluster.ts.
 */

/** The only policy under which BullMQ never loses a queued job (RD-2). */
const NOEVICTION = "noeviction";
/** The ConfigMap key that holds an in-cluster server's config. */
const REDIS_CONF_KEY = "redis.conf";


export const elasticacheEncryption: ResourceValidationPolicy = {
    name: "elasticache-encryption",
    description: "DB-3: ElastiCache replication groups encrypt data at rest and in transit, and require AUTH (RD-3).",
    enforcementLevel: "mandatory",
    ...requirement("DB-3", "Data encrypted at rest"),
    tags: ["DB-3", "RD-3"],
    validateResource: validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, reportViolation) => {
        const missing: string[] = [];
        for (const flag of ["atRestEncryptionEnabled", "transitEncryptionEnabled"]) {
            const v = at(group, flag);
            if (v !== true && v !== UNKNOWN) missing.push(`${flag}: true`);
        }
        // The token is `[secret]` in a plan, or unknown until RandomPassword runs: presence is what counts.
        // RBAC user groups (userGroupIds) are the other way ElastiCache enforces authentication.
        if (!isSet(at(group, "authToken")) && !isSet(at(group, "authTokenWo")) && !isSet(at(group, "userGroupIds"))) {
            missing.push("authToken (a generated secret) or userGroupIds (RD-3)");
        }
        if (missing.length > 0) {
            reportViolation(`ElastiCache replication group '${args.name}' must set ${missing.join(", ")}.`);
        }
    }),
};

export const elasticacheSnapshotRetention: ResourceValidationPolicy = {
    name: "elasticache-snapshot-retention",
    description: "BK-2: ElastiCache replication groups keep automatic daily snapshots for at least the configured number of days.",
    enforcementLevel: "mandatory",
    ...requirement("BK-2", "Retention: at least 7 days everywhere; 14–30 days for primary data; 30 days PostgreSQL and 7 days Redis in 003"),
    configSchema: {
        properties: {
            minimumDays: { type: "integer", minimum: 1, maximum: 35, default: 1, description: "Shortest snapshot retention, in days. 003 keeps Redis 7 days." },
        },
    },
    validateResource: validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, reportViolation) => {
        const { minimumDays } = args.getConfig<{ minimumDays: number }>();
        // ElastiCache's default, 0, turns automatic snapshots off.
        const days = group.snapshotRetentionLimit ?? 0;
        if (days < minimumDays) {
            reportViolation(
                `ElastiCache replication group '${args.name}' keeps snapshots for ${days} day(s); at least ${minimumDays} required. Set snapshotRetentionLimit: ${minimumDays} or more (redis.snapshotRetentionDays).`,
            );
        }
    }),
};

export const elasticacheMultiAz: ResourceValidationPolicy = {
    name: "elasticache-multi-az",
    description: "RD-1: ElastiCache replication groups run a replica in another AZ with automatic failover.",
    enforcementLevel: "mandatory",
    ...requirement("RD-1", "Redis for queues, rate limits and cache; managed service or cluster"),
    validateResource: validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, reportViolation) => {
        // Cluster mode sizes shards with replicasPerNodeGroup; otherwise numCacheClusters counts primary and replicas.
        const nodesPerShard = group.numCacheClusters ?? 1 + (group.replicasPerNodeGroup ?? 0);
        const missing: string[] = [];
        if (nodesPerShard < 2) missing.push(`a replica (it has ${nodesPerShard} cache cluster(s); set redis.replicas: 1 or more)`);
        if (group.automaticFailoverEnabled !== true) missing.push("automaticFailoverEnabled: true");
        if (group.multiAzEnabled !== true) missing.push("multiAzEnabled: true");
        if (missing.length > 0) {
            reportViolation(`ElastiCache replication group '${args.name}' needs ${missing.join(", ")} so losing a node or an AZ does not take Redis down.`);
        }
    }),
};

/** The value of the last `maxmemory-policy` directive in a redis.conf (the last one wins), or undefined. */
export function maxmemoryPolicyOf(redisConf: string): string | undefined {
    let policy: string | undefined;
    for (const line of redisConf.split(/\r?\n/)) {
        const m = /^\s*maxmemory-policy\s+["']?([A-Za-z-]+)["']?\s*$/i.exec(line);
        if (m) policy = m[1].toLowerCase();
    }
    return policy;
}

/** The last `maxmemory-policy` given as a command-line option (`--maxmemory-policy x`), which overrides the file. */
function maxmemoryPolicyArg(tokens: string[]): string | undefined {
    let policy: string | undefined;
    tokens.forEach((t, i) => {
        if (t.toLowerCase() === "--maxmemory-policy" && i + 1 < tokens.length) policy = tokens[i + 1].toLowerCase();
    });
    return policy;
}

/** The last value of a `maxmemory-policy` entry in a parameter group's parameters; `UNKNOWN` if a preview cannot tell. */
function parameterGroupPolicy(parameterGroup: PolicyResource): string | undefined | typeof UNKNOWN {
    let policy: string | undefined | typeof UNKNOWN;
    for (const p of listAt(parameterGroup.props, "parameters")) {
        const name = at(p, "name");
        if (name === UNKNOWN) policy = UNKNOWN;
        else if (name === "maxmemory-policy") {
            const value = at(p, "value");
            policy = value === UNKNOWN ? UNKNOWN : String(value);
        }
    }
    return policy;
}

/** True when an image is Redis or Valkey from any registry: `redis:7.2.7`, `docker.io/bitnami/redis@sha256:…`, `valkey/valkey:8`. */
export function isRedisImage(image: unknown): boolean {
    if (typeof image !== "string") return false;
    const withoutDigest = image.split("@")[0];
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    const repository = colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
    return ["redis", "valkey", "redis-stack-server"].includes(repository.slice(lastSlash + 1));
}

/** The Redis containers of a workload's pod template. A container whose image is unknown is not judged. */
function redisContainers(workload: unknown): unknown[] {
    const containers = [...listAt(workload, "spec", "template", "spec", "initContainers"), ...listAt(workload, "spec", "template", "spec", "containers")];
    return containers.filter((c) => isRedisImage(at(c, "image")));
}

/** command and args as separate words; a `sh -c "redis-server … --requirepass …"` string is split too. */
function tokensOf(container: unknown): string[] {
    return [...listAt(container, "command"), ...listAt(container, "args")]
        .filter((t): t is string => typeof t === "string")
        .flatMap((t) => t.split(/\s+/))
        .filter((t) => t !== "");
}

const EVICTS = "which evicts queued jobs under memory pressure";
const USE_NOEVICTION = "Declare an aws.elasticache.ParameterGroup with the parameter maxmemory-policy = noeviction and set parameterGroupName to its name.";

export const redisNoeviction: StackValidationPolicy = {
    name: "redis-noeviction",
    description:
        "RD-2: no Redis evicts keys: ElastiCache groups use a parameter group with maxmemory-policy noeviction, and in-cluster servers set it in their redis.conf and do not override it on the command line.",
    enforcementLevel: "mandatory",
    ...requirement("RD-2", "Redis persistence matches queue semantics (no silent eviction or loss of queued jobs)"),
    validateStack: (args, reportViolation) => {
        const parameterGroupsByName = new Map<string, PolicyResource>();
        const replicationGroups: PolicyResource[] = [];
        for (const r of args.resources) {
            if (r.isType(aws.elasticache.ParameterGroup)) {
                const name = at(r.props, "name");
                if (typeof name === "string") parameterGroupsByName.set(name, r);
            } else if (r.isType(aws.elasticache.ReplicationGroup)) {
                replicationGroups.push(r);
            } else if (r.isType(k8s.core.v1.ConfigMap)) {
                checkRedisConfigMap(r, reportViolation);
            } else if (r.isType(k8s.apps.v1.StatefulSet) || r.isType(k8s.apps.v1.Deployment)) {
                checkRedisArgs(r, reportViolation);
            }
        }
        for (const group of replicationGroups) checkReplicationGroup(group, parameterGroupsByName, reportViolation);
    },
};

/**
 * The parameter group a replication group uses: the resource its parameterGroupName comes from
 * (an auto-named group's name is unknown at preview, and under `pulumi up` it is a generated name no
 * declared input carries), or else the declared group of that name.
 */
function checkReplicationGroup(group: PolicyResource, parameterGroupsByName: Map<string, PolicyResource>, reportViolation: ReportViolation): void {
    const name = at(group.props, "parameterGroupName");
    let parameterGroup = group.propertyDependencies["parameterGroupName"]?.find((d) => d.isType(aws.elasticache.ParameterGroup));
    if (parameterGroup === undefined) {
        if (name === UNKNOWN) {
            // Comes from something this stack cannot see into; `pulumi up` re-runs the policy with the name.
            return;
        } else if (typeof name !== "string" || name === "") {
            reportViolation(`ElastiCache replication group '${group.name}' sets no parameterGroupName, so it gets the default group (maxmemory-policy volatile-lru), ${EVICTS}. ${USE_NOEVICTION}`, group.urn);
            return;
        }
        parameterGroup = parameterGroupsByName.get(name);
        if (parameterGroup === undefined) {
            const why = name.startsWith("default.")
                ? `uses the default parameter group '${name}' (maxmemory-policy volatile-lru), ${EVICTS}`
                : `uses parameter group '${name}', which this stack does not declare, so nothing shows it sets noeviction`;
            reportViolation(`ElastiCache replication group '${group.name}' ${why}. ${USE_NOEVICTION}`, group.urn);
            return;
        }
    }
    const policy = parameterGroupPolicy(parameterGroup);
    if (policy === UNKNOWN || policy === NOEVICTION) return;
    const setting = policy === undefined ? "leaves maxmemory-policy at the family default (volatile-lru)" : `sets maxmemory-policy ${policy}`;
    reportViolation(`ElastiCache parameter group '${parameterGroup.name}' of '${group.name}' ${setting}, ${EVICTS}. Add the parameter maxmemory-policy = noeviction.`, parameterGroup.urn);
}

/**
 * The in-cluster server's config is a data-tier ConfigMap with a redis.conf key. An app's private
 * cache (another tier) may evict; the data tier holds the queues and may not. An absent directive
 * is a violation too: the policy must be explicit, not a default that a distribution may change.
 */
function checkRedisConfigMap(configMap: PolicyResource, reportViolation: ReportViolation): void {
    if (at(configMap.props, "metadata", "labels", TIER_LABEL) !== DATA_TIER) return;
    const conf = at(configMap.props, "data", REDIS_CONF_KEY);
    if (typeof conf !== "string") return;
    const policy = maxmemoryPolicyOf(conf);
    if (policy === NOEVICTION) return;
    const setting = policy === undefined ? "does not set maxmemory-policy" : `sets maxmemory-policy ${policy}`;
    reportViolation(`Redis config '${configMap.name}' ${setting}, ${EVICTS}. Add the line 'maxmemory-policy noeviction' to ${REDIS_CONF_KEY}.`, configMap.urn);
}

/** A command-line option overrides redis.conf, so an evicting `--maxmemory-policy` undoes the file. */
function checkRedisArgs(workload: PolicyResource, reportViolation: ReportViolation): void {
    for (const c of redisContainers(workload.props)) {
        const policy = maxmemoryPolicyArg(tokensOf(c));
        if (policy !== undefined && policy !== NOEVICTION) {
            reportViolation(`Redis container '${at(c, "name")}' of '${workload.name}' starts with --maxmemory-policy ${policy}, ${EVICTS}. Remove the option or set noeviction.`, workload.urn);
        }
    }
}

/*
 * RD-3 for ElastiCache is part of elasticache-encryption (the auth token needs transit encryption
 * anyway); this policy covers Redis that the stack runs itself.
 */
export const redisRequiresAuth: ResourceValidationPolicy = {
    name: "redis-requires-auth",
    description:
        "RD-3: an in-cluster Redis starts with --requirepass $(VAR), VAR set from a Kubernetes Secret, so it refuses unauthenticated clients and no password sits in the pod spec.",
    enforcementLevel: "mandatory",
    ...requirement("RD-3", "Redis requires authentication"),
    validateResource: [
        validateResourceOfType(k8s.apps.v1.StatefulSet, (workload, args, reportViolation) => checkRedisAuth(workload, args.name, reportViolation)),
        validateResourceOfType(k8s.apps.v1.Deployment, (workload, args, reportViolation) => checkRedisAuth(workload, args.name, reportViolation)),
    ],
};

const SET_PASSWORD = "Add args '--requirepass $(REDIS_PASSWORD)' and set REDIS_PASSWORD with valueFrom.secretKeyRef";

function checkRedisAuth(workload: unknown, name: string, reportViolation: ReportViolation): void {
    for (const c of redisContainers(workload)) {
        const container = `Redis container '${at(c, "name")}' of '${name}'`;
        const tokens = tokensOf(c);
        const flag = tokens.findIndex((t) => t.toLowerCase() === "--requirepass");
        if (flag < 0 || flag + 1 >= tokens.length) {
            reportViolation(`${container} starts without --requirepass, so it serves unauthenticated clients. ${SET_PASSWORD}.`);
            continue;
        }
        // $(VAR) is expanded by Kubernetes; $VAR and ${VAR} by a shell in `sh -c`.
        const reference = /^["']?\$(?:\(([A-Za-z_]\w*)\)|\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))["']?$/.exec(tokens[flag + 1]);
        if (reference === null) {
            reportViolation(`${container} passes a literal password to --requirepass, readable by anyone who can read the pod spec (SC-1). ${SET_PASSWORD}.`);
            continue;
        }
        const variable = reference[1] ?? reference[2] ?? reference[3];
        const env = listAt(c, "env").find((e) => at(e, "name") === variable);
        const fromSecret =
            env !== undefined ? isSet(at(env, "valueFrom", "secretKeyRef")) : listAt(c, "envFrom").some((e) => isSet(at(e, "secretRef")));
        if (!fromSecret) {
            reportViolation(`${container} takes its password from ${variable}, which is not set from a Secret. Set ${variable} with valueFrom.secretKeyRef.`);
        }
    }
}
