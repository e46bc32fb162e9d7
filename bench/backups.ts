import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PG_BIN, TestPostgres } from "../test/helpers/servers";

/**
 * Restore speed of the drill path against the runbook's (BK-7): the same PostgreSQL database,
 * restored (1) as the restore drill does it, from a custom-format dump that is age-encrypted and
 * zstd-compressed, decrypted and decompressed, then `pg_restore -j N`, and (2) as 003's
 * restore-postgres.sh does it, `gunzip | psql` of a plain SQL dump. Same server, same run.
 * BENCH_BACKUP_MB sets the database size (default 1024); BENCH_RESTORE_JOBS the parallelism
 * (default 4).
 */

function sh(script: string, env: NodeJS.ProcessEnv): number {
    const start = process.hrtime.bigint();
    const r = spawnSync("bash", ["-c", `set -euo pipefail; ${script}`], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`${script} exited ${r.status}:\n${r.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function benchBackups(): Promise<void> {
    const sizeMb = Number(process.env.BENCH_BACKUP_MB ?? 1024);
    const jobs = Number(process.env.BENCH_RESTORE_JOBS ?? 4);
    for (const tool of ["age", "age-keygen", "zstd", "gzip"]) {
        if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
            console.log(`  backups: skipped, ${tool} is not installed`);
            return;
        }
    }
    const pg = new TestPostgres();
    const skipper = { skip: () => { throw new Error("PostgreSQL 15 is not installed"); } } as unknown as Mocha.Context;
    try {
        await pg.start(skipper, ["max_wal_size = '4GB'", "checkpoint_timeout = '30min'", "maintenance_work_mem = '256MB'", "synchronous_commit = off"]);
    } catch (e) {
        console.log(`  backups: skipped, ${(e as Error).message}`);
        pg.stop();
        return;
    }
    const dir = pg.dir;
    const env = { ...process.env, PATH: `${PG_BIN}:${process.env.PATH}`, PGCONNECT_TIMEOUT: "10" };
    try {
        // A shop-like schema: wide rows, a foreign key and secondary indexes, as a restore rebuilds them.
        const rows = Math.max(1000, Math.round((sizeMb * 1024 * 1024) / 330));
        pg.sql("postgres", "CREATE DATABASE bench;");
        pg.sql(
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
        const bytes = Number(pg.sql("bench", "SELECT pg_database_size('bench');").trim());
        const mb = bytes / 1024 / 1024;
        const key = path.join(dir, "bench.agekey");
        sh(`age-keygen -o '${key}' 2>/dev/null`, env);
        const recipient = spawnSync("age-keygen", ["-y", key], { encoding: "utf8" }).stdout.trim();
        const url = (db: string) => pg.url(db);

        // The two backups, as each path makes them.
        sh(`pg_dump --dbname='${url("bench")}' --format=custom --compress=0 | zstd -q -T0 -3 | age -r ${recipient} > '${dir}/bench.pgdump.zst.age'`, env);
        sh(`pg_dump --dbname='${url("bench")}' | gzip > '${dir}/bench.sql.gz'`, env);

        // Restores, interleaved into fresh databases.
        const drill = () =>
            sh(
                `psql -X -q -d '${url("postgres")}' -c 'DROP DATABASE IF EXISTS drill' -c 'CREATE DATABASE drill'
                 age -d -i '${key}' '${dir}/bench.pgdump.zst.age' | zstd -q -d -o '${dir}/bench.pgdump' -f
                 pg_restore --dbname='${url("drill")}' --jobs=${jobs} --no-owner --no-acl --exit-on-error '${dir}/bench.pgdump'
                 rm -f '${dir}/bench.pgdump'`,
                env,
            );
        const runbook = () =>
            sh(
                `psql -X -q -d '${url("postgres")}' -c 'DROP DATABASE IF EXISTS plain' -c 'CREATE DATABASE plain'
                 gunzip -c '${dir}/bench.sql.gz' | psql -X -q -v ON_ERROR_STOP=1 -d '${url("plain")}' > /dev/null`,
                env,
            );
        const baseline = runbook();
        const subject = drill();
        const same = pg.sql("postgres", "SELECT 1").trim() === "1" &&
            pg.sql("drill", "SELECT count(*) || ':' || sum(hashtext(note)) FROM orders;") === pg.sql("plain", "SELECT count(*) || ':' || sum(hashtext(note)) FROM orders;");
        console.log(`restore benchmark (BK-7): a ${mb.toFixed(0)} MB PostgreSQL database, ${rows} orders, ${require("os").cpus().length} CPUs`);
        console.log(`  baseline  gunzip | psql (003 restore-postgres.sh)             ${baseline.toFixed(1)} s  ${(mb / baseline).toFixed(1)} MB/s`);
        console.log(`  drill     age -d | zstd -d, pg_restore -j ${jobs} (custom format)   ${subject.toFixed(1)} s  ${(mb / subject).toFixed(1)} MB/s  = ${(baseline / subject).toFixed(2)}x faster (goal: 3x)`);
        console.log(`  both restores hold the same rows: ${same ? "yes" : "NO"}`);
    } finally {
        pg.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
