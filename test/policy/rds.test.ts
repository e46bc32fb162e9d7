import * as assert from "assert";
import { PostgresDatabase } from "../../components/database/postgres";
import { PlanResource, UNKNOWN, SECRET } from "../../plan/model";
import {
    rdsBackupRetention,
    rdsDeletionProtection,
    rdsForceSsl,
    rdsMasterPasswordRoleJobsOnly,
    rdsMultiAz,
    rdsNotPublic,
    rdsPasswordNotLiteral,
    rdsStorageEncrypted,
} from "../../policies/rules/rds";
import { mockRun } from "../helpers/harness";
import { check, resource } from "../helpers/policy";
import { Policy } from "@pulumi/policy";
import { AWS_RDS_INSTANCE as INSTANCE, AWS_RDS_PARAMETER_GROUP as PARAMS, RANDOM_RANDOM_PASSWORD as PASSWORD } from "../helpers/types";


const passwordResource = resource(PASSWORD, "db-password", { length: 32 });
const paramsResource = (parameters: Array<{ name: string; value: string }>, name = "runbook-test-db-postgres16", resourceName = "db-params") =>
    resource(PARAMS, resourceName, { name, family: "postgres16", parameters });
const forceSsl = paramsResource([{ name: "rds.force_ssl", value: "1" }]);
const kmsKey = resource("aws:kms/key:Key", "db-key", { enableKeyRotation: true, deletionWindowInDays: 30 });

/** A primary as the component declares it in production: every policy passes. */
function primary(overrides: Record<string, unknown> = {}, options: Partial<PlanResource> = {}): PlanResource {
    return resource(
        INSTANCE,
        "db-instance",
        {
            engine: "postgres",
            engineVersion: "16.4",
            instanceClass: "db.m6g.large",
            storageEncrypted: true,
            kmsKeyId: UNKNOWN,
            publiclyAccessible: false,
            multiAz: true,
            backupRetentionPeriod: 30,
            deletionProtection: true,
            skipFinalSnapshot: false,
            deleteAutomatedBackups: false,
            finalSnapshotIdentifier: UNKNOWN,
            parameterGroupName: "runbook-test-db-postgres16",
            username: "runbook_admin",
            password: SECRET,
            ...overrides,
        },
        { propertyDependencies: { password: [passwordResource.urn], parameterGroupName: [forceSsl.urn], kmsKeyId: [kmsKey.urn] }, ...options },
    );
}

function replica(source: PlanResource, overrides: Record<string, unknown> = {}): PlanResource {
    return resource(
        INSTANCE,
        "db-replica",
        { replicateSourceDb: UNKNOWN, instanceClass: "db.m6g.large", storageEncrypted: true, publiclyAccessible: false, multiAz: false, deletionProtection: true, skipFinalSnapshot: true, parameterGroupName: "runbook-test-db-postgres16", ...overrides },
        { propertyDependencies: { replicateSourceDb: [source.urn], parameterGroupName: [forceSsl.urn] } },
    );
}

const env = { staging: { stack: "staging", isProduction: false }, production: { stack: "production", isProduction: true } };

/** The resources the real component declares, as the offline plan records them. */
async function componentPlan(stack: "staging" | "production", readReplica = true): Promise<PlanResource[]> {
    const environment = env[stack];
    return mockRun(() => {
        new PostgresDatabase("postgres", {
            database: { engine: "postgres", engineVersion: "16.4", backupRetentionDays: environment.isProduction ? 30 : 7, protect: environment.isProduction, readReplica, replicaMultiAz: false },
            environment,
            vpcId: "vpc-0abc1234",
            subnetIds: ["subnet-0abc1234", "subnet-0def5678"],
            appCidrs: ["10.20.0.0/16"],
        });
    }, stack);
}

/** The entries suggested for policies/config/<stack>.json. */
const SUGGESTED: Record<"staging" | "production", Record<string, Record<string, unknown>>> = {
    production: { "rds-backup-retention": { minimumDays: 14 }, "rds-multi-az": { enforcementLevel: "mandatory" } },
    staging: { "rds-backup-retention": { minimumDays: 7 }, "rds-deletion-protection": { requireDeletionProtection: false }, "rds-multi-az": { enforcementLevel: "advisory" } },
};
/** A stack's suggested config for one policy, as a policy config file holding only that policy. */
function suggested(stack: "staging" | "production", policy: Policy): Record<string, unknown> {
    const entry = SUGGESTED[stack][policy.name];
    return entry ? { [policy.name]: entry } : {};
}

describe("policy: rds-storage-encrypted (DB-3)", () => {
    it("DB-3 compliant: encrypted with a customer-managed key (unknown during preview) passes", async () => {
        assert.deepStrictEqual(await check([rdsStorageEncrypted], [kmsKey, primary()]), []);
    });

    it("DB-3 violating: unencrypted storage is a mandatory violation naming the instance", async () => {
        const db = primary({ storageEncrypted: false });
        const vs = await check([rdsStorageEncrypted], [db]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, db.urn);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory");
        assert.deepStrictEqual(vs[0].requirements, ["DB-3"]);
        assert.match(vs[0].message, /'db-instance' does not encrypt its storage \(storageEncrypted is false\)/);
    });

    it("DB-3 violating: storageEncrypted left unset is caught too", async () => {
        const { storageEncrypted: _, ...rest } = primary().inputs;
        const vs = await check([rdsStorageEncrypted], [resource(INSTANCE, "db-instance", rest)]);
        assert.match(vs[0].message, /storageEncrypted is not set/);
    });

    it("DB-3 violating: the AWS-managed key (no kmsKeyId) is rejected on a primary, unless config allows it", async () => {
        const { kmsKeyId: _, ...rest } = primary().inputs;
        const db = resource(INSTANCE, "db-instance", rest);
        assert.match((await check([rdsStorageEncrypted], [db]))[0].message, /AWS-managed key/);
        assert.deepStrictEqual(await check([rdsStorageEncrypted], [db], { "rds-storage-encrypted": { requireCustomerManagedKey: false } }), []);
    });

    it("DB-3 compliant: a same-region replica needs no kmsKeyId (it uses its source's key)", async () => {
        const source = primary();
        assert.deepStrictEqual(await check([rdsStorageEncrypted], [kmsKey, source, replica(source)]), []);
    });

    it("DB-3 compliant: the component's primary and replica pass", async () => {
        assert.deepStrictEqual(await check([rdsStorageEncrypted], await componentPlan("production")), []);
    });
});

describe("policy: rds-not-public (DB-2)", () => {
    it("DB-2 compliant: a private instance passes", async () => {
        assert.deepStrictEqual(await check([rdsNotPublic], [primary()]), []);
    });

    it("DB-2 violating: a publicly accessible instance or replica is rejected", async () => {
        const source = primary({ publiclyAccessible: true });
        const vs = await check([rdsNotPublic], [source, replica(source, { publiclyAccessible: true })]);
        assert.deepStrictEqual(vs.map((v) => v.urn).sort(), [source.urn, replica(source).urn].sort());
        assert.match(vs[0].message, /is publicly accessible\. Set publiclyAccessible: false/);
        assert.deepStrictEqual(vs[0].requirements, ["DB-2"]);
    });

    it("DB-2 compliant: the component's instances pass", async () => {
        assert.deepStrictEqual(await check([rdsNotPublic], await componentPlan("staging")), []);
    });
});

describe("policy: rds-backup-retention (BK-2)", () => {
    it("BK-2 compliant: 30 days passes the production minimum of 14", async () => {
        assert.deepStrictEqual(await check([rdsBackupRetention], [primary()], suggested("production", rdsBackupRetention)), []);
    });

    it("BK-2 violating: 7 days is below the production minimum of 14, and says what is required", async () => {
        const db = primary({ backupRetentionPeriod: 7 });
        const vs = await check([rdsBackupRetention], [db], suggested("production", rdsBackupRetention));
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, db.urn);
        assert.match(vs[0].message, /keeps backups for 7 day\(s\); 14–35 required/);
        assert.deepStrictEqual(vs[0].requirements, ["BK-2"]);
    });

    it("BK-2: defaults to 14–35 days in production and 7–35 elsewhere: 0 (backups off) and an unset retention fail", async () => {
        assert.deepStrictEqual(await check([rdsBackupRetention], [primary({ backupRetentionPeriod: 14 })]), []);
        assert.deepStrictEqual(await check([rdsBackupRetention], [primary({ backupRetentionPeriod: 7 }, { stack: "pr-123" } as never)]), []);
        assert.match((await check([rdsBackupRetention], [primary({ backupRetentionPeriod: 7 })]))[0].message, /7 day\(s\); 14–35 required/);
        assert.match((await check([rdsBackupRetention], [primary({ backupRetentionPeriod: 0 })]))[0].message, /0 day\(s\); 14–35 required/);
        const { backupRetentionPeriod: _, ...rest } = primary().inputs;
        assert.match((await check([rdsBackupRetention], [resource(INSTANCE, "db-instance", rest)]))[0].message, /does not set backupRetentionPeriod/);
    });

    it("BK-2 violating: above the configured maximum", async () => {
        const vs = await check([rdsBackupRetention], [primary({ backupRetentionPeriod: 35 })], { "rds-backup-retention": { maximumDays: 30 } });
        assert.match(vs[0].message, /35 day\(s\); 14–30 required/);
    });

    it("BK-2: a read replica is not checked (its source's backups cover it)", async () => {
        const source = primary();
        assert.deepStrictEqual(await check([rdsBackupRetention], [source, replica(source)], suggested("production", rdsBackupRetention)), []);
    });

    it("BK-2 compliant: the component passes each stack's suggested minimum with its resolved retention", async () => {
        assert.deepStrictEqual(await check([rdsBackupRetention], await componentPlan("production"), suggested("production", rdsBackupRetention)), []);
        assert.deepStrictEqual(await check([rdsBackupRetention], await componentPlan("staging"), suggested("staging", rdsBackupRetention)), []);
    });
});

describe("policy: rds-deletion-protection (DB-6)", () => {
    it("DB-6 compliant: deletion protection plus a final snapshot passes", async () => {
        assert.deepStrictEqual(await check([rdsDeletionProtection], [primary()]), []);
    });

    it("DB-6 violating: no deletion protection and no final snapshot are reported together, with the fix", async () => {
        const db = primary({ deletionProtection: false, skipFinalSnapshot: true, finalSnapshotIdentifier: undefined });
        const vs = await check([rdsDeletionProtection], [db]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, db.urn);
        assert.match(vs[0].message, /deletionProtection is false; skipFinalSnapshot is true; no finalSnapshotIdentifier is set/);
        assert.match(vs[0].message, /set deletionProtection: true, set skipFinalSnapshot: false, set a unique finalSnapshotIdentifier/);
    });

    it("DB-6 violating: a final snapshot without a name is still a violation", async () => {
        const { finalSnapshotIdentifier: _, ...rest } = primary().inputs;
        const vs = await check([rdsDeletionProtection], [resource(INSTANCE, "db-instance", rest)]);
        assert.match(vs[0].message, /no finalSnapshotIdentifier is set/);
    });

    it("DB-6: staging's config drops deletion protection but still requires the final snapshot", async () => {
        assert.deepStrictEqual(await check([rdsDeletionProtection], [primary({ deletionProtection: false })], suggested("staging", rdsDeletionProtection)), []);
        const vs = await check([rdsDeletionProtection], [primary({ deletionProtection: false, skipFinalSnapshot: true })], suggested("staging", rdsDeletionProtection));
        assert.match(vs[0].message, /skipFinalSnapshot is true/);
        assert.doesNotMatch(vs[0].message, /deletionProtection/);
    });

    it("DB-6: a replica needs deletion protection but no final snapshot (RDS refuses one)", async () => {
        const source = primary();
        assert.deepStrictEqual(await check([rdsDeletionProtection], [source, replica(source, { deletionProtection: true })]), []);
        const vs = await check([rdsDeletionProtection], [source, replica(source, { deletionProtection: false })]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /'db-replica' .*deletionProtection is false/);
    });

    it("DB-6 compliant: the component passes in production (defaults) and in staging (suggested config)", async () => {
        assert.deepStrictEqual(await check([rdsDeletionProtection], await componentPlan("production")), []);
        assert.deepStrictEqual(await check([rdsDeletionProtection], await componentPlan("staging"), suggested("staging", rdsDeletionProtection)), []);
    });
});

describe("policy: rds-multi-az (DB-1)", () => {
    it("DB-1 compliant: a Multi-AZ primary passes; replicas are not checked", async () => {
        const source = primary();
        assert.deepStrictEqual(await check([rdsMultiAz], [source, replica(source)]), []);
    });

    it("DB-1 violating: a single-AZ primary is mandatory in production and advisory in staging", async () => {
        const db = primary({ multiAz: false });
        const prod = await check([rdsMultiAz], [db], suggested("production", rdsMultiAz));
        assert.strictEqual(prod.length, 1);
        assert.strictEqual(prod[0].enforcementLevel, "mandatory");
        assert.strictEqual(prod[0].urn, db.urn);
        assert.match(prod[0].message, /is single-AZ \(multiAz is false\)\. Set multiAz: true/);
        assert.strictEqual((await check([rdsMultiAz], [db], suggested("staging", rdsMultiAz)))[0].enforcementLevel, "advisory");
    });

    it("DB-1: the component is Multi-AZ in production, and flagged (advisory) as single-AZ in staging", async () => {
        assert.deepStrictEqual(await check([rdsMultiAz], await componentPlan("production"), suggested("production", rdsMultiAz)), []);
        const staging = await check([rdsMultiAz], await componentPlan("staging"), suggested("staging", rdsMultiAz));
        assert.deepStrictEqual(staging.map((v) => v.enforcementLevel), ["advisory"]);
    });
});

describe("policy: rds-force-ssl (ED-2)", () => {
    it("ED-2 compliant: the instance's parameter group sets rds.force_ssl = 1", async () => {
        assert.deepStrictEqual(await check([rdsForceSsl], [forceSsl, primary()]), []);
    });

    it("ED-2 compliant: matched by name when the group is referenced by a literal name", async () => {
        const db = primary({}, { propertyDependencies: { password: [passwordResource.urn] } });
        assert.deepStrictEqual(await check([rdsForceSsl], [forceSsl, db]), []);
    });

    it("ED-2 violating: a parameter group with rds.force_ssl = 0, or without it, is named in the violation", async () => {
        for (const parameters of [[{ name: "rds.force_ssl", value: "0" }], [{ name: "log_min_duration_statement", value: "500" }]]) {
            const group = paramsResource(parameters);
            const db = primary({}, { propertyDependencies: { parameterGroupName: [group.urn] } });
            const vs = await check([rdsForceSsl], [group, db]);
            assert.strictEqual(vs.length, 1);
            assert.strictEqual(vs[0].urn, db.urn);
            assert.deepStrictEqual(vs[0].requirements, ["ED-2"]);
            assert.match(vs[0].message, /parameter group 'db-params', where rds\.force_ssl is ("0"|not set)/);
        }
    });

    it("ED-2 violating: the default parameter group (none given) is a violation", async () => {
        const { parameterGroupName: _, ...rest } = primary().inputs;
        const db = resource(INSTANCE, "db-instance", rest);
        const vs = await check([rdsForceSsl], [db]);
        assert.strictEqual(vs[0].urn, db.urn);
        assert.match(vs[0].message, /default parameter group/);
    });

    it("ED-2 violating: a group this stack does not declare cannot be checked", async () => {
        const db = primary({ parameterGroupName: "shared-pg" }, { propertyDependencies: {} });
        assert.match((await check([rdsForceSsl], [forceSsl, db]))[0].message, /'shared-pg', which this stack does not declare/);
    });

    it("ED-2 compliant: an auto-named group (namePrefix, name unknown at preview) is found through the instance's dependency", async () => {
        const group = resource(PARAMS, "db-params", { namePrefix: "runbook-test-db-postgres16-", family: "postgres16", parameters: [{ name: "rds.force_ssl", value: "1" }] });
        const db = primary({ parameterGroupName: UNKNOWN }, { propertyDependencies: { password: [passwordResource.urn], parameterGroupName: [group.urn] } });
        assert.deepStrictEqual(await check([rdsForceSsl], [group, db]), []);
    });

    it("ED-2 violating: an auto-named group without rds.force_ssl is caught through the dependency, with the name unknown", async () => {
        const group = resource(PARAMS, "db-params", { namePrefix: "runbook-test-db-postgres16-", family: "postgres16", parameters: [{ name: "rds.force_ssl", value: "0" }] });
        const db = primary({ parameterGroupName: UNKNOWN }, { propertyDependencies: { password: [passwordResource.urn], parameterGroupName: [group.urn] } });
        const vs = await check([rdsForceSsl], [group, db]);
        assert.deepStrictEqual(vs.map((v) => [v.urn, v.enforcementLevel]), [[db.urn, "mandatory"]]);
        assert.match(vs[0].message, /rds\.force_ssl is "0"/);
    });

    it("ED-2: under `pulumi up` a generated name is matched to the declared group by its namePrefix", async () => {
        const ok = resource(PARAMS, "db-params", { namePrefix: "runbook-test-db-postgres16-", family: "postgres16", parameters: [{ name: "rds.force_ssl", value: "1" }] });
        const generated = primary({ parameterGroupName: "runbook-test-db-postgres16-20250101abcdef" }, { propertyDependencies: { password: [passwordResource.urn] } });
        assert.deepStrictEqual(await check([rdsForceSsl], [ok, generated]), []);
        const bad = resource(PARAMS, "db-params", { namePrefix: "runbook-test-db-postgres16-", family: "postgres16", parameters: [] });
        assert.match((await check([rdsForceSsl], [bad, generated]))[0].message, /rds\.force_ssl is not set/);
    });

    it("ED-2: a replica is checked through its source's engine", async () => {
        const source = primary();
        const group = paramsResource([{ name: "rds.force_ssl", value: "0" }], "other", "other-params");
        const r = resource(INSTANCE, "db-replica", { replicateSourceDb: UNKNOWN, parameterGroupName: "other" }, { propertyDependencies: { replicateSourceDb: [source.urn], parameterGroupName: [group.urn] } });
        const vs = await check([rdsForceSsl], [forceSsl, group, source, r]);
        assert.deepStrictEqual(vs.map((v) => v.urn), [r.urn]);
    });

    it("ED-2: MySQL instances are not checked (rds.force_ssl is a PostgreSQL parameter)", async () => {
        const { parameterGroupName: _, ...rest } = primary().inputs;
        assert.deepStrictEqual(await check([rdsForceSsl], [resource(INSTANCE, "mysql", { ...rest, engine: "mysql" })]), []);
    });

    it("ED-2 compliant: the component's primary and replica pass", async () => {
        assert.deepStrictEqual(await check([rdsForceSsl], await componentPlan("production")), []);
    });
});

describe("policy: rds-password-not-literal (SC-3)", () => {
    it("SC-3 compliant: a password from random.RandomPassword passes", async () => {
        assert.deepStrictEqual(await check([rdsPasswordNotLiteral], [passwordResource, primary()]), []);
    });

    it("SC-3 compliant: an RDS-managed master password (Secrets Manager) passes", async () => {
        const { password: _, ...rest } = primary().inputs;
        assert.deepStrictEqual(await check([rdsPasswordNotLiteral], [resource(INSTANCE, "db-instance", { ...rest, manageMasterUserPassword: true })]), []);
    });

    it("SC-3 violating: a literal password is rejected without printing it", async () => {
        const db = primary({ password: "hunter2hunter2" }, { propertyDependencies: {} });
        const vs = await check([rdsPasswordNotLiteral], [db]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, db.urn);
        assert.deepStrictEqual(vs[0].requirements, ["SC-3"]);
        assert.match(vs[0].message, /sets its master password from a value no password generator produced/);
        assert.doesNotMatch(vs[0].message, /hunter2/);
    });

    it("SC-3 violating: a typed-in secret (pulumi.secret of a literal) is not generated either", async () => {
        const db = primary({ password: SECRET }, { propertyDependencies: {} });
        assert.strictEqual((await check([rdsPasswordNotLiteral], [db])).length, 1);
    });

    it("SC-3 violating: depending on some other resource does not count", async () => {
        const other = resource("aws:ssm/parameter:Parameter", "pw", {});
        const db = primary({ passwordWo: SECRET, password: undefined }, { propertyDependencies: { passwordWo: [other.urn] } });
        const vs = await check([rdsPasswordNotLiteral], [other, db]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /master passwordWo/);
    });

    it("SC-3 compliant: the component's password, as recorded in the plan (propertyDependencies), passes", async () => {
        const plan = await componentPlan("staging");
        const instance = plan.find((r) => r.type === INSTANCE && r.name === "postgres-instance")!;
        assert.strictEqual(plan.find((r) => r.urn === instance.propertyDependencies.password[0])?.type, PASSWORD);
        assert.deepStrictEqual(await check([rdsPasswordNotLiteral], plan), []);
    });
});

describe("policy: rds-master-password-role-jobs-only (SC-5, SC-3)", () => {
    const K8S_SECRET = "kubernetes:core/v1:Secret";
    /** A Secret whose stringData is made from `from` (the master password, or anything else). */
    const secret = (name: string, from: string[]) => resource(K8S_SECRET, name, { metadata: { name: UNKNOWN }, stringData: SECRET }, { propertyDependencies: { stringData: from, metadata: from } });
    /** A workload reading `secretName` through secretKeyRef, depending on the Secret resources `reads`. */
    const workload = (type: string, name: string, reads: PlanResource[], labels: Record<string, string> = {}) => {
        const pod = { metadata: { labels }, spec: { containers: [{ name: "c", image: "x:1", env: [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: UNKNOWN, key: "DATABASE_URL" } } }] }] } };
        const spec = type === "kubernetes:batch/v1:CronJob" ? { jobTemplate: { spec: { template: pod } } } : { template: pod };
        return resource(type, name, { metadata: { name }, spec }, { propertyDependencies: { spec: reads.map((r) => r.urn) } });
    };
    const db = primary();
    const adminSecret = secret("roles-setup", [passwordResource.urn, db.urn]);
    const appPassword = resource(PASSWORD, "app-password", { length: 32 });
    const appSecret = secret("runbook-env", [appPassword.urn, db.urn]);
    const roleJob = workload("kubernetes:batch/v1:Job", "roles", [adminSecret], { "app.kubernetes.io/name": "postgres-app-roles" });

    it("SC-5 compliant: the role Job reads the master URL's Secret, the app reads its own role's", async () => {
        const app = workload("kubernetes:apps/v1:Deployment", "api", [appSecret], { "runbook.dev/tier": "app" });
        assert.deepStrictEqual(await check([rdsMasterPasswordRoleJobsOnly], [passwordResource, db, adminSecret, appSecret, appPassword, roleJob, app]), []);
    });

    it("SC-5 violating: an app, a migration Job (app tier) and a backup CronJob that read a Secret made from the master password are each named", async () => {
        const app = workload("kubernetes:apps/v1:Deployment", "api", [adminSecret], { "runbook.dev/tier": "app" });
        const migration = workload("kubernetes:batch/v1:Job", "api-migrate", [adminSecret], { "runbook.dev/tier": "app" });
        const backup = workload("kubernetes:batch/v1:CronJob", "backup-postgres", [adminSecret], { "runbook.dev/role": "backup" });
        const vs = await check([rdsMasterPasswordRoleJobsOnly], [passwordResource, db, adminSecret, roleJob, app, migration, backup]);
        assert.deepStrictEqual(vs.map((v) => v.urn).sort(), [app.urn, migration.urn, backup.urn].sort());
        assert.match(vs.find((v) => v.urn === app.urn)!.message, /Deployment 'api' reads a Secret that holds the RDS master password/);
        assert.deepStrictEqual(vs[0].requirements, ["SC-5", "SC-3"]);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory");
    });

    it("SC-5 violating: a Secret read by its known name counts as much as one wired by dependency", async () => {
        const named = resource(K8S_SECRET, "runbook-env", { metadata: { name: "runbook-env" }, stringData: SECRET }, { propertyDependencies: { stringData: [passwordResource.urn] } });
        const app = workload("kubernetes:apps/v1:Deployment", "api", []);
        ((app.inputs.spec as any).template.spec.containers[0].env[0].valueFrom.secretKeyRef as any).name = "runbook-env";
        const vs = await check([rdsMasterPasswordRoleJobsOnly], [passwordResource, db, named, app]);
        assert.deepStrictEqual(vs.map((v) => v.urn), [app.urn]);
    });

    it("SC-5 violating: a ConfigMap or a Deployment's env that takes a value made from the master password", async () => {
        const configMap = resource("kubernetes:core/v1:ConfigMap", "settings", { data: { DATABASE_URL: SECRET } }, { propertyDependencies: { data: [passwordResource.urn] } });
        const vs = await check([rdsMasterPasswordRoleJobsOnly], [passwordResource, db, configMap]);
        assert.deepStrictEqual(vs.map((v) => v.urn), [configMap.urn]);
        assert.match(vs[0].message, /ConfigMap 'settings' takes a value made from the RDS master password/);
    });

    it("SC-5 compliant: the component's own plan (no Kubernetes objects) and a stack without RDS pass", async () => {
        assert.deepStrictEqual(await check([rdsMasterPasswordRoleJobsOnly], await componentPlan("production")), []);
        assert.deepStrictEqual(await check([rdsMasterPasswordRoleJobsOnly], [workload("kubernetes:apps/v1:Deployment", "api", [appSecret])]), []);
    });
});
