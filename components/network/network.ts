import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";
import { parseCidr, privateSubnetCidrs, zoneFor } from "./subnets";

export const DEFAULT_VPC_CIDR = "10.20.0.0/16";
export const DEFAULT_AZ_COUNT = 2;

export interface NetworkArgs {
    /**
     * The stack's `network` config. `mode: create` builds a VPC (`vpcCidr`, defaults to 10.20.0.0/16)
     * with one private subnet in each of `azCount` availability zones (defaults to 2);
     * `mode: existing` uses `vpcId` and `privateSubnetIds` and creates nothing. `appCidrs` (required)
     * are the application tier that the data tier admits (DB-2).
     */
    network: NonNullable<StackConfig["network"]>;
}

/**
 * The private network the data tier lives in (DB-2): created, or brought from outside. Created
 * subnets have no internet gateway and no public IPs, so nothing in them is reachable from the
 * internet whatever its security group says.
 */
export class Network extends pulumi.ComponentResource {
    /** The VPC that holds the data tier. */
    public readonly vpcId: pulumi.Output<string>;
    /** Private subnets, one per availability zone. */
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** CIDRs of the application tier, the only sources the data tier admits (DB-2). */
    public readonly appCidrs: string[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:network:Network", name, {}, opts);
        const net = args.network;
        // Validate everything before declaring anything, so a bad config yields no partial network.
        if (net.appCidrs.length === 0) throw new Error("network.appCidrs: is empty; list the CIDRs of the application tier (DB-2)");
        net.appCidrs.forEach((c, i) => parseCidr(c, `network.appCidrs[${i}]`));

        if (net.mode === "existing") {
            if (net.vpcId === undefined) throw new Error("network.vpcId: is required when network.mode is existing; set the VPC ID, or set network.mode: create");
            const subnets = net.privateSubnetIds ?? [];
            if (subnets.length < 2) {
                throw new Error(`network.privateSubnetIds: has ${subnets.length} subnet(s); list two or more private subnets in different AZs (an RDS subnet group needs two)`);
            }
            this.vpcId = pulumi.output(net.vpcId);
            this.privateSubnetIds = pulumi.output(subnets);
        } else {
            if (net.vpcId !== undefined || net.privateSubnetIds !== undefined) {
                throw new Error("network.vpcId and network.privateSubnetIds: only apply to network.mode existing; remove them, or set network.mode: existing");
            }
            const vpcCidr = net.vpcCidr ?? DEFAULT_VPC_CIDR;
            const azCount = net.azCount ?? DEFAULT_AZ_COUNT;
            const subnetCidrs = privateSubnetCidrs(vpcCidr, azCount);

            const vpc = new aws.ec2.Vpc(
                `${name}-vpc`,
                // DNS support and hostnames let RDS endpoints resolve inside the VPC.
                { cidrBlock: vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: `${name}-vpc` } },
                { parent: this },
            );
            // Local Zones and Wavelength zones need an opt-in and have no RDS; keep to the region's own zones.
            const zones = aws.getAvailabilityZonesOutput(
                { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
                { parent: this },
            );
            const subnets = subnetCidrs.map(
                (cidrBlock, i) =>
                    new aws.ec2.Subnet(
                        `${name}-private-${i + 1}`,
                        {
                            vpcId: vpc.id,
                            cidrBlock,
                            availabilityZone: zones.names.apply((names) => zoneFor(names, azCount, i)),
                            mapPublicIpOnLaunch: false,
                            tags: { Name: `${name}-private-${i + 1}`, "runbook.dev/subnet": "private" },
                        },
                        { parent: this },
                    ),
            );
            this.vpcId = vpc.id;
            this.privateSubnetIds = pulumi.all(subnets.map((s) => s.id));
        }
        this.appCidrs = [...net.appCidrs];
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, appCidrs: this.appCidrs });
    }
}
