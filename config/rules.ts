import { customAlertProblems } from "./customAlerts";
import { Ipv4Cidr, cidrWithin, cidrsOverlap, parseCidr } from "../lib/cidr";
import { cpuMillis, memoryMiB } from "../lib/quantities";
import { windowsOverlap } from "../lib/windows";
import { ConfigProblem } from "./problems";
import { DEFAULT_VPC_CIDR, READER_URL_KEY, connectionEnvNames } from "./model";
import { Environment, StackConfig, resolveConfig } from "./resolve";
import { alertProblems } from "./rulesAlerts";
import { RawStackConfig } from "./schema";
import { usesAws, workloadProblems } from "./rulesApps";
import { edgeProblems } from "./rulesEdge";
import { backupProblems } from "./rulesBackups";
import { logProblems } from "./rulesLogs";

export { READER_URL_KEY };

/**
 * Connection strings the data tier writes into the environment's Secret: the database's, the read
 * replica's with PostgreSQL's readReplica (DB-5; apps name their env for it with readerUrlEnv), and
 * REDIS_URL only with Redis. For raw, unvalidated values (the offline plan's placeholders); validated
 * config reads them off the model (connectionEnvNames in config/model.ts).
 */
export function generatedSecretNames(raw: Pick<RawStackConfig, "database" | "redis">): string[] {
    const replica = raw.database.engine === "postgres" && raw.database.readReplica === true ? [READER_URL_KEY] : [];
    return [raw.database.engine === "postgres" ? "DATABASE_URL" : "MONGODB_URI", ...replica, ...(raw.redis ? ["REDIS_URL"] : [])];
}

const POSTGRES_ONLY = ["instanceClass", "allocatedStorageGb", "maxAllocatedStorageGb", "multiAz", "readReplica", "replicaMultiAz", "slowQueryMs", "backupWindow", "maintenanceWindow"] as const;
const MONGODB_ONLY = ["members", "storageGb"] as const;
const ELASTICACHE_ONLY = ["engine", "nodeType", "replicas", "multiAz", "snapshotWindow"] as const;
const IN_CLUSTER_ONLY = ["storageGb"] as const;

/**
 * The keys that belong to one variant of a section (config/model.ts resolves each variant), by the
 * value of the section's selector. A new datastore or mode adds its entry here.
 */
const VARIANT_ONLY_KEYS: ReadonlyArray<{ section: string; selector: string; keys: Readonly<Record<string, readonly string[]>> }> = [
    { section: "database", selector: "engine", keys: { postgres: POSTGRES_ONLY, mongodb: MONGODB_ONLY } },
    { section: "redis", selector: "mode", keys: { elasticache: ELASTICACHE_ONLY, "in-cluster": IN_CLUSTER_ONLY } },
    { section: "network", selector: "mode", keys: { create: ["vpcCidr", "azCount", "availabilityZones", "peering"], existing: ["vpcId", "privateSubnetIds"] } },
];

function onlyFor(
    section: string,
    values: Record<string, unknown>,
    keys: readonly string[],
    selector: string,
    selected: string,
    belongsTo: string,
): ConfigProblem[] {
    return keys
        .filter((k) => values[k] !== undefined)
        .map((k) => ({
            path: `${section}.${k}`,
            value: values[k],
            message: `only applies to ${selector} ${belongsTo}, but ${section}.${selector} is ${selected}`,
            fix: `remove ${section}.${k}, or set ${section}.${selector}: ${belongsTo}`,
        }));
}

function section(values: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
    const v = values[key];
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Keys that contradict the chosen engine or mode, such as `instanceClass` with `engine: mongodb`.
 * These only need the keys to be present, so they are checked even when other values are invalid.
 */
export function contradictions(values: Record<string, unknown>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const { section: name, selector, keys } of VARIANT_ONLY_KEYS) {
        const given = section(values, name);
        const selected = given?.[selector];
        if (given === undefined || typeof selected !== "string" || !Object.prototype.hasOwnProperty.call(keys, selected)) continue;
        for (const [belongsTo, only] of Object.entries(keys)) {
            if (belongsTo !== selected) problems.push(...onlyFor(name, given, only, selector, selected, belongsTo));
        }
    }
    return problems;
}

/**
 * Rules that span several keys or depend on the environment. Runs only on schema-valid config, and
 * reads every default from the resolved model (`resolveConfig`), never restating one; see also `contradictions`.
 */
export function crossFieldProblems(raw: RawStackConfig, env: Environment, model: StackConfig = resolveConfig(raw, env)): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const db = raw.database;
    if (model.database.engine === "mongodb") {
        const members = model.database.members;
        if (env.isProduction && members < 3) {
            problems.push({ path: "database.members", value: members, message: "is below the 3 members a production replica set needs", requirement: "DB-1", fix: "set 3, 5 or 7" });
        } else if (members > 1 && members % 2 === 0) {
            problems.push({ path: "database.members", value: members, message: "is even, so a split vote can leave no primary", requirement: "DB-1", fix: "set an odd number: 1, 3, 5 or 7" });
        }
    } else {
        if (db.allocatedStorageGb !== undefined && db.maxAllocatedStorageGb !== undefined && db.maxAllocatedStorageGb < db.allocatedStorageGb) {
            problems.push({
                path: "database.maxAllocatedStorageGb",
                value: db.maxAllocatedStorageGb,
                message: `is below database.allocatedStorageGb (${db.allocatedStorageGb})`,
                fix: `set at least ${db.allocatedStorageGb}`,
            });
        }
        const { backupWindow, maintenanceWindow } = model.database;
        if (windowsOverlap(backupWindow, maintenanceWindow)) {
            problems.push({
                path: "database.maintenanceWindow",
                value: maintenanceWindow,
                message: `overlaps the backup window ${backupWindow}`,
                requirement: "BK-1",
                fix: "move one of the two windows so they do not overlap",
            });
        }
    }

    const redis = raw.redis;
    if (model.redis?.mode === "elasticache") {
        if (env.isProduction && model.redis.replicas < 1) {
            problems.push({ path: "redis.replicas", value: model.redis.replicas, message: "leaves production Redis without a failover target", requirement: "RD-1", fix: "set 1 or more" });
        }
        if (env.isProduction && !model.redis.multiAz) {
            problems.push({ path: "redis.multiAz", value: false, message: "is not allowed in production", requirement: "RD-1", fix: "remove it or set true" });
        }
    }
    if (redis?.maxmemoryPolicy !== undefined && redis.maxmemoryPolicy !== "noeviction") {
        problems.push({
            path: "redis.maxmemoryPolicy",
            value: redis.maxmemoryPolicy,
            message: "evicts keys, and BullMQ queues silently lose jobs under any evicting policy",
            requirement: "RD-2",
            fix: "set noeviction or remove the key",
        });
    }

    const appNames = raw.apps.map((a) => a.name);
    const generated = connectionEnvNames(model);
    for (const key of Object.keys(raw.secrets ?? {}).filter((k) => generated.includes(k))) {
        problems.push({
            path: `secrets.${key}`,
            message: "is a connection string the stack builds itself, so the value set here would never reach an app",
            requirement: "SC-1",
            fix: `pulumi config rm --path 'runbook:secrets.${key}'`,
        });
    }
    const secretNames = new Set([...Object.keys(raw.secrets ?? {}), ...generated]);
    raw.apps.forEach((app, i) => {
        if (appNames.indexOf(app.name) !== i) {
            problems.push({ path: `apps[${i}].name`, value: app.name, message: "is used by another app", fix: "give every app a unique name" });
        }
        (app.secretRefs ?? []).forEach((ref, j) => {
            if (ref === "REDIS_URL" && raw.redis === undefined) {
                problems.push({
                    path: `apps[${i}].secretRefs[${j}]`,
                    value: ref,
                    message: `asks app '${app.name}' for REDIS_URL, but the stack declares no redis`,
                    requirement: "RD-1",
                    fix: "add a runbook:redis section (mode: in-cluster or elasticache), or remove REDIS_URL from the app's secretRefs",
                });
            } else if (!secretNames.has(ref)) {
                problems.push({
                    path: `apps[${i}].secretRefs[${j}]`,
                    value: ref,
                    message: "names no secret",
                    requirement: "SC-1",
                    fix: `add it with: pulumi config set --secret --path 'runbook:secrets.${ref}' <value>, or use one of ${[...secretNames].sort().join(", ")}`,
                });
            }
        });
        const r = app.resources ?? {};
        if (r.cpuRequest && r.cpuLimit && cpuMillis(r.cpuLimit) < cpuMillis(r.cpuRequest)) {
            problems.push({ path: `apps[${i}].resources.cpuLimit`, value: r.cpuLimit, message: `is below the request ${r.cpuRequest}`, requirement: "WL-4", fix: "set a limit at or above the request" });
        }
        if (r.memoryRequest && r.memoryLimit && memoryMiB(r.memoryLimit) < memoryMiB(r.memoryRequest)) {
            problems.push({ path: `apps[${i}].resources.memoryLimit`, value: r.memoryLimit, message: `is below the request ${r.memoryRequest}`, requirement: "WL-4", fix: "set a limit at or above the request" });
        }
        for (const key of Object.keys(app.env ?? {})) {
            if (secretNames.has(key) || (app.secretRefs ?? []).includes(key)) {
                problems.push({ path: `apps[${i}].env.${key}`, message: "is also a secret; a plain value would shadow the Secret", requirement: "SC-1", fix: `remove apps[${i}].env.${key} and list it in secretRefs` });
            }
        }
    });

    const bucketNames = raw.storage.buckets.map((b) => b.name);
    raw.storage.buckets.forEach((bucket, i) => {
        if (bucketNames.indexOf(bucket.name) !== i) {
            problems.push({ path: `storage.buckets[${i}].name`, value: bucket.name, message: "is used by another bucket", fix: "give every bucket a unique name" });
        }
        if (bucket.purpose === "backups" && bucket.publicHost !== undefined) {
            problems.push({ path: `storage.buckets[${i}].publicHost`, value: bucket.publicHost, message: "would make a backups bucket public", requirement: "ST-3", fix: "remove publicHost from backups buckets" });
        }
        const lc = bucket.lifecycle;
        if (lc?.expireAfterDays !== undefined && lc.infrequentAccessAfterDays !== undefined && lc.infrequentAccessAfterDays >= lc.expireAfterDays) {
            problems.push({
                path: `storage.buckets[${i}].lifecycle.infrequentAccessAfterDays`,
                value: lc.infrequentAccessAfterDays,
                message: `is not before expireAfterDays (${lc.expireAfterDays}), so objects are deleted before they move`,
                requirement: "ST-2",
                fix: "set it below expireAfterDays or remove it",
            });
        }
    });
    const backupBucket = raw.storage.buckets.find((b) => b.name === raw.backups.bucket);
    if (!backupBucket) {
        problems.push({
            path: "backups.bucket",
            value: raw.backups.bucket,
            message: "names no bucket in storage.buckets",
            requirement: "BK-3",
            fix: `add a bucket with purpose: backups, or use one of ${bucketNames.join(", ")}`,
        });
    } else if (backupBucket.purpose !== "backups") {
        problems.push({ path: "backups.bucket", value: raw.backups.bucket, message: `is a ${backupBucket.purpose} bucket`, requirement: "BK-3", fix: "point it at a bucket with purpose: backups" });
    } else {
        const retention = model.backups.retentionDays;
        const expire = backupBucket.lifecycle?.expireAfterDays;
        if (expire !== undefined && expire < retention) {
            const index = raw.storage.buckets.indexOf(backupBucket);
            problems.push({
                path: `storage.buckets[${index}].lifecycle.expireAfterDays`,
                value: expire,
                message: `deletes backups before backups.retentionDays (${retention})`,
                requirement: "BK-2",
                fix: `set at least ${retention} or remove it`,
            });
        } else if (expire !== undefined) {
            // The backups bucket expires each datastore prefix at its own retention (BK-2, BK-4).
            const index = raw.storage.buckets.indexOf(backupBucket);
            problems.push({
                path: `storage.buckets[${index}].lifecycle.expireAfterDays`,
                value: expire,
                message: "does not apply to the backups bucket, which expires each datastore prefix at its own retention",
                requirement: "BK-2",
                fix: "remove it and set backups.retentionDays or backups.prefixRetentionDays",
            });
        }
    }

    raw.edge.hosts.forEach((h, i) => {
        const app = raw.apps.find((a) => a.name === h.app);
        if (!app) {
            problems.push({ path: `edge.hosts[${i}].app`, value: h.app, message: "names no app", fix: `use one of ${appNames.join(", ")}` });
        } else if (app.role === "worker") {
            problems.push({ path: `edge.hosts[${i}].app`, value: h.app, message: "is a worker, which takes no traffic", fix: "point the host at an api or web app" });
        }
        if (h.host !== raw.edge.zone && !h.host.endsWith(`.${raw.edge.zone}`)) {
            problems.push({ path: `edge.hosts[${i}].host`, value: h.host, message: `is outside the zone ${raw.edge.zone}`, fix: `use a name under ${raw.edge.zone}` });
        }
    });

    problems.push(...dnsEgressProblems(raw));
    if (raw.network) problems.push(...networkReachabilityProblems(raw.network, env));
    problems.push(...providerProblems(raw, env, model));
    problems.push(...workloadProblems(raw, env, model));
    problems.push(...edgeProblems(raw, env));
    problems.push(...alertProblems(raw, env, model));
    problems.push(...customAlertProblems(raw));
    problems.push(...backupProblems(raw, env));
    problems.push(...logProblems(raw, env));
    return problems;
}

/** Ranges a cluster's DNS can live in: private (RFC 1918), shared (RFC 6598, pod networks) and link-local (node-local caches). */
const NON_PUBLIC_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"].map((c) => parseCidr(c));

/** SC-5: DNS egress reaches the cluster's own resolvers, never the internet (port 53 out is a tunnel). */
function dnsEgressProblems(raw: RawStackConfig): ConfigProblem[] {
    return (raw.kubernetes.dnsEgress?.cidrs ?? []).flatMap((c, i) => {
        const path = `kubernetes.dnsEgress.cidrs[${i}]`;
        const parsed = tryCidr(c);
        if (!parsed) return [{ path, value: c, message: "is not a network address (its host bits are set)", fix: "use the address with /32, such as 169.254.20.10/32" }];
        if (!NON_PUBLIC_RANGES.some((r) => cidrWithin(parsed, r))) {
            return [{ path, value: c, message: "lets every pod send DNS queries outside the cluster", requirement: "SC-5", fix: "list the cluster's own DNS addresses (private or link-local), such as NodeLocal DNSCache's 169.254.20.10/32" }];
        }
        return [];
    });
}

/**
 * The explicit providers: AWS settings exactly when something lives in AWS, pinned to the stack's
 * accounts in production, and zones that belong to the region.
 */
export function providerProblems(raw: RawStackConfig, env: Environment, model: StackConfig = resolveConfig(raw, env)): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const aws = raw.providers.aws;
    if (usesAws(model) && aws === undefined) {
        problems.push({
            path: "providers.aws",
            message: "is required because a data store lives in AWS",
            fix: "set providers.aws.region (and providers.aws.allowedAccountIds, required in production)",
        });
    }
    if (env.isProduction && aws !== undefined && aws.allowedAccountIds === undefined) {
        problems.push({
            path: "providers.aws.allowedAccountIds",
            message: "is required in production, so production's AWS resources can only ever be changed in production's account",
            fix: "list the production AWS account ID, such as [\"123456789012\"]",
        });
    }
    (raw.network?.availabilityZones ?? []).forEach((zone, i) => {
        if (aws !== undefined && !(zone.startsWith(aws.region) && /^[a-z]$/.test(zone.slice(aws.region.length)))) {
            problems.push({ path: `network.availabilityZones[${i}]`, value: zone, message: `is not a zone of providers.aws.region (${aws.region})`, requirement: "DB-2", fix: `use zones such as ${aws.region}a` });
        }
    });
    return problems;
}

function tryCidr(c: string): Ipv4Cidr | undefined {
    try {
        return parseCidr(c);
    } catch {
        return undefined;
    }
}

const REACH_FIX =
    "add network.peering (the cluster's VPC ID, its CIDR and the route tables of its node subnets), or set network.mode: existing with the cluster's VPC, private subnets and network.clusterSecurityGroupIds";

/**
 * DB-2 reachability: the data tier must be somewhere the cluster's pods can reach, admit them, and,
 * in production, admit nothing wider than the cluster. Config errors here mean DATABASE_URL and
 * REDIS_URL would point at endpoints that no pod can open.
 */
export function networkReachabilityProblems(net: NonNullable<RawStackConfig["network"]>, env: Environment): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const p = (path: string, value: unknown, message: string, fix: string) =>
        problems.push({ path, ...(value !== undefined ? { value } : {}), message, requirement: "DB-2", fix });
    const appCidrs = net.appCidrs ?? [];
    const sgs = net.clusterSecurityGroupIds ?? [];

    if (appCidrs.length === 0 && sgs.length === 0) {
        p("network.clusterSecurityGroupIds", undefined, "is missing, and so is network.appCidrs: the data tier would admit no one", "list the cluster's node or pod security group IDs (preferred), or the CIDRs of its nodes or pods in network.appCidrs");
    }
    appCidrs.forEach((c, i) => {
        const parsed = tryCidr(c);
        if (parsed === undefined) p(`network.appCidrs[${i}]`, c, "has host bits set", "use the network address of the block");
        else if (parsed.prefix === 0) p(`network.appCidrs[${i}]`, c, "admits the whole internet", "list the CIDRs of the cluster's nodes or pods");
    });

    if (net.mode === "existing") {
        if (net.vpcId === undefined) problems.push({ path: "network.vpcId", message: "is required when network.mode is existing", requirement: "DB-2", fix: "set the cluster's VPC ID, or set network.mode: create with network.peering" });
        if ((net.privateSubnetIds ?? []).length < 2) {
            problems.push({ path: "network.privateSubnetIds", value: net.privateSubnetIds, message: "needs at least two private subnets in different AZs", requirement: "DB-2", fix: "list two or more subnet IDs" });
        }
        if (env.isProduction && appCidrs.length > 0) {
            p(
                "network.appCidrs",
                appCidrs,
                "admits address ranges inside the cluster's VPC, and with them everything else in those ranges; production admits the cluster by its security group",
                "remove network.appCidrs and list the cluster's node or pod security groups in network.clusterSecurityGroupIds",
            );
        }
        if (env.isProduction && sgs.length === 0) {
            p("network.clusterSecurityGroupIds", undefined, "is required in production with network.mode existing", "list the cluster's node or pod security group IDs (for EKS, the cluster security group)");
        }
        return problems;
    }

    // mode: create
    const vpcCidrText = net.vpcCidr ?? DEFAULT_VPC_CIDR;
    const vpcCidr = tryCidr(vpcCidrText);
    if (net.peering === undefined) {
        p("network.peering", undefined, "is missing, so the new VPC has no route to or from the cluster and no pod could reach the data tier", REACH_FIX);
    } else {
        const peer = tryCidr(net.peering.vpcCidr);
        if (peer === undefined) {
            p("network.peering.vpcCidr", net.peering.vpcCidr, "has host bits set", "use the cluster VPC's CIDR as AWS shows it");
        } else {
            if (vpcCidr && cidrsOverlap(vpcCidr, peer)) {
                p("network.vpcCidr", vpcCidrText, `overlaps the cluster's VPC (network.peering.vpcCidr ${net.peering.vpcCidr}); AWS refuses to peer overlapping VPCs`, "choose a vpcCidr disjoint from the cluster's VPC");
            }
            appCidrs.forEach((c, i) => {
                const parsed = tryCidr(c);
                if (parsed === undefined || parsed.prefix === 0) return;
                if (vpcCidr && cidrsOverlap(parsed, vpcCidr)) return; // reported below
                if (!cidrWithin(parsed, peer)) {
                    p(`network.appCidrs[${i}]`, c, `is outside the cluster's VPC (${net.peering!.vpcCidr}); the data VPC routes only to that VPC, so nothing there is reachable`, `list CIDRs of the cluster's nodes or pods inside ${net.peering!.vpcCidr}`);
                } else if (env.isProduction && parsed.prefix <= peer.prefix) {
                    p(
                        `network.appCidrs[${i}]`,
                        c,
                        "admits the whole cluster VPC, not just the cluster",
                        "list the CIDRs of the node or pod subnets, which are narrower than the VPC, or use network.clusterSecurityGroupIds",
                    );
                }
            });
        }
    }
    appCidrs.forEach((c, i) => {
        const parsed = tryCidr(c);
        if (parsed && parsed.prefix > 0 && vpcCidr && cidrsOverlap(parsed, vpcCidr)) {
            p(
                `network.appCidrs[${i}]`,
                c,
                `is inside the data VPC's own CIDR (${vpcCidrText}), where no pod runs: the cluster is in another VPC, so this admits nothing that could connect`,
                net.peering ? `list the CIDRs of the cluster's nodes or pods inside ${net.peering.vpcCidr}, or use network.clusterSecurityGroupIds` : REACH_FIX,
            );
        }
    });
    if (net.availabilityZones !== undefined) {
        if (net.azCount !== undefined) p("network.azCount", net.azCount, "is given with network.availabilityZones, which already sets the number of zones", "remove network.azCount");
        const seen = new Set<string>();
        net.availabilityZones.forEach((z, i) => {
            if (seen.has(z)) p(`network.availabilityZones[${i}]`, z, "is listed twice", "list each zone once");
            seen.add(z);
        });
    } else if (env.isProduction) {
        p("network.availabilityZones", undefined, "is required in production with network.mode create", "list the zones of the private subnets, such as [us-east-1a, us-east-1b, us-east-1c]; they never change afterwards");
    }
    return problems;
}
