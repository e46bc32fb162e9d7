import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SCRATCH_POSTGRES_SETTINGS } from "../components/backup/backupSpec";
import { PG_BIN, TestPostgres } from "../test/helpers/servers";

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
 * - the drill's other method, `pg_restore -j <cores>` from a decrypted file, into the scratch server.
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
        const key = path.join(dir, "bench.agekey");
        sh(`age-keygen -o '${key}' 2>/dev/null`, env);
        const recipient = spawnSync("age-keygen", ["-y", key], { encoding: "utf8" }).stdout.trim();

        // The two backups, as each path makes them (the drill's as backup-postgres.sh does).
        sh(`pg_dump --dbname='${durable.url("bench")}' --format=custom --compress=0 | zstd -q -T0 -3 | age -r ${recipient} > '${dir}/bench.pgdump.zst.age'`, env);
        sh(`pg_dump --dbname='${durable.url("bench")}' | gzip > '${dir}/bench.sql.gz'`, env);
        durable.sql("postgres", "DROP DATABASE bench;");

        const fresh = (pg: TestPostgres, db: string) => `psql -X -q -d '${pg.url("postgres")}' -c 'DROP DATABASE IF EXISTS ${db}' -c 'CREATE DATABASE ${db}'`;
        // restore-drill.sh with DRILL_RESTORE_JOBS > 1: decrypt and decompress to a file, then a parallel restore.
        const drill = (pg: TestPostgres, db: string) => () => {
            sh(fresh(pg, db), env);
            return sh(
                `age -d -i '${key}' '${dir}/bench.pgdump.zst.age' | zstd -q -d -o '${dir}/${db}.pgdump' -f
                 pg_restore --dbname='${pg.url(db)}' --jobs=${jobs} --no-owner --no-acl --exit-on-error '${dir}/${db}.pgdump'
                 rm -f '${dir}/${db}.pgdump'`,
                env,
            );
        };
        // restore-drill.sh by default: one transaction, streamed from the decryption.
        const streamed = (pg: TestPostgres, db: string) => () => {
            sh(fresh(pg, db), env);
            return sh(
                `age -d -i '${key}' '${dir}/bench.pgdump.zst.age' | zstd -q -d |
                 pg_restore --dbname='${pg.url(db)}' --single-transaction --no-owner --no-acl --exit-on-error`,
                env,
            );
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
        const best = runs.map(() => Infinity);
        for (let round = 0; round < rounds; round++) runs.forEach((r, i) => (best[i] = Math.min(best[i], r.run())));

        // Every restore holds the same rows (the per-table checks the drill runs, plus a checksum).
        const fingerprint = (pg: TestPostgres, db: string) =>
            pg.sql(db, "SELECT (SELECT count(*) FROM customers) || ':' || (SELECT count(*) || ':' || sum(hashtext(note)) FROM orders) || ':' || (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public');").trim();
        const prints = runs.map((r) => fingerprint(r.pg, r.db));
        const same = prints.every((p) => p === prints[0]);
        const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
        console.log(`restore benchmark (BK-7): a ${mb.toFixed(0)} MB PostgreSQL database, ${rows} orders, ${os.cpus().length} CPUs, load average ${load}, best of ${rounds} round(s)`);
        runs.forEach((r, i) => {
            const ratio = best[0] / best[i];
            const goal = i === 1 ? " (goal: 3x)" : "";
            console.log(`  ${r.label.padEnd(84)} ${best[i].toFixed(1).padStart(6)} s  ${(mb / best[i]).toFixed(1).padStart(6)} MB/s  ${ratio.toFixed(2)}x${goal}`);
        });
        console.log(`  every restore holds the same rows and indexes: ${same ? "yes" : `NO (${prints.join(" / ")})`}`);
    } finally {
        durable.stop();
        scratch.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
