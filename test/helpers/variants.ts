/**
 * Stack-file edits that switch the data tier to the other engine or mode, so every combination
 * can be planned from the committed stack files.
 */
const POSTGRES_ONLY = ["instanceClass", "allocatedStorageGb", "maxAllocatedStorageGb", "multiAz", "readReplica", "slowQueryMs", "backupWindow", "maintenanceWindow", "engineVersion"];
const ELASTICACHE_ONLY = ["engine", "nodeType", "replicas", "multiAz", "snapshotWindow", "engineVersion"];

export function useMongodb(c: Record<string, any>): void {
    for (const k of POSTGRES_ONLY) delete c["runbook:database"][k];
    c["runbook:database"].engine = "mongodb";
    for (const app of c["runbook:apps"]) app.secretRefs = (app.secretRefs ?? []).map((r: string) => (r === "DATABASE_URL" ? "MONGODB_URI" : r));
}

export function usePostgres(c: Record<string, any>): void {
    delete c["runbook:database"].members;
    delete c["runbook:database"].storageGb;
    c["runbook:database"].engine = "postgres";
    for (const app of c["runbook:apps"]) app.secretRefs = (app.secretRefs ?? []).map((r: string) => (r === "MONGODB_URI" ? "DATABASE_URL" : r));
}

export function useInClusterRedis(c: Record<string, any>): void {
    for (const k of ELASTICACHE_ONLY) delete c["runbook:redis"][k];
    c["runbook:redis"].mode = "in-cluster";
}

export function useElastiCache(c: Record<string, any>): void {
    delete c["runbook:redis"].storageGb;
    c["runbook:redis"].mode = "elasticache";
}
