import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanFile, PlanResource } from "../../plan/model";
import { runbook } from "../helpers/cli";
import { kubernetesSchemaErrors } from "../helpers/k8sSchema";
import { planStackVariant, writeStackVariant } from "../helpers/stacks";
import { useElastiCache, useInClusterRedis, useMongodb, usePostgres } from "../helpers/variants";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-data-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const planVariant = (stack: string, edits: Array<(c: Record<string, any>) => void>): PlanFile => planStackVariant(stack, tmp, (c) => edits.forEach((e) => e(c)));

const combinations: Array<[string, Array<(c: Record<string, any>) => void>]> = [
    ["postgres + elasticache", [usePostgres, useElastiCache]],
    ["postgres + in-cluster redis", [usePostgres, useInClusterRedis]],
    ["mongodb + elasticache", [useMongodb, useElastiCache]],
    ["mongodb + in-cluster redis", [useMongodb, useInClusterRedis]],
];

describe("stack: every database engine and Redis mode, in both environments", function () {
    this.timeout(180000);
    for (const stack of ["staging", "production"]) {
        for (const [label, edits] of combinations) {
            it(`DB-1, RD-1: ${stack} with ${label} plans with zero mandatory violations and schema-valid Kubernetes objects`, async () => {
                const plan = planVariant(stack, edits);
                assert.deepStrictEqual(plan.violations.filter((v) => v.enforcementLevel === "mandatory"), []);
                assert.deepStrictEqual(await kubernetesSchemaErrors(plan.resources), []);
                const defaulted = plan.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:") && (r.provider === null || !r.provider.includes("::pulumi:providers:")));
                assert.deepStrictEqual(defaulted.map((r) => r.urn), [], "every resource has an explicit provider");
                const awsData = plan.resources.some((r) => r.type.startsWith("aws:"));
                assert.strictEqual(awsData, label.includes("postgres") || label.includes("elasticache"), "a VPC only when a data store lives in AWS");
            });
        }
    }
});

/** A mutation of a saved plan that breaks one rule, and where the violation must point. */
interface Breakage {
    policy: string;
    requirement: string;
    level?: "mandatory" | "advisory";
    /** Finds the resource to break; the violation must name it. */
    target: (resources: PlanResource[]) => PlanResource;
    /** Breaks it; may edit another resource, but the violation names `target`. */
    breakIt: (target: PlanResource, resources: PlanResource[]) => void;
}

const byTypeName = (type: string, nameIncludes = "") => (rs: PlanResource[]) => {
    const r = rs.find((x) => x.type === type && x.name.includes(nameIncludes));
    assert.ok(r, `no ${type} *${nameIncludes}* in the plan`);
    return r;
};
const rdsPrimary = byTypeName("aws:rds/instance:Instance", "instance");
const replicationGroup = byTypeName("aws:elasticache/replicationGroup:ReplicationGroup");
const mongoSts = byTypeName("kubernetes:apps/v1:StatefulSet", "mongodb");
const redisSts = byTypeName("kubernetes:apps/v1:StatefulSet", "redis");
const container = (sts: PlanResource) => (sts.inputs as any).spec.template.spec.containers[0];

const awsBreakages: Breakage[] = [
    { policy: "rds-storage-encrypted", requirement: "DB-3", target: rdsPrimary, breakIt: (r) => (r.inputs.storageEncrypted = false) },
    { policy: "rds-not-public", requirement: "DB-2", target: rdsPrimary, breakIt: (r) => (r.inputs.publiclyAccessible = true) },
    { policy: "rds-backup-retention", requirement: "BK-2", target: rdsPrimary, breakIt: (r) => (r.inputs.backupRetentionPeriod = 3) },
    { policy: "rds-deletion-protection", requirement: "DB-6", target: rdsPrimary, breakIt: (r) => (r.inputs.deletionProtection = false) },
    { policy: "rds-multi-az", requirement: "DB-1", target: rdsPrimary, breakIt: (r) => (r.inputs.multiAz = false) },
    {
        policy: "rds-force-ssl",
        requirement: "ED-2",
        target: rdsPrimary,
        breakIt: (_r, rs) => {
            const params = byTypeName("aws:rds/parameterGroup:ParameterGroup")(rs);
            params.inputs.parameters = (params.inputs.parameters as Array<{ name: string }>).filter((p) => p.name !== "rds.force_ssl");
        },
    },
    {
        policy: "rds-password-not-literal",
        requirement: "SC-3",
        target: rdsPrimary,
        breakIt: (r) => {
            r.inputs.password = "hunter2-literal";
            r.propertyDependencies.password = [];
        },
    },
    { policy: "stateful-resources-protected", requirement: "DB-6", target: rdsPrimary, breakIt: (r) => (r.protect = false) },
    {
        policy: "security-group-no-public-data-ports",
        requirement: "DB-2",
        target: byTypeName("aws:ec2/securityGroup:SecurityGroup", "postgres"),
        breakIt: (r) => ((r.inputs.ingress as any[])[0].cidrBlocks = ["0.0.0.0/0"]),
    },
    {
        policy: "security-group-rule-descriptions",
        requirement: "DB-2",
        level: "advisory",
        target: byTypeName("aws:ec2/securityGroup:SecurityGroup", "redis"),
        breakIt: (r) => delete (r.inputs.ingress as any[])[0].description,
    },
    { policy: "elasticache-encryption", requirement: "RD-3", target: replicationGroup, breakIt: (r) => (r.inputs.transitEncryptionEnabled = false) },
    { policy: "elasticache-snapshot-retention", requirement: "BK-2", target: replicationGroup, breakIt: (r) => (r.inputs.snapshotRetentionLimit = 0) },
    { policy: "elasticache-multi-az", requirement: "RD-1", target: replicationGroup, breakIt: (r) => (r.inputs.multiAzEnabled = false) },
    {
        policy: "redis-noeviction",
        requirement: "RD-2",
        target: byTypeName("aws:elasticache/parameterGroup:ParameterGroup"),
        breakIt: (params) => (params.inputs.parameters = [{ name: "maxmemory-policy", value: "allkeys-lru" }]),
    },
];

const k8sBreakages: Breakage[] = [
    { policy: "k8s-data-volumes-retained", requirement: "DB-6", target: mongoSts, breakIt: (r) => ((r.inputs as any).spec.persistentVolumeClaimRetentionPolicy.whenDeleted = "Delete") },
    {
        policy: "k8s-no-public-data-service",
        requirement: "DB-2",
        target: byTypeName("kubernetes:core/v1:Service", "mongodb-service"),
        breakIt: (r) => ((r.inputs as any).spec.type = "LoadBalancer"),
    },
    { policy: "k8s-restricted-security", requirement: "SC-5", target: mongoSts, breakIt: (r) => (container(r).securityContext.allowPrivilegeEscalation = true) },
    {
        policy: "redis-noeviction",
        requirement: "RD-2",
        target: byTypeName("kubernetes:core/v1:ConfigMap", "redis"),
        breakIt: (r) => {
            const data = (r.inputs as any).data;
            data["redis.conf"] = data["redis.conf"].replace("maxmemory-policy noeviction", "maxmemory-policy allkeys-lru");
        },
    },
    { policy: "redis-requires-auth", requirement: "RD-3", target: redisSts, breakIt: (r) => (container(r).args = ["/etc/redis/redis.conf"]) },
    { policy: "stateful-resources-protected", requirement: "DB-6", target: redisSts, breakIt: (r) => (r.protect = false) },
];

function expectCheckToCatch(planFile: string, b: Breakage): void {
    const plan: PlanFile = JSON.parse(fs.readFileSync(planFile, "utf8"));
    const target = b.target(plan.resources);
    b.breakIt(target, plan.resources);
    const edited = path.join(tmp, `edited-${b.policy}-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(edited, JSON.stringify(plan));
    const r = runbook("check", edited, "--stack", "production", "--json", "-");
    const level = b.level ?? "mandatory";
    assert.strictEqual(r.status, level === "mandatory" ? 1 : 0, r.stderr);
    const result: PlanFile = JSON.parse(r.stdout);
    const v = result.violations.find((x) => x.policy === b.policy && x.urn === target.urn);
    assert.ok(v, `no ${b.policy} violation on ${target.urn}; got:\n${result.violations.map((x) => `${x.policy} ${x.urn}`).join("\n")}`);
    assert.ok(v.requirements.includes(b.requirement), `${b.policy} names ${b.requirement}`);
    assert.strictEqual(v.enforcementLevel, level);
}

describe("stack: a hand-mutated production plan trips each data-tier policy", function () {
    this.timeout(180000);
    let awsPlan: string;
    let k8sPlan: string;

    before(() => {
        awsPlan = path.join(tmp, "production-aws.json");
        assert.strictEqual(runbook("plan", "--stack", "production", "--json", awsPlan).status, 0);
        const k8sFile = writeStackVariant("production", tmp, (c) => {
            useMongodb(c);
            useInClusterRedis(c);
        });
        k8sPlan = path.join(tmp, "production-k8s.json");
        assert.strictEqual(runbook("plan", "--stack", "production", "--config", k8sFile, "--json", k8sPlan).status, 0);
    });

    for (const b of awsBreakages) {
        it(`${b.requirement}: ${b.policy} names the resource in the production plan (postgres + elasticache)`, () => expectCheckToCatch(awsPlan, b));
    }
    for (const b of k8sBreakages) {
        it(`${b.requirement}: ${b.policy} names the resource in the production plan (mongodb + in-cluster redis)`, () => expectCheckToCatch(k8sPlan, b));
    }
});

describe("stack: the data tier's bad combinations are config errors", function () {
    this.timeout(60000);
    const cases: Array<[string, (c: Record<string, any>) => void, RegExp]> = [
        ["mongodb plus an RDS instance class", (c) => (c["runbook:database"].engine = "mongodb"), /database\.instanceClass: "db\.m6g\.large" only applies to engine postgres/],
        ["retention 3 in production", (c) => (c["runbook:database"].backupRetentionDays = 3), /database\.backupRetentionDays: 3 is below the minimum of 7 \(BK-2\)/],
        ["in-cluster Redis with a Multi-AZ flag", (c) => ((c["runbook:redis"].mode = "in-cluster"), (c["runbook:redis"].multiAz = true)), /redis\.multiAz: true only applies to mode elasticache/],
        ["an evicting Redis policy", (c) => (c["runbook:redis"].maxmemoryPolicy = "volatile-lru"), /redis\.maxmemoryPolicy: "volatile-lru" evicts keys.*\(RD-2\)/],
    ];
    for (const [label, edit, expected] of cases) {
        it(`exits 2 for ${label}, naming the key`, () => {
            const file = writeStackVariant("production", tmp, edit);
            const r = runbook("plan", "--stack", "production", "--config", file);
            assert.strictEqual(r.status, 2, r.stdout);
            assert.match(r.stderr, expected);
        });
    }
});
