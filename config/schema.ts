import { z } from "zod";
import { ZONE_PLANS } from "./cloudflarePlans";
import { ageRecipientProblem } from "./age";
import { imageProblem } from "./images";
import { parseCronSchedule } from "../lib/cron";

/*
 * The stack config schema: one declaration of every key a stack may set under the `runbook:`
 * namespace. Fields whose default depends on the environment are optional here and filled in by
 * `resolve.ts`; rules that span several fields live in `rules.ts`.
 */

const dnsLabel = z
    .string()
    .regex(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, { message: "must be a lowercase DNS label (a-z, 0-9, '-'), at most 40 characters" });
const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: "must be an UPPER_SNAKE_CASE environment variable name" });
/** A feature flag's name, set as FLAG_<NAME> (WL-8). */
const flagName = z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, { message: "must be an UPPER_SNAKE_CASE flag name such as NEW_CHECKOUT" })
    .refine((n) => !n.startsWith("FLAG_"), { message: "is set as FLAG_<NAME>: write the name without FLAG_" });
const urlPath = z.string().regex(/^\/[^\s]*$/, { message: "must be an absolute URL path such as /api/health" });
const hostname = z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, { message: "must be a lowercase DNS name such as api.example.com" });
const cidr = z
    .string()
    .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/, { message: "must be an IPv4 CIDR such as 10.20.0.0/16" });
const cpuQuantity = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/, { message: "must be a CPU quantity such as 250m or 1" });
const memoryQuantity = z.string().regex(/^\d+(Mi|Gi)$/, { message: "must be a memory quantity in Mi or Gi, such as 512Mi or 2Gi" });
/** A schedule the CronJob controller runs (issue 19: `0 25 * * *` and prose are refused here, naming the key). */
const cron = z.string().superRefine((value, ctx) => {
    const parsed = parseCronSchedule(value);
    if ("problem" in parsed) ctx.addIssue({ code: "custom", message: `${parsed.problem}; write a five-field schedule such as '0 2 * * *' (02:00 UTC daily)` });
});
/** hh:mm-hh:mm, UTC, as RDS and ElastiCache expect. */
const dailyWindow = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, { message: "must be a UTC window hh:mm-hh:mm such as 02:00-03:00" });
const weeklyWindow = z
    .string()
    .regex(/^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/, {
        message: "must be a UTC window ddd:hh:mm-ddd:hh:mm such as sun:04:00-sun:05:00",
    });

const labelKey = z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9_.-]{1,63}$/, { message: "must be a Kubernetes label key" });
const labelValue = z.string().regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, { message: "must be a Kubernetes label value (at most 63 letters, digits, '-', '_' or '.')" });

/** An absolute filesystem path such as /tmp or /app/.next/cache. */
const absolutePath = z.string().regex(/^\/[^\s]*$/, { message: "must be an absolute path such as /app/.next/cache" });

/**
 * A container image pinned to a tag other than `latest`, or to a digest (WL-3: a rollback returns
 * to exactly the previous release). The rules live in `images.ts`, shared with the messages.
 */
const pinnedImage = z.string().superRefine((value, ctx) => {
    const problem = imageProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * The migration (WL-5): a command run once per image version, before the new version takes
 * traffic. A string is split on whitespace (no shell); use the object form for arguments that
 * contain spaces.
 */
const migrateSchema = z.preprocess(
    (value) => (typeof value === "string" ? { command: value.trim().split(/\s+/) } : value),
    z.strictObject({
        /** The command, as the container's argv: `[npx, prisma, migrate, deploy]`. */
        command: z.array(z.string().min(1)).min(1),
        /** How long the migration may run before the deploy fails. Defaults to 600. */
        timeoutSeconds: z.number().int().min(30).max(86400).optional(),
        /** Retries after a failed attempt. Defaults to 1: a migration that fails twice needs a person. */
        backoffLimit: z.number().int().min(0).max(10).optional(),
    }),
);

export const appSchema = z.strictObject({
    /** Workload name; also the Kubernetes Deployment, Service and ServiceAccount name. */
    name: dnsLabel,
    /** Container image, pinned to a tag (not `latest`) or a digest, such as ghcr.io/acme/api:1.4.2 (WL-3). */
    image: pinnedImage,
    /** `api` and `web` take traffic through the edge; `worker` runs queue consumers and scales on its own (WL-6). */
    role: z.enum(["api", "web", "worker"]),
    /** The container port, named `http`; probes and metrics (`/metrics`) are served on it, and it is set as PORT. Several apps may share a port number. */
    port: z.number().int().min(1).max(65535),
    /**
     * Pods when not autoscaled, and the autoscaling floor otherwise (WL-1). Defaults to 3 for `api`
     * and 2 for other roles in production, and to 1 elsewhere.
     */
    replicas: z.number().int().min(0).max(100).optional(),
    /**
     * Horizontal autoscaling on CPU and memory (WL-1, WL-6). Production always autoscales, by default
     * from `replicas` to twice that; elsewhere only when this is set.
     */
    autoscaling: z
        .strictObject({
            /** Fewest pods. Defaults to `replicas`, or its default. */
            minReplicas: z.number().int().min(1).max(100).optional(),
            /** Most pods. */
            maxReplicas: z.number().int().min(1).max(100),
            /** Target average CPU use, in percent of the request. Defaults to 70. */
            cpuPercent: z.number().int().min(10).max(100).optional(),
            /** Target average memory use, in percent of the request. Defaults to 80. */
            memoryPercent: z.number().int().min(10).max(100).optional(),
        })
        .optional(),
    /**
     * Liveness probe path (WL-2): an endpoint that answers while the process works, without touching
     * the database, so a database outage does not restart every pod. It must differ from
     * `readinessPath`. Defaults to none: liveness then checks that the app's port accepts connections.
     */
    healthPath: urlPath.optional(),
    /** Readiness probe path; it must cover the database path (WL-2). */
    readinessPath: urlPath,
    /** Startup probe path: liveness waits until it answers, for up to 5 minutes (WL-2). Defaults to `healthPath`, or the port when there is none. */
    startupPath: urlPath.optional(),
    /**
     * Whether the app serves requests every minute of the day, so that none for 15 minutes while its pods
     * are up is an outage (the NoTraffic page; with no requests the SLO ratios are undefined and no
     * burn-rate alert can fire). Only for `api` and `web`. Defaults to true for them in production and
     * to false elsewhere, where an idle night is normal.
     */
    expectsTraffic: z.boolean().optional(),
    /** Paths that carry WebSocket connections, such as /events; the edge keeps them open (WL-7). Only for `api` and `web`. Defaults to none. */
    websocketPaths: z.array(urlPath).optional(),
    /** The migration run before each new image takes traffic (WL-5): `npx prisma migrate deploy`, or `{ command: [...] }`. Defaults to none. */
    migrate: migrateSchema.optional(),
    /**
     * The container's command, replacing the image's entrypoint, as argv: a worker that runs the API's
     * image with another program, such as `[node, dist/worker.js]` (000). Defaults to the image's. The
     * migration Job never uses it: it runs `migrate.command` alone.
     */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** Arguments to `command`, or to the image's entrypoint when `command` is not set. Defaults to the image's. */
    args: z.array(z.string()).optional(),
    /**
     * Feature flags (WL-8), each given to the app as `FLAG_<NAME>`: `{ NEW_CHECKOUT: false }` sets
     * FLAG_NEW_CHECKOUT=false. An emergency disable is a one-line change and `pulumi up`, which rolls
     * the pods. The migration Job does not get them, so flipping a flag never reruns a migration.
     * Defaults to none.
     */
    featureFlags: z.record(flagName, z.union([z.boolean(), z.string().min(1)])).optional(),
    /**
     * How long one request may run, in seconds (WL-8): given to the app in milliseconds as
     * `requestTimeoutEnv`, and the Gateway's request timeout on the app's routes. Defaults to
     * `edge.requestTimeoutSeconds` on the routes, and no variable.
     */
    requestTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
    /** The variable that carries `requestTimeoutSeconds`, in milliseconds. Defaults to REQUEST_TIMEOUT_MS. */
    requestTimeoutEnv: envVarName.optional(),
    /** Plain, non-secret environment variables. Secret values go in `runbook:secrets` and are referenced by `secretRefs`. */
    env: z.record(envVarName, z.string()).optional(),
    /** Keys of the environment's Kubernetes Secret that this app reads through `secretKeyRef`. */
    secretRefs: z.array(envVarName).optional(),
    /**
     * The environment variables that carry the apps' R2 token (ST-1, 004): object read and write on
     * the `assets` and `uploads` buckets, rotated with `backups.rotation.assets`. Each is read from the
     * token's Secret through `secretKeyRef`, and a rotation rolls the app. Defaults to none: the app
     * gets no R2 credentials.
     */
    r2Env: z
        .strictObject({
            /** The S3 access key ID, such as AWS_ACCESS_KEY_ID or S3_ACCESS_KEY_ID. */
            accessKeyId: envVarName,
            /** The S3 secret access key, such as AWS_SECRET_ACCESS_KEY. */
            secretAccessKey: envVarName,
            /** The account's S3 endpoint, https://<account>.r2.cloudflarestorage.com. Defaults to none. */
            endpoint: envVarName.optional(),
        })
        .optional(),
    /**
     * postgres with `database.readReplica`: the environment variable that gets the read replica's URL,
     * as the apps' own role (DB-5), such as DATABASE_READER_URL. Defaults to none.
     */
    readerUrlEnv: envVarName.optional(),
    /** Requests and limits (WL-4). Defaults: 250m / 512Mi requested, 1000m / 2Gi limit. */
    resources: z
        .strictObject({
            cpuRequest: cpuQuantity.optional(),
            memoryRequest: memoryQuantity.optional(),
            cpuLimit: cpuQuantity.optional(),
            memoryLimit: memoryQuantity.optional(),
        })
        .optional(),
    /** The non-root user the container runs as (SC-5). Defaults to 1000, the `node` user of the official Node.js images. */
    runAsUser: z.number().int().min(1).max(2147483647).optional(),
    /**
     * Writable directories on the otherwise read-only root filesystem (SC-5), each an emptyDir.
     * `/tmp` is always writable. Defaults to `/app/.next/cache` for `web` apps and none otherwise.
     */
    writablePaths: z.array(absolutePath).optional(),
});

export const databaseSchema = z.strictObject({
    /** `postgres` runs on AWS RDS; `mongodb` runs as a replica set on Kubernetes (DB-1). */
    engine: z.enum(["postgres", "mongodb"]),
    /** RDS engine version, or the MongoDB server version. */
    engineVersion: z.string().regex(/^\d+(\.\d+){0,2}$/, { message: "must be a version such as 16.4" }).optional(),
    /** postgres only. */
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { message: "must be an RDS instance class such as db.t4g.medium" }).optional(),
    /** postgres only. Defaults to 50. */
    allocatedStorageGb: z.number().int().min(20).max(65536).optional(),
    /** postgres only: the storage-autoscaling ceiling. Defaults to 4x the allocated storage. */
    maxAllocatedStorageGb: z.number().int().min(20).max(65536).optional(),
    /** postgres only. Defaults to true in production. */
    multiAz: z.boolean().optional(),
    /** postgres only: add a read replica (DB-5). Defaults to false. */
    readReplica: z.boolean().optional(),
    /**
     * postgres only, with readReplica: run the replica Multi-AZ, so a zone failure does not take the
     * apps' reads down with it (DB-5). Defaults to true in production once an app reads from the
     * replica (`apps[].readerUrlEnv`), and to false otherwise.
     */
    replicaMultiAz: z.boolean().optional(),
    /** postgres only: log statements slower than this (DB-4). Defaults to 500. */
    slowQueryMs: z.number().int().min(0).max(600000).optional(),
    /** Automated-backup retention (BK-2). Defaults to 30 in production and 7 elsewhere; RDS allows at most 35. */
    backupRetentionDays: z.number().int().min(7).max(35).optional(),
    /** postgres only. Defaults to 02:00-03:00 UTC (BK-1). */
    backupWindow: dailyWindow.optional(),
    /** postgres only. Defaults to sun:04:00-sun:05:00 UTC. */
    maintenanceWindow: weeklyWindow.optional(),
    /** mongodb only: replica-set members. Defaults to 3 in production and 1 elsewhere. */
    members: z.number().int().min(1).max(7).optional(),
    /** mongodb only: volume size per member. Defaults to 50. */
    storageGb: z.number().int().min(1).max(16384).optional(),
});

export const redisSchema = z.strictObject({
    /** `elasticache` is managed; `in-cluster` is a StatefulSet (RD-1). */
    mode: z.enum(["elasticache", "in-cluster"]),
    /** elasticache only. Defaults to redis. */
    engine: z.enum(["redis", "valkey"]).optional(),
    engineVersion: z.string().regex(/^\d+(\.\d+){0,2}$/, { message: "must be a version such as 7.1" }).optional(),
    /** elasticache only. */
    nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, { message: "must be an ElastiCache node type such as cache.t4g.small" }).optional(),
    /** elasticache only: read replicas. Defaults to 1 in production and 0 elsewhere. */
    replicas: z.number().int().min(0).max(5).optional(),
    /** elasticache only. Defaults to true in production. */
    multiAz: z.boolean().optional(),
    /** Defaults to 7 (BK-2). */
    snapshotRetentionDays: z.number().int().min(1).max(35).optional(),
    /** elasticache only. Defaults to 03:00-04:00 UTC. */
    snapshotWindow: dailyWindow.optional(),
    /** in-cluster only: volume size. Defaults to 10. */
    storageGb: z.number().int().min(1).max(1024).optional(),
    /** Must stay `noeviction`: queues lose jobs under any evicting policy (RD-2). */
    maxmemoryPolicy: z.string().optional(),
});

export const bucketSchema = z.strictObject({
    /** R2 bucket name (3-63 characters). */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, { message: "must be an R2 bucket name: 3-63 lowercase letters, digits and '-'" }),
    /** `assets` and `uploads` may be served by the CDN; `backups` is never public (ST-3). */
    purpose: z.enum(["assets", "uploads", "backups"]),
    /** Hostname that serves this bucket through the CDN (ST-3). Not allowed on backups buckets. */
    publicHost: hostname.optional(),
    location: z.enum(["wnam", "enam", "weur", "eeur", "apac", "oc"]).optional(),
    /**
     * The bucket's storage budget in GB (10^9 bytes, objects and their metadata): R2BucketOverBudget
     * fires when the bucket holds `alerts.r2BudgetPercent` of it (ST-1, ST-2). Defaults to none: its
     * size and object count are still measured, but never alert.
     */
    budgetGb: z.number().positive().max(1_000_000).optional(),
    /** Lifecycle (ST-2). */
    lifecycle: z
        .strictObject({
            /** Delete objects older than this. Not for the backups bucket, which expires each prefix at `backups.prefixRetentionDays`. */
            expireAfterDays: z.number().int().min(1).max(3650).optional(),
            /** Move objects to Infrequent Access after this many days (the cold copy of ST-2). Defaults to 30. */
            infrequentAccessAfterDays: z.number().int().min(30).max(3650).optional(),
            /** Abort unfinished multipart uploads after this many days. Defaults to 7. */
            abortMultipartAfterDays: z.number().int().min(1).max(30).optional(),
        })
        .optional(),
});

export const storageSchema = z.strictObject({
    /** Cloudflare account that owns the buckets. */
    accountId: z.string().regex(/^[a-f0-9]{32}$/, { message: "must be a 32-character Cloudflare account ID" }),
    buckets: z.array(bucketSchema).min(1),
});

/** Datastore prefixes of the backups bucket: one per kind of dump (BK-2). */
export const BACKUP_DATASTORES = ["postgres", "mongodb", "mongodb-oplog", "redis"] as const;
export type BackupDatastore = (typeof BACKUP_DATASTORES)[number];

const rotationLabel = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, { message: "must be a short label such as 2026-Q4 (letters, digits, '.', '_', '-')" });

/** An https S3 endpoint: scheme, host and optional port, nothing else (BK-3: in transit, encrypted). */
export const REPLICA_ENDPOINT = /^https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?\/?$/i;
/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
export const S3_BUCKET_NAME = /^(?!\d{1,3}(\.\d{1,3}){3}$)(?!xn--)(?!.*\.\.)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const backupsSchema = z.strictObject({
    /** Name of the `backups` bucket in `storage.buckets` that receives dumps (BK-3). */
    bucket: z.string(),
    /** Daily full backup (BK-1). Defaults to 02:00 UTC. */
    schedule: cron.optional(),
    /** MongoDB only: the oplog capture between full backups (BK-1). Defaults to hourly, at minute 15. */
    oplogSchedule: cron.optional(),
    /** How long primary data (PostgreSQL, MongoDB and its oplog) is kept (BK-2). Defaults to 30 in production and 7 elsewhere. */
    retentionDays: z.number().int().min(7).max(3650).optional(),
    /** Per-prefix retention overrides (BK-2). Defaults: `retentionDays` for primary data, 7 for Redis. */
    prefixRetentionDays: z
        .strictObject({
            postgres: z.number().int().min(7).max(3650).optional(),
            mongodb: z.number().int().min(7).max(3650).optional(),
            "mongodb-oplog": z.number().int().min(7).max(3650).optional(),
            redis: z.number().int().min(7).max(3650).optional(),
        })
        .optional(),
    /**
     * Days the monthly generation is kept and locked (issue 17 #10, BK-2, BK-4): the first full backup
     * of each month (PostgreSQL, MongoDB) is also copied to `monthly/<datastore>/`, a prefix with a
     * lifecycle and a lock of its own, so that a stack whose backups stop keeps a good backup long after
     * the daily ones expire. At least the daily retention plus 31 days, so the newest monthly copy
     * outlives the newest daily one; 0 keeps none (refused in production). Defaults to 365 in
     * production (twelve monthly backups, as barman and pgBackRest keep them) and 60 elsewhere.
     */
    monthlyRetentionDays: z.number().int().min(0).max(3650).optional(),
    /** age recipient that dumps are encrypted to before they leave the cluster (BK-3). */
    encryptionRecipient: z.string().superRefine((value, ctx) => {
        const problem = ageRecipientProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    }),
    /**
     * Image of the backup and drill jobs, pinned to a tag or digest (build `scripts/backup/Dockerfile`).
     * It must hold bash, curl, aws, age, zstd, pg_dump/pg_restore/psql of the server's major, redis-cli
     * and redis-server, and mongodump/mongorestore.
     */
    image: pinnedImage,
    /** Where the jobs push their metrics (OB-6). Defaults to http://prometheus-pushgateway.monitoring.svc:9091. */
    pushgatewayUrl: z.string().regex(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, { message: "must be an http(s) URL such as http://prometheus-pushgateway.monitoring.svc:9091" }).optional(),
    /** Restore drill (BK-6). Defaults to weekly in staging and quarterly in production. */
    restoreDrillSchedule: cron.optional(),
    /**
     * Rotation labels of the scoped R2 tokens (ST-1, SC-2, BK-8): changing one (for example to the next
     * quarter, 2027-Q1) replaces that token and the Secret that holds it. Each defaults to `initial`.
     */
    rotation: z
        .strictObject({
            /** The backup jobs' token: object read and write on the backups bucket only. */
            backupJobs: rotationLabel.optional(),
            /** The drill's token: object read on the backups buckets it restores from. */
            drill: rotationLabel.optional(),
            /** The apps' token: object read and write on the asset and upload buckets (004). */
            assets: rotationLabel.optional(),
            /** The R2 usage job's token: Account Analytics Read on the buckets' account, which reads their sizes and nothing else. */
            analytics: rotationLabel.optional(),
        })
        .optional(),
    /**
     * A second copy of every backup at another site (BK-3, BK-4, BK-8): an S3-compatible bucket of
     * another account or provider. After each backup is verified and promoted, its job copies the very
     * encrypted bytes there (never decrypted), verifies the copy's SHA-256 against the one it recorded,
     * and pushes the replica's lag. The replica's lifecycle and object lock are its owner's to set.
     * Defaults to none.
     */
    replica: z
        .strictObject({
            /** The replica's S3 endpoint: https only, such as https://s3.eu-central-1.amazonaws.com. */
            endpoint: z.string().regex(REPLICA_ENDPOINT, { message: "must be an https URL of an S3 endpoint, such as https://s3.eu-central-1.amazonaws.com (no path, no credentials)" }),
            /** The replica bucket (S3 naming rules: 3–63 lowercase letters, digits, '.' and '-'). */
            bucket: z.string().regex(S3_BUCKET_NAME, { message: "must be an S3 bucket name: 3–63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, no '..', not an IP address" }),
            /** The replica's region, as its provider names it (us-east-1, auto). Defaults to `auto`. */
            region: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { message: "must be a region name such as eu-central-1 or auto" }).optional(),
            /** Access key ID of the replica's own credentials, scoped to writing that bucket. Must be `secure:`. */
            accessKeyId: z.string().min(1),
            /** Secret access key of the replica's own credentials. Must be `secure:`. */
            secretAccessKey: z.string().min(1),
        })
        .optional(),
    /**
     * The restore drill (BK-6). It runs only where its private key may live, never in production
     * (BK-3): staging drills its own backups and production's. Without this section, no drill.
     */
    drill: z
        .strictObject({
            /** The age identity (AGE-SECRET-KEY-1…) that decrypts the drilled backups. Must be `secure:`; refused in production (BK-3). */
            ageSecretKey: z.string().min(1),
            /**
             * Backups to restore besides this stack's own (its database, and in-cluster Redis, from its own
             * bucket on `restoreDrillSchedule`). Staging lists production's bucket here, quarterly. Defaults to none.
             */
            targets: z
                .array(
                    z.strictObject({
                        /** A short name for the CronJob, such as `production-postgres`. */
                        name: dnsLabel,
                        /** The stack whose backups these are, for the metrics' `stack` label. Defaults to this stack. */
                        stack: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: "must be a stack name such as production" }).optional(),
                        /** The backups bucket to restore from (same Cloudflare account). */
                        bucket: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, { message: "must be an R2 bucket name" }),
                        datastore: z.enum(["postgres", "mongodb", "redis"]),
                        /** Defaults to `restoreDrillSchedule`. */
                        schedule: cron.optional(),
                        /** Asset URLs of that stack to sample after the restore (the drill's own `assetUrls` are this stack's). Defaults to none. */
                        assetUrls: z.array(z.string().regex(/^https:\/\/\S+$/, { message: "must be an https URL" })).optional(),
                    }),
                )
                .min(1)
                .optional(),
            /** Minimum rows per table the restored PostgreSQL must hold, such as `{ orders: 1000 }`. Defaults to none. */
            minRows: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, { message: "must be a table name such as public.orders" }), z.number().int().min(0)).optional(),
            /** A command that must pass against the restored database, such as `npx prisma migrate status` (004). Defaults to none. */
            checkCommand: z.string().min(1).optional(),
            /**
             * PostgreSQL: a check that runs in an app's own image against the restored database, as the app
             * reads it (BK-6, 004), such as `npx prisma migrate status`. The drill's pod gets one more
             * container: the app's pinned image, run as the app runs (its user, read-only root, its
             * writablePaths), started once the restore finished, with the app's connection variable
             * (DATABASE_URL, and its readerUrlEnv) pointing at the scratch copy and no other credential.
             * The check's exit status decides the drill. The image needs a POSIX `sh`. Defaults to none.
             */
            appCheck: z
                .strictObject({
                    /** The app in `apps` whose image runs the check; it must read this stack's PostgreSQL (DATABASE_URL in its secretRefs). */
                    app: z.string().min(1),
                    /** The program and its arguments, such as `["npx", "prisma", "migrate", "status"]`. */
                    command: z.array(z.string().min(1)).min(1),
                    /** More arguments after `command`. Defaults to none. */
                    args: z.array(z.string()).optional(),
                    /** Seconds the check may run before it is stopped and the drill fails. Defaults to 300. */
                    timeoutSeconds: z.number().int().min(10).max(3600).optional(),
                })
                .optional(),
            /** This stack's asset URLs, a random sample of which must answer after a drill of this stack's backups (004). Defaults to none. */
            assetUrls: z.array(z.string().regex(/^https:\/\/\S+$/, { message: "must be an https URL" })).optional(),
            /**
             * PostgreSQL restore method of the drill. 1 restores in one transaction streamed from the
             * decryption (`pg_restore --single-transaction`): on the scratch server (`wal_level=minimal`)
             * it writes no WAL and builds each index with parallel workers. N > 1 runs `pg_restore -j N`
             * from a decrypted file, for databases of many large tables. Defaults to 1.
             */
            restoreJobs: z.number().int().min(1).max(32).optional(),
            /**
             * PostgreSQL: the application's role, which must read the tables it needs after the restore,
             * as itself (issue 17 #2): proof that the roles, GRANTs and default privileges came back with
             * the data. Defaults to none (no check).
             */
            appRole: z.string().regex(/^[a-z_][a-z0-9_]*$/, { message: "must be a lowercase role name such as runbook_app" }).optional(),
            /** PostgreSQL: the tables `appRole` must read, such as `public.orders`. Defaults to every table outside the system schemas. */
            appTables: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, { message: "must be a table name such as public.orders" })).min(1).optional(),
            /**
             * PostgreSQL: each of the largest tables (the backup's manifest lists them with their row
             * counts) must hold at least this fraction of the rows it held in the previous backup, or the
             * drill fails: a wiped table passes no drill (issue 17 #7). Defaults to 0.9.
             */
            rowCountFraction: z.number().min(0).max(1).optional(),
            /**
             * PostgreSQL: a timestamp column, `table.column` or `schema.table.column` (such as
             * `public.orders.created_at`), whose newest value must be no older than the RPO target
             * (alerts.rpoTargetHours) when the drill starts (issue 17 #7). Defaults to none.
             */
            newestRow: z
                .string()
                .regex(/^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be table.column or schema.table.column, such as public.orders.created_at" })
                .optional(),
        })
        .optional(),
});

/** The Gateway's load balancer, as Cloudflare reaches it: a DNS name (CNAME) or an IPv4 address (A record). */
const origin = z
    .string()
    .regex(/^((?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}|((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))$/, {
        message: "must be the Gateway load balancer's DNS name (such as a1b2c3.elb.us-east-1.amazonaws.com) or an IPv4 address",
    });
const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[a-z]{2,63}$/i, { message: "must be an email address such as ops@example.com" });

export const edgeSchema = z.strictObject({
    /** Cloudflare zone name, such as example.com. */
    zone: hostname,
    zoneId: z.string().regex(/^[a-f0-9]{32}$/, { message: "must be a 32-character Cloudflare zone ID" }),
    hosts: z
        .array(
            z.strictObject({
                host: hostname,
                /** The app in `apps` that serves this host. */
                app: dnsLabel,
            }),
        )
        .min(1),
    /**
     * Where Cloudflare sends every host's traffic: the Gateway's load balancer, as a DNS name (a
     * proxied CNAME) or an IPv4 address (a proxied A record).
     */
    origin,
    /**
     * This stack owns the zone-wide settings and rulesets: zone settings, cache rules, the login rate
     * limit and the WAF. Cloudflare keeps one ruleset per phase in a zone, so when stacks share a
     * zone, exactly one of them owns it; the others declare only their DNS records. Defaults to true.
     */
    ownsZone: z.boolean().optional(),
    /**
     * The zone's Cloudflare plan, which decides the rate limit's allowed counting periods and block
     * times and whether the managed WAF rulesets exist (ED-4). Set it to the zone's real plan: a value
     * the plan does not offer is refused by Cloudflare at `pulumi up`. Defaults to `pro`, the cheapest
     * plan with the managed WAF rulesets and a 15-minute block.
     */
    zonePlan: z.enum(ZONE_PLANS).optional(),
    /** Path of the login endpoint that gets the strict rate limit (ED-4). Defaults to /api/auth/login. */
    loginPath: urlPath.optional(),
    /**
     * Login attempts allowed per client IP (ED-4). Defaults to 5 requests per 60 seconds, then a
     * block of 900 seconds (15 minutes). Both times must be values Cloudflare offers on edge.zonePlan:
     * 10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600,
     * 65535 or 86400, up to the plan's maximum (free: 10 and 10; pro: 60 and 3600; business: 600 and
     * 86400; enterprise: 65535 and 86400).
     */
    loginRateLimit: z
        .strictObject({
            /** Defaults to 5. */
            requests: z.number().int().min(1).max(1000).optional(),
            /** The counting period. Defaults to 60. */
            periodSeconds: z.number().int().min(10).max(86400).optional(),
            /** How long a client that hit the limit stays blocked (the rule's mitigation timeout). Defaults to 900. */
            blockSeconds: z.number().int().min(10).max(86400).optional(),
        })
        .optional(),
    /** HSTS max-age, at Cloudflare and on the Gateway (ED-3). Defaults to 31536000 (one year); at least six months. */
    hstsMaxAgeSeconds: z.number().int().min(15768000).max(63072000).optional(),
    /** Largest request body the Gateway accepts, in MiB; larger requests get 413. Defaults to 10. */
    maxRequestBodyMb: z.number().int().min(1).max(1024).optional(),
    /** Request timeout of ordinary routes, in seconds. Defaults to 60. */
    requestTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
    /** Request and idle timeout of WebSocket routes, in seconds (WL-7). Defaults to 3600. */
    websocketTimeoutSeconds: z.number().int().min(60).max(86400).optional(),
    /** Edge cache TTLs (ED-1). */
    cache: z
        .strictObject({
            /** `/_next/static/*`, content-hashed build output. Defaults to 31536000 (one year). */
            staticTtlSeconds: z.number().int().min(60).max(31536000).optional(),
            /** The asset buckets' public hosts. Defaults to 2592000 (30 days). */
            assetTtlSeconds: z.number().int().min(60).max(31536000).optional(),
        })
        .optional(),
    /** Cloudflare WAF managed rulesets. Both default to on in production and off elsewhere; production cannot turn them off. */
    waf: z
        .strictObject({
            /** The Cloudflare Managed Ruleset. */
            managedRuleset: z.boolean().optional(),
            /** The Cloudflare OWASP Core Ruleset. */
            owaspRuleset: z.boolean().optional(),
        })
        .optional(),
    /** The Gateway API implementation in the cluster. */
    gateway: z
        .strictObject({
            /**
             * `envoy-gateway` (the default) also gets Envoy Gateway's traffic policies: the body-size
             * limit and WebSocket idle timeouts. `generic` declares only standard Gateway API objects.
             */
            implementation: z.enum(["envoy-gateway", "generic"]).optional(),
            /** GatewayClass of the environment's Gateway. Defaults to `eg`, Envoy Gateway's usual class. */
            className: dnsLabel.optional(),
            /** Namespace of the Gateway's proxy pods, admitted to the web-facing apps. Defaults to `envoy-gateway-system`. */
            namespace: dnsLabel.optional(),
        })
        .optional(),
    /** Certificates for the Gateway, from cert-manager over ACME DNS-01 through Cloudflare (ED-2). */
    tls: z.strictObject({
        /** Cloudflare API token with Zone:DNS:Edit on the zone, for DNS-01 challenges. Must be `secure:`. */
        dnsApiToken: z.string().min(1),
        /** ACME account email. Optional. */
        acmeEmail: email.optional(),
        /** ACME directory URL. Defaults to Let's Encrypt production. */
        acmeServer: z.string().regex(/^https:\/\/\S+$/, { message: "must be an https URL of an ACME directory" }).optional(),
        /** Namespace cert-manager runs in; the ClusterIssuer reads the token Secret there. Defaults to `cert-manager`. */
        certManagerNamespace: dnsLabel.optional(),
        /** Renew a certificate this many days before it expires. Defaults to 30. */
        renewBeforeDays: z.number().int().min(7).max(60).optional(),
    }),
});

const percent = (min: number, max: number) => z.number().min(min).max(max);

const promDuration = z.string().regex(/^\d+(ms|s|m|h|d|w)$/, { message: "must be a Prometheus duration such as 5m, 1h or 2d" });
const promSeries = z.strictObject({
    /** A series as promtool's input_series takes it: `orders_failed_total{job="api"}`. */
    series: z.string().min(1),
    /** Its samples in promtool's notation: `0+10x60` (start 0, add 10 per interval, 60 times), `1x30`. */
    values: z.string().min(1),
});

/** One of the team's own alerts (issue 20, 5), with the example that proves it. */
export const customAlertSchema = z.strictObject({
    /** The alert's name, UpperCamelCase, its own (not a built-in's): `FailedPaymentsHigh`. */
    name: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, { message: "must be an UpperCamelCase alert name such as FailedPaymentsHigh" }),
    /** sev1 and sev2 page; sev3 and sev4 post to Slack (OB-4). */
    severity: z.enum(["sev1", "sev2", "sev3", "sev4"]),
    /** The PromQL expression; the alert fires while it returns a series. */
    expr: z.string().min(1),
    /** How long the expression must hold before the alert fires. Defaults to firing at once. */
    for: promDuration.optional(),
    /** One line, shown as the notification's title; may print {{ $value }} and {{ $labels.<name> }}. */
    summary: z.string().min(1).max(200),
    /** What it means and the first step. */
    description: z.string().min(1),
    /** Labels beyond severity, category and namespace, which every alert gets. Defaults to none. */
    labels: z.record(labelKey, z.string()).optional(),
    /**
     * The promtool unit test generated for the rule: series that make it fire at `evalTime`, and
     * series just inside its threshold that must not fire at `quietEvalTime`.
     */
    test: z.strictObject({
        /** The series' sample interval and the rule's evaluation interval. Defaults to 1m. */
        interval: promDuration.optional(),
        firing: z.array(promSeries).min(1),
        evalTime: promDuration,
        /** The labels the expression keeps from the firing series. Defaults to none. */
        labels: z.record(z.string(), z.string()).optional(),
        /** The expression's value at `evalTime`; required when the summary or description prints {{ $value }}. */
        value: z.number().optional(),
        quiet: z.array(promSeries).min(1),
        /** Defaults to `evalTime`. */
        quietEvalTime: promDuration.optional(),
    }),
});

export const alertsSchema = z.strictObject({
    /**
     * OB-1: p95 latency objective, in milliseconds: 95 % of requests within it, a latency SLO whose
     * 5 % budget the latency burn-rate alerts spend. It must be a bucket edge of the request-duration
     * histogram (100, 250, 400, 500, 1000, 2000, 2500, 5000 or 10000), which counts the slower requests. Defaults to 400.
     */
    p95LatencyMs: z.number().int().min(50).max(60000).optional(),
    /**
     * OB-2 (003: response time at p50, p95 and p99): the median above which HighLatencyP50 (sev4)
     * tickets, in milliseconds, from 60 to 9900 and below p95LatencyMs. Defaults to 250, or half of
     * p95LatencyMs when that is 250 or less.
     */
    p50LatencyMs: z.number().int().min(60).max(9900).optional(),
    /**
     * OB-2 (003): the p99 above which HighLatencyP99 (sev3) fires, in milliseconds. Above
     * p95LatencyMs, from 60 to 9900. Defaults to 2000, the runbook's "high response time", or twice
     * p95LatencyMs when that is 2000 or more.
     */
    p99LatencyMs: z.number().int().min(60).max(9900).optional(),
    /**
     * OB-3 (002: MongoDB operation latency): the mean read or write time above which
     * MongoOperationLatencyHigh (sev3) fires, in milliseconds. Defaults to 100.
     */
    mongodbOpLatencyMs: z.number().int().min(1).max(60000).optional(),
    /**
     * OB-1: error-rate objective (5xx of all requests), in percent: the same objective as
     * `availabilityPercent`, stated the other way round, so it is always 100 − availabilityPercent and a
     * different value is refused. Defaults to that (0.5).
     */
    errorRatePercent: percent(0.01, 10).optional(),
    /** OB-1: monthly availability objective, in percent; the burn-rate alerts spend its error budget. Defaults to 99.5. */
    availabilityPercent: percent(90, 99.99).optional(),
    /**
     * OB-1, OB-3: requests a minute an app (or one of its routes) must have served over an alert's
     * window before its error or latency ratio may alert. Below it a single failed request is a large
     * share, which the SRE Workbook's low-traffic advice says not to page on. Defaults to 1.
     */
    minRequestsPerMinute: z.number().min(0.01).max(100000).optional(),
    /** OB-2: the "high response time" page, in milliseconds. Defaults to 2000. */
    highResponseTimeMs: z.number().int().min(100).max(120000).optional(),
    /** OB-2: p95 latency regression against the same hour a week earlier, in percent. Defaults to 20. */
    latencyRegressionPercent: percent(5, 500).optional(),
    /** OB-3: share of requests answered 401 or 403, in percent. Defaults to 10. */
    authFailurePercent: percent(1, 100).optional(),
    /** OB-3: share of a route's requests answered 5xx, in percent. Defaults to 5. */
    routeServerErrorPercent: percent(0.1, 100).optional(),
    /** OB-3: share of a route's requests answered 4xx, in percent. Defaults to 25. */
    routeClientErrorPercent: percent(1, 100).optional(),
    /** OB-3: drop in open WebSocket connections within 30 minutes, in percent. Defaults to 50. */
    websocketDropPercent: percent(10, 100).optional(),
    /** OB-3: failed BullMQ jobs per minute, per queue. Defaults to 5. */
    queueFailedJobsPerMinute: z.number().min(0.1).max(100000).optional(),
    /** OB-3: jobs waiting in one BullMQ queue. Defaults to 1000. */
    queueBacklogJobs: z.number().int().min(1).max(10000000).optional(),
    /** OB-7: container restarts within 15 minutes that make a restart loop. Defaults to 3. */
    podRestartsPer15m: z.number().int().min(1).max(100).optional(),
    /** OB-7: share of CPU periods throttled, in percent. Defaults to 25. */
    cpuThrottlingPercent: percent(1, 100).optional(),
    /** OB-7: working-set memory against the container limit, in percent. Defaults to 90. */
    memoryLimitPercent: percent(50, 100).optional(),
    /** DB-4: database connections against the server's maximum, in percent. Defaults to 80. */
    dbConnectionsPercent: percent(10, 100).optional(),
    /** DB-1, DB-5: MongoDB secondary or RDS read-replica lag, in seconds. Defaults to 30. */
    replicationLagSeconds: z.number().int().min(1).max(86400).optional(),
    /** RD-2: Redis memory against maxmemory, in percent. Defaults to 90. */
    redisMemoryPercent: percent(10, 100).optional(),
    /** Volumes predicted to fill within this many hours alert. Defaults to 24. */
    diskFullWithinHours: z.number().int().min(1).max(720).optional(),
    /** OB-6: how late a backup may be beyond its schedule before it alerts, in hours. Defaults to 2 (26 h for a daily backup). */
    backupMarginHours: z.number().int().min(1).max(48).optional(),
    /**
     * OB-6: a full backup (PostgreSQL, MongoDB) smaller than the one before it by this share alerts
     * (BackupSizeDropped): a database wiped, or dumped from the wrong place. Defaults to 50.
     */
    backupSizeDropPercent: percent(10, 95).optional(),
    /**
     * ST-1, ST-2: share of a bucket's `storage.buckets[].budgetGb`, in percent, at which
     * R2BucketOverBudget (sev3) fires. Defaults to 80.
     */
    r2BudgetPercent: percent(1, 100).optional(),
    /**
     * BK-3, OB-6: how far, in hours, the replica's newest backup (`backups.replica`) may trail the
     * primary's before BackupReplicaLagging fires. Defaults to each backup's schedule period plus
     * `backupMarginHours` (26 h for a daily backup, 2 h for the hourly MongoDB oplog).
     */
    backupReplicaLagHours: z.number().int().min(1).max(720).optional(),
    /** BK-7: recovery-time target a restore drill must meet, in minutes. Defaults to 60. */
    rtoTargetMinutes: z.number().int().min(1).max(10080).optional(),
    /** BK-7: recovery-point target a restore drill must meet, in hours. Defaults to 24. */
    rpoTargetHours: z.number().int().min(1).max(720).optional(),
    /** ED-2: certificates expiring within this many days alert. Defaults to 14. */
    certificateExpiryDays: z.number().int().min(1).max(60).optional(),
    /**
     * Where docs/alerts.md is published, such as https://github.com/acme/runbook/blob/main/docs/alerts.md;
     * every alert's runbook_url is this plus `#<alert name in lowercase>`. Production requires an https
     * URL (OB-4: a page must link to steps the on-call engineer can open from a phone). Defaults to
     * `docs/alerts.md` elsewhere.
     */
    runbookBaseUrl: z.string().regex(/^(https:\/\/\S+|docs\/\S+)$/, { message: "must be an https:// URL or a docs/ path" }).optional(),
    /** Namespace of Prometheus and Alertmanager; it may scrape the apps' metrics ports. Defaults to `monitoring`. */
    monitoringNamespace: dnsLabel.optional(),
    /**
     * Labels the Prometheus operator selects rules, monitors and Alertmanager configs by. Defaults to
     * `release: kube-prometheus-stack`, the chart's default selector.
     */
    selectorLabels: z.record(labelKey, z.string().max(63)).optional(),
    /**
     * The team's own alert rules (business metrics and anything else the apps export), each with an
     * example that proves it; generated, routed, annotated and tested like the built-in ones.
     * Defaults to none.
     */
    rules: z.array(customAlertSchema).max(100).optional(),
    /** OB-4: where alerts go, by severity. */
    routes: z.strictObject({
        /** PagerDuty Events v2 routing key: SEV1 and SEV2 page. Must be `secure:`. */
        pagerdutyRoutingKey: z.string().min(1),
        /** Slack incoming-webhook URL: every severity posts. Must be `secure:`. */
        slackWebhookUrl: z.string().min(1),
        slackChannel: z.string().regex(/^#[a-z0-9_-]+$/, { message: "must be a Slack channel such as #ops-alerts" }),
        /**
         * A dead man's switch (healthchecks.io, PagerDuty heartbeat, Dead Man's Snitch) that the
         * always-firing Watchdog alert pings; when the pings stop, it alerts. Must be `secure:`.
         * Without it the Watchdog posts to Slack once a day.
         */
        deadMansSwitchWebhookUrl: z.string().min(1).optional(),
        /**
         * Integration key of a PagerDuty "Amazon CloudWatch" integration, for the RDS and
         * ElastiCache alarms. Must be `secure:`. Required in production when a data store runs in AWS.
         */
        pagerdutyCloudwatchKey: z.string().min(1).optional(),
        /**
         * AWS Chatbot (Amazon Q Developer in chat) Slack channel for the CloudWatch alarms: the
         * workspace must be authorized in the AWS console once. Without it, CloudWatch alarms reach
         * Slack only through PagerDuty's Slack integration.
         */
        awsChatbotSlack: z
            .strictObject({
                /** Slack workspace ID, such as T012AB3C4. */
                workspaceId: z.string().regex(/^T[A-Z0-9]{6,12}$/, { message: "must be a Slack workspace ID such as T012AB3C4" }),
                /** Slack channel ID, such as C012AB3CD. */
                channelId: z.string().regex(/^[CG][A-Z0-9]{6,12}$/, { message: "must be a Slack channel ID such as C012AB3CD" }),
            })
            .optional(),
    }),
});

const vpcId = z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: "must be a VPC ID such as vpc-0abc1234" });
const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, { message: "must be a security group ID such as sg-0abc1234" });
const routeTableId = z.string().regex(/^rtb-[0-9a-f]{8,17}$/, { message: "must be a route table ID such as rtb-0abc1234" });
const availabilityZone = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { message: "must be an availability zone name such as us-east-1a" });

/**
 * Where the data tier lives and how the cluster's pods reach it (DB-2). Either the cluster's own VPC
 * (`existing`), or a new VPC peered with the cluster's (`create` with `peering`). A new VPC without
 * peering is unreachable and refused (config/rules.ts).
 */
export const networkSchema = z.strictObject({
    /** `existing` puts the data tier in the cluster's VPC and private subnets; `create` builds a VPC peered with the cluster's. */
    mode: z.enum(["create", "existing"]),
    /** create only. Defaults to 10.20.0.0/16; must not overlap the cluster's VPC. */
    vpcCidr: cidr.optional(),
    /**
     * create only: the availability zones of the private subnets, in order, pinned so an impaired
     * zone never re-plans a subnet that holds data. Required in production. Elsewhere, when unset,
     * the first `azCount` zones of the region by name are used, impaired or not.
     */
    availabilityZones: z.array(availabilityZone).min(2).max(6).optional(),
    /** create only, without availabilityZones: how many zones. Defaults to 2. */
    azCount: z.number().int().min(2).max(6).optional(),
    /** existing only: the cluster's VPC. */
    vpcId: vpcId.optional(),
    /** existing only: at least two private subnets of the cluster's VPC, in different AZs. */
    privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet ID such as subnet-0abc1234" })).optional(),
    /**
     * create only: the cluster's VPC, which the new VPC is peered with (same account and region).
     * Routes to the data VPC are added to each of the cluster's route tables, and the data VPC routes
     * back to `vpcCidr`.
     */
    peering: z
        .strictObject({
            /** The cluster's VPC ID. */
            vpcId,
            /** The cluster VPC's CIDR; the data VPC routes it through the peering connection. */
            vpcCidr: cidr,
            /** Route tables of the cluster's node and pod subnets. */
            routeTableIds: z.array(routeTableId).min(1),
        })
        .optional(),
    /**
     * The cluster's node or pod security groups, admitted to the data ports (DB-2). The preferred
     * source: it admits exactly the cluster, wherever its addresses are. Required in production
     * with `mode: existing`.
     */
    clusterSecurityGroupIds: z.array(securityGroupId).min(1).optional(),
    /**
     * CIDRs of the cluster's nodes or pods, admitted to the data ports (DB-2). In production narrower
     * than the cluster's VPC, and not used with `mode: existing` (a security group admits the cluster
     * without admitting the rest of its VPC).
     */
    appCidrs: z.array(cidr).min(1).optional(),
});

export const kubernetesSchema = z.strictObject({
    /**
     * The kubeconfig context of this stack's cluster (required). The stack's Kubernetes provider uses
     * it and nothing else, so the context that happens to be current in a shell can never receive
     * another stack's objects.
     */
    context: z.string().min(1).regex(/^\S+$/, { message: "must be a kubeconfig context name (no spaces)" }),
    /** Namespace for every workload, and the provider's default namespace. Defaults to `runbook`. */
    namespace: dnsLabel.optional(),
    /** StorageClass for persistent volumes; the cluster default when unset. */
    storageClass: dnsLabel.optional(),
    /**
     * `existing` (the default) uses the cert-manager, Gateway implementation and Prometheus
     * operator the cluster already runs; `install` installs them as pinned Helm releases.
     */
    platform: z.enum(["install", "existing"]).optional(),
    /**
     * OB-5: every pod's logs shipped to a searchable store. With `platform: install` the stack
     * installs Grafana Loki (one replica, on a volume) and Grafana Alloy (a DaemonSet) that sends it
     * every pod's logs with secrets redacted, and adds Loki to Grafana. With `lokiUrl`, only Alloy is
     * installed and ships to that Loki instead. With `platform: existing` and no `lokiUrl`, the
     * cluster's own log pipeline is relied on and nothing is installed.
     */
    logs: z
        .strictObject({
            /**
             * Days the installed Loki keeps logs (`platform: install` without `lokiUrl` only). Defaults
             * to 30 in production, a month-long SLO window of evidence (OB-1), and 7 elsewhere.
             * At least 7 in production.
             */
            retentionDays: z.number().int().min(1).max(3650).optional(),
            /**
             * An existing Loki's push endpoint, such as
             * http://loki-gateway.logging.svc/loki/api/v1/push; Alloy ships there and no Loki is
             * installed. Its retention is that Loki's own setting. No credentials in the URL.
             */
            lokiUrl: z
                .string()
                .regex(/^https?:\/\/[^\s/@]+(:\d+)?\/\S*loki\/api\/v1\/push$/, { message: "must be a Loki push URL without credentials, such as http://loki-gateway.logging.svc/loki/api/v1/push" })
                .optional(),
            /** Size of the installed Loki's volume, in GiB (`platform: install` without `lokiUrl` only). Defaults to 50 in production and 10 elsewhere. */
            volumeGb: z.number().int().min(1).max(16384).optional(),
        })
        .optional(),
    /**
     * The DNS servers every pod of the namespace may reach, on port 53 over UDP and TCP (SC-5: all
     * other egress is denied). Defaults to every pod in `kube-system`, where CoreDNS runs. A node-local
     * cache (NodeLocal DNSCache) answers on the host network, at a link-local address and often on
     * the kube-dns Service IP, which no pod or namespace selector matches: list them under `cidrs`
     * (docs/operations.md).
     */
    dnsEgress: z
        .strictObject({
            /** Namespace of the cluster DNS pods. Defaults to `kube-system`. */
            namespace: dnsLabel.optional(),
            /** Labels of the DNS pods in that namespace, such as `k8s-app: kube-dns`. Defaults to none: every pod there. */
            podLabels: z.record(labelKey, labelValue).optional(),
            /** Addresses of DNS servers outside the pod network, such as NodeLocal DNSCache's 169.254.20.10/32. Private or link-local only. Defaults to none. */
            cidrs: z.array(cidr).min(1).optional(),
        })
        .optional(),
});

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: "must be an AWS region such as us-east-1" });

/** The stack's explicit providers; every resource uses one of them, never an ambient default. */
export const providersSchema = z.strictObject({
    /** AWS, when a data store lives there (then required). */
    aws: z
        .strictObject({
            /** Region of every AWS resource of the stack. */
            region: awsRegion,
            /**
             * The only AWS accounts the stack may touch; the provider refuses credentials for any other.
             * Required in production.
             */
            allowedAccountIds: z.array(z.string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account ID" })).min(1).optional(),
        })
        .optional(),
    /** Cloudflare: R2 buckets, DNS and the edge. */
    cloudflare: z.strictObject({
        /** API token scoped to this stack's account and zone. Must be `secure:`. */
        apiToken: z.string().min(1),
    }),
});

/** Everything under the `runbook:` namespace of a stack file. */
export const stackConfigSchema = z.strictObject({
    apps: z.array(appSchema).min(1),
    database: databaseSchema,
    /** Optional: a stack without Redis has no Redis resources and no REDIS_URL. */
    redis: redisSchema.optional(),
    storage: storageSchema,
    backups: backupsSchema,
    edge: edgeSchema,
    alerts: alertsSchema,
    /** Required when a data store lives in AWS (database.engine postgres or redis.mode elasticache), and refused otherwise. */
    network: networkSchema.optional(),
    kubernetes: kubernetesSchema,
    providers: providersSchema,
    /** Secret values for the apps, stored in the environment's Kubernetes Secret. Every value must be `secure:` (SC-1). */
    secrets: z.record(envVarName, z.string()).optional(),
});

export type RawStackConfig = z.infer<typeof stackConfigSchema>;
export type AppConfig = z.infer<typeof appSchema>;
export type BucketConfig = z.infer<typeof bucketSchema>;
export type EdgeConfig = z.infer<typeof edgeSchema>;
