import * as assert from "assert";
import { ConfigProblem, formatProblem } from "../../../config/problems";
import { networkReachabilityProblems } from "../../../config/rules";
import { RawStackConfig } from "../../../config/schema";
import { validateConfig } from "../../../config/validate";
import { stackRaw } from "../../helpers/stacks";
import { PEERED_NETWORK } from "../../helpers/variants";
import { production, staging } from "../../helpers/harness";

type Net = NonNullable<RawStackConfig["network"]>;
const peering = { vpcId: "vpc-0f1e2d3c4b5a69788", vpcCidr: "10.0.0.0/16", routeTableIds: ["rtb-0f1e2d3c4b5a69001"] };
const existing: Net = { mode: "existing", vpcId: "vpc-0abc1234", privateSubnetIds: ["subnet-0abc1234", "subnet-0def5678"], clusterSecurityGroupIds: ["sg-0abc1234"] };
const created: Net = { mode: "create", vpcCidr: "10.30.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"], peering, appCidrs: ["10.0.32.0/19"] };

function texts(problems: ConfigProblem[]): string {
    return problems.map(formatProblem).join("\n");
}

describe("unit: network reachability rules (DB-2)", () => {
    it("DB-2: the cluster's VPC with its security group, and a peered VPC admitting the pod subnets, are reachable in both environments", () => {
        for (const env of [staging, production]) {
            assert.deepStrictEqual(networkReachabilityProblems(existing, env), []);
            assert.deepStrictEqual(networkReachabilityProblems(created, env), []);
        }
    });

    it("DB-2: an isolated new VPC is a config error that names the fix", () => {
        const text = texts(networkReachabilityProblems({ mode: "create", vpcCidr: "10.30.0.0/16", appCidrs: ["10.30.0.0/16"] }, staging));
        assert.match(text, /network\.peering: is missing, so the new VPC has no route to or from the cluster and no pod could reach the data tier \(DB-2\); add network\.peering .* or set network\.mode: existing/);
        assert.match(text, /network\.appCidrs\[0\]: "10\.30\.0\.0\/16" is inside the data VPC's own CIDR \(10\.30\.0\.0\/16\), where no pod runs/);
    });

    it("DB-2: appCidrs equal to the data VPC's own CIDR are refused even with peering", () => {
        const text = texts(networkReachabilityProblems({ ...created, appCidrs: ["10.30.0.0/16"] }, staging));
        assert.match(text, /network\.appCidrs\[0\]: "10\.30\.0\.0\/16" is inside the data VPC's own CIDR .*; list the CIDRs of the cluster's nodes or pods inside 10\.0\.0\.0\/16/);
    });

    it("DB-2: appCidrs outside the peered cluster VPC are unreachable (the data VPC routes only there)", () => {
        assert.match(texts(networkReachabilityProblems({ ...created, appCidrs: ["172.16.0.0/16"] }, staging)), /network\.appCidrs\[0\]: "172\.16\.0\.0\/16" is outside the cluster's VPC \(10\.0\.0\.0\/16\)/);
    });

    it("DB-2: a data VPC overlapping the cluster's cannot be peered", () => {
        assert.match(texts(networkReachabilityProblems({ ...created, vpcCidr: "10.0.0.0/16" }, staging)), /network\.vpcCidr: "10\.0\.0\.0\/16" overlaps the cluster's VPC .*AWS refuses to peer overlapping VPCs/);
    });

    it("DB-2: a network that admits no one is refused", () => {
        const { clusterSecurityGroupIds: _, ...noSources } = existing;
        assert.match(texts(networkReachabilityProblems(noSources, staging)), /network\.clusterSecurityGroupIds: is missing, and so is network\.appCidrs/);
    });

    it("DB-2: production is never open to a whole VPC by accident", () => {
        // The whole peered cluster VPC.
        assert.match(texts(networkReachabilityProblems({ ...created, appCidrs: ["10.0.0.0/16"] }, production)), /network\.appCidrs\[0\]: "10\.0\.0\.0\/16" admits the whole cluster VPC/);
        assert.deepStrictEqual(networkReachabilityProblems({ ...created, appCidrs: ["10.0.0.0/16"] }, staging), [], "staging may admit the whole cluster VPC");
        // CIDRs in the cluster's own VPC instead of its security group.
        assert.match(texts(networkReachabilityProblems({ ...existing, appCidrs: ["10.0.0.0/16"] }, production)), /network\.appCidrs: \["10\.0\.0\.0\/16"\] admits address ranges inside the cluster's VPC.*remove network\.appCidrs/);
        const { clusterSecurityGroupIds: _, ...cidrOnly } = existing;
        assert.match(texts(networkReachabilityProblems({ ...cidrOnly, appCidrs: ["10.0.32.0/19"] }, production)), /network\.clusterSecurityGroupIds: is required in production with network\.mode existing/);
    });

    it("DB-2: production pins the zones of created subnets; zones are listed once, and not with azCount", () => {
        const { availabilityZones: _, ...unpinned } = created;
        assert.match(texts(networkReachabilityProblems(unpinned, production)), /network\.availabilityZones: is required in production/);
        assert.deepStrictEqual(networkReachabilityProblems(unpinned, staging), []);
        const text = texts(networkReachabilityProblems({ ...created, availabilityZones: ["us-east-1a", "us-east-1a"], azCount: 2 }, staging));
        assert.match(text, /network\.availabilityZones\[1\]: "us-east-1a" is listed twice/);
        assert.match(text, /network\.azCount: 2 is given with network\.availabilityZones/);
    });

    it("DB-2: peering and pinned zones belong to create mode only", () => {
        const result = validateConfig(
            stackRaw("production", (c) => {
                c["runbook:network"].peering = PEERED_NETWORK.peering;
            }),
            "production",
        );
        assert.ok(!result.ok);
        assert.match(texts(result.problems), /network\.peering: .* only applies to mode create/);
    });

    it("the committed stack files: production in the cluster's VPC by security group, staging peered", () => {
        const prod = validateConfig(stackRaw("production"), "production");
        const stage = validateConfig(stackRaw("staging"), "staging");
        assert.ok(prod.ok && stage.ok);
        assert.strictEqual(prod.config.network?.mode, "existing");
        assert.ok((prod.config.network?.clusterSecurityGroupIds ?? []).length > 0);
        assert.strictEqual(stage.config.network?.mode, "create");
        assert.ok(stage.config.network?.peering);
        assert.ok(stage.config.network?.availabilityZones);
    });
});

describe("unit: kubernetes.dnsEgress (SC-5)", () => {
    const k8s = (c: Record<string, any>) => c["runbook:kubernetes"];

    it("SC-5: defaults to every pod in kube-system, and takes NodeLocal DNSCache's address and the DNS pods' labels", () => {
        const plain = validateConfig(stackRaw("production"), "production");
        assert.ok(plain.ok);
        assert.deepStrictEqual(plain.config.kubernetes.dnsEgress, { namespace: "kube-system", podLabels: {}, cidrs: [] });
        const nodeLocal = validateConfig(stackRaw("production", (c) => (k8s(c).dnsEgress = { podLabels: { "k8s-app": "kube-dns" }, cidrs: ["169.254.20.10/32"] })), "production");
        assert.ok(nodeLocal.ok, nodeLocal.ok ? "" : texts(nodeLocal.problems));
        assert.deepStrictEqual(nodeLocal.config.kubernetes.dnsEgress, { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, cidrs: ["169.254.20.10/32"] });
    });

    it("SC-5: a public range, an address with host bits and a malformed CIDR are refused, naming the key", () => {
        const result = validateConfig(stackRaw("staging", (c) => (k8s(c).dnsEgress = { cidrs: ["169.254.20.10/32", "8.8.8.8/32", "0.0.0.0/0", "10.0.0.10/24"] })), "staging");
        assert.ok(!result.ok);
        const text = texts(result.problems);
        assert.match(text, /kubernetes\.dnsEgress\.cidrs\[1\]: "8\.8\.8\.8\/32" lets every pod send DNS queries outside the cluster \(SC-5\); list the cluster's own DNS addresses/);
        assert.match(text, /kubernetes\.dnsEgress\.cidrs\[2\]: "0\.0\.0\.0\/0" lets every pod/);
        assert.match(text, /kubernetes\.dnsEgress\.cidrs\[3\]: "10\.0\.0\.10\/24" is not a network address/);
        assert.doesNotMatch(text, /cidrs\[0\]/);
        const bad = validateConfig(stackRaw("staging", (c) => (k8s(c).dnsEgress = { cidrs: ["169.254.20.10"], namespace: "Kube_System" })), "staging");
        assert.ok(!bad.ok);
        assert.match(texts(bad.problems), /kubernetes\.dnsEgress\.cidrs\[0\]: .*must be an IPv4 CIDR/);
        assert.match(texts(bad.problems), /kubernetes\.dnsEgress\.namespace: .*must be a lowercase DNS label/);
    });
});
