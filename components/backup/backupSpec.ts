import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { projectScriptsDir } from "../scripts";
import { BACKUP_ROLE, RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY, ROLE_LABEL } from "../k8s/labels";

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
}

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
                                resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "2", memory: "2Gi" } },
                                volumeMounts: [
                                    { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
                                    { name: "work", mountPath: WORK_MOUNT },
                                    ...(s.volumeMounts ?? []),
                                ],
                            },
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
 * The backup and drill pods' egress (DB-2, SC-5): the data stores they dump, HTTPS for R2 (and the
 * drill's asset checks), and the Pushgateway. DNS comes from the namespace-wide policy.
 */
export function backupEgressSpec(needs: EgressNeeds) {
    const gateway = pushgatewayTarget(needs.pushgatewayUrl);
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
    // R2 and asset hosts are Cloudflare anycast addresses: HTTPS to the internet, never the private ranges.
    // The replica (BK-3) is another site on the internet too; on 443 this rule already reaches it.
    const httpsPorts = [443];
    if (needs.replicaEndpoint !== undefined && replicaPort(needs.replicaEndpoint) !== 443) httpsPorts.push(replicaPort(needs.replicaEndpoint));
    egress.push({
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"] } }],
        ports: httpsPorts.map((port) => ({ protocol: "TCP", port })),
    });
    egress.push({
        to: [
            gateway.namespace !== undefined
                ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": gateway.namespace } } }
                : { ipBlock: { cidr: "0.0.0.0/0" } },
        ],
        ports: [{ protocol: "TCP", port: gateway.port }],
    });
    return {
        podSelector: { matchLabels: { [ROLE_LABEL]: BACKUP_ROLE } },
        policyTypes: ["Egress"],
        egress,
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
