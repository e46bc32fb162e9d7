import * as fs from "fs";
import * as path from "path";
import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { contentHash, contentHashOutput, hashedName } from "../k8s/contentHash";
import { RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY } from "../k8s/labels";
import { projectScriptsDir } from "../scripts";

/*
 * The one builder of the Jobs that create PostgreSQL roles with the RDS master user's URL: the backup
 * role (BK-8), the monitoring role (DB-4) and the apps' and migrations' roles (SC-5). The master URL
 * reaches these Jobs and nothing else. Each Job runs the one role script, scripts/database/create-roles.sh,
 * from an immutable ConfigMap, with the roles it owns (name and kind: the kind decides attributes and
 * grants) in its environment and the admin URL and the new passwords from its own Secret. Issue 18:
 * one script and one builder for every role, so no role misses NOREPLICATION or NOBYPASSRLS again.
 *
 * The Job and its Secret are named by a hash of every input they run with (script text, image, user,
 * role names, and the Secret's content: the admin URL, so a new RDS instance or master password, and
 * the passwords). Any change is a new Job, which `pulumi up` creates and waits for, so the role exists
 * with its current password before anything logs in with it; an unchanged input set is no change at
 * all. Issue 16 item 3: a Job named by its script alone never ran again for a new password or a
 * restored instance.
 */

/** The one script that creates PostgreSQL roles (scripts/database/). */
export const ROLE_SCRIPT = "create-roles.sh";

/**
 * What a role is for; the script gives each kind its attributes and grants. `migrate` owns the apps'
 * schema, `app` reads and writes its rows (and needs a migrate role before it), `backup` reads
 * everything for pg_dump, `monitor` is a member of pg_monitor.
 */
export type PostgresRoleKind = "migrate" | "app" | "backup" | "monitor";

/** The environment variable (and Secret key) that carries the password of a role of this kind. */
export function rolePasswordKey(kind: PostgresRoleKind): string {
    return `${kind.toUpperCase()}_ROLE_PASSWORD`;
}

/** ROLES, as the script reads it: `name:kind` separated by spaces, in the order they are made. */
export function rolesEnv(roles: ReadonlyArray<{ name: string; kind: PostgresRoleKind }>): string {
    return roles.map((r) => `${r.name}:${r.kind}`).join(" ");
}

/** scripts/database/, found from the compiled or the source tree. */
export function roleScriptsDir(from = __dirname): string {
    return projectScriptsDir("database", ROLE_SCRIPT, from);
}

/** The role script and the lib.sh it sources (scripts/database/lib.sh links the backup scripts' one). */
export function roleScripts(dir = roleScriptsDir()): Record<string, string> {
    return Object.fromEntries([ROLE_SCRIPT, "lib.sh"].map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

/** Where the role scripts are mounted, read-only. */
export const ROLE_SCRIPT_MOUNT = "/scripts";
/** The one writable directory of the Job ($HOME: psql's history and the like). */
export const ROLE_WORK_MOUNT = "/work";
/** Requests and limits of every role Job (WL-4): psql and a few statements. */
export const ROLE_JOB_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
/** Retries and the deadline of one run; `pulumi up` waits for it. */
export const ROLE_JOB_BACKOFF_LIMIT = 6;
export const ROLE_JOB_DEADLINE_SECONDS = 900;

export interface RoleJobRun {
    /** Base of the Job's, its Secret's and its ConfigMap's names: `postgres-monitor-role`. */
    baseName: string;
    /** An image with bash and psql 15 or later (the backup jobs' image), pinned. */
    image: string;
    /** The non-root user (and group) the Job runs as: the image's user. */
    uid: number;
    /** The scripts mounted at ROLE_SCRIPT_MOUNT, by file name: the role script and the lib.sh it sources. */
    scripts: Record<string, string>;
    /** The file of `scripts` the Job runs. */
    script: string;
    /** Plain environment: the role names. */
    env: Record<string, string>;
}

/** The hash of a role Job's scripts, which names their ConfigMap. */
export function roleScriptsHash(scripts: Record<string, string>): string {
    return contentHash(scripts);
}

/**
 * The Job's name: its base and a hash of every input it runs with. `secretHash` is the hash of its
 * Secret's content (the admin URL and the passwords).
 */
export function roleJobName(run: RoleJobRun, secretHash: string): string {
    const env = Object.keys(run.env)
        .sort()
        .map((k) => `${k}=${run.env[k]}`)
        .join("\n");
    return hashedName(run.baseName, contentHash({ scripts: roleScriptsHash(run.scripts), script: run.script, image: run.image, uid: String(run.uid), env, secret: secretHash }));
}

export interface RoleJobSpecInput extends RoleJobRun {
    /** The Job's Secret: ADMIN_URL and the passwords, each read through secretKeyRef (SC-1). */
    secretName: pulumi.Input<string>;
    /** Its keys. */
    secretKeys: string[];
    /** The ConfigMap holding `scripts`. */
    configMapName: pulumi.Input<string>;
    /** Labels of the pods: the egress NetworkPolicy that lets them reach RDS selects them. */
    labels: Record<string, string>;
}

/** The Job: the script under bash, restricted (SC-5), bounded in time, no token, no probes. */
export function roleJobSpec(input: RoleJobSpecInput): k8s.types.input.batch.v1.JobSpec {
    if (!(input.script in input.scripts)) throw new Error(`role Job ${input.baseName}: ${input.script} is not among its scripts (${Object.keys(input.scripts).join(", ")})`);
    return {
        backoffLimit: ROLE_JOB_BACKOFF_LIMIT,
        activeDeadlineSeconds: ROLE_JOB_DEADLINE_SECONDS,
        template: {
            metadata: { labels: input.labels },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: { ...RESTRICTED_POD_SECURITY, runAsUser: input.uid, runAsGroup: input.uid, fsGroup: input.uid },
                containers: [
                    {
                        name: "create-role",
                        image: input.image,
                        command: ["/bin/bash", `${ROLE_SCRIPT_MOUNT}/${input.script}`],
                        env: [
                            ...Object.keys(input.env)
                                .sort()
                                .map((name) => ({ name, value: input.env[name] })),
                            ...input.secretKeys.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: input.secretName, key } } })),
                            { name: "HOME", value: ROLE_WORK_MOUNT },
                        ],
                        securityContext: RESTRICTED_CONTAINER_SECURITY,
                        resources: ROLE_JOB_RESOURCES,
                        volumeMounts: [
                            { name: "scripts", mountPath: ROLE_SCRIPT_MOUNT, readOnly: true },
                            { name: "work", mountPath: ROLE_WORK_MOUNT },
                        ],
                    },
                ],
                volumes: [
                    { name: "scripts", configMap: { name: input.configMapName, defaultMode: 0o555 } },
                    { name: "work", emptyDir: { sizeLimit: "16Mi" } },
                ],
            },
        },
    };
}

export interface PostgresRoleJobArgs {
    /** Base of the Job's, its Secret's and its ConfigMap's names: `postgres-monitor-role`. */
    baseName: string;
    namespace: pulumi.Input<string>;
    /** Labels of every object and of the pods. */
    labels: Record<string, string>;
    /** An image with bash and psql 15 or later (the backup jobs' image), pinned. */
    image: string;
    /** The non-root user (and group) the Job runs as: the image's user. */
    uid: number;
    /** The roles the Job makes, in order, each with its generated password. */
    roles: Array<{ name: string; kind: PostgresRoleKind; password: pulumi.Output<string> }>;
    /** The RDS master user's URL, a secret: it reaches this Job's Secret and nothing else. */
    adminUrl: pulumi.Output<string>;
    /** Further plain environment of the script, such as APP_SCHEMA. */
    env?: Record<string, string>;
}

/**
 * Declares a role Job with its ConfigMap (`${name}-script`) and Secret (`${name}-setup`) under
 * `opts.parent`. The Job resource is `${name}`. Returns the Job: await its name (an Output that
 * resolves once `pulumi up` saw it succeed) before handing out a URL with the roles it creates.
 */
export function postgresRoleJob(name: string, args: PostgresRoleJobArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
    const run: RoleJobRun = { baseName: args.baseName, image: args.image, uid: args.uid, scripts: roleScripts(), script: ROLE_SCRIPT, env: { ...args.env, ROLES: rolesEnv(args.roles) } };
    const meta = (objectName: pulumi.Input<string>) => ({ name: objectName, namespace: args.namespace, labels: args.labels });
    const passwords = Object.fromEntries(args.roles.map((r) => [rolePasswordKey(r.kind), r.password]));
    const secretData = Object.fromEntries(Object.entries({ ADMIN_URL: args.adminUrl, ...passwords }).map(([k, v]) => [k, pulumi.secret(v)]));
    const secretHash = contentHashOutput(secretData);
    const secret = new k8s.core.v1.Secret(`${name}-setup`, { metadata: meta(secretHash.apply((h) => hashedName(args.baseName, h))), type: "Opaque", stringData: secretData }, opts);
    const configMap = new k8s.core.v1.ConfigMap(
        `${name}-script`,
        { metadata: meta(hashedName(args.baseName, roleScriptsHash(run.scripts))), immutable: true, data: run.scripts },
        opts,
    );
    return new k8s.batch.v1.Job(
        name,
        {
            metadata: meta(secretHash.apply((h) => roleJobName(run, h))),
            spec: roleJobSpec({ ...run, labels: args.labels, secretName: secret.metadata.name, secretKeys: Object.keys(secretData).sort(), configMapName: configMap.metadata.name }),
        },
        opts,
    );
}
