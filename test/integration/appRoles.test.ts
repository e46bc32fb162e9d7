import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_SCHEMA, POSTGRES_APP_ROLE, POSTGRES_MIGRATE_ROLE } from "../../components/database/postgresRoles";
import { ROLE_SCRIPT, roleScripts, roleScriptsDir, rolesEnv } from "../../components/database/roleJob";
import { PG_BIN, TestPostgres, ok, run } from "../helpers/servers";
import { requireTool } from "../helpers/tools";

/*
 * The apps' and migrations' PostgreSQL roles (SC-5, WL-5), made by the role Job's own script (the
 * ConfigMap's content) against a real PostgreSQL 15. The script runs as an RDS-like master user: a
 * login role with CREATEROLE and CREATEDB that owns the database and is no superuser, so the test
 * meets the refusals RDS would give. The database starts the way a stack deployed before the roles
 * left it: tables, a sequence, an enum and a function that migrations created as the master user.
 */

const MASTER = "rds_master";
const MASTER_PASSWORD = "master-pw";
const DB = "runbook";
const MIGRATE_PASSWORD = "migrate-pw";
const APP_PASSWORD = "app-pw";
/** ROLES as the app-roles Job sets it. */
const APP_ROLES = rolesEnv([
    { name: POSTGRES_MIGRATE_ROLE, kind: "migrate" },
    { name: POSTGRES_APP_ROLE, kind: "app" },
]);

describe("integration: the apps' and migrations' PostgreSQL roles (create-roles.sh, kinds migrate and app, SC-5, WL-5)", function () {
    this.timeout(300000);
    const pg = new TestPostgres();
    let tmp: string;
    let scriptPath: string;

    /** psql as a role, each statement its own -c; returns the result, failing or not. */
    const as = (user: string, password: string, ...sql: string[]) =>
        spawnSync(pg.psql, ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.url(DB, user, password), ...sql.flatMap((q) => ["-c", q])], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: tmp } });
    const asApp = (...sql: string[]) => as(POSTGRES_APP_ROLE, APP_PASSWORD, ...sql);
    const asMigrate = (...sql: string[]) => as(POSTGRES_MIGRATE_ROLE, MIGRATE_PASSWORD, ...sql);
    const asMaster = (...sql: string[]) => ok(as(MASTER, MASTER_PASSWORD, ...sql), sql.join("; "));

    /** The role Job, as it runs: bash and the script from its mount, the admin URL and passwords from its Secret. */
    const runJob = (passwords: { migrate: string; app: string }) =>
        spawnSync("bash", [scriptPath], {
            encoding: "utf8",
            env: {
                PATH: `${PG_BIN}:${process.env.PATH}`,
                HOME: tmp,
                ADMIN_URL: pg.url(DB, MASTER, MASTER_PASSWORD),
                ROLES: APP_ROLES,
                APP_SCHEMA,
                MIGRATE_ROLE_PASSWORD: passwords.migrate,
                APP_ROLE_PASSWORD: passwords.app,
            },
        });

    /** Everything the script decides: role attributes, memberships, owners and privileges, default privileges. */
    const grants = () =>
        pg.sql(
            DB,
            `SELECT json_build_object(
                'roles', (SELECT json_agg(json_build_array(rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls) ORDER BY rolname) FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%'),
                'members', (SELECT json_agg(json_build_array(g.rolname, r.rolname, m.admin_option) ORDER BY g.rolname, r.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member),
                'database', (SELECT datacl::text FROM pg_database WHERE datname = current_database()),
                'schemas', (SELECT json_agg(json_build_array(nspname, pg_get_userbyid(nspowner), nspacl::text) ORDER BY nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'),
                'relations', (SELECT json_agg(json_build_array(c.oid::regclass::text, pg_get_userbyid(c.relowner), c.relacl::text) ORDER BY 1) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace),
                'types', (SELECT json_agg(json_build_array(t.typname, pg_get_userbyid(t.typowner)) ORDER BY 1) FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace),
                'routines', (SELECT json_agg(json_build_array(p.oid::regprocedure::text, pg_get_userbyid(p.proowner), p.proacl::text) ORDER BY 1) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace),
                'defaults', (SELECT json_agg(json_build_array(pg_get_userbyid(defaclrole), defaclnamespace, defaclobjtype, defaclacl::text) ORDER BY 1, 2, 3) FROM pg_default_acl)
            )`,
        );

    before(async function () {
        requireTool(this, "bash", "bash");
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-app-roles-"));
        await pg.start(this);
        // An RDS-like master: it may create roles and databases and owns the apps' database, no more.
        pg.sql("postgres", `CREATE ROLE ${MASTER} LOGIN CREATEROLE CREATEDB PASSWORD '${MASTER_PASSWORD}'; CREATE DATABASE ${DB} OWNER ${MASTER};`);
        // What migrations run as the master user left behind (a stack deployed before the roles).
        asMaster(
            "CREATE TYPE order_state AS ENUM ('open', 'paid')",
            "CREATE TABLE orders (id serial PRIMARY KEY, state order_state NOT NULL DEFAULT 'open', total integer NOT NULL)",
            "CREATE TABLE _prisma_migrations (id text PRIMARY KEY, finished_at timestamptz)",
            "CREATE VIEW open_orders AS SELECT * FROM orders WHERE state = 'open'",
            "CREATE FUNCTION order_total(o orders) RETURNS integer LANGUAGE sql AS 'SELECT o.total'",
            "INSERT INTO orders (total) VALUES (10), (20)",
        );
        // The script exactly as the Job's ConfigMap carries it, run from its own mount.
        const mount = path.join(tmp, "scripts");
        fs.mkdirSync(mount);
        for (const [file, text] of Object.entries(roleScripts())) fs.writeFileSync(path.join(mount, file), text, { mode: 0o555 });
        scriptPath = path.join(mount, ROLE_SCRIPT);
    });

    after(() => {
        pg.stop();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("passes shellcheck; --help explains it; an unknown argument and a missing environment are each named", async function () {
        const shellcheck = requireTool(this, "shellcheck", "shellcheck");
        const script = path.join(roleScriptsDir(), ROLE_SCRIPT);
        const check = spawnSync(shellcheck, ["-x", "-P", roleScriptsDir(), script], { encoding: "utf8" });
        assert.strictEqual(check.status, 0, check.stdout + check.stderr);
        const env = { PATH: process.env.PATH };
        const help = await run(script, ["--help"], { env });
        assert.strictEqual(help.status, 0, help.stderr);
        assert.match(help.stdout, /^Usage: create-roles\.sh/);
        assert.match(help.stdout, /ADMIN_URL/);
        const stray = await run(script, ["--yes"], { env });
        assert.strictEqual(stray.status, 1);
        assert.match(stray.stderr, /FAILED: unexpected argument: --yes/);
        const bare = await run(script, [], { env });
        assert.strictEqual(bare.status, 1);
        assert.match(bare.stderr, /FAILED: missing required environment: ADMIN_URL ROLES/);
        const noPasswords = await run(script, [], { env: { ...env, ADMIN_URL: "postgres://x@h/db", ROLES: APP_ROLES } });
        assert.strictEqual(noPasswords.status, 1);
        assert.match(noPasswords.stderr, /FAILED: missing required environment: MIGRATE_ROLE_PASSWORD APP_ROLE_PASSWORD/);
        for (const [roles, error] of [
            [`${POSTGRES_APP_ROLE}:app`, /the app role runbook_app needs a migrate role before it/],
            ["runbook_x:superuser", /has kind 'superuser'; use backup, monitor, migrate or app/],
            ["Robert'); DROP TABLE students;--:app", /is not name:kind with a lowercase identifier/],
            ["runbook_x:backup runbook_x:monitor", /runbook_x is listed twice/],
        ] as Array<[string, RegExp]>) {
            const refused = await run(script, [], { env: { ...env, ADMIN_URL: "postgres://x@h/db", ROLES: roles } });
            assert.strictEqual(refused.status, 1, roles);
            assert.match(refused.stderr, error, roles);
        }
    });

    it("SC-5: run as a master user that is no superuser, it creates both roles with nothing beyond login; run again, it changes nothing", () => {
        const first = runJob({ migrate: "first-migrate-pw", app: "first-app-pw" });
        assert.strictEqual(first.status, 0, first.stderr);
        const afterFirst = grants();
        const again = runJob({ migrate: MIGRATE_PASSWORD, app: APP_PASSWORD });
        assert.strictEqual(again.status, 0, again.stderr);
        assert.strictEqual(grants(), afterFirst, "a second run changes no attribute, membership, owner or privilege");
        for (const role of [POSTGRES_MIGRATE_ROLE, POSTGRES_APP_ROLE]) {
            assert.strictEqual(pg.sql("postgres", `SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls FROM pg_roles WHERE rolname = '${role}'`).trim(), "f", `${role} has no attribute beyond LOGIN`);
            assert.strictEqual(pg.sql("postgres", `SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = '${role}'`).trim(), "0", `${role} is a member of no role`);
        }
        assert.strictEqual(as(POSTGRES_APP_ROLE, "first-app-pw", "SELECT 1").status, 2, "the second run's password replaced the first");
        assert.doesNotMatch(first.stderr + again.stderr, /first-app-pw|first-migrate-pw|app-pw|migrate-pw/, "no password in the Job's log");
    });

    it("WL-5: the migration role took over what migrations made as the master user, and changes the schema", () => {
        const owners = pg.sql(DB, "SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'S')").trim();
        assert.strictEqual(owners, POSTGRES_MIGRATE_ROLE, "tables, views and sequences");
        assert.strictEqual(pg.sql(DB, "SELECT pg_get_userbyid(typowner) FROM pg_type WHERE typname = 'order_state'").trim(), POSTGRES_MIGRATE_ROLE, "the enum");
        assert.strictEqual(pg.sql(DB, "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'order_total'").trim(), POSTGRES_MIGRATE_ROLE, "the function");
        const migration = asMigrate(
            "ALTER TABLE orders ADD COLUMN note text",
            "ALTER TYPE order_state ADD VALUE 'refunded'",
            "CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text UNIQUE NOT NULL)",
            "CREATE INDEX orders_state ON orders (state)",
            "INSERT INTO _prisma_migrations VALUES ('001', now())",
        );
        assert.strictEqual(migration.status, 0, migration.stderr);
        assert.notStrictEqual(asMigrate("CREATE ROLE intruder").status, 0, "the migration role creates no roles");
    });

    it("SC-5: the app role reads and writes rows of tables the migration role owns, old and new (default privileges), and uses their sequences", () => {
        const rows = asApp(
            "INSERT INTO customers (email) VALUES ('a@example.com')",
            "UPDATE customers SET email = 'b@example.com'",
            "INSERT INTO orders (total, note) VALUES (30, 'new')",
            "UPDATE orders SET state = 'paid' WHERE total = 10",
            "DELETE FROM orders WHERE total = 20",
            "SELECT count(*) FROM open_orders",
            "SELECT string_agg(email, ',') FROM customers",
        );
        assert.strictEqual(rows.status, 0, rows.stderr);
        assert.deepStrictEqual(rows.stdout.trim().split("\n"), ["1", "b@example.com"]);
    });

    it("SC-5: the app role creates, alters, drops and truncates nothing, and cannot take over the migration role", () => {
        const refused: Array<[string, RegExp]> = [
            ["CREATE TABLE public.sneaky (id int)", /permission denied for schema public/],
            ["CREATE TABLE sneaky (id int)", /permission denied for schema public|no schema has been selected/],
            ["DROP TABLE orders", /must be owner of table orders/],
            ["ALTER TABLE orders ADD COLUMN sneaky int", /must be owner of table orders/],
            ["CREATE INDEX sneaky ON orders (total)", /must be owner of table orders/],
            ["TRUNCATE orders", /permission denied for table orders/],
            ["ALTER TYPE order_state ADD VALUE 'sneaky'", /must be owner of type order_state/],
            ["CREATE SCHEMA sneaky", /permission denied for database runbook/],
            [`SET ROLE ${POSTGRES_MIGRATE_ROLE}`, /permission denied to set role/],
        ];
        for (const [sql, error] of refused) {
            const r = asApp(sql);
            assert.notStrictEqual(r.status, 0, `${sql} must be refused`);
            assert.match(r.stderr, error, sql);
        }
        assert.strictEqual(pg.sql(DB, "SELECT count(*) FROM pg_class WHERE relname = 'sneaky'").trim(), "0");
    });
});
