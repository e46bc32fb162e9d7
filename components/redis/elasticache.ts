import * as aws from "../providers/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "../providers/random";
import type { Environment } from "../../config";
import { clusterSources } from "../network/dataNetwork";
import { ElastiCacheExport, type ElastiCacheExportSource } from "./elastiCacheExport";
import { ArgProblem, REDIS_PORT, RedisConfig, elastiCacheName, elastiCacheSettings, formatArgProblems, parameterGroupParameters, redisUrl } from "./redisSettings";

export interface ElastiCacheArgs {
    /**
     * The resolved `redis` section, mode `elasticache`. Defaults: engine redis 7.1, node type
     * cache.m6g.large in production and cache.t4g.small elsewhere, 1 replica with Multi-AZ failover
     * in production and none elsewhere, snapshots kept 7 days in the 03:00-04:00 UTC window.
     */
    redis: RedisConfig;
    /** Production defaults to a replica with Multi-AZ failover, and adds protection, a final snapshot and changes held for the maintenance window. */
    environment: Environment;
    /** VPC of the security group. */
    vpcId: pulumi.Input<string>;
    /** Private subnets for the cache nodes, in at least two AZs when Multi-AZ is on. */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The cluster's node or pod CIDRs admitted on port 6379 (DB-2). May be empty when security groups are given. */
    appCidrs: string[];
    /** The cluster's security groups admitted on port 6379 (DB-2). Defaults to none. */
    appSecurityGroupIds?: string[];
    /** KMS key for encryption at rest. Defaults to the AWS-managed ElastiCache key. */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * The export of the daily snapshot to the backups bucket (BK-1): the stack's AWS region, where the
     * export bucket is made, and optionally the account's canonical user ID (looked up when absent).
     * Defaults to none: no export bucket, no export user.
     */
    backupExport?: { region: string; ownerCanonicalUserId?: pulumi.Input<string> };
}

/**
 * A managed Redis (or Valkey) replication group for queues, rate limits and cache (RD-1): reachable
 * on 6379 from the app tier only (DB-2), encrypted at rest and in transit (DB-3), AUTH required
 * (RD-3), `maxmemory-policy noeviction` (RD-2), daily snapshots (BK-2), Multi-AZ failover and
 * deletion protection in production (RD-1, DB-6).
 */
export class ElastiCache extends pulumi.ComponentResource {
    /** REDIS_URL: `rediss://:<token>@<primary endpoint>:6379`. Secret. */
    public readonly connectionUrl: pulumi.Output<string>;
    /** Address of the primary endpoint; replicas take over behind it on failover. */
    public readonly primaryEndpoint: pulumi.Output<string>;
    /** The replication group's ID; its members are <id>-001, -002, … (for CloudWatch alarms). */
    public readonly replicationGroupId: pulumi.Output<string>;
    /** Cache clusters in the group: the primary and its replicas. */
    public readonly numCacheClusters: number;
    /** With `backupExport`: what the backup job exports the daily snapshot with. */
    public readonly exportSource: ElastiCacheExportSource | undefined;

    constructor(name: string, args: ElastiCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:redis:ElastiCache", name, {}, opts);
        const settings = elastiCacheSettings(args.redis, args.environment);
        const problems: ArgProblem[] = Array.isArray(settings) ? [...settings] : [];
        if (args.appCidrs.length === 0 && (args.appSecurityGroupIds ?? []).length === 0) {
            problems.push({ propertyPath: "appCidrs", reason: "is empty and so is appSecurityGroupIds, so no app could reach Redis; pass the cluster's security groups or CIDRs (DB-2)" });
        }
        if (Array.isArray(settings) || problems.length > 0) {
            throw new pulumi.InputPropertiesError({ message: formatArgProblems(`ElastiCache ${name}`, problems), errors: problems });
        }
        const prefix = elastiCacheName(pulumi.getProject(), args.environment.stack, name);

        const subnetGroup = new aws.elasticache.SubnetGroup(
            `${name}-subnets`,
            { description: `Private subnets of ${prefix} Redis`, subnetIds: args.subnetIds },
            { parent: this },
        );
        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: `Redis ${prefix}: port ${REDIS_PORT} from the app tier only (DB-2)`,
                ingress: [
                    {
                        description: `Redis from the app tier (DB-2)`,
                        protocol: "tcp",
                        fromPort: REDIS_PORT,
                        toPort: REDIS_PORT,
                        ...clusterSources(args.appCidrs, args.appSecurityGroupIds),
                    },
                ],
                // Cache nodes open no connections of their own; replies to admitted clients pass
                // because security groups are stateful. An empty list removes AWS's allow-all egress.
                egress: [],
            },
            { parent: this },
        );
        // No fixed name: Pulumi auto-names the group (the resource name plus a random suffix). A new
        // family (redis 7 to valkey 8) or description replaces the group, and Pulumi creates the
        // replacement beside the old one and switches the replication group over. A fixed name would
        // make the replacement collide with the group still in use. Unless changes apply immediately,
        // the switch waits for the maintenance window, so the old group is still in use when the
        // replacement would delete it: it is retained, and deleted by hand afterwards
        // (docs/operations.md; `runbook diff` says so).
        const parameterGroup = new aws.elasticache.ParameterGroup(
            `${name}-params`,
            {
                family: settings.family,
                description: `${prefix}: maxmemory-policy noeviction so queues never lose jobs (RD-2)`,
                parameters: parameterGroupParameters(),
            },
            { parent: this, retainOnDelete: true },
        );
        // ElastiCache AUTH tokens: 16-128 printable characters without @, " or /. Alphanumerics only
        // also keep the token intact in a URL and a shell.
        const authToken = new random.RandomPassword(`${name}-auth-token`, { length: 64, special: false, minLower: 1, minUpper: 1, minNumeric: 1 }, { parent: this });

        // A deleted production group leaves its final snapshot behind; a fresh suffix per group keeps
        // a re-created group from colliding with the snapshot of the one before it (DB-6).
        const finalSnapshotSuffix = settings.finalSnapshot
            ? new random.RandomId(`${name}-final-snapshot-suffix`, { byteLength: 4, keepers: { engine: settings.engine, port: String(REDIS_PORT) } }, { parent: this })
            : undefined;

        const group = new aws.elasticache.ReplicationGroup(
            `${name}-group`,
            {
                description: `Redis for ${prefix}: queues, rate limits and cache (RD-1)`,
                engine: settings.engine,
                engineVersion: settings.engineVersion,
                nodeType: settings.nodeType,
                port: REDIS_PORT,
                numCacheClusters: settings.numCacheClusters,
                automaticFailoverEnabled: settings.automaticFailoverEnabled,
                multiAzEnabled: settings.multiAzEnabled,
                parameterGroupName: parameterGroup.name,
                subnetGroupName: subnetGroup.name,
                securityGroupIds: [securityGroup.id],
                atRestEncryptionEnabled: true,
                kmsKeyId: args.kmsKeyArn,
                transitEncryptionEnabled: true,
                authToken: authToken.result,
                // A rotated token (`pulumi up --replace` of the RandomPassword) is added beside the old
                // one, so clients keep working until they have rolled onto the new REDIS_URL; the old
                // one is revoked by hand afterwards (docs/operations.md).
                authTokenUpdateStrategy: "ROTATE",
                snapshotRetentionLimit: settings.snapshotRetentionLimit,
                snapshotWindow: settings.snapshotWindow,
                maintenanceWindow: settings.maintenanceWindow,
                finalSnapshotIdentifier: finalSnapshotSuffix?.hex.apply((hex) => elastiCacheName(prefix, "final", hex)),
                applyImmediately: settings.applyImmediately,
                // Patch releases within the configured major.minor arrive in the maintenance window.
                autoMinorVersionUpgrade: true,
            },
            { parent: this, protect: settings.protect, retainOnDelete: settings.protect },
        );

        this.exportSource = args.backupExport
            ? new ElastiCacheExport(
                  `${name}-export`,
                  { replicationGroupId: group.id, replicationGroupArn: group.arn, region: args.backupExport.region, protect: settings.protect, ownerCanonicalUserId: args.backupExport.ownerCanonicalUserId },
                  { parent: this },
              ).source
            : undefined;
        this.primaryEndpoint = group.primaryEndpointAddress;
        this.replicationGroupId = group.id;
        this.numCacheClusters = settings.numCacheClusters;
        this.connectionUrl = pulumi.secret(
            pulumi.all([authToken.result, group.primaryEndpointAddress]).apply(([password, host]) => redisUrl({ scheme: "rediss", password, host })),
        );
        this.registerOutputs({ connectionUrl: this.connectionUrl, primaryEndpoint: this.primaryEndpoint, replicationGroupId: this.replicationGroupId });
    }
}
