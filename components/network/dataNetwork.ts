import * as pulumi from "@pulumi/pulumi";

/** What an AWS data store needs from the network: where to live and who may reach it (DB-2). */
export interface DataNetwork {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string[]>;
    /** The application tier's CIDRs: the only sources admitted to the data ports. */
    appCidrs: string[];
}
