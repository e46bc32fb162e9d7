import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { projectScriptsDir } from "../scripts";
import { BACKUP_ROLE, RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY, ROLE_LABEL } from "../k8s/labels";
import { containerSecurity, resources as appResources, volumeName } from "../app/appSpec";
import type { ResolvedDrillAppCheck } from "../../config/resolve";

/*
 * Pure builders for the backup and restore-drill jobs (BK-1, BK-3, BK-6, SC-5): the scripts
 * ConfigMap's content and hash-carrying name, the CronJob specs, the jobs' egress, and the R2 token
 * policies. The Backups component only registers what these return.
 */

/** The datastores a CronJob backs up; each is also its object prefix in the backups bucket. */
export type BackupJobKind = "postgres" | "mongodb" | "mongodb-oplog" | "redis";

/** Which script each kind runs. */
export const BACKUP_SCRIPTS: Record<BackupJobKind, string> = {
    postgres: "backup-postgres.sh",
    mongodb: "backup-mongodb.sh",
    "mongodb-oplog": "backup-mongodb-oplog.sh",
    redis: "backup-redis.sh",
};
export const DRILL_SCRIPT = "restore-drill.sh";
/** Where the scripts ConfigMap is mounted in every job. */
export const SCRIPTS_MOUNT = "/opt/runbook/backup";
/** The jobs' writable scratch space (the root filesystem is read-only). */
export const WORK_MOUNT = "/work";
/** The non-root user of scripts/backup/Dockerfile. */
export const BACKUP_UID = 10001;
/** Marks a CronJob as a backup of one datastore, for the backup policies (BK-1). */
export const BACKUP_DATASTORE_LABEL = "runbook.dev/backup-datastore";
/** Marks a CronJob as a restore drill (BK-6). */
export const DRILL_LABEL = "runbook.dev/restore-drill";

/** scripts/backup, from the TypeScript source or dist/. */
export function scriptsDir(from = __dirname): string {
    return projectScriptsDir("backup", "lib.sh", from);
}

/** Every shell script of scripts/backup, by file name. */
export function readScripts(dir = scriptsDir()): Record<string, string> {
    return Object.fromEntries(
        fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".sh"))
            .sort()
            .map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]),
    );
}

/** R2's S3 endpoint for an account (decided in config/, where the replica's rules read it too). */
export { r2Endpoint } from "../../config/resolve";

/**
 * R2 S3 credentials from a Cloudflare API token: the access key ID is the token's ID and the secret
 * access key is the SHA-256 of its value (https://developers.cloudflare.com/r2/api/tokens/).
 */
export function r2SecretAccessKey(tokenValue: string): string {
    return createHash("sha256").update(tokenValue).digest("hex");
}

/** Cloudflare's permission groups for object access in R2 buckets. */
export const R2_PERMISSION_GROUPS = {
    read: "Workers R2 Storage Bucket Item Read",
    write: "Workers R2 Storage Bucket Item Write",
} as const;

/** The resource key that scopes a token to one bucket. */
export function r2BucketResource(accountId: string, bucket: string): string {
    return `com.cloudflare.edge.r2.bucket.${accountId}_default_${bucket}`;
}

/** One token policy granting `permissionGroupId` on exactly these buckets. */
export function r2TokenPolicy(accountId: string, buckets: string[], permissionGroupId: string) {
    if (buckets.length === 0) throw new Error("an R2 token needs at least one bucket");
    return {
        effect: "allow",
        permissionGroups: [{ id: permissionGroupId }],
        resources: JSON.stringify(Object.fromEntries([...buckets].sort().map((b) => [r2BucketResource(accountId, b), "*"]))),
    };
}

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Labels of a backup or drill pod: the role the data tier's NetworkPolicies admit (DB-2). */
export function jobLabels(name: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/part-of": "runbook",
        "app.kubernetes.io/managed-by": "pulumi",
        [ROLE_LABEL]: BACKUP_ROLE,
        ...extra,
    };
}

export interface JobSettings {
    /** CronJob name. */
    name: string;
    schedule: string;
    image: string;
    /** Script file name in the scripts ConfigMap. */
    script: string;
    /** Name of the scripts ConfigMap. */
    scriptsConfigMap: pulumi.Input<string>;
    /** Plain settings. */
    env: Record<string, string>;
    /** Credentials, each from a Secret key (SC-1). */
    secretEnv: Record<string, { secret: pulumi.Input<string>; key: string }>;
    /** A Job that has not started this long after its time is skipped, not run late. */
    startingDeadlineSeconds: number;
    /** A Job running longer than this is stopped and counts as failed. */
    activeDeadlineSeconds: number;
    /** Labels added to the CronJob and its pods. */
    labels: Record<string, string>;
    /** Extra volumes and mounts (the drill's key). */
    volumes?: k8s.types.input.core.v1.Volume[];
    volumeMounts?: k8s.types.input.core.v1.VolumeMount[];
    /** Native sidecars (initContainers with restartPolicy: Always), such as the drill's scratch database. */
    sidecars?: k8s.types.input.core.v1.Container[];
    /** Size limit of the scratch space. Defaults to 20Gi. */
    workSizeLimit?: string;
    /** The job container's requests and limits. Defaults to JOB_RESOURCES, sized for a dump. */
    resources?: { requests: Record<string, string>; limits: Record<string, string> };
    /** Main containers beside the job's, such as the drill's app check; each must exit on its own. Defaults to none. */
    containers?: k8s.types.input.core.v1.Container[];
}

/** A dump's or a drill's job container: a core and memory for zstd and age, up to 2 of each. */
export const JOB_RESOURCES = { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "2", memory: "2Gi" } };

/** The pod security every backup and drill pod runs with (SC-5): the restricted profile, a fixed non-root user. */
export const JOB_POD_SECURITY = { ...RESTRICTED_POD_SECURITY, runAsUser: BACKUP_UID, runAsGroup: BACKUP_UID, fsGroup: BACKUP_UID };

/**
 * A CronJob that runs one script (BK-1, BK-6): never two at once, skipped rather than run late,
 * stopped at its deadline, a bounded history, a pinned image, a restricted pod without a service
 * account token, credentials only through secretKeyRef.
 */
export function jobCronJobSpec(s: JobSettings): k8s.types.input.batch.v1.CronJobSpec {
    const env: EnvVar[] = [
        ...Object.entries(s.env).map(([name, value]) => ({ name, value })),
        ...Object.entries(s.secretEnv).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } })),
        { name: "HOME", value: WORK_MOUNT },
        { name: "TMPDIR", value: WORK_MOUNT },
    ];
    return {
        schedule: s.schedule,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: s.startingDeadlineSeconds,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
            metadata: { labels: s.labels },
            spec: {
                backoffLimit: 1,
                activeDeadlineSeconds: s.activeDeadlineSeconds,
                template: {
                    metadata: { labels: s.labels },
                    spec: {
                        restartPolicy: "Never",
                        automountServiceAccountToken: false,
                        securityContext: JOB_POD_SECURITY,
                        ...(s.sidecars && s.sidecars.length > 0 ? { initContainers: s.sidecars } : {}),
                        containers: [
                            {
                                name: "job",
                                image: s.image,
                                command: ["/bin/bash", `${SCRIPTS_MOUNT}/${s.script}`],
                                env,
                                securityContext: RESTRICTED_CONTAINER_SECURITY,
                                resources: s.resources ?? JOB_RESOURCES,
                                volumeMounts: [
                                    { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
                                    { name: "work", mountPath: WORK_MOUNT },
                                    ...(s.volumeMounts ?? []),
                                ],
                            },
                            ...(s.containers ?? []),
                        ],
                        volumes: [
                            { name: "scripts", configMap: { name: s.scriptsConfigMap, defaultMode: 0o555 } },
                            { name: "work", emptyDir: { sizeLimit: s.workSizeLimit ?? "20Gi" } },
                            ...(s.volumes ?? []),
                        ],
                    },
                },
            },
        },
    };
}

/** Deadlines per kind: a daily dump gets hours, an hourly oplog capture must end before the next one. */
export function jobDeadlines(kind: BackupJobKind | "drill"): { startingDeadlineSeconds: number; activeDeadlineSeconds: number } {
    switch (kind) {
        case "mongodb-oplog":
            return { startingDeadlineSeconds: 600, activeDeadlineSeconds: 50 * 60 };
        case "drill":
            return { startingDeadlineSeconds: 6 * 3600, activeDeadlineSeconds: 6 * 3600 };
        default:
            return { startingDeadlineSeconds: 3600, activeDeadlineSeconds: 4 * 3600 };
    }
}

/**
 * Resources of the drill's scratch server sidecar (BK-6, BK-7). The drill runs in staging only; the
 * restore is CPU-bound (COPY parsing, index builds), so the sidecar may use 4 cores: a leader and its
 * parallel index-build workers, or up to 4 `pg_restore -j` jobs (`backups.drill.restoreJobs`).
 */
export const SCRATCH_RESOURCES = { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "6Gi" } };

/**
 * Settings of the drill's scratch PostgreSQL server, a throwaway restore target whose data dies with
 * the drill's pod, so nothing in it needs to survive a crash (BK-7, restore speed). The drill and
 * `npm run bench` start their scratch servers with exactly these:
 * - no durability: `fsync`, `full_page_writes` and `synchronous_commit` off;
 * - `wal_level=minimal` (needs `max_wal_senders=0`): COPY into a table created or truncated in the same
 *   transaction, and every CREATE INDEX, write no WAL; the drill's `pg_restore --single-transaction`
 *   creates and loads every table in one transaction, and `pg_restore -j` truncates each table in the
 *   transaction that loads it, for exactly this;
 * - no checkpoint during a restore (`max_wal_size`, `checkpoint_timeout`), no autovacuum racing it;
 * - memory for index builds: `shared_buffers` + restore jobs × `maintenance_work_mem` stays well under
 *   the sidecar's 6Gi limit (1GB + 4 × 512MB = 3GB), and parallel workers share their leader's
 *   `maintenance_work_mem`.
 */
export const SCRATCH_POSTGRES_SETTINGS: Readonly<Record<string, string>> = {
    fsync: "off",
    full_page_writes: "off",
    synchronous_commit: "off",
    wal_level: "minimal",
    max_wal_senders: "0",
    autovacuum: "off",
    shared_buffers: "1GB",
    maintenance_work_mem: "512MB",
    max_parallel_maintenance_workers: "2",
    wal_buffers: "64MB",
    max_wal_size: "16GB",
    checkpoint_timeout: "1h",
};

export const SCRATCH_SCRIPT = "scratch-postgres.sh";
/** The drill's scratch server's own volume (an emptyDir): its data dies with the pod. */
export const SCRATCH_MOUNT = "/scratch";
/** Where the scratch PostgreSQL puts its socket: an emptyDir, since the root filesystem is read-only. */
export const SCRATCH_SOCKET_DIR = "/var/run/postgresql";
/** The superuser of the scratch PostgreSQL server, trusted on the pod's loopback. */
export const SCRATCH_USER = "drill";

/** The volumes the scratch sidecars write to, beside the job's own. */
export function scratchVolumes(datastore: "postgres" | "mongodb" | "redis"): k8s.types.input.core.v1.Volume[] {
    switch (datastore) {
        case "postgres":
            return [{ name: "scratch", emptyDir: {} }, { name: "run", emptyDir: { sizeLimit: "1Mi" } }];
        case "mongodb":
            return [{ name: "scratch", emptyDir: {} }];
        case "redis":
            return [];
    }
}

/**
 * Scratch servers the drill restores into, as native sidecars: they live as long as the drill's pod.
 * None relies on an image's entrypoint: PostgreSQL runs from the job image itself (initdb and
 * postgres, called by scripts/backup/scratch-postgres.sh), mongod is called by name, and each writes
 * only to the emptyDir volumes of `scratchVolumes`.
 */
export function scratchSidecar(datastore: "postgres" | "mongodb" | "redis", images: { jobImage: string; mongoImage?: string }): k8s.types.input.core.v1.Container[] {
    const common = {
        restartPolicy: "Always",
        securityContext: RESTRICTED_CONTAINER_SECURITY,
        resources: SCRATCH_RESOURCES,
    };
    switch (datastore) {
        case "postgres":
            return [
                {
                    ...common,
                    name: "scratch-postgres",
                    image: images.jobImage,
                    command: ["/bin/bash", `${SCRIPTS_MOUNT}/${SCRATCH_SCRIPT}`],
                    // Only reachable inside the pod; the drill connects over loopback as the same user.
                    args: [
                        "-c", "listen_addresses=127.0.0.1",
                        "-c", `unix_socket_directories=${SCRATCH_SOCKET_DIR}`,
                        ...Object.entries(SCRATCH_POSTGRES_SETTINGS).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
                    ],
                    env: [
                        { name: "PGDATA", value: `${SCRATCH_MOUNT}/pgdata` },
                        { name: "SCRATCH_USER", value: SCRATCH_USER },
                    ],
                    volumeMounts: [
                        { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
                        { name: "scratch", mountPath: SCRATCH_MOUNT },
                        { name: "run", mountPath: SCRATCH_SOCKET_DIR },
                    ],
                    startupProbe: { exec: { command: ["pg_isready", "-h", "127.0.0.1", "-U", SCRATCH_USER] }, periodSeconds: 2, failureThreshold: 60 },
                },
            ];
        case "mongodb":
            if (images.mongoImage === undefined) throw new Error("a MongoDB drill needs the MongoDB image of its scratch server");
            return [
                {
                    ...common,
                    name: "scratch-mongodb",
                    image: images.mongoImage,
                    // mongod itself, not the image's entrypoint; no unix socket (it would go to the read-only /tmp).
                    command: ["mongod"],
                    args: ["--bind_ip", "127.0.0.1", "--port", "27017", "--dbpath", SCRATCH_MOUNT, "--nounixsocket"],
                    volumeMounts: [{ name: "scratch", mountPath: SCRATCH_MOUNT }],
                    startupProbe: { tcpSocket: { port: 27017 }, periodSeconds: 2, failureThreshold: 60 },
                },
            ];
        case "redis":
            // The drill script starts its own redis-server on the restored RDB, in the job container.
            return [];
    }
}

/** Where a drill of each datastore restores. */
export function scratchEnv(datastore: "postgres" | "mongodb" | "redis"): Record<string, string> {
    switch (datastore) {
        case "postgres":
            return { DRILL_POSTGRES_URL: `postgres://${SCRATCH_USER}@127.0.0.1:5432/postgres?sslmode=disable` };
        case "mongodb":
            return { DRILL_MONGODB_URI: "mongodb://127.0.0.1:27017/" };
        case "redis":
            return {};
    }
}

/** Host, port and namespace of the Pushgateway URL, for the egress rule. */
export function pushgatewayTarget(url: string): { namespace?: string; port: number } {
    const u = new URL(url);
    const port = u.port !== "" ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
    // <service>.<namespace>.svc[.cluster.local]
    const m = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.|$)/.exec(u.hostname);
    return { namespace: m?.[1], port };
}

/**
 * HTTPS to the internet, never to the private or link-local ranges: R2, asset hosts and
 * api.cloudflare.com are Cloudflare anycast addresses, which no narrower rule can name.
 */
export function publicHttpsEgress(): Record<string, unknown> {
    return {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
    };
}

/** The Pushgateway's port, in its namespace when its URL names a Service (`<service>.<namespace>.svc`). */
export function pushgatewayEgress(pushgatewayUrl: string): Record<string, unknown> {
    const gateway = pushgatewayTarget(pushgatewayUrl);
    return {
        to: [
            gateway.namespace !== undefined
                ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": gateway.namespace } } }
                : { ipBlock: { cidr: "0.0.0.0/0" } },
        ],
        ports: [{ protocol: "TCP", port: gateway.port }],
    };
}

/** The backup jobs' settings of the replica (BK-3): where every promoted backup is copied. Its credentials come from a Secret. */
export function replicaEnv(replica: { endpoint: string; bucket: string; region: string }): Record<string, string> {
    return { REPLICA_S3_ENDPOINT_URL: replica.endpoint, REPLICA_S3_BUCKET: replica.bucket, REPLICA_S3_REGION: replica.region };
}

/** The TCP port of the replica's https endpoint. */
export function replicaPort(endpoint: string): number {
    const u = new URL(endpoint);
    return u.port !== "" ? Number(u.port) : 443;
}

export interface EgressNeeds {
    /** Ports of in-cluster data stores (data-tier pods): 27017 for MongoDB, 6379 for Redis. */
    inClusterPorts: number[];
    /** Ports of data stores outside the cluster (RDS: 5432), by the CIDRs they live in. */
    externalPorts: Array<{ port: number; cidrs: string[] }>;
    pushgatewayUrl: string;
    /** The replica's https endpoint (`backups.replica`), if any: its port joins HTTPS's when it is not 443. */
    replicaEndpoint?: string;
}

/**
 * What every backup and drill pod reaches outside its own pod: HTTPS to the internet for R2 (and the
 * drill's asset checks), never the private ranges, and the Pushgateway.
 */
function httpsAndPushgateway(pushgatewayUrl: string): Array<Record<string, unknown>> {
    return [publicHttpsEgress(), pushgatewayEgress(pushgatewayUrl)];
}

/**
 * The backup pods' egress (DB-2, SC-5): the data stores they dump, HTTPS for R2, and the Pushgateway.
 * Not the drills' (restoreDrillEgressSpec): they restore into their own pod. DNS comes from the
 * namespace-wide policy.
 */
export function backupEgressSpec(needs: EgressNeeds) {
    const egress: Array<Record<string, unknown>> = [];
    if (needs.inClusterPorts.length > 0) {
        egress.push({
            to: [{ podSelector: { matchLabels: { "runbook.dev/tier": "data" } } }],
            ports: needs.inClusterPorts.map((port) => ({ protocol: "TCP", port })),
        });
    }
    for (const ext of needs.externalPorts) {
        egress.push({ to: ext.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: ext.port }] });
    }
    const https = publicHttpsEgress();
    // The replica (BK-3) is another site on the internet too; on 443 the HTTPS rule already reaches it.
    if (needs.replicaEndpoint !== undefined && replicaPort(needs.replicaEndpoint) !== 443) {
        https.ports = [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: replicaPort(needs.replicaEndpoint) }];
    }
    egress.push(https, pushgatewayEgress(needs.pushgatewayUrl));
    return {
        podSelector: { matchLabels: { [ROLE_LABEL]: BACKUP_ROLE }, matchExpressions: [{ key: DRILL_LABEL, operator: "DoesNotExist" }] },
        policyTypes: ["Egress"],
        egress,
    };
}

/**
 * The drill pods' egress (BK-6, SC-5): HTTPS for R2 (the download) and the asset checks, and the
 * Pushgateway; no datastore port: a drill restores into the scratch server of its own pod, so neither
 * the drill nor its app check can open a connection to a real database.
 */
export function restoreDrillEgressSpec(pushgatewayUrl: string) {
    return {
        podSelector: { matchLabels: { [ROLE_LABEL]: BACKUP_ROLE }, matchExpressions: [{ key: DRILL_LABEL, operator: "Exists" }] },
        policyTypes: ["Egress"],
        egress: httpsAndPushgateway(pushgatewayUrl),
    };
}

/** The backup role's URL: the admin URL with the role and its password in place of the master user; host, database and TLS kept. */
export function backupRoleUrl(adminUrl: string, role: string, password: string): string {
    const u = new URL(adminUrl);
    u.username = role;
    u.password = encodeURIComponent(password);
    return u.toString();
}

/** What redis-cli needs from a `redis://:password@host:port` URL (it takes no URL with a password safely). */
export function redisCliSettings(url: string): { REDIS_HOST: string; REDIS_PORT: string; REDISCLI_AUTH: string } {
    const u = new URL(url);
    return { REDIS_HOST: u.hostname, REDIS_PORT: u.port || "6379", REDISCLI_AUTH: decodeURIComponent(u.password) };
}

export const APP_CHECK_SCRIPT = "drill-app-check.sh";
/** The drill's app check container (BK-6, 004). */
export const APP_CHECK_CONTAINER = "app-check";
/**
 * The emptyDir the drill and its app check hand over through: the drill writes `restored` once the
 * restore passed its checks (or `abandoned` when it ends without one); the check writes `output` and
 * then `result` (its exit status, or `timeout`).
 */
export const APP_CHECK_MOUNT = "/run/drill-check";
const APP_CHECK_VOLUME = "drill-check";
/** The scratch database a PostgreSQL drill restores into (restore-drill.sh's DRILL_DATABASE). */
export const DRILL_DATABASE = "runbook_drill";
/**
 * Seconds the drill waits for the check's result beyond the check's own timeout: the check stops its
 * command at the timeout, then has this long to say so before the drill gives up on it.
 */
export const APP_CHECK_GRACE_SECONDS = 60;

/**
 * The restored database as the app check reaches it: the scratch server on the pod's loopback, as its
 * scratch superuser, who needs no password (trust on loopback, scripts/backup/scratch-postgres.sh). No
 * credential of any real database.
 */
export function scratchDatabaseUrl(): string {
    return `postgresql://${SCRATCH_USER}@127.0.0.1:5432/${DRILL_DATABASE}?sslmode=disable`;
}

/** What the drill's job container needs to hand over to the app check and wait for it. */
export function appCheckDrillEnv(check: Pick<ResolvedDrillAppCheck, "timeoutSeconds">): Record<string, string> {
    return {
        DRILL_DATABASE,
        DRILL_APP_CHECK_DIR: APP_CHECK_MOUNT,
        DRILL_APP_CHECK_TIMEOUT_SECONDS: String(check.timeoutSeconds + APP_CHECK_GRACE_SECONDS),
    };
}

/** The handover volume, mounted by the job container too. */
export const APP_CHECK_JOB_MOUNT = { name: APP_CHECK_VOLUME, mountPath: APP_CHECK_MOUNT };

/** The app check's volumes: the handover, and the app's writablePaths as emptyDirs (prefixed: they live beside the drill's). */
export function appCheckVolumes(check: Pick<ResolvedDrillAppCheck, "writablePaths">): k8s.types.input.core.v1.Volume[] {
    return [
        { name: APP_CHECK_VOLUME, emptyDir: { sizeLimit: "64Mi" } },
        ...check.writablePaths.map((p) => ({ name: `app-check-${volumeName(p)}`.slice(0, 63).replace(/-+$/, ""), emptyDir: { sizeLimit: "1Gi" } })),
    ];
}

/**
 * The drill's app check (BK-6, 004): the app's own pinned image, run as its pods run (its user, the
 * restricted profile, a read-only root with only its writablePaths writable, its requests and limits),
 * with the app's connection variables pointing at the restored scratch database and nothing else: no
 * Secret of the app or the drill, no R2 credential, no service account token (the pod mounts none).
 * scripts/backup/drill-app-check.sh (POSIX sh, as app images have no bash) waits for the drill's
 * `restored`, runs the command with its timeout, writes the result, and exits: the container ends on
 * its own, so the Job completes whether the check passed or not.
 */
export function appCheckContainer(check: ResolvedDrillAppCheck): k8s.types.input.core.v1.Container {
    const volumes = appCheckVolumes(check);
    return {
        name: APP_CHECK_CONTAINER,
        image: check.image,
        command: ["/bin/sh", `${SCRIPTS_MOUNT}/${APP_CHECK_SCRIPT}`],
        args: check.command,
        env: [
            ...check.connectionEnv.map((name) => ({ name, value: scratchDatabaseUrl() })),
            { name: "DRILL_APP_CHECK_DIR", value: APP_CHECK_MOUNT },
            { name: "DRILL_APP_CHECK_TIMEOUT_SECONDS", value: String(check.timeoutSeconds) },
            // npx and prisma keep caches under $HOME; the root filesystem is read-only, /tmp is not.
            { name: "HOME", value: "/tmp" },
        ],
        securityContext: containerSecurity(check),
        resources: appResources(check),
        volumeMounts: [
            { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
            APP_CHECK_JOB_MOUNT,
            ...check.writablePaths.map((p, i) => ({ name: volumes[i + 1].name as string, mountPath: p })),
        ],
    };
}
