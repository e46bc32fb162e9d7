import * as pulumi from "@pulumi/pulumi";
import type { Environment, ResolvedRedis } from "../../config";
import type { DataNetwork } from "../network/dataNetwork";
import { ElastiCache } from "./elasticache";
import type { ElastiCacheExportSource } from "./elastiCacheExport";
import { InCluster } from "./inCluster";

export interface RedisArgs {
    /** The mode's variant of the stack model (config/model.ts). */
    redis: ResolvedRedis;
    environment: Environment;
    /** Where ElastiCache lives and who may reach it. Required for `mode: elasticache`. */
    network?: DataNetwork;
    /** Where in-cluster Redis runs. Required for `mode: in-cluster`. */
    kubernetes?: { namespace: pulumi.Input<string>; storageClass?: string };
    /** elasticache: the stack's AWS region, where the daily snapshot's export bucket is made (BK-1). Without it, no export. */
    awsRegion?: string;
}

/** Redis for queues, rate limits and cache (RD-1): ElastiCache or a StatefulSet, chosen by `redis.mode`. */
export class Redis extends pulumi.ComponentResource {
    /** REDIS_URL, a secret. */
    public readonly connectionUrl: pulumi.Output<string>;
    /** elasticache: the replication group's ID and cache-cluster count (for CloudWatch alarms). */
    public readonly elastiCache: { replicationGroupId: pulumi.Output<string>; numCacheClusters: number } | undefined;

    /** in-cluster: labels of the Redis pod, whose exporter sidecar the monitoring scrapes. */
    public readonly metricsPodSelector: Record<string, string> | undefined;
    /**
     * What the backup job dumps from (BK-1): in-cluster, the server's URL; ElastiCache, its snapshot's
     * export (with `awsRegion`).
     */
    public readonly backupSource: { url: pulumi.Output<string> } | { elastiCacheExport: ElastiCacheExportSource } | undefined;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:redis:Redis", name, {}, opts);
        if (args.redis.mode === "elasticache") {
            if (!args.network) throw new Error(`Redis ${name}: mode elasticache needs network (VPC, private subnets, application CIDRs)`);
            const elastiCache = new ElastiCache(
                `${name}-elasticache`,
                {
                    redis: args.redis,
                    environment: args.environment,
                    vpcId: args.network.vpcId,
                    subnetIds: args.network.subnetIds,
                    appCidrs: args.network.appCidrs,
                    appSecurityGroupIds: args.network.appSecurityGroupIds,
                    backupExport: args.awsRegion !== undefined ? { region: args.awsRegion } : undefined,
                },
                { parent: this },
            );
            this.connectionUrl = elastiCache.connectionUrl;
            this.metricsPodSelector = undefined;
            this.elastiCache = { replicationGroupId: elastiCache.replicationGroupId, numCacheClusters: elastiCache.numCacheClusters };
            this.backupSource = elastiCache.exportSource ? { elastiCacheExport: elastiCache.exportSource } : undefined;
        } else {
            if (!args.kubernetes) throw new Error(`Redis ${name}: mode in-cluster needs a Kubernetes namespace`);
            const inCluster = new InCluster(
                `${name}-in-cluster`,
                { redis: args.redis, environment: args.environment, namespace: args.kubernetes.namespace, storageClass: args.kubernetes.storageClass },
                { parent: this },
            );
            this.connectionUrl = inCluster.connectionUrl;
            this.metricsPodSelector = inCluster.metricsPodSelector;
            this.elastiCache = undefined;
            this.backupSource = { url: inCluster.connectionUrl };
        }
        this.registerOutputs({ connectionUrl: this.connectionUrl });
    }
}
