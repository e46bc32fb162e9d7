import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, forTypes, guidance, requirement } from "./meta";
import { at, listAt, UNKNOWN } from "./props";

/*
 * Backup and restore-drill rules (BK-1, BK-3, SC-1, SC-5). What the pack recognises, without
 * importing the program:
 * - a database: a primary RDS instance (engine postgres), or a data-tier StatefulSet that runs
 *   `mongod` (MongoDB) or `redis-server`/`valkey-server` (in-cluster Redis). ElastiCache keeps its
 *   own snapshots (elasticache-snapshot-retention).
 * - a backup CronJob: labelled `runbook.dev/backup-datastore: <datastore>` AND running that
 *   datastore's dump (its backup script or the dump tool itself), not suspended.
 * - a backup or drill job: a Job or CronJob whose pods carry `runbook.dev/role: backup`.
 */

export const ROLE_LABEL = "runbook.dev/role";
export const BACKUP_ROLE = "backup";
export const BACKUP_DATASTORE_LABEL = "runbook.dev/backup-datastore";
const TIER_LABEL = "runbook.dev/tier";

const CRON_JOB = "kubernetes:batch/v1:CronJob";
const JOB = "kubernetes:batch/v1:Job";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const RDS_INSTANCE = "aws:rds/instance:Instance";


type Datastore = "postgres" | "mongodb" | "mongodb-oplog" | "redis";

/** What a backup of each datastore runs: its script, or the dump tool with what makes it that dump. */
const DUMPS: Record<Datastore, (cmd: string) => boolean> = {
    postgres: (cmd) => /\bbackup-postgres\.sh\b/.test(cmd) || /\bpg_dump\b/.test(cmd),
    mongodb: (cmd) => /\bbackup-mongodb\.sh\b/.test(cmd) || (/\bmongodump\b/.test(cmd) && /--oplog\b/.test(cmd)),
    "mongodb-oplog": (cmd) => /\bbackup-mongodb-oplog\.sh\b/.test(cmd) || (/\bmongodump\b/.test(cmd) && /oplog\.rs/.test(cmd)),
    redis: (cmd) => /\bbackup-redis\.sh\b/.test(cmd) || (/\bredis-cli\b/.test(cmd) && /--rdb\b/.test(cmd)),
};

/**
 * True when a five-field cron schedule fires at least once a day (`daily`) or once an hour
 * (`hourly`): day-of-month, month and day-of-week unrestricted, and for hourly the hour too.
 */
export function cronRunsAtLeast(schedule: string, every: "daily" | "hourly"): boolean {
    const macros: Record<string, string> = { "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *" };
    const fields = (macros[schedule.trim()] ?? schedule).trim().split(/\s+/);
    if (fields.length !== 5) return false;
    const [minute, hour, dom, month, dow] = fields;
    const any = (f: string) => f === "*" || f === "*/1" || f === "?";
    if (!any(dom) || !any(month) || !any(dow)) return false;
    // The minute field only says when within the hour; any valid one fires at least hourly.
    if (!/^(\*|\*\/\d+|[0-5]?\d([,-][0-5]?\d)*)$/.test(minute)) return false;
    return every === "daily" ? /^(\*|\*\/\d+|[01]?\d([,-][0-2]?\d)*|2[0-3]([,-][0-2]?\d)*)$/.test(hour) : any(hour);
}

/** Where each kind keeps its pod template. */
function templatePath(type: string): string[] {
    return type === CRON_JOB ? ["spec", "jobTemplate", "spec", "template"] : ["spec", "template"];
}

/** Init containers and containers; an element only known after `pulumi up` is UNKNOWN. */
function containersOf(type: string, props: unknown): unknown[] {
    const spec = [...templatePath(type), "spec"];
    return [...listAt(props, ...spec, "initContainers"), ...listAt(props, ...spec, "containers")];
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
        if (r.type === RDS_INSTANCE) {
            const replicaOf = at(r.props, "replicateSourceDb");
            const engine = at(r.props, "engine");
            if ((replicaOf === undefined || replicaOf === "") && typeof engine === "string" && /^postgres/i.test(engine)) found.push({ datastore: "postgres", resource: r });
        } else if (r.type === STATEFUL_SET) {
            const tier = at(r.props, "metadata", "labels", TIER_LABEL) ?? at(r.props, ...templatePath(r.type), "metadata", "labels", TIER_LABEL);
            if (tier !== "data") continue;
            const cmds = containersOf(r.type, r.props).map((c) => commandLine(c) ?? "").join(" ");
            if (/\bmongod\b|(^|[/ ])mongo:/.test(cmds)) found.push({ datastore: "mongodb", resource: r });
            else if (/\b(redis|valkey)-server\b|(^|[/ ])(redis|valkey):/.test(cmds)) found.push({ datastore: "redis", resource: r });
        }
    }
    return found;
}

/**
 * The schedules of the active backup CronJobs, by datastore, and whether some CronJob could not be
 * read because part of it is only known after `pulumi up` (it then proves nothing).
 */
export function backupSchedulesOf(resources: PolicyResource[]): { schedules: Map<Datastore, string[]>; unreadable: number } {
    const schedules = new Map<Datastore, string[]>();
    let unreadable = 0;
    for (const r of resources) {
        if (r.type !== CRON_JOB) continue;
        const datastore = at(r.props, "metadata", "labels", BACKUP_DATASTORE_LABEL);
        const suspend = at(r.props, "spec", "suspend");
        const schedule = at(r.props, "spec", "schedule");
        const lines = containersOf(r.type, r.props).map(commandLine);
        if ([datastore, suspend, schedule].includes(UNKNOWN) || lines.includes(undefined)) {
            unreadable++;
            continue;
        }
        if (typeof datastore !== "string" || !(datastore in DUMPS) || suspend === true || typeof schedule !== "string") continue;
        if (!lines.some((l) => DUMPS[datastore as Datastore](l!))) continue;
        schedules.set(datastore as Datastore, [...(schedules.get(datastore as Datastore) ?? []), schedule]);
    }
    return { schedules, unreadable };
}

export const backupCronJobPerDatabase: StackValidationPolicy = {
    name: "backup-cronjob-per-database",
    description:
        "BK-1: every database in the stack (RDS PostgreSQL, MongoDB, in-cluster Redis) has an active backup CronJob that runs its dump at least daily; MongoDB also has an oplog capture at least hourly.",
    enforcementLevel: "mandatory",
    ...requirement("BK-1", "Daily full backup of every database (003: 02:00 UTC); MongoDB also hourly oplog / point-in-time"),
    ...guidance(
        "high",
        "Declare the database's backup CronJob (components/backup: backup-postgres, backup-mongodb and backup-mongodb-oplog, backup-redis), labelled runbook.dev/backup-datastore, not suspended, on a schedule that fires every day (every hour for the oplog capture).",
    ),
    validateStack: (args, reportViolation) => {
        const { schedules, unreadable } = backupSchedulesOf(args.resources);
        const needs = (datastore: Datastore, every: "daily" | "hourly", resource: PolicyResource, what: string) => {
            const found = schedules.get(datastore) ?? [];
            if (found.some((s) => cronRunsAtLeast(s, every))) return;
            // Fail closed: a CronJob that cannot be read yet proves no backup.
            const unknownNote = unreadable > 0 ? ` (${unreadable} CronJob(s) are only known after 'pulumi up' and prove nothing)` : "";
            const seen = (found.length > 0 ? `its backup CronJob runs on '${found.join("', '")}', less often than ${every}` : "no backup CronJob runs its dump") + unknownNote;
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
            if (datastore === "redis") needs("redis", "daily", resource, "Redis StatefulSet");
        }
    },
};

/** Env names that hold credentials (SC-1). */
const CREDENTIAL_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|_AUTH$|^AUTH$|API_KEY)/i;
/** Values that are credentials whatever their name: a URL with a password, an age or private key. */
const CREDENTIAL_VALUE = /(:\/\/[^/@\s:]*:[^/@\s]+@|AGE-SECRET-KEY-|-----BEGIN [A-Z ]*PRIVATE KEY-----)/;

/** Pinned: a tag other than `latest`, or a digest (WL-3). */
export function isPinnedImage(image: string): boolean {
    if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
    const lastSegment = image.split("/").pop() ?? "";
    const tag = lastSegment.includes(":") ? lastSegment.split(":").pop() : undefined;
    return tag !== undefined && tag !== "" && tag !== "latest";
}

export const backupJobsHardened: ResourceValidationPolicy = {
    name: "backup-jobs-hardened",
    description:
        "SC-5: backup and restore-drill jobs (pods with runbook.dev/role: backup) pin their images, run restricted (non-root, no escalation, no capabilities, RuntimeDefault seccomp), hold no literal credential and read credentials only from Secrets (SC-1).",
    enforcementLevel: "mandatory",
    ...requirement(["SC-5", "SC-1"], "Workloads run with least privilege (non-root, no privilege escalation, network isolation); secrets never in plain config"),
    ...guidance(
        "high",
        "Pin the image to a version tag or digest; run the pod with runAsNonRoot, a RuntimeDefault seccomp profile, allowPrivilegeEscalation: false and capabilities.drop [ALL]; move every credential into a Secret and read it with valueFrom.secretKeyRef.",
    ),
    validateResource: forTypes([CRON_JOB, JOB], (args, reportViolation) => {
        if (args.type !== CRON_JOB && args.type !== JOB) args.notApplicable("not a Job or CronJob");
        const template = templatePath(args.type);
        const role = at(args.props, ...template, "metadata", "labels", ROLE_LABEL);
        if (role === UNKNOWN) {
            cannotCheckYet(reportViolation, "backup-jobs-hardened", undefined, `whether ${args.name} is a backup job`);
            return;
        }
        if (role !== BACKUP_ROLE) args.notApplicable("not a backup or drill job");
        const kind = args.type.split(":").pop();
        const pod = (...path: string[]) => at(args.props, ...template, "spec", "securityContext", ...path);
        if (pod("runAsNonRoot") !== true && pod("runAsNonRoot") !== UNKNOWN) reportViolation(`${kind} '${args.name}': the pod does not set runAsNonRoot: true. Run the job as a non-root user.`);
        const seccomp = pod("seccompProfile", "type");
        if (seccomp !== UNKNOWN && seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
            reportViolation(`${kind} '${args.name}': the pod has no RuntimeDefault seccomp profile. Set securityContext.seccompProfile.type: RuntimeDefault.`);
        }
        for (const c of containersOf(args.type, args.props)) {
            if (c === UNKNOWN) continue;
            const where = `${kind} '${args.name}' container '${String(at(c, "name"))}'`;
            const image = at(c, "image");
            if (image !== UNKNOWN && (typeof image !== "string" || !isPinnedImage(image))) reportViolation(`${where}: image '${String(image)}' is not pinned. Use a version tag (not latest) or a digest.`);
            const sec = (...path: string[]) => at(c, "securityContext", ...path);
            const problems: string[] = [];
            if ((sec("runAsNonRoot") ?? pod("runAsNonRoot")) === false || (sec("runAsNonRoot") ?? pod("runAsNonRoot")) === undefined) problems.push("runAsNonRoot is not true");
            if ((sec("runAsUser") ?? pod("runAsUser")) === 0) problems.push("runAsUser is 0");
            if (sec("allowPrivilegeEscalation") !== false && sec("allowPrivilegeEscalation") !== UNKNOWN) problems.push("allowPrivilegeEscalation is not false");
            if (sec("privileged") === true) problems.push("privileged is true");
            const drop = listAt(c, "securityContext", "capabilities", "drop");
            if (!drop.includes("ALL") && !drop.includes(UNKNOWN) && sec("capabilities") !== UNKNOWN) problems.push("capabilities.drop does not include ALL");
            if (problems.length > 0) reportViolation(`${where}: ${problems.join("; ")}. Run it restricted.`);
            for (const e of listAt(c, "env")) {
                if (e === UNKNOWN) continue;
                const name = String(at(e, "name") ?? "");
                const value = at(e, "value");
                const from = at(e, "valueFrom");
                if (value === UNKNOWN || from === UNKNOWN) continue;
                if (typeof value === "string" && CREDENTIAL_VALUE.test(value)) {
                    reportViolation(`${where}: env ${name} holds a literal credential. Put it in a Secret and read it with valueFrom.secretKeyRef.`);
                } else if (CREDENTIAL_NAME.test(name) && at(from, "secretKeyRef") === undefined) {
                    const how = value !== undefined ? "a literal value" : at(from, "configMapKeyRef") !== undefined ? "a ConfigMap" : "no Secret";
                    reportViolation(`${where}: env ${name} is a credential read from ${how}. Read it from a Secret with valueFrom.secretKeyRef.`);
                }
            }
        }
    }),
};
