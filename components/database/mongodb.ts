import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "../providers/random";
import type { DatabaseSettings } from "../../config/model";
import type { Environment } from "../../config/resolve";
import {
    APP_TIER,
    BACKUP_ROLE,
    DATA_TIER,
    RESTRICTED_CONTAINER_SECURITY,
    RESTRICTED_POD_SECURITY,
    ROLE_LABEL,
    TIER_LABEL,
    workloadLabels,
} from "../k8s/labels";
import { CHECKSUM_ANNOTATION, combinedChecksum, contentHashOutput, hashedName } from "../k8s/contentHash";
import { MONGODB_MONITOR_ROLES, mongodbExporterSidecar } from "../observability/exporters";
import { VOLUME_SIZE_PATH, volumeGrowth } from "../k8s/volumeGrowth";
import {
    APP_PASSWORD_ENV,
    BACKUP_PASSWORD_ENV,
    KEYFILE_ENV,
    MONITOR_PASSWORD_ENV,
    ROOT_PASSWORD_ENV,
    initJobName,
    initScriptHash,
    initUsers,
    renderInitScript,
} from "./mongodbInit";
import {
    APP_USERNAME,
    BACKUP_USERNAME,
    DATA_PATH,
    DEFAULT_DATABASE_NAME,
    KEYFILE_DIR,
    KEYFILE_KEY,
    KEYFILE_PATH,
    KEYFILE_SECRET_DIR,
    MONGO_UID,
    MONGODB_PORT,
    MONITOR_USERNAME,
    MemberResources,
    MongoNames,
    ROOT_USERNAME,
    TERMINATION_GRACE_SECONDS,
    connectionString,
    defaultMemberResources,
    disruptionBudgetSpec,
    memberHosts,
    memberScheduling,
    mongoNames,
    mongodArgs,
    probeSettings,
    resolveMongoSettings,
} from "./mongodbSettings";

export const MONGODB_TYPE = "runbook:database:MongoDB";

/** The `app.kubernetes.io/component` of the members and of the init Job; NetworkPolicies select on them. */
export const MEMBER_COMPONENT = "database";
export const INIT_COMPONENT = "database-init";

/** The init Job's own limit: its script retries each step for about 5 minutes, and it may take several steps and pod retries. */
export const INIT_JOB_DEADLINE_SECONDS = 1800;
/** How long Pulumi waits for the init Job: longer than the Job's own deadline, so the Job's reason is what fails an update. */
export const INIT_JOB_TIMEOUT = "35m";

/** File name of the init script in its ConfigMap. */
export const INIT_SCRIPT_FILE = "init.js";
const INIT_SCRIPT_DIR = "/scripts";

/** Pod-level restricted security (SC-5) as the image's mongodb user; fsGroup makes mounted volumes its group's. */
const podSecurity: k8s.types.input.core.v1.PodSecurityContext = {
    ...RESTRICTED_POD_SECURITY,
    runAsUser: MONGO_UID,
    runAsGroup: MONGO_UID,
    fsGroup: MONGO_UID,
    // Large volumes are only re-owned when their root is not already the mongodb group's.
    fsGroupChangePolicy: "OnRootMismatch",
};
const containerSecurity: k8s.types.input.core.v1.SecurityContext = { ...RESTRICTED_CONTAINER_SECURITY, runAsUser: MONGO_UID, runAsGroup: MONGO_UID };
/** mongosh keeps its config and logs under $HOME; the root filesystem is read-only, /tmp is not. */
const homeInTmp: k8s.types.input.core.v1.EnvVar = { name: "HOME", value: "/tmp" };

export interface MongoDBArgs {
    /**
     * The resolved `database` section; `engine` must be `mongodb`. `members` defaults to 3 in production
     * and 1 elsewhere, `storageGb` to 50 per member, `engineVersion` to 7.0 (image mongo:7.0.14).
     * `protect` (true in production) protects and retains the StatefulSet, the Secrets and the generated keys.
     */
    database: DatabaseSettings;
    /** The stack's environment: production gets strict scheduling and larger members. */
    environment: Environment;
    /** Namespace of every object; the application pods that use the database must run in it too. */
    namespace: pulumi.Input<string>;
    /**
     * StorageClass of the member volumes. Defaults to the cluster's default class. Encryption at rest
     * (DB-3) comes from this class (for example EBS gp3 with `encrypted: "true"`), so choose an encrypting one.
     */
    storageClass?: string;
    /** The application database the app user may read and write. Defaults to "app". */
    databaseName?: string;
    /** The cluster's DNS domain, part of every member's hostname. Defaults to cluster.local. */
    clusterDomain?: string;
    /**
     * Requests and limits per member, each field optional. Defaults: 1 CPU / 4Gi requested, 2 CPU / 4Gi
     * limit in production; 250m / 1Gi, 1 CPU / 1Gi elsewhere. The WiredTiger cache follows the memory limit.
     */
    resources?: Partial<MemberResources>;
}

/**
 * A MongoDB replica set on Kubernetes (DB-1): a StatefulSet of mongod members with keyfile
 * authentication between them, reachable only from the application tier, the backup jobs and
 * itself (DB-2, SC-5), with volumes that outlive the StatefulSet (DB-6), and an idempotent Job that
 * initiates or reconfigures the set and creates its users.
 */
export class MongoDB extends pulumi.ComponentResource {
    /** MONGODB_URI for the application: the app user, every member, `replicaSet` and `authSource`. Secret. */
    public readonly connectionUrl: pulumi.Output<string>;
    /** The same for the backup user (BK-1): may dump every database and read the oplog. Secret. */
    public readonly backupConnectionUrl: pulumi.Output<string>;
    /** Labels of the member pods, whose mongodb_exporter sidecars serve `metrics` (for the PodMonitor). */
    public readonly metricsPodSelector: Record<string, string>;
    /** The ClusterIP Service in front of the members. */
    public readonly serviceName: pulumi.Output<string>;
    /** The headless Service that gives each member its DNS name. */
    public readonly headlessServiceName: pulumi.Output<string>;
    /** The replica set's name, as the `replicaSet` connection option expects it. */
    public readonly replicaSetName: pulumi.Output<string>;

    constructor(name: string, args: MongoDBArgs, opts?: pulumi.ComponentResourceOptions) {
        super(MONGODB_TYPE, name, {}, opts);
        // Everything is validated before the first child exists.
        const settings = resolveMongoSettings(args.database, args.environment);
        const names = mongoNames(name);
        const databaseName = args.databaseName ?? DEFAULT_DATABASE_NAME;
        const resources: MemberResources = { ...defaultMemberResources(args.environment), ...definedOnly(args.resources ?? {}) };
        if (args.environment.isProduction && settings.members < 3) {
            pulumi.log.warn(`MongoDB ${name}: ${settings.members} member(s) in production cannot survive the loss of one (DB-1); set database.members to 3 or more`, this);
        }
        if (settings.members > 1 && settings.members % 2 === 0) {
            pulumi.log.warn(`MongoDB ${name}: ${settings.members} members tolerate no more failures than ${settings.members - 1}; prefer an odd number`, this);
        }

        const protect = args.database.protect ?? args.environment.isProduction;
        // Losing the keyfile or a password loses access to the data, so they are as protected as the volumes.
        const stateful: pulumi.CustomResourceOptions = { parent: this, protect, retainOnDelete: protect };
        const namespace = args.namespace;
        const labels = workloadLabels(names.statefulSet, MEMBER_COMPONENT, DATA_TIER);
        const selector = { "app.kubernetes.io/name": names.statefulSet, "app.kubernetes.io/component": MEMBER_COMPONENT };
        const initLabels = workloadLabels(names.initPrefix, INIT_COMPONENT, DATA_TIER);
        const initSelector = { "app.kubernetes.io/name": names.initPrefix, "app.kubernetes.io/component": INIT_COMPONENT };
        const meta = (objectName: pulumi.Input<string>, objectLabels = labels) => ({ name: objectName, namespace, labels: objectLabels });

        // The keyfile is the shared secret members authenticate each other with: 756 characters of the
        // base64 alphabet (MongoDB accepts 6-1024), alphanumerics being a subset of it.
        const keyfile = new random.RandomPassword(`${name}-keyfile`, { length: 756, special: false }, { parent: this, protect });
        const password = (role: string) => new random.RandomPassword(`${name}-${role}-password`, { length: 32, special: false }, { parent: this, protect });
        const rootPassword = password("root");
        const appPassword = password("app");
        const backupPassword = password("backup");
        const monitorPassword = password("monitor");

        // The Secrets are derived from the generated values above (which production protects), and are
        // named by their content: a rotated password or keyfile is a new Secret, created before the
        // old one is deleted. They are not protected themselves, since a protected object cannot be
        // replaced, and nothing is lost with them.
        const hashedSecret = (role: string, baseName: string, data: Record<string, pulumi.Input<string>>) => {
            const hash = contentHashOutput(data);
            const secret = new k8s.core.v1.Secret(
                `${name}-${role}-secret`,
                { metadata: { ...meta(baseName), name: hash.apply((h) => hashedName(baseName, h)) }, type: "Opaque", stringData: data },
                { parent: this },
            );
            return { secret, hash };
        };
        const keyfileSecret = hashedSecret("keyfile", names.keyfileSecret, { [KEYFILE_KEY]: keyfile.result });
        const credentials = (role: string, secretName: string, username: string, result: pulumi.Output<string>, extra: Record<string, string> = {}) =>
            hashedSecret(role, secretName, { username, password: result, ...extra }).secret;
        const rootSecret = credentials("root", names.rootSecret, ROOT_USERNAME, rootPassword.result);
        const appSecret = credentials("app", names.appSecret, APP_USERNAME, appPassword.result, { database: databaseName });
        const backupSecret = credentials("backup", names.backupSecret, BACKUP_USERNAME, backupPassword.result);
        const monitorSecret = hashedSecret("monitor", names.monitorSecret, { username: MONITOR_USERNAME, password: monitorPassword.result });

        const ports: k8s.types.input.core.v1.ServicePort[] = [{ name: "mongodb", port: MONGODB_PORT, targetPort: "mongodb", protocol: "TCP" }];
        // Members must resolve each other before they are ready (initial sync, elections), hence publishNotReadyAddresses.
        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            { metadata: meta(names.headlessService), spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports } },
            { parent: this, deleteBeforeReplace: true },
        );
        // Cluster-internal only (DB-2); drivers discover the members from the replica-set config anyway.
        const client = new k8s.core.v1.Service(
            `${name}-service`,
            { metadata: meta(names.clientService), spec: { type: "ClusterIP", selector, ports } },
            { parent: this, deleteBeforeReplace: true },
        );

        const statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: meta(names.statefulSet),
                spec: statefulSetSpec({
                    names,
                    labels,
                    selector,
                    members: settings.members,
                    image: settings.image,
                    replicaSetName: settings.replicaSetName,
                    storageGb: settings.storageGb,
                    storageClass: args.storageClass,
                    resources,
                    environment: args.environment,
                    keyfileSecretName: keyfileSecret.secret.metadata.name,
                    monitorSecretName: monitorSecret.secret.metadata.name,
                    // The members roll when the keyfile or the exporter's password changes.
                    keyfileChecksum: combinedChecksum([keyfileSecret.hash, monitorSecret.hash]),
                }),
            },
            // A named StatefulSet can only be replaced by deleting it first; its volumes stay (Retain) and
            // the new one adopts them by name. A new volume size is not such a change: the claim
            // template keeps its size and the claims are patched (volumeGrowth).
            { ...stateful, deleteBeforeReplace: true, dependsOn: [headless], ignoreChanges: [VOLUME_SIZE_PATH] },
        );
        volumeGrowth(this, { statefulSet, statefulSetName: names.statefulSet, namespace, members: settings.members, storageGb: settings.storageGb });

        const budget = disruptionBudgetSpec(settings.members, selector);
        if (budget !== undefined) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(names.disruptionBudget), spec: budget }, { parent: this });
        }

        // DB-2, SC-5: only the application tier, the backup jobs, the members (replication) and the init Job reach mongod.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: meta(names.networkPolicy),
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [
                                { podSelector: { matchLabels: { [TIER_LABEL]: APP_TIER } } },
                                { podSelector: { matchLabels: { [ROLE_LABEL]: BACKUP_ROLE } } },
                                { podSelector: { matchLabels: selector } },
                                { podSelector: { matchLabels: initSelector } },
                            ],
                            ports: [{ protocol: "TCP", port: MONGODB_PORT }],
                        },
                    ],
                },
            },
            { parent: this },
        );

        // The namespace denies egress by default: members replicate to each other, and the init Job
        // connects to every member; nothing else leaves these pods (DNS is allowed namespace-wide).
        new k8s.networking.v1.NetworkPolicy(
            `${name}-egress`,
            {
                metadata: meta(`${names.networkPolicy}-egress`),
                spec: {
                    podSelector: { matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: [MEMBER_COMPONENT, INIT_COMPONENT] }], matchLabels: { [TIER_LABEL]: DATA_TIER } },
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ podSelector: { matchLabels: selector } }], ports: [{ protocol: "TCP", port: MONGODB_PORT }] }],
                },
            },
            { parent: this },
        );

        const hostsIn = (ns: string) =>
            memberHosts({ statefulSet: names.statefulSet, headlessService: names.headlessService, namespace: ns, members: settings.members, clusterDomain: args.clusterDomain });
        const hosts = pulumi.output(namespace).apply(hostsIn);
        const script = hosts.apply((members) =>
            renderInitScript({
                replicaSetName: settings.replicaSetName,
                members,
                users: initUsers({ rootUser: ROOT_USERNAME, appUser: APP_USERNAME, backupUser: BACKUP_USERNAME, monitorUser: MONITOR_USERNAME, monitorRoles: MONGODB_MONITOR_ROLES, database: databaseName }),
            }),
        );
        // The Job is named by the hash of everything it runs with: the script (member list, users), the
        // image and the Secrets it reads. A new member list, user set or rotated password is a new Job,
        // which runs again (setting the new passwords); an unchanged one is never re-created.
        const secretNames = pulumi.all([keyfileSecret.secret.metadata.name, rootSecret.metadata.name, appSecret.metadata.name, backupSecret.metadata.name, monitorSecret.secret.metadata.name]);
        const hash = script.apply(initScriptHash);
        const initName = pulumi.all([script, secretNames]).apply(([text, secrets]) => initJobName(names.initPrefix, text, settings.image, secrets));
        const initScript = new k8s.core.v1.ConfigMap(
            `${name}-init-script`,
            { metadata: meta(initName, initLabels), immutable: true, data: { [INIT_SCRIPT_FILE]: script } },
            { parent: this },
        );
        const initJob = new k8s.batch.v1.Job(
            `${name}-init`,
            {
                metadata: {
                    ...meta(initName, initLabels),
                    annotations: { "runbook.dev/members": hosts.apply((h) => h.join(",")), "runbook.dev/init-script-sha256": hash },
                },
                spec: initJobSpec({
                    labels: initLabels,
                    image: settings.image,
                    scriptConfigMap: initScript.metadata.name,
                    secrets: {
                        keyfile: keyfileSecret.secret.metadata.name,
                        root: rootSecret.metadata.name,
                        app: appSecret.metadata.name,
                        backup: backupSecret.metadata.name,
                        monitor: monitorSecret.secret.metadata.name,
                    },
                }),
            },
            // Pulumi waits for the Job to succeed. Its own limit (activeDeadlineSeconds) ends it first,
            // so a stuck Job fails the update with the Job's reason rather than a Pulumi timeout.
            { parent: this, dependsOn: [statefulSet, headless], customTimeouts: { create: INIT_JOB_TIMEOUT, update: INIT_JOB_TIMEOUT } },
        );

        // The connection strings wait for the init Job: after a rotation, the apps get the new password
        // once the users have it.
        const url = (username: string, result: pulumi.Output<string>) =>
            pulumi.secret(
                pulumi.all([result, hosts, initJob.metadata.name]).apply(([pw, members]) =>
                    connectionString({ username, password: pw, hosts: members, database: databaseName, replicaSetName: settings.replicaSetName }),
                ),
            );
        this.connectionUrl = url(APP_USERNAME, appPassword.result);
        this.backupConnectionUrl = url(BACKUP_USERNAME, backupPassword.result);
        this.serviceName = client.metadata.name;
        this.headlessServiceName = headless.metadata.name;
        this.replicaSetName = pulumi.output(settings.replicaSetName);
        this.metricsPodSelector = selector;
        this.registerOutputs({
            connectionUrl: this.connectionUrl,
            backupConnectionUrl: this.backupConnectionUrl,
            serviceName: this.serviceName,
            headlessServiceName: this.headlessServiceName,
            replicaSetName: this.replicaSetName,
        });
    }
}

export interface StatefulSetSpecInput {
    names: MongoNames;
    labels: Record<string, string>;
    selector: Record<string, string>;
    members: number;
    image: string;
    replicaSetName: string;
    storageGb: number;
    storageClass?: string;
    resources: MemberResources;
    environment: Environment;
    keyfileSecretName: pulumi.Input<string>;
    /** The monitoring user's Secret (`username`, `password`): with it, each member runs a mongodb_exporter sidecar. Defaults to none. */
    monitorSecretName?: pulumi.Input<string>;
    /** Hash of the Secrets' content the members read, as a pod-template annotation: members roll when it changes. */
    keyfileChecksum?: pulumi.Input<string>;
}

export function statefulSetSpec(input: StatefulSetSpecInput): k8s.types.input.apps.v1.StatefulSetSpec {
    const { resources } = input;
    return {
        replicas: input.members,
        serviceName: input.names.headlessService,
        // Parallel: after a full outage every member starts at once, so the set regains a majority and a
        // primary as soon as possible instead of waiting for each ordinal in turn. Rolling updates are
        // unaffected and still replace one member at a time, highest ordinal first.
        podManagementPolicy: "Parallel",
        updateStrategy: { type: "RollingUpdate" },
        selector: { matchLabels: input.selector },
        // DB-6: deleting or scaling down the StatefulSet never deletes a member's data.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: {
            metadata: { labels: input.labels, ...(input.keyfileChecksum !== undefined ? { annotations: { [CHECKSUM_ANNOTATION]: input.keyfileChecksum } } : {}) },
            spec: {
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
                securityContext: podSecurity,
                ...memberScheduling(input.environment, input.selector),
                initContainers: [
                    {
                        // mongod refuses a keyfile that its group can read, and a Secret volume with fsGroup is
                        // group-readable (0440). The copy in memory is owned by mongodb with mode 0400.
                        name: "install-keyfile",
                        image: input.image,
                        command: ["install", "-m", "0400", `${KEYFILE_SECRET_DIR}/${KEYFILE_KEY}`, KEYFILE_PATH],
                        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                        securityContext: containerSecurity,
                        volumeMounts: [
                            { name: "keyfile-secret", mountPath: KEYFILE_SECRET_DIR, readOnly: true },
                            { name: "keyfile", mountPath: KEYFILE_DIR },
                        ],
                    },
                ],
                containers: [
                    {
                        name: "mongod",
                        image: input.image,
                        command: ["mongod"],
                        args: mongodArgs({ replicaSetName: input.replicaSetName, memoryLimit: resources.memoryLimit }),
                        ports: [{ name: "mongodb", containerPort: MONGODB_PORT, protocol: "TCP" }],
                        env: [homeInTmp],
                        resources: {
                            requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
                            limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
                        },
                        securityContext: containerSecurity,
                        ...probeSettings(),
                        volumeMounts: [
                            { name: "data", mountPath: DATA_PATH },
                            { name: "keyfile", mountPath: KEYFILE_DIR, readOnly: true },
                            { name: "tmp", mountPath: "/tmp" },
                        ],
                    },
                    // DB-4: the member's own metrics, read over the pod's loopback as the monitoring user.
                    ...(input.monitorSecretName !== undefined
                        ? [mongodbExporterSidecar({ name: input.monitorSecretName, key: "username" }, { name: input.monitorSecretName, key: "password" }, MONGODB_PORT)]
                        : []),
                ],
                volumes: [
                    { name: "keyfile-secret", secret: { secretName: input.keyfileSecretName, defaultMode: 0o400 } },
                    { name: "keyfile", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                ],
            },
        },
        volumeClaimTemplates: [
            {
                metadata: { name: "data", labels: input.labels },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    ...(input.storageClass !== undefined ? { storageClassName: input.storageClass } : {}),
                    resources: { requests: { storage: `${input.storageGb}Gi` } },
                },
            },
        ],
    };
}

export interface InitJobSpecInput {
    labels: Record<string, string>;
    image: string;
    scriptConfigMap: pulumi.Input<string>;
    secrets: { keyfile: pulumi.Input<string>; root: pulumi.Input<string>; app: pulumi.Input<string>; backup: pulumi.Input<string>; monitor?: pulumi.Input<string> };
}

export function initJobSpec(input: InitJobSpecInput): k8s.types.input.batch.v1.JobSpec {
    const fromSecret = (envName: string, secretName: pulumi.Input<string>, key: string): k8s.types.input.core.v1.EnvVar => ({
        name: envName,
        valueFrom: { secretKeyRef: { name: secretName, key } },
    });
    return {
        // The script retries each step for minutes; a few pod retries cover node loss on top.
        backoffLimit: 4,
        activeDeadlineSeconds: INIT_JOB_DEADLINE_SECONDS,
        // No ttlSecondsAfterFinished: a Job the cluster deleted on its own would be missing at the next
        // `pulumi refresh`, and the following `pulumi up` would create and run it again for nothing.
        // Pulumi deletes it instead, when a changed input names a new Job.
        template: {
            metadata: { labels: input.labels },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: podSecurity,
                containers: [
                    {
                        name: "init-replica-set",
                        image: input.image,
                        command: ["mongosh", "--nodb", "--norc", "--quiet", "--file", `${INIT_SCRIPT_DIR}/${INIT_SCRIPT_FILE}`],
                        env: [
                            homeInTmp,
                            fromSecret(KEYFILE_ENV, input.secrets.keyfile, KEYFILE_KEY),
                            fromSecret(ROOT_PASSWORD_ENV, input.secrets.root, "password"),
                            fromSecret(APP_PASSWORD_ENV, input.secrets.app, "password"),
                            fromSecret(BACKUP_PASSWORD_ENV, input.secrets.backup, "password"),
                            ...(input.secrets.monitor !== undefined ? [fromSecret(MONITOR_PASSWORD_ENV, input.secrets.monitor, "password")] : []),
                        ],
                        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                        securityContext: containerSecurity,
                        volumeMounts: [
                            { name: "script", mountPath: INIT_SCRIPT_DIR, readOnly: true },
                            { name: "tmp", mountPath: "/tmp" },
                        ],
                    },
                ],
                volumes: [
                    { name: "script", configMap: { name: input.scriptConfigMap, defaultMode: 0o444 } },
                    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                ],
            },
        },
    };
}

function definedOnly<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
