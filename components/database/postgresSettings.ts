import type { Environment, StackConfig } from "../../config";
import { DEFAULT_BACKUP_WINDOW, DEFAULT_MAINTENANCE_WINDOW } from "../../config/databaseWindows";

/*
 * Everything about the PostgreSQL database that can be decided without Pulumi: defaults per
 * environment, the parameter group, names, and the DATABASE_URL. Pure and unit-tested
 * (test/unit/database/postgresSettings.test.ts); the integration test runs a real PostgreSQL with
 * exactly these parameters.
 */

export const POSTGRES_PORT = 5432;
export const MASTER_USERNAME = "runbook_admin";
export const DATABASE_NAME = "runbook";

export const DEFAULT_INSTANCE_CLASS = { production: "db.m6g.large", other: "db.t4g.medium" } as const;
export const DEFAULT_ALLOCATED_STORAGE_GB = 50;
/** Storage autoscaling may grow the volume to this multiple of its allocated size. */
export const DEFAULT_STORAGE_GROWTH_FACTOR = 4;
/** gp3 volumes stop at 64 TiB. */
export const MAX_STORAGE_GB = 65536;
/** DB-4: statements slower than this are logged. */
export const DEFAULT_SLOW_QUERY_MS = 500;

/**
 * The master password: long, and drawn from characters that are legal in an RDS password (which
 * forbids / @ " ' and space) and unreserved in a URL, so DATABASE_URL needs no escaping in practice.
 * databaseUrl() still encodes it.
 */
export const MASTER_PASSWORD_SPEC = { length: 32, special: true, overrideSpecial: "-_.~", minLower: 1, minUpper: 1, minNumeric: 1 } as const;

export type PostgresDatabaseConfig = StackConfig["database"];

/** One RDS DB parameter. Static parameters only take effect after a reboot. */
export interface DbParameter {
    name: string;
    value: string;
    applyMethod: "immediate" | "pending-reboot";
}

/** The database config with every environment-dependent default filled in. */
export interface PostgresSettings {
    /** As the config gives it: 16 (any 16.x, upgraded automatically) or 16.4 (pinned). */
    engineVersion: string;
    /** On when the config names only a major version, off when it pins a minor (see engineVersionSettings). */
    autoMinorVersionUpgrade: boolean;
    /** Parameter-group family, e.g. postgres16. */
    family: string;
    instanceClass: string;
    multiAz: boolean;
    allocatedStorageGb: number;
    maxAllocatedStorageGb: number;
    slowQueryMs: number;
    backupRetentionDays: number;
    backupWindow: string;
    maintenanceWindow: string;
    /** Pulumi protect, retainOnDelete and RDS deletion protection: production only (DB-6). */
    protect: boolean;
    readReplica: boolean;
    /** The read replica in two AZs (DB-5): resolved by config/resolve.ts from database.replicaMultiAz. */
    replicaMultiAz: boolean;
}

/**
 * The settings of the stack's PostgreSQL database. Config values always win; defaults depend on the
 * environment. Throws, naming the key, for a config the component cannot build.
 */
export function postgresSettings(database: PostgresDatabaseConfig, env: Environment): PostgresSettings {
    if (database.engine !== "postgres") {
        throw new Error(`database.engine: is ${database.engine}; the PostgreSQL component only builds engine: postgres`);
    }
    const allocatedStorageGb = database.allocatedStorageGb ?? DEFAULT_ALLOCATED_STORAGE_GB;
    const maxAllocatedStorageGb = database.maxAllocatedStorageGb ?? Math.min(allocatedStorageGb * DEFAULT_STORAGE_GROWTH_FACTOR, MAX_STORAGE_GB);
    if (maxAllocatedStorageGb < allocatedStorageGb) {
        throw new Error(`database.maxAllocatedStorageGb: ${maxAllocatedStorageGb} is below database.allocatedStorageGb (${allocatedStorageGb}); set at least ${allocatedStorageGb}`);
    }
    const version = engineVersionSettings(database.engineVersion);
    return {
        ...version,
        instanceClass: database.instanceClass ?? (env.isProduction ? DEFAULT_INSTANCE_CLASS.production : DEFAULT_INSTANCE_CLASS.other),
        // DB-1: a standby in a second AZ in production; elsewhere one AZ keeps staging cheap.
        multiAz: database.multiAz ?? env.isProduction,
        allocatedStorageGb,
        maxAllocatedStorageGb,
        slowQueryMs: database.slowQueryMs ?? DEFAULT_SLOW_QUERY_MS,
        backupRetentionDays: database.backupRetentionDays,
        backupWindow: database.backupWindow ?? DEFAULT_BACKUP_WINDOW,
        maintenanceWindow: database.maintenanceWindow ?? DEFAULT_MAINTENANCE_WINDOW,
        protect: database.protect,
        readReplica: database.readReplica ?? false,
        replicaMultiAz: database.replicaMultiAz,
    };
}

/**
 * RDS upgrades minor versions in the maintenance window when asked to, after which a pinned
 * `engineVersion: 16.4` would differ from the running 16.8 and the next `pulumi up` would try (and
 * fail) to downgrade. So a major-only version (`16`) turns automatic minor upgrades on, and a pinned
 * minor turns them off: upgrades then happen by changing the config.
 */
export function engineVersionSettings(engineVersion: string): { engineVersion: string; autoMinorVersionUpgrade: boolean; family: string } {
    const match = /^(\d+)(?:\.(\d+))?(?:\.\d+)?$/.exec(engineVersion);
    if (!match) throw new Error(`database.engineVersion: '${engineVersion}' is not a version such as 16 or 16.4`);
    return { engineVersion, autoMinorVersionUpgrade: match[2] === undefined, family: parameterGroupFamily(engineVersion) };
}

/** The parameter-group family of a PostgreSQL version: postgres16 for 16.4. RDS supports 11 and later. */
export function parameterGroupFamily(engineVersion: string): string {
    const major = Number(/^(\d+)/.exec(engineVersion)?.[1]);
    if (!Number.isInteger(major) || major < 11) {
        throw new Error(`database.engineVersion: '${engineVersion}' is not a PostgreSQL version RDS supports; use 11 or later (16 recommended)`);
    }
    return `postgres${major}`;
}

/**
 * The DB parameters every environment gets:
 * - rds.force_ssl=1: the server refuses connections without TLS (ED-2).
 * - shared_preload_libraries=pg_stat_statements and pg_stat_statements.track=all: per-statement
 *   counts and timings, including statements inside functions (DB-4). Loading a library is static,
 *   so it waits for a reboot.
 * - log_min_duration_statement: statements slower than `slowQueryMs` go to the PostgreSQL log,
 *   which the instance exports to CloudWatch (DB-4).
 */
export function parameterGroupParameters(slowQueryMs: number): DbParameter[] {
    if (!Number.isInteger(slowQueryMs) || slowQueryMs < 0) {
        throw new Error(`database.slowQueryMs: ${slowQueryMs} is not a whole number of milliseconds >= 0`);
    }
    return [
        { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
        { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
        { name: "pg_stat_statements.track", value: "all", applyMethod: "immediate" },
        { name: "log_min_duration_statement", value: String(slowQueryMs), applyMethod: "immediate" },
    ];
}

/** Lowercase letters, digits and single hyphens, starting with a letter: what RDS accepts in names. */
export function rdsNamePart(value: string): string {
    const cleaned = value
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-{2,}/g, "-")
        .replace(/^-+|-+$/g, "");
    return /^[a-z]/.test(cleaned) ? cleaned : `x-${cleaned}`.replace(/-+$/, "");
}

/**
 * The prefix of the parameter group's name; RDS appends a unique suffix. The group is never given a
 * fixed name: changing its family (a major upgrade, 16 to 17) or its description replaces it, and
 * Pulumi replaces by creating the new group first and deleting the old one after the instance has
 * switched to it. With a fixed name the new group could not exist beside the old one, so the update
 * would fail. The rds-force-ssl policy matches the instance to its group through the instance's
 * dependency on the group, so it does not need the name at preview.
 */
export function parameterGroupNamePrefix(stack: string, component: string, family: string): string {
    return `${rdsNamePart(`runbook-${stack}-${component}-${family}`)}-`;
}

/** KMS alias of the database key; unique per stack and component. */
export function keyAliasName(stack: string, component: string): string {
    return `alias/${rdsNamePart(`runbook-${stack}-${component}`)}`;
}

/**
 * The final snapshot taken when the instance is deleted (DB-6). RDS refuses to delete an instance
 * when a snapshot with that name already exists, so the name carries a random suffix that changes
 * whenever the instance is recreated. Snapshot names: at most 255 letters, digits and hyphens,
 * starting with a letter, no double or trailing hyphen.
 */
export function finalSnapshotIdentifier(instance: string, suffix: string): string {
    if (!/^[a-z0-9]+$/i.test(suffix)) throw new Error(`final snapshot suffix '${suffix}' must be letters and digits`);
    const tail = `-final-${suffix.toLowerCase()}`;
    const head = rdsNamePart(instance).slice(0, 255 - tail.length).replace(/-+$/, "");
    return `${head}${tail}`;
}

export interface DatabaseUrlParts {
    username: string;
    password: string;
    host: string;
    port?: number;
    database: string;
    /** libpq sslmode. Defaults to require: the server forces TLS anyway (ED-2). */
    sslmode?: "require" | "verify-ca" | "verify-full";
}

/**
 * The database's URL without credentials, TLS required: what a role's URL is made from
 * (backupRoleUrl, monitorDsn). Never derived from the master user's URL, so no value made from the
 * master password reaches anything but the Jobs that create roles (SC-5).
 */
export function serverUrl(host: string, port = POSTGRES_PORT): string {
    const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
    return `postgres://${h}:${port}/${encodeURIComponent(DATABASE_NAME)}?sslmode=require`;
}

/**
 * DATABASE_URL as Prisma, node-postgres and psql read it. User, password and database name are
 * percent-encoded, so a password with @ : / # ? % or spaces cannot break the URL.
 */
export function databaseUrl(parts: DatabaseUrlParts): string {
    const host = parts.host.includes(":") && !parts.host.startsWith("[") ? `[${parts.host}]` : parts.host;
    const port = parts.port ?? POSTGRES_PORT;
    const sslmode = parts.sslmode ?? "require";
    return `postgres://${encodeURIComponent(parts.username)}:${encodeURIComponent(parts.password)}@${host}:${port}/${encodeURIComponent(parts.database)}?sslmode=${sslmode}`;
}
