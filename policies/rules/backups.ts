import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, guidance, isProductionStack, reportAt, requirement } from "./meta";
import { MALFORMED, at, flagAt, keysAt, listAt, UNKNOWN } from "./props";
import { containersOf as podContainers, podSpec, podTemplate, serverOf } from "./workloadShape";
import { BACKUP_BUCKET_SCHEMA, BackupBucketConfig, holdsBackups } from "./storage";
import { AWS_ELASTICACHE_REPLICATION_GROUP, AWS_RDS_INSTANCE, BACKUP_DATASTORE_LABEL, CLOUDFLARE_ACCOUNT_TOKEN, CLOUDFLARE_API_TOKEN, CLOUDFLARE_R2_BUCKET, CLOUDFLARE_R2_BUCKET_LOCK, DRILL_LABEL, K8S_CONFIG_MAP, K8S_CRON_JOB, K8S_DEPLOYMENT, K8S_JOB, K8S_SECRET, K8S_STATEFUL_SET, TIER_LABEL } from "./vocabulary";

/*
 * Backup and restore-drill rules (BK-1, BK-3, SC-1, SC-5). What the pack recognises, without
 * importing the program:
 * - a database: a primary RDS instance (engine postgres), or a data-tier StatefulSet that runs
 *   `mongod` (MongoDB) or `redis-server`/`valkey-server` (in-cluster Redis), or an ElastiCache
 *   replication group, whose own snapshots stay in its account (elasticache-snapshot-retention): its
 *   backup exports one (backup-elasticache.sh) to the backups bucket's redis prefix.
 * - a backup CronJob: labelled `runbook.dev/backup-datastore: <datastore>` AND running that
 *   datastore's dump (its backup script or the dump tool itself), not suspended.
 * - a backup or drill job: a Job or CronJob whose pods carry `runbook.dev/role: backup`.
 */

type Datastore = "postgres" | "mongodb" | "mongodb-oplog" | "redis";

/** What a backup of each datastore runs: its script, or the dump tool with what makes it that dump. */
const DUMPS: Record<Datastore, (cmd: string) => boolean> = {
    postgres: (cmd) => /\bbackup-postgres\.sh\b/.test(cmd) || /\bpg_dump\b/.test(cmd),
    mongodb: (cmd) => /\bbackup-mongodb\.sh\b/.test(cmd) || (/\bmongodump\b/.test(cmd) && /--oplog\b/.test(cmd)),
    "mongodb-oplog": (cmd) => /\bbackup-mongodb-oplog\.sh\b/.test(cmd) || (/\bmongodump\b/.test(cmd) && /oplog\.rs/.test(cmd)),
    redis: (cmd) => /\bbackup-(redis|elasticache)\.sh\b/.test(cmd) || (/\bredis-cli\b/.test(cmd) && /--rdb\b/.test(cmd)),
};

/**
 * True when a five-field cron schedule fires at least once a day (`daily`) or once an hour
 * (`hourly`), read by cron-parser (issue 19 (11)): every day of every month (day-of-month, month and
 * day-of-week all unrestricted), and for hourly every hour too. A schedule the CronJob controller
 * would refuse (six fields, out-of-range values, the L/W/#/H extensions) fires never.
 */
const cronVerdicts = new Map<string, boolean>();
export function cronRunsAtLeast(schedule: string, every: "daily" | "hourly"): boolean {
    const key = `${every} ${schedule}`;
    let verdict = cronVerdicts.get(key);
    if (verdict === undefined) cronVerdicts.set(key, (verdict = cronRunsAtLeastUncached(schedule, every)));
    return verdict;
}

function cronRunsAtLeastUncached(schedule: string, every: "daily" | "hourly"): boolean {
    const macros: Record<string, string> = { "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *" };
    const text = macros[schedule.trim()] ?? schedule.trim();
    const words = text.split(/\s+/);
    if (words.length !== 5 || !words.every((w) => /^[0-9A-Za-z*?,/-]+$/.test(w) && !/[LWH#]/.test(w.replace(/[A-Za-z]{3}/g, "")))) return false;
    let fields;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { CronExpressionParser } = require("cron-parser") as typeof import("cron-parser");
        fields = CronExpressionParser.parse(text, { tz: "UTC" }).fields;
    } catch {
        return false;
    }
    const everyDay = fields.dayOfMonth.values.length === 31 && fields.month.values.length === 12 && new Set(fields.dayOfWeek.values.map((d) => Number(d) % 7)).size === 7;
    return every === "daily" ? everyDay : everyDay && fields.hour.values.length === 24;
}

/** Init containers and containers of a workload; an element only known after `pulumi up` is UNKNOWN. */
function containersOf(type: string, props: unknown): unknown[] {
    return podContainers(podSpec(type, props))
        .filter((c) => c.kind !== "ephemeral container")
        .map((c) => c.value);
}

/** Everything a container runs, as one string (image, command, args); undefined when any of it is unknown. */
function commandLine(c: unknown): string | undefined {
    if (c === UNKNOWN) return undefined;
    const parts = [at(c, "image"), ...listAt(c, "command"), ...listAt(c, "args")];
    if (parts.includes(UNKNOWN)) return undefined;
    return parts.filter((w): w is string => typeof w === "string").join(" ");
}

/** The datastores a stack must back up, each with the resource that makes it one (BK-1). */
export function databasesOf(resources: PolicyResource[]): Array<{ datastore: "postgres" | "mongodb" | "redis"; resource: PolicyResource }> {
    const found: Array<{ datastore: "postgres" | "mongodb" | "redis"; resource: PolicyResource }> = [];
    for (const r of resources) {
        if (r.type === AWS_RDS_INSTANCE) {
            const replicaOf = at(r.props, "replicateSourceDb");
            const engine = at(r.props, "engine");
            if ((replicaOf === undefined || replicaOf === "") && typeof engine === "string" && /^postgres/i.test(engine)) found.push({ datastore: "postgres", resource: r });
        } else if (r.type === AWS_ELASTICACHE_REPLICATION_GROUP) {
            // BK-1, BK-3: its own snapshots stay in the account they should survive; the backup copies one out.
            found.push({ datastore: "redis", resource: r });
        } else if (r.type === K8S_STATEFUL_SET || r.type === K8S_DEPLOYMENT) {
            // By what it runs, whatever its labels (issue 19 (8)): a MongoDB or Redis server is a database.
            const tier = at(r.props, "metadata", "labels", TIER_LABEL) ?? at(podTemplate(r.type, r.props), "metadata", "labels", TIER_LABEL);
            const servers = podContainers(podSpec(r.type, r.props)).filter((c) => c.kind === "container").map((c) => serverOf(c.value));
            const cmds = containersOf(r.type, r.props).map((c) => commandLine(c) ?? "").join(" ");
            if (servers.includes("mongodb") || (tier === "data" && /\bmongod\b|(^|[/ ])mongo:/.test(cmds))) found.push({ datastore: "mongodb", resource: r });
            else if (servers.includes("redis") || (tier === "data" && /\b(redis|valkey)-server\b|(^|[/ ])(redis|valkey):/.test(cmds))) found.push({ datastore: "redis", resource: r });
        }
    }
    return found;
}

/**
 * The datastores whose dump a CronJob runs, recognised by its command whatever its labels
 * (issue 19 (8)); the `runbook.dev/backup-datastore` label only picks among them.
 */
function dumpsRun(r: PolicyResource, lines: string[]): Datastore[] {
    const labelled = at(r.props, "metadata", "labels", BACKUP_DATASTORE_LABEL);
    const ran = (Object.keys(DUMPS) as Datastore[]).filter((d) => lines.some((l) => DUMPS[d](l)));
    // An oplog capture runs mongodump too; it is not also a full MongoDB dump.
    const found = ran.includes("mongodb-oplog") ? ran.filter((d) => d !== "mongodb" || lines.some((l) => DUMPS.mongodb(l) && !DUMPS["mongodb-oplog"](l))) : ran;
    return typeof labelled === "string" && found.includes(labelled as Datastore) ? [labelled as Datastore] : found;
}

/**
 * The schedules of the active backup CronJobs, by datastore, and whether some CronJob could not be
 * read because part of it is only known after `pulumi up` (it then proves nothing).
 */
export function backupSchedulesOf(resources: PolicyResource[]): { schedules: Map<Datastore, string[]>; unreadable: number } {
    const schedules = new Map<Datastore, string[]>();
    let unreadable = 0;
    for (const r of resources) {
        if (r.type !== K8S_CRON_JOB) continue;
        const suspend = flagAt(r.props, "spec", "suspend");
        const schedule = at(r.props, "spec", "schedule");
        const lines = containersOf(r.type, r.props).map(commandLine);
        if ([suspend, schedule].includes(UNKNOWN) || lines.includes(undefined)) {
            unreadable++;
            continue;
        }
        // A suspended CronJob, or one whose suspend no provider reads as false, backs nothing up.
        if (suspend === true || suspend === MALFORMED || typeof schedule !== "string") continue;
        for (const datastore of dumpsRun(r, lines as string[])) schedules.set(datastore, [...(schedules.get(datastore) ?? []), schedule]);
    }
    return { schedules, unreadable };
}

export const backupCronJobPerDatabase: StackValidationPolicy = {
    name: "backup-cronjob-per-database",
    description:
        "BK-1: every database in the stack (RDS PostgreSQL, and MongoDB or Redis recognised by the server they run) has an active backup CronJob that runs its dump at least daily (the schedule read by cron-parser); MongoDB also has an oplog capture at least hourly; no backup or restore-drill CronJob (recognised by what it runs) lets two runs overlap.",
    enforcementLevel: "mandatory",
    ...requirement("BK-1", "Daily full backup of every database (003: 02:00 UTC); MongoDB also hourly oplog / point-in-time"),
    ...guidance(
        "high",
        "Declare the database's backup CronJob (components/backup: backup-postgres, backup-mongodb and backup-mongodb-oplog, backup-redis, which for ElastiCache runs backup-elasticache.sh), labelled runbook.dev/backup-datastore, not suspended, on a schedule that fires every day (every hour for the oplog capture).",
    ),
    validateStack: (args, reportViolation) => {
        const { schedules, unreadable } = backupSchedulesOf(args.resources);
        const needs = (datastore: Datastore, every: "daily" | "hourly", resource: PolicyResource, what: string) => {
            const found = schedules.get(datastore) ?? [];
            if (found.some((s) => cronRunsAtLeast(s, every))) return;
            // A CronJob only known after `pulumi up` may be the backup: the check waits for it (issue 19 (9)).
            if (unreadable > 0) return cannotCheckYet(reportViolation, "backup-cronjob-per-database", resource.urn, `the ${every} ${datastore} backup of '${resource.name}' (${unreadable} CronJob(s) are only known after 'pulumi up')`);
            const seen = found.length > 0 ? `its backup CronJob runs on '${found.join("', '")}', less often than ${every}` : "no backup CronJob runs its dump";
            reportViolation(
                `${what} '${resource.name}' has no ${every} ${datastore} backup: ${seen}. Add a CronJob labelled ${BACKUP_DATASTORE_LABEL}: ${datastore} that runs the ${datastore} backup at least ${every} (components/backup).`,
                resource.urn,
            );
        };
        for (const { datastore, resource } of databasesOf(args.resources)) {
            if (datastore === "postgres") needs("postgres", "daily", resource, "RDS PostgreSQL instance");
            if (datastore === "mongodb") {
                needs("mongodb", "daily", resource, "MongoDB StatefulSet");
                needs("mongodb-oplog", "hourly", resource, "MongoDB StatefulSet");
            }
            if (datastore === "redis") needs("redis", "daily", resource, resource.type === AWS_ELASTICACHE_REPLICATION_GROUP ? "ElastiCache replication group" : "Redis StatefulSet");
        }
        // BK-1: a run that outlasts its interval must not start a second dump (or drill) beside it.
        for (const r of args.resources) {
            if (r.type !== K8S_CRON_JOB || (dumpContainers(r).length === 0 && !isRestoreDrill(r))) continue;
            const policy = at(r.props, "spec", "concurrencyPolicy");
            if (policy === UNKNOWN) cannotCheckYet(reportViolation, "backup-cronjob-per-database", r.urn, `the concurrencyPolicy of CronJob '${r.name}'`);
            else if (policy !== "Forbid") {
                reportViolation(
                    `CronJob '${r.name}' ${isRestoreDrill(r) ? "restores a backup" : "dumps a database"} with concurrencyPolicy ${policy === undefined || policy === null ? "unset (Allow)" : JSON.stringify(policy)}: ${policy === "Replace" ? "a slow run is killed mid-dump by the next one" : "a slow run overlaps the next one, two dumps load the database and race for the same object"}. Set concurrencyPolicy: Forbid.`,
                    r.urn,
                );
            }
        }
    },
};

const TOKEN_TYPES = [CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_TOKEN];
/** Marks a CronJob as a restore drill (BK-6). */

/** The containers of a backup CronJob that run its dump, with their datastore; UNKNOWN parts skipped. */
/** What a resource dumps and whether it is a drill, worked out once: the stack policies share one resource list. */
const dumpsCache = new WeakMap<PolicyResource, Array<{ container: unknown; line: string; datastore: Datastore }>>();
const drillCache = new WeakMap<PolicyResource, boolean>();

function dumpContainers(r: PolicyResource): Array<{ container: unknown; line: string; datastore: Datastore }> {
    if (r.type !== K8S_CRON_JOB && r.type !== K8S_JOB) return [];
    let found = dumpsCache.get(r);
    if (found === undefined) dumpsCache.set(r, (found = dumpContainersUncached(r)));
    return found;
}

function dumpContainersUncached(r: PolicyResource): Array<{ container: unknown; line: string; datastore: Datastore }> {
    const out: Array<{ container: unknown; line: string; datastore: Datastore }> = [];
    for (const container of containersOf(r.type, r.props)) {
        const line = commandLine(container) ?? "";
        for (const datastore of dumpsRun(r, [line])) out.push({ container, line, datastore });
    }
    return out;
}

/** What a restore drill does: restores a dump (its script, pg_restore, mongorestore) or decrypts one with age. */
const RESTORES = /\brestore-drill\.sh\b|\bpg_restore\b|\bmongorestore\b|(^|[\s|;&(])age\s+(?:-\S+\s+)*(-d|--decrypt)\b/;

/**
 * A restore drill (BK-6), by label or by what it does (issue 19 (8)): it runs a restore, or holds an
 * age identity (an AGE_SECRET_KEY or AGE_IDENTITY variable, or a Secret volume with such a key).
 */
export function isRestoreDrill(r: PolicyResource): boolean {
    if (r.type !== K8S_CRON_JOB && r.type !== K8S_JOB) return false;
    let verdict = drillCache.get(r);
    if (verdict === undefined) drillCache.set(r, (verdict = isRestoreDrillUncached(r)));
    return verdict;
}

function isRestoreDrillUncached(r: PolicyResource): boolean {
    if (at(r.props, "metadata", "labels", DRILL_LABEL) !== undefined) return true;
    const containers = containersOf(r.type, r.props);
    if (containers.some((c) => RESTORES.test(commandLine(c) ?? ""))) return true;
    const identity = /AGE[_-]?(SECRET[_-]?KEY|IDENTITY)/i;
    if (containers.some((c) => listAt(c, "env").some((e) => typeof at(e, "name") === "string" && identity.test(at(e, "name") as string)))) return true;
    return listAt(podSpec(r.type, r.props), "volumes").some((v) => listAt(v, "secret", "items").some((i) => typeof at(i, "key") === "string" && identity.test(at(i, "key") as string)));
}

/** A container's env var: its literal value, UNKNOWN, `{ from }` when it comes from a reference, or undefined. */
function envOf(container: unknown, name: string): string | typeof UNKNOWN | { from: unknown } | undefined {
    for (const e of listAt(container, "env")) {
        if (e === UNKNOWN) return UNKNOWN;
        if (at(e, "name") !== name) continue;
        const value = at(e, "value");
        const from = at(e, "valueFrom");
        if (value === UNKNOWN || from === UNKNOWN) return UNKNOWN;
        if (from !== undefined) return { from };
        return typeof value === "string" ? value : undefined;
    }
    return undefined;
}

/**
 * True when `s` is a Bech32 string (BIP-173) with human-readable part `hrp` and a valid checksum,
 * decoded by the bech32 package, as the config check decodes `backups.encryptionRecipient`.
 */
export function isBech32(s: string, hrp: string): boolean {
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { bech32 } = require("bech32") as typeof import("bech32");
        return bech32.decode(s).prefix === hrp;
    } catch {
        return false;
    }
}

/** An age X25519 recipient that age itself would accept: `age1` + 58 bech32 characters with a valid checksum. */
export function isAgeRecipient(s: string): boolean {
    return /^age1[02-9ac-hj-np-z]{58}$/.test(s) && isBech32(s, "age");
}

/** age invoked with a recipient: what encrypts a dump before it leaves the pod (BK-3). */
const AGE_ENCRYPT = /(^|[\s|;&(])age\s+(?:-\S+\s+)*(-r|--recipient|-R|--recipients-file)[\s=]/m;

/** A shell script without its comment lines, which may describe a pipeline without running it. */
function withoutComments(script: string): string {
    return script.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
}

/**
 * Public keys printed in age's own documentation. Nobody on a team holds their identities, so a
 * backup encrypted to one can never be restored by its owners: the example stack files carry one
 * until it is replaced with the drill key's public key.
 */
export const DOCUMENTATION_RECIPIENTS = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"];

export const backupsOffsiteEncrypted: StackValidationPolicy = {
    name: "backups-offsite-encrypted",
    description:
        "BK-3: every backup CronJob encrypts its dump with age to a real recipient before it leaves the pod, and uploads it over https:// to the S3 endpoint of Cloudflare R2 (offsite from AWS, where the databases run), into an R2 backups bucket of the stack.",
    enforcementLevel: "mandatory",
    ...requirement("BK-3", "Backups are stored offsite, encrypted at rest and in transit"),
    ...guidance(
        "critical",
        "Run the backup through scripts/backup (dump | zstd | age -r \"$AGE_RECIPIENT\" | upload); set AGE_RECIPIENT to the drill key's age1… public key (backups.encryptionRecipient), S3_ENDPOINT_URL to https://<account-id>.r2.cloudflarestorage.com and S3_BUCKET to the stack's R2 backups bucket, as literal env values; never pass --no-verify-ssl.",
    ),
    configSchema: {
        properties: {
            ...BACKUP_BUCKET_SCHEMA,
            offsiteEndpointPattern: {
                type: "string",
                default: "^https://[a-z0-9]+(\\.(eu|fedramp))?\\.r2\\.cloudflarestorage\\.com/?$",
                description: "Regular expression the backup jobs' S3_ENDPOINT_URL must match: an https:// endpoint of a provider other than the one the databases run on (R2 by default).",
            },
            placeholderRecipients: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "age recipients that are known examples or retired keys and must not receive backups.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<BackupBucketConfig & { offsiteEndpointPattern: string; placeholderRecipients: string[] }>();
        const endpointOk = new RegExp(config.offsiteEndpointPattern ?? "^https://[a-z0-9]+(\\.(eu|fedramp))?\\.r2\\.cloudflarestorage\\.com/?$");
        const placeholders = new Set(config.placeholderRecipients ?? []);
        const bucketNames = args.resources.filter((r) => r.type === CLOUDFLARE_R2_BUCKET).map((r) => at(r.props, "name"));
        const r2Buckets = new Set(bucketNames.filter((n): n is string => typeof n === "string"));
        const bucketsKnown = !bucketNames.includes(UNKNOWN);
        const configMaps = new Map<string, PolicyResource>();
        for (const r of args.resources) {
            const name = at(r.props, "metadata", "name");
            if (r.type === K8S_CONFIG_MAP && typeof name === "string") configMaps.set(name, r);
        }
        for (const r of args.resources) {
            for (const { container, line, datastore } of dumpContainers(r)) {
                const where = `Backup CronJob '${r.name}' (${datastore})`;
                const problems: string[] = [];
                const literal = (name: string, check: (v: string) => string | undefined) => {
                    const v = envOf(container, name);
                    if (v === UNKNOWN) return cannotCheckYet(reportViolation, "backups-offsite-encrypted", r.urn, `${name} of ${r.name}`);
                    if (v === undefined || v === "") return problems.push(`${name} is not set`);
                    if (typeof v !== "string") return problems.push(`${name} comes from a reference the pack cannot read; set it as a literal value`);
                    const p = check(v);
                    if (p !== undefined) problems.push(p);
                };
                literal("S3_ENDPOINT_URL", (v) =>
                    !v.startsWith("https://")
                        ? `S3_ENDPOINT_URL '${v}' is not https://, so the backup travels unencrypted in transit`
                        : !endpointOk.test(v)
                          ? `S3_ENDPOINT_URL '${v}' is not Cloudflare R2's S3 endpoint, so the backup is not stored offsite from the databases`
                          : undefined,
                );
                literal("S3_BUCKET", (v) => {
                    if (!holdsBackups(v, config)) return `S3_BUCKET '${v}' is not a backups bucket (it gets no lock and no backup rules)`;
                    if (r2Buckets.has(v)) return undefined;
                    if (!bucketsKnown) return void cannotCheckYet(reportViolation, "backups-offsite-encrypted", r.urn, `whether S3_BUCKET '${v}' of ${r.name} is an R2 bucket of this stack`);
                    return `S3_BUCKET '${v}' is not an R2 bucket of this stack`;
                });
                literal("AGE_RECIPIENT", (v) =>
                    !isAgeRecipient(v) ? `AGE_RECIPIENT '${v}' is not an age recipient (age1… with a valid checksum), so age cannot encrypt to it` : placeholders.has(v) ? `AGE_RECIPIENT '${v}' is a known example or retired key` : undefined,
                );
                const recipient = envOf(container, "AGE_RECIPIENT");
                if (typeof recipient === "string" && DOCUMENTATION_RECIPIENTS.includes(recipient) && !placeholders.has(recipient)) {
                    // Advisory unless listed in placeholderRecipients: the shipped example stacks plan with it.
                    reportAt(reportViolation, "advisory", "backups-offsite-encrypted")(
                        `${where}: AGE_RECIPIENT is the example public key from age's documentation; nobody on your team holds its identity, so these backups could never be restored. Set backups.encryptionRecipient to your drill key's public key (age-keygen -y drill.key) before the first 'pulumi up'.`,
                        r.urn,
                    );
                }
                if (/--no-verify-ssl\b/.test(line)) problems.push("it runs with --no-verify-ssl, which accepts any certificate in transit");
                // The encrypt step: in the command itself, or in the scripts it runs from a ConfigMap.
                if (!AGE_ENCRYPT.test(line)) {
                    const scriptVolumes = listAt(podSpec(r.type, r.props), "volumes").map((v) => at(v, "configMap", "name"));
                    if (scriptVolumes.includes(UNKNOWN)) {
                        cannotCheckYet(reportViolation, "backups-offsite-encrypted", r.urn, `the scripts of ${r.name}`);
                    } else {
                        const scripts = scriptVolumes
                            .filter((n): n is string => typeof n === "string")
                            .map((n) => configMaps.get(n))
                            .filter((cm): cm is PolicyResource => cm !== undefined)
                            .flatMap((cm) => keysAt(cm.props, "data").map((k) => at(cm.props, "data", k)));
                        if (scripts.includes(UNKNOWN)) cannotCheckYet(reportViolation, "backups-offsite-encrypted", r.urn, `the scripts of ${r.name}`);
                        else if (!scripts.some((s) => typeof s === "string" && AGE_ENCRYPT.test(withoutComments(s)))) {
                            problems.push("neither its command nor the scripts it mounts from this stack's ConfigMaps encrypt with age -r, so the dump would leave the pod in clear");
                        }
                    }
                }
                if (problems.length > 0) reportViolation(`${where}: ${problems.join("; ")}.`, r.urn);
            }
        }
    },
};

interface TokenGrant {
    token: PolicyResource;
    /** Permission group IDs of one allow policy. */
    groups: string[];
    /** Resource keys of that policy. */
    resources: string[];
}

/** Allow policies of every R2-capable token; tokens a preview cannot read are listed apart. */
function tokenGrants(resources: PolicyResource[]): { grants: TokenGrant[]; unreadable: PolicyResource[] } {
    const grants: TokenGrant[] = [];
    const unreadable: PolicyResource[] = [];
    for (const token of resources.filter((r) => TOKEN_TYPES.includes(r.type))) {
        const policies = at(token.props, "policies");
        if (policies === UNKNOWN) {
            unreadable.push(token);
            continue;
        }
        let readable = true;
        const mine: TokenGrant[] = [];
        for (const p of listAt(token.props, "policies")) {
            const effect = at(p, "effect");
            let res = at(p, "resources");
            const groups = listAt(p, "permissionGroups").map((g) => at(g, "id"));
            if ([p, effect, res].includes(UNKNOWN) || groups.includes(UNKNOWN)) {
                readable = false;
                break;
            }
            if (effect === "deny") continue;
            if (typeof res === "string") {
                try {
                    res = JSON.parse(res);
                } catch {
                    res = {};
                }
            }
            mine.push({ token, groups: groups.filter((g): g is string => typeof g === "string"), resources: keysAt(res, ...[]) });
        }
        if (readable) grants.push(...mine);
        else unreadable.push(token);
    }
    return { grants, unreadable };
}

/** The bucket a resource key names (`com.cloudflare.edge.r2.bucket.<account>_<jurisdiction>_<bucket>`), or undefined. */
export function bucketOfKey(key: string): string | undefined {
    const m = /^com\.cloudflare\.edge\.r2\.bucket\.[^_]+_[^_]+_(.+)$/.exec(key);
    return m?.[1];
}

/** Cloudflare's permission groups for objects in R2 buckets (https://developers.cloudflare.com/r2/api/tokens/). */
export const R2_ITEM_READ_GROUP = "6a018a9f2fc74eb6b293b0c548f38b39";
export const R2_ITEM_WRITE_GROUP = "2efd5506f9c8494dacb1fa10a3e7d5b6";
/** Workers R2 Storage Write and Read: account-wide, every bucket and its settings. */
export const R2_ACCOUNT_GROUPS = ["bf7481a1826f439697cb59a20b22293e", "b4992e1108244f5d8bfbd5744320c2e1"];

/** URNs whose outputs flow into a resource's properties (not a mere dependsOn, which orders without passing values). */
function dependencyUrns(r: PolicyResource): string[] {
    return [...new Set(Object.values(r.propertyDependencies ?? {}).flat().map((d) => d.urn))];
}

interface AccessConfig extends BackupBucketConfig {
    readGroups: string[];
    writeGroups: string[];
    accountWideGroups: string[];
}

export const backupsAccessScoped: StackValidationPolicy = {
    name: "backups-access-scoped",
    description:
        "BK-8: only two scoped identities reach the backups bucket: one token that writes it (the backup jobs', reaching no other bucket) and read-only tokens (the drill's); no account-wide R2 token; token values reach pods only through Secrets; the drill (and its age identity) never exists in production; the backups bucket has a lock.",
    enforcementLevel: "mandatory",
    ...requirement("BK-8", "Only authorized identities can read or delete backups"),
    ...guidance(
        "critical",
        "Grant the backups bucket only through components/backup's R2Token: the backup jobs' token with Workers R2 Storage Bucket Item Write on the backups bucket alone, the drill's with Item Read; remove account-wide R2 permissions and other tokens' access to it; pass token values only into Kubernetes Secrets; keep backups.drill out of the production stack; keep the bucket's R2BucketLock.",
    ),
    configSchema: {
        properties: {
            ...BACKUP_BUCKET_SCHEMA,
            readGroups: { type: "array", items: { type: "string" }, default: [R2_ITEM_READ_GROUP], description: "Permission group IDs that only read objects of the buckets they name." },
            writeGroups: { type: "array", items: { type: "string" }, default: [R2_ITEM_WRITE_GROUP], description: "Permission group IDs that read, write and delete objects of the buckets they name." },
            accountWideGroups: { type: "array", items: { type: "string" }, default: R2_ACCOUNT_GROUPS, description: "Permission group IDs that reach every R2 bucket of the account (and its settings)." },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<AccessConfig>();
        const readGroups = new Set(config.readGroups ?? [R2_ITEM_READ_GROUP]);
        const writeGroups = new Set(config.writeGroups ?? [R2_ITEM_WRITE_GROUP]);
        const accountWide = new Set(config.accountWideGroups ?? R2_ACCOUNT_GROUPS);
        const backupBuckets = args.resources.filter((r) => r.type === CLOUDFLARE_R2_BUCKET && holdsBackups(at(r.props, "name"), config));
        const isBackups = (bucket: string) => bucket.includes("*") || holdsBackups(bucket, config);
        const { grants, unreadable } = tokenGrants(args.resources);
        for (const t of unreadable) cannotCheckYet(reportViolation, "backups-access-scoped", t.urn, `the permissions of token '${t.name}'`);
        const tokenUrns = new Set(args.resources.filter((r) => TOKEN_TYPES.includes(r.type)).map((r) => r.urn));

        // 1. Who reaches the backups: bucket-scoped object groups only; one writer, reaching only backups.
        const writers = new Map<string, PolicyResource>();
        const canWrite = new Set<string>();
        for (const g of grants) {
            const accountKeys = g.resources.filter((k) => k.startsWith("com.cloudflare.api.account"));
            const backupKeys = g.resources.map(bucketOfKey).filter((b): b is string => b !== undefined && isBackups(b));
            const wide = g.groups.filter((id) => accountWide.has(id));
            if (backupBuckets.length > 0 && wide.length > 0 && (accountKeys.length > 0 || backupKeys.length > 0)) {
                reportViolation(`Token '${g.token.name}' holds account-wide R2 permission group(s) ${wide.join(", ")}, which reach every bucket, backups included. Scope it to named buckets with the bucket item groups.`, g.token.urn);
                continue;
            }
            if (backupKeys.length === 0) continue;
            const other = g.groups.filter((id) => !readGroups.has(id) && !writeGroups.has(id));
            if (other.length > 0) {
                reportViolation(`Token '${g.token.name}' reaches backups bucket(s) ${backupKeys.join(", ")} with permission group(s) ${other.join(", ")} beyond object read or write. Grant only Workers R2 Storage Bucket Item Read or Write.`, g.token.urn);
            }
            if (g.groups.some((id) => writeGroups.has(id))) {
                canWrite.add(g.token.urn);
                const others = g.resources.map(bucketOfKey).filter((b): b is string => b !== undefined && !isBackups(b));
                if (others.length > 0 || g.resources.some((k) => bucketOfKey(k) === undefined)) {
                    reportViolation(`Token '${g.token.name}' can write (and delete) backups and also reaches ${others.length > 0 ? `bucket(s) ${others.join(", ")}` : "resources other than buckets"}. The backup jobs' token reaches the backups bucket alone.`, g.token.urn);
                }
                for (const b of backupKeys) {
                    const first = writers.get(b);
                    if (first === undefined) writers.set(b, g.token);
                    else if (first.urn !== g.token.urn) {
                        reportViolation(`Token '${g.token.name}' can write (and delete) backups in '${b}', like '${first.name}': only the backup jobs' token may. Make it read-only or remove the bucket from it.`, g.token.urn);
                    }
                }
            }
        }

        // 2. The drill reads with read-only tokens: follow its credentials' Secret to the tokens it holds.
        const secrets = new Map<string, PolicyResource>();
        for (const r of args.resources) {
            const name = at(r.props, "metadata", "name");
            if (r.type === K8S_SECRET && typeof name === "string") secrets.set(name, r);
        }
        const production = isProductionStack(args.resources);
        // Secrets the backup jobs read their credentials from: the writer's, never the drill's.
        const backupJobSecrets = new Set(
            args.resources
                .filter((x) => dumpContainers(x).length > 0)
                .flatMap((x) => containersOf(x.type, x.props).flatMap((c) => listAt(c, "env").map((e) => at(e, "valueFrom", "secretKeyRef", "name"))))
                .filter((n): n is string => typeof n === "string"),
        );
        for (const r of args.resources.filter(isRestoreDrill)) {
            if (production) {
                reportViolation(`Restore drill '${r.name}' is in the production stack, so the age identity that decrypts every backup would live in the production cluster. Drill production's backups from staging.`, r.urn);
            }
            for (const c of containersOf(r.type, r.props)) {
                for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
                    const v = envOf(c, name);
                    if (v === undefined || v === UNKNOWN || typeof v === "string") continue; // literals: k8s-env-no-literal-secret
                    const secretName = at(v.from, "secretKeyRef", "name");
                    if (secretName === UNKNOWN) {
                        cannotCheckYet(reportViolation, "backups-access-scoped", r.urn, `the Secret of ${name} in ${r.name}`);
                        continue;
                    }
                    if (typeof secretName === "string" && backupJobSecrets.has(secretName)) {
                        reportViolation(`Restore drill '${r.name}' reads ${name} from Secret '${secretName}', which the backup jobs use: their token can write and delete backups. Give the drill its own read-only R2 token.`, r.urn);
                        continue;
                    }
                    const secret = typeof secretName === "string" ? secrets.get(secretName) : undefined;
                    const held = secret ? dependencyUrns(secret).filter((u) => tokenUrns.has(u)) : [];
                    if (held.length === 0) {
                        reportViolation(`Restore drill '${r.name}' reads ${name} from Secret '${String(secretName)}', which ${secret ? "holds no R2 token of this stack" : "this stack does not declare"}, so the pack cannot prove it is read-only. Fill it from the drill's read-only R2 token.`, r.urn);
                    }
                    for (const urn of held.filter((u) => canWrite.has(u))) {
                        reportViolation(`Restore drill '${r.name}' reads ${name} from Secret '${String(secretName)}', which holds token '${urn.split("::").pop()}' that can write and delete backups. The drill's token is read-only.`, r.urn);
                    }
                }
            }
        }

        // 3. Token values reach workloads only through Secrets.
        for (const r of args.resources) {
            if (!r.type.startsWith("kubernetes:") || r.type === K8S_SECRET) continue;
            const token = dependencyUrns(r).find((u) => tokenUrns.has(u));
            if (token !== undefined) {
                reportViolation(`${r.type.split(":").pop()} '${r.name}' takes a value from R2 token '${token.split("::").pop()}'. Token values reach pods only through a Secret and secretKeyRef.`, r.urn);
            }
        }

        // 4. No drill identity in production.
        if (production) {
            for (const r of args.resources.filter((x) => x.type === K8S_SECRET || x.type === K8S_CONFIG_MAP)) {
                const keys = [...keysAt(r.props, "stringData"), ...keysAt(r.props, "data")];
                const values = keys.map((k) => at(r.props, "stringData", k) ?? at(r.props, "data", k));
                if (keys.some((k) => /AGE[_-]?(SECRET[_-]?KEY|IDENTITY)/i.test(k)) || values.some((v) => typeof v === "string" && v.includes("AGE-SECRET-KEY-"))) {
                    reportViolation(`${r.type.split(":").pop()} '${r.name}' holds an age identity in the production stack. The key that decrypts backups never lives in the production cluster; keep it in staging's drill.`, r.urn);
                }
            }
        }

        // 5. Deleting a backup early needs the lock gone first.
        const locked = new Set(
            args.resources
                .filter((r) => r.type === CLOUDFLARE_R2_BUCKET_LOCK && listAt(r.props, "rules").some((rule) => rule === UNKNOWN || flagAt(rule, "enabled") === true))
                .flatMap((r) => [at(r.props, "bucketName"), ...(r.propertyDependencies.bucketName ?? []).map((d) => d.urn)]),
        );
        for (const b of backupBuckets) {
            if (!locked.has(at(b.props, "name")) && !locked.has(b.urn)) {
                reportViolation(`Backups bucket '${String(at(b.props, "name"))}' has no R2BucketLock with an enabled rule, so any token that can write it can delete backups. Declare its lock.`, b.urn);
            }
        }
    },
};
