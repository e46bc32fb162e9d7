import * as assert from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { BACKUP_METRICS, BACKUP_PUSH_JOB, DATASTORE_LABEL, DRILL_METRICS, DRILL_PUSH_JOB, STACK_LABEL } from "../../components/observability/backupMetrics";
import { PG_BIN, RealPushgateway, RunResult, TestPostgres, TestPushgateway, TestS3, freePort, ok, parseExposition, run } from "../helpers/servers";
import { requireTool } from "../helpers/tools";

/*
 * The backup and restore-drill scripts (scripts/backup/) against real servers on loopback:
 * PostgreSQL 15, redis-server, an S3 API (s3rver), and the real age, zstd, aws and curl. The round
 * trip seeds more than 100k rows, backs them up, restores the newest backup into a fresh database
 * with the drill, and compares every table's checksum. Each fault must exit non-zero with a clear
 * message and leave nothing a restore would take for the newest backup.
 */

const SCRIPTS = path.resolve(__dirname, "../../../scripts/backup");
/** The PostgreSQL exporter's role script, which sources the same lib.sh through a link. */
const MONITORING_SCRIPTS = path.resolve(__dirname, "../../../scripts/monitoring");
const script = (name: string) => path.join(name === "create-monitor-role.sh" ? MONITORING_SCRIPTS : SCRIPTS, name);
const BUCKET = "runbook-it-backups";
const BACKUP_KEY = /^postgres\/\d{8}T\d{6}Z\.pgdump\.zst\.age$/;

/** Rows per table in the round trip; more than 100k in all. */
const SEED = { customers: 20000, orders: 60000, order_items: 40000 };

describe("integration: backup and restore-drill scripts against PostgreSQL, Redis and an S3 API (BK-1, BK-3, BK-4, BK-6, BK-7)", function () {
    this.timeout(300000);
    const pg = new TestPostgres();
    const s3 = new TestS3();
    const pushgateway = new TestPushgateway();
    let work: string;
    let recipient: string;
    let identityFile: string;
    let otherIdentityFile: string;
    let aws: string;
    let basePath: string;
    let goodKey: string;

    /** The environment every script gets: PATH with PostgreSQL's binaries, the bucket, and nothing else. */
    const baseEnv = (): NodeJS.ProcessEnv => ({
        PATH: basePath,
        HOME: work,
        TMPDIR: work,
        S3_ENDPOINT_URL: s3.endpoint,
        S3_BUCKET: BUCKET,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        PUSHGATEWAY_URL: pushgateway.url,
        STACK_NAME: "it",
    });
    const backupEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
        ...baseEnv(),
        AGE_RECIPIENT: recipient,
        POSTGRES_URL: pg.url("shop", "runbook_backup", "backup-pw"),
        ...extra,
    });
    const drillEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
        ...baseEnv(),
        AGE_IDENTITY_FILE: identityFile,
        DRILL_POSTGRES_URL: pg.url("postgres"),
        DRILL_DATABASE: "shop_drill",
        DRILL_RESTORE_JOBS: "2",
        ...extra,
    });

    const listKeys = async (prefix: string): Promise<string[]> => {
        const r = await run(aws, ["--endpoint-url", s3.endpoint, "s3api", "list-objects-v2", "--bucket", BUCKET, "--prefix", prefix, "--query", "Contents[].Key", "--output", "json"], { env: baseEnv() });
        const keys = JSON.parse(ok(r, "list-objects-v2") || "null") as string[] | null;
        return (keys ?? []).sort();
    };
    const headObject = async (key: string) => {
        const r = await run(aws, ["--endpoint-url", s3.endpoint, "s3api", "head-object", "--bucket", BUCKET, "--key", key], { env: baseEnv() });
        return JSON.parse(ok(r, "head-object")) as { ContentLength: number; Metadata: Record<string, string> };
    };
    /** What a restore would pick: the newest timestamp-named object under postgres/. */
    const newestBackup = async () => (await listKeys("postgres/")).filter((k) => BACKUP_KEY.test(k)).pop();
    /** Per-table checksum over every row, in primary-key order. */
    const tableChecksums = (database: string) =>
        Object.fromEntries(
            Object.keys(SEED).map((t) => [t, pg.sql(database, `SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t.id)) FROM ${t} t;`).trim()]),
        );
    /** Timestamps in object names have one-second resolution: never start two backups in the same second. */
    const nextSecond = () => new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));
    const assertFault = async (r: RunResult, message: RegExp, what: string) => {
        assert.notStrictEqual(r.status, 0, `${what} must exit non-zero\n${r.stderr}`);
        assert.match(r.stderr, message, `${what}: clear message`);
        assert.strictEqual(await newestBackup(), goodKey, `${what}: the newest backup is still the good one`);
        assert.deepStrictEqual(await listKeys("incoming/"), [], `${what}: no temporary object is left`);
    };

    before(async function () {
        for (const [tool, pkg] of [
            ["age", "age"],
            ["age-keygen", "age"],
            ["zstd", "zstd"],
            ["curl", "curl"],
            ["bash", "bash"],
        ]) {
            requireTool(this, tool, pkg);
        }
        aws = requireTool(this, "aws", "awscli");
        requireTool(this, "pg_dump", "postgresql-client-15", [PG_BIN]);
        requireTool(this, "pg_restore", "postgresql-client-15", [PG_BIN]);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-backup-it-"));
        basePath = `${PG_BIN}:${process.env.PATH ?? "/usr/bin:/bin"}`;

        identityFile = path.join(work, "drill.agekey");
        otherIdentityFile = path.join(work, "other.agekey");
        ok(spawnSync("age-keygen", ["-o", identityFile], { encoding: "utf8" }), "age-keygen");
        ok(spawnSync("age-keygen", ["-o", otherIdentityFile], { encoding: "utf8" }), "age-keygen");
        recipient = ok(spawnSync("age-keygen", ["-y", identityFile], { encoding: "utf8" }), "age-keygen -y").trim();

        await pg.start(this);
        await s3.start([BUCKET]);
        await pushgateway.start();

        // The shop: three related tables, more than 100k rows, with text that needs escaping.
        pg.sql(
            "postgres",
            `CREATE DATABASE shop;`,
        );
        pg.sql(
            "shop",
            `
            CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text, created_at timestamptz NOT NULL);
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), total numeric(12,2) NOT NULL, status text NOT NULL, meta jsonb);
            CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id), sku text NOT NULL, qty int NOT NULL, note text);
            CREATE INDEX ON orders (customer_id);
            INSERT INTO customers SELECT g, 'c' || g || '@example.com', E'Zoë \\t ' || md5(g::text), timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, ${SEED.customers}) g;
            INSERT INTO orders SELECT g, 1 + g % ${SEED.customers}, (g % 997) * 1.37, (ARRAY['new','paid','shipped'])[1 + g % 3], jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g % 7)) FROM generate_series(1, ${SEED.orders}) g;
            INSERT INTO order_items SELECT g, 1 + g % ${SEED.orders}, 'SKU-' || (g % 5000), 1 + g % 4, CASE WHEN g % 10 = 0 THEN E'line\\nbreak, "quote" \\\\ backslash' END FROM generate_series(1, ${SEED.order_items}) g;
            `,
        );
        // The read-only backup role (BK-8), created by the script the role Job runs; run twice, as a
        // re-run of the Job would.
        for (let i = 0; i < 2; i++) {
            ok(
                spawnSync(script("create-backup-role.sh"), [], {
                    encoding: "utf8",
                    env: { PATH: basePath, HOME: work, ADMIN_URL: pg.url("shop"), BACKUP_ROLE_PASSWORD: "backup-pw" },
                }),
                "create-backup-role.sh",
            );
        }
    });

    after(async function () {
        await pushgateway.stop().catch(() => undefined);
        await s3.stop().catch(() => undefined);
        pg.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("the scripts pass shellcheck", function () {
        const shellcheck = requireTool(this, "shellcheck", "shellcheck");
        const files = fs.readdirSync(SCRIPTS).filter((f) => f.endsWith(".sh")).map((f) => path.join(SCRIPTS, f));
        files.push(script("create-monitor-role.sh"));
        assert.ok(files.length >= 7, `every script is checked: ${files.join(", ")}`);
        const r = spawnSync(shellcheck, ["-x", "-P", SCRIPTS, ...files], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    for (const name of ["backup-postgres.sh", "backup-redis.sh", "backup-mongodb.sh", "backup-mongodb-oplog.sh", "restore-drill.sh", "create-backup-role.sh", "create-monitor-role.sh"]) {
        it(`${name}: --help explains it; an unknown argument and a missing environment are each named`, async () => {
            const help = await run(script(name), ["--help"], { env: { PATH: basePath } });
            assert.strictEqual(help.status, 0, help.stderr);
            assert.match(help.stdout, /^Usage: /);
            assert.match(help.stdout, name.startsWith("create-") ? /ADMIN_URL/ : /S3_ENDPOINT_URL/);
            const stray = await run(script(name), ["--yes"], { env: { PATH: basePath } });
            assert.strictEqual(stray.status, 1);
            assert.match(stray.stderr, /FAILED: unexpected argument: --yes/);
            assert.match(stray.stderr, /^Usage: /m, "the usage goes to stderr with the error");
            const bare = await run(script(name), [], { env: { PATH: basePath, ...(name === "restore-drill.sh" ? { DRILL_DATASTORE: "postgres" } : {}) } });
            assert.strictEqual(bare.status, 1);
            assert.match(bare.stderr, /FAILED: missing required environment: .*S3_ENDPOINT_URL|FAILED: missing required environment: (POSTGRES_URL|REDIS_HOST|MONGODB_URI|DRILL_POSTGRES_URL|ADMIN_URL)/);
        });
    }

    it("BK-8: the backup role (create-backup-role.sh) reads every table but cannot write, even after SET default_transaction_read_only", () => {
        const as = (...sql: string[]) =>
            spawnSync(pg.psql, ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", pg.url("shop", "runbook_backup", "backup-pw"), ...sql.flatMap((q) => ["-c", q])], { encoding: "utf8" });
        assert.strictEqual(as("SELECT count(*) FROM order_items").stdout.trim(), String(SEED.order_items));
        const readOnly = as("DELETE FROM order_items");
        assert.notStrictEqual(readOnly.status, 0);
        assert.match(readOnly.stderr, /cannot execute DELETE in a read-only transaction/);
        const r = as("SET default_transaction_read_only = off", "DELETE FROM order_items");
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, /permission denied/);
        assert.strictEqual(pg.sql("postgres", "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = 'runbook_backup'").trim(), "f");
    });

    it("BK-1, BK-3: backup-postgres.sh streams pg_dump | zstd | age to a temporary object, verifies it and promotes it with its SHA-256", async () => {
        const r = await run(script("backup-postgres.sh"), [], { env: backupEnv() });
        assert.strictEqual(r.status, 0, r.stderr);
        const keys = await listKeys("");
        assert.strictEqual(keys.length, 1, `exactly one object, the promoted backup: ${keys.join(", ")}`);
        goodKey = keys[0];
        assert.match(goodKey, BACKUP_KEY);
        const head = await headObject(goodKey);
        const bytes = fs.readFileSync(s3.objectFile(BUCKET, goodKey));
        assert.strictEqual(head.Metadata.sha256, crypto.createHash("sha256").update(bytes).digest("hex"), "the metadata carries the object's SHA-256");
        assert.strictEqual(head.Metadata.datastore, "postgres");
        assert.ok(bytes.subarray(0, 40).toString("latin1").startsWith("age-encryption.org/v1"), "the object is age-encrypted");
        assert.ok(!bytes.includes(Buffer.from("c1@example.com")), "no plaintext row in the object");

        const metrics = pushgateway.lastMetrics(`/job/${BACKUP_PUSH_JOB}/datastore/postgres/stack/it`);
        assert.strictEqual(metrics[BACKUP_METRICS.lastRunSuccess], 1);
        assert.strictEqual(metrics[BACKUP_METRICS.sizeBytes], head.ContentLength);
        assert.ok(Math.abs(metrics[BACKUP_METRICS.lastSuccessTimestamp] - Date.now() / 1000) < 120, "last success is now");
        assert.ok(metrics[BACKUP_METRICS.durationSeconds] >= 0);
        assert.strictEqual(metrics[BACKUP_METRICS.lastRunTimestamp], metrics[BACKUP_METRICS.lastSuccessTimestamp]);
    });

    it("BK-6, BK-7: restore-drill.sh restores the newest backup into a fresh database with pg_restore -j; every table's checksum matches; RTO and RPO are pushed", async () => {
        assert.ok(goodKey, "the backup test ran first");
        const source = tableChecksums("shop");
        // Asset URLs (004) served from loopback; one more that must not be sampled when the sample is 2 of 2.
        const assets = http.createServer((req, res) => res.writeHead(req.url?.startsWith("/img/") ? 200 : 404).end("x"));
        await new Promise<void>((resolve) => assets.listen(0, "127.0.0.1", () => resolve()));
        const assetBase = `http://127.0.0.1:${(assets.address() as net.AddressInfo).port}`;
        try {
            const r = await run(script("restore-drill.sh"), [], {
                env: drillEnv({
                    DRILL_KEEP_DATABASE: "true",
                    DRILL_MIN_ROWS: Object.entries(SEED).map(([t, n]) => `${t}=${n}`).join(","),
                    DRILL_CHECK_COMMAND: `psql -X -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c 'SELECT 1 FROM orders LIMIT 1'`,
                    DRILL_ASSET_URLS: `${assetBase}/img/a.png ${assetBase}/img/b.png`,
                    DRILL_ASSET_SAMPLE: "2",
                }),
            });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stderr, /check passed: orders has 60000 rows/);
            assert.match(r.stderr, /check passed: asset .*\/img\/a\.png/);
        } finally {
            assets.close();
        }
        assert.deepStrictEqual(tableChecksums("shop_drill"), source, "every table matches, row for row");
        const metrics = pushgateway.lastMetrics(`/job/${DRILL_PUSH_JOB}/datastore/postgres/stack/it`);
        assert.strictEqual(metrics[DRILL_METRICS.lastRunSuccess], 1);
        assert.ok(metrics[DRILL_METRICS.rtoSeconds] >= 0 && metrics[DRILL_METRICS.rtoSeconds] < 300, `RTO ${metrics[DRILL_METRICS.rtoSeconds]}`);
        assert.ok(metrics[DRILL_METRICS.rpoSeconds] >= 0 && metrics[DRILL_METRICS.rpoSeconds] < 600, `RPO ${metrics[DRILL_METRICS.rpoSeconds]}`);
    });

    it("OB-6, BK-1, BK-6: a real Pushgateway serves every backup and drill metric with the job, datastore and stack labels the alerts select on", async function () {
        const real = new RealPushgateway();
        await real.start(this);
        try {
            await nextSecond();
            const backup = await run(script("backup-postgres.sh"), [], { env: backupEnv({ PUSHGATEWAY_URL: real.url }) });
            assert.strictEqual(backup.status, 0, backup.stderr);
            goodKey = (await newestBackup())!;
            const drill = await run(script("restore-drill.sh"), [], { env: drillEnv({ PUSHGATEWAY_URL: real.url }) });
            assert.strictEqual(drill.status, 0, drill.stderr);
            const samples = parseExposition(await real.scrape());
            const sample = (name: string, job: string) =>
                samples.find((x) => x.name === name && x.labels.job === job && x.labels[DATASTORE_LABEL] === "postgres" && x.labels[STACK_LABEL] === "it");
            for (const [job, metrics] of [[BACKUP_PUSH_JOB, BACKUP_METRICS], [DRILL_PUSH_JOB, DRILL_METRICS]] as const) {
                for (const name of Object.values(metrics)) {
                    const found = sample(name, job);
                    assert.ok(found, `${name}{job="${job}",datastore="postgres",stack="it"} is served; got ${samples.filter((x) => x.name.startsWith("runbook_")).map((x) => `${x.name}${JSON.stringify(x.labels)}`).join(", ")}`);
                    assert.ok(Number.isFinite(found.value), `${name} is a number`);
                }
            }
            assert.strictEqual(sample(BACKUP_METRICS.lastRunSuccess, BACKUP_PUSH_JOB)!.value, 1);
            assert.strictEqual(sample(DRILL_METRICS.lastRunSuccess, DRILL_PUSH_JOB)!.value, 1);
            assert.ok(Math.abs(sample(BACKUP_METRICS.lastSuccessTimestamp, BACKUP_PUSH_JOB)!.value - Date.now() / 1000) < 120, "the backup's last success is now");
            assert.strictEqual(sample(BACKUP_METRICS.sizeBytes, BACKUP_PUSH_JOB)!.value, (await headObject(goodKey)).ContentLength);

            // A failed run replaces only what it pushes: the last success time survives for the missed-backup alert.
            const lastSuccess = sample(BACKUP_METRICS.lastSuccessTimestamp, BACKUP_PUSH_JOB)!.value;
            const failed = await run(script("backup-postgres.sh"), [], { env: backupEnv({ PUSHGATEWAY_URL: real.url, POSTGRES_URL: "postgres://nobody:x@127.0.0.1:1/none" }) });
            assert.notStrictEqual(failed.status, 0);
            const after = parseExposition(await real.scrape());
            const get = (name: string) => after.find((x) => x.name === name && x.labels.job === BACKUP_PUSH_JOB && x.labels[DATASTORE_LABEL] === "postgres" && x.labels[STACK_LABEL] === "it")?.value;
            assert.strictEqual(get(BACKUP_METRICS.lastRunSuccess), 0);
            assert.strictEqual(get(BACKUP_METRICS.lastSuccessTimestamp), lastSuccess);
        } finally {
            real.stop();
        }
    });

    it("BK-6, BK-7: with DRILL_RESTORE_JOBS=1 the drill streams the decryption into pg_restore --single-transaction; every table's checksum matches", async () => {
        const r = await run(script("restore-drill.sh"), [], { env: drillEnv({ DRILL_RESTORE_JOBS: "1", DRILL_DATABASE: "stream_drill", DRILL_KEEP_DATABASE: "true" }) });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(tableChecksums("stream_drill"), tableChecksums("shop"), "every table matches, row for row");
        assert.strictEqual(pg.sql("stream_drill", "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'").trim(), pg.sql("shop", "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'").trim(), "every index is rebuilt");
        pg.sql("postgres", "DROP DATABASE stream_drill;");
    });

    it("BK-6: a failing check command or a row count below the minimum fails the drill", async () => {
        const low = await run(script("restore-drill.sh"), [], { env: drillEnv({ DRILL_MIN_ROWS: "orders=60001" }) });
        assert.strictEqual(low.status, 1);
        assert.match(low.stderr, /check failed: orders has 60000 rows, at least 60001 expected/);
        const cmd = await run(script("restore-drill.sh"), [], { env: drillEnv({ DRILL_CHECK_COMMAND: "exit 3" }) });
        assert.strictEqual(cmd.status, 1);
        assert.match(cmd.stderr, /check failed: 'exit 3' exited non-zero/);
        assert.strictEqual(pushgateway.lastMetrics(`/job/${DRILL_PUSH_JOB}/datastore/postgres`)[DRILL_METRICS.lastRunSuccess], 0);
    });

    describe("faults: non-zero exit, a clear message, and nothing a restore would take for the newest backup", () => {
        beforeEach(nextSecond);

        it("BK-1: the database is unreachable", async () => {
            const closed = await freePort();
            const r = await run(script("backup-postgres.sh"), [], { env: backupEnv({ POSTGRES_URL: `postgres://runbook_backup:x@127.0.0.1:${closed}/shop` }) });
            await assertFault(r, /pg_dump: error: connection to server .* failed[\s\S]*nothing was promoted/, "unreachable database");
            const metrics = pushgateway.lastMetrics(`/job/${BACKUP_PUSH_JOB}/datastore/postgres`);
            assert.strictEqual(metrics[BACKUP_METRICS.lastRunSuccess], 0, "the failure is pushed");
            assert.strictEqual(metrics[BACKUP_METRICS.lastSuccessTimestamp], undefined, "a failed run does not touch the last success time");
        });

        it("BK-3: the bucket is wrong", async () => {
            const r = await run(script("backup-postgres.sh"), [], { env: backupEnv({ S3_BUCKET: "no-such-bucket" }) });
            await assertFault(r, /NoSuchBucket[\s\S]*nothing was promoted/, "wrong bucket");
        });

        it("BK-3: the upload is killed mid-stream (the connection is cut and the uploader killed while the dump flows)", async () => {
            let killed = 0;
            const proxy = await s3.cuttingProxy(`/${BUCKET}/incoming/`, 64 * 1024, () => {
                // The uploader dies with its connection, as when the node or the pod goes away.
                const found = spawnSync("pgrep", ["-f", `s3 cp --only-show-errors - s3://${BUCKET}/incoming/`], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
                for (const p of found) {
                    try {
                        process.kill(Number(p), "SIGKILL");
                        killed++;
                    } catch {
                        /* already gone */
                    }
                }
            });
            try {
                const r = await run(script("backup-postgres.sh"), [], { env: backupEnv({ S3_ENDPOINT_URL: proxy.endpoint }) });
                assert.ok(proxy.cuts() > 0 && killed > 0, `the upload was cut (${proxy.cuts()}) and the uploader killed (${killed})`);
                await assertFault(r, /nothing was promoted/, "upload killed");
            } finally {
                proxy.close();
            }
        });

        it("BK-3, BK-8: a bad credential (an access key the server does not know)", async () => {
            const r = await run(script("backup-postgres.sh"), [], { env: backupEnv({ AWS_ACCESS_KEY_ID: "revoked-token" }) });
            await assertFault(r, /InvalidAccessKeyId[\s\S]*nothing was promoted/, "bad credential");
            const drill = await run(script("restore-drill.sh"), [], { env: drillEnv({ AWS_ACCESS_KEY_ID: "revoked-token" }) });
            assert.strictEqual(drill.status, 1);
            assert.match(drill.stderr, /could not list s3:\/\/.*check S3_ENDPOINT_URL, S3_BUCKET and the drill's credentials/);
        });

        it("BK-3, BK-8: a bad secret (a valid access key ID, the wrong secret) is refused by an endpoint that verifies SigV4 signatures", async () => {
            const proxy = await s3.verifyingProxy();
            try {
                // The right secret through the same endpoint works end to end: what fails below is the secret.
                await nextSecond();
                const good = await run(script("backup-postgres.sh"), [], { env: backupEnv({ S3_ENDPOINT_URL: proxy.endpoint }) });
                assert.strictEqual(good.status, 0, good.stderr);
                assert.strictEqual(proxy.rejected(), 0, "every request the backup makes is signed correctly");
                goodKey = (await newestBackup())!;
                await nextSecond();
                const bad = await run(script("backup-postgres.sh"), [], { env: backupEnv({ S3_ENDPOINT_URL: proxy.endpoint, AWS_SECRET_ACCESS_KEY: "not-the-secret" }) });
                await assertFault(bad, /SignatureDoesNotMatch[\s\S]*nothing was promoted/, "bad secret");
                assert.ok(proxy.rejected() > 0, "the endpoint refused the signature");
                const drill = await run(script("restore-drill.sh"), [], { env: drillEnv({ S3_ENDPOINT_URL: proxy.endpoint, AWS_SECRET_ACCESS_KEY: "not-the-secret" }) });
                assert.strictEqual(drill.status, 1);
                assert.match(drill.stderr, /SignatureDoesNotMatch[\s\S]*could not list s3:\/\/\S+\/postgres\//);
            } finally {
                proxy.close();
            }
        });

        it("BK-3: an invalid age recipient stops the backup before anything is promoted", async () => {
            const r = await run(script("backup-postgres.sh"), [], { env: backupEnv({ AGE_RECIPIENT: "age1notakey" }) });
            await assertFault(r, /age: error[\s\S]*nothing was promoted/, "bad recipient");
        });

        it("BK-6: the wrong decryption key fails the drill, and nothing is restored", async () => {
            const r = await run(script("restore-drill.sh"), [], { env: drillEnv({ AGE_IDENTITY_FILE: otherIdentityFile, DRILL_DATABASE: "wrongkey_drill" }) });
            assert.strictEqual(r.status, 1);
            assert.match(r.stderr, /could not decrypt postgres\/\S+ with AGE_IDENTITY_FILE: wrong key/);
            assert.strictEqual(pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'wrongkey_drill'").trim(), "0");
            // Streamed into a single transaction, the wrong key is named as such too, and the database goes.
            const streamed = await run(script("restore-drill.sh"), [], { env: drillEnv({ AGE_IDENTITY_FILE: otherIdentityFile, DRILL_DATABASE: "wrongkey_drill", DRILL_RESTORE_JOBS: "1" }) });
            assert.strictEqual(streamed.status, 1);
            assert.match(streamed.stderr, /could not decrypt postgres\/\S+ with AGE_IDENTITY_FILE: wrong key/);
            assert.strictEqual(pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'wrongkey_drill'").trim(), "0");
        });

        it("BK-4, BK-6: a corrupted object fails the drill on its checksum, before decryption", async () => {
            assert.strictEqual(await newestBackup(), goodKey);
            const file = s3.objectFile(BUCKET, goodKey);
            const original = fs.readFileSync(file);
            const damaged = Buffer.from(original);
            damaged[Math.floor(damaged.length / 2)] ^= 0xff;
            fs.writeFileSync(file, damaged);
            try {
                const r = await run(script("restore-drill.sh"), [], { env: drillEnv({ DRILL_DATABASE: "corrupt_drill" }) });
                assert.strictEqual(r.status, 1);
                assert.match(r.stderr, /checksum mismatch for postgres\/\S+: metadata says [0-9a-f]{64}, the object hashes to [0-9a-f]{64}; the backup is corrupted/);
                assert.strictEqual(pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'corrupt_drill'").trim(), "0");
            } finally {
                fs.writeFileSync(file, original);
            }
        });

        it("BK-6: an object that was never promoted (no sha256 metadata) is refused", async () => {
            const stray = goodKey.replace(/\d{8}T\d{6}Z/, "29991231T235959Z");
            ok(await run(aws, ["--endpoint-url", s3.endpoint, "s3", "cp", s3.objectFile(BUCKET, goodKey), `s3://${BUCKET}/${stray}`], { env: baseEnv() }), "upload stray");
            try {
                const r = await run(script("restore-drill.sh"), [], { env: drillEnv() });
                assert.strictEqual(r.status, 1);
                assert.match(r.stderr, /has no sha256 metadata; it was never promoted/);
            } finally {
                ok(await run(aws, ["--endpoint-url", s3.endpoint, "s3", "rm", `s3://${BUCKET}/${stray}`], { env: baseEnv() }), "remove stray");
            }
        });

        it("BK-6: a drill never drops a database whose name does not say it is scratch", async () => {
            const r = await run(script("restore-drill.sh"), [], { env: drillEnv({ DRILL_DATABASE: "shop" }) });
            assert.strictEqual(r.status, 1);
            assert.match(r.stderr, /must contain 'drill' or 'scratch'/);
            assert.strictEqual(pg.sql("shop", "SELECT count(*) FROM orders").trim(), String(SEED.orders));
        });
    });

    describe("Redis (BK-1, BK-2)", () => {
        let redisDir: string;
        let redisPid: number | undefined;
        let redisPort: number;

        before(async function () {
            const redisServer = requireTool(this, "redis-server", "redis-server");
            const redisCli = requireTool(this, "redis-cli", "redis-tools");
            redisDir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-redis-"));
            redisPort = await freePort();
            const child = require("child_process").spawn(redisServer, ["--bind", "127.0.0.1", "--port", String(redisPort), "--dir", redisDir, "--save", "", "--requirepass", "redis-pw"], { stdio: "ignore" });
            redisPid = child.pid;
            for (let i = 0; i < 50; i++) {
                if (spawnSync(redisCli, ["-p", String(redisPort), "--no-auth-warning", "-a", "redis-pw", "ping"], { encoding: "utf8" }).stdout.trim() === "PONG") break;
                await new Promise((r) => setTimeout(r, 100));
            }
            const commands = Array.from({ length: 1500 }, (_, i) => `SET job:${i} payload-${i}`).join("\n");
            ok(spawnSync(redisCli, ["-p", String(redisPort), "--no-auth-warning", "-a", "redis-pw"], { input: commands, encoding: "utf8" }), "seed redis");
        });

        after(() => {
            if (redisPid !== undefined) process.kill(redisPid, "SIGKILL");
            if (redisDir) fs.rmSync(redisDir, { recursive: true, force: true });
        });

        it("BK-1: backup-redis.sh snapshots the RDB with REDISCLI_AUTH, and the drill loads it into a scratch redis-server", async () => {
            const env = { ...baseEnv(), AGE_RECIPIENT: recipient, REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redisPort), REDISCLI_AUTH: "redis-pw" };
            const r = await run(script("backup-redis.sh"), [], { env });
            assert.strictEqual(r.status, 0, r.stderr);
            const keys = (await listKeys("redis/")).filter((k) => /^redis\/\d{8}T\d{6}Z\.rdb\.zst\.age$/.test(k));
            assert.strictEqual(keys.length, 1);
            assert.strictEqual(pushgateway.lastMetrics(`/job/${BACKUP_PUSH_JOB}/datastore/redis`)[BACKUP_METRICS.lastRunSuccess], 1);
            const drill = await run(script("restore-drill.sh"), [], {
                env: { ...baseEnv(), AGE_IDENTITY_FILE: identityFile, DRILL_DATASTORE: "redis", DRILL_REDIS_PORT: String(await freePort()), DRILL_MIN_ROWS: "keys=1500" },
            });
            assert.strictEqual(drill.status, 0, drill.stderr);
            assert.match(drill.stderr, /check passed: 1500 keys/);
        });

        it("BK-1: a wrong Redis password fails the backup and promotes nothing", async () => {
            await nextSecond();
            const before = await listKeys("redis/");
            const env = { ...baseEnv(), AGE_RECIPIENT: recipient, REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redisPort), REDISCLI_AUTH: "wrong" };
            const r = await run(script("backup-redis.sh"), [], { env });
            assert.strictEqual(r.status, 1);
            assert.match(r.stderr, /WRONGPASS|NOAUTH|AUTH failed/);
            assert.deepStrictEqual(await listKeys("redis/"), before);
            assert.deepStrictEqual(await listKeys("incoming/"), []);
        });
    });

    describe("MongoDB scripts, with a stand-in mongodump (no MongoDB server can run here)", () => {
        let fakeBin: string;
        let argsFile: string;

        before(() => {
            fakeBin = path.join(work, "fake-bin");
            fs.mkdirSync(fakeBin);
            argsFile = path.join(work, "mongodump.args");
            // Records its arguments and the config file it was given, then behaves as FAKE_MONGODUMP says.
            fs.writeFileSync(
                path.join(fakeBin, "mongodump"),
                [
                    "#!/usr/bin/env bash",
                    `printf '%s\\n' "$@" > ${argsFile}`,
                    'for a in "$@"; do case "$a" in --config=*) cat "${a#--config=}" >> ' + argsFile + ".config;; esac; done",
                    'case "${FAKE_MONGODUMP:-ok}" in',
                    "  ok) head -c 300000 /dev/urandom ;;",
                    "  fail) head -c 1000 /dev/urandom; echo 'Failed: error connecting to db server: server selection timeout' >&2; exit 1 ;;",
                    "esac",
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
        });

        const mongoEnv = (extra: NodeJS.ProcessEnv = {}) => ({
            ...baseEnv(),
            PATH: `${fakeBin}:${basePath}`,
            AGE_RECIPIENT: recipient,
            MONGODB_URI: "mongodb://runbook_backup:s3cr%40t@mongo-0.mongo:27017,mongo-1.mongo:27017/?replicaSet=rs0&authSource=admin",
            ...extra,
        });

        it("BK-1: backup-mongodb.sh runs mongodump --oplog --archive, keeps the URI off the command line, and promotes the stream", async () => {
            await nextSecond();
            fs.rmSync(`${argsFile}.config`, { force: true });
            const r = await run(script("backup-mongodb.sh"), [], { env: mongoEnv() });
            assert.strictEqual(r.status, 0, r.stderr);
            const args = fs.readFileSync(argsFile, "utf8").trim().split("\n");
            assert.ok(args.includes("--oplog") && args.includes("--archive"), args.join(" "));
            assert.ok(!args.some((a) => a.includes("s3cr")), "the password is not in mongodump's arguments");
            assert.match(fs.readFileSync(`${argsFile}.config`, "utf8"), /^uri: "mongodb:\/\/runbook_backup:s3cr%40t@/);
            const keys = (await listKeys("mongodb/")).filter((k) => /^mongodb\/\d{8}T\d{6}Z\.archive\.zst\.age$/.test(k));
            assert.strictEqual(keys.length, 1);
        });

        it("BK-1: backup-mongodb-oplog.sh dumps local.oplog.rs from one window (65 minutes) ago", async () => {
            await nextSecond();
            const started = Math.floor(Date.now() / 1000);
            const r = await run(script("backup-mongodb-oplog.sh"), [], { env: mongoEnv() });
            assert.strictEqual(r.status, 0, r.stderr);
            const args = fs.readFileSync(argsFile, "utf8").trim().split("\n");
            assert.ok(args.includes("--db=local") && args.includes("--collection=oplog.rs") && args.includes("--archive"), args.join(" "));
            const query = args.find((a) => a.startsWith("--query="))!;
            const since = Number(/"t": (\d+)/.exec(query)?.[1]);
            assert.ok(Math.abs(since - (started - 3900)) <= 5, `the window starts 3900 s ago: ${query}`);
            assert.strictEqual((await listKeys("mongodb-oplog/")).filter((k) => /\.oplog\.archive\.zst\.age$/.test(k)).length, 1);
            const short = await run(script("backup-mongodb-oplog.sh"), [], { env: mongoEnv({ OPLOG_WINDOW_SECONDS: "600" }) });
            assert.strictEqual(short.status, 1);
            assert.match(short.stderr, /shorter than the hourly schedule/);
        });

        it("BK-1: a mongodump that fails after writing some bytes fails the backup and promotes nothing", async () => {
            await nextSecond();
            const before = await listKeys("mongodb/");
            const r = await run(script("backup-mongodb.sh"), [], { env: mongoEnv({ FAKE_MONGODUMP: "fail" }) });
            assert.strictEqual(r.status, 1);
            assert.match(r.stderr, /server selection timeout[\s\S]*nothing was promoted/);
            assert.deepStrictEqual(await listKeys("mongodb/"), before);
            assert.deepStrictEqual(await listKeys("incoming/"), []);
        });
    });
});
