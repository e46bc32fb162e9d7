import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { EXPORTER_ENV, POSTGRES_MONITOR_ROLE, monitorDsn } from "../../components/observability/exporters";
import { ROLE_SCRIPT, rolesEnv } from "../../components/database/roleJob";
import { redisServerArgs, renderRedisConf, PASSWORD_ENV } from "../../components/redis/redisSettings";
import { PlanFile, PlanResource } from "../../plan/model";
import { runbook } from "../helpers/cli";
import { PG_BIN, TestPostgres, freePort, ok } from "../helpers/servers";
import { requireTool } from "../helpers/tools";

/*
 * The data alerts against real exporters (DB-4, RD-2). Debian's postgres_exporter and redis_exporter
 * run against a real PostgreSQL 15 (TLS on, the monitoring role made by the role Job's own script)
 * and a real redis-server (the in-cluster redis.conf), configured with the env and args of the
 * containers the staging plan emits. Then:
 *   - every exporter metric and label that the planned data rules and dashboard queries read is in
 *     the exporters' real output;
 *   - a real Prometheus scrapes them with the planned `runbook-data` rule group, unchanged, and the
 *     alerts go pending or firing when the condition is made real (connections held open near a
 *     small max_connections; Redis filled to its maxmemory until it refuses writes), and not before;
 *   - with Redis gone, DatastoreMetricsMissing goes pending.
 * Debian ships postgres_exporter 0.11.1 and redis_exporter 1.45.0; the cluster pins newer releases
 * (exporters.ts) whose names for these metrics are the same. MongoDB cannot run here (no server), so
 * the Percona exporter's names are checked against its source instead (appMetrics.ts).
 */

const NAMESPACE_FROM_PLAN = (resources: PlanResource[]) => {
    const rule = resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
    return (rule.inputs as any).metadata.namespace as string;
};

interface Series {
    name: string;
    labels: Record<string, string>;
    value: number;
}

/** The Prometheus text format, one sample per line (the exporters never escape quotes in these labels). */
function parseExposition(text: string): Series[] {
    const out: Series[] = [];
    for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
        if (!m) continue;
        const labels: Record<string, string> = {};
        for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
        out.push({ name: m[1], labels, value: Number(m[3]) });
    }
    return out;
}

interface Selector {
    name: string;
    matchers: Array<{ label: string; op: string; value: string }>;
}

/** Every `metric{...}` selector in a PromQL expression. */
function selectors(expr: string): Selector[] {
    const found: Selector[] = [];
    for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
        const matchers = [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((x) => ({ label: x[1], op: x[2], value: JSON.parse(`"${x[3]}"`) as string }));
        found.push({ name: m[1], matchers });
    }
    return found;
}

/** Does a real series satisfy the selector's matchers? `namespace` is Prometheus' target label, not the exporter's. */
function satisfies(s: Series, sel: Selector): boolean {
    return sel.matchers.every(({ label, op, value }) => {
        if (label === "namespace") return true;
        const v = s.labels[label] ?? "";
        if (op === "=") return v === value;
        if (op === "!=") return v !== value;
        const re = new RegExp(`^(?:${value})$`);
        return op === "=~" ? re.test(v) : !re.test(v);
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function httpText(url: string): Promise<string> {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return res.text();
}

/** Polls until `check` returns a value, or fails with the last reason after `timeoutMs`. */
async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        await sleep(1000);
    }
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** A long-running process of this test, stopped in `after`. */
class Proc {
    log = "";
    constructor(readonly child: ChildProcess) {
        child.stdout?.on("data", (d) => (this.log += d));
        child.stderr?.on("data", (d) => (this.log += d));
    }
    static start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
        return new Proc(spawn(cmd, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["pipe", "pipe", "pipe"] }));
    }
    async stop(): Promise<void> {
        if (this.child.exitCode !== null || this.child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
        this.child.kill("SIGTERM");
        await Promise.race([exited, sleep(10000).then(() => this.child.kill("SIGKILL"))]);
    }
}

/** The plan's container of a workload, by container name. */
function containerOf(resources: PlanResource[], type: string, containerName: string): any {
    for (const r of resources.filter((x) => x.type === type)) {
        const c = ((r.inputs as any).spec?.template?.spec?.containers ?? []).find((x: any) => x.name === containerName);
        if (c) return c;
    }
    throw new Error(`no ${containerName} container in any ${type} of the plan`);
}

/** The container's env as a process gets it: literal values as planned, Secret references resolved by `secrets`. */
function envOf(container: any, secrets: Record<string, string>, override: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
        if (e.valueFrom?.secretKeyRef) {
            assert.ok(e.name in secrets, `the test has a value for the Secret-backed ${e.name}`);
            env[e.name] = secrets[e.name];
        } else env[e.name] = e.value;
    }
    return { ...env, ...override };
}

/** The container's args, listening on a loopback port of the test instead of the pod's port. */
function argsOf(container: any, listen: string): string[] {
    const args: string[] = container.args ?? [];
    assert.ok(args.some((a) => a.startsWith("--web.listen-address=")), "the planned container sets its listen address");
    return args.map((a) => (a.startsWith("--web.listen-address=") ? `--web.listen-address=${listen}` : a));
}

describe("integration: the data alerts against real exporters and Prometheus (DB-4, RD-2)", function () {
    this.timeout(900000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-exporters-"));
    const procs: Proc[] = [];
    const sleepers: Proc[] = [];
    const pg = new TestPostgres();
    let planned: PlanFile;
    let namespace: string;
    let dataGroup: { name: string; rules: Array<{ alert?: string; expr: string; for?: string }> };
    let dashboardExprs: string[];
    let pgExporterUrl = "";
    let redisExporterUrl = "";
    let prometheusUrl = "";
    let redisPort = 0;
    let redisServer: Proc | undefined;
    let redisCli = "";
    const redisPassword = "r3dis-Passw0rd-from-the-Secret";
    const monitorPassword = "m0nitor-Passw0rd";
    const MAXMEMORY = 4 * 1024 * 1024;

    const redisCmd = (args: string[], input?: string) =>
        spawnSync(redisCli, ["-h", "127.0.0.1", "-p", String(redisPort), ...args], { encoding: "utf8", input, env: { PATH: process.env.PATH, REDISCLI_AUTH: redisPassword }, timeout: 120000, maxBuffer: 64 * 1024 * 1024 });

    before(async function () {
        // Every tool first: with CI=true a missing one fails, elsewhere the suite is skipped.
        const pgExporter = requireTool(this, "prometheus-postgres-exporter", "prometheus-postgres-exporter");
        const redisExporter = requireTool(this, "prometheus-redis-exporter", "prometheus-redis-exporter");
        const prometheus = requireTool(this, "prometheus", "prometheus");
        const redisServerBin = requireTool(this, "redis-server", "redis-server");
        redisCli = requireTool(this, "redis-cli", "redis-tools");
        requireTool(this, "openssl", "openssl");
        requireTool(this, "bash", "bash");

        // The staging plan: PostgreSQL on RDS and in-cluster Redis, so both exporters and their rules.
        const planFile = path.join(tmp, "staging.json");
        const r = runbook("plan", "--stack", "staging", "--json", planFile);
        assert.strictEqual(r.status, 0, r.stderr);
        planned = JSON.parse(fs.readFileSync(planFile, "utf8"));
        namespace = NAMESPACE_FROM_PLAN(planned.resources);
        const rule = planned.resources.find((x) => x.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
        dataGroup = ((rule.inputs as any).spec.groups as any[]).find((g) => g.name === "runbook-data");
        assert.ok(dataGroup, "the plan has the runbook-data rule group");
        const dashboard = planned.resources.find((x) => x.type === "kubernetes:core/v1:ConfigMap" && (x.inputs as any).metadata?.labels?.grafana_dashboard === "1")!;
        dashboardExprs = (JSON.parse((dashboard.inputs as any).data["runbook.json"]).panels as any[]).flatMap((p) => (p.targets ?? []).map((t: any) => t.expr as string));

        // PostgreSQL 15 with a small max_connections (and no reserved slots, so the arithmetic is plain),
        // then TLS switched on with a throwaway certificate, as RDS requires it.
        await pg.start(this, ["max_connections = 20", "superuser_reserved_connections = 0"]);
        await pg.enableTls(this);

        // The monitoring role, made by the role Job's script from the planned ConfigMap, as the Job
        // runs it from its mount (twice: it is idempotent).
        const roleScripts = planned.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name === "observability-postgres-exporter-role-script");
        assert.ok(roleScripts, "the plan has the role script's ConfigMap");
        const mount = path.join(tmp, "role-scripts");
        fs.mkdirSync(mount);
        for (const [file, text] of Object.entries((roleScripts.inputs as { data: Record<string, string> }).data)) fs.writeFileSync(path.join(mount, file), text);
        const script = path.join(mount, ROLE_SCRIPT);
        for (const password of ["first-password", monitorPassword]) {
            ok(
                spawnSync("bash", [script], { encoding: "utf8", env: { PATH: `${PG_BIN}:${process.env.PATH}`, HOME: tmp, ADMIN_URL: pg.url("postgres"), MONITOR_ROLE_PASSWORD: password, ROLES: rolesEnv([{ name: POSTGRES_MONITOR_ROLE, kind: "monitor" }]) } }),
                "create-roles.sh (kind monitor)",
            );
        }

        // postgres_exporter with the planned Deployment's container env and args; the DSN the way the
        // program builds it from the admin URL (sslmode=require).
        const pgPort = await freePort();
        const pgContainer = containerOf(planned.resources, "kubernetes:apps/v1:Deployment", "postgres-exporter");
        const dsn = monitorDsn(pg.url("postgres"), POSTGRES_MONITOR_ROLE, monitorPassword);
        procs.push(Proc.start(pgExporter, argsOf(pgContainer, `127.0.0.1:${pgPort}`), envOf(pgContainer, { [EXPORTER_ENV.postgresDsn]: dsn })));
        pgExporterUrl = `http://127.0.0.1:${pgPort}/metrics`;

        // redis-server with the in-cluster redis.conf (a small maxmemory), the password as the kubelet passes it.
        redisPort = await freePort();
        const redisDir = path.join(tmp, "redis");
        fs.mkdirSync(redisDir);
        const conf = path.join(redisDir, "redis.conf");
        fs.writeFileSync(conf, renderRedisConf({ maxmemoryBytes: MAXMEMORY, port: redisPort, bind: "127.0.0.1", dir: redisDir }));
        redisServer = Proc.start(redisServerBin, redisServerArgs(conf).map((a) => a.replace(`$(${PASSWORD_ENV})`, redisPassword)));
        procs.push(redisServer);
        await eventually("redis-server to answer", 30000, async () => (redisCmd(["PING"]).stdout.trim() === "PONG" ? true : undefined));

        // redis_exporter with the planned sidecar's env and args; REDIS_ADDR differs only in the port.
        const exporterPort = await freePort();
        const redisContainer = containerOf(planned.resources, "kubernetes:apps/v1:StatefulSet", "redis-exporter");
        const plannedAddr = envOf(redisContainer, { [EXPORTER_ENV.redisPassword]: redisPassword })[EXPORTER_ENV.redisAddr];
        assert.strictEqual(plannedAddr, "redis://127.0.0.1:6379", "the sidecar reads Redis over the pod's loopback");
        procs.push(
            Proc.start(redisExporter, argsOf(redisContainer, `127.0.0.1:${exporterPort}`), envOf(redisContainer, { [EXPORTER_ENV.redisPassword]: redisPassword }, { [EXPORTER_ENV.redisAddr]: `redis://127.0.0.1:${redisPort}` })),
        );
        redisExporterUrl = `http://127.0.0.1:${exporterPort}/metrics`;

        // Prometheus scraping both, every 2 s, with the planned data rules. The operator's monitors add
        // `namespace` as a target label; the static targets here add the same label.
        const promPort = await freePort();
        const promDir = path.join(tmp, "prometheus");
        fs.mkdirSync(path.join(promDir, "data"), { recursive: true });
        fs.writeFileSync(path.join(promDir, "rules.yaml"), YAML.stringify({ groups: [dataGroup] }));
        fs.writeFileSync(
            path.join(promDir, "prometheus.yml"),
            YAML.stringify({
                global: { scrape_interval: "2s", evaluation_interval: "2s" },
                rule_files: ["rules.yaml"],
                scrape_configs: [
                    { job_name: "postgres-exporter", static_configs: [{ targets: [`127.0.0.1:${pgPort}`], labels: { namespace } }] },
                    { job_name: "redis-exporter", static_configs: [{ targets: [`127.0.0.1:${exporterPort}`], labels: { namespace } }] },
                ],
            }),
        );
        const promtool = requireTool(this, "promtool", "prometheus");
        ok(spawnSync(promtool, ["check", "config", path.join(promDir, "prometheus.yml")], { encoding: "utf8" }), "promtool check config");
        const prom = new Proc(
            spawn(prometheus, [`--config.file=${path.join(promDir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(promDir, "data")}`, `--web.listen-address=127.0.0.1:${promPort}`], { cwd: promDir, stdio: ["ignore", "pipe", "pipe"] }),
        );
        procs.push(prom);
        prometheusUrl = `http://127.0.0.1:${promPort}`;
        await eventually("Prometheus to be ready", 120000, async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined)).catch((e) => {
            throw new Error(`${e}\n${prom.log.slice(-3000)}`);
        });
    });

    after(async () => {
        for (const p of [...sleepers, ...procs].reverse()) await p.stop();
        pg.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** The Prometheus state of an alert (inactive when absent), optionally for one datastore. */
    async function alertState(alert: string, datastore?: string): Promise<string> {
        const body = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
        const found = body.data.alerts.filter((a) => a.labels.alertname === alert && (datastore === undefined || a.labels.datastore === datastore));
        return found.some((a) => a.state === "firing") ? "firing" : found.some((a) => a.state === "pending") ? "pending" : "inactive";
    }

    /** Waits until both targets have been scraped and the rules evaluated a few times. */
    async function settled(): Promise<void> {
        await eventually("both targets up in Prometheus", 120000, async () => {
            const body = (await (await fetch(`${prometheusUrl}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
            return body.data.activeTargets.length === 2 && body.data.activeTargets.every((t) => t.health === "up") ? true : undefined;
        });
        await sleep(8000);
    }

    it("SC-5, DB-4: the monitoring role is a member of pg_monitor only, cannot write, and the exporter connects with TLS", async () => {
        const memberships = pg.sql("postgres", `SELECT string_agg(g.rolname, ',') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = '${POSTGRES_MONITOR_ROLE}'`).trim();
        assert.strictEqual(memberships, "pg_monitor");
        const attrs = pg.sql("postgres", `SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication FROM pg_roles WHERE rolname = '${POSTGRES_MONITOR_ROLE}'`).trim();
        assert.strictEqual(attrs, "f|f|f|f");
        pg.sql("postgres", "CREATE TABLE IF NOT EXISTS orders (id int); INSERT INTO orders VALUES (1);");
        const asMonitor = (sql: string) =>
            spawnSync(pg.psql, ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", `${pg.url("postgres", POSTGRES_MONITOR_ROLE, monitorPassword)}?sslmode=require`], { encoding: "utf8", input: sql, env: { PATH: process.env.PATH, HOME: tmp } });
        assert.match(asMonitor("SELECT * FROM orders").stderr, /permission denied/);
        assert.match(asMonitor("CREATE TABLE t (id int)").stderr, /read-only transaction|permission denied/);
        const text = await eventually("postgres_exporter to report pg_up 1", 120000, async () => {
            const t = await httpText(pgExporterUrl);
            return parseExposition(t).some((s) => s.name === "pg_up" && s.value === 1) ? t : undefined;
        });
        assert.ok(text.length > 0);
        const ssl = pg.sql("postgres", `SELECT bool_and(s.ssl) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = '${POSTGRES_MONITOR_ROLE}'`).trim();
        assert.strictEqual(ssl, "t", "every session of the monitoring role is encrypted");
    });

    it("DB-4, RD-2: the data alerts are quiet while PostgreSQL and Redis have room", async () => {
        await settled();
        for (const alert of ["DatabaseConnectionsNearMax", "RedisMemoryNearMax", "RedisRejectingWrites", "DatastoreMetricsMissing"]) {
            assert.strictEqual(await alertState(alert), "inactive", alert);
        }
    });

    it("DB-4: connections held open near max_connections make DatabaseConnectionsNearMax pending, reading max_connections from the server", async () => {
        const rule = dataGroup.rules.find((r) => r.alert === "DatabaseConnectionsNearMax")!;
        assert.match(rule.expr, /pg_settings_max_connections/);
        // 16 sessions plus the exporter's own: 17 of 20, 85 % (threshold 80 %).
        for (let i = 0; i < 16; i++) {
            const p = Proc.start(pg.psql, ["-X", "-q", "-d", pg.url("postgres")], { HOME: tmp });
            p.child.stdin!.write("SELECT pg_sleep(900);\n");
            sleepers.push(p);
        }
        await eventually("16 sessions to be open", 60000, async () => (Number(pg.sql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'").trim()) >= 16 ? true : undefined));
        const state = await eventually("DatabaseConnectionsNearMax to go pending", 180000, async () => {
            const s = await alertState("DatabaseConnectionsNearMax");
            return s === "inactive" ? undefined : s;
        });
        assert.ok(["pending", "firing"].includes(state), state);
        const metrics = parseExposition(await httpText(pgExporterUrl));
        assert.strictEqual(metrics.find((s) => s.name === "pg_settings_max_connections")?.value, 20);
    });

    it("RD-2: Redis filled to its maxmemory refuses writes: RedisRejectingWrites fires and RedisMemoryNearMax goes pending", async () => {
        const value = "x".repeat(1000);
        const commands = Array.from({ length: 6000 }, (_, i) => `SET job:${i} ${value}`).join("\n") + "\n";
        const fill = redisCmd([], commands);
        assert.match(fill.stdout + fill.stderr, /OOM command not allowed when used memory > 'maxmemory'/, "noeviction refuses the writes that do not fit");
        const rejecting = await eventually("RedisRejectingWrites to fire", 180000, async () => ((await alertState("RedisRejectingWrites")) === "firing" ? "firing" : undefined));
        assert.strictEqual(rejecting, "firing");
        const near = await eventually("RedisMemoryNearMax to go pending", 180000, async () => {
            const s = await alertState("RedisMemoryNearMax");
            return s === "inactive" ? undefined : s;
        });
        assert.ok(["pending", "firing"].includes(near), near);
    });

    it("DB-4, RD-2: every exporter metric and label the planned data rules and dashboard read is in the real exporters' output", async () => {
        const real = [...parseExposition(await httpText(pgExporterUrl)), ...parseExposition(await httpText(redisExporterUrl))];
        const exprs = [...dataGroup.rules.map((r) => r.expr), ...dashboardExprs];
        const wanted = exprs.flatMap(selectors).filter((s) => /^(pg|redis)_/.test(s.name));
        assert.ok(wanted.some((s) => s.name.startsWith("pg_")) && wanted.some((s) => s.name.startsWith("redis_")), "the staging rules read both exporters");
        const missing = wanted.filter((sel) => !real.some((s) => s.name === sel.name && satisfies(s, sel)));
        assert.deepStrictEqual(
            missing.map((m) => `${m.name}{${m.matchers.map((x) => `${x.label}${x.op}"${x.value}"`).join(",")}}`),
            [],
            "selectors with no matching series in the real exporters' output",
        );
        // No data rule reads a MongoDB metric in a PostgreSQL stack, or any exporter this stack does not run.
        const unknown = exprs.flatMap(selectors).filter((s) => /^(mongodb|pg|redis)_/.test(s.name) && !real.some((r) => r.name === s.name));
        assert.deepStrictEqual(unknown.map((s) => s.name), []);
    });

    it("DB-4: with Redis gone, redis_up drops to 0 and DatastoreMetricsMissing goes pending for redis", async () => {
        await redisServer!.stop();
        const state = await eventually("DatastoreMetricsMissing{datastore=redis} to go pending", 180000, async () => {
            const s = await alertState("DatastoreMetricsMissing", "redis");
            return s === "inactive" ? undefined : s;
        });
        assert.ok(["pending", "firing"].includes(state), state);
        assert.strictEqual(await alertState("DatastoreMetricsMissing", "postgres"), "inactive", "the PostgreSQL exporter still reports");
    });
});
