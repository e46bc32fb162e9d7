import * as assert from "assert";
import {
    databaseUrl,
    engineVersionSettings,
    finalSnapshotIdentifier,
    keyAliasName,
    parameterGroupFamily,
    parameterGroupNamePrefix,
    parameterGroupParameters,
    postgresSettings,
    PostgresDatabaseConfig,
} from "../../../components/database/postgresSettings";
import { production, staging } from "../../helpers/harness";

const base = (env: { isProduction: boolean }, extra: Partial<PostgresDatabaseConfig> = {}): PostgresDatabaseConfig => ({
    engine: "postgres",
    engineVersion: "16.4",
    backupRetentionDays: env.isProduction ? 30 : 7,
    protect: env.isProduction,
    replicaMultiAz: false,
    ...extra,
});

describe("unit: PostgreSQL settings per environment (DB-1, DB-4, DB-6, BK-1, BK-2)", () => {
    it("DB-1: production defaults to a Multi-AZ db.m6g.large, protected", () => {
        const s = postgresSettings(base(production), production);
        assert.strictEqual(s.instanceClass, "db.m6g.large");
        assert.strictEqual(s.multiAz, true);
        assert.strictEqual(s.protect, true);
        assert.strictEqual(s.backupRetentionDays, 30);
    });

    it("staging defaults to a single-AZ db.t4g.medium, unprotected", () => {
        const s = postgresSettings(base(staging), staging);
        assert.strictEqual(s.instanceClass, "db.t4g.medium");
        assert.strictEqual(s.multiAz, false);
        assert.strictEqual(s.protect, false);
        assert.strictEqual(s.backupRetentionDays, 7);
        assert.strictEqual(s.readReplica, false);
    });

    it("shared defaults: 50 GB growing to 200 GB, slow queries over 500 ms, backups 02:00-03:00 UTC, maintenance Sunday 04:00", () => {
        const s = postgresSettings(base(staging), staging);
        assert.strictEqual(s.allocatedStorageGb, 50);
        assert.strictEqual(s.maxAllocatedStorageGb, 200);
        assert.strictEqual(s.slowQueryMs, 500);
        assert.strictEqual(s.backupWindow, "02:00-03:00");
        assert.strictEqual(s.maintenanceWindow, "sun:04:00-sun:05:00");
    });

    it("config values win over every default, including falsy ones", () => {
        const s = postgresSettings(
            base(production, {
                instanceClass: "db.r6g.xlarge",
                multiAz: false,
                allocatedStorageGb: 100,
                maxAllocatedStorageGb: 100,
                slowQueryMs: 0,
                backupWindow: "01:00-01:30",
                maintenanceWindow: "sat:05:00-sat:06:00",
                readReplica: true,
            }),
            production,
        );
        assert.strictEqual(s.instanceClass, "db.r6g.xlarge");
        assert.strictEqual(s.multiAz, false);
        assert.strictEqual(s.maxAllocatedStorageGb, 100);
        assert.strictEqual(s.slowQueryMs, 0, "0 (log every statement) is not replaced by the default");
        assert.strictEqual(s.backupWindow, "01:00-01:30");
        assert.strictEqual(s.maintenanceWindow, "sat:05:00-sat:06:00");
        assert.strictEqual(s.readReplica, true);
    });

    it("caps the default storage ceiling at the 64 TiB gp3 maximum", () => {
        assert.strictEqual(postgresSettings(base(staging, { allocatedStorageGb: 20000 }), staging).maxAllocatedStorageGb, 65536);
    });

    it("refuses a storage ceiling below the allocated storage, and a non-postgres engine", () => {
        assert.throws(() => postgresSettings(base(staging, { allocatedStorageGb: 100, maxAllocatedStorageGb: 50 }), staging), /database\.maxAllocatedStorageGb: 50 is below database\.allocatedStorageGb \(100\); set at least 100/);
        assert.throws(() => postgresSettings({ ...base(staging), engine: "mongodb" }, staging), /database\.engine: is mongodb/);
    });

    it("a major-only version upgrades minors automatically; a pinned minor does not (no drift against RDS)", () => {
        assert.deepStrictEqual(engineVersionSettings("16"), { engineVersion: "16", autoMinorVersionUpgrade: true, family: "postgres16" });
        assert.deepStrictEqual(engineVersionSettings("16.4"), { engineVersion: "16.4", autoMinorVersionUpgrade: false, family: "postgres16" });
        assert.strictEqual(engineVersionSettings("15.10").family, "postgres15");
        assert.throws(() => engineVersionSettings("16.x"), /not a version/);
    });

    it("derives the parameter-group family from the major version and refuses versions RDS no longer runs", () => {
        assert.strictEqual(parameterGroupFamily("17.2"), "postgres17");
        assert.strictEqual(parameterGroupFamily("11"), "postgres11");
        assert.throws(() => parameterGroupFamily("9.6.24"), /'9\.6\.24' is not a PostgreSQL version RDS supports/);
    });
});

describe("unit: PostgreSQL parameter group (ED-2, DB-4)", () => {
    it("ED-2 and DB-4: forces TLS, preloads pg_stat_statements, tracks all statements, logs slow ones", () => {
        const byName = Object.fromEntries(parameterGroupParameters(750).map((p) => [p.name, p]));
        assert.deepStrictEqual(Object.keys(byName).sort(), ["log_min_duration_statement", "pg_stat_statements.track", "rds.force_ssl", "shared_preload_libraries"]);
        assert.strictEqual(byName["rds.force_ssl"].value, "1");
        assert.strictEqual(byName["shared_preload_libraries"].value, "pg_stat_statements");
        assert.strictEqual(byName["pg_stat_statements.track"].value, "all");
        assert.strictEqual(byName["log_min_duration_statement"].value, "750");
    });

    it("only the static library preload waits for a reboot", () => {
        const pending = parameterGroupParameters(500).filter((p) => p.applyMethod === "pending-reboot").map((p) => p.name);
        assert.deepStrictEqual(pending, ["shared_preload_libraries"]);
    });

    it("refuses a negative or fractional slow-query threshold", () => {
        assert.throws(() => parameterGroupParameters(-1), /database\.slowQueryMs: -1/);
        assert.throws(() => parameterGroupParameters(1.5), /database\.slowQueryMs: 1\.5/);
    });

    it("prefixes the group's name by stack, component and family, in characters RDS accepts; RDS appends the unique rest", () => {
        assert.strictEqual(parameterGroupNamePrefix("production", "postgres", "postgres16"), "runbook-production-postgres-postgres16-");
        assert.strictEqual(parameterGroupNamePrefix("Dev_Feature.1", "db", "postgres17"), "runbook-dev-feature-1-db-postgres17-");
        assert.notStrictEqual(parameterGroupNamePrefix("staging", "postgres", "postgres16"), parameterGroupNamePrefix("production", "postgres", "postgres16"));
        assert.strictEqual(keyAliasName("staging", "postgres"), "alias/runbook-staging-postgres");
    });
});

describe("unit: final snapshot identifier (DB-6)", () => {
    const valid = /^[a-z](?!.*--)[a-z0-9-]{0,253}[a-z0-9]$/;

    it("DB-6: is a valid RDS snapshot name carrying the random suffix", () => {
        const id = finalSnapshotIdentifier("runbook-production-postgres", "9f2c41ab");
        assert.strictEqual(id, "runbook-production-postgres-final-9f2c41ab");
        assert.match(id, valid);
    });

    it("DB-6: differs for every suffix, so a recreated instance never collides with an earlier final snapshot", () => {
        const ids = new Set(["00000000", "00000001", "deadbeef", "DEADBEEF".toLowerCase()].map((s) => finalSnapshotIdentifier("runbook-staging-postgres", s)));
        assert.strictEqual(ids.size, 3);
        assert.notStrictEqual(finalSnapshotIdentifier("runbook-staging-postgres", "ab"), finalSnapshotIdentifier("runbook-production-postgres", "ab"));
    });

    it("stays valid for awkward names: leading digits, symbols, double hyphens, very long names", () => {
        for (const name of ["1db", "my__db--x-", "Runbook.Prod/PG", "x".repeat(400)]) {
            const id = finalSnapshotIdentifier(name, "0a1b");
            assert.match(id, valid, id);
            assert.ok(id.length <= 255);
            assert.ok(id.endsWith("-final-0a1b"));
        }
    });

    it("refuses a suffix that is not alphanumeric", () => {
        assert.throws(() => finalSnapshotIdentifier("db", "ab-cd"), /must be letters and digits/);
    });
});

describe("unit: DATABASE_URL builder (SC-3, ED-2)", () => {
    it("builds the URL the apps read, with sslmode=require", () => {
        assert.strictEqual(
            databaseUrl({ username: "runbook_admin", password: "s3cret", host: "db.abc.us-east-1.rds.amazonaws.com", database: "runbook" }),
            "postgres://runbook_admin:s3cret@db.abc.us-east-1.rds.amazonaws.com:5432/runbook?sslmode=require",
        );
    });

    it("percent-encodes a password with URL delimiters so it round-trips", () => {
        const password = "p@ss:w/rd#?%& é+=";
        const url = databaseUrl({ username: "runbook_admin", password, host: "127.0.0.1", port: 6543, database: "runbook" });
        assert.ok(!url.includes("p@ss"), "the @ in the password is encoded");
        const parsed = new URL(url);
        assert.strictEqual(parsed.hostname, "127.0.0.1");
        assert.strictEqual(parsed.port, "6543");
        assert.strictEqual(decodeURIComponent(parsed.password), password);
        assert.strictEqual(decodeURIComponent(parsed.username), "runbook_admin");
        assert.strictEqual(parsed.pathname, "/runbook");
        assert.strictEqual(parsed.searchParams.get("sslmode"), "require");
    });

    it("brackets IPv6 hosts and honours a stricter sslmode", () => {
        const url = databaseUrl({ username: "u", password: "p", host: "::1", database: "d", sslmode: "verify-full" });
        assert.strictEqual(url, "postgres://u:p@[::1]:5432/d?sslmode=verify-full");
    });
});
