import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { BACKUP_METRICS, BACKUP_PUSH_JOB } from "../../components/observability/backupMetrics";
import { TestPushgateway, TestS3, freePort, ok, run } from "../helpers/servers";
import { newAgeIdentity, requireBackupTools, requireTool } from "../helpers/tools";

/*
 * backup-elasticache.sh against loopback stand-ins: a fake ElastiCache Query API (the XML the AWS
 * CLI reads) whose CopySnapshot writes a real RDB, made by a real redis-server with SAVE, into an
 * s3rver bucket standing in for the export bucket; a second bucket of the same s3rver stands in for
 * the R2 backups bucket. The real aws, age, zstd and curl run the script, and the Redis restore
 * drill (restore-drill.sh, unchanged) loads what it wrote into a real redis-server.
 */

const SCRIPTS = path.resolve(__dirname, "../../../scripts/backup");
const BACKUPS = "runbook-it-backups";
const EXPORTS = "runbook-it-elasticache-export";
const GROUP = "redis-elasticache-group-1a2b3c4";
const KEYS = 1200;
const XMLNS = "http://elasticache.amazonaws.com/doc/2015-02-02/";

type Behaviour = "ok" | "snapshot-fails" | "never-available" | "export-never-lands";

interface FakeSnapshot {
    name: string;
    status: string;
    group: string;
}

/** ElastiCache's Query API, as much of it as the script calls: every call is recorded. */
class FakeElastiCache {
    readonly calls: Array<Record<string, string>> = [];
    readonly snapshots = new Map<string, FakeSnapshot>();
    behaviour: Behaviour = "ok";
    url = "";
    private server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            const params = Object.fromEntries(new URLSearchParams(body));
            this.calls.push(params);
            const reply = this.handle(params);
            res.writeHead(reply.status, { "Content-Type": "text/xml" }).end(reply.body);
        });
    });

    constructor(private readonly exportObject: (key: string) => Promise<void>) {}

    start(): Promise<void> {
        return new Promise((resolve) =>
            this.server.listen(0, "127.0.0.1", () => {
                this.url = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
                resolve();
            }),
        );
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }

    actions(): string[] {
        return this.calls.map((c) => c.Action);
    }

    private snapshotXml(s: FakeSnapshot): string {
        return `<Snapshot><SnapshotName>${s.name}</SnapshotName><ReplicationGroupId>${s.group}</ReplicationGroupId><SnapshotStatus>${s.status}</SnapshotStatus><SnapshotSource>manual</SnapshotSource></Snapshot>`;
    }

    private result(action: string, inner: string) {
        return { status: 200, body: `<${action}Response xmlns="${XMLNS}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>` };
    }

    private fault(code: string, message: string, status = 400) {
        return { status, body: `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>` };
    }

    private handle(p: Record<string, string>): { status: number; body: string } {
        switch (p.Action) {
            case "CreateSnapshot": {
                if (p.ReplicationGroupId !== GROUP) return this.fault("ReplicationGroupNotFoundFault", `${p.ReplicationGroupId} not found`, 404);
                const s = { name: p.SnapshotName, status: "creating", group: GROUP };
                this.snapshots.set(s.name, s);
                if (this.behaviour !== "never-available") setTimeout(() => (s.status = this.behaviour === "snapshot-fails" ? "failed" : "available"), 300);
                return this.result("CreateSnapshot", this.snapshotXml(s));
            }
            case "DescribeSnapshots": {
                const found = [...this.snapshots.values()].filter((s) => (p.SnapshotName ? s.name === p.SnapshotName : s.group === p.ReplicationGroupId));
                if (p.SnapshotName && found.length === 0) return this.fault("SnapshotNotFoundFault", `${p.SnapshotName} not found`, 404);
                return this.result("DescribeSnapshots", `<Snapshots>${found.map((s) => this.snapshotXml(s)).join("")}</Snapshots>`);
            }
            case "CopySnapshot": {
                const s = this.snapshots.get(p.SourceSnapshotName);
                if (!s) return this.fault("SnapshotNotFoundFault", `${p.SourceSnapshotName} not found`, 404);
                if (s.status !== "available") return this.fault("InvalidSnapshotState", `${s.name} is ${s.status}`);
                if (p.TargetBucket !== EXPORTS) return this.fault("InvalidParameterValue", `The S3 bucket ${p.TargetBucket} does not exist.`);
                s.status = "exporting";
                const target = p.TargetSnapshotName;
                const land = this.behaviour === "export-never-lands" ? Promise.resolve() : this.exportObject(`${target}-0001.rdb`);
                void land.then(() => (s.status = "available"));
                return this.result("CopySnapshot", this.snapshotXml({ ...s, name: target }));
            }
            case "DeleteSnapshot": {
                const s = this.snapshots.get(p.SnapshotName);
                if (!s) return this.fault("SnapshotNotFoundFault", `${p.SnapshotName} not found`, 404);
                if (s.status === "creating" || s.status === "exporting") return this.fault("InvalidSnapshotState", `${s.name} is ${s.status}`);
                this.snapshots.delete(s.name);
                return this.result("DeleteSnapshot", this.snapshotXml({ ...s, status: "deleting" }));
            }
            default:
                return this.fault("InvalidAction", `${p.Action} is not faked`);
        }
    }
}

describe("integration: backup-elasticache.sh exports an ElastiCache snapshot into the backups bucket's redis/ prefix (BK-1, BK-3, BK-4)", function () {
    this.timeout(300000);
    const s3 = new TestS3();
    const pushgateway = new TestPushgateway();
    let elastiCache: FakeElastiCache;
    let work: string;
    let aws: string;
    let recipient: string;
    let identityFile: string;
    let rdbFile: string;

    const s3Env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: work, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_DEFAULT_REGION: "us-east-1" });
    const listKeys = async (bucket: string, prefix = ""): Promise<string[]> => {
        const r = await run(aws, ["--endpoint-url", s3.endpoint, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix, "--query", "Contents[].Key", "--output", "json"], { env: s3Env() });
        return ((JSON.parse(ok(r, "list-objects-v2") || "null") as string[] | null) ?? []).sort();
    };
    const backupEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
        PATH: process.env.PATH,
        HOME: work,
        TMPDIR: work,
        S3_ENDPOINT_URL: s3.endpoint,
        S3_BUCKET: BACKUPS,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AGE_RECIPIENT: recipient,
        PUSHGATEWAY_URL: pushgateway.url,
        STACK_NAME: "it",
        BACKUP_PREFIX: "redis",
        ELASTICACHE_REPLICATION_GROUP_ID: GROUP,
        ELASTICACHE_REGION: "eu-west-1",
        ELASTICACHE_EXPORT_BUCKET: EXPORTS,
        ELASTICACHE_AWS_ACCESS_KEY_ID: s3.accessKeyId,
        ELASTICACHE_AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        ELASTICACHE_POLL_SECONDS: "1",
        // The AWS side on loopback: ElastiCache's API and S3 for the export bucket.
        AWS_ENDPOINT_URL_ELASTICACHE: elastiCache.url,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        ...extra,
    });
    const script = path.join(SCRIPTS, "backup-elasticache.sh");

    before(async function () {
        aws = requireBackupTools(this);
        const redisServer = requireTool(this, "redis-server", "redis-server");
        const redisCli = requireTool(this, "redis-cli", "redis-tools");
        work = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-elasticache-it-"));
        identityFile = path.join(work, "drill.agekey");
        recipient = newAgeIdentity(identityFile);

        // The RDB ElastiCache would export: a real redis-server's SAVE of KEYS keys.
        const redisDir = path.join(work, "redis");
        fs.mkdirSync(redisDir);
        const port = await freePort();
        const child = spawn(redisServer, ["--bind", "127.0.0.1", "--port", String(port), "--dir", redisDir, "--save", "", "--appendonly", "no"], { stdio: "ignore" });
        try {
            for (let i = 0; i < 50; i++) {
                if (spawnSync(redisCli, ["-p", String(port), "ping"], { encoding: "utf8" }).stdout.trim() === "PONG") break;
                await new Promise((r) => setTimeout(r, 100));
            }
            const commands = Array.from({ length: KEYS }, (_, i) => `SET queue:job:${i} payload-${i}`).join("\n") + "\nSAVE\n";
            ok(spawnSync(redisCli, ["-p", String(port)], { input: commands, encoding: "utf8" }), "seed and SAVE");
        } finally {
            child.kill("SIGKILL");
        }
        rdbFile = path.join(redisDir, "dump.rdb");
        assert.ok(fs.statSync(rdbFile).size > 0, "redis-server wrote an RDB");

        await s3.start([BACKUPS, EXPORTS]);
        await pushgateway.start();
        // ElastiCache writes the export itself, with its own grant; here, a PUT to the export bucket.
        elastiCache = new FakeElastiCache(async (key) => {
            ok(await run(aws, ["--endpoint-url", s3.endpoint, "s3api", "put-object", "--bucket", EXPORTS, "--key", key, "--body", rdbFile], { env: s3Env() }), "export put-object");
        });
        await elastiCache.start();
    });

    after(async () => {
        await elastiCache?.stop().catch(() => undefined);
        await pushgateway.stop().catch(() => undefined);
        await s3.stop().catch(() => undefined);
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    beforeEach(() => {
        elastiCache.behaviour = "ok";
        elastiCache.calls.length = 0;
    });

    it("BK-1, BK-3: snapshot, export, encrypted redis/<timestamp>-<run id>.rdb.zst.age promoted with its checksum; the export and the snapshot are deleted; the Redis drill loads the same keys", async () => {
        const r = await run(script, [], { env: backupEnv() });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(elastiCache.actions().filter((a) => a !== "DescribeSnapshots"), ["CreateSnapshot", "CopySnapshot", "DeleteSnapshot"]);
        const create = elastiCache.calls.find((c) => c.Action === "CreateSnapshot")!;
        assert.match(create.SnapshotName, new RegExp(`^${GROUP}-export-\\d{8}t\\d{6}z-[0-9a-f]{8}$`), "named by the group (the IAM policy's scope) and the run");
        const copy = elastiCache.calls.find((c) => c.Action === "CopySnapshot")!;
        assert.strictEqual(copy.TargetBucket, EXPORTS);

        const keys = (await listKeys(BACKUPS, "redis/")).filter((k) => /^redis\/\d{8}T\d{6}Z-[0-9a-f]{8}\.rdb\.zst\.age$/.test(k));
        assert.strictEqual(keys.length, 1, `one promoted backup: ${await listKeys(BACKUPS)}`);
        assert.deepStrictEqual(await listKeys(BACKUPS, "incoming/"), [], "no temporary object is left");
        const head = JSON.parse(ok(await run(aws, ["--endpoint-url", s3.endpoint, "s3api", "head-object", "--bucket", BACKUPS, "--key", keys[0]], { env: s3Env() }), "head")) as { Metadata: Record<string, string> };
        assert.match(head.Metadata.sha256, /^[0-9a-f]{64}$/);
        assert.strictEqual(head.Metadata.datastore, "redis");
        assert.strictEqual(head.Metadata["elasticache-snapshot"], create.SnapshotName);
        // BK-3: what lands is age ciphertext, not the RDB.
        ok(await run(aws, ["--endpoint-url", s3.endpoint, "s3", "cp", `s3://${BACKUPS}/${keys[0]}`, path.join(work, "stored")], { env: s3Env() }), "download");
        assert.match(fs.readFileSync(path.join(work, "stored")).subarray(0, 40).toString("latin1"), /^age-encryption\.org\/v1/);

        assert.deepStrictEqual(await listKeys(EXPORTS), [], "the exported .rdb is deleted");
        assert.deepStrictEqual([...elastiCache.snapshots.keys()], [], "the manual snapshot is deleted");
        assert.strictEqual(pushgateway.lastMetrics(`/job/${BACKUP_PUSH_JOB}/datastore/redis`)[BACKUP_METRICS.lastRunSuccess], 1);

        const drill = await run(path.join(SCRIPTS, "restore-drill.sh"), [], {
            env: {
                PATH: process.env.PATH,
                HOME: work,
                TMPDIR: work,
                S3_ENDPOINT_URL: s3.endpoint,
                S3_BUCKET: BACKUPS,
                AWS_ACCESS_KEY_ID: s3.accessKeyId,
                AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
                PUSHGATEWAY_URL: pushgateway.url,
                STACK_NAME: "it",
                AGE_IDENTITY_FILE: identityFile,
                DRILL_DATASTORE: "redis",
                DRILL_REDIS_PORT: String(await freePort()),
                DRILL_MIN_ROWS: `keys=${KEYS}`,
            },
        });
        assert.strictEqual(drill.status, 0, drill.stderr);
        assert.match(drill.stderr, new RegExp(`check passed: ${KEYS} keys`));
    });

    it("BK-1: a snapshot ElastiCache reports failed fails the backup, pushes the failure metric, promotes nothing and deletes the snapshot", async () => {
        const before = await listKeys(BACKUPS, "redis/");
        elastiCache.behaviour = "snapshot-fails";
        const r = await run(script, [], { env: backupEnv() });
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stderr, /FAILED: snapshot .* is 'failed' while creating the snapshot; nothing was backed up/);
        assert.deepStrictEqual(await listKeys(BACKUPS, "redis/"), before);
        assert.deepStrictEqual(await listKeys(BACKUPS, "incoming/"), []);
        assert.ok(!elastiCache.actions().includes("CopySnapshot"), "nothing is exported");
        assert.deepStrictEqual([...elastiCache.snapshots.keys()], [], "the failed snapshot is deleted");
        assert.strictEqual(pushgateway.lastMetrics(`/job/${BACKUP_PUSH_JOB}/datastore/redis`)[BACKUP_METRICS.lastRunSuccess], 0);
    });

    it("BK-1: a snapshot still being created after ELASTICACHE_WAIT_SECONDS fails the backup; the next run deletes it before taking its own", async () => {
        elastiCache.behaviour = "never-available";
        const r = await run(script, [], { env: backupEnv({ ELASTICACHE_WAIT_SECONDS: "2" }) });
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stderr, /FAILED: snapshot .* still 'creating' after 2 s of creating the snapshot/);
        assert.match(r.stderr, /WARNING: could not delete snapshot .*; the next run deletes it/);
        const [left] = [...elastiCache.snapshots.keys()];
        assert.ok(left, "ElastiCache refused to delete a snapshot it is creating");
        assert.strictEqual(pushgateway.lastMetrics(`/job/${BACKUP_PUSH_JOB}/datastore/redis`)[BACKUP_METRICS.lastRunSuccess], 0);

        elastiCache.snapshots.get(left)!.status = "available";
        elastiCache.behaviour = "ok";
        const next = await run(script, [], { env: backupEnv() });
        assert.strictEqual(next.status, 0, next.stderr);
        assert.match(next.stderr, new RegExp(`deleted ${left}, left behind by an earlier run`));
        assert.deepStrictEqual([...elastiCache.snapshots.keys()], []);
    });

    it("BK-1: an export that never lands in the bucket fails after the wait and deletes the snapshot; no temporary object is left", async () => {
        const before = await listKeys(BACKUPS, "redis/");
        elastiCache.behaviour = "export-never-lands";
        const r = await run(script, [], { env: backupEnv({ ELASTICACHE_WAIT_SECONDS: "2" }) });
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stderr, /FAILED: no .*-\*\.rdb in s3:\/\/runbook-it-elasticache-export\/ after 2 s/);
        assert.deepStrictEqual(await listKeys(BACKUPS, "redis/"), before);
        assert.deepStrictEqual(await listKeys(BACKUPS, "incoming/"), []);
        assert.deepStrictEqual([...elastiCache.snapshots.keys()], []);
    });

    it("backup-elasticache.sh: --help explains it; a missing environment is named, and nothing is called", async () => {
        const help = await run(script, ["--help"], { env: { PATH: process.env.PATH } });
        assert.strictEqual(help.status, 0, help.stderr);
        assert.match(help.stdout, /^Usage: backup-elasticache\.sh/);
        const missing = await run(script, [], { env: { PATH: process.env.PATH } });
        assert.strictEqual(missing.status, 1);
        assert.match(missing.stderr, /missing required environment: ELASTICACHE_REPLICATION_GROUP_ID ELASTICACHE_REGION ELASTICACHE_EXPORT_BUCKET ELASTICACHE_AWS_ACCESS_KEY_ID/);
        assert.deepStrictEqual(elastiCache.calls, []);
    });
});
