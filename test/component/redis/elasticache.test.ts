import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ElastiCache, ElastiCacheArgs } from "../../../components/redis/elasticache";
import { RedisConfig } from "../../../components/redis/redisSettings";
import { windowsOverlap } from "../../../lib/windows";
import { PlanResource } from "../../../plan/model";
import { mockRun, ofType, one, staging, production } from "../../helpers/harness";
import { AWS_ELASTICACHE_REPLICATION_GROUP as GROUP, AWS_ELASTICACHE_PARAMETER_GROUP as PARAMS, AWS_ELASTICACHE_SUBNET_GROUP as SUBNETS, AWS_EC2_SECURITY_GROUP as SG, RANDOM_RANDOM_PASSWORD as PASSWORD } from "../../helpers/types";


const redis = (extra: Partial<RedisConfig> = {}): RedisConfig => ({ mode: "elasticache", snapshotRetentionDays: 7, maxmemoryPolicy: "noeviction", ...extra });
const args = (environment = staging, extra: Partial<ElastiCacheArgs> = {}): ElastiCacheArgs => ({
    redis: redis(),
    environment,
    vpcId: "vpc-0abc1234",
    subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"],
    appCidrs: ["10.20.0.0/16"],
    ...extra,
});

async function plan(a: ElastiCacheArgs): Promise<{ resources: PlanResource[]; component: ElastiCache }> {
    let component!: ElastiCache;
    const resources = await mockRun(() => {
        component = new ElastiCache("redis", a);
    }, a.environment.stack);
    return { resources, component };
}

describe("component: redis ElastiCache (RD-1, RD-2, RD-3, DB-2, DB-3, BK-2, DB-6)", () => {
    it("RD-1, DB-6: production runs a primary and a replica across AZs with failover, protected, retained and snapshotted on delete", async () => {
        const { resources } = await plan(args(production));
        const group = one(resources, GROUP);
        assert.strictEqual(group.inputs.numCacheClusters, 2);
        assert.strictEqual(group.inputs.automaticFailoverEnabled, true);
        assert.strictEqual(group.inputs.multiAzEnabled, true);
        assert.strictEqual(group.inputs.nodeType, "cache.m6g.large");
        assert.strictEqual(group.protect, true);
        assert.strictEqual(group.retainOnDelete, true);
        // Named after a random suffix, so it is only known once the suffix exists.
        assert.strictEqual(group.inputs.finalSnapshotIdentifier, "[unknown]");
        const suffix = one(resources, "random:index/randomId:RandomId", "final-snapshot-suffix");
        assert.ok(group.propertyDependencies.finalSnapshotIdentifier.includes(suffix.urn));
        assert.strictEqual(group.inputs.applyImmediately, false, "production changes wait for the maintenance window");
    });

    it("RD-1: staging runs one small node without failover, unprotected, with no final snapshot", async () => {
        const { resources } = await plan(args(staging));
        const group = one(resources, GROUP);
        assert.strictEqual(group.inputs.numCacheClusters, 1);
        assert.strictEqual(group.inputs.automaticFailoverEnabled, false);
        assert.strictEqual(group.inputs.multiAzEnabled, false);
        assert.strictEqual(group.inputs.nodeType, "cache.t4g.small");
        assert.strictEqual(group.protect, false);
        assert.strictEqual(group.retainOnDelete, false);
        assert.strictEqual(group.inputs.finalSnapshotIdentifier, undefined);
    });

    it("DB-3, RD-3: encrypts at rest and in transit and requires a generated AUTH token that the plan never shows", async () => {
        const kmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/abcd";
        const { resources } = await plan(args(staging, { kmsKeyArn }));
        const group = one(resources, GROUP);
        assert.strictEqual(group.inputs.atRestEncryptionEnabled, true);
        assert.strictEqual(group.inputs.transitEncryptionEnabled, true);
        assert.strictEqual(group.inputs.kmsKeyId, kmsKeyArn);
        assert.strictEqual(group.inputs.authToken, "[secret]");
        const token = one(resources, PASSWORD);
        assert.deepStrictEqual(group.propertyDependencies.authToken, [token.urn], "the token is the RandomPassword's result");
        // ElastiCache: 16-128 printable characters without @ " /; alphanumerics only.
        assert.strictEqual(token.inputs.special, false);
        assert.ok((token.inputs.length as number) >= 16 && (token.inputs.length as number) <= 128);
    });

    it("RD-2: uses its own parameter group, of the engine's family, with maxmemory-policy noeviction", async () => {
        const { resources } = await plan(args(staging));
        const params = one(resources, PARAMS);
        assert.strictEqual(params.inputs.family, "redis7");
        assert.deepStrictEqual(params.inputs.parameters, [{ name: "maxmemory-policy", value: "noeviction" }]);
        const group = one(resources, GROUP);
        assert.deepStrictEqual(group.propertyDependencies.parameterGroupName, [params.urn]);
        assert.deepStrictEqual([group.inputs.engine, group.inputs.engineVersion, group.inputs.port], ["redis", "7.1", 6379]);
    });

    it("RD-2: the parameter group is auto-named, so a family change (redis 7 to valkey 8) creates the new group before deleting the old", async () => {
        const { resources } = await plan(args(staging));
        const params = one(resources, PARAMS);
        assert.strictEqual(params.retainOnDelete, true, "the replication group switches at its maintenance window: the old group is never deleted by the update");
        assert.strictEqual(params.inputs.name, undefined, "a fixed name would collide with the group still in use");
        assert.strictEqual(params.deleteBeforeReplace, false);
    });

    it("RD-1: patch releases of the configured major.minor arrive in the maintenance window", async () => {
        const { resources } = await plan(args(production));
        assert.strictEqual(one(resources, GROUP).inputs.autoMinorVersionUpgrade, true);
    });

    it("RD-2: a valkey engine gets a valkey parameter group", async () => {
        const { resources } = await plan(args(staging, { redis: redis({ engine: "valkey", engineVersion: "8.0" }) }));
        assert.strictEqual(one(resources, PARAMS).inputs.family, "valkey8");
        assert.strictEqual(one(resources, GROUP).inputs.engine, "valkey");
    });

    it("DB-2: admits the cluster by its security group, with no CIDR at all when none is given", async () => {
        const { resources } = await plan(args(production, { appCidrs: [], appSecurityGroupIds: ["sg-0abc1234"] }));
        const ingress = one(resources, SG).inputs.ingress as Array<Record<string, unknown>>;
        assert.deepStrictEqual(ingress.map((i) => [i.fromPort, i.cidrBlocks, i.securityGroups]), [[6379, undefined, ["sg-0abc1234"]]]);
    });

    it("DB-2: admits 6379 from the app CIDRs only, every rule described, and opens nothing outbound", async () => {
        const { resources } = await plan(args(staging, { appCidrs: ["10.20.0.0/16", "10.21.0.0/16"] }));
        const sg = one(resources, SG);
        const ingress = sg.inputs.ingress as Array<Record<string, unknown>>;
        assert.strictEqual(ingress.length, 1);
        assert.deepStrictEqual(ingress[0].cidrBlocks, ["10.20.0.0/16", "10.21.0.0/16"]);
        assert.deepStrictEqual([ingress[0].protocol, ingress[0].fromPort, ingress[0].toPort], ["tcp", 6379, 6379]);
        assert.deepStrictEqual(sg.inputs.egress, []);
        for (const rule of [...ingress, ...(sg.inputs.egress as Array<Record<string, unknown>>)]) assert.ok(String(rule.description ?? "").length > 0);
        assert.ok(String(sg.inputs.description).length > 0);
        const group = one(resources, GROUP);
        assert.deepStrictEqual(group.propertyDependencies.securityGroupIds, [sg.urn]);
        assert.deepStrictEqual(group.propertyDependencies.subnetGroupName, [one(resources, SUBNETS).urn]);
        assert.deepStrictEqual(one(resources, SUBNETS).inputs.subnetIds, ["subnet-0aaa1111", "subnet-0bbb2222"]);
    });

    it("BK-2: keeps daily snapshots for the configured days, with a maintenance window that does not overlap them", async () => {
        const { resources } = await plan(args(staging, { redis: redis({ snapshotRetentionDays: 3, snapshotWindow: "01:00-02:30" }) }));
        const group = one(resources, GROUP);
        assert.strictEqual(group.inputs.snapshotRetentionLimit, 3);
        assert.strictEqual(group.inputs.snapshotWindow, "01:00-02:30");
        assert.strictEqual(windowsOverlap(String(group.inputs.snapshotWindow), String(group.inputs.maintenanceWindow)), false);
    });

    it("RD-3: REDIS_URL is a secret output", async () => {
        const { component } = await plan(args(staging));
        assert.strictEqual(await pulumi.isSecret(component.connectionUrl), true);
    });

    it("refuses production without a replica and an empty app tier before creating anything, naming every key", async () => {
        let created = 0;
        await assert.rejects(
            mockRun(() => {
                new ElastiCache("redis", args(production, { redis: redis({ replicas: 0 }), appCidrs: [] }));
                created++;
            }, "production"),
            (e: Error) => /redis\.replicas: 0 leaves production Redis without a failover target/.test(e.message) && /appCidrs: is empty/.test(e.message),
        );
        assert.strictEqual(created, 0);
    });

    it("builds nothing outside the component", async () => {
        const { resources } = await plan(args(staging));
        const component = one(resources, "runbook:redis:ElastiCache");
        const children = resources.filter((r) => r.custom);
        assert.deepStrictEqual(children.filter((r) => r.parent !== component.urn), []);
        assert.strictEqual(ofType(resources, GROUP).length, 1);
    });
});
