/**
 * Stack-file edits that switch the data tier to the other engine or mode, so every combination
 * can be planned from the committed stack files.
 */
const POSTGRES_ONLY = ["instanceClass", "allocatedStorageGb", "maxAllocatedStorageGb", "multiAz", "readReplica", "replicaMultiAz", "slowQueryMs", "backupWindow", "maintenanceWindow", "engineVersion"];
const ELASTICACHE_ONLY = ["engine", "nodeType", "replicas", "multiAz", "snapshotWindow", "engineVersion"];

/** The network the committed stack files use, for variants that move a data store back into AWS. */
const DEFAULT_NETWORK = {
    mode: "existing",
    vpcId: "vpc-0a1b2c3d4e5f60718",
    privateSubnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    clusterSecurityGroupIds: ["sg-0a1b2c3d4e5f60718"],
};

/** A data VPC of its own, peered with the cluster's: the other reachable shape (DB-2). */
export const PEERED_NETWORK = {
    mode: "create",
    vpcCidr: "10.40.0.0/16",
    availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
    peering: { vpcId: "vpc-0f1e2d3c4b5a69788", vpcCidr: "10.0.0.0/16", routeTableIds: ["rtb-0f1e2d3c4b5a69001"] },
    appCidrs: ["10.0.32.0/19"],
};

/** A network section exactly when a data store lives in AWS, as the config requires. */
export function fitNetwork(c: Record<string, any>): void {
    const aws = c["runbook:database"]?.engine === "postgres" || c["runbook:redis"]?.mode === "elasticache";
    if (!aws) delete c["runbook:network"];
    else if (c["runbook:network"] === undefined) c["runbook:network"] = { ...DEFAULT_NETWORK };
}

export function useMongodb(c: Record<string, any>): void {
    for (const k of POSTGRES_ONLY) delete c["runbook:database"][k];
    c["runbook:database"].engine = "mongodb";
    // The drill's app check runs against a restored PostgreSQL only.
    if (c["runbook:backups"]?.drill) delete c["runbook:backups"].drill.appCheck;
    for (const app of c["runbook:apps"]) {
        app.secretRefs = (app.secretRefs ?? []).map((r: string) => (r === "DATABASE_URL" ? "MONGODB_URI" : r));
        delete app.readerUrlEnv;
    }
    fitNetwork(c);
}

export function usePostgres(c: Record<string, any>): void {
    delete c["runbook:database"].members;
    delete c["runbook:database"].storageGb;
    c["runbook:database"].engine = "postgres";
    for (const app of c["runbook:apps"]) app.secretRefs = (app.secretRefs ?? []).map((r: string) => (r === "MONGODB_URI" ? "DATABASE_URL" : r));
    fitNetwork(c);
}

export function useInClusterRedis(c: Record<string, any>): void {
    for (const k of ELASTICACHE_ONLY) delete c["runbook:redis"][k];
    c["runbook:redis"].mode = "in-cluster";
    fitNetwork(c);
}

export function useElastiCache(c: Record<string, any>): void {
    delete c["runbook:redis"].storageGb;
    c["runbook:redis"].mode = "elasticache";
    fitNetwork(c);
}

/** BK-3: every backup also copied to a replica at another provider (its credentials left to the offline plan's placeholders). */
export function useReplica(c: Record<string, any>): void {
    c["runbook:backups"].replica = { endpoint: "https://s3.eu-central-1.amazonaws.com", bucket: "runbook-backups-replica", region: "eu-central-1" };
}
