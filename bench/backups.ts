import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SCRATCH_POSTGRES_SETTINGS } from "../components/backup/backupSpec";
import { PG_BIN, TestPostgres, TestS3, run } from "../test/helpers/servers";

const SCRIPTS = path.resolve(__dirname, "..", "..", "scripts", "backup");
const BUCKET = "bench-backups";

/**
 * Restore speed of the drill path against the runbook's (BK-7), on the same database in the same run:
 *
 * - baseline: 003's restore-postgres.sh, `gunzip | psql` of a plain SQL dump, into a server with
 *   PostgreSQL's default, durable settings (the runbook restores into a normal server);
 * - drill: what restore-drill.sh does by default, a custom-format dump decrypted (age) and
 *   decompressed (zstd) straight into `pg_restore --single-transaction`, into a server started with
 *   the drill's scratch settings (`SCRATCH_POSTGRES_SETTINGS`, the same constant its sidecar uses);
 * - the drill's method into the baseline's durable server, so the gain of the method and the gain of
 *   the server show apart (and what a real restore into a normal server can expect);
 * - the drill's other method, `pg_restore -j <cores>` from a decrypted file, into the scratch server;
 * - the floor (issue 17, "Restore speed"): COPY of the same rows, already decrypted and decompressed,
 *   into unlogged tables of the scratch server, then the index builds and the constraints (their
 *   validation is work every restore does): what no dump-and-reload can beat on this host;
 * - the drill itself: restore-drill.sh against an S3 server, the object made by backup-postgres.sh,
 *   its RTO as it measures it (download, SHA-256, decryption, restore), to compare with its restore alone.
 *
 * The two goals: the drill's restore within 1.2x of the floor, and the drill's RTO within 1.1x of its
 * restore alone (the download streams into the restore and is verified as it goes).
 *
 * BENCH_BACKUP_MB sets the database size (default 1024), BENCH_RESTORE_JOBS the parallel method's jobs
 * (default: the number of CPUs), BENCH_BACKUP_ROUNDS how many interleaved rounds run (default 1; the
 * fastest round of each restore is reported).
 */

function sh(script: string, env: NodeJS.ProcessEnv): number {
    const start = process.hrtime.bigint();
    const r = spawnSync("bash", ["-c", `set -euo pipefail; ${script}`], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`${script} exited ${r.status}:\n${r.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
}

/** postgresql.conf lines for a settings map. */
function confLines(settings: Readonly<Record<string, string>>): string[] {
    return Object.entries(settings).map(([k, v]) => `${k} = '${v}'`);
}

const skipper = { skip: () => { throw new Error("PostgreSQL 15 is not installed"); } } as unknown as Mocha.Context;

export async function benchBackups(): Promise<void> {
    const sizeMb = Number(process.env.BENCH_BACKUP_MB ?? 1024);
    const jobs = Number(process.env.BENCH_RESTORE_JOBS ?? os.cpus().length);
    const rounds = Math.max(1, Number(process.env.BENCH_BACKUP_ROUNDS ?? 1));
    for (const tool of ["age", "age-keygen", "zstd", "gzip"]) {
        if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
            console.log(`  backups: skipped, ${tool} is not installed`);
            return;
        }
    }
    // The runbook's target: PostgreSQL's defaults (the test helper turns fsync off; this turns it back on).
    const durable = new TestPostgres();
    const scratch = new TestPostgres();
    const s3 = new TestS3();
    try {
        await durable.start(skipper, ["fsync = on"]);
        await scratch.start(skipper, confLines(SCRATCH_POSTGRES_SETTINGS));
    } catch (e) {
        console.log(`  backups: skipped, ${(e as Error).message}`);
        durable.stop();
        scratch.stop();
        return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-bench-backups-"));
    const env = { ...process.env, PATH: `${PG_BIN}:${process.env.PATH}`, PGCONNECT_TIMEOUT: "10" };
    try {
        // A shop-like schema: wide rows, a foreign key and secondary indexes, as a restore rebuilds them.
        const rows = Math.max(1000, Math.round((sizeMb * 1024 * 1024) / 330));
        durable.sql("postgres", "CREATE DATABASE bench;");
        durable.sql(
            "bench",
            `CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name text NOT NULL);
             CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), total numeric(12,2) NOT NULL, status text NOT NULL, note text, created_at timestamptz NOT NULL);
             INSERT INTO customers SELECT g, 'c' || g || '@example.com', md5(g::text) FROM generate_series(1, ${Math.ceil(rows / 10)}) g;
             INSERT INTO orders SELECT g, 1 + g % ${Math.ceil(rows / 10)}, (g % 9973) * 1.01, (ARRAY['new','paid','shipped','returned'])[1 + g % 4], md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 31)::text), now() - g * interval '1 second' FROM generate_series(1, ${rows}) g;
             CREATE INDEX ON orders (customer_id);
             CREATE INDEX ON orders (created_at);
             CREATE INDEX ON orders (status, created_at);
             VACUUM ANALYZE;`,
        );
        const bytes = Number(durable.sql("bench", "SELECT pg_database_size('bench');").trim());
        const mb = bytes / 1024 / 1024;
        const keyFile = path.join(dir, "bench.agekey");
        sh(`age-keygen -o '${keyFile}' 2>/dev/null`, env);
        const recipient = spawnSync("age-keygen", ["-y", keyFile], { encoding: "utf8" }).stdout.trim();

        // The drill's backup, made by backup-postgres.sh into an S3 server (s3rver, in this process:
        // every command that reaches it runs asynchronously), and the same object on local disk.
        await s3.start([BUCKET]);
        const s3Env = { ...env, S3_ENDPOINT_URL: s3.endpoint, S3_BUCKET: BUCKET, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_DEFAULT_REGION: "auto", HOME: dir, TMPDIR: dir };
        const backup = await run(path.join(SCRIPTS, "backup-postgres.sh"), [], { env: { ...s3Env, POSTGRES_URL: durable.url("bench"), AGE_RECIPIENT: recipient, BACKUP_PREFIX: "postgres" }, timeoutMs: 3600_000 });
        if (backup.status !== 0) throw new Error(`backup-postgres.sh exited ${backup.status}:\n${backup.stderr}`);
        const listed = await run("aws", ["--endpoint-url", s3.endpoint, "s3api", "list-objects-v2", "--bucket", BUCKET, "--prefix", "postgres/", "--query", "Contents[].Key", "--output", "text"], { env: s3Env });
        const key = listed.stdout.split(/\s+/).find((k) => k.endsWith(".pgdump.zst.age"))!;
        fs.copyFileSync(s3.objectFile(BUCKET, key), `${dir}/bench.pgdump.zst.age`);
        // The runbook's backup, and the floor's input: each table's rows as COPY text, decrypted and decompressed.
        sh(`pg_dump --dbname='${durable.url("bench")}' | gzip > '${dir}/bench.sql.gz'`, env);
        for (const table of ["customers", "orders"]) sh(`psql -X -q -d '${durable.url("bench")}' -c "\\copy ${table} TO '${dir}/${table}.copy'"`, env);
        durable.sql("postgres", "DROP DATABASE bench;");

        const fresh = (pg: TestPostgres, db: string) => `psql -X -q -d '${pg.url("postgres")}' -c 'DROP DATABASE IF EXISTS ${db}' -c 'CREATE DATABASE ${db}'`;
        // restore-drill.sh with DRILL_RESTORE_JOBS > 1: decrypt and decompress to a file, then a parallel restore.
        const drill = (pg: TestPostgres, db: string) => () => {
            sh(fresh(pg, db), env);
            return sh(
                `age -d -i '${keyFile}' '${dir}/bench.pgdump.zst.age' | zstd -q -d -o '${dir}/${db}.pgdump' -f
                 pg_restore --dbname='${pg.url(db)}' --jobs=${jobs} --no-owner --no-acl --exit-on-error '${dir}/${db}.pgdump'
                 rm -f '${dir}/${db}.pgdump'`,
                env,
            );
        };
        // restore-drill.sh by default: one transaction, streamed from the decryption.
        const streamed = (pg: TestPostgres, db: string) => () => {
            sh(fresh(pg, db), env);
            return sh(
                `age -d -i '${keyFile}' '${dir}/bench.pgdump.zst.age' | zstd -q -d |
                 pg_restore --dbname='${pg.url(db)}' --single-transaction --no-owner --no-acl --exit-on-error`,
                env,
            );
        };
        // The floor: the rows straight into unlogged tables, then what the restore builds after its data.
        const floor = (pg: TestPostgres, db: string) => () => {
            sh(fresh(pg, db), env);
            fs.writeFileSync(
                `${dir}/floor.sql`,
                `CREATE UNLOGGED TABLE customers (id bigint NOT NULL, email text NOT NULL, name text NOT NULL);
                 CREATE UNLOGGED TABLE orders (id bigint NOT NULL, customer_id bigint NOT NULL, total numeric(12,2) NOT NULL, status text NOT NULL, note text, created_at timestamptz NOT NULL);
                 \\copy customers FROM '${dir}/customers.copy'
                 \\copy orders FROM '${dir}/orders.copy'
                 ALTER TABLE customers ADD PRIMARY KEY (id);
                 ALTER TABLE orders ADD PRIMARY KEY (id);
                 CREATE INDEX ON orders (customer_id);
                 CREATE INDEX ON orders (created_at);
                 CREATE INDEX ON orders (status, created_at);
                 ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers(id);
`.replace(/^ +/gm, ""),
            );
            return sh(`psql -X -q -v ON_ERROR_STOP=1 -d '${pg.url(db)}' -f '${dir}/floor.sql'`, env);
        };
        const runbook = (pg: TestPostgres, db: string) => () => {
            sh(fresh(pg, db), env);
            return sh(`gunzip -c '${dir}/bench.sql.gz' | psql -X -q -v ON_ERROR_STOP=1 -d '${pg.url(db)}' > /dev/null`, env);
        };
        const runs = [
            { label: "baseline  gunzip | psql (003 restore-postgres.sh) into a durable server", run: runbook(durable, "plain"), pg: durable, db: "plain" },
            { label: "drill     age | zstd | pg_restore --single-transaction into the scratch server", run: streamed(scratch, "drill"), pg: scratch, db: "drill" },
            { label: "          the drill's method into the durable server", run: streamed(durable, "drill_durable"), pg: durable, db: "drill_durable" },
            { label: `          age | zstd to a file, pg_restore -j ${jobs} into the scratch server`, run: drill(scratch, "parallel"), pg: scratch, db: "parallel" },
        ];
        runs.push({ label: "floor     COPY into unlogged tables, then the index builds and constraints (scratch server)", run: floor(scratch, "floor"), pg: scratch, db: "floor" });
        // The drill as it runs: its RTO, as it reports it (download, SHA-256, decryption, restore).
        const drillRto = async (): Promise<number> => {
            const r = await run(path.join(SCRIPTS, "restore-drill.sh"), [], {
                env: { ...s3Env, AGE_IDENTITY_FILE: keyFile, DRILL_POSTGRES_URL: scratch.url("postgres"), DRILL_DATABASE: "bench_drill", DRILL_RESTORE_JOBS: "1", DRILL_KEEP_DATABASE: "true" },
                timeoutMs: 3600_000,
            });
            const rto = /restored in ([0-9.]+)s/.exec(r.stderr)?.[1];
            if (r.status !== 0 || rto === undefined) throw new Error(`restore-drill.sh exited ${r.status}:\n${r.stderr}`);
            return Number(rto);
        };
        const best = runs.map(() => Infinity);
        let bestRto = Infinity;
        for (let round = 0; round < rounds; round++) {
            runs.forEach((r, i) => (best[i] = Math.min(best[i], r.run())));
            bestRto = Math.min(bestRto, await drillRto());
        }
        runs.push({ label: "drill RTO restore-drill.sh: download | sha256 + age | zstd | pg_restore, as it reports", run: () => bestRto, pg: scratch, db: "bench_drill" });
        best.push(bestRto);

        // Every restore holds the same rows (the per-table checks the drill runs, plus a checksum).
        const fingerprint = (pg: TestPostgres, db: string) =>
            pg.sql(db, "SELECT (SELECT count(*) FROM customers) || ':' || (SELECT count(*) || ':' || sum(hashtext(note)) FROM orders) || ':' || (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public');").trim();
        const prints = runs.map((r) => fingerprint(r.pg, r.db));
        const same = prints.every((p) => p === prints[0]);
        const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
        console.log(`restore benchmark (BK-7): a ${mb.toFixed(0)} MB PostgreSQL database, ${rows} orders, ${os.cpus().length} CPUs, load average ${load}, best of ${rounds} round(s)`);
        runs.forEach((r, i) => {
            const ratio = best[0] / best[i];
            console.log(`  ${r.label.padEnd(92)} ${best[i].toFixed(1).padStart(6)} s  ${(mb / best[i]).toFixed(1).padStart(6)} MB/s  ${ratio.toFixed(2)}x the baseline's speed`);
        });
        const [drillRestore, floorTime, rtoTime] = [best[1], best[runs.length - 2], best[runs.length - 1]];
        const restoreRatio = drillRestore / floorTime;
        const rtoRatio = rtoTime / drillRestore;
        console.log(`  the drill's restore / the floor:          ${restoreRatio.toFixed(2)}x (goal: within 1.2x) ${restoreRatio <= 1.2 ? "met" : "NOT met"}`);
        console.log(`  the drill's RTO / its restore alone:      ${rtoRatio.toFixed(2)}x (goal: within 1.1x) ${rtoRatio <= 1.1 ? "met" : "NOT met"}`);
        console.log(`  every restore holds the same rows and indexes: ${same ? "yes" : `NO (${prints.join(" / ")})`}`);
    } finally {
        durable.stop();
        scratch.stop();
        await s3.stop().catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
