import * as pulumi from "@pulumi/pulumi";
import type { Environment, ResolvedDatabase } from "../../config";
import type { DataNetwork } from "../network/dataNetwork";
import { MongoDB } from "./mongodb";
import { mongoImage } from "./mongodbSettings";
import { PostgresDatabase } from "./postgres";
import { PostgresAppRoles } from "./postgresRoles";
import { serverUrl } from "./postgresSettings";

export interface DatabaseArgs {
    /** The engine's variant of the stack model (config/model.ts). */
    database: ResolvedDatabase;
    environment: Environment;
    /** Where RDS lives and who may reach it. Required for `engine: postgres`. */
    network?: DataNetwork;
    /** Where the replica set runs (`engine: mongodb`), or the Job that creates the apps' roles (`engine: postgres`). */
    kubernetes?: { namespace: pulumi.Input<string>; storageClass?: string };
    /**
     * postgres: how the Job that creates the apps' and migrations' roles runs: an image with bash and
     * psql 15 or later (the backup jobs'), its user, and where RDS lives (its egress on 5432).
     * Required for `engine: postgres`.
     */
    roleJob?: { image: string; uid: number; databaseCidrs: string[] };
}

/**
 * The primary database (DB-1): PostgreSQL on AWS RDS, or a MongoDB replica set on Kubernetes,
 * chosen by `database.engine`.
 */
export class Database extends pulumi.ComponentResource {
    /**
     * The apps' connection string, a secret: DATABASE_URL for postgres (the app role: rows, no DDL),
     * MONGODB_URI for mongodb (the app user: readWrite on the app database).
     */
    public readonly connectionUrl: pulumi.Output<string>;
    /**
     * The migration Jobs' connection string under the same name, a secret: postgres's migration role
     * (owner of the schema, DDL); for mongodb the app user's, which already creates collections and indexes.
     */
    public readonly migrationUrl: pulumi.Output<string>;
    /** postgres with a read replica: the app role on the replica (DB-5). Secret. */
    public readonly readerUrl?: pulumi.Output<string>;
    /** postgres: the master user's URL, for the Jobs that create roles and nothing else. Secret. */
    public readonly adminUrl?: pulumi.Output<string>;
    /** postgres: the primary's URL without credentials, which other roles' URLs are made from. */
    public readonly serverUrl?: pulumi.Output<string>;
    /** The environment variable the apps read the connection string from. */
    public readonly connectionEnvName: "DATABASE_URL" | "MONGODB_URI";
    /** The RDS instance identifier (postgres only), for the snapshot taken before each production deploy (BK-5). */
    public readonly instanceIdentifier: pulumi.Output<string> | undefined;
    /** postgres: the RDS identifiers of the primary and, when there is one, the read replica (for CloudWatch alarms). */
    public readonly rdsInstances: { primary: pulumi.Output<string>; replica?: pulumi.Output<string>; instanceClass: string; allocatedStorageGb: number } | undefined;
    /** mongodb only: labels of the member pods, whose exporter sidecars the monitoring scrapes. */
    public readonly metricsPodSelector?: Record<string, string>;
    /** mongodb only: the backup user's connection string (BK-1), a secret. PostgreSQL's backup role is created by the backup component. */
    public readonly backupConnectionUrl?: pulumi.Output<string>;
    /**
     * What the backup jobs dump from (BK-1), by the engine's backup kind: postgres's master and server
     * URLs (the backup component creates its read-only role with them); MongoDB's backup user's URL and
     * the data volume's size, which bounds the dump (the upload's --expected-size, issue 17 #9).
     */
    public readonly backupSources: {
        postgres?: { adminUrl: pulumi.Output<string>; serverUrl: pulumi.Output<string> };
        mongodb?: { backupUrl: pulumi.Output<string>; expectedSizeBytes: number };
    };
    /** mongodb only: the server image, which the MongoDB restore drill's scratch server runs too (BK-6). */
    public readonly serverImage?: string;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:database:Database", name, {}, opts);
        if (args.database.engine === "postgres") {
            if (!args.network) throw new Error(`Database ${name}: engine postgres needs network (VPC, private subnets, application CIDRs)`);
            if (!args.kubernetes || !args.roleJob) throw new Error(`Database ${name}: engine postgres needs a Kubernetes namespace and roleJob for the apps' roles`);
            const pg = new PostgresDatabase(
                `${name}-postgres`,
                { database: args.database, environment: args.environment, vpcId: args.network.vpcId, subnetIds: args.network.subnetIds, appCidrs: args.network.appCidrs, appSecurityGroupIds: args.network.appSecurityGroupIds },
                { parent: this },
            );
            // SC-5: apps and migrations log in as their own roles; the master user stays with the role Jobs.
            const roles = new PostgresAppRoles(
                `${name}-postgres-roles`,
                {
                    namespace: args.kubernetes.namespace,
                    adminUrl: pg.adminUrl,
                    primaryHost: pg.address,
                    replicaHost: pg.replicaAddress,
                    jobImage: args.roleJob.image,
                    jobUid: args.roleJob.uid,
                    databaseCidrs: args.roleJob.databaseCidrs,
                },
                { parent: this },
            );
            this.connectionUrl = roles.appUrl;
            this.migrationUrl = roles.migrateUrl;
            this.readerUrl = roles.readerUrl;
            this.adminUrl = pg.adminUrl;
            this.serverUrl = pg.address.apply((host) => serverUrl(host));
            this.connectionEnvName = "DATABASE_URL";
            this.instanceIdentifier = pg.instanceIdentifier;
            this.rdsInstances = { primary: pg.instanceIdentifier, ...(pg.replicaIdentifier ? { replica: pg.replicaIdentifier } : {}), ...pg.sizing };
            this.backupSources = { postgres: { adminUrl: this.adminUrl, serverUrl: this.serverUrl } };
        } else {
            if (!args.kubernetes) throw new Error(`Database ${name}: engine mongodb needs a Kubernetes namespace`);
            const mongo = new MongoDB(
                `${name}-mongodb`,
                { database: args.database, environment: args.environment, namespace: args.kubernetes.namespace, storageClass: args.kubernetes.storageClass },
                { parent: this },
            );
            this.connectionUrl = mongo.connectionUrl;
            // MongoDB apps build their own indexes at startup (Mongoose's autoIndex), so their user
            // already holds what a migration needs: readWrite on the app database, nothing beyond it.
            this.migrationUrl = mongo.connectionUrl;
            this.connectionEnvName = "MONGODB_URI";
            this.instanceIdentifier = undefined;
            this.rdsInstances = undefined;
            this.backupConnectionUrl = mongo.backupConnectionUrl;
            this.metricsPodSelector = mongo.metricsPodSelector;
            this.backupSources = { mongodb: { backupUrl: mongo.backupConnectionUrl, expectedSizeBytes: args.database.storageGb * 1024 ** 3 } };
            this.serverImage = mongoImage(args.database.engineVersion);
        }
        this.registerOutputs({ connectionUrl: this.connectionUrl, connectionEnvName: this.connectionEnvName, instanceIdentifier: this.instanceIdentifier });
    }
}
