import * as pulumi from "@pulumi/pulumi";

/** What an AWS data store needs from the network: where to live and who may reach it (DB-2). */
export interface DataNetwork {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string[]>;
    /** The cluster's node or pod CIDRs admitted to the data ports. May be empty when security groups are given. */
    appCidrs: string[];
    /** The cluster's security groups admitted to the data ports. May be empty when CIDRs are given. */
    appSecurityGroupIds?: string[];
}

/**
 * The source fields of a security-group ingress rule that admits the cluster (DB-2): its security
 * groups and its CIDRs, whichever are given. Throws, naming the key, when neither is, or when a CIDR
 * is the whole internet.
 */
export function clusterSources(appCidrs: readonly string[], appSecurityGroupIds: readonly string[] = []): { cidrBlocks?: string[]; securityGroups?: string[] } {
    if (appCidrs.length === 0 && appSecurityGroupIds.length === 0) {
        throw new Error("network.appCidrs: is empty and so is network.clusterSecurityGroupIds; the data tier must admit the application tier (DB-2)");
    }
    appCidrs.forEach((c, i) => {
        if (/\/0$/.test(c.trim())) throw new Error(`network.appCidrs[${i}]: '${c}' admits the whole internet; the data tier is reachable only from the application tier (DB-2)`);
    });
    return {
        ...(appCidrs.length > 0 ? { cidrBlocks: [...appCidrs] } : {}),
        ...(appSecurityGroupIds.length > 0 ? { securityGroups: [...appSecurityGroupIds] } : {}),
    };
}
