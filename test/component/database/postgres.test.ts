import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { PostgresDatabase, PostgresDatabaseArgs } from "../../../components/database/postgres";
import { PostgresDatabaseConfig } from "../../../components/database/postgresSettings";
import { PlanResource } from "../../../plan/model";
import { mockRun, ofType, one, staging, production } from "../../helpers/harness";
import { AWS_RDS_INSTANCE as INSTANCE, AWS_KMS_KEY as KEY, AWS_EC2_SECURITY_GROUP as SG, AWS_RDS_PARAMETER_GROUP as PARAMS, AWS_RDS_SUBNET_GROUP as SUBNET_GROUP, RANDOM_RANDOM_PASSWORD as PASSWORD, RANDOM_RANDOM_ID as SUFFIX } from "../../helpers/types";



function args(env: typeof staging, database: Partial<PostgresDatabaseConfig> = {}): PostgresDatabaseArgs {
    return {
        database: { engine: "postgres", engineVersion: "16.4", backupRetentionDays: env.isProduction ? 30 : 7, protect: env.isProduction, replicaMultiAz: false, ...database },
        environment: env,
        vpcId: "vpc-0abc1234",
        subnetIds: ["subnet-0abc1234", "subnet-0def5678"],
        appCidrs: ["10.20.0.0/16"],
    };
}

async function build(env: typeof staging, database: Partial<PostgresDatabaseConfig> = {}) {
    let db: PostgresDatabase | undefined;
    const resources = await mockRun(() => {
        db = new PostgresDatabase("postgres", args(env, database));
    }, env.stack);
    return { resources, db: db!, primary: one(resources, INSTANCE, "instance") };
}

describe("component: PostgresDatabase on RDS (DB-1…DB-6, BK-2, SC-3, ED-2)", () => {
    it("DB-1, DB-2, DB-3: a private, encrypted PostgreSQL instance in the private subnets, behind its own security group", async () => {
        const { resources, primary } = await build(staging);
        const i = primary.inputs;
        assert.strictEqual(i.engine, "postgres");
        assert.strictEqual(i.engineVersion, "16.4");
        assert.strictEqual(i.storageType, "gp3");
        assert.strictEqual(i.publiclyAccessible, false);
        assert.strictEqual(i.storageEncrypted, true);
        assert.strictEqual(i.username, "runbook_admin");
        assert.strictEqual(i.dbName, "runbook");
        // Unknown until the key exists, but wired to it: the plan records which resource feeds each input.
        const key = one(resources, KEY);
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        assert.deepStrictEqual(primary.propertyDependencies.kmsKeyId, [key.urn]);
        assert.deepStrictEqual(primary.propertyDependencies.performanceInsightsKmsKeyId, [key.urn]);
        assert.strictEqual(i.performanceInsightsEnabled, true);
        assert.deepStrictEqual(primary.propertyDependencies.vpcSecurityGroupIds, [one(resources, SG).urn]);
        assert.deepStrictEqual(primary.propertyDependencies.dbSubnetGroupName, [one(resources, SUBNET_GROUP).urn]);
        assert.deepStrictEqual(one(resources, SUBNET_GROUP).inputs.subnetIds, ["subnet-0abc1234", "subnet-0def5678"]);
    });

    it("DB-2: the security group admits only 5432/tcp from the app CIDRs, allows no egress, and describes every rule", async () => {
        const { resources } = await build(staging);
        const sg = one(resources, SG);
        assert.strictEqual(sg.inputs.vpcId, "vpc-0abc1234");
        const ingress = sg.inputs.ingress as Array<Record<string, unknown>>;
        assert.deepStrictEqual(
            ingress.map((r) => ({ protocol: r.protocol, fromPort: r.fromPort, toPort: r.toPort, cidrBlocks: r.cidrBlocks })),
            [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.20.0.0/16"] }],
        );
        const rules = [...ingress, ...(sg.inputs.egress as Array<Record<string, unknown>>)];
        for (const rule of rules) assert.ok(typeof rule.description === "string" && rule.description.trim() !== "", `rule ${JSON.stringify(rule)} has a description`);
        assert.deepStrictEqual(sg.inputs.egress, []);
        assert.strictEqual(ofType(resources, "aws:ec2/securityGroupRule:SecurityGroupRule").length + ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").length, 0);
    });

    it("DB-2: refuses app CIDRs that would open the database to the internet", async () => {
        const withCidrs = (appCidrs: string[]) =>
            mockRun(() => {
                new PostgresDatabase("postgres", { ...args(staging), appCidrs });
            });
        await assert.rejects(withCidrs(["10.20.0.0/16", "0.0.0.0/0"]), /network\.appCidrs\[1\]: '0\.0\.0\.0\/0' admits the whole internet/);
        await assert.rejects(withCidrs([]), /network\.appCidrs: is empty/);
    });

    it("DB-2: admits the cluster by its security group, with no CIDR at all when none is given", async () => {
        const resources = await mockRun(() => {
            new PostgresDatabase("postgres", { ...args(production), appCidrs: [], appSecurityGroupIds: ["sg-0abc1234"] });
        }, "production");
        const ingress = one(resources, SG).inputs.ingress as Array<Record<string, unknown>>;
        assert.deepStrictEqual(ingress.map((i) => [i.fromPort, i.cidrBlocks, i.securityGroups]), [[5432, undefined, ["sg-0abc1234"]]]);
    });

    it("ED-2, DB-4: the instance uses its own parameter group, which forces TLS and turns on pg_stat_statements and the slow-query log", async () => {
        const { resources, primary } = await build(staging, { slowQueryMs: 250 });
        const params = one(resources, PARAMS);
        assert.strictEqual(params.inputs.family, "postgres16");
        assert.strictEqual(params.inputs.namePrefix, "runbook-staging-postgres-postgres16-");
        const values = Object.fromEntries((params.inputs.parameters as Array<{ name: string; value: string }>).map((p) => [p.name, p.value]));
        assert.deepStrictEqual(values, { "rds.force_ssl": "1", shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all", log_min_duration_statement: "250" });
        assert.deepStrictEqual(primary.inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
    });

    it("ED-2: the parameter group is never given a fixed name, so a new family creates the new group first; the old one is retained, since the instance still uses it until its maintenance window", async () => {
        const { resources, primary } = await build(staging);
        const params = one(resources, PARAMS);
        assert.strictEqual(params.inputs.name, undefined, "a fixed name would collide with the group still in use during the replacement");
        assert.strictEqual(params.deleteBeforeReplace, false);
        // The instance takes the new group only at its maintenance window: the old one must not be deleted by the update.
        assert.strictEqual(params.retainOnDelete, true, "a replaced group is left in AWS, never deleted while still attached");
        // The instance names the group through a dependency, which is how rds-force-ssl matches them while the name is unknown.
        assert.deepStrictEqual(primary.propertyDependencies.parameterGroupName, [params.urn]);
    });

    it("DB-1: a major version only turns automatic minor upgrades on; a pinned minor turns them off", async () => {
        const { primary } = await build(staging, { engineVersion: "16" });
        assert.deepStrictEqual([primary.inputs.engineVersion, primary.inputs.autoMinorVersionUpgrade], ["16", true]);
        const pinned = await build(staging, { engineVersion: "16.6" });
        assert.deepStrictEqual([pinned.primary.inputs.engineVersion, pinned.primary.inputs.autoMinorVersionUpgrade], ["16.6", false]);
    });

    it("ED-2, DB-4: parameter values survive the auto-naming", async () => {
        const { resources, primary } = await build(staging, { slowQueryMs: 250 });
        const params = one(resources, PARAMS);
        const values = Object.fromEntries((params.inputs.parameters as Array<{ name: string; value: string }>).map((p) => [p.name, p.value]));
        assert.deepStrictEqual(values, { "rds.force_ssl": "1", shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all", log_min_duration_statement: "250" });
        assert.deepStrictEqual(primary.inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
    });

    it("BK-1, BK-2: daily backups in the configured window with the resolved retention", async () => {
        const { primary } = await build(production);
        assert.strictEqual(primary.inputs.backupRetentionPeriod, 30);
        assert.strictEqual(primary.inputs.backupWindow, "02:00-03:00");
        assert.strictEqual(primary.inputs.maintenanceWindow, "sun:04:00-sun:05:00");
        assert.strictEqual(primary.inputs.copyTagsToSnapshot, true);
    });

    it("DB-6: production protects, retains and deletion-protects the instance and its key", async () => {
        const { resources, primary } = await build(production);
        assert.deepStrictEqual([primary.protect, primary.retainOnDelete, primary.inputs.deletionProtection], [true, true, true]);
        const key = one(resources, KEY);
        assert.deepStrictEqual([key.protect, key.retainOnDelete], [true, true]);
        assert.strictEqual(primary.inputs.deleteAutomatedBackups, false);
        assert.strictEqual(primary.inputs.instanceClass, "db.m6g.large");
    });

    it("DB-6: staging can be torn down, but still leaves a final snapshot", async () => {
        const { resources, primary } = await build(staging);
        assert.deepStrictEqual([primary.protect, primary.retainOnDelete, primary.inputs.deletionProtection], [false, false, false]);
        assert.strictEqual(one(resources, KEY).protect, false);
        assert.strictEqual(primary.inputs.instanceClass, "db.t4g.medium");
    });

    it("DB-6: every environment takes a final snapshot named with a random suffix", async () => {
        for (const env of [staging, production]) {
            const { resources, primary } = await build(env);
            assert.strictEqual(primary.inputs.skipFinalSnapshot, false);
            assert.ok("finalSnapshotIdentifier" in primary.inputs);
            assert.deepStrictEqual(primary.propertyDependencies.finalSnapshotIdentifier, [one(resources, SUFFIX).urn]);
        }
    });

    it("DB-1: Multi-AZ by default in production only, and the config can override it", async () => {
        assert.strictEqual((await build(production)).primary.inputs.multiAz, true);
        assert.strictEqual((await build(staging)).primary.inputs.multiAz, false);
        assert.strictEqual((await build(staging, { multiAz: true })).primary.inputs.multiAz, true);
    });

    it("DB-5: a read replica exists only when asked, private, encrypted, TLS-only, and protected in production", async () => {
        const without = await build(production);
        assert.strictEqual(ofType(without.resources, INSTANCE).length, 1);
        assert.strictEqual(without.db.replicaAddress, undefined);

        const { resources, primary, db } = await build(production, { readReplica: true });
        assert.strictEqual(ofType(resources, INSTANCE).length, 2);
        const replica = one(resources, INSTANCE, "replica");
        assert.deepStrictEqual(replica.propertyDependencies.replicateSourceDb, [primary.urn]);
        assert.strictEqual(replica.inputs.publiclyAccessible, false);
        assert.strictEqual(replica.inputs.storageEncrypted, true);
        assert.strictEqual(replica.inputs.parameterGroupName, primary.inputs.parameterGroupName);
        assert.strictEqual(replica.protect, true);
        assert.strictEqual(replica.inputs.deletionProtection, true);
        // RDS refuses a same-region replica's KMS key, password, and final snapshot.
        for (const absent of ["kmsKeyId", "password", "username", "finalSnapshotIdentifier"]) assert.ok(!(absent in replica.inputs), `${absent} is not set on the replica`);
        assert.ok(db.replicaAddress, "the replica's address, for the apps' reader URL");
        assert.strictEqual(replica.inputs.multiAz, false, "a replica nobody reads from stays single-AZ");
        const readFrom = one((await build(production, { readReplica: true, replicaMultiAz: true })).resources, INSTANCE, "replica");
        assert.strictEqual(readFrom.inputs.multiAz, true, "DB-5: database.replicaMultiAz puts the replica in two AZs");

        const stagingReplica = one((await build(staging, { readReplica: true })).resources, INSTANCE, "replica");
        assert.strictEqual(stagingReplica.protect, false);
    });

    it("SC-3: the master password is generated by random.RandomPassword and recorded only as [secret]", async () => {
        const { resources, primary } = await build(staging);
        const password = one(resources, PASSWORD);
        assert.strictEqual(primary.inputs.password, "[secret]");
        assert.deepStrictEqual(primary.propertyDependencies.password, [password.urn]);
        assert.ok((password.inputs.length as number) >= 32);
        assert.strictEqual(password.inputs.overrideSpecial, "-_.~", "only URL-safe specials, none that RDS forbids");
        const everything = JSON.stringify(resources);
        assert.ok(!everything.includes("postgres://"), "no connection string is recorded in any input");
    });

    it("SC-1: the master user's URL (adminUrl, for the role Jobs only) is a secret output", async () => {
        const { db } = await build(staging);
        assert.strictEqual(await pulumi.isSecret(db.adminUrl), true);
    });

    it("parents every child to the component and names it after the component", async () => {
        const { resources } = await build(staging);
        const component = one(resources, "runbook:database:Postgres");
        const children = resources.filter((r: PlanResource) => r.custom);
        assert.ok(children.length >= 8);
        for (const r of children) assert.strictEqual(r.parent, component.urn, `${r.name} is a child of the component`);
        for (const r of children) assert.match(r.name, /^postgres-/);
    });
});
