import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Network, NetworkArgs } from "../../../components/network/network";
import { captureProgram, InvokeMocks } from "../../../plan/capture";
import { offlineInvokes } from "../../../plan/invokes";
import { PlanResource } from "../../../plan/model";
import { ofType, one } from "../../helpers/harness";
import { AWS_EC2_VPC as VPC, AWS_EC2_SUBNET as SUBNET, AWS_GET_AVAILABILITY_ZONES as AZ_TOKEN } from "../../helpers/types";


/** Like mockRun, but answers the availability-zone lookup the way the offline plan does (or as given). */
async function runNetwork(network: NetworkArgs["network"], invokes: InvokeMocks = offlineInvokes) {
    let component: Network | undefined;
    const capture = await captureProgram({
        project: "runbook",
        stack: "staging",
        program: () => {
            component = new Network("network", { network });
            return {};
        },
        config: {},
        secretKeys: [],
        invokes,
    });
    return { resources: capture.resources, component: component! };
}

/** The value of an Output under the mocks (undefined while it is unknown, as in a preview). */
function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/**
 * Runs the program and returns the error it fails with. An error raised while resolving an input
 * reaches the Pulumi language host as an unhandled rejection (which fails `pulumi preview` with its
 * message), not as a rejection of the program, so collect it the same way.
 */
async function programFailure(run: () => Promise<unknown>): Promise<Error | undefined> {
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    let failure: Error | undefined;
    process.on("unhandledRejection", (reason) => {
        failure ??= reason as Error;
    });
    try {
        await run().catch((e: Error) => {
            failure ??= e;
        });
        await new Promise((r) => setTimeout(r, 200));
    } finally {
        process.removeAllListeners("unhandledRejection");
        saved.forEach((l) => process.on("unhandledRejection", l));
    }
    return failure;
}

const PEERING = { vpcId: "vpc-0c1c2c3c4", vpcCidr: "10.0.0.0/16", routeTableIds: ["rtb-0aaa1111", "rtb-0bbb2222"] };
const created = (extra: Partial<NetworkArgs["network"]> = {}): NetworkArgs["network"] => ({ mode: "create", peering: PEERING, appCidrs: ["10.0.32.0/19"], ...extra });
const ROUTE = "aws:ec2/route:Route";
const PEERING_CONNECTION = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";

describe("component: Network (DB-2)", () => {
    it("DB-2: create mode builds a DNS-enabled VPC with one private subnet per pinned AZ and no internet gateway", async () => {
        const { resources } = await runNetwork(created({ vpcCidr: "10.30.0.0/16", availabilityZones: ["us-east-1b", "us-east-1c", "us-east-1d"] }), {});
        const vpc = one(resources, VPC);
        assert.deepStrictEqual(
            { cidr: vpc.inputs.cidrBlock, dnsSupport: vpc.inputs.enableDnsSupport, dnsHostnames: vpc.inputs.enableDnsHostnames },
            { cidr: "10.30.0.0/16", dnsSupport: true, dnsHostnames: true },
        );
        const subnets = ofType(resources, SUBNET);
        assert.deepStrictEqual(
            subnets.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone]),
            [
                ["10.30.0.0/20", "us-east-1b"],
                ["10.30.16.0/20", "us-east-1c"],
                ["10.30.32.0/20", "us-east-1d"],
            ],
            "pinned zones are plain config: known at preview, no lookup (the invoke mocks are empty here)",
        );
        assert.ok(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false && s.dependencies.includes(vpc.urn)));
        const publicPaths = resources.filter((r: PlanResource) => /InternetGateway|NatGateway|EgressOnlyInternetGateway|Eip/.test(r.type));
        assert.deepStrictEqual(publicPaths, []);
    });

    it("DB-2: without pinned zones, the region's zones by name whatever their state, so an impaired zone never moves a subnet", async () => {
        let asked: Record<string, unknown> | undefined;
        const impaired: InvokeMocks = {
            [AZ_TOKEN]: (inputs) => {
                asked = inputs;
                // Unsorted, with the first zone impaired: the answer a health-filtered lookup would shift.
                return { names: ["us-east-1c", "us-east-1a", "us-east-1b"], zoneIds: ["z3", "z1", "z2"], state: "" };
            },
        };
        const { resources } = await runNetwork(created({ azCount: 2 }), impaired);
        assert.deepStrictEqual(ofType(resources, SUBNET).map((s) => s.inputs.availabilityZone), ["us-east-1a", "us-east-1b"]);
        assert.ok(asked, "the zones were looked up");
        assert.strictEqual(asked.state, undefined, "no state filter: the list must not depend on zone health");
    });

    it("DB-2: create mode peers with the cluster's VPC and routes both ways through the peering connection", async () => {
        const { resources, component } = await runNetwork(created({ vpcCidr: "10.30.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] }), {});
        const vpc = one(resources, VPC);
        const peering = one(resources, PEERING_CONNECTION);
        assert.deepStrictEqual([peering.inputs.peerVpcId, peering.inputs.autoAccept], ["vpc-0c1c2c3c4", true]);
        assert.deepStrictEqual(peering.propertyDependencies.vpcId, [vpc.urn]);
        const routes = ofType(resources, ROUTE);
        const toCluster = routes.filter((r) => r.inputs.destinationCidrBlock === "10.0.0.0/16");
        const fromCluster = routes.filter((r) => r.inputs.destinationCidrBlock === "10.30.0.0/16");
        assert.strictEqual(toCluster.length, 1, "the data VPC routes the cluster's CIDR");
        assert.deepStrictEqual(fromCluster.map((r) => r.inputs.routeTableId).sort(), ["rtb-0aaa1111", "rtb-0bbb2222"], "every cluster route table routes the data VPC");
        for (const r of routes) assert.deepStrictEqual(r.propertyDependencies.vpcPeeringConnectionId, [peering.urn]);
        const table = one(resources, ROUTE_TABLE);
        assert.deepStrictEqual(toCluster[0].propertyDependencies.routeTableId, [table.urn]);
        const subnets = ofType(resources, SUBNET);
        const associations = ofType(resources, ASSOCIATION);
        assert.deepStrictEqual(associations.map((a) => a.propertyDependencies.subnetId[0]).sort(), subnets.map((s) => s.urn).sort(), "every private subnet uses the peered route table");
        assert.deepStrictEqual(component.appCidrs, ["10.0.32.0/19"]);
    });

    it("existing mode creates nothing and passes the IDs and the cluster's security groups through", async () => {
        const { resources, component } = await runNetwork({
            mode: "existing",
            vpcId: "vpc-0abc1234",
            privateSubnetIds: ["subnet-0abc1234", "subnet-0def5678"],
            clusterSecurityGroupIds: ["sg-0abc1234"],
        });
        assert.deepStrictEqual(resources.filter((r) => r.custom), []);
        assert.strictEqual(await valueOf(component.vpcId), "vpc-0abc1234");
        assert.deepStrictEqual(await valueOf(component.privateSubnetIds), ["subnet-0abc1234", "subnet-0def5678"]);
        assert.deepStrictEqual([component.appCidrs, component.appSecurityGroupIds], [[], ["sg-0abc1234"]]);
        assert.strictEqual(component.peeringConnectionId, undefined);
    });

    it("DB-2: refuses bad args before declaring anything, naming the key", async () => {
        await assert.rejects(runNetwork({ mode: "existing", privateSubnetIds: ["subnet-0abc1234", "subnet-0def5678"], appCidrs: ["10.1.0.0/16"] }), /network\.vpcId: is required/);
        await assert.rejects(runNetwork({ mode: "existing", vpcId: "vpc-0abc1234", privateSubnetIds: ["subnet-0abc1234"], appCidrs: ["10.1.0.0/16"] }), /network\.privateSubnetIds: has 1 subnet/);
        await assert.rejects(runNetwork(created({ vpcCidr: "10.20.5.0/16" })), /network\.vpcCidr: '10\.20\.5\.0\/16' has host bits set/);
        await assert.rejects(runNetwork(created({ appCidrs: ["10.0.32.1/19"] })), /network\.appCidrs\[0\]/);
        await assert.rejects(runNetwork(created({ vpcId: "vpc-0abc1234" })), /only apply to network\.mode existing/);
        await assert.rejects(runNetwork({ mode: "create", appCidrs: ["10.20.0.0/16"] }), /network\.peering: is missing, so the new VPC has no route to the cluster/);
        await assert.rejects(runNetwork({ mode: "existing", vpcId: "vpc-0abc1234", privateSubnetIds: ["subnet-0abc1234", "subnet-0def5678"] }), /admit|network\.appCidrs: is empty and so is network\.clusterSecurityGroupIds/);
    });

    it("fails the program with a clear message when azCount exceeds the region's zones", async () => {
        const twoZones: InvokeMocks = { ...offlineInvokes, [AZ_TOKEN]: () => ({ names: ["eu-south-9a", "eu-south-9b"], zoneIds: ["x1", "x2"], state: "available" }) };
        const failure = await programFailure(() => runNetwork(created({ azCount: 3 }), twoZones));
        assert.ok(failure, "the program fails");
        assert.match(failure.message, /network\.azCount: 3 exceeds the 2 availability zone\(s\) of the region \(eu-south-9a, eu-south-9b\); set network\.azCount to 2 or fewer/);
    });
});
