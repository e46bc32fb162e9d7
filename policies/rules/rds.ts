import type * as aws from "@pulumi/aws";
import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, describeDefaults, forEnvironment, guidance, isProductionUrn, outsideProductionSchema, reportAt, requirement, resourceClass, validateResourceOfType } from "./meta";
import { UNKNOWN, at, isSet, knownNumber, knownString, listAt, MALFORMED, flag } from "./props";
import { containersOf, isWorkload, podLabels, podSpec } from "./workloadShape";
import { APP_TIER, AWS_KMS_ALIAS, AWS_KMS_KEY, AWS_KMS_KEY_POLICY, AWS_RDS_INSTANCE, AWS_RDS_PARAMETER_GROUP, K8S_JOB, K8S_SECRET, RANDOM_PASSWORD, TIER_LABEL } from "./vocabulary";

/** Resource classes by type token; the provider SDK is imported for its types only (see resourceClass). */
export const KmsKey = resourceClass<aws.kms.Key, aws.kms.KeyArgs>(AWS_KMS_KEY);
export const KmsKeyPolicy = resourceClass<aws.kms.KeyPolicy, aws.kms.KeyPolicyArgs>(AWS_KMS_KEY_POLICY);
export const RdsInstance = resourceClass<aws.rds.Instance, aws.rds.InstanceArgs>(AWS_RDS_INSTANCE);

/*
 * RDS policies. Inputs computed from other resources (a KMS key's ARN, a random suffix, the source
 * of a replica) are unknown during a preview, and the policy server throws when a policy reads an
 * unknown. Every read goes through `at`, which turns that into a value the check can handle: a
 * check that needs an unknown value reports "can't check during preview" (advisory) for itself
 * only, and every other check still runs.
 */

type Props = Record<string, unknown>;

/** Set: present and, when known, not empty. A preview unknown is set (it is computed later). */
function isSetAt(props: Props, key: string): boolean {
    return isSet(at(props, key));
}

/**
 * A read replica takes its engine, master user, encryption key and data from its source; RDS
 * refuses a final snapshot for it, and the source's backups cover its data.
 */
function isReplica(props: Props): boolean {
    return isSetAt(props, "replicateSourceDb");
}

function show(value: unknown): string {
    return value === undefined ? "not set" : JSON.stringify(value);
}

/** An AWS-managed key: `alias/aws/rds`, or its ARN form `arn:aws:kms:…:alias/aws/rds`. */
export function isAwsManagedKey(keyId: string): boolean {
    return /(^|:)alias\/aws\//i.test(keyId.trim());
}

export const rdsStorageEncrypted: StackValidationPolicy = {
    name: "rds-storage-encrypted",
    description: "DB-3: every RDS instance encrypts its storage at rest, and a primary does so with a customer-managed KMS key that this stack declares (never an AWS-managed alias/aws/… key).",
    enforcementLevel: "mandatory",
    ...requirement("DB-3", "Data encrypted at rest"),
    ...guidance("critical", "Set storageEncrypted: true and kmsKeyId to the ARN of an aws.kms.Key declared in the stack with enableKeyRotation: true; an existing instance is encrypted by restoring a snapshot copy."),
    configSchema: {
        properties: {
            requireCustomerManagedKey: {
                type: "boolean",
                default: true,
                description: "Require kmsKeyId on primaries to be a key this stack declares (a same-region replica always uses its source's key).",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const { requireCustomerManagedKey = true } = args.getConfig<{ requireCustomerManagedKey?: boolean }>();
        const aliases = new Map<string, PolicyResource>();
        for (const r of args.resources) {
            const name = r.type === AWS_KMS_ALIAS ? knownString(at(r.props, "name")) : undefined;
            if (name !== undefined) aliases.set(name, r);
        }
        for (const instance of args.resources.filter((r) => r.type === AWS_RDS_INSTANCE)) {
            const encrypted = at(instance.props, "storageEncrypted");
            if (encrypted === UNKNOWN) cannotCheckYet(reportViolation, "rds-storage-encrypted", instance.urn, `storageEncrypted of RDS instance '${instance.name}'`);
            else if (encrypted !== true) {
                reportViolation(
                    `RDS instance '${instance.name}' does not encrypt its storage (storageEncrypted is ${show(encrypted)}). Set storageEncrypted: true with a kmsKeyId; encryption cannot be added to an existing instance without a snapshot restore.`,
                    instance.urn,
                );
                continue;
            }
            if (!requireCustomerManagedKey || isReplica(instance.props)) continue;
            checkCustomerManagedKey(instance, aliases, reportViolation);
        }
    },
};

/** The key is one this stack manages: the input comes from an aws.kms.Key (or an alias of one) in the stack. */
function checkCustomerManagedKey(instance: PolicyResource, aliases: Map<string, PolicyResource>, report: ReportViolation): void {
    const keyId = at(instance.props, "kmsKeyId");
    const fix = "Set kmsKeyId to the ARN of an aws.kms.Key declared in this stack, with enableKeyRotation: true.";
    const fromStack = (instance.propertyDependencies.kmsKeyId ?? []).some((d) => d.type === AWS_KMS_KEY || (d.type === AWS_KMS_ALIAS && d.propertyDependencies.targetKeyId?.some((k) => k.type === AWS_KMS_KEY)));
    if (keyId === undefined || keyId === null || keyId === "") {
        report(`RDS instance '${instance.name}' is encrypted with the AWS-managed key (no kmsKeyId). ${fix}`, instance.urn);
        return;
    }
    if (typeof keyId === "string" && isAwsManagedKey(keyId)) {
        report(`RDS instance '${instance.name}' uses the AWS-managed key ${keyId}, which nobody in this stack controls or can audit. ${fix}`, instance.urn);
        return;
    }
    if (fromStack) return;
    if (typeof keyId === "string") {
        const alias = aliases.get(keyId.replace(/^arn:[^:]+:kms:[^:]*:[^:]*:/, ""));
        if (alias && (alias.propertyDependencies.targetKeyId ?? []).some((k) => k.type === AWS_KMS_KEY)) return;
        report(`RDS instance '${instance.name}' uses KMS key ${keyId}, which this stack does not declare, so nothing here shows it is customer-managed and rotated. ${fix}`, instance.urn);
        return;
    }
    cannotCheckYet(report, "rds-storage-encrypted", instance.urn, `which KMS key encrypts RDS instance '${instance.name}'`);
}

export const kmsKeyHardened: ResourceValidationPolicy = {
    name: "kms-key-hardened",
    description:
        "DB-3: every KMS key the stack declares rotates yearly, keeps a deletion window of at least 30 days in production, and has no key policy that allows any principal ('*') without a condition.",
    enforcementLevel: "mandatory",
    ...requirement("DB-3", "Data encrypted at rest"),
    ...guidance("high", "Set enableKeyRotation: true and deletionWindowInDays: 30 on the aws.kms.Key, and name principals (an account root, a role) in its policy instead of '*'."),
    configSchema: {
        properties: {
            minimumDeletionWindowDays: {
                type: "integer",
                minimum: 7,
                maximum: 30,
                description: `Shortest deletionWindowInDays allowed (AWS allows 7–30; unset means 30). ${describeDefaults({ production: 30, other: 7 })}`,
            },
        },
    },
    validateResource: [
        validateResourceOfType(KmsKey, (key, args, reportViolation) => {
            const { minimumDeletionWindowDays } = args.getConfig<{ minimumDeletionWindowDays?: number }>();
            const minimum = forEnvironment(minimumDeletionWindowDays, isProductionUrn(args.urn), { production: 30, other: 7 });
            const problems: string[] = [];
            const spec = knownString(at(key, "customerMasterKeySpec")) ?? knownString(at(key, "keySpec")) ?? "SYMMETRIC_DEFAULT";
            const rotation = at(key, "enableKeyRotation");
            if (rotation === UNKNOWN) cannotCheckYet(reportViolation, "kms-key-hardened", args.urn, `enableKeyRotation of KMS key '${args.name}'`);
            else if (spec === "SYMMETRIC_DEFAULT" && rotation !== true) problems.push(`enableKeyRotation is ${show(rotation)}; set it to true`);
            const window = at(key, "deletionWindowInDays");
            if (window === UNKNOWN) cannotCheckYet(reportViolation, "kms-key-hardened", args.urn, `deletionWindowInDays of KMS key '${args.name}'`);
            else {
                const days = window === undefined || window === null ? 30 : knownNumber(window);
                if (days === undefined || days < minimum) problems.push(`deletionWindowInDays is ${show(window)}; at least ${minimum} required, so a scheduled deletion can be cancelled`);
            }
            const open = openStatements(at(key, "policy"));
            if (open === UNKNOWN) cannotCheckYet(reportViolation, "kms-key-hardened", args.urn, `the key policy of KMS key '${args.name}'`);
            else if (open.length > 0) problems.push(`its key policy allows any principal ('*') in ${open.join(", ")}; name the principals`);
            if (problems.length > 0) reportViolation(`KMS key '${args.name}': ${problems.join("; ")}.`, args.urn);
        }),
        validateResourceOfType(KmsKeyPolicy, (keyPolicy, args, reportViolation) => {
            const open = openStatements(at(keyPolicy, "policy"));
            if (open === UNKNOWN) cannotCheckYet(reportViolation, "kms-key-hardened", args.urn, `key policy '${args.name}'`);
            else if (open.length > 0) reportViolation(`KMS key policy '${args.name}' allows any principal ('*') in ${open.join(", ")}. Name the principals.`, args.urn);
        }),
    ],
};

/** Labels of Allow statements open to every principal with no condition; `UNKNOWN` when the policy is not known yet. */
export function openStatements(policy: unknown): string[] | typeof UNKNOWN {
    if (policy === UNKNOWN) return UNKNOWN;
    if (policy === undefined || policy === null || policy === "") return [];
    let doc: unknown = policy;
    if (typeof policy === "string") {
        try {
            doc = JSON.parse(policy);
        } catch {
            return ["a policy that is not valid JSON"];
        }
    }
    const statements = at(doc, "Statement");
    const list = Array.isArray(statements) ? listAt(doc, "Statement") : statements === undefined ? [] : [statements];
    const open: string[] = [];
    list.forEach((s, i) => {
        if (s === UNKNOWN) return;
        const effect = String(at(s, "Effect") ?? "");
        const principal = at(s, "Principal");
        const conditioned = isSet(at(s, "Condition"));
        const anyone = (p: unknown): boolean =>
            p === "*" || (Array.isArray(p) && p.includes("*")) || (p !== null && typeof p === "object" && Object.values(p as object).some(anyone));
        if (effect.toLowerCase() === "allow" && (anyone(principal) || isSet(at(s, "NotPrincipal"))) && !conditioned) {
            open.push(`statement ${knownString(at(s, "Sid")) ?? i}`);
        }
    });
    return open;
}

export const rdsNotPublic: ResourceValidationPolicy = {
    name: "rds-not-public",
    description: "DB-2: no RDS instance is publicly accessible; only the application tier reaches it.",
    enforcementLevel: "mandatory",
    ...requirement("DB-2", "The database is reachable only from the application tier, never publicly"),
    ...guidance("critical", "Set publiclyAccessible: false and admit the application tier through the instance's security group."),
    validateResource: validateResourceOfType(RdsInstance, (instance, args, reportViolation) => {
        const value = at(instance, "publiclyAccessible");
        if (value === UNKNOWN) cannotCheckYet(reportViolation, "rds-not-public", args.urn, `publiclyAccessible of RDS instance '${args.name}'`);
        else if (value === true || String(value).toLowerCase() === "true") {
            reportViolation(`RDS instance '${args.name}' is publicly accessible. Set publiclyAccessible: false and admit the application tier through its security group.`);
        }
    }),
};

const MINIMUM_RETENTION_DAYS = { production: 14, other: 7 };

export const rdsBackupRetention: ResourceValidationPolicy = {
    name: "rds-backup-retention",
    description: "BK-2: every primary RDS instance keeps automated backups for a retention within the configured bounds (at least 14 days in production, 7 elsewhere).",
    enforcementLevel: "mandatory",
    ...requirement("BK-2", "Retention: at least 7 days everywhere; 14–30 days for primary data; 30 days PostgreSQL and 7 days Redis in 003"),
    ...guidance("high", "Set backupRetentionPeriod (database.backupRetentionDays) within the required range."),
    configSchema: {
        properties: {
            minimumDays: { type: "integer", minimum: 1, maximum: 35, description: `Shortest backup retention allowed, in days. ${describeDefaults(MINIMUM_RETENTION_DAYS)}` },
            maximumDays: { type: "integer", minimum: 1, maximum: 35, default: 35, description: "Longest backup retention allowed, in days (RDS allows 35)." },
        },
    },
    validateResource: validateResourceOfType(RdsInstance, (instance, args, reportViolation) => {
        if (isReplica(args.props)) args.notApplicable("a read replica's data is covered by its source's backups");
        const config = args.getConfig<{ minimumDays?: number; maximumDays?: number }>();
        const minimumDays = forEnvironment(config.minimumDays, isProductionUrn(args.urn), MINIMUM_RETENTION_DAYS);
        const maximumDays = config.maximumDays ?? 35;
        const value = at(instance, "backupRetentionPeriod");
        if (value === UNKNOWN) {
            cannotCheckYet(reportViolation, "rds-backup-retention", args.urn, `backupRetentionPeriod of RDS instance '${args.name}'`);
            return;
        }
        const days = knownNumber(value);
        if (days === undefined || days < minimumDays || days > maximumDays) {
            const what = value === undefined || value === null ? "does not set backupRetentionPeriod (RDS then keeps 1 day)" : `keeps backups for ${JSON.stringify(value)} day(s)`;
            reportViolation(`RDS instance '${args.name}' ${what}; ${minimumDays}–${maximumDays} required. Set backupRetentionPeriod (database.backupRetentionDays) within that range.`);
        }
    }),
};

const REQUIRE_DELETION_PROTECTION = { production: true, other: false };
const REQUIRE_RETAINED_BACKUPS = { production: true, other: false };

export const rdsDeletionProtection: ResourceValidationPolicy = {
    name: "rds-deletion-protection",
    description:
        "DB-6: an RDS instance cannot be deleted by accident: deletion protection in production, a final snapshot on every primary, and in production automated backups that outlive the instance (deleteAutomatedBackups: false).",
    enforcementLevel: "mandatory",
    ...requirement("DB-6", "Production databases cannot be deleted by accident; a final snapshot is taken on decommission"),
    ...guidance("critical", "Set deletionProtection: true, skipFinalSnapshot: false with a unique finalSnapshotIdentifier, and deleteAutomatedBackups: false."),
    configSchema: {
        properties: {
            requireDeletionProtection: {
                type: "boolean",
                description: `Require deletionProtection: true. ${describeDefaults(REQUIRE_DELETION_PROTECTION)} The final snapshot is required everywhere.`,
            },
            requireRetainedAutomatedBackups: {
                type: "boolean",
                description: `Require deleteAutomatedBackups: false on primaries, so automated backups survive the instance's deletion. ${describeDefaults(REQUIRE_RETAINED_BACKUPS)}`,
            },
        },
    },
    validateResource: validateResourceOfType(RdsInstance, (instance, args, reportViolation) => {
        const config = args.getConfig<{ requireDeletionProtection?: boolean; requireRetainedAutomatedBackups?: boolean }>();
        const production = isProductionUrn(args.urn);
        const requireDeletionProtection = forEnvironment(config.requireDeletionProtection, production, REQUIRE_DELETION_PROTECTION);
        const requireRetainedBackups = forEnvironment(config.requireRetainedAutomatedBackups, production, REQUIRE_RETAINED_BACKUPS);
        const problems: string[] = [];
        const fixes: string[] = [];
        const unknown = (what: string) => cannotCheckYet(reportViolation, "rds-deletion-protection", args.urn, `${what} of RDS instance '${args.name}'`);
        const protection = at(instance, "deletionProtection");
        if (requireDeletionProtection) {
            if (protection === UNKNOWN) unknown("deletionProtection");
            else if (protection !== true) {
                problems.push(`deletionProtection is ${show(protection)}`);
                fixes.push("set deletionProtection: true");
            }
        }
        // RDS refuses a final snapshot for a replica; its source's snapshot holds the data.
        if (!isReplica(args.props)) {
            const skip = flag(at(instance, "skipFinalSnapshot"));
            if (skip === UNKNOWN) unknown("skipFinalSnapshot");
            else if (skip === true || skip === MALFORMED) {
                problems.push("skipFinalSnapshot is true");
                fixes.push("set skipFinalSnapshot: false");
            }
            if (!isSetAt(args.props, "finalSnapshotIdentifier")) {
                problems.push("no finalSnapshotIdentifier is set");
                fixes.push("set a unique finalSnapshotIdentifier (e.g. with a random.RandomId suffix)");
            }
            if (requireRetainedBackups) {
                const deleteBackups = at(instance, "deleteAutomatedBackups");
                if (deleteBackups === UNKNOWN) unknown("deleteAutomatedBackups");
                // RDS deletes automated backups with the instance unless told otherwise.
                else if (deleteBackups !== false) {
                    problems.push(`deleteAutomatedBackups is ${show(deleteBackups)} (RDS's default deletes them with the instance)`);
                    fixes.push("set deleteAutomatedBackups: false");
                }
            }
        }
        if (problems.length > 0) {
            reportViolation(`RDS instance '${args.name}' is not safe to delete: ${problems.join("; ")}. To fix: ${fixes.join(", ")}.`);
        }
    }),
};

export const rdsMultiAz: ResourceValidationPolicy = {
    name: "rds-multi-az",
    description: "DB-1: every primary RDS instance runs Multi-AZ in production, with a standby in a second availability zone (advisory elsewhere).",
    enforcementLevel: "mandatory",
    ...requirement("DB-1", "Primary database: a MongoDB replica set for HA, or managed PostgreSQL"),
    ...guidance("high", "Set multiAz: true (database.multiAz) so a zone failure fails over to the standby."),
    configSchema: { properties: { outsideProduction: outsideProductionSchema("advisory") } },
    validateResource: validateResourceOfType(RdsInstance, (instance, args, reportViolation) => {
        if (isReplica(args.props)) args.notApplicable("read replicas scale reads (DB-5); high availability is the primary's standby");
        const { outsideProduction = "advisory" } = args.getConfig<{ outsideProduction?: "mandatory" | "advisory" | "disabled" }>();
        const production = isProductionUrn(args.urn);
        if (!production && outsideProduction === "disabled") args.notApplicable("not production");
        const report = reportAt(reportViolation, production ? undefined : outsideProduction, "rds-multi-az");
        const multiAz = at(instance, "multiAz");
        if (multiAz === UNKNOWN) cannotCheckYet(reportViolation, "rds-multi-az", args.urn, `multiAz of RDS instance '${args.name}'`);
        else if (multiAz !== true) {
            report(`RDS instance '${args.name}' is single-AZ (multiAz is ${show(multiAz)}). Set multiAz: true (database.multiAz) so a zone failure fails over to the standby.`, args.urn);
        }
    }),
};

/**
 * The engine of an instance, lower-cased (RDS compares engine names case-insensitively); a replica's
 * is its source's when the source is in the stack; `UNKNOWN` when nothing in the stack tells.
 */
function engineOf(instance: PolicyResource): string | typeof UNKNOWN {
    const engine = knownString(at(instance.props, "engine"));
    if (engine !== undefined) return engine.toLowerCase();
    const source = (instance.propertyDependencies.replicateSourceDb ?? []).find((d) => d.type === AWS_RDS_INSTANCE);
    const sourceEngine = source ? knownString(at(source.props, "engine")) : undefined;
    return sourceEngine !== undefined ? sourceEngine.toLowerCase() : UNKNOWN;
}

/** Engines whose server honours rds.force_ssl. */
function isPostgres(engine: string): boolean {
    return engine === "postgres" || engine === "aurora-postgresql";
}

export const rdsForceSsl: StackValidationPolicy = {
    name: "rds-force-ssl",
    description:
        "ED-2: every PostgreSQL RDS instance (and every replica whose source is outside the stack) uses a parameter group declared in the stack that sets rds.force_ssl = 1, so the server refuses connections without TLS.",
    enforcementLevel: "mandatory",
    ...requirement("ED-2", "TLS everywhere; certificates renew automatically and their expiry is monitored"),
    ...guidance("high", "Declare an aws.rds.ParameterGroup with the parameter rds.force_ssl = 1 and set the instance's parameterGroupName to it."),
    validateStack: (args, reportViolation) => {
        const groupsByName = new Map<string, PolicyResource>();
        const groupsWithPrefix: Array<[string, PolicyResource]> = [];
        const instances: PolicyResource[] = [];
        for (const r of args.resources) {
            if (r.type === AWS_RDS_PARAMETER_GROUP) {
                const name = knownString(at(r.props, "name"));
                if (name !== undefined) groupsByName.set(name.toLowerCase(), r);
                const prefix = knownString(at(r.props, "namePrefix"));
                if (prefix !== undefined && prefix !== "") groupsWithPrefix.push([prefix.toLowerCase(), r]);
            } else if (r.type === AWS_RDS_INSTANCE) {
                instances.push(r);
            }
        }
        for (const instance of instances) {
            const engine = engineOf(instance);
            // A replica of a source outside the stack has no engine here: it is held to the PostgreSQL rule.
            if (engine !== UNKNOWN && !isPostgres(engine)) continue;
            if (engine === UNKNOWN && at(instance.props, "engine") === UNKNOWN) {
                cannotCheckYet(reportViolation, "rds-force-ssl", instance.urn, `the engine of RDS instance '${instance.name}'`);
                continue;
            }
            if (engine === UNKNOWN && !isReplica(instance.props)) {
                reportViolation(`RDS instance '${instance.name}' does not say its engine, so nothing shows it enforces TLS. Set engine and a parameter group with rds.force_ssl = 1.`, instance.urn);
                continue;
            }
            const groupName = at(instance.props, "parameterGroupName");
            if (groupName === undefined || groupName === null || groupName === "") {
                reportViolation(
                    `RDS instance '${instance.name}' uses the engine's default parameter group, so TLS is not enforced by anything this stack declares. Set parameterGroupName to an aws.rds.ParameterGroup with rds.force_ssl = 1.`,
                    instance.urn,
                );
                continue;
            }
            // The dependency names the group even while its name is unknown (a group with a
            // namePrefix, or auto-named); otherwise a declared group of that name, or whose prefix it has.
            const dependency = (instance.propertyDependencies.parameterGroupName ?? []).find((d) => d.type === AWS_RDS_PARAMETER_GROUP);
            const givenName = typeof groupName === "string" ? groupName.toLowerCase() : undefined;
            const group =
                dependency ??
                (givenName !== undefined ? (groupsByName.get(givenName) ?? groupsWithPrefix.find(([prefix]) => givenName.startsWith(prefix))?.[1]) : undefined);
            if (!group) {
                if (groupName === UNKNOWN) {
                    cannotCheckYet(reportViolation, "rds-force-ssl", instance.urn, `the parameter group of RDS instance '${instance.name}'`);
                    continue;
                }
                reportViolation(
                    `RDS instance '${instance.name}' uses parameter group '${groupName}', which this stack does not declare, so rds.force_ssl cannot be checked. Declare it as an aws.rds.ParameterGroup with rds.force_ssl = 1.`,
                    instance.urn,
                );
                continue;
            }
            const parameters = listAt(group.props, "parameters");
            if (at(group.props, "parameters") === UNKNOWN || parameters.some((p) => p === UNKNOWN || at(p, "name") === UNKNOWN)) {
                cannotCheckYet(reportViolation, "rds-force-ssl", instance.urn, `the parameters of group '${group.name}'`);
                continue;
            }
            const forceSsl = parameters.filter((p) => String(at(p, "name")).toLowerCase() === "rds.force_ssl").pop();
            const value = forceSsl === undefined ? undefined : at(forceSsl, "value");
            if (value === UNKNOWN) cannotCheckYet(reportViolation, "rds-force-ssl", instance.urn, `rds.force_ssl in parameter group '${group.name}'`);
            else if (String(value).trim() !== "1") {
                reportViolation(
                    `RDS instance '${instance.name}' uses parameter group '${group.name}', where rds.force_ssl is ${forceSsl ? JSON.stringify(value) : "not set"}; clients may connect without TLS. Add { name: "rds.force_ssl", value: "1" } to its parameters.`,
                    instance.urn,
                );
            }
        }
    },
};

const PASSWORD_INPUTS = ["password", "passwordWo"];
const GENERATORS = [RANDOM_PASSWORD];

export const rdsPasswordNotLiteral: StackValidationPolicy = {
    name: "rds-password-not-literal",
    description: "SC-3: an RDS master password is generated (random.RandomPassword) or managed by RDS in Secrets Manager, never a literal in code or config.",
    enforcementLevel: "mandatory",
    ...requirement("SC-3", "No plain-text admin password; hashed or generated and stored as a secret"),
    ...guidance("critical", "Pass a random.RandomPassword's result as the master password, or set manageMasterUserPassword: true."),
    configSchema: {
        properties: {
            generatorTypes: {
                type: "array",
                items: { type: "string" },
                default: GENERATORS,
                description: "Resource types whose output counts as a generated password.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const generators = new Set(args.getConfig<{ generatorTypes?: string[] }>().generatorTypes ?? GENERATORS);
        for (const instance of args.resources) {
            if (instance.type !== AWS_RDS_INSTANCE || isReplica(instance.props)) continue;
            if (at(instance.props, "manageMasterUserPassword") === true) continue;
            for (const key of PASSWORD_INPUTS.filter((k) => at(instance.props, k) !== undefined)) {
                const generated = (instance.propertyDependencies[key] ?? []).some((d) => generators.has(d.type));
                if (!generated) {
                    // Never print the value: it is the password.
                    reportViolation(
                        `RDS instance '${instance.name}' sets its master ${key} from a value no password generator produced (a literal, or a secret someone typed). Pass a random.RandomPassword's result, or set manageMasterUserPassword: true.`,
                        instance.urn,
                    );
                }
            }
        }
    },
};

/** Names of the Secrets a pod spec reads: env, envFrom, volumes (projected ones too). */
function secretNamesRead(spec: unknown): unknown[] {
    const names: unknown[] = [];
    for (const c of containersOf(spec)) {
        for (const e of listAt(c.value, "env")) names.push(at(e, "valueFrom", "secretKeyRef", "name"));
        for (const e of listAt(c.value, "envFrom")) names.push(at(e, "secretRef", "name"));
    }
    for (const v of listAt(spec, "volumes")) {
        names.push(at(v, "secret", "secretName"));
        for (const source of listAt(v, "projected", "sources")) names.push(at(source, "secret", "name"));
    }
    return names.filter((n) => n !== undefined);
}

export const rdsMasterPasswordRoleJobsOnly: StackValidationPolicy = {
    name: "rds-master-password-role-jobs-only",
    description:
        "SC-5: the RDS master password reaches the Jobs that create roles and nothing else. Only Secrets may hold a value made from it, and only Jobs outside the app tier may read those Secrets: apps, migrations, backups and exporters log in as roles of their own.",
    enforcementLevel: "mandatory",
    ...requirement(["SC-5", "SC-3"], "Workloads run with least privilege (non-root, no privilege escalation, network isolation)"),
    ...guidance(
        "critical",
        "Give the workload a role of its own, created by a role Job (components/database/roleJob.ts) that alone reads the master user's URL, and build the workload's URL from the server's URL (serverUrl) and that role's password, never from the master user's URL.",
    ),
    validateStack: (args, reportViolation) => {
        // The master passwords: whatever an RDS instance's password is made from (a replica sets none).
        const masters = new Set(
            args.resources
                .filter((r) => r.type === AWS_RDS_INSTANCE)
                .flatMap((r) => PASSWORD_INPUTS.flatMap((k) => (r.propertyDependencies[k] ?? []).map((d) => d.urn))),
        );
        if (masters.size === 0) return;
        const madeFromMaster = (r: { propertyDependencies: Record<string, Array<{ urn: string }>> }, keys?: string[]) =>
            Object.entries(r.propertyDependencies ?? {}).some(([k, deps]) => (keys === undefined || keys.includes(k)) && deps.some((d) => masters.has(d.urn)));
        const holders = args.resources.filter((r) => r.type === K8S_SECRET && madeFromMaster(r, ["data", "stringData"]));
        const holderUrns = new Set(holders.map((h) => h.urn));
        const holderNames = new Set(holders.map((h) => at(h.props, "metadata", "name")).filter((n): n is string => typeof n === "string"));
        for (const r of args.resources) {
            if (!r.type.startsWith("kubernetes:") || r.type === K8S_SECRET) continue;
            const roleJob = r.type === K8S_JOB && podLabels(r.type, r.props)[TIER_LABEL] !== APP_TIER;
            if (roleJob) continue;
            const what = `${r.type.split(":").pop()} '${r.name}'`;
            if (madeFromMaster(r)) {
                reportViolation(`${what} takes a value made from the RDS master password. Only a Secret read by a role Job may hold it.`, r.urn);
                continue;
            }
            if (!isWorkload(r.type)) continue;
            const names = secretNamesRead(podSpec(r.type, r.props));
            const reads = Object.values(r.propertyDependencies ?? {}).some((deps) => deps.some((d) => holderUrns.has(d.urn))) || names.some((n) => typeof n === "string" && holderNames.has(n));
            if (reads) {
                reportViolation(
                    `${what} reads a Secret that holds the RDS master password (the master user's URL). Only the Jobs that create roles may; give it a role of its own and a URL with that role's password.`,
                    r.urn,
                );
            }
        }
    },
};
