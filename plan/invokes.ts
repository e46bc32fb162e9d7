import { InvokeMocks } from "./capture";

/**
 * What the offline plan answers when the program calls a provider function. There is no cloud
 * account, so these are stand-ins shaped like the real answers; resources that depend on them are
 * still checked by every policy.
 */
export const offlineInvokes: InvokeMocks = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
        names: ["us-east-1a", "us-east-1b", "us-east-1c"],
        zoneIds: ["use1-az1", "use1-az2", "use1-az4"],
        state: "available",
    }),
    "aws:index/getRegion:getRegion": () => ({ name: "us-east-1", region: "us-east-1", id: "us-east-1" }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/offline-plan", userId: "OFFLINE" }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
    // The account's canonical user, the owner in the ElastiCache export bucket's ACL.
    "aws:s3/getCanonicalUserId:getCanonicalUserId": () => ({ id: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", displayName: "offline-plan" }),
    // The permission groups scoped tokens are built from (ST-1, ST-2, BK-8), with Cloudflare's IDs
    // (the same in every account), so the pack judges the offline plan's tokens as it would a preview's.
    "cloudflare:index/getApiTokenPermissionGroupsList:getApiTokenPermissionGroupsList": () => ({
        results: [
            { id: "6a018a9f2fc74eb6b293b0c548f38b39", name: "Workers R2 Storage Bucket Item Read", category: "developer_platform", isSelectable: true, scopes: ["com.cloudflare.edge.r2.bucket"] },
            { id: "2efd5506f9c8494dacb1fa10a3e7d5b6", name: "Workers R2 Storage Bucket Item Write", category: "developer_platform", isSelectable: true, scopes: ["com.cloudflare.edge.r2.bucket"] },
            // The R2 usage job's token (ST-2): reads the account's analytics.
            { id: "b89a480218d04ceb98b4fe57ca29dc1f", name: "Account Analytics Read", category: "account", isSelectable: true, scopes: ["com.cloudflare.api.account"] },
        ],
    }),
};
