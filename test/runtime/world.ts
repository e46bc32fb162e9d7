import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { POSTGRES_BACKUP_ROLE } from "../../components/backup/backups";
import { POSTGRES_MONITOR_ROLE, monitorDsn } from "../../components/observability/exporters";
import { PlanFile } from "../../plan/model";
import { ROOT } from "../helpers/harness";
import { STAND_INS, StandIn, buildJobImage, buildOnBase, ensureBase, runtimeTools, STAND_INS_DIR } from "../helpers/images";
import { PodmanKubelet, RunningPod, normalizeImage } from "../helpers/kubelet";
import { FakeCloudflareGraphql, RealPushgateway, TestPostgres, TestS3, run as runCommand } from "../helpers/servers";
import { writeStackVariant } from "../helpers/stacks";
import { requireTool } from "../helpers/tools";
import { useInClusterRedis, useMongodb, useReplica } from "../helpers/variants";
import { PlannedObjects, PlannedPod, plainEnv, plannedObjects, plannedPods } from "./plannedPods";

/*
 * What the runtime tier runs its pods against: the three plans (with their secrets kept, in memory
 * and in a temp directory only), the images, and the servers on loopback that stand in for the cloud:
 * PostgreSQL 15 with TLS for RDS, s3rver behind a SigV4-checking proxy for R2, the real Pushgateway,
 * and an HTTP server for the drills' asset checks.
 */

export const PLANS = ["staging", "production", "mongodb"] as const;
export type PlanKey = (typeof PLANS)[number];

export const BACKUP_NAME_PATTERN_RE = /^\d{8}T\d{6}Z/;

/** The drill's app check container (components/backup/backupSpec.ts), which runs an app's image. */
const APP_CHECK = "app-check";

/** Images of the team's apps that the plans run only in a drill's app check: the app stand-in plays them there. */
function appCheckImages(pods: PlannedPod[]): Set<string> {
    const containers = pods.flatMap((p) => [...(p.spec.initContainers ?? []), ...p.spec.containers] as Array<{ name: string; image: string }>);
    return new Set(containers.filter((c) => c.name === APP_CHECK).map((c) => normalizeImage(c.image)));
}

/** Why a pod whose images are not all on this machine cannot run here. */
function imageReason(image: string, pod: PlannedPod, jobImage: string): string | undefined {
    const ref = normalizeImage(image);
    // An app's image in a drill's app check only: the app stand-in (test/runtime/images/app) plays it.
    const users = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].filter((c: { image: string }) => normalizeImage(c.image) === ref);
    if (users.length > 0 && users.every((c: { name: string }) => c.name === APP_CHECK)) return undefined;
    if (ref === normalizeImage(jobImage)) {
        const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x: { image: string }) => x.image === image);
        const script = (c?.command ?? []).join(" ");
        const datastore = plainEnv(pod, "job", "DRILL_DATASTORE");
        if (/backup-elasticache/.test(script)) {
            return "it calls AWS's ElastiCache and S3 APIs at the endpoints awscli derives from the region, which no loopback stand-in answers without changing the pod's environment; test/integration/elastiCacheExport.test.ts runs its script against a fake ElastiCache API and s3rver, and the Redis drill restores what it wrote";
        }
        if (/backup-mongodb/.test(script) || datastore === "mongodb") {
            return "mongodump and mongorestore are not Debian packages (MongoDB publishes them on its own site, out of reach here), so the test build of the job image has no MongoDB tools";
        }
        return undefined;
    }
    if (/^docker\.io\/library\/mongo:/.test(ref)) return "mongod is not a Debian package and cannot be installed here";
    if (/mongodb_exporter/.test(ref)) return "Percona's mongodb_exporter has no Debian package, and it would need a mongod";
    if (/\/acme\//.test(ref) || !/redis|postgres-exporter|redis_exporter/.test(ref)) return `${image} is the team's own application image, built from the application's repository, not this one`;
    return undefined;
}

export class RuntimeWorld {
    readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-runtime-"));
    readonly kubelet = new PodmanKubelet();
    readonly plans = {} as Record<PlanKey, PlanFile>;
    readonly pods = {} as Record<PlanKey, PlannedPod[]>;
    readonly objects = {} as Record<PlanKey, PlannedObjects>;
    readonly played = new Set<string>();
    readonly pg = new TestPostgres();
    readonly s3 = new TestS3();
    readonly gateway = new RealPushgateway();
    /** Cloudflare's GraphQL Analytics API, for the R2 usage pods (ST-2). */
    readonly graphql = new FakeCloudflareGraphql("runtime-analytics-token");
    jobImage = "";
    database = "";
    values = {
        redisPassword: "redis-runtime-pw",
        backupRolePassword: "backup-runtime-pw",
        monitorPassword: "monitor-runtime-pw",
        migrateRolePassword: "migrate-runtime-pw",
        appRolePassword: "app-runtime-pw",
        identity: "",
        recipient: "",
    };
    private proxy: { endpoint: string; close: () => void } | undefined;
    private assets: http.Server | undefined;
    private assetsOrigin = "";
    private rewrites: Array<[string, string]> = [];
    private counter = 0;
    private running: RunningPod[] = [];

    async start(ctx: Mocha.Context): Promise<void> {
        const { missing } = runtimeTools();
        if (missing.length > 0) {
            const message = `the runtime tier needs ${missing.join(", ")} (Debian packages podman, runc, mmdebstrap, catatonit) and /etc/containers/containers.conf (see .ci/run)`;
            if (process.env.CI === "true") throw new Error(message);
            console.log(`      skipped: ${message}`);
            ctx.skip();
        }
        for (const [tool, pkg] of [["redis-cli", "redis-tools"], ["age-keygen", "age"], ["age", "age"], ["zstd", "zstd"], ["aws", "awscli"]]) requireTool(ctx, tool, pkg);

        // The plans, with their secrets kept for the pods' env.
        const variant = writeStackVariant("staging", this.tmp, (c) => {
            useMongodb(c);
            useInClusterRedis(c);
            // BK-3: no shipped stack sets a replica; this plan's backup pods copy to one.
            useReplica(c);
        });
        const files: Record<PlanKey, [string, string]> = {
            staging: ["staging", path.join(ROOT, "Pulumi.staging.yaml")],
            production: ["production", path.join(ROOT, "Pulumi.production.yaml")],
            mongodb: ["staging", variant],
        };
        await Promise.all(
            PLANS.map(async (key) => {
                const out = path.join(this.tmp, `${key}.json`);
                const r = await exec(process.execPath, [path.join(ROOT, "dist", "test", "runtime", "revealPlan.js"), files[key][0], files[key][1], out], 300000);
                assert.strictEqual(r.status, 0, `plan of ${key}: ${r.out}`);
                this.plans[key] = JSON.parse(fs.readFileSync(out, "utf8"));
                this.pods[key] = plannedPods(this.plans[key]);
                this.objects[key] = plannedObjects(this.plans[key]);
            }),
        );

        // The images: the job image from scripts/backup/Dockerfile, and each stand-in, tagged as the plans name them.
        const refs = new Set(PLANS.flatMap((k) => this.pods[k].flatMap((p) => p.images)));
        this.jobImage = this.pod("staging", "backups-postgres").spec.containers[0].image;
        const checked = appCheckImages(PLANS.flatMap((k) => this.pods[k]));
        const standInFor = (ref: string): StandIn | undefined => {
            const n = normalizeImage(ref);
            if (checked.has(n)) return "app";
            if (/^docker\.io\/library\/redis:/.test(n)) return "redis";
            if (/redis_exporter:/.test(n)) return "redis-exporter";
            if (/postgres-exporter:/.test(n)) return "postgres-exporter";
            return undefined;
        };
        const base = await ensureBase((line) => console.log(`      ${line}`));
        await buildJobImage(base, [...refs].filter((r) => normalizeImage(r) === normalizeImage(this.jobImage)).map(normalizeImage));
        for (const standIn of STAND_INS) {
            const tags = [...refs].filter((r) => standIn === standInFor(r)).map(normalizeImage);
            if (tags.length > 0) await buildOnBase(path.join(STAND_INS_DIR, standIn), base, tags);
        }

        // The servers.
        const keys = spawnSync("age-keygen", [], { encoding: "utf8" }).stdout;
        this.values.identity = keys.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-"))!;
        this.values.recipient = /public key: (age1\S+)/.exec(keys)![1];
        await this.pg.start(ctx);
        await this.pg.enableTls(ctx);
        this.database = String((this.plans.staging.resources.find((r) => r.type === "aws:rds/instance:Instance")!.inputs as { dbName: string }).dbName);
        this.pg.sql("postgres", `CREATE DATABASE ${this.database}`);
        this.pg.sql(
            this.database,
            `CREATE TABLE _prisma_migrations (id text PRIMARY KEY, migration_name text, finished_at timestamptz, rolled_back_at timestamptz);
             INSERT INTO _prisma_migrations VALUES ('1', '0001_init', now(), NULL);
             CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric(10,2), placed_at timestamptz DEFAULT now());
             INSERT INTO orders (total) SELECT g * 1.5 FROM generate_series(1, 5000) g;`,
        );
        const buckets = new Set(
            PLANS.flatMap((k) => this.pods[k].flatMap((p) => [plainEnv(p, "job", "S3_BUCKET"), plainEnv(p, "job", "REPLICA_S3_BUCKET")]).filter((b): b is string => b !== undefined)),
        );
        await this.s3.start([...buckets]);
        this.proxy = await this.s3.verifyingProxy();
        await this.gateway.start(ctx);
        await this.graphql.start();
        // A sample of every bucket the usage pods report, ten minutes old: their sizes are its numbers.
        const usageBuckets = new Set(PLANS.flatMap((k) => this.pods[k].flatMap((p) => (plainEnv(p, "job", "R2_BUCKETS") ?? "").split(" ").filter((b) => b !== ""))));
        const sampledAt = new Date(Date.now() - 600000).toISOString().replace(/\.\d{3}Z$/, "Z");
        this.graphql.samples = [...usageBuckets].map((bucketName, i) => ({ bucketName, datetime: sampledAt, payloadSize: (i + 1) * 1e9, metadataSize: 1000, objectCount: (i + 1) * 100 }));
        this.assets = http.createServer((_, res) => res.writeHead(200, { "Content-Type": "image/png" }).end("png"));
        await new Promise<void>((resolve) => this.assets!.listen(0, "127.0.0.1", () => resolve()));
        this.assetsOrigin = `http://127.0.0.1:${(this.assets.address() as net.AddressInfo).port}`;

        // What the pods reach outside the cluster, pointed at the servers above.
        const plainValues = (name: string) => new Set(PLANS.flatMap((k) => this.pods[k].map((p) => plainEnv(p, "job", name)).filter((v): v is string => v !== undefined)));
        for (const v of plainValues("S3_ENDPOINT_URL")) this.rewrites.push([v, this.proxy.endpoint]);
        // The replica is another bucket of the same S3 server here, behind the same SigV4-checking proxy.
        for (const v of plainValues("REPLICA_S3_ENDPOINT_URL")) this.rewrites.push([v, this.proxy.endpoint]);
        for (const v of plainValues("PUSHGATEWAY_URL")) this.rewrites.push([v, this.gateway.url]);
        for (const v of plainValues("CLOUDFLARE_GRAPHQL_URL")) this.rewrites.push([v, this.graphql.url]);
        for (const v of plainValues("AGE_RECIPIENT")) this.rewrites.push([v, this.values.recipient]);
        for (const v of plainValues("DRILL_ASSET_URLS")) for (const url of v.split(/\s+/)) this.rewrites.push([new URL(url).origin, this.assetsOrigin]);
    }

    async stop(): Promise<void> {
        for (const p of this.running) await p.stop().catch(() => undefined);
        this.gateway.stop();
        await this.graphql.stop().catch(() => undefined);
        this.proxy?.close();
        this.assets?.close();
        await this.s3.stop().catch(() => undefined);
        this.pg.stop();
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }

    pod(plan: PlanKey, resource: string): PlannedPod {
        const found = this.pods[plan].find((p) => p.resource === resource);
        if (!found) throw new Error(`the ${plan} plan has no pod template ${resource}; it has ${this.pods[plan].map((p) => p.resource).join(", ")}`);
        return found;
    }

    /** The test's value for a Secret key the plan holds only as a placeholder or preview unknown. */
    private secretValue(key: string): string | undefined {
        const admin = `${this.pg.url(this.database)}?sslmode=require`;
        const values: Record<string, string> = {
            ADMIN_URL: admin,
            BACKUP_ROLE_PASSWORD: this.values.backupRolePassword,
            MONITOR_ROLE_PASSWORD: this.values.monitorPassword,
            MIGRATE_ROLE_PASSWORD: this.values.migrateRolePassword,
            APP_ROLE_PASSWORD: this.values.appRolePassword,
            POSTGRES_URL: `${this.pg.url(this.database, POSTGRES_BACKUP_ROLE, this.values.backupRolePassword)}?sslmode=require`,
            DATA_SOURCE_NAME: monitorDsn(admin, POSTGRES_MONITOR_ROLE, this.values.monitorPassword),
            AWS_ACCESS_KEY_ID: this.s3.accessKeyId,
            AWS_SECRET_ACCESS_KEY: this.s3.secretAccessKey,
            REPLICA_AWS_ACCESS_KEY_ID: this.s3.accessKeyId,
            REPLICA_AWS_SECRET_ACCESS_KEY: this.s3.secretAccessKey,
            AGE_SECRET_KEY: this.values.identity,
            REDIS_HOST: "127.0.0.1",
            REDIS_PORT: "6379",
            REDISCLI_AUTH: this.values.redisPassword,
            password: this.values.redisPassword,
            CLOUDFLARE_API_TOKEN: this.graphql.token,
        };
        return values[key];
    }

    /** The plan's ConfigMaps as they are, and its Secrets with test values where the plan cannot hold real ones. */
    private podObjects(plan: PlanKey, pod: PlannedPod) {
        const configMaps = Object.fromEntries(this.objects[plan].configMaps.map((c) => [c.name, c.data]));
        const wanted = new Map<string, Set<string>>();
        const want = (name: string, key: string) => (wanted.get(name) ?? wanted.set(name, new Set()).get(name)!).add(key);
        for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
            for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) want(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
        }
        for (const v of pod.spec.volumes ?? []) if (v.secret) for (const item of v.secret.items ?? []) want(v.secret.secretName, item.key);
        const secrets: Record<string, Record<string, string>> = {};
        for (const s of this.objects[plan].secrets) {
            const data: Record<string, string> = {};
            for (const [k, v] of Object.entries(s.data)) if (typeof v === "string" && v !== "[unknown]" && !v.includes("offline-placeholder-for-")) data[k] = v;
            for (const key of wanted.get(s.name) ?? []) {
                const planned = s.data[key];
                const known = typeof planned === "string" && planned !== "[unknown]" && !planned.includes("offline-placeholder-for-");
                const test = this.secretValue(key);
                if (test !== undefined) data[key] = test;
                else if (!known && !s.unknownKeys) throw new Error(`${plan}: Secret ${s.name} key ${key} is only known after up and the test has no value for it`);
                else if (!known) throw new Error(`${plan}: Secret ${s.name} key ${key}: the plan cannot say it exists, and the test has no value for it`);
            }
            secrets[s.name] = data;
        }
        return { configMaps, secrets };
    }

    /** Runs a planned pod, recording it as played. A server pod keeps running until the caller stops it. */
    async play(plan: PlanKey, pod: PlannedPod, until: "completed" | "ready"): Promise<RunningPod> {
        if (pod.unresolved.length > 0) throw new Error(`${plan}/${pod.resource}: ${pod.unresolved.join("; ")}`);
        const name = `rt${++this.counter}-${plan}-${pod.resource}`.slice(0, 60);
        const running = await this.kubelet.play(
            { name, namespace: pod.namespace, spec: { ...pod.spec, hostNetwork: true }, volumeClaimTemplates: pod.volumeClaimTemplates },
            {
                objects: this.podObjects(plan, pod),
                rewriteValue: (v) => this.rewrites.reduce((acc, [from, to]) => acc.split(from).join(to), v),
                until,
                timeoutMs: 10 * 60000,
            },
        );
        this.running.push(running);
        this.played.add(`${plan}/${pod.resource}`);
        return running;
    }

    plannedConfigMap(plan: PlanKey, pod: PlannedPod, volume: string): Record<string, string> {
        const name = pod.spec.volumes.find((v: { name: string }) => v.name === volume).configMap.name;
        return this.objects[plan].configMaps.find((c) => c.name === name)!.data;
    }

    containerPort(pod: PlannedPod, container: string): number {
        return pod.spec.containers.find((c: { name: string }) => c.name === container).ports[0].containerPort;
    }

    /** Metric names the plan's alert rules read, matching `re`. */
    alertMetrics(plan: PlanKey, re: RegExp): string[] {
        const names = new Set<string>();
        for (const r of this.plans[plan].resources.filter((x) => x.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")) {
            for (const group of (r.inputs as any).spec.groups) {
                for (const rule of group.rules) for (const m of String(rule.expr).matchAll(/[a-zA-Z_][a-zA-Z0-9_]*/g)) if (re.test(m[0])) names.add(m[0]);
            }
        }
        return [...names].sort();
    }

    /** Keys in the Redis pod listening on the host's 6379, for its backup and drill. */
    seedRedis(): void {
        const input = Array.from({ length: 50 }, (_, i) => `SET runtime:key:${i} value-${i}`).join("\n");
        const r = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", "6379"], { encoding: "utf8", input, env: { PATH: process.env.PATH, REDISCLI_AUTH: this.values.redisPassword } });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.ok(!/ERR|NOAUTH/.test(r.stdout), r.stdout);
    }

    /** Roles, their attributes, memberships and settings: what a role Job may change. */
    roles(): string {
        return this.pg.sql(
            "postgres",
            `SELECT r.rolname || '|' || r.rolsuper || r.rolinherit || r.rolcreaterole || r.rolcreatedb || r.rolcanlogin || r.rolreplication || r.rolbypassrls || '|' ||
                    coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid), '') || '|' ||
                    coalesce((SELECT string_agg(array_to_string(s.setconfig, ','), ';') FROM pg_db_role_setting s WHERE s.setrole = r.oid), '')
             FROM pg_roles r WHERE r.rolname NOT LIKE 'pg\\_%' ORDER BY 1`,
        );
    }

    httpText(url: string): Promise<string> {
        return new Promise((resolve, reject) =>
            http
                .get(url, (res) => {
                    let body = "";
                    res.on("data", (d) => (body += d));
                    res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
                })
                .on("error", reject),
        );
    }

    async eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60000): Promise<T> {
        const deadline = Date.now() + timeoutMs;
        let last: unknown;
        for (;;) {
            try {
                const v = await fn();
                if (v !== undefined) return v;
            } catch (e) {
                last = e;
            }
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
            await new Promise((r) => setTimeout(r, 500));
        }
    }

    /** The aws CLI against s3rver, which runs in this process: never spawnSync (it would block the server). */
    private async aws(args: string[]): Promise<string> {
        const r = await runCommand("aws", ["--endpoint-url", this.s3.endpoint, ...args], {
            env: { ...process.env, AWS_ACCESS_KEY_ID: this.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: this.s3.secretAccessKey, AWS_DEFAULT_REGION: "us-east-1" },
        });
        assert.strictEqual(r.status, 0, `aws ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
    }

    /** The newest promoted object under a prefix. */
    async newestBackup(bucket: string, prefix: string): Promise<string> {
        const keys = JSON.parse((await this.aws(["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", `${prefix}/`, "--output", "json"])) || "{}").Contents?.map((c: { Key: string }) => c.Key) ?? [];
        const promoted = (keys as string[]).filter((k) => BACKUP_NAME_PATTERN_RE.test(k.slice(prefix.length + 1))).sort();
        assert.ok(promoted.length > 0, `no promoted object under s3://${bucket}/${prefix}/ (objects: ${keys.join(", ")})`);
        return promoted[promoted.length - 1];
    }

    /** The backup pod's newest object: its bytes match the checksum it was promoted with, and they decrypt to a dump. */
    async assertVerifiedBackup(pod: PlannedPod): Promise<void> {
        const bucket = plainEnv(pod, "job", "S3_BUCKET")!;
        const prefix = plainEnv(pod, "job", "BACKUP_PREFIX")!;
        const key = await this.newestBackup(bucket, prefix);
        const sha = JSON.parse(await this.aws(["s3api", "head-object", "--bucket", bucket, "--key", key, "--output", "json"])).Metadata?.sha256;
        const file = path.join(this.tmp, "object.age");
        await this.aws(["s3", "cp", "--only-show-errors", `s3://${bucket}/${key}`, file]);
        assert.strictEqual(createHash("sha256").update(fs.readFileSync(file)).digest("hex"), sha, `${key}: its bytes match the sha256 it was promoted with`);
        const idFile = path.join(this.tmp, "identity");
        fs.writeFileSync(idFile, `${this.values.identity}\n`, { mode: 0o600 });
        const plain = spawnSync("sh", ["-c", `age -d -i "${idFile}" "${file}" | zstd -q -d | head -c 5`], { encoding: "latin1" });
        const magic = prefix === "redis" ? "REDIS" : "PGDMP";
        assert.strictEqual(plain.stdout, magic, `${key} decrypts and decompresses to a ${magic} dump: ${plain.stderr}`);
        fs.rmSync(file);
    }

    /** BK-3: the backup pod's newest object is in its replica bucket too, the same bytes with the same checksum. */
    async assertReplicated(pod: PlannedPod): Promise<void> {
        const bucket = plainEnv(pod, "job", "S3_BUCKET")!;
        const replica = plainEnv(pod, "job", "REPLICA_S3_BUCKET");
        assert.ok(replica, `${pod.resource} has a replica`);
        const prefix = plainEnv(pod, "job", "BACKUP_PREFIX")!;
        const key = await this.newestBackup(bucket, prefix);
        assert.strictEqual(await this.newestBackup(replica, prefix), key, "the replica holds the newest backup");
        const bytes = async (b: string) => {
            const file = path.join(this.tmp, `${b}.age`);
            await this.aws(["s3", "cp", "--only-show-errors", `s3://${b}/${key}`, file]);
            const content = fs.readFileSync(file);
            fs.rmSync(file);
            return content;
        };
        assert.ok((await bytes(replica)).equals(await bytes(bucket)), `${key}: the replica's bytes are the primary's`);
        const sha = (b: string) => this.aws(["s3api", "head-object", "--bucket", b, "--key", key, "--query", "Metadata.sha256", "--output", "text"]);
        assert.strictEqual((await sha(replica)).trim(), (await sha(bucket)).trim());
    }

    /** A drill pod restores the newest backup of its target, passes its checks, and pushes RTO and RPO. */
    async assertDrill(plan: PlanKey, resource: string): Promise<void> {
        const pod = this.pod(plan, resource);
        const bucket = plainEnv(pod, "job", "S3_BUCKET")!;
        const prefix = plainEnv(pod, "job", "BACKUP_PREFIX")!;
        const datastore = plainEnv(pod, "job", "DRILL_DATASTORE")!;
        const stack = plainEnv(pod, "job", "STACK_NAME")!;
        const newest = await this.newestBackup(bucket, prefix);
        const running = await this.play(plan, pod, "completed");
        const logs = await running.logs("job");
        const checkLogs = pod.spec.containers.some((c: { name: string }) => c.name === APP_CHECK) ? await running.logs(APP_CHECK) : "";
        await running.stop();
        assert.match(logs, new RegExp(`drill PASSED: restored ${newest.replace(/[.]/g, "\\.")} in \\d+(\\.\\d+)?s \\(RTO\\)`), logs);
        // BK-6: with an app check, the app's image checked the restored copy and its verdict decided the drill.
        const checks = pod.spec.containers.some((c: { name: string }) => c.name === APP_CHECK);
        if (checks) {
            assert.match(logs, /check passed: the app check exited 0/, logs);
            assert.match(checkLogs, /Database schema is up to date!/, checkLogs);
        }
        const scraped = await this.gateway.scrape();
        for (const metric of ["runbook_restore_drill_last_run_success", "runbook_restore_drill_rto_seconds", "runbook_restore_drill_rpo_seconds", ...(checks ? ["runbook_restore_drill_app_check_success"] : [])]) {
            const line = scraped.split("\n").find((l) => l.startsWith(`${metric}{`) && l.includes(`datastore="${datastore}"`) && l.includes(`stack="${stack}"`));
            assert.ok(line, `the drill pushed ${metric} for ${datastore} of ${stack}`);
            const value = Number(line!.split(" ").pop());
            assert.ok(metric.endsWith("success") ? value === 1 : value >= 0, line);
        }
    }
}

/**
 * The R2 usage pod of a plan asks the API (the loopback fake) with its token and pushes every bucket's
 * size and object count, and its success, under its stack (ST-2).
 */
export async function assertR2Usage(world: RuntimeWorld, plan: PlanKey): Promise<void> {
    const pod = world.pod(plan, "r2-usage-cronjob");
    const stack = plainEnv(pod, "job", "STACK_NAME")!;
    const buckets = plainEnv(pod, "job", "R2_BUCKETS")!.split(" ");
    const asked = world.graphql.requests.length;
    const running = await world.play(plan, pod, "completed");
    const logs = await running.logs("job");
    await running.stop();
    const request = world.graphql.requests[asked];
    assert.ok(request, `the pod asked the API: ${logs}`);
    assert.strictEqual(request.authorization, `Bearer ${world.graphql.token}`, "with the token from its Secret");
    assert.strictEqual(request.body.variables.accountTag, plainEnv(pod, "job", "CLOUDFLARE_ACCOUNT_ID"));
    const scraped = await world.gateway.scrape();
    const value = (metric: string, bucket?: string) => {
        const line = scraped.split("\n").find((l) => l.startsWith(`${metric}{`) && l.includes('job="runbook-r2-usage"') && l.includes(`stack="${stack}"`) && (bucket === undefined || l.includes(`bucket="${bucket}"`)));
        return line === undefined ? undefined : Number(line.split(" ").pop());
    };
    for (const bucket of buckets) {
        const sample = world.graphql.samples.find((s) => s.bucketName === bucket)!;
        assert.strictEqual(value("runbook_r2_bucket_size_bytes", bucket), sample.payloadSize + sample.metadataSize, `${plan}: ${bucket}'s size arrived: ${logs}`);
        assert.strictEqual(value("runbook_r2_bucket_objects", bucket), sample.objectCount);
    }
    assert.strictEqual(value("runbook_r2_usage_last_run_success"), 1, logs);
}

/** Pods played, and the reason each other pod cannot run here. */
export function playedOrListed(world: RuntimeWorld): { played: number; listed: Array<{ plan: string; resource: string; reason: string }>; unplayed: string[] } {
    const listed: Array<{ plan: string; resource: string; reason: string }> = [];
    const unplayed: string[] = [];
    let played = 0;
    for (const plan of PLANS) {
        for (const pod of world.pods[plan] ?? []) {
            if (world.played.has(`${plan}/${pod.resource}`)) {
                played++;
                continue;
            }
            const reason = pod.images.map((i) => imageReason(i, pod, world.jobImage)).find((r) => r !== undefined);
            if (reason) listed.push({ plan, resource: pod.resource, reason });
            else unplayed.push(`${plan}/${pod.resource}`);
        }
    }
    return { played, listed, unplayed };
}

export function listing(world: RuntimeWorld): { unplayed: string[]; table: string } {
    const { listed, unplayed } = playedOrListed(world);
    const rows = [...world.played].sort().map((p) => `      played   ${p}`);
    for (const l of listed) rows.push(`      listed   ${l.plan}/${l.resource}: ${l.reason}`);
    return { unplayed, table: `      Pods of the plans:\n${rows.join("\n")}` };
}

function exec(cmd: string, args: string[], timeoutMs: number): Promise<{ status: number | null; out: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("error", reject);
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, out });
        });
    });
}
