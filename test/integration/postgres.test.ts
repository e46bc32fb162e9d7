import * as assert from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DbParameter, databaseUrl, parameterGroupParameters, postgresSettings } from "../../components/database/postgresSettings";
import { freePort } from "../helpers/servers";
import { requireTool } from "../helpers/tools";

/*
 * A real PostgreSQL 15 on 127.0.0.1, configured with exactly the parameters the RDS parameter group
 * gets (postgresSettings → parameterGroupParameters), to prove what they promise: pg_stat_statements
 * loads and records statements, slow statements are logged (DB-4), connections without TLS are
 * refused, and the DATABASE_URL the component builds connects (ED-2, SC-3).
 */

const PG_BIN = "/usr/lib/postgresql/15/bin";
const TIMEOUT_MS = 30000;

/** The parameters the staging stack's RDS parameter group gets. */
const settings = postgresSettings({ engine: "postgres", engineVersion: "15", backupRetentionDays: 7, protect: false, replicaMultiAz: false }, { stack: "staging", isProduction: false });
const parameters = parameterGroupParameters(settings.slowQueryMs);

/**
 * Self-managed equivalents of the RDS parameters. rds.force_ssl=1 is what RDS implements with
 * ssl=on and TLS-only host rules; every other parameter is a plain postgresql.conf setting. An
 * RDS-only parameter this function does not know fails the test, so a new one cannot go unproven.
 */
function selfManagedConfig(params: DbParameter[]): { conf: string[]; forceSsl: boolean } {
    const conf: string[] = [];
    let forceSsl = false;
    for (const p of params) {
        if (p.name === "rds.force_ssl") forceSsl = p.value === "1";
        else if (p.name.startsWith("rds.")) throw new Error(`no self-managed equivalent for ${p.name}; map it here`);
        else conf.push(`${p.name} = '${p.value.replace(/'/g, "''")}'`);
    }
    return { conf, forceSsl };
}


function ok(r: SpawnSyncReturns<string>, what: string): string {
    if (r.error) throw r.error;
    assert.strictEqual(r.status, 0, `${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

describe("integration: PostgreSQL with the RDS parameter group's settings (DB-4, ED-2, SC-3)", function () {
    this.timeout(120000);
    const password = "p@ss:w/rd #%?&+=~"; // URL delimiters on purpose: the URL builder must encode them
    let dir: string;
    let dataDir: string;
    let logFile: string;
    let port: number;
    let psql: string;
    let pgCtl: string;
    /** Runs a server-side command as the unprivileged owner of the data directory. */
    let asOwner: (cmd: string, args: string[]) => SpawnSyncReturns<string>;
    let started = false;

    /** psql with a clean environment: no PG* variables, no ~/.postgresql root certificate. */
    const runPsql = (url: string, sql: string) =>
        spawnSync(psql, ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql], {
            encoding: "utf8",
            timeout: TIMEOUT_MS,
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, PGCONNECT_TIMEOUT: "5" },
        });
    const url = (database = "runbook") => databaseUrl({ username: "runbook_admin", password, host: "127.0.0.1", port, database });
    const plainUrl = () => url().replace("sslmode=require", "sslmode=disable");

    before(async function () {
        const initdb = requireTool(this, "initdb", "postgresql-15", [PG_BIN]);
        pgCtl = requireTool(this, "pg_ctl", "postgresql-15", [PG_BIN]);
        requireTool(this, "postgres", "postgresql-15", [PG_BIN]);
        psql = requireTool(this, "psql", "postgresql-client-15", [PG_BIN]);
        const openssl = requireTool(this, "openssl", "openssl");

        dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-pg-"));
        dataDir = path.join(dir, "data");
        logFile = path.join(dir, "postgres.log");
        port = await freePort();

        // PostgreSQL refuses to run as root: as root, run the server as the `postgres` user
        // (Debian's package creates it), or `nobody`, owning the temp dir.
        if (process.getuid?.() === 0) {
            const runuser = requireTool(this, "runuser", "util-linux");
            const user = spawnSync("id", ["-u", "postgres"]).status === 0 ? "postgres" : "nobody";
            const uid = Number(spawnSync("id", ["-u", user], { encoding: "utf8" }).stdout.trim());
            const gid = Number(spawnSync("id", ["-g", user], { encoding: "utf8" }).stdout.trim());
            fs.chownSync(dir, uid, gid);
            asOwner = (cmd, args) => spawnSync(runuser, ["-u", user, "--", cmd, ...args], { encoding: "utf8", timeout: TIMEOUT_MS, cwd: dir });
            ok(asOwner("touch", [path.join(dir, ".owned")]), `writing the temp dir as ${user}`);
        } else {
            asOwner = (cmd, args) => spawnSync(cmd, args, { encoding: "utf8", timeout: TIMEOUT_MS, cwd: dir });
        }

        const pwFile = path.join(dir, "pwfile");
        fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o644 });
        ok(asOwner(initdb, ["-D", dataDir, "-U", "runbook_admin", "--auth=scram-sha-256", `--pwfile=${pwFile}`, "-E", "UTF8", "--locale=C"]), "initdb");
        fs.rmSync(pwFile);

        // A self-signed certificate, as the server's TLS identity.
        const cert = path.join(dataDir, "server.crt");
        const key = path.join(dataDir, "server.key");
        ok(asOwner(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert]), "openssl");
        fs.chmodSync(key, 0o600);

        const { conf, forceSsl } = selfManagedConfig(parameters);
        assert.ok(forceSsl, "the parameter group forces TLS");
        fs.appendFileSync(
            path.join(dataDir, "postgresql.conf"),
            [
                "",
                "# runbook integration test",
                `listen_addresses = '127.0.0.1'`,
                `port = ${port}`,
                `unix_socket_directories = '${dir}'`,
                `ssl = on`,
                `ssl_cert_file = '${cert}'`,
                `ssl_key_file = '${key}'`,
                ...conf,
                "",
            ].join("\n"),
        );
        // rds.force_ssl=1: TLS-only host rules, and an explicit refusal of anything unencrypted.
        fs.writeFileSync(
            path.join(dataDir, "pg_hba.conf"),
            ["hostssl all all 127.0.0.1/32 scram-sha-256", "hostnossl all all 0.0.0.0/0 reject", ""].join("\n"),
        );

        ok(asOwner(pgCtl, ["-D", dataDir, "-l", logFile, "-w", "-t", "30", "start"]), "pg_ctl start");
        started = true;
        ok(runPsql(url("postgres"), "CREATE DATABASE runbook"), "CREATE DATABASE");
    });

    after(function () {
        if (dir === undefined) return;
        if (started) {
            const stop = asOwner(pgCtl, ["-D", dataDir, "-m", "immediate", "-w", "-t", "30", "stop"]);
            if (stop.status !== 0) {
                // Stop our postmaster (and only ours) by the PID it recorded.
                const pidFile = path.join(dataDir, "postmaster.pid");
                if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]), "SIGKILL");
            }
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("ED-2, SC-3: the DATABASE_URL built by databaseUrl() (sslmode=require, encoded password) connects over TLS", () => {
        assert.match(url(), /sslmode=require$/);
        const out = ok(runPsql(url(), "SELECT current_user, current_database(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "psql");
        assert.strictEqual(out.trim(), "runbook_admin|runbook|t");
    });

    it("ED-2: a connection without TLS is refused", () => {
        const r = runPsql(plainUrl(), "SELECT 1");
        assert.notStrictEqual(r.status, 0, "the unencrypted connection must fail");
        assert.match(r.stderr, /rejects connection .*no encryption/);
    });

    it("DB-4: pg_stat_statements is preloaded and records statements with track = all", () => {
        const settingsOut = ok(runPsql(url(), "SELECT current_setting('shared_preload_libraries') || ',' || current_setting('pg_stat_statements.track')"), "psql");
        assert.strictEqual(settingsOut.trim(), "pg_stat_statements,all");
        ok(runPsql(url(), "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"), "CREATE EXTENSION");
        ok(runPsql(url(), "SELECT count(*) AS runbook_marker_col FROM pg_class WHERE relname <> 'x'"), "marker query");
        const out = ok(runPsql(url(), "SELECT calls || '|' || query FROM pg_stat_statements WHERE query LIKE 'SELECT count(*) AS runbook_marker_col%'"), "psql");
        const [calls, query] = out.trim().split("|");
        assert.ok(Number(calls) >= 1, `the marker query is counted: ${out}`);
        assert.match(query, /relname <> \$1/, "constants are normalized, so one entry covers every call");
    });

    it(`DB-4: a statement slower than slowQueryMs (${settings.slowQueryMs} ms) is logged, a fast one is not`, async () => {
        const slowSeconds = (settings.slowQueryMs + 300) / 1000;
        const fastSeconds = settings.slowQueryMs / 10 / 1000;
        ok(runPsql(url(), `SELECT pg_sleep(${slowSeconds}), 'runbook_slow_marker'`), "slow query");
        ok(runPsql(url(), `SELECT pg_sleep(${fastSeconds}), 'runbook_fast_marker'`), "fast query");
        let log = "";
        for (let i = 0; i < 20 && !log.includes("runbook_slow_marker"); i++) {
            await new Promise((r) => setTimeout(r, 100));
            log = fs.readFileSync(logFile, "utf8");
        }
        const line = log.split("\n").find((l) => l.includes("runbook_slow_marker"));
        assert.ok(line, `the slow statement is in the log:\n${log}`);
        const duration = Number(/duration: ([\d.]+) ms/.exec(line)?.[1]);
        assert.ok(duration >= settings.slowQueryMs, `logged with its duration (${duration} ms)`);
        assert.ok(!log.includes("runbook_fast_marker"), "the fast statement is not logged");
    });
});
