import * as assert from "assert";
import { PostgresDatabase } from "../../components/database/postgres";
import { securityGroupNoPublicDataPorts, securityGroupRuleDescriptions, tcpPortRange } from "../../policies/rules/securityGroups";
import { mockRun } from "../helpers/harness";
import { check, resource } from "../helpers/policy";
import { AWS_EC2_SECURITY_GROUP as SG, AWS_EC2_SECURITY_GROUP_RULE as SG_RULE, AWS_VPC_SECURITY_GROUP_INGRESS_RULE as VPC_INGRESS, AWS_VPC_SECURITY_GROUP_EGRESS_RULE as VPC_EGRESS } from "../helpers/types";


const ingress = (rule: Record<string, unknown>) => ({ description: "app tier", protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.20.0.0/16"], ...rule });
const group = (rules: Array<Record<string, unknown>>, egress: Array<Record<string, unknown>> = []) => resource(SG, "db-sg", { vpcId: "vpc-0abc1234", ingress: rules, egress });

async function componentPlan() {
    return mockRun(() => {
        new PostgresDatabase("postgres", {
            database: { engine: "postgres", engineVersion: "16.4", backupRetentionDays: 30, protect: true, readReplica: true, replicaMultiAz: false },
            environment: { stack: "production", isProduction: true },
            vpcId: "vpc-0abc1234",
            subnetIds: ["subnet-0abc1234", "subnet-0def5678"],
            appCidrs: ["10.20.0.0/16", "10.21.0.0/16"],
        });
    }, "production");
}

describe("policy: security-group-no-public-data-ports (DB-2)", () => {
    it("DB-2 compliant: 5432 from the application tier only passes, and so does 443 from anywhere", async () => {
        const sg = group([ingress({}), ingress({ fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] })]);
        assert.deepStrictEqual(await check([securityGroupNoPublicDataPorts], [sg]), []);
    });

    it("DB-2 violating: 5432 open to 0.0.0.0/0 inline is a mandatory violation naming the group and the rule", async () => {
        const sg = group([ingress({}), ingress({ cidrBlocks: ["0.0.0.0/0"] })]);
        const vs = await check([securityGroupNoPublicDataPorts], [sg]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, sg.urn);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory");
        assert.deepStrictEqual(vs[0].requirements, ["DB-2"]);
        assert.match(vs[0].message, /'db-sg' ingress\[1\] admits 0\.0\.0\.0\/0 \(beyond the private ranges and the app tier\) on PostgreSQL 5432/);
    });

    it("DB-2 violating: a port range, an all-traffic rule, or IPv6 ::/0 covering data ports counts", async () => {
        const range = await check([securityGroupNoPublicDataPorts], [group([ingress({ fromPort: 6000, toPort: 28000, cidrBlocks: ["0.0.0.0/0"] })])]);
        assert.match(range[0].message, /on Redis 6379, MongoDB 27017\./);
        const all = await check([securityGroupNoPublicDataPorts], [group([ingress({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] })])]);
        assert.match(all[0].message, /MySQL 3306, PostgreSQL 5432, Redis 6379, MongoDB 27017/);
        const v6 = await check([securityGroupNoPublicDataPorts], [group([ingress({ cidrBlocks: [], ipv6CidrBlocks: ["::/0"], fromPort: 27017, toPort: 27017 })])]);
        assert.match(v6[0].message, /admits ::\/0 \(beyond the private ranges and the app tier\) on MongoDB 27017/);
    });

    it("DB-2 compliant: UDP and egress rules open no data port to inbound traffic", async () => {
        const sg = group([ingress({ protocol: "udp", cidrBlocks: ["0.0.0.0/0"] })], [{ description: "out", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]);
        assert.deepStrictEqual(await check([securityGroupNoPublicDataPorts], [sg]), []);
    });

    it("DB-2 violating: an aws.ec2.SecurityGroupRule of type ingress; its egress twin passes", async () => {
        const rule = (type: string) => resource(SG_RULE, `rule-${type}`, { type, securityGroupId: "sg-1", protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: ["0.0.0.0/0"], description: "x" });
        const vs = await check([securityGroupNoPublicDataPorts], [rule("ingress"), rule("egress")]);
        assert.deepStrictEqual(vs.map((v) => v.urn), [rule("ingress").urn]);
        assert.match(vs[0].message, /'rule-ingress' admits 0\.0\.0\.0\/0 \(beyond the private ranges and the app tier\) on Redis 6379/);
    });

    it("DB-2 violating: an aws.vpc.SecurityGroupIngressRule with protocol -1 (no ports) from anywhere", async () => {
        const rule = resource(VPC_INGRESS, "all-in", { securityGroupId: "sg-1", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "x" });
        const ok = resource(VPC_INGRESS, "app-in", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "10.20.0.0/16", description: "x" });
        const vs = await check([securityGroupNoPublicDataPorts], [rule, ok]);
        assert.deepStrictEqual(vs.map((v) => v.urn), [rule.urn]);
    });

    it("DB-2: the ports come from policy config", async () => {
        const sg = group([ingress({ fromPort: 9200, toPort: 9200, cidrBlocks: ["0.0.0.0/0"] })]);
        assert.deepStrictEqual(await check([securityGroupNoPublicDataPorts], [sg]), []);
        assert.match((await check([securityGroupNoPublicDataPorts], [sg], { "security-group-no-public-data-ports": { ports: [9200] } }))[0].message, /port 9200/);
    });

    it("DB-2: port ranges by protocol", () => {
        assert.deepStrictEqual(tcpPortRange("-1", 0, 0), [0, 65535]);
        assert.deepStrictEqual(tcpPortRange("ALL", undefined, undefined), [0, 65535]);
        assert.deepStrictEqual(tcpPortRange("6", 5000, 5500), [5000, 5500]);
        assert.strictEqual(tcpPortRange("icmp", -1, -1), undefined);
    });

    it("DB-2 compliant: the PostgreSQL component's security group passes", async () => {
        assert.deepStrictEqual(await check([securityGroupNoPublicDataPorts], await componentPlan()), []);
    });
});

describe("policy: security-group-rule-descriptions (DB-2)", () => {
    it("DB-2 compliant: every inline rule described passes", async () => {
        assert.deepStrictEqual(await check([securityGroupRuleDescriptions], [group([ingress({})], [{ description: "to the app", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] }])]), []);
    });

    it("DB-2 violating (advisory): blank or missing descriptions are listed by rule", async () => {
        const sg = group([ingress({}), ingress({ description: "  " })], [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/8"] }]);
        const vs = await check([securityGroupRuleDescriptions], [sg]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].enforcementLevel, "advisory");
        assert.strictEqual(vs[0].urn, sg.urn);
        assert.match(vs[0].message, /'db-sg' has rules without a description: ingress\[1\], egress\[0\]/);
    });

    it("DB-2 violating (advisory): separate rule resources without a description", async () => {
        const rules = [
            resource(SG_RULE, "r1", { type: "ingress", protocol: "tcp", fromPort: 1, toPort: 1, cidrBlocks: ["10.0.0.0/8"] }),
            resource(VPC_INGRESS, "r2", { ipProtocol: "tcp", fromPort: 1, toPort: 1, cidrIpv4: "10.0.0.0/8", description: "" }),
            resource(VPC_EGRESS, "r3", { ipProtocol: "-1", cidrIpv4: "10.0.0.0/8" }),
            resource(VPC_EGRESS, "r4", { ipProtocol: "-1", cidrIpv4: "10.0.0.0/8", description: "to the VPC" }),
        ];
        const vs = await check([securityGroupRuleDescriptions], rules);
        assert.deepStrictEqual(vs.map((v) => v.urn), rules.slice(0, 3).map((r) => r.urn));
        assert.ok(vs.every((v) => v.enforcementLevel === "advisory"));
    });

    it("DB-2 compliant: the PostgreSQL component describes every rule", async () => {
        assert.deepStrictEqual(await check([securityGroupRuleDescriptions], await componentPlan()), []);
    });
});
