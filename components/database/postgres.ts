import * as aws from "../providers/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "../providers/random";
import type { Environment } from "../../config";
import type { DatabaseSettings } from "../../config/model";
import { clusterSources } from "../network/dataNetwork";
import { parseCidr } from "../../lib/cidr";
import {
    DATABASE_NAME,
    MASTER_PASSWORD_SPEC,
    MASTER_USERNAME,
    POSTGRES_PORT,
    databaseUrl,
    finalSnapshotIdentifier,
    keyAliasName,
    parameterGroupNamePrefix,
    parameterGroupParameters,
    postgresSettings,
} from "./postgresSettings";

export interface PostgresDatabaseArgs {
    /**
     * The stack's `database` config (engine postgres). Unset values default by environment:
     * instanceClass db.m6g.large in production and db.t4g.medium elsewhere; multiAz true in
     * production and false elsewhere; allocatedStorageGb 50; maxAllocatedStorageGb 4x the allocated
     * storage; slowQueryMs 500; backupWindow 02:00-03:00; maintenanceWindow sun:04:00-sun:05:00;
     * readReplica false. `backupRetentionDays`, `protect` and `replicaMultiAz` come resolved from the config.
     */
    database: DatabaseSettings;
    /** The stack; names the parameter group and key alias, and picks the defaults above. */
    environment: Environment;
    /** VPC of the database's security group. */
    vpcId: pulumi.Input<string>;
    /** Private subnets for the DB subnet group: at least two, in different AZs. */
    subnetIds: pulumi.Input<string[]>;
    /** The cluster's node or pod CIDRs admitted on 5432 (DB-2); never 0.0.0.0/0. May be empty when security groups are given. */
    appCidrs: string[];
    /** The cluster's security groups admitted on 5432 (DB-2). Defaults to none; with no CIDRs either, the component refuses to build. */
    appSecurityGroupIds?: string[];
}

/**
 * The primary PostgreSQL database on AWS RDS (DB-1): encrypted with its own rotating KMS key (DB-3),
 * private and reachable only from the application tier (DB-2), TLS-only (ED-2), observable through
 * pg_stat_statements, the slow-query log and Performance Insights (DB-4), backed up daily with the
 * configured retention (BK-1, BK-2), optionally with a read replica (DB-5), and in production
 * impossible to delete by accident, with a final snapshot on decommission everywhere (DB-6).
 */
export class PostgresDatabase extends pulumi.ComponentResource {
    /**
     * The master user's URL, with sslmode=require; secret. Only the Jobs that create roles get it
     * (postgresRoles.ts, the backup and monitoring roles); apps log in as their own role (SC-5).
     */
    public readonly adminUrl: pulumi.Output<string>;
    /** DNS name of the primary. */
    public readonly address: pulumi.Output<string>;
    /** DNS name of the read replica, when there is one (DB-5). */
    public readonly replicaAddress: pulumi.Output<string> | undefined;
    /** RDS identifier of the primary, for snapshots and restore drills. */
    public readonly instanceIdentifier: pulumi.Output<string>;
    /** The security group that admits the application tier on 5432. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** RDS identifier of the read replica, when there is one, for its CloudWatch alarms. */
    public readonly replicaIdentifier: pulumi.Output<string> | undefined;
    /** The resolved instance class and allocated storage, which the CloudWatch alarm thresholds scale with. */
    public readonly sizing: { instanceClass: string; allocatedStorageGb: number };

    constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:database:Postgres", name, {}, opts);
        // Validate before declaring anything.
        const settings = postgresSettings(args.database, args.environment);
        args.appCidrs.forEach((c, i) => parseCidr(c, `network.appCidrs[${i}]`));
        const sources = clusterSources(args.appCidrs, args.appSecurityGroupIds);
        const parameters = parameterGroupParameters(settings.slowQueryMs);
        const protect = settings.protect;
        const stack = args.environment.stack;
        const tags = { "runbook:stack": stack, "runbook:component": name };

        // DB-3: a customer-managed key, rotated yearly, for storage and Performance Insights. In
        // production it outlives the stack so the retained instance and final snapshot stay readable;
        // elsewhere its 30-day deletion window is the time left to restore the final snapshot
        // (`aws kms cancel-key-deletion`).
        const key = new aws.kms.Key(
            `${name}-key`,
            { description: `PostgreSQL ${stack}/${name}: storage and Performance Insights (DB-3)`, enableKeyRotation: true, deletionWindowInDays: 30, tags },
            { parent: this, protect, retainOnDelete: protect },
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: keyAliasName(stack, name), targetKeyId: key.keyId }, { parent: this });

        const subnetGroup = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            { description: `PostgreSQL ${stack}/${name}: private subnets only (DB-2)`, subnetIds: args.subnetIds, tags },
            { parent: this },
        );

        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: `PostgreSQL ${stack}/${name}: 5432 from the application tier only (DB-2)`,
                ingress: [
                    {
                        description: "PostgreSQL from the application tier (DB-2)",
                        protocol: "tcp",
                        fromPort: POSTGRES_PORT,
                        toPort: POSTGRES_PORT,
                        ...sources,
                    },
                ],
                // RDS needs no outbound rules: replication and backups run outside the customer's
                // security groups. An empty list removes AWS's default allow-all egress.
                egress: [],
                tags,
            },
            { parent: this },
        );

        const parameterGroup = new aws.rds.ParameterGroup(
            `${name}-params`,
            {
                // Auto-named, so a replacement creates the new group before deleting the old one.
                namePrefix: parameterGroupNamePrefix(stack, name, settings.family),
                family: settings.family,
                description: `PostgreSQL ${stack}/${name}: TLS only (ED-2), pg_stat_statements and slow-query log (DB-4)`,
                parameters,
                tags,
            },
            // A new family (a major upgrade) replaces the group: the new one is created first, but the
            // instance applies the switch only at its maintenance window, so the old group is still
            // attached when the replacement would delete it, and AWS refuses. Retained, the old group
            // leaves the state and stays in AWS until it is deleted by hand after the window
            // (docs/operations.md, "Major upgrade of PostgreSQL"; `runbook diff` says so).
            { parent: this, retainOnDelete: true },
        );

        // SC-3: generated, never typed; RandomPassword.result is a secret Output.
        const password = new random.RandomPassword(`${name}-password`, { ...MASTER_PASSWORD_SPEC }, { parent: this });

        // The suffix changes whenever an input that forces a new instance changes (the same list
        // as the provider's force-new fields we set), so each incarnation's final snapshot has a
        // name of its own and deleting it never fails on "snapshot already exists" (DB-6).
        const snapshotSuffix = new random.RandomId(
            `${name}-final-snapshot-suffix`,
            { byteLength: 4, keepers: { engine: "postgres", username: MASTER_USERNAME, dbName: DATABASE_NAME, kmsKeyId: key.arn } },
            { parent: this },
        );

        // Shared by the primary and the replica.
        const common = {
            instanceClass: settings.instanceClass,
            storageType: "gp3",
            maxAllocatedStorage: settings.maxAllocatedStorageGb,
            storageEncrypted: true,
            publiclyAccessible: false,
            port: POSTGRES_PORT,
            vpcSecurityGroupIds: [securityGroup.id],
            parameterGroupName: parameterGroup.name,
            autoMinorVersionUpgrade: settings.autoMinorVersionUpgrade,
            maintenanceWindow: settings.maintenanceWindow,
            copyTagsToSnapshot: true,
            // DB-4: the PostgreSQL log (slow statements) and upgrade log go to CloudWatch Logs.
            enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: key.arn,
            performanceInsightsRetentionPeriod: 7,
            // ED-2: the RSA 2048 CA; RDS rotates the server certificate under it automatically.
            caCertIdentifier: "rds-ca-rsa2048-g1",
            deletionProtection: protect,
            tags,
        };

        const instance = new aws.rds.Instance(
            `${name}-instance`,
            {
                ...common,
                engine: "postgres",
                engineVersion: settings.engineVersion,
                // Lets a deliberate config change from 16 to 17 go through; never happens on its own.
                allowMajorVersionUpgrade: true,
                allocatedStorage: settings.allocatedStorageGb,
                kmsKeyId: key.arn,
                dbName: DATABASE_NAME,
                username: MASTER_USERNAME,
                password: password.result,
                dbSubnetGroupName: subnetGroup.name,
                multiAz: settings.multiAz,
                backupRetentionPeriod: settings.backupRetentionDays,
                backupWindow: settings.backupWindow,
                // DB-6: staging takes a final snapshot too. It costs one snapshot per teardown, and it
                // means tearing down staging never loses the data a restore drill (BK-6) was using.
                skipFinalSnapshot: false,
                finalSnapshotIdentifier: snapshotSuffix.hex.apply((hex) => finalSnapshotIdentifier(`runbook-${stack}-${name}`, hex)),
                // In production, automated backups survive the instance until their retention ends.
                deleteAutomatedBackups: !protect,
            },
            { parent: this, protect, retainOnDelete: protect },
        );

        let replicaAddress: pulumi.Output<string> | undefined;
        let replicaIdentifier: pulumi.Output<string> | undefined;
        if (settings.readReplica) {
            // DB-5: a same-region read replica. It inherits engine, version, subnet group, master
            // user and encryption key from the primary; RDS rejects a KMS key for a same-region
            // replica and a final snapshot for any replica, and the primary's backups cover its data.
            // Multi-AZ once apps read from it (database.replicaMultiAz): a zone failure then fails the
            // replica over instead of taking the reads down with it.
            const replica = new aws.rds.Instance(
                `${name}-replica`,
                { ...common, replicateSourceDb: instance.identifier, multiAz: settings.replicaMultiAz, skipFinalSnapshot: true },
                { parent: this, protect },
            );
            replicaIdentifier = replica.identifier;
            replicaAddress = replica.address;
        }

        this.adminUrl = pulumi.secret(
            pulumi.all([password.result, instance.address]).apply(([pw, host]) => databaseUrl({ username: MASTER_USERNAME, password: pw, host, database: DATABASE_NAME })),
        );
        this.address = instance.address;
        this.replicaAddress = replicaAddress;
        this.instanceIdentifier = instance.identifier;
        this.securityGroupId = securityGroup.id;
        this.replicaIdentifier = replicaIdentifier;
        this.sizing = { instanceClass: settings.instanceClass, allocatedStorageGb: settings.allocatedStorageGb };
        this.registerOutputs({
            replicaIdentifier: this.replicaIdentifier,
            adminUrl: this.adminUrl,
            address: this.address,
            replicaAddress: this.replicaAddress,
            instanceIdentifier: this.instanceIdentifier,
            securityGroupId: this.securityGroupId,
        });
    }
}
