import * as assert from "assert";
import { alertingModel } from "../../../config/alerting";
import { DEFAULT_VPC_CIDR, connectionEnvNames, resolveNetwork, usesAwsDatastores } from "../../../config/model";
import { validateConfig } from "../../../config/validate";
import { stackRaw } from "../../helpers/stacks";
import { useElastiCache, useInClusterRedis, useMongodb } from "../../helpers/variants";

function model(stack: string, mutate: (c: Record<string, any>) => void = () => undefined) {
    const r = validateConfig(stackRaw(stack, mutate), stack);
    assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.problems, null, 2));
    return r.config;
}

describe("unit: the resolved stack model (issue 18 #1)", () => {
    it("PostgreSQL is a variant in AWS: one daily, size-watched backup target at the primary retention, DATABASE_URL (and the replica's URL with readReplica)", () => {
        const production = model("production", useElastiCache);
        const db = production.database;
        assert.strictEqual(db.engine, "postgres");
        assert.strictEqual(db.inAws, true);
        assert.strictEqual(db.metricsSource, "postgres-exporter");
        assert.deepStrictEqual(db.backupTargets, [{ datastore: "postgres", schedule: "0 2 * * *", retentionDays: 30, watchSize: true, full: true }]);
        assert.deepStrictEqual(db.env.connection, "DATABASE_URL");
        const replica = model("staging", (c) => {
            useElastiCache(c);
            c["runbook:database"].readReplica = true;
        });
        assert.deepStrictEqual(connectionEnvNames(replica), ["DATABASE_URL", "DATABASE_READER_URL", "REDIS_URL"]);
    });

    it("MongoDB is a variant in the cluster: members and storage decided once (3 in production, 1 elsewhere), the daily dump and the hourly oplog capture", () => {
        const production = model("production", (c) => {
            useMongodb(c);
            useInClusterRedis(c);
        });
        const db = production.database;
        assert.ok(db.engine === "mongodb");
        assert.strictEqual(db.members, 3);
        assert.strictEqual(db.storageGb, 50);
        assert.strictEqual(db.engineVersion, "7.0");
        assert.strictEqual(db.inAws, false);
        assert.deepStrictEqual(
            db.backupTargets.map((t) => [t.datastore, t.schedule, t.retentionDays, t.watchSize, t.full]),
            [
                ["mongodb", "0 2 * * *", 30, true, true],
                ["mongodb-oplog", "15 * * * *", 30, false, false],
            ],
        );
        const staging = model("staging", (c) => {
            useMongodb(c);
            useInClusterRedis(c);
        });
        assert.ok(staging.database.engine === "mongodb");
        assert.strictEqual(staging.database.members, 1);
        assert.strictEqual(staging.database.backupRetentionDays, 7);
        assert.deepStrictEqual(connectionEnvNames(staging), ["MONGODB_URI", "REDIS_URL"]);
        assert.strictEqual(usesAwsDatastores(staging), false);
        assert.strictEqual(staging.network, undefined, "nothing in AWS, no network");
    });

    it("BK-1, BK-2: Redis: ElastiCache's daily snapshot is exported to the redis/ prefix like in-cluster Redis's dump, daily and kept 7 days (CloudWatch metrics)", () => {
        const elastiCache = model("production", useElastiCache);
        assert.ok(elastiCache.redis?.mode === "elasticache");
        assert.deepStrictEqual(elastiCache.redis.backupTargets, [{ datastore: "redis", schedule: "0 2 * * *", retentionDays: 7, watchSize: false, full: true }]);
        assert.strictEqual(elastiCache.redis.inAws, true);
        assert.strictEqual(elastiCache.redis.metricsSource, "cloudwatch");
        assert.strictEqual(elastiCache.redis.snapshotRetentionDays, 7);
        const inCluster = model("production", useInClusterRedis);
        assert.ok(inCluster.redis?.mode === "in-cluster");
        assert.deepStrictEqual(inCluster.redis.backupTargets, [{ datastore: "redis", schedule: "0 2 * * *", retentionDays: 7, watchSize: false, full: true }]);
    });

    it("the backups bucket's prefixes and the stack's backup targets come from the variants, database first, with the monthly generation of the full dumps", () => {
        const mongo = model("production", (c) => {
            useMongodb(c);
            useInClusterRedis(c);
        });
        assert.deepStrictEqual(
            mongo.backups.targets.map((t) => t.datastore),
            ["mongodb", "mongodb-oplog", "redis"],
        );
        assert.deepStrictEqual(mongo.backups.bucketPrefixRetentionDays, { mongodb: 30, "mongodb-oplog": 30, redis: 7, "monthly/mongodb": 365 });
        const postgres = model("production", useElastiCache);
        assert.deepStrictEqual(postgres.backups.bucketPrefixRetentionDays, { postgres: 30, redis: 7, "monthly/postgres": 365 });
        // BK-2, BK-4: the backups bucket carries them, ElastiCache's exports under redis/ too; no other bucket is locked.
        const backupsBucket = postgres.storage.buckets.find((b) => b.name === postgres.backups.bucket);
        assert.deepStrictEqual(backupsBucket?.retention, { lockDays: 30, prefixRetentionDays: { postgres: 30, redis: 7, "monthly/postgres": 365 } });
        assert.ok(postgres.storage.buckets.filter((b) => b.purpose !== "backups").every((b) => b.retention === undefined));
    });

    it("the drill restores the stack's own full backups, never the oplog captures (BK-6)", () => {
        const staging = model("staging", (c) => {
            useMongodb(c);
            useInClusterRedis(c);
        });
        const own = (staging.backups.drill?.targets ?? []).filter((t) => t.stack === "staging").map((t) => [t.name, t.datastore]);
        assert.deepStrictEqual(own, [
            ["staging-mongodb", "mongodb"],
            ["staging-redis", "redis"],
        ]);
    });

    it("the network variant decides the data VPC's CIDR once, and where the AWS data stores' addresses lie", () => {
        assert.deepStrictEqual(resolveNetwork({ mode: "create" }), { mode: "create", vpcCidr: DEFAULT_VPC_CIDR, dataCidrs: [DEFAULT_VPC_CIDR] });
        assert.deepStrictEqual(resolveNetwork({ mode: "create", vpcCidr: "10.40.0.0/16" })?.dataCidrs, ["10.40.0.0/16"]);
        assert.deepStrictEqual(resolveNetwork({ mode: "existing", vpcId: "vpc-0abc1234" })?.dataCidrs, ["0.0.0.0/0"]);
        assert.strictEqual(resolveNetwork(undefined), undefined);
    });

    it("the alerts' slice reads the variants: backup targets with their retention, members of a replica set, the Redis mode", () => {
        const mongo = alertingModel(
            model("production", (c) => {
                useMongodb(c);
                useInClusterRedis(c);
            }),
        );
        assert.strictEqual(mongo.databaseEngine, "mongodb");
        assert.strictEqual(mongo.mongodbMembers, 3);
        assert.strictEqual(mongo.redisMode, "in-cluster");
        assert.deepStrictEqual(mongo.backups, [
            { datastore: "mongodb", schedule: "0 2 * * *", retentionDays: 30, watchSize: true },
            { datastore: "mongodb-oplog", schedule: "15 * * * *", retentionDays: 30 },
            { datastore: "redis", schedule: "0 2 * * *", retentionDays: 7 },
        ]);
        const postgres = alertingModel(model("production", useElastiCache));
        assert.strictEqual(postgres.mongodbMembers, undefined);
        // BK-1: the backup alerts watch ElastiCache's export under the redis datastore too.
        assert.deepStrictEqual(postgres.backups, [
            { datastore: "postgres", schedule: "0 2 * * *", retentionDays: 30, watchSize: true },
            { datastore: "redis", schedule: "0 2 * * *", retentionDays: 7 },
        ]);
    });
});
