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

describe("component: Network (DB-2)", () => {
    it("DB-2: create mode builds a DNS-enabled VPC with one private subnet per AZ and no internet gateway", async () => {
        const { resources } = await runNetwork({ mode: "create", vpcCidr: "10.30.0.0/16", azCount: 3, appCidrs: ["10.30.0.0/16"] });
        const vpc = one(resources, VPC);
        assert.deepStrictEqual(
            { cidr: vpc.inputs.cidrBlock, dnsSupport: vpc.inputs.enableDnsSupport, dnsHostnames: vpc.inputs.enableDnsHostnames },
            { cidr: "10.30.0.0/16", dnsSupport: true, dnsHostnames: true },
        );
        const subnets = ofType(resources, SUBNET);
        assert.deepStrictEqual(
            subnets.map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone]),
            [
                ["10.30.0.0/20", "us-east-1a"],
                ["10.30.16.0/20", "us-east-1b"],
                ["10.30.32.0/20", "us-east-1c"],
            ],
        );
        assert.ok(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false && s.dependencies.includes(vpc.urn)));
        const publicPaths = resources.filter((r: PlanResource) => /InternetGateway|NatGateway|EgressOnlyInternetGateway|Eip/.test(r.type));
        assert.deepStrictEqual(publicPaths, []);
    });

    it("create mode defaults to 10.20.0.0/16 across two AZs", async () => {
        const { resources } = await runNetwork({ mode: "create", appCidrs: ["10.20.0.0/16"] });
        assert.strictEqual(one(resources, VPC).inputs.cidrBlock, "10.20.0.0/16");
        assert.deepStrictEqual(ofType(resources, SUBNET).map((s) => s.inputs.cidrBlock), ["10.20.0.0/20", "10.20.16.0/20"]);
    });

    it("existing mode creates nothing and passes the IDs through", async () => {
        const { resources, component } = await runNetwork({
            mode: "existing",
            vpcId: "vpc-0abc1234",
            privateSubnetIds: ["subnet-0abc1234", "subnet-0def5678"],
            appCidrs: ["10.1.0.0/16", "10.2.0.0/16"],
        });
        assert.deepStrictEqual(resources.filter((r) => r.custom), []);
        assert.strictEqual(await valueOf(component.vpcId), "vpc-0abc1234");
        assert.deepStrictEqual(await valueOf(component.privateSubnetIds), ["subnet-0abc1234", "subnet-0def5678"]);
        assert.deepStrictEqual(component.appCidrs, ["10.1.0.0/16", "10.2.0.0/16"]);
    });

    it("refuses bad args before declaring anything, naming the key", async () => {
        await assert.rejects(runNetwork({ mode: "existing", privateSubnetIds: ["subnet-0abc1234", "subnet-0def5678"], appCidrs: ["10.1.0.0/16"] }), /network\.vpcId: is required/);
        await assert.rejects(runNetwork({ mode: "existing", vpcId: "vpc-0abc1234", privateSubnetIds: ["subnet-0abc1234"], appCidrs: ["10.1.0.0/16"] }), /network\.privateSubnetIds: has 1 subnet/);
        await assert.rejects(runNetwork({ mode: "create", vpcCidr: "10.20.5.0/16", appCidrs: ["10.20.0.0/16"] }), /network\.vpcCidr: '10\.20\.5\.0\/16' has host bits set/);
        await assert.rejects(runNetwork({ mode: "create", appCidrs: ["10.20.0.1/16"] }), /network\.appCidrs\[0\]/);
        await assert.rejects(runNetwork({ mode: "create", vpcId: "vpc-0abc1234", appCidrs: ["10.20.0.0/16"] }), /only apply to network\.mode existing/);
    });

    it("fails the program with a clear message when azCount exceeds the region's zones", async () => {
        const twoZones: InvokeMocks = { ...offlineInvokes, [AZ_TOKEN]: () => ({ names: ["eu-south-9a", "eu-south-9b"], zoneIds: ["x1", "x2"], state: "available" }) };
        const failure = await programFailure(() => runNetwork({ mode: "create", azCount: 3, appCidrs: ["10.20.0.0/16"] }, twoZones));
        assert.ok(failure, "the program fails");
        assert.match(failure.message, /network\.azCount: 3 exceeds the 2 availability zone\(s\) of the region \(eu-south-9a, eu-south-9b\); set network\.azCount to 2 or fewer/);
    });
});
