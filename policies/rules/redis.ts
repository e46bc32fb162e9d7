import type * as aws from "@pulumi/aws";
import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, describeDefaults, forEnvironment, forTypes, guidance, isProductionUrn, outsideProductionSchema, reportAt, requirement, resourceClass, validateResourceOfType } from "./meta";
import { UNKNOWN, at, isSet, knownNumber, knownString, listAt } from "./props";
import { WORKLOAD_TYPES, containersOf, imageName, isWorkload, namespaceOf, podSpec, tokensOf } from "./workloadShape";
import { AWS_ELASTICACHE_PARAMETER_GROUP, AWS_ELASTICACHE_REPLICATION_GROUP, DATA_TIER, K8S_CONFIG_MAP, TIER_LABEL } from "./vocabulary";

/** Resource classes by type token; the provider SDK is imported for its types only (see resourceClass). */
export const ReplicationGroup = resourceClass<aws.elasticache.ReplicationGroup, aws.elasticache.ReplicationGroupArgs>(AWS_ELASTICACHE_REPLICATION_GROUP);

/*
 * Redis rules, for ElastiCache and for Redis running in the cluster. The pack cannot import the
 * program's components, so the few shared facts (labels, the config key) are restated here; see
 * components/redis/inCluster.ts. An in-cluster Redis is recognised by its image, whatever kind of
 * workload runs it and whatever its labels say.
 */

/** The only policy under which BullMQ never loses a queued job (RD-2). */
const NOEVICTION = "noeviction";
/** The ConfigMap key that holds an in-cluster server's config. */
const REDIS_CONF_KEY = "redis.conf";

function show(value: unknown): string {
    return value === undefined ? "not set" : JSON.stringify(value);
}

export const elasticacheEncryption: ResourceValidationPolicy = {
    name: "elasticache-encryption",
    description: "DB-3: ElastiCache replication groups encrypt data at rest and in transit (transit encryption mode required, not preferred), and require AUTH (RD-3).",
    enforcementLevel: "mandatory",
    ...requirement(["DB-3", "RD-3"], "Data encrypted at rest"),
    ...guidance("critical", "Set atRestEncryptionEnabled: true, transitEncryptionEnabled: true with transitEncryptionMode unset or 'required', and authToken from a random.RandomPassword (or userGroupIds)."),
    validateResource: validateResourceOfType(ReplicationGroup, (group, args, reportViolation) => {
        const missing: string[] = [];
        for (const flag of ["atRestEncryptionEnabled", "transitEncryptionEnabled"]) {
            const v = at(group, flag);
            if (v === UNKNOWN) cannotCheckYet(reportViolation, "elasticache-encryption", args.urn, `${flag} of '${args.name}'`);
            else if (v !== true) missing.push(`${flag}: true`);
        }
        // "preferred" accepts clients without TLS: a migration step, never a resting state.
        const mode = at(group, "transitEncryptionMode");
        if (mode === UNKNOWN) cannotCheckYet(reportViolation, "elasticache-encryption", args.urn, `transitEncryptionMode of '${args.name}'`);
        else if (mode !== undefined && mode !== null && String(mode).toLowerCase() !== "required") missing.push(`transitEncryptionMode: required (it is ${JSON.stringify(mode)}, which admits clients without TLS)`);
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

const MINIMUM_SNAPSHOT_DAYS = { production: 7, other: 1 };
const REQUIRE_FINAL_SNAPSHOT = { production: true, other: false };

export const elasticacheSnapshotRetention: ResourceValidationPolicy = {
    name: "elasticache-snapshot-retention",
    description: "BK-2: ElastiCache replication groups keep automatic daily snapshots for at least the configured number of days (7 in production, 1 elsewhere), and in production take a final snapshot when deleted (DB-6).",
    enforcementLevel: "mandatory",
    ...requirement(["BK-2", "DB-6"], "Retention: at least 7 days everywhere; 14–30 days for primary data; 30 days PostgreSQL and 7 days Redis in 003"),
    ...guidance("high", "Set snapshotRetentionLimit (redis.snapshotRetentionDays) to the minimum or more, and a unique finalSnapshotIdentifier."),
    configSchema: {
        properties: {
            minimumDays: { type: "integer", minimum: 1, maximum: 35, description: `Shortest snapshot retention, in days. ${describeDefaults(MINIMUM_SNAPSHOT_DAYS)}` },
            requireFinalSnapshot: { type: "boolean", description: `Require finalSnapshotIdentifier. ${describeDefaults(REQUIRE_FINAL_SNAPSHOT)}` },
        },
    },
    validateResource: validateResourceOfType(ReplicationGroup, (group, args, reportViolation) => {
        const config = args.getConfig<{ minimumDays?: number; requireFinalSnapshot?: boolean }>();
        const production = isProductionUrn(args.urn);
        const minimumDays = forEnvironment(config.minimumDays, production, MINIMUM_SNAPSHOT_DAYS);
        const problems: string[] = [];
        const limit = at(group, "snapshotRetentionLimit");
        if (limit === UNKNOWN) cannotCheckYet(reportViolation, "elasticache-snapshot-retention", args.urn, `snapshotRetentionLimit of '${args.name}'`);
        else {
            // ElastiCache's default, 0, turns automatic snapshots off.
            const days = limit === undefined || limit === null ? 0 : (knownNumber(limit) ?? 0);
            if (days < minimumDays) problems.push(`keeps snapshots for ${days} day(s); at least ${minimumDays} required. Set snapshotRetentionLimit: ${minimumDays} or more (redis.snapshotRetentionDays)`);
        }
        if (forEnvironment(config.requireFinalSnapshot, production, REQUIRE_FINAL_SNAPSHOT) && !isSet(at(group, "finalSnapshotIdentifier"))) {
            problems.push("takes no final snapshot when deleted. Set a unique finalSnapshotIdentifier");
        }
        if (problems.length > 0) reportViolation(`ElastiCache replication group '${args.name}' ${problems.join("; it also ")}.`);
    }),
};

export const elasticacheMultiAz: ResourceValidationPolicy = {
    name: "elasticache-multi-az",
    description: "RD-1: ElastiCache replication groups run a replica in another AZ with automatic failover in production (advisory elsewhere).",
    enforcementLevel: "mandatory",
    ...requirement("RD-1", "Redis for queues, rate limits and cache; managed service or cluster"),
    ...guidance("high", "Set redis.replicas: 1 or more, automaticFailoverEnabled: true and multiAzEnabled: true."),
    configSchema: { properties: { outsideProduction: outsideProductionSchema("advisory") } },
    validateResource: validateResourceOfType(ReplicationGroup, (group, args, reportViolation) => {
        const { outsideProduction = "advisory" } = args.getConfig<{ outsideProduction?: "mandatory" | "advisory" | "disabled" }>();
        const production = isProductionUrn(args.urn);
        if (!production && outsideProduction === "disabled") args.notApplicable("not production");
        const report = reportAt(reportViolation, production ? undefined : outsideProduction, "elasticache-multi-az");
        const clusters = at(group, "numCacheClusters");
        const replicas = at(group, "replicasPerNodeGroup");
        const failover = at(group, "automaticFailoverEnabled");
        const multiAz = at(group, "multiAzEnabled");
        if ([clusters, replicas, failover, multiAz].includes(UNKNOWN)) cannotCheckYet(reportViolation, "elasticache-multi-az", args.urn, `the replicas and failover settings of '${args.name}'`);
        // Cluster mode sizes shards with replicasPerNodeGroup; otherwise numCacheClusters counts primary and replicas.
        const nodesPerShard = knownNumber(clusters) ?? 1 + (knownNumber(replicas) ?? 0);
        const missing: string[] = [];
        if (clusters !== UNKNOWN && replicas !== UNKNOWN && nodesPerShard < 2) missing.push(`a replica (it has ${nodesPerShard} cache cluster(s); set redis.replicas: 1 or more)`);
        if (failover !== UNKNOWN && failover !== true) missing.push(`automaticFailoverEnabled: true (it is ${show(failover)})`);
        if (multiAz !== UNKNOWN && multiAz !== true) missing.push(`multiAzEnabled: true (it is ${show(multiAz)})`);
        if (missing.length > 0) {
            report(`ElastiCache replication group '${args.name}' needs ${missing.join(", ")} so losing a node or an AZ does not take Redis down.`, args.urn);
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
    return ["redis", "valkey", "redis-stack-server", "keydb"].includes(imageName(image) ?? "");
}

const REDIS_SERVERS = new Set(["redis-server", "valkey-server", "keydb-server"]);

/** True when a container runs a Redis server: a Redis image, or a redis-server command in any image. */
function isRedisServer(container: unknown): boolean {
    const tokens = tokensOf(container).map((t) => t.replace(/^["']|["']$/g, "").split("/").pop() ?? t);
    if (tokens.some((t) => REDIS_SERVERS.has(t))) return true;
    const clientOnly = tokens.some((t) => t === "redis-cli" || t === "valkey-cli");
    return isRedisImage(at(container, "image")) && !clientOnly;
}

/** The Redis server containers of any workload, init containers included. */
function redisContainers(type: string, props: unknown): Array<{ value: unknown; name: string }> {
    return containersOf(podSpec(type, props)).filter((c) => c.kind !== "ephemeral container" && isRedisServer(c.value));
}

/** Names of the ConfigMaps a workload mounts. */
function mountedConfigMaps(type: string, props: unknown): string[] {
    return listAt(podSpec(type, props), "volumes")
        .map((v) => at(v, "configMap", "name"))
        .filter((n): n is string => typeof n === "string");
}

const EVICTS = "which evicts queued jobs under memory pressure";
const USE_NOEVICTION = "Declare an aws.elasticache.ParameterGroup with the parameter maxmemory-policy = noeviction and set parameterGroupName to it.";

export const redisNoeviction: StackValidationPolicy = {
    name: "redis-noeviction",
    description:
        "RD-2: no Redis evicts keys: ElastiCache groups use a parameter group with maxmemory-policy noeviction, and in-cluster servers (any workload running Redis) set it in their redis.conf and do not override it on the command line.",
    enforcementLevel: "mandatory",
    ...requirement("RD-2", "Redis persistence matches queue semantics (no silent eviction or loss of queued jobs)"),
    ...guidance("high", "Use a parameter group (ElastiCache) or redis.conf (in the cluster) with maxmemory-policy noeviction, and no --maxmemory-policy option that overrides it."),
    validateStack: (args, reportViolation) => {
        const parameterGroupsByName = new Map<string, PolicyResource>();
        const replicationGroups: PolicyResource[] = [];
        const configMaps: PolicyResource[] = [];
        const redisConfigMaps = new Set<string>();
        for (const r of args.resources) {
            if (r.type === AWS_ELASTICACHE_PARAMETER_GROUP) {
                const name = at(r.props, "name");
                if (typeof name === "string") parameterGroupsByName.set(name, r);
            } else if (r.type === AWS_ELASTICACHE_REPLICATION_GROUP) {
                replicationGroups.push(r);
            } else if (r.type === K8S_CONFIG_MAP) {
                configMaps.push(r);
            } else if (isWorkload(r.type) && redisContainers(r.type, r.props).length > 0) {
                checkRedisArgs(r, reportViolation);
                for (const name of mountedConfigMaps(r.type, r.props)) redisConfigMaps.add(`${namespaceOf(r.props)}/${name}`);
            }
        }
        for (const cm of configMaps) {
            const key = `${namespaceOf(cm.props)}/${knownString(at(cm.props, "metadata", "name")) ?? ""}`;
            if (at(cm.props, "metadata", "labels", TIER_LABEL) === DATA_TIER || redisConfigMaps.has(key)) checkRedisConfigMap(cm, reportViolation);
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
    let parameterGroup = group.propertyDependencies["parameterGroupName"]?.find((d) => d.type === AWS_ELASTICACHE_PARAMETER_GROUP);
    if (parameterGroup === undefined) {
        if (name === UNKNOWN) {
            cannotCheckYet(reportViolation, "redis-noeviction", group.urn, `the parameter group of ElastiCache replication group '${group.name}'`);
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
    if (policy === NOEVICTION) return;
    if (policy === UNKNOWN) {
        cannotCheckYet(reportViolation, "redis-noeviction", parameterGroup.urn, `maxmemory-policy in parameter group '${parameterGroup.name}'`);
        return;
    }
    const setting = policy === undefined ? "leaves maxmemory-policy at the family default (volatile-lru)" : `sets maxmemory-policy ${policy}`;
    reportViolation(`ElastiCache parameter group '${parameterGroup.name}' of '${group.name}' ${setting}, ${EVICTS}. Add the parameter maxmemory-policy = noeviction.`, parameterGroup.urn);
}

/**
 * The in-cluster server's config is a ConfigMap with a redis.conf key, in the data tier or mounted
 * by a Redis server. An app's private cache (another tier, not mounted by a server the stack runs)
 * may evict; the data tier holds the queues and may not. An absent directive is a violation too:
 * the policy must be explicit, not a default that a distribution may change.
 */
function checkRedisConfigMap(configMap: PolicyResource, reportViolation: ReportViolation): void {
    const conf = at(configMap.props, "data", REDIS_CONF_KEY);
    if (conf === UNKNOWN) {
        cannotCheckYet(reportViolation, "redis-noeviction", configMap.urn, `${REDIS_CONF_KEY} of ConfigMap '${configMap.name}'`);
        return;
    }
    if (typeof conf !== "string") return;
    const policy = maxmemoryPolicyOf(conf);
    if (policy === NOEVICTION) return;
    const setting = policy === undefined ? "does not set maxmemory-policy" : `sets maxmemory-policy ${policy}`;
    reportViolation(`Redis config '${configMap.name}' ${setting}, ${EVICTS}. Add the line 'maxmemory-policy noeviction' to ${REDIS_CONF_KEY}.`, configMap.urn);
}

/** A command-line option overrides redis.conf, so an evicting `--maxmemory-policy` undoes the file. */
function checkRedisArgs(workload: PolicyResource, reportViolation: ReportViolation): void {
    for (const c of redisContainers(workload.type, workload.props)) {
        const policy = maxmemoryPolicyArg(tokensOf(c.value));
        if (policy !== undefined && policy !== NOEVICTION) {
            reportViolation(`Redis container '${c.name}' of '${workload.name}' starts with --maxmemory-policy ${policy}, ${EVICTS}. Remove the option or set noeviction.`, workload.urn);
        }
    }
}

/*
 * RD-3 for ElastiCache is part of elasticache-encryption (the auth token needs transit encryption
 * anyway); this policy covers Redis that the stack runs itself, in any kind of workload.
 */
export const redisRequiresAuth: ResourceValidationPolicy = {
    name: "redis-requires-auth",
    description:
        "RD-3: every in-cluster Redis server (recognised by image or command, in any workload) starts with --requirepass $(VAR), VAR set from a Kubernetes Secret, so it refuses unauthenticated clients and no password sits in the pod spec.",
    enforcementLevel: "mandatory",
    ...requirement("RD-3", "Redis requires authentication"),
    ...guidance("critical", "Add args '--requirepass $(REDIS_PASSWORD)' and set REDIS_PASSWORD with valueFrom.secretKeyRef."),
    validateResource: forTypes(WORKLOAD_TYPES, (args, reportViolation) => checkRedisAuth(args.type, args.props, args.name, reportViolation)),
};

const SET_PASSWORD = "Add args '--requirepass $(REDIS_PASSWORD)' and set REDIS_PASSWORD with valueFrom.secretKeyRef";

function checkRedisAuth(type: string, props: unknown, name: string, reportViolation: ReportViolation): void {
    for (const c of redisContainers(type, props)) {
        const container = `Redis container '${c.name}' of '${name}'`;
        const tokens = tokensOf(c.value);
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
        const env = listAt(c.value, "env").find((e) => at(e, "name") === variable);
        const fromSecret =
            env !== undefined ? isSet(at(env, "valueFrom", "secretKeyRef")) : listAt(c.value, "envFrom").some((e) => isSet(at(e, "secretRef")));
        if (!fromSecret) {
            reportViolation(`${container} takes its password from ${variable}, which is not set from a Secret. Set ${variable} with valueFrom.secretKeyRef.`);
        }
    }
}
