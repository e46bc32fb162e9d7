import * as aws from "../providers/aws";
import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../../lib/cidr";
import { privateSubnetCidrs, stableZones, zoneFor } from "./subnets";

import { DEFAULT_VPC_CIDR, type NetworkSettings } from "../../config/model";

export { DEFAULT_VPC_CIDR };
export const DEFAULT_AZ_COUNT = 2;

export interface NetworkArgs {
    /**
     * The stack's `network` config (DB-2). `mode: existing` uses the cluster's `vpcId` and
     * `privateSubnetIds` and creates nothing. `mode: create` builds a VPC (`vpcCidr`, defaults to
     * 10.20.0.0/16) with one private subnet per zone of `availabilityZones` (or the first `azCount`
     * zones of the region by name, defaulting to 2), peered with the cluster's VPC (`peering`,
     * required) with routes on both sides. `clusterSecurityGroupIds` and `appCidrs` are the sources
     * the data tier admits; at least one is required.
     */
    network: NetworkSettings;
}

/**
 * The private network the data tier lives in (DB-2), and the sources it admits: the cluster's VPC,
 * or a new VPC peered with it. Created subnets have no internet gateway and no public IPs, so
 * nothing in them is reachable from the internet whatever its security group says; the only route
 * out is the peering connection to the cluster's VPC.
 */
export class Network extends pulumi.ComponentResource {
    /** The VPC that holds the data tier. */
    public readonly vpcId: pulumi.Output<string>;
    /** Private subnets, one per availability zone. */
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** CIDRs of the cluster's nodes or pods that the data tier admits (DB-2). May be empty when security groups are given. */
    public readonly appCidrs: string[];
    /** The cluster's security groups that the data tier admits (DB-2). May be empty when CIDRs are given. */
    public readonly appSecurityGroupIds: string[];
    /** The peering connection to the cluster's VPC, in create mode. */
    public readonly peeringConnectionId: pulumi.Output<string> | undefined;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:network:Network", name, {}, opts);
        const net = args.network;
        // Validate everything before declaring anything, so a bad config yields no partial network.
        const appCidrs = net.appCidrs ?? [];
        const appSecurityGroupIds = net.clusterSecurityGroupIds ?? [];
        if (appCidrs.length === 0 && appSecurityGroupIds.length === 0) {
            throw new Error("network.appCidrs: is empty and so is network.clusterSecurityGroupIds; list the cluster's security groups or node/pod CIDRs (DB-2)");
        }
        appCidrs.forEach((c, i) => parseCidr(c, `network.appCidrs[${i}]`));

        if (net.mode === "existing") {
            if (net.vpcId === undefined) throw new Error("network.vpcId: is required when network.mode is existing; set the VPC ID, or set network.mode: create");
            const subnets = net.privateSubnetIds ?? [];
            if (subnets.length < 2) {
                throw new Error(`network.privateSubnetIds: has ${subnets.length} subnet(s); list two or more private subnets in different AZs (an RDS subnet group needs two)`);
            }
            this.vpcId = pulumi.output(net.vpcId);
            this.privateSubnetIds = pulumi.output(subnets);
            this.peeringConnectionId = undefined;
        } else {
            if (net.vpcId !== undefined || net.privateSubnetIds !== undefined) {
                throw new Error("network.vpcId and network.privateSubnetIds: only apply to network.mode existing; remove them, or set network.mode: existing");
            }
            const peering = net.peering;
            if (peering === undefined) {
                throw new Error("network.peering: is missing, so the new VPC has no route to the cluster (DB-2); add the cluster's VPC ID, CIDR and route tables, or use network.mode: existing");
            }
            const vpcCidr = net.vpcCidr ?? DEFAULT_VPC_CIDR;
            const pinned = net.availabilityZones;
            const azCount = pinned?.length ?? net.azCount ?? DEFAULT_AZ_COUNT;
            const subnetCidrs = privateSubnetCidrs(vpcCidr, azCount);
            const tags = (role: string) => ({ Name: `${name}-${role}`, "runbook.dev/network": name });

            const vpc = new aws.ec2.Vpc(
                `${name}-vpc`,
                // DNS support and hostnames let RDS endpoints resolve inside the VPC.
                { cidrBlock: vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: tags("vpc") },
                { parent: this },
            );
            // Pinned zones come from config. Otherwise the region's zones by name, whatever their state:
            // filtering on "available" would shift the list when a zone is impaired, and every subnet
            // after it would be re-planned into another zone (a replacement, with the databases in it).
            // Local Zones and Wavelength zones need an opt-in and have no RDS; keep to the region's own.
            const zones: pulumi.Input<string[]> =
                pinned ??
                aws
                    .getAvailabilityZonesOutput({ filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, { parent: this })
                    .names.apply((names) => stableZones(names, azCount));
            const subnets = subnetCidrs.map(
                (cidrBlock, i) =>
                    new aws.ec2.Subnet(
                        `${name}-private-${i + 1}`,
                        {
                            vpcId: vpc.id,
                            cidrBlock,
                            availabilityZone: pulumi.output(zones).apply((z) => zoneFor(z, azCount, i)),
                            mapPublicIpOnLaunch: false,
                            tags: { ...tags(`private-${i + 1}`), "runbook.dev/subnet": "private" },
                        },
                        { parent: this },
                    ),
            );

            // Same account and region, so the request accepts itself.
            const connection = new aws.ec2.VpcPeeringConnection(
                `${name}-peering`,
                { vpcId: vpc.id, peerVpcId: peering.vpcId, autoAccept: true, tags: tags("peering") },
                { parent: this },
            );
            // The data VPC's side: its private subnets route the cluster's VPC through the peering.
            const routeTable = new aws.ec2.RouteTable(`${name}-private-routes`, { vpcId: vpc.id, tags: tags("private-routes") }, { parent: this });
            new aws.ec2.Route(
                `${name}-to-cluster`,
                { routeTableId: routeTable.id, destinationCidrBlock: peering.vpcCidr, vpcPeeringConnectionId: connection.id },
                { parent: this },
            );
            subnets.forEach(
                (subnet, i) => new aws.ec2.RouteTableAssociation(`${name}-private-${i + 1}-routes`, { subnetId: subnet.id, routeTableId: routeTable.id }, { parent: this }),
            );
            // The cluster's side: each of its route tables routes the data VPC through the peering.
            peering.routeTableIds.forEach(
                (routeTableId) =>
                    new aws.ec2.Route(
                        `${name}-from-cluster-${routeTableId}`,
                        { routeTableId, destinationCidrBlock: vpcCidr, vpcPeeringConnectionId: connection.id },
                        { parent: this },
                    ),
            );
            this.vpcId = vpc.id;
            this.privateSubnetIds = pulumi.all(subnets.map((s) => s.id));
            this.peeringConnectionId = connection.id;
        }
        this.appCidrs = [...appCidrs];
        this.appSecurityGroupIds = [...appSecurityGroupIds];
        this.registerOutputs({
            vpcId: this.vpcId,
            privateSubnetIds: this.privateSubnetIds,
            appCidrs: this.appCidrs,
            appSecurityGroupIds: this.appSecurityGroupIds,
            peeringConnectionId: this.peeringConnectionId,
        });
    }
}
