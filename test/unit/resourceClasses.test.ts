import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { KmsKey, KmsKeyPolicy, RdsInstance } from "../../policies/rules/rds";
import { ReplicationGroup } from "../../policies/rules/redis";
import { SecurityGroup, SecurityGroupEgressRule, SecurityGroupIngressRule, SecurityGroupRule } from "../../policies/rules/securityGroups";

/** The pack names provider classes by type token so a check need not load the provider SDK; the tokens must be the SDK's own. */
describe("unit: policy resource classes match the provider SDK", () => {
    const pairs: Array<[string, unknown, unknown]> = [
        ["aws.kms.Key", KmsKey, aws.kms.Key],
        ["aws.kms.KeyPolicy", KmsKeyPolicy, aws.kms.KeyPolicy],
        ["aws.rds.Instance", RdsInstance, aws.rds.Instance],
        ["aws.elasticache.ReplicationGroup", ReplicationGroup, aws.elasticache.ReplicationGroup],
        ["aws.ec2.SecurityGroup", SecurityGroup, aws.ec2.SecurityGroup],
        ["aws.ec2.SecurityGroupRule", SecurityGroupRule, aws.ec2.SecurityGroupRule],
        ["aws.vpc.SecurityGroupIngressRule", SecurityGroupIngressRule, aws.vpc.SecurityGroupIngressRule],
        ["aws.vpc.SecurityGroupEgressRule", SecurityGroupEgressRule, aws.vpc.SecurityGroupEgressRule],
    ];
    for (const [name, stand, real] of pairs) {
        it(`${name}: same type token`, () => {
            assert.strictEqual((stand as { __pulumiType: string }).__pulumiType, (real as unknown as { __pulumiType: string }).__pulumiType);
        });
    }

    it("loading the policy rules does not load the AWS provider SDK", () => {
        const { spawnSync } = require("child_process") as typeof import("child_process");
        const rules = require.resolve("../../policies/rules");
        const r = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(rules)}); console.log(Object.keys(require.cache).filter((k) => k.includes("/@pulumi/aws/")).length)`], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout.trim(), "0");
    });
});
