import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "../providers/random";
import { ROLE_LABEL } from "../k8s/labels";
import { DATA_PORTS } from "../k8s/networkPolicySpecs";
import { DATABASE_NAME, databaseUrl } from "./postgresSettings";
import { postgresRoleJob } from "./roleJob";

/*
 * The PostgreSQL roles the apps and their migrations log in with (SC-5, WL-5): the apps never see the
 * RDS master user. `runbook_migrate` owns the app schema and runs the DDL of the migration Jobs;
 * `runbook_app` reads and writes rows of what it owns and changes no structure; default privileges
 * make every table a migration creates usable by the apps. One Job creates both, with the master URL.
 */

/** The role the migration Jobs log in as: it owns the app schema's objects (DDL). */
export const POSTGRES_MIGRATE_ROLE = "runbook_migrate";
/** The role the apps log in as: SELECT, INSERT, UPDATE, DELETE on the migration role's tables. */
export const POSTGRES_APP_ROLE = "runbook_app";
/** The schema the apps' tables live in: Prisma's and most ORMs' default. */
export const APP_SCHEMA = "public";
/** `runbook.dev/role` of the Job: its egress policy selects it. */
export const DATABASE_SETUP_ROLE = "database-setup";
/** Name of the Job, its Secret and ConfigMap (before their hashes) and its pods. */
export const APP_ROLES_JOB = "postgres-app-roles";

export function appRolesJobLabels(): Record<string, string> {
    return {
        "app.kubernetes.io/name": APP_ROLES_JOB,
        "app.kubernetes.io/component": "database-setup",
        "app.kubernetes.io/part-of": "runbook",
        "app.kubernetes.io/managed-by": "pulumi",
        [ROLE_LABEL]: DATABASE_SETUP_ROLE,
    };
}

/** A role's URL on one host of the database, TLS required (ED-2). */
export function roleUrl(role: string, password: string, host: string): string {
    return databaseUrl({ username: role, password, host, database: DATABASE_NAME });
}

export interface PostgresAppRolesArgs {
    /** Namespace of the Job. */
    namespace: pulumi.Input<string>;
    /** The RDS master user's URL, a secret: it reaches this Job's Secret and nothing else. */
    adminUrl: pulumi.Output<string>;
    /** DNS name of the primary. */
    primaryHost: pulumi.Input<string>;
    /** DNS name of the read replica, when there is one (DB-5): the apps' reader URL points at it. */
    replicaHost?: pulumi.Input<string>;
    /** An image with bash and psql 15 or later for the Job, pinned: the backup jobs' image. */
    jobImage: string;
    /** Its non-root user. */
    jobUid: number;
    /** Where RDS lives: the only destinations of the Job's egress, on 5432. */
    databaseCidrs: string[];
}

/**
 * The apps' and migrations' PostgreSQL roles: a generated password each, the Job that creates them
 * (`postgres-app-roles-<hash>`, run again whenever its script, image, the master URL or a password
 * changes), its egress NetworkPolicy, and the URLs that use them. The URLs wait for the Job, so after
 * a rotation the apps get the new password only once the role has it.
 */
export class PostgresAppRoles extends pulumi.ComponentResource {
    /** DATABASE_URL of the apps: the app role on the primary. Secret. */
    public readonly appUrl: pulumi.Output<string>;
    /** DATABASE_URL of the migration Jobs: the migration role on the primary. Secret. */
    public readonly migrateUrl: pulumi.Output<string>;
    /** The app role on the read replica, when there is one (DB-5). Secret. */
    public readonly readerUrl?: pulumi.Output<string>;

    constructor(name: string, args: PostgresAppRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:database:PostgresAppRoles", name, {}, opts);
        const child = { parent: this };
        const labels = appRolesJobLabels();
        // SC-3: generated, 32 characters (generated-credentials), letters and digits (no URL escaping).
        const migratePassword = new random.RandomPassword(`${name}-migrate-password`, { length: 32, special: false }, child);
        const appPassword = new random.RandomPassword(`${name}-app-password`, { length: 32, special: false }, child);

        const job = postgresRoleJob(
            name,
            {
                baseName: APP_ROLES_JOB,
                namespace: args.namespace,
                labels,
                image: args.jobImage,
                uid: args.jobUid,
                // The migration role first: the app role's grants are on what it owns.
                roles: [
                    { name: POSTGRES_MIGRATE_ROLE, kind: "migrate", password: migratePassword.result },
                    { name: POSTGRES_APP_ROLE, kind: "app", password: appPassword.result },
                ],
                adminUrl: args.adminUrl,
                env: { APP_SCHEMA },
            },
            child,
        );

        // SC-5, DB-2: the Job reaches RDS on 5432 and nothing else (DNS is allowed namespace-wide).
        new k8s.networking.v1.NetworkPolicy(
            `${name}-egress`,
            {
                metadata: { name: `${APP_ROLES_JOB}-egress`, namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: { "app.kubernetes.io/name": APP_ROLES_JOB, [ROLE_LABEL]: DATABASE_SETUP_ROLE } },
                    policyTypes: ["Egress"],
                    egress: [{ to: args.databaseCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: DATA_PORTS.postgres }] }],
                },
            },
            child,
        );

        const url = (role: string, password: pulumi.Output<string>, host: pulumi.Input<string>) =>
            pulumi.secret(pulumi.all([job.metadata.name, password, host]).apply(([, pw, h]) => roleUrl(role, pw, h)));
        this.appUrl = url(POSTGRES_APP_ROLE, appPassword.result, args.primaryHost);
        this.migrateUrl = url(POSTGRES_MIGRATE_ROLE, migratePassword.result, args.primaryHost);
        // Physical replication copies the roles: the replica knows the app role and its password.
        this.readerUrl = args.replicaHost !== undefined ? url(POSTGRES_APP_ROLE, appPassword.result, args.replicaHost) : undefined;
        this.registerOutputs({ appUrl: this.appUrl, migrateUrl: this.migrateUrl, readerUrl: this.readerUrl });
    }
}
