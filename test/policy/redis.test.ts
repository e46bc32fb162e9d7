import * as assert from "assert";
import { ElastiCache } from "../../components/redis/elasticache";
import { InCluster } from "../../components/redis/inCluster";
import { RedisConfig } from "../../components/redis/redisSettings";
import { PlanResource } from "../../plan/model";
import { elasticacheEncryption, elasticacheMultiAz, elasticacheSnapshotRetention, redisNoeviction, redisRequiresAuth } from "../../policies/rules/redis";
import { mockRun, staging, production } from "../helpers/harness";
import { check, resource } from "../helpers/policy";
import { AWS_ELASTICACHE_REPLICATION_GROUP as GROUP, AWS_ELASTICACHE_PARAMETER_GROUP as PARAMS, K8S_CONFIG_MAP as CONFIGMAP, K8S_STATEFUL_SET as STATEFULSET, K8S_DEPLOYMENT as DEPLOYMENT } from "../helpers/types";


const compliantGroup = {
    engine: "redis",
    numCacheClusters: 2,
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
    atRestEncryptionEnabled: true,
    transitEncryptionEnabled: true,
    authToken: "[secret]",
    snapshotRetentionLimit: 7,
    finalSnapshotIdentifier: "[unknown]",
    parameterGroupName: "queues-redis7",
};
const group = (overrides: Record<string, unknown> = {}, options: Partial<PlanResource> = {}) => {
    const inputs: Record<string, unknown> = { ...compliantGroup, ...overrides };
    for (const k of Object.keys(inputs)) if (inputs[k] === undefined) delete inputs[k];
    return resource(GROUP, "queues", inputs, options);
};
const parameterGroup = (parameters: unknown[], name = "queues-redis7") => resource(PARAMS, "queues-params", { name, family: "redis7", parameters });
const noeviction = { name: "maxmemory-policy", value: "noeviction" };

describe("policy: elasticache-encryption (DB-3, RD-3)", () => {
    it("DB-3 compliant: encryption at rest and in transit with a secret AUTH token passes", async () => {
        assert.deepStrictEqual(await check([elasticacheEncryption], [group()]), []);
    });

    it("RD-3 compliant: a token only known after `pulumi up` counts as set and does not stop the check", async () => {
        assert.deepStrictEqual(await check([elasticacheEncryption], [group({ authToken: "[unknown]" })]), []);
        const vs = await check([elasticacheEncryption], [group({ authToken: "[unknown]", transitEncryptionEnabled: false })]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory", "a real violation, not a can't-run-during-preview note");
        assert.match(vs[0].message, /transitEncryptionEnabled: true/);
    });

    it("DB-3 violating: no encryption at rest or in transit is one mandatory violation naming both", async () => {
        const g = group({ atRestEncryptionEnabled: undefined, transitEncryptionEnabled: false });
        const vs = await check([elasticacheEncryption], [g]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, g.urn);
        assert.deepStrictEqual(vs[0].requirements, ["DB-3", "RD-3"]);
        assert.match(vs[0].message, /'queues' must set atRestEncryptionEnabled: true, transitEncryptionEnabled: true\./);
    });

    it("RD-3 violating: a group without an AUTH token or user groups is rejected", async () => {
        const vs = await check([elasticacheEncryption], [group({ authToken: undefined })]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /authToken .* or userGroupIds \(RD-3\)/);
        assert.strictEqual((await check([elasticacheEncryption], [group({ authToken: "" })])).length, 1, "an empty token is no token");
    });

    it("RD-3 compliant: RBAC user groups authenticate instead of a token", async () => {
        assert.deepStrictEqual(await check([elasticacheEncryption], [group({ authToken: undefined, userGroupIds: ["ug-1"] })]), []);
    });
});

describe("policy: elasticache-snapshot-retention (BK-2)", () => {
    it("BK-2 compliant: 7 days passes the production minimum of 7", async () => {
        assert.deepStrictEqual(await check([elasticacheSnapshotRetention], [group()]), []);
    });

    it("BK-2 violating: no retention (ElastiCache's 0, snapshots off) fails the non-production minimum of 1", async () => {
        const vs = await check([elasticacheSnapshotRetention], [group({ snapshotRetentionLimit: undefined }, { stack: "pr-123" } as never)]);
        assert.strictEqual(vs.length, 1);
        assert.deepStrictEqual(vs[0].requirements, ["BK-2", "DB-6"]);
        assert.match(vs[0].message, /'queues' keeps snapshots for 0 day\(s\); at least 1 required/);
    });

    it("DB-6 violating: in production a group without a final snapshot is rejected; elsewhere it may skip it", async () => {
        const vs = await check([elasticacheSnapshotRetention], [group({ finalSnapshotIdentifier: undefined })]);
        assert.match(vs[0].message, /takes no final snapshot when deleted/);
        assert.deepStrictEqual(await check([elasticacheSnapshotRetention], [group({ finalSnapshotIdentifier: undefined }, { stack: "staging" } as never)]), []);
    });

    it("BK-2 violating: 1 day passes staging's minimum but not production's 7", async () => {
        const oneDay = group({ snapshotRetentionLimit: 1 });
        assert.deepStrictEqual(await check([elasticacheSnapshotRetention], [oneDay], { "elasticache-snapshot-retention": { minimumDays: 1 } }), []);
        const vs = await check([elasticacheSnapshotRetention], [oneDay], { "elasticache-snapshot-retention": { minimumDays: 7 } });
        assert.match(vs[0].message, /at least 7 required/);
    });
});

describe("policy: elasticache-multi-az (RD-1)", () => {
    it("RD-1 compliant: a primary and a replica with failover across AZs passes", async () => {
        assert.deepStrictEqual(await check([elasticacheMultiAz], [group()]), []);
    });

    it("RD-1 violating: a single node without failover names every missing piece", async () => {
        const vs = await check([elasticacheMultiAz], [group({ numCacheClusters: 1, automaticFailoverEnabled: false, multiAzEnabled: undefined })]);
        assert.strictEqual(vs.length, 1);
        assert.deepStrictEqual(vs[0].requirements, ["RD-1"]);
        assert.match(vs[0].message, /needs a replica \(it has 1 cache cluster\(s\).*automaticFailoverEnabled: true \(it is false\), multiAzEnabled: true \(it is not set\)/);
    });

    it("RD-1 violating: failover within one AZ is not enough", async () => {
        const vs = await check([elasticacheMultiAz], [group({ multiAzEnabled: false })]);
        assert.match(vs[0].message, /needs multiAzEnabled: true/);
    });

    it("RD-1 compliant: cluster mode counts replicas per shard", async () => {
        const sharded = group({ numCacheClusters: undefined, numNodeGroups: 2, replicasPerNodeGroup: 1 });
        assert.deepStrictEqual(await check([elasticacheMultiAz], [sharded]), []);
    });

    it("RD-1: staging's suggested config (advisory) reports a single node without blocking", async () => {
        const single = group({ numCacheClusters: 1, automaticFailoverEnabled: false, multiAzEnabled: false });
        const vs = await check([elasticacheMultiAz], [single], { "elasticache-multi-az": { enforcementLevel: "advisory" } });
        assert.deepStrictEqual(vs.map((v) => v.enforcementLevel), ["advisory"]);
    });
});

const conf = (policyLine: string) => `port 6379\nappendonly yes\nmaxmemory 100mb\n${policyLine}\n`;
const configMap = (redisConf: string, tier = "data") =>
    resource(CONFIGMAP, "redis-config", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "redis-config", labels: { "runbook.dev/tier": tier } }, data: { "redis.conf": redisConf } });
const redisContainer = (extra: Record<string, unknown> = {}) => ({
    name: "redis",
    image: "redis:7.2.7",
    command: ["redis-server"],
    args: ["/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)"],
    env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } } }],
    ...extra,
});
const workload = (container: Record<string, unknown>, type = STATEFULSET) =>
    resource(type, "redis", { apiVersion: "apps/v1", kind: type.split(":").pop(), metadata: { name: "redis" }, spec: { template: { spec: { containers: [container] } } } });

describe("policy: redis-noeviction (RD-2)", () => {
    it("RD-2 compliant: a replication group on a parameter group with noeviction passes", async () => {
        assert.deepStrictEqual(await check([redisNoeviction], [parameterGroup([noeviction]), group()]), []);
    });

    it("RD-2 violating: the default parameter group evicts (volatile-lru) and is rejected, naming the group", async () => {
        for (const g of [group({ parameterGroupName: undefined }), group({ parameterGroupName: "default.redis7" })]) {
            const vs = await check([redisNoeviction], [g]);
            assert.strictEqual(vs.length, 1);
            assert.strictEqual(vs[0].urn, g.urn);
            assert.deepStrictEqual(vs[0].requirements, ["RD-2"]);
            assert.match(vs[0].message, /default .*volatile-lru.*Declare an aws\.elasticache\.ParameterGroup/);
        }
    });

    it("RD-2 violating: a parameter group with an evicting policy, or none, is named", async () => {
        const lru = parameterGroup([{ name: "maxmemory-policy", value: "allkeys-lru" }]);
        const vs = await check([redisNoeviction], [lru, group()]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, lru.urn);
        assert.match(vs[0].message, /sets maxmemory-policy allkeys-lru/);
        const silent = parameterGroup([{ name: "timeout", value: "300" }]);
        assert.match((await check([redisNoeviction], [silent, group()]))[0].message, /family default \(volatile-lru\)/);
    });

    it("RD-2 violating: a parameter group this stack does not declare cannot be shown to set noeviction", async () => {
        const vs = await check([redisNoeviction], [parameterGroup([noeviction], "other"), group({ parameterGroupName: "shared-params" })]);
        assert.match(vs[0].message, /'shared-params', which this stack does not declare/);
    });

    it("RD-2: a parameter-group name only known after `pulumi up` is followed to the resource it comes from", async () => {
        const lru = parameterGroup([{ name: "maxmemory-policy", value: "volatile-ttl" }]);
        const vs = await check([redisNoeviction], [lru, group({ parameterGroupName: "[unknown]" }, { propertyDependencies: { parameterGroupName: [lru.urn] } })]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /volatile-ttl/);
        const ok = parameterGroup([noeviction]);
        assert.deepStrictEqual(await check([redisNoeviction], [ok, group({ parameterGroupName: "[unknown]" }, { propertyDependencies: { parameterGroupName: [ok.urn] } })]), []);
    });

    it("RD-2: under `pulumi up` an auto-named group's generated name is followed through the dependency, not looked up by name", async () => {
        const auto = resource(PARAMS, "queues-params", { family: "redis7", parameters: [noeviction] });
        const up = group({ parameterGroupName: "queues-params-4f2a9c1" }, { propertyDependencies: { parameterGroupName: [auto.urn] } });
        assert.deepStrictEqual(await check([redisNoeviction], [auto, up]), []);
        const lru = resource(PARAMS, "queues-params", { family: "redis7", parameters: [{ name: "maxmemory-policy", value: "allkeys-lru" }] });
        const vs = await check([redisNoeviction], [lru, group({ parameterGroupName: "queues-params-4f2a9c1" }, { propertyDependencies: { parameterGroupName: [lru.urn] } })]);
        assert.deepStrictEqual(vs.map((v) => v.urn), [lru.urn]);
    });

    it("RD-2 compliant: an in-cluster redis.conf with noeviction passes", async () => {
        assert.deepStrictEqual(await check([redisNoeviction], [configMap(conf("maxmemory-policy noeviction"))]), []);
    });

    it("RD-2 violating: an in-cluster redis.conf that evicts, or leaves the policy implicit, is named", async () => {
        const lru = configMap(conf("maxmemory-policy allkeys-lru"));
        const vs = await check([redisNoeviction], [lru]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, lru.urn);
        assert.match(vs[0].message, /'redis-config' sets maxmemory-policy allkeys-lru/);
        // The last directive wins in redis.conf.
        assert.strictEqual((await check([redisNoeviction], [configMap(conf("maxmemory-policy noeviction\nmaxmemory-policy allkeys-lfu"))])).length, 1);
        assert.match((await check([redisNoeviction], [configMap(conf(""))]))[0].message, /does not set maxmemory-policy/);
    });

    it("RD-2: an app-tier cache config may evict; only the data tier holds queues", async () => {
        assert.deepStrictEqual(await check([redisNoeviction], [configMap(conf("maxmemory-policy allkeys-lru"), "app")]), []);
    });

    it("RD-2 violating: a --maxmemory-policy argument that evicts overrides a compliant file and is rejected", async () => {
        const w = workload(redisContainer({ args: ["/etc/redis/redis.conf", "--maxmemory-policy", "allkeys-lru", "--requirepass", "$(REDIS_PASSWORD)"] }));
        const vs = await check([redisNoeviction], [configMap(conf("maxmemory-policy noeviction")), w]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, w.urn);
    });
});

describe("policy: redis-requires-auth (RD-3)", () => {
    it("RD-3 compliant: --requirepass $(REDIS_PASSWORD) with the variable from a Secret passes", async () => {
        assert.deepStrictEqual(await check([redisRequiresAuth], [workload(redisContainer())]), []);
    });

    it("RD-3 violating: a Redis started without --requirepass is rejected, StatefulSet or Deployment", async () => {
        for (const type of [STATEFULSET, DEPLOYMENT]) {
            const w = workload(redisContainer({ args: ["/etc/redis/redis.conf"] }), type);
            const vs = await check([redisRequiresAuth], [w]);
            assert.strictEqual(vs.length, 1, type);
            assert.strictEqual(vs[0].urn, w.urn);
            assert.deepStrictEqual(vs[0].requirements, ["RD-3"]);
            assert.match(vs[0].message, /'redis' of 'redis' starts without --requirepass/);
        }
    });

    it("RD-3 violating: a literal password in the args is rejected (it is readable in the pod spec)", async () => {
        const vs = await check([redisRequiresAuth], [workload(redisContainer({ args: ["--requirepass", "hunter2hunter2"] }))]);
        assert.match(vs[0].message, /literal password/);
    });

    it("RD-3 violating: a password variable with a plain value is rejected", async () => {
        const vs = await check([redisRequiresAuth], [workload(redisContainer({ env: [{ name: "REDIS_PASSWORD", value: "hunter2" }] }))]);
        assert.match(vs[0].message, /REDIS_PASSWORD, which is not set from a Secret/);
    });

    it("RD-3 compliant: a shell start-up and envFrom a Secret pass too", async () => {
        const shell = redisContainer({ command: ["sh", "-c"], args: ['exec redis-server /etc/redis/redis.conf --requirepass "$REDIS_PASSWORD"'], env: [], envFrom: [{ secretRef: { name: "redis-auth" } }] });
        assert.deepStrictEqual(await check([redisRequiresAuth], [workload(shell)]), []);
    });

    it("RD-3: does not apply to workloads that are not Redis", async () => {
        assert.deepStrictEqual(await check([redisRequiresAuth], [workload({ name: "api", image: "ghcr.io/acme/redis-api:1.0", args: [] })]), []);
        assert.deepStrictEqual(await check([redisRequiresAuth], [workload({ name: "pg", image: "postgres:16" })]), []);
    });
});

describe("policy: the Redis components comply with the Redis policies", () => {
    const all = [elasticacheEncryption, elasticacheSnapshotRetention, elasticacheMultiAz, redisNoeviction, redisRequiresAuth];
            const elasticache: RedisConfig = { mode: "elasticache", snapshotRetentionDays: 7, maxmemoryPolicy: "noeviction" };
    const inCluster: RedisConfig = { mode: "in-cluster", snapshotRetentionDays: 7, maxmemoryPolicy: "noeviction" };
    const network = { vpcId: "vpc-0abc1234", subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"], appCidrs: ["10.20.0.0/16"] };
    const productionConfig = { "elasticache-snapshot-retention": { minimumDays: 7 } };
    const stagingConfig = { "elasticache-snapshot-retention": { minimumDays: 1 }, "elasticache-multi-az": { enforcementLevel: "advisory" } };

    it("RD-1, RD-2, RD-3, DB-3, BK-2: production's ElastiCache and in-cluster Redis pass every Redis policy at production settings", async () => {
        const resources = await mockRun(() => {
            new ElastiCache("redis", { redis: elasticache, environment: production, ...network });
            new InCluster("cache", { redis: inCluster, environment: production, namespace: "runbook" });
        }, "production");
        assert.deepStrictEqual(await check(all, resources, productionConfig), []);
    });

    it("RD-2, RD-3, DB-3, BK-2: staging's pass at staging settings; the single node is only an advisory RD-1 note", async () => {
        const resources = await mockRun(() => {
            new ElastiCache("redis", { redis: elasticache, environment: staging, ...network });
            new InCluster("cache", { redis: inCluster, environment: staging, namespace: "runbook-staging" });
        });
        const vs = await check(all, resources, stagingConfig);
        assert.deepStrictEqual(vs.map((v) => [v.policy, v.enforcementLevel]), [["elasticache-multi-az", "advisory"]]);
    });
});
