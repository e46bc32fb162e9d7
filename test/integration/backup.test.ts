import * as assert from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ROLE_SCRIPT, roleScriptsDir, rolesEnv } from "../../components/database/roleJob";
import { BACKUP_METRICS, BACKUP_PUSH_JOB, BACKUP_REPLICA_METRICS, DATASTORE_LABEL, DRILL_APP_CHECK_METRICS, DRILL_METRICS, DRILL_PUSH_JOB, STACK_LABEL } from "../../components/observability/backupMetrics";
import { PG_BIN, RealPushgateway, RunResult, TestPostgres, TestPushgateway, TestS3, freePort, multipartCopyS3rver, ok, parseExposition, run } from "../helpers/servers";
import { newAgeIdentity, requireBackupTools, requireTool } from "../helpers/tools";

/*
 * The backup and restore-drill scripts (scripts/backup/) against real servers on loopback:
 * PostgreSQL 15, redis-server, an S3 API (s3rver), and the real age, zstd, aws and curl. The round
 * trip seeds more than 100k rows, backs them up, restores the newest backup into a fresh database
 * with the drill, and compares every table's checksum. Each fault must exit non-zero with a clear
 * message and leave nothing a restore would take for the newest backup.
 */

const SCRIPTS = path.resolve(__dirname, "../../../scripts/backup");
/** The one role script (scripts/database/), which sources the same lib.sh through a link. */
const ROLE_SCRIPTS = roleScriptsDir();
const script = (name: string) => path.join(name === ROLE_SCRIPT ? ROLE_SCRIPTS : SCRIPTS, name);
/** The backup role Job's ROLES: one role of kind backup (BK-8). */
const backupRoles = (role = "runbook_backup") => ({ ROLES: rolesEnv([{ name: role, kind: "backup" }]) });
const BUCKET = "runbook-it-backups";
/** A promoted backup's name: its UTC timestamp, then the run's own id (issue 17: runs in the same second never collide). */
const NAME = "\\d{8}T\\d{6}Z-[0-9a-f]{8}";
const backupName = (prefix: string, ext: string) => new RegExp(`^${prefix}\\/${NAME}\\.${ext.replace(/\./g, "\\.")}\\.zst\\.age$`);
const BACKUP_KEY = backupName("postgres", "pgdump");
/** A UTC timestamp as the object names carry it, `seconds` from now. */
const stampIn = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");

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
    /** Names sort by time to the second: a test that needs "the newest" starts its backup in a later second. */
    const nextSecond = () => new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));
    const assertFault = async (r: RunResult, message: RegExp, what: string) => {
        assert.notStrictEqual(r.status, 0, `${what} must exit non-zero\n${r.stderr}`);
        assert.match(r.stderr, message, `${what}: clear message`);
        assert.strictEqual(await newestBackup(), goodKey, `${what}: the newest backup is still the good one`);
        assert.deepStrictEqual(await listKeys("incoming/"), [], `${what}: no temporary object is left`);
    };

    before(async function () {
        aws = requireBackupTools(this);
        requireTool(this, "pg_dump", "postgresql-client-15", [PG_BIN]);
        requireTool(this, "pg_restore", "postgresql-client-15", [PG_BIN]);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-backup-it-"));
        basePath = `${PG_BIN}:${process.env.PATH ?? "/usr/bin:/bin"}`;

        identityFile = path.join(work, "drill.agekey");
        otherIdentityFile = path.join(work, "other.agekey");
        recipient = newAgeIdentity(identityFile);
        newAgeIdentity(otherIdentityFile);

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
                spawnSync(script(ROLE_SCRIPT), [], {
                    encoding: "utf8",
                    env: { PATH: basePath, HOME: work, ADMIN_URL: pg.url("shop"), ...backupRoles(), BACKUP_ROLE_PASSWORD: "backup-pw" },
                }),
                "create-roles.sh (kind backup)",
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
        files.push(script(ROLE_SCRIPT));
        assert.ok(files.length >= 7, `every script is checked: ${files.join(", ")}`);
        const r = spawnSync(shellcheck, ["-x", "-P", SCRIPTS, ...files], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    for (const name of ["backup-postgres.sh", "backup-redis.sh", "backup-mongodb.sh", "backup-mongodb-oplog.sh", "restore-drill.sh", ROLE_SCRIPT]) {
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

    it("BK-8: the backup role (create-roles.sh, kind backup) reads every table but cannot write, even after SET default_transaction_read_only", () => {
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
        assert.strictEqual(keys.length, 2, `exactly two objects, the promoted backup and its manifest: ${keys.join(", ")}`);
        goodKey = keys.find((k) => BACKUP_KEY.test(k))!;
        assert.ok(goodKey, `the promoted backup is among ${keys.join(", ")}`);
        assert.ok(keys.includes(goodKey.replace(/\.pgdump\.zst\.age$/, ".manifest.tar.zst.age")), "its manifest is beside it");
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

    describe("the app check: drill-app-check.sh beside the drill, as the app's container runs it (BK-6, 004)", () => {
        let handoff: string;
        beforeEach(() => {
            handoff = fs.mkdtempSync(path.join(work, "app-check-"));
        });
        /**
         * The drill and its app check at once, as the pod's two containers run them: the check in plain
         * `sh` (dash), with nothing but the scratch database's URL and the handover directory, which is
         * all the app's container gets.
         */
        const drillWithCheck = async (check: string[], opts: { checkTimeout: string; drillTimeout: string; drill?: NodeJS.ProcessEnv }) => {
            const checkEnv = { PATH: basePath, HOME: handoff, DATABASE_URL: pg.url("check_drill"), DRILL_APP_CHECK_DIR: handoff, DRILL_APP_CHECK_TIMEOUT_SECONDS: opts.checkTimeout };
            const [drill, checker] = await Promise.all([
                run(script("restore-drill.sh"), [], { env: drillEnv({ DRILL_DATABASE: "check_drill", DRILL_APP_CHECK_DIR: handoff, DRILL_APP_CHECK_TIMEOUT_SECONDS: opts.drillTimeout, ...opts.drill }) }),
                run("/bin/sh", [script("drill-app-check.sh"), ...check], { env: checkEnv, timeoutMs: 120000 }),
            ]);
            return { drill, checker };
        };
        const appCheckMetrics = () => pushgateway.lastMetrics(`/job/${DRILL_PUSH_JOB}/datastore/postgres/stack/it`);

        it("BK-6: the check starts only once the restore is done, reads the restored rows through DATABASE_URL, and its exit 0 passes the drill", async () => {
            const { drill, checker } = await drillWithCheck(["sh", "-c", `test -e "$DRILL_APP_CHECK_DIR/restored" && test "$(psql -X -tAc 'SELECT count(*) FROM orders' "$DATABASE_URL")" = ${SEED.orders}`], { checkTimeout: "60", drillTimeout: "90" });
            assert.strictEqual(checker.status, 0, checker.stderr);
            assert.strictEqual(drill.status, 0, drill.stderr);
            assert.match(drill.stderr, /check passed: the app check exited 0/);
            assert.match(drill.stderr, /drill PASSED/);
            const metrics = appCheckMetrics();
            assert.strictEqual(metrics[DRILL_METRICS.lastRunSuccess], 1);
            assert.strictEqual(metrics[DRILL_APP_CHECK_METRICS.success], 1);
            assert.strictEqual(metrics[DRILL_APP_CHECK_METRICS.timedOut], 0);
            assert.strictEqual(metrics[DRILL_APP_CHECK_METRICS.exitCode], 0);
            assert.ok(metrics[DRILL_APP_CHECK_METRICS.seconds] >= 0);
            assert.strictEqual(pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'check_drill'").trim(), "0", "the scratch database is dropped after the check");
        });

        it("BK-6: a failing check fails the drill, which shows its output and pushes its exit status", async () => {
            const { drill, checker } = await drillWithCheck(["sh", "-c", `echo "2 migrations have not yet been applied" >&2; exit 3`], { checkTimeout: "60", drillTimeout: "90" });
            assert.strictEqual(checker.status, 3, checker.stderr);
            assert.strictEqual(drill.status, 1, drill.stderr);
            assert.match(drill.stderr, /app check: 2 migrations have not yet been applied/);
            assert.match(drill.stderr, /check failed: the app check exited 3/);
            const metrics = appCheckMetrics();
            assert.strictEqual(metrics[DRILL_METRICS.lastRunSuccess], 0);
            assert.strictEqual(metrics[DRILL_APP_CHECK_METRICS.success], 0);
            assert.strictEqual(metrics[DRILL_APP_CHECK_METRICS.timedOut], 0);
            assert.strictEqual(metrics[DRILL_APP_CHECK_METRICS.exitCode], 3);
        });

        it("BK-6: a check that hangs is stopped at its timeout, and the drill fails saying so", async () => {
            const { drill, checker } = await drillWithCheck(["sleep", "600"], { checkTimeout: "3", drillTimeout: "60" });
            assert.strictEqual(checker.status, 124, checker.stderr);
            assert.match(checker.stderr, /still running after 3s/);
            assert.strictEqual(drill.status, 1, drill.stderr);
            assert.match(drill.stderr, /check failed: the app check ran longer than its timeout and was stopped/);
            const metrics = appCheckMetrics();
            assert.ok(metrics[DRILL_APP_CHECK_METRICS.seconds] < 30, `stopped at its own timeout, not the drill's (${metrics[DRILL_APP_CHECK_METRICS.seconds]}s)`);
            assert.strictEqual(metrics[DRILL_APP_CHECK_METRICS.success], 0);
            assert.strictEqual(metrics[DRILL_APP_CHECK_METRICS.timedOut], 1);
            assert.strictEqual(metrics[DRILL_APP_CHECK_METRICS.exitCode], undefined);
        });

        it("BK-6: a check that gives no result (it ignores its timeout, or never started) fails the drill at the drill's own limit, and the check then ends", async () => {
            const { drill, checker } = await drillWithCheck(["sleep", "600"], { checkTimeout: "600", drillTimeout: "3" });
            assert.strictEqual(drill.status, 1, drill.stderr);
            assert.match(drill.stderr, /check failed: the app check gave no result within 3s/);
            assert.notStrictEqual(checker.status, 0, "the check was stopped: the drill abandoned it");
            assert.match(checker.stderr, /the drill stopped waiting for the check/);
            assert.strictEqual(appCheckMetrics()[DRILL_APP_CHECK_METRICS.timedOut], 1);
        });

        it("BK-6: a drill that fails before its restore ends the waiting check, which runs nothing", async () => {
            const { drill, checker } = await drillWithCheck(["sh", "-c", "echo ran; exit 0"], { checkTimeout: "60", drillTimeout: "60", drill: { AGE_IDENTITY_FILE: otherIdentityFile } });
            assert.strictEqual(drill.status, 1);
            assert.strictEqual(checker.status, 0, checker.stderr);
            assert.match(checker.stderr, /the drill ended before a restore to check; nothing run/);
            assert.ok(!fs.existsSync(path.join(handoff, "result")), "no result: the command never ran");
        });
    });

    describe("faults: non-zero exit, a clear message, and nothing a restore would take for the newest backup", () => {
        beforeEach(nextSecond);

        it("BK-1: the database is unreachable", async () => {
            const closed = await freePort();
            const r = await run(script("backup-postgres.sh"), [], { env: backupEnv({ POSTGRES_URL: `postgres://runbook_backup:x@127.0.0.1:${closed}/shop` }) });
            // psql, which opens the snapshot the dump and its row counts share, is the first to connect.
            await assertFault(r, /(psql|pg_dump): error: connection to server .* failed[\s\S]*nothing was promoted/, "unreachable database");
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
            // Named this second, so it is the newest (a name in the future is skipped, which another test proves).
            const stray = goodKey.replace(/\d{8}T\d{6}Z/, stampIn(0));
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

    describe("issue 17: complete dumps, one object per run, an older backup on demand, no password in any command line, honest errors", () => {
        /** A small database of its own, backed up under its own prefix, so these tests leave postgres/ alone. */
        const TINY = "tiny";
        const tinyBackup = (extra: NodeJS.ProcessEnv = {}) => backupEnv({ POSTGRES_URL: pg.url(TINY, "runbook_backup", "backup-pw"), BACKUP_PREFIX: TINY, ...extra });
        const tinyDrill = (extra: NodeJS.ProcessEnv = {}) => drillEnv({ BACKUP_PREFIX: TINY, DRILL_DATABASE: "tiny_drill", DRILL_MIN_ROWS: "notes=3", ...extra });
        const tinyKeys = async () => (await listKeys(`${TINY}/`)).filter((k) => backupName(TINY, "pgdump").test(k));
        /** A directory of stand-ins, first on PATH, that behave as `scripts` says. */
        const binWith = (name: string, scripts: Record<string, string>): string => {
            const dir = path.join(work, name);
            fs.mkdirSync(dir, { recursive: true });
            for (const [tool, body] of Object.entries(scripts)) fs.writeFileSync(path.join(dir, tool), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
            return dir;
        };
        /** Whether a process still runs: a zombie (killed, not yet reaped) does not. */
        const alive = (pid: number) => {
            try {
                return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
            } catch {
                return false;
            }
        };
        const waitFor = async (what: string, ready: () => boolean, ms = 60000) => {
            for (const start = Date.now(); !ready(); ) {
                if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
                await new Promise((r) => setTimeout(r, 100));
            }
        };
        /** Copies an object under a new name with the metadata a promotion gives it. */
        const promotedCopy = async (from: string, to: string) => {
            const sha = (await headObject(from)).Metadata.sha256;
            ok(
                await run(aws, ["--endpoint-url", s3.endpoint, "s3api", "copy-object", "--bucket", BUCKET, "--copy-source", `${BUCKET}/${from}`, "--key", to, "--metadata", `sha256=${sha},datastore=postgres`, "--metadata-directive", "REPLACE"], { env: baseEnv() }),
                `copy ${from} to ${to}`,
            );
        };
        const removeObject = async (key: string) => ok(await run(aws, ["--endpoint-url", s3.endpoint, "s3", "rm", `s3://${BUCKET}/${key}`], { env: baseEnv() }), `remove ${key}`);

        before(() => {
            pg.sql("postgres", `CREATE DATABASE ${TINY};`);
            pg.sql(TINY, "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'a'), (2, 'b'), (3, 'c');");
            ok(spawnSync(script(ROLE_SCRIPT), [], { encoding: "utf8", env: { PATH: basePath, HOME: work, ADMIN_URL: pg.url(TINY), ...backupRoles(), BACKUP_ROLE_PASSWORD: "backup-pw" } }), "create-roles.sh (kind backup) on tiny");
        });

        it("#1: the backup role dumps a table with row-level security and every large object, one created after the role's setup too; the drill restores them all", async () => {
            pg.sql("postgres", "CREATE DATABASE vault;");
            // FORCE: even the owner sees only its tenant's rows; only BYPASSRLS (or a superuser) sees them all.
            pg.sql(
                "vault",
                `CREATE TABLE secrets (id int PRIMARY KEY, tenant text NOT NULL, body text NOT NULL);
                 ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
                 ALTER TABLE secrets FORCE ROW LEVEL SECURITY;
                 CREATE POLICY tenant_only ON secrets USING (tenant = current_setting('app.tenant', true));
                 INSERT INTO secrets SELECT g, 'tenant-' || (g % 3), md5(g::text) FROM generate_series(1, 300) g;
                 CREATE TABLE documents (id int PRIMARY KEY, content oid NOT NULL);
                 INSERT INTO documents VALUES (1, lo_from_bytea(0, convert_to(repeat('before the role setup ', 2000), 'UTF8')));`,
            );
            ok(spawnSync(script(ROLE_SCRIPT), [], { encoding: "utf8", env: { PATH: basePath, HOME: work, ADMIN_URL: pg.url("vault"), ...backupRoles(), BACKUP_ROLE_PASSWORD: "backup-pw" } }), "create-roles.sh (kind backup) on vault");
            // Created after the role's setup: no grant covers it yet.
            pg.sql("vault", "INSERT INTO documents VALUES (2, lo_from_bytea(0, '\\x00ff10'::bytea || convert_to('after the role setup', 'UTF8')));");

            const backup = await run(script("backup-postgres.sh"), [], { env: backupEnv({ POSTGRES_URL: pg.url("vault", "runbook_backup", "backup-pw"), BACKUP_PREFIX: "vault" }) });
            assert.strictEqual(backup.status, 0, backup.stderr);
            assert.match(backup.stderr, /granted the backup role read access to 1 new large object/);
            const drill = await run(script("restore-drill.sh"), [], { env: drillEnv({ BACKUP_PREFIX: "vault", DRILL_DATABASE: "vault_drill", DRILL_RESTORE_JOBS: "1", DRILL_KEEP_DATABASE: "true", DRILL_MIN_ROWS: "secrets=300" }) });
            assert.strictEqual(drill.status, 0, drill.stderr);
            const content = (db: string) =>
                pg.sql(db, "SELECT (SELECT count(*) || ':' || md5(string_agg(s::text, '|' ORDER BY id)) FROM secrets s), (SELECT string_agg(d.id || '=' || md5(lo_get(d.content)), ',' ORDER BY d.id) FROM documents d);").trim();
            assert.strictEqual(content("vault_drill"), content("vault"), "every row behind the policy and both large objects came back");
            assert.strictEqual(pg.sql("vault_drill", "SELECT count(*) FROM pg_namespace WHERE nspname = 'runbook_backup'").trim(), "0", "the backup role's helper is not in the dump");
            pg.sql("postgres", "DROP DATABASE vault_drill;");
        });

        it("#1: with an admin that is no superuser (as RDS's master user), large objects are still dumped; a table with row-level security fails the role's setup, naming the table and the fix", async () => {
            pg.sql("postgres", "CREATE ROLE rds_admin LOGIN CREATEROLE CREATEDB PASSWORD 'rds-admin-pw'; CREATE DATABASE rdsapp OWNER rds_admin;");
            const asAdmin = (sql: string) =>
                ok(spawnSync(pg.psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.url("rdsapp", "rds_admin", "rds-admin-pw")], { encoding: "utf8", input: sql }), sql.slice(0, 60));
            asAdmin("CREATE TABLE files (id int PRIMARY KEY, content oid); INSERT INTO files VALUES (1, lo_from_bytea(0, convert_to('owned by the master user', 'UTF8')));");
            const setup = () =>
                spawnSync(script(ROLE_SCRIPT), [], { encoding: "utf8", env: { PATH: basePath, HOME: work, ADMIN_URL: pg.url("rdsapp", "rds_admin", "rds-admin-pw"), ...backupRoles("rds_backup"), BACKUP_ROLE_PASSWORD: "rds-backup-pw" } });
            const first = setup();
            assert.strictEqual(first.status, 0, first.stderr);
            assert.match(first.stderr, /WARNING: role rds_backup cannot be given BYPASSRLS/);
            asAdmin("INSERT INTO files VALUES (2, lo_from_bytea(0, convert_to('added later', 'UTF8')));");
            const backup = await run(script("backup-postgres.sh"), [], { env: backupEnv({ POSTGRES_URL: pg.url("rdsapp", "rds_backup", "rds-backup-pw"), BACKUP_PREFIX: "rdsapp" }) });
            assert.strictEqual(backup.status, 0, backup.stderr);
            const drill = await run(script("restore-drill.sh"), [], { env: drillEnv({ BACKUP_PREFIX: "rdsapp", DRILL_DATABASE: "rdsapp_drill", DRILL_KEEP_DATABASE: "true" }) });
            assert.strictEqual(drill.status, 0, drill.stderr);
            assert.strictEqual(pg.sql("rdsapp_drill", "SELECT string_agg(convert_from(lo_get(content), 'UTF8'), ',' ORDER BY id) FROM files").trim(), "owned by the master user,added later");
            pg.sql("postgres", "DROP DATABASE rdsapp_drill;");

            asAdmin("CREATE TABLE tenants (id int); ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;");
            const refused = setup();
            assert.strictEqual(refused.status, 1);
            assert.match(refused.stderr, /FAILED: role rds_backup cannot be given BYPASSRLS .*tables with row-level security without it: tenants\. Have a superuser run ALTER ROLE rds_backup BYPASSRLS/);
        });

        it("#4: runs started in the same second each promote their own object, and a failing one removes only its own temporary object", async () => {
            // Start all three at the top of a second, so that their names share it.
            let results: RunResult[] = [];
            for (let attempt = 0; attempt < 3; attempt++) {
                await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
                const before = new Set(await tinyKeys());
                results = await Promise.all([
                    run(script("backup-postgres.sh"), [], { env: tinyBackup() }),
                    run(script("backup-postgres.sh"), [], { env: tinyBackup() }),
                    run(script("backup-postgres.sh"), [], { env: tinyBackup({ POSTGRES_URL: pg.url(TINY, "runbook_backup", "wrong-pw") }) }),
                ]);
                const added = (await tinyKeys()).filter((k) => !before.has(k));
                assert.strictEqual(results[0].status, 0, results[0].stderr);
                assert.strictEqual(results[1].status, 0, results[1].stderr);
                assert.strictEqual(results[2].status, 1, "the run with the wrong password fails");
                assert.strictEqual(added.length, 2, `each good run promoted its own object: ${added.join(", ")}`);
                const [a, b] = added.map((k) => /(\d{8}T\d{6}Z)-/.exec(k)![1]);
                if (a === b) {
                    assert.deepStrictEqual(await listKeys("incoming/"), [], "no temporary object is left");
                    return;
                }
            }
            assert.fail("three attempts never started two runs in the same second");
        });

        it("#5: an object named in the future is skipped (RPO never negative); --key, --before and DRILL_BACKUP_KEY restore an older backup when the newest is damaged", async () => {
            // One backup a second later than those of the same-second test.
            await nextSecond();
            ok(await run(script("backup-postgres.sh"), [], { env: tinyBackup() }), "backup-postgres.sh");
            const keys = await tinyKeys();
            assert.ok(keys.length >= 2, `two backups at least: ${keys.join(", ")}`);
            const [older, newest] = [keys[0], keys[keys.length - 1]];
            const future = `${TINY}/${stampIn(3600)}-0123abcd.pgdump.zst.age`;
            await promotedCopy(newest, future);
            try {
                const skipped = await run(script("restore-drill.sh"), [], { env: tinyDrill() });
                assert.strictEqual(skipped.status, 0, skipped.stderr);
                assert.match(skipped.stderr, new RegExp(`WARNING: skipping ${future.replace(/\./g, "\\.")}: it is named in the future`));
                assert.match(skipped.stderr, new RegExp(`restoring s3://\\S+/${newest.replace(/\./g, "\\.")} \\(\\d+s old\\)`));
                const rpo = pushgateway.lastMetrics(`/job/${DRILL_PUSH_JOB}/datastore/postgres`)[DRILL_METRICS.rpoSeconds];
                assert.ok(rpo >= 0, `RPO ${rpo} is not negative`);
                const refused = await run(script("restore-drill.sh"), ["--key", future], { env: tinyDrill() });
                assert.strictEqual(refused.status, 1);
                assert.match(refused.stderr, /is named in the future .*its RPO would be negative/);
            } finally {
                await removeObject(future);
            }

            // The newest is damaged: the drill fails on it, and falls back on request.
            const file = s3.objectFile(BUCKET, newest);
            const original = fs.readFileSync(file);
            const damaged = Buffer.from(original);
            damaged[Math.floor(damaged.length / 2)] ^= 0xff;
            fs.writeFileSync(file, damaged);
            try {
                const plain = await run(script("restore-drill.sh"), [], { env: tinyDrill() });
                assert.strictEqual(plain.status, 1);
                assert.match(plain.stderr, /checksum mismatch/);
                const byKey = await run(script("restore-drill.sh"), ["--key", older], { env: tinyDrill() });
                assert.strictEqual(byKey.status, 0, byKey.stderr);
                assert.match(byKey.stderr, new RegExp(`drill PASSED: restored ${older.replace(/\./g, "\\.")}`));
                const byName = await run(script("restore-drill.sh"), [], { env: tinyDrill({ DRILL_BACKUP_KEY: path.basename(older) }) });
                assert.strictEqual(byName.status, 0, byName.stderr);
                const stamp = /(\d{8}T\d{6}Z)-/.exec(newest)![1];
                const before = await run(script("restore-drill.sh"), [`--before=${stamp}`], { env: tinyDrill() });
                assert.strictEqual(before.status, 0, before.stderr);
                assert.match(before.stderr, /drill PASSED: restored tiny\/\d{8}T\d{6}Z-/);
                assert.doesNotMatch(before.stderr, new RegExp(stamp), "nothing named at or after --before is taken");
                const none = await run(script("restore-drill.sh"), ["--before", "2000-01-01 00:00 UTC"], { env: tinyDrill() });
                assert.strictEqual(none.status, 1);
                assert.match(none.stderr, /no promoted postgres backup under s3:\/\/\S+\/tiny\/ named before 20000101T000000Z/);
                const both = await run(script("restore-drill.sh"), ["--key", older, "--before", stamp], { env: tinyDrill() });
                assert.strictEqual(both.status, 1);
                assert.match(both.stderr, /^Usage: /m);
                assert.match(both.stderr, /exclude each other/);
            } finally {
                fs.writeFileSync(file, original);
            }
        });

        it("#6: no password is ever on a command line: the role setups (backup and app roles), the backup and the drill pass them to psql, pg_dump and pg_restore through the environment", async () => {
            const argvLog = path.join(work, "pg-argv.log");
            fs.rmSync(argvLog, { force: true });
            // Each stand-in records the command line it was given, then runs the real tool.
            const recorder = (tool: string) => `printf '%s\\n' "${tool} $*" >> ${argvLog}\nexec ${PG_BIN}/${tool} "$@"`;
            const bin = binWith("argv-bin", { psql: recorder("psql"), pg_dump: recorder("pg_dump"), pg_restore: recorder("pg_restore") });
            const PATH = `${bin}:${basePath}`;
            const role = spawnSync(script(ROLE_SCRIPT), [], { encoding: "utf8", env: { PATH, HOME: work, ADMIN_URL: pg.url(TINY), ...backupRoles(), BACKUP_ROLE_PASSWORD: "backup-pw" } });
            assert.strictEqual(role.status, 0, role.stderr);
            const appRoles = spawnSync("bash", [script(ROLE_SCRIPT)], { encoding: "utf8", env: { PATH, HOME: work, ADMIN_URL: pg.url(TINY), ROLES: "runbook_migrate:migrate runbook_app:app", MIGRATE_ROLE_PASSWORD: "migrate-pw", APP_ROLE_PASSWORD: "app-pw" } });
            assert.strictEqual(appRoles.status, 0, appRoles.stderr);
            const backup = await run(script("backup-postgres.sh"), [], { env: tinyBackup({ PATH }) });
            assert.strictEqual(backup.status, 0, backup.stderr);
            const drill = await run(script("restore-drill.sh"), [], { env: tinyDrill({ PATH, DRILL_RESTORE_JOBS: "1" }) });
            assert.strictEqual(drill.status, 0, drill.stderr);
            const lines = fs.readFileSync(argvLog, "utf8").trim().split("\n");
            for (const tool of ["psql", "pg_dump", "pg_restore"]) assert.ok(lines.some((l) => l.startsWith(`${tool} `)), `${tool} ran: ${lines.join("\n")}`);
            for (const secret of [pg.password, "backup-pw", "migrate-pw", "app-pw"]) {
                assert.deepStrictEqual(lines.filter((l) => l.includes(secret)), [], `no command line holds ${secret}`);
            }
        });

        it("#8: a TERM stops a backup at once, mid-dump: its children are gone, nothing is left in the bucket, the failure is pushed", async () => {
            const pidFile = path.join(work, "slow-dump.pid");
            fs.rmSync(pidFile, { force: true });
            const bin = binWith("slow-dump-bin", { pg_dump: `echo $$ > ${pidFile}\nhead -c 200000 /dev/urandom\nexec sleep 300` });
            let pid = 0;
            const started = Date.now();
            const running = run(script("backup-postgres.sh"), [], { env: tinyBackup({ PATH: `${bin}:${basePath}` }), timeoutMs: 60000, onStart: (p) => (pid = p) });
            await waitFor("the dump to start", () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8").trim() !== "");
            const dumpPid = Number(fs.readFileSync(pidFile, "utf8"));
            const termAt = Date.now();
            process.kill(pid, "SIGTERM");
            const r = await running;
            const stoppedIn = (Date.now() - termAt) / 1000;
            assert.strictEqual(r.status, 143, `exit ${r.status} after ${(Date.now() - started) / 1000}s\n${r.stderr}`);
            assert.ok(stoppedIn < 15, `stopped ${stoppedIn}s after the TERM, within the pod's 30 s grace period`);
            assert.match(r.stderr, /received a signal: stopping[\s\S]*backup of postgres FAILED \(exit 143\)/);
            await waitFor("the dump to stop with the script", () => !alive(dumpPid), 5000);
            assert.deepStrictEqual(await listKeys("incoming/"), [], "no temporary object is left");
            assert.strictEqual(pushgateway.lastMetrics(`/job/${BACKUP_PUSH_JOB}/datastore/postgres`)[BACKUP_METRICS.lastRunSuccess], 0);
        });

        it("#8: a TERM stops a drill at once, mid-restore: pg_restore is gone and the scratch database dropped", async () => {
            const pidFile = path.join(work, "slow-restore.pid");
            fs.rmSync(pidFile, { force: true });
            const bin = binWith("slow-restore-bin", { pg_restore: `echo $$ > ${pidFile}\nexec sleep 300` });
            let pid = 0;
            const running = run(script("restore-drill.sh"), [], { env: tinyDrill({ PATH: `${bin}:${basePath}`, DRILL_RESTORE_JOBS: "2", DRILL_DATABASE: "term_drill" }), timeoutMs: 60000, onStart: (p) => (pid = p) });
            await waitFor("the restore to start", () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8").trim() !== "");
            const restorePid = Number(fs.readFileSync(pidFile, "utf8"));
            const termAt = Date.now();
            process.kill(pid, "SIGTERM");
            const r = await running;
            assert.strictEqual(r.status, 143, r.stderr);
            assert.ok((Date.now() - termAt) / 1000 < 15, "stopped within the grace period");
            assert.match(r.stderr, /received a signal: stopping[\s\S]*drill of postgres FAILED \(exit 143\)/);
            await waitFor("pg_restore to stop with the script", () => !alive(restorePid), 5000);
            assert.strictEqual(pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'term_drill'").trim(), "0");
        });

        it("#8: a full disk is reported as a full disk, at the step it stopped (download, or decompression for pg_restore -j), never as a wrong key", async function () {
            if (process.getuid?.() !== 0) {
                console.log("      skipped: mounting a size-limited tmpfs needs root");
                this.skip();
            }
            const size = (await headObject(goodKey)).ContentLength;
            const mountpoint = fs.mkdtempSync(path.join(work, "small-disk-"));
            const mount = (bytes: number) => ok(spawnSync("mount", ["-t", "tmpfs", "-o", `size=${Math.ceil(bytes / 4096) * 4096}`, "tmpfs", mountpoint], { encoding: "utf8" }), "mount tmpfs");
            const umount = () => spawnSync("umount", [mountpoint]);
            try {
                // Room for the download, not for the decompressed dump (several times larger).
                mount(size + 256 * 1024);
                const decompress = await run(script("restore-drill.sh"), [], { env: drillEnv({ BACKUP_WORK_DIR: mountpoint, DRILL_DATABASE: "full_drill" }) });
                assert.strictEqual(decompress.status, 1);
                assert.match(decompress.stderr, /FAILED: no space left in BACKUP_WORK_DIR \(.*\) while decompressing postgres\/\S+: give the drill more scratch space, or restore with DRILL_RESTORE_JOBS=1/);
                assert.doesNotMatch(decompress.stderr, /wrong key/);
                umount();
                mount(size / 2);
                const download = await run(script("restore-drill.sh"), [], { env: drillEnv({ BACKUP_WORK_DIR: mountpoint, DRILL_DATABASE: "full_drill" }) });
                assert.strictEqual(download.status, 1);
                assert.match(download.stderr, /FAILED: no space left in BACKUP_WORK_DIR \(.*\) while downloading postgres\/\S+/);
            } finally {
                umount();
            }
        });

        describe("issue 17 (#2, #7, #9, #10, #11, restore speed): what a restore carries, checks that prove the data whole, large objects, generations, MongoDB's point in time", () => {
            /** A second server holding nothing but what the tests put there: the drill's scratch sidecar, or a new server for a real restore. */
            const fresh = new TestPostgres();
            const onFresh = (database: string) => fresh.url(database);
            const manifestOf = (key: string) => key.replace(/\.pgdump\.zst\.age$/, ".manifest.tar.zst.age");
            const newestOf = async (prefix: string) => (await listKeys(`${prefix}/`)).filter((k) => backupName(prefix, "pgdump").test(k)).pop()!;
            const backupOf = (database: string, extra: NodeJS.ProcessEnv = {}) =>
                run(script("backup-postgres.sh"), [], { env: backupEnv({ POSTGRES_URL: pg.url(database, "runbook_backup", "backup-pw"), BACKUP_PREFIX: database, ...extra }) });
            const roleSetup = (database: string) =>
                ok(spawnSync(script(ROLE_SCRIPT), [], { encoding: "utf8", env: { PATH: basePath, HOME: work, ADMIN_URL: pg.url(database), ...backupRoles(), BACKUP_ROLE_PASSWORD: "backup-pw" } }), `create-roles.sh (kind backup) on ${database}`);
            const databases = (server: TestPostgres, like: string) => server.sql("postgres", `SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE '${like}';`).trim();

            before(async function () {
                await fresh.start(this);
                // An application's database as a DBA sets it up: an owner role, a reader with a setting of
                // its own, the database's settings and comment, grants and default privileges.
                pg.sql(
                    "postgres",
                    `CREATE ROLE app_owner NOLOGIN; CREATE ROLE app_reader LOGIN PASSWORD 'reader-pw';
                     CREATE DATABASE grants OWNER app_owner;
                     ALTER DATABASE grants SET search_path = app, public;
                     COMMENT ON DATABASE grants IS 'the shop, with its grants';
                     ALTER ROLE app_reader IN DATABASE grants SET statement_timeout = '5s';`,
                );
                pg.sql(
                    "grants",
                    `SET ROLE app_owner;
                     CREATE SCHEMA app;
                     CREATE TABLE app.orders (id int PRIMARY KEY, total int NOT NULL);
                     INSERT INTO app.orders SELECT g, g FROM generate_series(1, 500) g;
                     GRANT USAGE ON SCHEMA app TO app_reader;
                     GRANT SELECT ON app.orders TO app_reader;
                     ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO app_reader;
                     CREATE TABLE app.invoices AS SELECT g AS id, g * 2 AS amount FROM generate_series(1, 50) g;`,
                );
                roleSetup("grants");
            });
            after(() => fresh.stop());

            it("#2, BK-6: the backup carries the roles, owners, GRANTs, default privileges, ALTER DATABASE ... SET and the database comment: docs/recovery.md's restore (the manifest's globals.sql, then pg_restore --create) brings every one back on a new server", async () => {
                await nextSecond();
                const backup = await backupOf("grants");
                assert.strictEqual(backup.status, 0, backup.stderr);
                const key = await newestOf("grants");
                // docs/recovery.md, "PostgreSQL": the manifest's roles first, then the dump with --create.
                const restore = await run(
                    "bash",
                    [
                        "-c",
                        `set -euo pipefail; cd "$(mktemp -d "${work}/doc-restore.XXXXXX")"
                         for obj in "${key}" "${manifestOf(key)}"; do
                           aws --endpoint-url "$S3_ENDPOINT_URL" s3 cp --only-show-errors "s3://$S3_BUCKET/$obj" "$(basename "$obj")"
                           test "$(sha256sum "$(basename "$obj")" | cut -d' ' -f1)" = \\
                                "$(aws --endpoint-url "$S3_ENDPOINT_URL" s3api head-object --bucket "$S3_BUCKET" --key "$obj" --query Metadata.sha256 --output text)"
                         done
                         age -d -i "$AGE_IDENTITY_FILE" "$(basename "${manifestOf(key)}")" | zstd -q -d | tar -xf - globals.sql
                         psql -X -q -d "$ADMIN/postgres" -f globals.sql 2> roles.err || true
                         age -d -i "$AGE_IDENTITY_FILE" "$(basename "${key}")" | zstd -q -d -o backup.pgdump
                         pg_restore --dbname="$ADMIN/postgres" --create --exit-on-error backup.pgdump`,
                    ],
                    { env: { ...baseEnv(), AGE_IDENTITY_FILE: identityFile, AWS_DEFAULT_REGION: "auto", ADMIN: `postgres://runbook_admin@127.0.0.1:${fresh.port}`, PGPASSWORD: fresh.password } },
                );
                assert.strictEqual(restore.status, 0, restore.stderr);
                const q = (db: string, sql: string) => fresh.sql(db, sql).trim();
                assert.strictEqual(q("postgres", "SELECT string_agg(rolname || ':' || rolcanlogin, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('app_owner', 'app_reader', 'runbook_backup');"), "app_owner:false,app_reader:true,runbook_backup:true", "the roles");
                assert.strictEqual(q("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'grants';"), "app_owner", "the database's owner");
                assert.strictEqual(q("postgres", "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'grants';"), "the shop, with its grants", "the database's comment");
                assert.strictEqual(
                    q("postgres", "SELECT string_agg(coalesce(pg_get_userbyid(nullif(setrole, 0)), '*') || '=' || array_to_string(setconfig, ';'), ',' ORDER BY 1) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = 'grants';"),
                    "*=search_path=app, public,app_reader=statement_timeout=5s",
                    "ALTER DATABASE ... SET and ALTER ROLE ... IN DATABASE ... SET",
                );
                assert.strictEqual(q("grants", "SELECT string_agg(tablename || ':' || tableowner, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'app';"), "invoices:app_owner,orders:app_owner", "the owners");
                assert.strictEqual(q("grants", "SELECT has_table_privilege('app_reader', 'app.orders', 'SELECT') AND has_table_privilege('app_reader', 'app.invoices', 'SELECT') AND NOT has_table_privilege('app_reader', 'app.orders', 'INSERT');"), "t", "the GRANTs");
                assert.strictEqual(q("grants", "SELECT count(*) FROM pg_default_acl WHERE defaclrole = 'app_owner'::regrole;"), "1", "the default privileges");
                // What a restore must redo (docs/recovery.md): the passwords, which only a superuser may read.
                assert.strictEqual(q("postgres", "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'app_reader';"), "t", "no password hash came along");
                fresh.sql("postgres", "DROP DATABASE grants;");
            });

            it("#2, BK-6, BK-8: the drill restores the backup's roles first onto a scratch-only server, then owners and privileges, and DRILL_APP_ROLE must read every table as itself: a lost GRANT fails it", async () => {
                const drillGrants = (extra: NodeJS.ProcessEnv = {}) =>
                    run(script("restore-drill.sh"), [], {
                        env: drillEnv({ DRILL_POSTGRES_URL: onFresh("postgres"), BACKUP_PREFIX: "grants", DRILL_DATABASE: "grants_drill", DRILL_RESTORE_JOBS: "1", DRILL_APP_ROLE: "app_reader", ...extra }),
                    });
                const passed = await drillGrants({ DRILL_KEEP_DATABASE: "true" });
                assert.strictEqual(passed.status, 0, passed.stderr);
                assert.match(passed.stderr, /restored the backup's roles/);
                assert.match(passed.stderr, /check passed: the app role app_reader reads every table/);
                assert.strictEqual(fresh.sql("grants_drill", "SELECT tableowner FROM pg_tables WHERE tablename = 'orders';").trim(), "app_owner", "owners came back");
                fresh.sql("postgres", "DROP DATABASE grants_drill;");

                // On a server that holds other databases, the drill creates no role, so it cannot vouch for the app's access.
                const shared = await drillGrants({ DRILL_POSTGRES_URL: pg.url("postgres") });
                assert.strictEqual(shared.status, 1);
                assert.match(shared.stderr, /holds other databases than scratch ones: restoring no role[\s\S]*the app role app_reader cannot be checked/);

                pg.sql("grants", "REVOKE SELECT ON app.invoices FROM app_reader;");
                try {
                    await nextSecond();
                    ok(await backupOf("grants"), "backup without the grant");
                    const lost = await drillGrants();
                    assert.strictEqual(lost.status, 1);
                    assert.match(lost.stderr, /check failed: the app role app_reader cannot read what it needs after the restore: .*permission denied for table invoices/);
                } finally {
                    pg.sql("grants", "GRANT SELECT ON app.invoices TO app_reader;");
                }
            });

            it("#7, BK-6, BK-7, OB-6: the drill checks the largest tables' row counts: equal to what the backup counted in its dump's snapshot, at least 0.9 of the previous backup's; and the newest row's age: a wiped table, a lossy restore and stale data each fail it; the backup pushes the previous backup's size", async () => {
                pg.sql("postgres", "CREATE DATABASE counts;");
                pg.sql(
                    "counts",
                    `CREATE TABLE events (id int PRIMARY KEY, created_at timestamptz NOT NULL, body text);
                     INSERT INTO events SELECT g, now() - g * interval '1 second', md5(g::text) FROM generate_series(1, 2000) g;
                     CREATE TABLE tags (id int PRIMARY KEY, name text);
                     INSERT INTO tags SELECT g, 'tag' || g FROM generate_series(1, 50) g;`,
                );
                roleSetup("counts");
                await nextSecond();
                ok(await backupOf("counts"), "first backup of counts");
                const first = await newestOf("counts");
                const drillCounts = (extra: NodeJS.ProcessEnv = {}) =>
                    run(script("restore-drill.sh"), [], { env: drillEnv({ DRILL_POSTGRES_URL: onFresh("postgres"), BACKUP_PREFIX: "counts", DRILL_DATABASE: "counts_drill", ...extra }) });

                const whole = await drillCounts({ DRILL_RESTORE_JOBS: "1", DRILL_NEWEST_ROW: "events.created_at" });
                assert.strictEqual(whole.status, 0, whole.stderr);
                assert.match(whole.stderr, /check passed: public\.events has 2000 rows, as the backup counted/);
                assert.match(whole.stderr, /check passed: public\.tags has 50 rows, as the backup counted/);
                assert.match(whole.stderr, /check passed: the newest events\.created_at is \d+s old \(<= 86400s\)/);

                // A restore that lost a table's rows (pg_restore told to skip them) fails against the backup's own count.
                const lossy = binWith("lossy-restore-bin", {
                    pg_restore: `last="\${@: -1}"\nif [ -f "$last" ]; then "${PG_BIN}/pg_restore" -l "$last" | grep -v 'TABLE DATA public events' > "${work}/lossy.list"; exec "${PG_BIN}/pg_restore" --use-list="${work}/lossy.list" "$@"; fi\nexec "${PG_BIN}/pg_restore" "$@"`,
                });
                const lost = await drillCounts({ PATH: `${lossy}:${basePath}`, DRILL_RESTORE_JOBS: "2" });
                assert.strictEqual(lost.status, 1);
                assert.match(lost.stderr, /check failed: public\.events has 0 rows after the restore; the backup counted 2000 in its dump's snapshot/);

                // Data older than the RPO target allows.
                const stale = await drillCounts({ DRILL_RESTORE_JOBS: "1", DRILL_NEWEST_ROW: "public.events.created_at", DRILL_MAX_ROW_AGE_SECONDS: "1" });
                assert.strictEqual(stale.status, 1);
                assert.match(stale.stderr, /check failed: the newest public\.events\.created_at is \d+s old when the drill started, more than 1s/);

                // Most rows wiped before the next backup: the backup is whole, the data is not.
                pg.sql("counts", "DELETE FROM events WHERE id > 100;");
                await nextSecond();
                const second = await backupOf("counts");
                assert.strictEqual(second.status, 0, second.stderr);
                const metrics = pushgateway.lastMetrics(`/job/${BACKUP_PUSH_JOB}/datastore/postgres/stack/it`);
                assert.strictEqual(metrics[BACKUP_METRICS.previousSizeBytes], (await headObject(first)).ContentLength, "the backup pushes the size of the one before it");
                assert.ok(metrics[BACKUP_METRICS.sizeBytes] < metrics[BACKUP_METRICS.previousSizeBytes], "and its own, smaller");
                const wiped = await drillCounts({ DRILL_RESTORE_JOBS: "1" });
                assert.strictEqual(wiped.status, 1);
                assert.match(wiped.stderr, /check passed: public\.events has 100 rows, as the backup counted/);
                assert.match(wiped.stderr, new RegExp(`check failed: public\\.events has 100 rows, under 0\\.9 of the 2000 it held in the previous backup \\(${first.replace(/\./g, "\\.")}\\)`));
                const lenient = await drillCounts({ DRILL_RESTORE_JOBS: "1", DRILL_ROW_COUNT_FRACTION: "0.05" });
                assert.strictEqual(lenient.status, 0, lenient.stderr);
            });

            it("#9, BK-1: the upload is told the stream's largest size (--expected-size, from the database's size), which a stream over 50 GB needs", async () => {
                const argv = path.join(work, "aws-argv.log");
                fs.rmSync(argv, { force: true });
                const bin = binWith("aws-argv-bin", { aws: `printf '%s\\n' "$*" >> ${argv}\nexec ${aws} "$@"` });
                await nextSecond();
                const r = await run(script("backup-postgres.sh"), [], { env: tinyBackup({ PATH: `${bin}:${basePath}` }) });
                assert.strictEqual(r.status, 0, r.stderr);
                const upload = fs.readFileSync(argv, "utf8").split("\n").find((l) => / s3 cp .* - s3:\/\/\S+\/incoming\//.test(l));
                assert.ok(upload, "the streamed upload ran");
                const expected = Number(/--expected-size (\d+)/.exec(upload!)?.[1]);
                assert.ok(expected >= Number(pg.sql(TINY, "SELECT pg_database_size('tiny');").trim()), `--expected-size ${expected} bounds the database's size: ${upload}`);
            });

            it("#9, BK-1, BK-3: an object over the single-copy limit is promoted by a multipart copy (UploadPartCopy, part by part), against an S3 server that implements it, behind the SigV4-checking proxy; the copy decrypts to the very bytes dumped", async function () {
                const implementation = multipartCopyS3rver();
                if (implementation === undefined) {
                    if (process.env.CI === "true") throw new Error("@20minutes/s3rver is not installed (a devDependency)");
                    console.log("      skipped: @20minutes/s3rver, an S3 server with UploadPartCopy, is not installed");
                    this.skip();
                }
                const server = new TestS3(implementation);
                await server.start([BUCKET]);
                const copies: string[] = [];
                const proxy = await server.verifyingProxy((req) => {
                    const range = req.headers["x-amz-copy-source-range"];
                    if (range) copies.push(`${req.method} ${decodeURIComponent(req.url ?? "")} ${range}`);
                });
                const dumped = path.join(work, "dumped.bin");
                const bin = binWith("big-dump-bin", { mongodump: `head -c ${12 * 1024 * 1024} /dev/urandom | tee ${dumped}` });
                const MiB5 = String(5 * 1024 * 1024);
                try {
                    const r = await run(script("backup-mongodb.sh"), [], {
                        env: {
                            ...baseEnv(),
                            PATH: `${bin}:${basePath}`,
                            S3_ENDPOINT_URL: proxy.endpoint,
                            AWS_ACCESS_KEY_ID: server.accessKeyId,
                            AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
                            AGE_RECIPIENT: recipient,
                            MONGODB_URI: "mongodb://backup:pw@127.0.0.1:27017/",
                            BACKUP_PREFIX: "big",
                            BACKUP_SINGLE_COPY_LIMIT: MiB5,
                            BACKUP_COPY_PART_SIZE: MiB5,
                        },
                    });
                    assert.strictEqual(r.status, 0, r.stderr);
                    assert.match(r.stderr, /copied incoming\/big\/\S+ to big\/\S+ in 3 parts of 5242880 bytes \(multipart copy\)/);
                    assert.strictEqual(copies.length, 3, copies.join("\n"));
                    copies.forEach((c, i) => assert.match(c, new RegExp(`^PUT /${BUCKET}/big/\\S+\\?\\S*partNumber=${i + 1}\\b\\S* bytes=${i * 5242880}-${i < 2 ? (i + 1) * 5242880 - 1 : "\\d+"}$`)));
                    assert.strictEqual(proxy.rejected(), 0, "every request, the part copies too, is signed correctly");
                    const list = await run(aws, ["--endpoint-url", server.endpoint, "s3api", "list-objects-v2", "--bucket", BUCKET, "--query", "Contents[].Key", "--output", "json"], { env: baseEnv() });
                    const keys = JSON.parse(ok(list, "list")) as string[];
                    const key = keys.find((k) => backupName("big", "archive").test(k))!;
                    assert.deepStrictEqual(keys.filter((k) => k.startsWith("incoming/")), [], "the temporary object is gone");
                    const head = JSON.parse(ok(await run(aws, ["--endpoint-url", server.endpoint, "s3api", "head-object", "--bucket", BUCKET, "--key", key], { env: baseEnv() }), "head")) as { ContentLength: number; Metadata: Record<string, string> };
                    const bytes = fs.readFileSync(server.objectFile(BUCKET, key));
                    assert.ok(bytes.length > 10 * 1024 * 1024 && bytes.length === head.ContentLength, `the object (${bytes.length} bytes) is whole`);
                    assert.strictEqual(head.Metadata.sha256, crypto.createHash("sha256").update(bytes).digest("hex"), "its metadata carries its SHA-256");
                    const plain = spawnSync("sh", ["-c", `age -d -i '${identityFile}' '${server.objectFile(BUCKET, key)}' | zstd -q -d`], { maxBuffer: 64 * 1024 * 1024 });
                    assert.ok(plain.stdout.equals(fs.readFileSync(dumped)), "the copy decrypts to the very bytes dumped");
                } finally {
                    proxy.close();
                    await server.stop();
                }
            });

            it("#10, BK-2, BK-4: the first backup of each month is copied to monthly/<prefix>/ with its manifest, once; when every daily backup has expired, the drill restores the monthly copy", async () => {
                const monthly = { BACKUP_MONTHLY_PREFIX: `monthly/${TINY}` };
                await nextSecond();
                const first = await run(script("backup-postgres.sh"), [], { env: tinyBackup(monthly) });
                assert.strictEqual(first.status, 0, first.stderr);
                const name = path.basename(await newestOf(TINY));
                assert.match(first.stderr, /the first backup of \d{4}-\d{2}: copied to s3:\/\/\S+\/monthly\/tiny\//);
                assert.deepStrictEqual(await listKeys(`monthly/${TINY}/`), [`monthly/${TINY}/${manifestOf(name)}`, `monthly/${TINY}/${name}`].sort());
                assert.strictEqual((await headObject(`monthly/${TINY}/${name}`)).Metadata.sha256, (await headObject(`${TINY}/${name}`)).Metadata.sha256);
                await nextSecond();
                const second = await run(script("backup-postgres.sh"), [], { env: tinyBackup(monthly) });
                assert.strictEqual(second.status, 0, second.stderr);
                assert.doesNotMatch(second.stderr, /copied to s3:\/\/\S+\/monthly\//, "a month gets one copy");
                assert.strictEqual((await listKeys(`monthly/${TINY}/`)).length, 2);

                // Backups stopped, and the daily prefix's lifecycle expired them all.
                for (const key of await listKeys(`${TINY}/`)) await removeObject(key);
                const drill = await run(script("restore-drill.sh"), [], { env: tinyDrill() });
                assert.strictEqual(drill.status, 0, drill.stderr);
                assert.match(drill.stderr, new RegExp(`restoring s3://\\S+/monthly/tiny/${name.replace(/\./g, "\\.")}`));
            });

            it("restore speed, BK-7: with DRILL_RESTORE_JOBS=1 the download streams into the restore and no copy of the object touches the disk; a checksum that does not match drops what was restored", async function () {
                const newest = (await newestBackup())!;
                const size = (await headObject(newest)).ContentLength;
                if (process.getuid?.() === 0) {
                    const mountpoint = fs.mkdtempSync(path.join(work, "tiny-disk-"));
                    ok(spawnSync("mount", ["-t", "tmpfs", "-o", `size=${Math.max(4096, Math.floor(size / 8 / 4096) * 4096)}`, "tmpfs", mountpoint], { encoding: "utf8" }), "mount tmpfs");
                    try {
                        const r = await run(script("restore-drill.sh"), [], { env: drillEnv({ BACKUP_WORK_DIR: mountpoint, DRILL_RESTORE_JOBS: "1", DRILL_DATABASE: "small_disk_drill" }) });
                        assert.strictEqual(r.status, 0, `a scratch space an eighth of the ${size}-byte object is enough\n${r.stderr}`);
                    } finally {
                        spawnSync("umount", [mountpoint]);
                    }
                } else {
                    console.log("      (the small-disk half needs root to mount a tmpfs)");
                }
                // The object's bytes are a good backup, but not the ones its metadata vouches for.
                const stray = `stream/${path.basename(newest)}`;
                ok(await run(aws, ["--endpoint-url", s3.endpoint, "s3api", "copy-object", "--bucket", BUCKET, "--copy-source", `${BUCKET}/${newest}`, "--key", stray, "--metadata", `sha256=${"0".repeat(64)},datastore=postgres`, "--metadata-directive", "REPLACE"], { env: baseEnv() }), "copy");
                try {
                    const r = await run(script("restore-drill.sh"), [], { env: drillEnv({ BACKUP_PREFIX: "stream", DRILL_RESTORE_JOBS: "1", DRILL_DATABASE: "stream_drill" }) });
                    assert.strictEqual(r.status, 1);
                    assert.match(r.stderr, /checksum mismatch for stream\/\S+: metadata says 0{64}, the object hashes to [0-9a-f]{64}; the backup is corrupted, and its restore was dropped/);
                    assert.strictEqual(databases(pg, "stream_drill%"), "", "neither the restore nor its unverified copy is left");
                } finally {
                    await removeObject(stray);
                }
            });

            it("#11, BK-1, BK-6: the MongoDB drill restores the full dump, then replays every oplog capture taken after it, in order, each verified (mongorestore --oplogReplay --oplogFile; stand-ins, no mongod runs here); a gap between captures fails it", async () => {
                const log = path.join(work, "mongorestore.log");
                fs.rmSync(log, { force: true });
                const bin = binWith("pitr-bin", {
                    // The stand-in dumps say what they are; mongorestore records what it was asked to apply.
                    mongodump: `case " $* " in *" --out=- "*) printf 'OPLOG %s\\n' "$FAKE_LABEL" ;; *) printf 'FULL %s\\n' "$FAKE_LABEL" ;; esac`,
                    mongorestore: [
                        `line="$*"`,
                        `for a in "$@"; do case "$a" in --archive=*|--oplogFile=*) line="$line | $(cat "\${a#*=}")" ;; --config=*) grep -q '^uri: "mongodb://drill:s3cr%40t@' "\${a#*=}" || line="$line | NO URI" ;; esac; done`,
                        `printf '%s\\n' "$line" >> ${log}`,
                    ].join("\n"),
                });
                const env = (extra: NodeJS.ProcessEnv) => ({ ...baseEnv(), PATH: `${bin}:${basePath}`, AGE_RECIPIENT: recipient, MONGODB_URI: "mongodb://backup:pw@127.0.0.1:27017/", ...extra });
                const capture = async (label: string) => ok(await run(script("backup-mongodb-oplog.sh"), [], { env: env({ BACKUP_PREFIX: "pitr-oplog", FAKE_LABEL: label }) }), `capture ${label}`);
                await capture("before the full dump");
                await nextSecond();
                ok(await run(script("backup-mongodb.sh"), [], { env: env({ BACKUP_PREFIX: "pitr-mongodb", FAKE_LABEL: "F1" }) }), "full");
                await nextSecond();
                await capture("O1");
                await nextSecond();
                await capture("O2");
                const captures = (await listKeys("pitr-oplog/")).filter((k) => backupName("pitr-oplog", "oplog.bson").test(k));
                const drill = () =>
                    run(script("restore-drill.sh"), [], {
                        env: { ...baseEnv(), PATH: `${bin}:${basePath}`, AGE_IDENTITY_FILE: identityFile, DRILL_DATASTORE: "mongodb", BACKUP_PREFIX: "pitr-mongodb", DRILL_OPLOG_PREFIX: "pitr-oplog", DRILL_MONGODB_URI: "mongodb://drill:s3cr%40t@127.0.0.1:27017/" },
                    });
                const drillStarted = Date.now() / 1000;
                const r = await drill();
                assert.strictEqual(r.status, 0, r.stderr);
                const calls = fs.readFileSync(log, "utf8").trim().split("\n");
                assert.strictEqual(calls.length, 3, calls.join("\n"));
                assert.match(calls[0], /--archive=\S+ --oplogReplay --drop .*\| FULL F1$/);
                assert.match(calls[1], /--oplogReplay --oplogFile=\S+ --dir=\S+ .*\| OPLOG O1$/);
                assert.match(calls[2], /--oplogReplay --oplogFile=\S+ --dir=\S+ .*\| OPLOG O2$/);
                assert.ok(!calls.some((c) => c.includes("s3cr")), "the URI's password is on no command line");
                assert.match(r.stderr, new RegExp(`replayed 2 oplog capture\\(s\\) after the full backup, up to ${captures[2].replace(/\./g, "\\.")}`));
                const rpo = pushgateway.lastMetrics(`/job/${DRILL_PUSH_JOB}/datastore/mongodb`)[DRILL_METRICS.rpoSeconds];
                const stampSeconds = (key: string) => {
                    const m = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(key)!;
                    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
                };
                const full = (await listKeys("pitr-mongodb/")).find((k) => backupName("pitr-mongodb", "archive").test(k))!;
                assert.ok(Math.abs(rpo - (drillStarted - stampSeconds(captures[2]))) <= 2, `the RPO (${rpo}) is the last capture's age`);
                assert.ok(rpo < drillStarted - stampSeconds(full) - 1, `not the full dump's (${drillStarted - stampSeconds(full)})`);

                // O2's window starts after O1 ended: writes in between are in no capture.
                const since = Math.floor(Date.now() / 1000) + 10;
                const sha = (await headObject(captures[2])).Metadata.sha256;
                ok(await run(aws, ["--endpoint-url", s3.endpoint, "s3api", "copy-object", "--bucket", BUCKET, "--copy-source", `${BUCKET}/${captures[2]}`, "--key", captures[2], "--metadata", `sha256=${sha},datastore=mongodb-oplog,oplog-since=${since}`, "--metadata-directive", "REPLACE"], { env: baseEnv() }), "gap");
                const gap = await drill();
                assert.strictEqual(gap.status, 1);
                assert.match(gap.stderr, new RegExp(`oplog gap: ${captures[2].replace(/\./g, "\\.")} starts at .*, after what was restored ends`));
            });
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
            const keys = (await listKeys("redis/")).filter((k) => backupName("redis", "rdb").test(k));
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
            const keys = (await listKeys("mongodb/")).filter((k) => backupName("mongodb", "archive").test(k));
            assert.strictEqual(keys.length, 1);
        });

        it("BK-1: backup-mongodb-oplog.sh dumps local.oplog.rs from one window (65 minutes) ago", async () => {
            await nextSecond();
            const started = Math.floor(Date.now() / 1000);
            const r = await run(script("backup-mongodb-oplog.sh"), [], { env: mongoEnv() });
            assert.strictEqual(r.status, 0, r.stderr);
            const args = fs.readFileSync(argsFile, "utf8").trim().split("\n");
            // Raw BSON (--out=-), the oplog file mongorestore --oplogReplay --oplogFile replays: it takes no local.oplog.rs from an archive.
            assert.ok(args.includes("--db=local") && args.includes("--collection=oplog.rs") && args.includes("--out=-"), args.join(" "));
            const query = args.find((a) => a.startsWith("--query="))!;
            const since = Number(/"t": (\d+)/.exec(query)?.[1]);
            assert.ok(Math.abs(since - (started - 3900)) <= 5, `the window starts 3900 s ago: ${query}`);
            assert.strictEqual((await listKeys("mongodb-oplog/")).filter((k) => /\.oplog\.bson\.zst\.age$/.test(k)).length, 1);
            assert.strictEqual((await headObject((await listKeys("mongodb-oplog/"))[0])).Metadata["oplog-since"], String(since), "its metadata says where its window starts");
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

    describe("the replica: a second copy of every backup at another site, with its own credentials (BK-3, BK-4, BK-8)", function () {
        // Two backups and their copies per test, each aws call a process of its own: slow on a busy machine.
        this.timeout(600000);
        const REPLICA_BUCKET = "runbook-it-replica";
        const SOURCE = "replica_src";
        /** s3rver checks only the access key ID; the secret differs from the primary's, so a leak is findable. */
        const REPLICA_SECRET = "replica-s3cret-7f3a";
        const replica = new TestS3();
        const replicaEnv = (endpoint: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
            backupEnv({
                POSTGRES_URL: pg.url(SOURCE, "runbook_backup", "backup-pw"),
                BACKUP_PREFIX: SOURCE,
                REPLICA_S3_ENDPOINT_URL: endpoint,
                REPLICA_S3_BUCKET: REPLICA_BUCKET,
                REPLICA_AWS_ACCESS_KEY_ID: replica.accessKeyId,
                REPLICA_AWS_SECRET_ACCESS_KEY: REPLICA_SECRET,
                REPLICA_S3_REGION: "eu-central-1",
                ...extra,
            });
        const keysIn = async (server: TestS3, bucket: string, prefix: string): Promise<string[]> => {
            const r = await run(aws, ["--endpoint-url", server.endpoint, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix, "--query", "Contents[].Key", "--output", "json"], { env: baseEnv() });
            return ((JSON.parse(ok(r, "list-objects-v2") || "null") as string[] | null) ?? []).sort();
        };
        const backupsIn = async (server: TestS3, bucket: string) => (await keysIn(server, bucket, `${SOURCE}/`)).filter((k) => backupName(SOURCE, "pgdump").test(k));
        const metrics = () => pushgateway.lastMetrics(`/job/${BACKUP_PUSH_JOB}/datastore/postgres/stack/it`);
        /** Seconds since the epoch of an object name's timestamp. */
        const stampOf = (key: string) => {
            const m = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(key)!;
            return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
        };
        let firstReplicated: string;

        before(async () => {
            await replica.start([REPLICA_BUCKET]);
            pg.sql("postgres", `CREATE DATABASE ${SOURCE};`);
            pg.sql(SOURCE, "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, 'secret-note-' || g FROM generate_series(1, 500) g;");
            ok(spawnSync(script(ROLE_SCRIPT), [], { encoding: "utf8", env: { PATH: basePath, HOME: work, ADMIN_URL: pg.url(SOURCE), ...backupRoles(), BACKUP_ROLE_PASSWORD: "backup-pw" } }), "create-roles.sh (kind backup) on the replica's source");
        });
        after(async () => {
            await replica.stop().catch(() => undefined);
        });

        it("BK-3, BK-4, SC-1: a promoted backup and its manifest land in both buckets, byte for byte, still encrypted; the copy is verified and promoted there too; no credential is on any command line", async () => {
            const argv = path.join(work, "replica-aws-argv.log");
            fs.rmSync(argv, { force: true });
            const bin = path.join(work, "replica-argv-bin");
            fs.mkdirSync(bin, { recursive: true });
            fs.writeFileSync(path.join(bin, "aws"), `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> ${argv}\nexec ${aws} "$@"\n`, { mode: 0o755 });
            await nextSecond();
            const r = await run(script("backup-postgres.sh"), [], { env: replicaEnv(replica.endpoint, { PATH: `${bin}:${basePath}` }) });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stderr, /replicated to s3:\/\/runbook-it-replica\/replica_src\//);
            const [primaryKey] = await backupsIn(s3, BUCKET);
            assert.deepStrictEqual(await backupsIn(replica, REPLICA_BUCKET), [primaryKey], "the replica holds the very backup the primary promoted");
            firstReplicated = primaryKey;
            const manifest = primaryKey.replace(/\.pgdump\.zst\.age$/, ".manifest.tar.zst.age");
            assert.deepStrictEqual(await keysIn(replica, REPLICA_BUCKET, ""), [manifest, primaryKey], "its manifest is beside it, and no temporary object is left");
            for (const key of [primaryKey, manifest]) {
                const here = fs.readFileSync(s3.objectFile(BUCKET, key));
                const there = fs.readFileSync(replica.objectFile(REPLICA_BUCKET, key));
                assert.ok(there.equals(here), `${key}: the replica's bytes are the primary's`);
                assert.ok(there.subarray(0, 40).toString("latin1").startsWith("age-encryption.org/v1"), `${key}: still age-encrypted`);
            }
            assert.ok(!fs.readFileSync(replica.objectFile(REPLICA_BUCKET, primaryKey)).includes(Buffer.from("secret-note-")), "no plaintext row reached the replica");
            const head = JSON.parse(ok(await run(aws, ["--endpoint-url", replica.endpoint, "s3api", "head-object", "--bucket", REPLICA_BUCKET, "--key", primaryKey], { env: baseEnv() }), "head")) as { Metadata: Record<string, string> };
            assert.strictEqual(head.Metadata.sha256, (await headObject(primaryKey)).Metadata.sha256, "the replica's copy carries the SHA-256 recorded at the backup");
            assert.strictEqual(head.Metadata.sha256, crypto.createHash("sha256").update(fs.readFileSync(replica.objectFile(REPLICA_BUCKET, primaryKey))).digest("hex"));

            const m = metrics();
            assert.strictEqual(m[BACKUP_METRICS.lastRunSuccess], 1);
            assert.strictEqual(m[BACKUP_REPLICA_METRICS.lastRunSuccess], 1);
            assert.ok(Math.abs(m[BACKUP_REPLICA_METRICS.lastSuccessTimestamp] - Date.now() / 1000) < 120, "the replica's last success is now");
            assert.strictEqual(m[BACKUP_REPLICA_METRICS.lagSeconds], 0, "the replica holds the newest backup");

            const lines = fs.readFileSync(argv, "utf8").trim().split("\n");
            assert.ok(lines.some((l) => l.includes(replica.endpoint)), "aws reached the replica");
            for (const secret of [REPLICA_SECRET, s3.secretAccessKey, "backup-pw"]) {
                assert.deepStrictEqual(lines.filter((l) => l.includes(secret)), [], `no aws command line holds ${secret}`);
            }
        });

        it("BK-3, BK-6: the drill restores from the replica as it does from the primary (docs/recovery.md): same layout, same metadata", async () => {
            const r = await run(script("restore-drill.sh"), [], {
                env: drillEnv({ S3_ENDPOINT_URL: replica.endpoint, S3_BUCKET: REPLICA_BUCKET, AWS_SECRET_ACCESS_KEY: REPLICA_SECRET, BACKUP_PREFIX: SOURCE, DRILL_DATABASE: "replica_drill", DRILL_MIN_ROWS: "notes=500", DRILL_KEEP_DATABASE: "true" }),
            });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stderr, new RegExp(`drill PASSED: restored ${firstReplicated.replace(/\./g, "\\.")}`));
            assert.strictEqual(pg.sql("replica_drill", "SELECT count(*) FROM notes;").trim(), "500");
        });

        it("BK-3, OB-6: with the replica down, the backup is still promoted and the job exits 0; the failure is pushed (replica_last_run_success 0, no new success time, no lag)", async () => {
            const closed = await freePort();
            await nextSecond();
            const before = await backupsIn(s3, BUCKET);
            const r = await run(script("backup-postgres.sh"), [], { env: replicaEnv(`http://127.0.0.1:${closed}`) });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stderr, /WARNING: the replica copy of replica_src\/\S+ to s3:\/\/runbook-it-replica\/ FAILED .*the backup itself is promoted/);
            const after = await backupsIn(s3, BUCKET);
            assert.strictEqual(after.length, before.length + 1, "the primary backup is promoted");
            assert.deepStrictEqual(await keysIn(s3, BUCKET, "incoming/"), []);
            assert.deepStrictEqual(await backupsIn(replica, REPLICA_BUCKET), [firstReplicated], "nothing new reached the replica");
            const m = metrics();
            assert.strictEqual(m[BACKUP_METRICS.lastRunSuccess], 1, "the backup itself succeeded");
            assert.strictEqual(m[BACKUP_REPLICA_METRICS.lastRunSuccess], 0);
            assert.strictEqual(m[BACKUP_REPLICA_METRICS.lastSuccessTimestamp], undefined, "the last replica success time is not replaced");
            assert.strictEqual(m[BACKUP_REPLICA_METRICS.lagSeconds], undefined, "an unreachable replica's lag is unknown, not 0");
        });

        it("BK-8: the replica is written with its own credentials: a wrong replica secret is refused by the replica's SigV4 check, while the primary, with its own, promotes", async () => {
            const proxy = await replica.verifyingProxy();
            try {
                await nextSecond();
                const before = await backupsIn(s3, BUCKET);
                const r = await run(script("backup-postgres.sh"), [], { env: replicaEnv(proxy.endpoint, { REPLICA_AWS_SECRET_ACCESS_KEY: "not-the-replica-secret" }) });
                assert.strictEqual(r.status, 0, r.stderr);
                assert.ok(proxy.rejected() > 0, "the replica refused the wrong secret");
                assert.strictEqual((await backupsIn(s3, BUCKET)).length, before.length + 1);
                assert.strictEqual(metrics()[BACKUP_REPLICA_METRICS.lastRunSuccess], 0);
                const good = await run(script("backup-postgres.sh"), [], { env: replicaEnv(proxy.endpoint, { REPLICA_AWS_SECRET_ACCESS_KEY: replica.secretAccessKey }) });
                assert.strictEqual(good.status, 0, good.stderr);
                assert.strictEqual(metrics()[BACKUP_REPLICA_METRICS.lastRunSuccess], 1, "with the replica's own secret, the copy succeeds");
                assert.strictEqual(metrics()[BACKUP_REPLICA_METRICS.lagSeconds], 0);
            } finally {
                proxy.close();
            }
        });

        it("BK-3, OB-6: when the copy fails but the replica answers, the lag is the primary's newest backup less the replica's newest, from their names; a cut upload leaves nothing behind", async () => {
            const cut = await replica.cuttingProxy(`/${REPLICA_BUCKET}/incoming/`, 2000, () => undefined);
            try {
                await nextSecond();
                await nextSecond();
                const r = await run(script("backup-postgres.sh"), [], { env: replicaEnv(cut.endpoint, { REPLICA_AWS_SECRET_ACCESS_KEY: replica.secretAccessKey }) });
                assert.strictEqual(r.status, 0, r.stderr);
                assert.ok(cut.cuts() > 0, "the upload to the replica was cut");
                const newestPrimary = (await backupsIn(s3, BUCKET)).pop()!;
                const newestReplica = (await backupsIn(replica, REPLICA_BUCKET)).pop()!;
                assert.notStrictEqual(newestReplica, newestPrimary);
                const m = metrics();
                assert.strictEqual(m[BACKUP_REPLICA_METRICS.lastRunSuccess], 0);
                const lag = stampOf(newestPrimary) - stampOf(newestReplica);
                assert.ok(lag >= 2, `the lag is real: ${lag}`);
                assert.strictEqual(m[BACKUP_REPLICA_METRICS.lagSeconds], lag);
                assert.deepStrictEqual(await keysIn(replica, REPLICA_BUCKET, "incoming/"), [], "no temporary object is left on the replica");
                assert.ok(!(await keysIn(replica, REPLICA_BUCKET, `${SOURCE}/`)).includes(newestPrimary.replace(/\.pgdump\.zst\.age$/, ".manifest.tar.zst.age")), "nor the manifest of a dump that did not get there");
            } finally {
                cut.close();
            }
        });
    });
});
