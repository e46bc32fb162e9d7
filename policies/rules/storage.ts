import { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, describeDefaults, forEnvironment, guidance, isProductionStack, requirement } from "./meta";
import { MALFORMED, UNKNOWN, at, flag, flagAt, knownNumber, knownString, listAt } from "./props";
import { CLOUDFLARE_R2_BUCKET, CLOUDFLARE_R2_BUCKET_LIFECYCLE, CLOUDFLARE_R2_BUCKET_LOCK, CLOUDFLARE_R2_CUSTOM_DOMAIN, CLOUDFLARE_R2_MANAGED_DOMAIN } from "./vocabulary";

/*
 * R2 rules. Whether a bucket holds backups is decided by its name, from the pack config (a list of
 * names and a naming rule), never by which component declared it: moving a bucket to another
 * component, or declaring it directly, must not take it out of the backups rules.
 */

const DAY_SECONDS = 86400;

/** Bucket names that hold backups unless the pack config says otherwise: a `backup` or `backups` word in the name. */
export const DEFAULT_BACKUP_BUCKET_PATTERN = "(^|[-_.])backups?($|[-_.])";

export interface BackupBucketConfig {
    backupBuckets: string[];
    backupBucketPattern: string;
}

/** Config keys that say which buckets hold backups; every backups policy takes the same two. */
export const BACKUP_BUCKET_SCHEMA = {
    backupBuckets: {
        type: "array" as const,
        items: { type: "string" as const },
        default: [] as string[],
        description: "Names of R2 buckets that hold backups (for example the stack's backups.bucket), in addition to those the naming rule matches.",
    },
    backupBucketPattern: {
        type: "string" as const,
        default: DEFAULT_BACKUP_BUCKET_PATTERN,
        description: "Regular expression (case-insensitive) on the bucket name: a match holds backups. Set it to an expression that matches nothing, such as '$^', to rely on backupBuckets only.",
    },
};

/** True when a bucket name holds backups under the pack config. */
export function holdsBackups(name: unknown, config: BackupBucketConfig): boolean {
    if (typeof name !== "string") return false;
    if ((config.backupBuckets ?? []).includes(name)) return true;
    return new RegExp(config.backupBucketPattern ?? DEFAULT_BACKUP_BUCKET_PATTERN, "i").test(name);
}

function bucketsOf(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === CLOUDFLARE_R2_BUCKET);
}

function bucketKey(accountId: unknown, name: unknown): string | undefined {
    return typeof name === "string" ? `${typeof accountId === "string" ? accountId : "?"}/${name}` : undefined;
}

/**
 * Resources that configure a bucket (lifecycle, lock, domain), grouped by the bucket they name, so
 * each policy is one pass over the stack however many buckets it has. A resource whose bucket name
 * is unknown in a preview names its bucket through its dependency instead.
 */
function byBucket(resources: PolicyResource[]): (bucket: PolicyResource) => PolicyResource[] {
    const groups = new Map<string, PolicyResource[]>();
    const add = (key: string, r: PolicyResource) => groups.set(key, [...(groups.get(key) ?? []), r]);
    for (const r of resources) {
        const name = at(r.props, "bucketName");
        const key = bucketKey(at(r.props, "accountId"), name);
        if (key !== undefined) add(key, r);
        else for (const d of r.propertyDependencies.bucketName ?? []) add(d.urn, r);
    }
    return (bucket) => {
        const key = bucketKey(at(bucket.props, "accountId"), at(bucket.props, "name"));
        return [...(key ? (groups.get(key) ?? []) : []), ...(groups.get(bucket.urn) ?? [])];
    };
}

function backupBuckets(resources: PolicyResource[], config: BackupBucketConfig): PolicyResource[] {
    return bucketsOf(resources).filter((b) => holdsBackups(at(b.props, "name"), config));
}

export const r2BucketLifecycle: StackValidationPolicy = {
    name: "r2-bucket-lifecycle",
    description: "ST-2: every R2 bucket has lifecycle rules, so storage does not grow without bound.",
    enforcementLevel: "mandatory",
    ...requirement("ST-2", "Lifecycle rules on R2 buckets, plus a periodic copy to cold storage"),
    ...guidance("medium", "Add a cloudflare.R2BucketLifecycle for the bucket with at least one enabled rule (abort incomplete uploads, move to Infrequent Access, or expire)."),
    configSchema: {
        properties: {
            minimumEnabledRules: { type: "integer", minimum: 1, default: 1, description: "Enabled lifecycle rules each bucket needs." },
        },
    },
    validateStack: (args, reportViolation) => {
        const minimumEnabledRules = args.getConfig<{ minimumEnabledRules?: number }>().minimumEnabledRules ?? 1;
        const lifecyclesOf = byBucket(args.resources.filter((r) => r.type === CLOUDFLARE_R2_BUCKET_LIFECYCLE));
        for (const bucket of bucketsOf(args.resources)) {
            const rules = lifecyclesOf(bucket).flatMap((l) => listAt(l.props, "rules"));
            const enabled = rules.filter((rule) => flagAt(rule, "enabled") === true).length;
            const unknown = rules.some((rule) => rule === UNKNOWN || at(rule, "enabled") === UNKNOWN) || lifecyclesOf(bucket).some((l) => at(l.props, "rules") === UNKNOWN);
            if (enabled >= minimumEnabledRules) continue;
            if (unknown) {
                cannotCheckYet(reportViolation, "r2-bucket-lifecycle", bucket.urn, `the lifecycle rules of bucket '${bucket.name}'`);
                continue;
            }
            reportViolation(
                `R2 bucket '${knownString(at(bucket.props, "name")) ?? bucket.name}' has ${enabled} enabled lifecycle rule(s); at least ${minimumEnabledRules} required. Add a cloudflare.R2BucketLifecycle for it.`,
                bucket.urn,
            );
        }
    },
};

export const r2BackupsNeverPublic: StackValidationPolicy = {
    name: "r2-backups-never-public",
    description: "ST-3: a bucket holding backups is never served publicly (no custom or r2.dev domain).",
    enforcementLevel: "mandatory",
    ...requirement("ST-3", "Assets served from a public base URL behind the CDN; buckets holding backups are never public"),
    ...guidance("critical", "Remove the custom domain or the r2.dev domain from the backups bucket; restores read it with scoped credentials, never through a public URL."),
    configSchema: { properties: { ...BACKUP_BUCKET_SCHEMA } },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<BackupBucketConfig>();
        const domainsOf = byBucket(args.resources.filter((r) => (r.type === CLOUDFLARE_R2_CUSTOM_DOMAIN || r.type === CLOUDFLARE_R2_MANAGED_DOMAIN) && flagAt(r.props, "enabled") !== false));
        for (const bucket of backupBuckets(args.resources, config)) {
            for (const domain of domainsOf(bucket)) {
                const name = knownString(at(domain.props, "domain"));
                const what = domain.type === CLOUDFLARE_R2_MANAGED_DOMAIN ? "the public r2.dev domain" : `custom domain ${name ?? "(known after 'pulumi up')"}`;
                reportViolation(`Backups bucket '${String(at(bucket.props, "name"))}' is exposed through ${what} (${domain.urn}). Remove the domain.`, domain.urn);
            }
        }
    },
};

const MINIMUM_LOCK_DAYS = { production: 30, other: 7 };
/** Where backup jobs upload before promoting a verified object to its datastore prefix: never a backup itself. */
export const DEFAULT_TEMPORARY_PREFIXES = ["incoming/"];
const REQUIRE_PROTECTED_LOCK = { production: true, other: false };

interface LockRule {
    prefix: string;
    /** How long the rule locks an object, in seconds; Infinity for an indefinite lock, 0 for a fixed date. */
    seconds: number;
}

/** Enabled lock rules of a bucket; `UNKNOWN` when a preview cannot tell what they are. */
function lockRulesOf(locks: PolicyResource[]): LockRule[] | typeof UNKNOWN {
    const rules: LockRule[] = [];
    for (const lock of locks) {
        if (at(lock.props, "rules") === UNKNOWN) return UNKNOWN;
        for (const rule of listAt(lock.props, "rules")) {
            const enabled = at(rule, "enabled");
            const prefix = at(rule, "prefix");
            const type = at(rule, "condition", "type");
            const age = at(rule, "condition", "maxAgeSeconds");
            if ([rule, enabled, prefix, type].includes(UNKNOWN)) return UNKNOWN;
            // A lock rule counts only when a provider reads it as enabled ("true" included).
            if (flag(enabled) !== true) continue;
            const kind = String(type ?? "").toLowerCase();
            // An indefinite lock keeps every object until the rule is removed: it satisfies any retention.
            if (kind === "indefinite") rules.push({ prefix: knownString(prefix) ?? "", seconds: Infinity });
            else if (kind === "age") {
                if (age === UNKNOWN) return UNKNOWN;
                rules.push({ prefix: knownString(prefix) ?? "", seconds: knownNumber(age) ?? 0 });
            } else rules.push({ prefix: knownString(prefix) ?? "", seconds: 0 }); // a fixed date locks nothing written after it
        }
    }
    return rules;
}

/** How long objects under `prefix` are locked: the longest rule whose prefix covers it. */
function lockedFor(rules: LockRule[], prefix: string): number {
    return Math.max(0, ...rules.filter((r) => prefix.startsWith(r.prefix)).map((r) => r.seconds));
}

interface DeletionRule {
    id: string;
    prefix: string;
    /** Age at which objects are deleted, in seconds; 0 for a rule that deletes on a fixed date. */
    seconds: number;
    byDate: boolean;
}

function deletionRulesOf(lifecycles: PolicyResource[]): DeletionRule[] | typeof UNKNOWN {
    const rules: DeletionRule[] = [];
    for (const lifecycle of lifecycles) {
        if (at(lifecycle.props, "rules") === UNKNOWN) return UNKNOWN;
        for (const rule of listAt(lifecycle.props, "rules")) {
            if (rule === UNKNOWN) return UNKNOWN;
            const deletion = at(rule, "deleteObjectsTransition");
            if (deletion === undefined || deletion === null) continue;
            const enabled = at(rule, "enabled");
            const prefix = at(rule, "conditions", "prefix");
            const type = at(deletion, "condition", "type");
            const age = at(deletion, "condition", "maxAge");
            if ([deletion, enabled, prefix, type, age].includes(UNKNOWN)) return UNKNOWN;
            // A deletion rule counts unless a provider reads it as disabled: "true", and a value of no type, delete.
            const on = flag(enabled);
            if (on === false || (on === undefined && enabled !== undefined)) continue;
            if (on !== true && on !== MALFORMED) continue;
            const byDate = String(type ?? "").toLowerCase() === "date";
            rules.push({ id: knownString(at(rule, "id")) ?? "(no id)", prefix: knownString(prefix) ?? "", seconds: byDate ? 0 : (knownNumber(age) ?? 0), byDate });
        }
    }
    return rules;
}

function days(seconds: number): string {
    return seconds === Infinity ? "indefinitely" : `${Math.floor(seconds / DAY_SECONDS)} day(s)`;
}

function shown(prefix: string): string {
    return prefix === "" ? "every object" : `prefix '${prefix}'`;
}

export const r2BackupsWriteOnce: StackValidationPolicy = {
    name: "r2-backups-write-once",
    description:
        "BK-4: a bucket holding backups is locked for at least the retention on every prefix it uses (an indefinite lock satisfies any retention), no lifecycle rule deletes a backup before its retention and lock end, and in production the lock itself is protected. Temporary upload prefixes (incoming/) need no lock and may expire early, but a delete rule that also reaches a backup prefix must wait for its retention.",
    enforcementLevel: "mandatory",
    ...requirement(["BK-4", "BK-2"], "Backups are append-only / write-protected once written"),
    ...guidance(
        "critical",
        "Add a cloudflare.R2BucketLock rule (prefix '' or one per backup prefix) with condition Age of at least the retention, or Indefinite; make every delete rule of the bucket's lifecycle at least as old as the lock; set protect: true on the lock in production.",
    ),
    configSchema: {
        properties: {
            ...BACKUP_BUCKET_SCHEMA,
            minimumLockDays: { type: "integer", minimum: 1, description: `Shortest lock, in days, that a backup object must have. ${describeDefaults(MINIMUM_LOCK_DAYS)}` },
            minimumLockDaysByPrefix: {
                type: "object",
                additionalProperties: { type: "integer", minimum: 1 },
                default: {},
                description: "Per-prefix minimum lock in days (for example { \"redis/\": 7 }); the longest matching prefix wins over minimumLockDays.",
            },
            requireProtectedLock: { type: "boolean", description: `Require protect: true on the bucket's lock, so removing it needs an explicit unprotect. ${describeDefaults(REQUIRE_PROTECTED_LOCK)}` },
            temporaryPrefixes: {
                type: "array",
                items: { type: "string", pattern: ".+/$" },
                default: DEFAULT_TEMPORARY_PREFIXES,
                description: "Prefixes (ending in '/') where backup jobs upload before promoting a verified object: objects there are not backups, so they need no lock and may expire before the retention. Prefixes outside them are held to the lock and retention.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<BackupBucketConfig & { minimumLockDays?: number; minimumLockDaysByPrefix: Record<string, number>; requireProtectedLock?: boolean; temporaryPrefixes?: string[] }>();
        const production = isProductionStack(args.resources);
        const minimumDays = forEnvironment(config.minimumLockDays, production, MINIMUM_LOCK_DAYS);
        const requireProtected = forEnvironment(config.requireProtectedLock, production, REQUIRE_PROTECTED_LOCK);
        const overrides = Object.entries(config.minimumLockDaysByPrefix ?? {}).sort(([a], [b]) => b.length - a.length);
        // Only a prefix inside a temporary one (ending in '/', so "incoming" alone never matches) is exempt.
        const temporary = (config.temporaryPrefixes ?? DEFAULT_TEMPORARY_PREFIXES).filter((t) => t.endsWith("/"));
        const isTemporary = (prefix: string) => temporary.some((t) => prefix.startsWith(t));
        const minimumFor = (prefix: string) => (isTemporary(prefix) ? 0 : (overrides.find(([p]) => prefix.startsWith(p))?.[1] ?? minimumDays) * DAY_SECONDS);
        const locksOf = byBucket(args.resources.filter((r) => r.type === CLOUDFLARE_R2_BUCKET_LOCK));
        const lifecyclesOf = byBucket(args.resources.filter((r) => r.type === CLOUDFLARE_R2_BUCKET_LIFECYCLE));
        for (const bucket of backupBuckets(args.resources, config)) {
            const name = at(bucket.props, "name");
            checkBucket(bucket, String(name), locksOf(bucket), lifecyclesOf(bucket), minimumFor, isTemporary, requireProtected, reportViolation);
        }
    },
};

function checkBucket(
    bucket: PolicyResource,
    name: string,
    locks: PolicyResource[],
    lifecycles: PolicyResource[],
    minimumFor: (prefix: string) => number,
    isTemporary: (prefix: string) => boolean,
    requireProtected: boolean,
    report: ReportViolation,
): void {
    const lockRules = lockRulesOf(locks);
    const deletions = deletionRulesOf(lifecycles);
    if (requireProtected) {
        for (const lock of locks.filter((l) => l.opts.protect !== true)) {
            report(`The lock of backups bucket '${name}' (${lock.name}) is not protected: removing it from the program would delete the lock and leave every backup deletable. Set the resource option protect: true on it.`, lock.urn);
        }
    }
    if (lockRules === UNKNOWN) {
        cannotCheckYet(report, "r2-backups-write-once", bucket.urn, `the lock rules of backups bucket '${name}'`);
        return;
    }
    // Every prefix the bucket's rules name holds backups, except temporary ones; with none named, the whole bucket does.
    const prefixes = new Set<string>([...lockRules.map((r) => r.prefix), ...(deletions === UNKNOWN ? [] : deletions.map((d) => d.prefix))]);
    if (![...prefixes].some((p) => !isTemporary(p))) prefixes.add("");
    for (const prefix of [...prefixes].sort()) {
        const locked = lockedFor(lockRules, prefix);
        const required = minimumFor(prefix);
        if (locked < required) {
            report(
                `Backups bucket '${name}' locks ${shown(prefix)} for ${locks.length === 0 ? "0 day(s) (it has no lock)" : days(locked)}; at least ${days(required)} required. Add a cloudflare.R2BucketLock rule covering ${shown(prefix)} with an Age of at least ${days(required)}, or Indefinite.`,
                bucket.urn,
            );
        }
    }
    if (deletions === UNKNOWN) {
        cannotCheckYet(report, "r2-backups-write-once", bucket.urn, `the lifecycle rules of backups bucket '${name}'`);
        return;
    }
    for (const d of deletions) {
        if (d.byDate) {
            report(`Lifecycle rule '${d.id}' of backups bucket '${name}' deletes ${shown(d.prefix)} on a fixed date, whatever its age, so recent backups go too. Delete by Age, no earlier than the retention and the lock.`, bucket.urn);
            continue;
        }
        // Objects under the rule's prefix, and under any longer prefix it covers, are deleted at its age.
        const covered = [...prefixes].filter((p) => p.startsWith(d.prefix)).concat(d.prefix);
        const needed = Math.max(...covered.map((p) => Math.max(minimumFor(p), lockedFor(lockRules, p))));
        if (d.seconds < needed) {
            report(
                `Lifecycle rule '${d.id}' of backups bucket '${name}' deletes ${shown(d.prefix)} after ${days(d.seconds)}, before the retention and lock of ${days(needed)} end. Delete no earlier than ${days(needed)} (an indefinite lock needs no delete rule).`,
                bucket.urn,
            );
        }
    }
}

export const r2CustomDomainTls: StackValidationPolicy = {
    name: "r2-custom-domain-tls",
    description: "ED-2: every R2 custom domain requires TLS 1.2 or later.",
    enforcementLevel: "mandatory",
    ...requirement("ED-2", "TLS everywhere; certificates renew automatically and their expiry is monitored"),
    ...guidance("high", "Set minTls: \"1.2\" (or \"1.3\") on the cloudflare.R2CustomDomain; Cloudflare's default admits TLS 1.0."),
    validateStack: (args, reportViolation) => {
        for (const domain of args.resources.filter((r) => r.type === CLOUDFLARE_R2_CUSTOM_DOMAIN)) {
            const minTls = at(domain.props, "minTls");
            if (minTls === UNKNOWN) {
                cannotCheckYet(reportViolation, "r2-custom-domain-tls", domain.urn, `minTls of custom domain '${domain.name}'`);
                continue;
            }
            const version = knownNumber(minTls);
            if (version === undefined || version < 1.2) {
                reportViolation(
                    `R2 custom domain '${domain.name}' (${knownString(at(domain.props, "domain")) ?? "domain unknown"}) admits TLS ${minTls === undefined ? "1.0 (minTls is not set)" : JSON.stringify(minTls)}. Set minTls: "1.2" or "1.3".`,
                    domain.urn,
                );
            }
        }
    },
};
