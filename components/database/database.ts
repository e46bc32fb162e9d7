import * as pulumi from "@pulumi/pulumi";
import type { Environment, StackConfig } from "../../config";
import type { DataNetwork } from "../network/dataNetwork";
import { MongoDB } from "./mongodb";
import { PostgresDatabase } from "./postgres";

export interface DatabaseArgs {
    database: StackConfig["database"];
    environment: Environment;
    /** Where RDS lives and who may reach it. Required for `engine: postgres`. */
    network?: DataNetwork;
    /** Where the replica set runs. Required for `engine: mongodb`. */
    kubernetes?: { namespace: pulumi.Input<string>; storageClass?: string };
}

/**
 * The primary database (DB-1): PostgreSQL on AWS RDS, or a MongoDB replica set on Kubernetes,
 * chosen by `database.engine`.
 */
export class Database extends pulumi.ComponentResource {
    /** The connection string, a secret: DATABASE_URL for postgres, MONGODB_URI for mongodb. */
    public readonly connectionUrl: pulumi.Output<string>;
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

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:database:Database", name, {}, opts);
        if (args.database.engine === "postgres") {
            if (!args.network) throw new Error(`Database ${name}: engine postgres needs network (VPC, private subnets, application CIDRs)`);
            const pg = new PostgresDatabase(
                `${name}-postgres`,
                { database: args.database, environment: args.environment, vpcId: args.network.vpcId, subnetIds: args.network.subnetIds, appCidrs: args.network.appCidrs, appSecurityGroupIds: args.network.appSecurityGroupIds },
                { parent: this },
            );
            this.connectionUrl = pg.connectionUrl;
            this.connectionEnvName = "DATABASE_URL";
            this.instanceIdentifier = pg.instanceIdentifier;
            this.rdsInstances = { primary: pg.instanceIdentifier, ...(pg.replicaIdentifier ? { replica: pg.replicaIdentifier } : {}), ...pg.sizing };
        } else {
            if (!args.kubernetes) throw new Error(`Database ${name}: engine mongodb needs a Kubernetes namespace`);
            const mongo = new MongoDB(
                `${name}-mongodb`,
                { database: args.database, environment: args.environment, namespace: args.kubernetes.namespace, storageClass: args.kubernetes.storageClass },
                { parent: this },
            );
            this.connectionUrl = mongo.connectionUrl;
            this.connectionEnvName = "MONGODB_URI";
            this.instanceIdentifier = undefined;
            this.rdsInstances = undefined;
            this.backupConnectionUrl = mongo.backupConnectionUrl;
            this.metricsPodSelector = mongo.metricsPodSelector;
        }
        this.registerOutputs({ connectionUrl: this.connectionUrl, connectionEnvName: this.connectionEnvName, instanceIdentifier: this.instanceIdentifier });
    }
}
