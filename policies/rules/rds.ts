import * as aws from "@pulumi/aws";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { requirement } from "./meta";
import { at, isSet, knownString } from "./props";

/*
 * RDS policies. Inputs computed from other resources (a KMS key's ARN, a random suffix, the source
 * of a replica) are unknown during a preview, and the policy server throws when a policy reads an
 * unknown. These rules only need to know whether such an input is set, so they test for the key
 * (`in`, which never throws) and read values only where they are plain config.
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

export const rdsStorageEncrypted: ResourceValidationPolicy = {
    name: "rds-storage-encrypted",
    description: "DB-3: every RDS instance encrypts its storage at rest, with a customer-managed KMS key.",
    enforcementLevel: "mandatory",
    ...requirement("DB-3", "Data encrypted at rest"),
    configSchema: {
        properties: {
            requireCustomerManagedKey: {
                type: "boolean",
                default: true,
                description: "Require kmsKeyId on primaries (a same-region replica always uses its source's key).",
            },
        },
    },
    validateResource: validateResourceOfType(aws.rds.Instance, (instance, args, reportViolation) => {
        const { requireCustomerManagedKey } = args.getConfig<{ requireCustomerManagedKey: boolean }>();
        if (instance.storageEncrypted !== true) {
            reportViolation(`RDS instance '${args.name}' does not encrypt its storage (storageEncrypted is ${show(instance.storageEncrypted)}). Set storageEncrypted: true with a kmsKeyId; encryption cannot be added to an existing instance without a snapshot restore.`);
            return;
        }
        if (requireCustomerManagedKey && !isReplica(args.props) && !isSetAt(args.props, "kmsKeyId")) {
            reportViolation(`RDS instance '${args.name}' is encrypted with the AWS-managed key. Set kmsKeyId to a customer-managed aws.kms.Key with enableKeyRotation: true.`);
        }
    }),
};

export const rdsNotPublic: ResourceValidationPolicy = {
    name: "rds-not-public",
    description: "DB-2: no RDS instance is publicly accessible; only the application tier reaches it.",
    enforcementLevel: "mandatory",
    ...requirement("DB-2", "The database is reachable only from the application tier, never publicly"),
    validateResource: validateResourceOfType(aws.rds.Instance, (instance, args, reportViolation) => {
        if (instance.publiclyAccessible === true) {
            reportViolation(`RDS instance '${args.name}' is publicly accessible. Set publiclyAccessible: false and admit the application tier through its security group.`);
        }
    }),
};

export const rdsBackupRetention: ResourceValidationPolicy = {
    name: "rds-backup-retention",
    description: "BK-2: every primary RDS instance keeps automated backups for a retention within the configured bounds.",
    enforcementLevel: "mandatory",
    ...requirement("BK-2", "Retention: at least 7 days everywhere; 14–30 days for primary data; 30 days PostgreSQL and 7 days Redis in 003"),
    configSchema: {
        properties: {
            minimumDays: { type: "integer", minimum: 1, maximum: 35, default: 7, description: "Shortest backup retention allowed, in days." },
            maximumDays: { type: "integer", minimum: 1, maximum: 35, default: 35, description: "Longest backup retention allowed, in days (RDS allows 35)." },
        },
    },
    validateResource: validateResourceOfType(aws.rds.Instance, (instance, args, reportViolation) => {
        if (isReplica(args.props)) args.notApplicable("a read replica's data is covered by its source's backups");
        const { minimumDays, maximumDays } = args.getConfig<{ minimumDays: number; maximumDays: number }>();
        const days = instance.backupRetentionPeriod;
        if (days === undefined || days < minimumDays || days > maximumDays) {
            const what = days === undefined ? "does not set backupRetentionPeriod (RDS then keeps 1 day)" : `keeps backups for ${days} day(s)`;
            reportViolation(`RDS instance '${args.name}' ${what}; ${minimumDays}–${maximumDays} required. Set backupRetentionPeriod (database.backupRetentionDays) within that range.`);
        }
    }),
};

export const rdsDeletionProtection: ResourceValidationPolicy = {
    name: "rds-deletion-protection",
    description: "DB-6: an RDS instance cannot be deleted by accident (deletion protection), and a primary takes a final snapshot when it is deleted.",
    enforcementLevel: "mandatory",
    ...requirement("DB-6", "Production databases cannot be deleted by accident; a final snapshot is taken on decommission"),
    configSchema: {
        properties: {
            requireDeletionProtection: {
                type: "boolean",
                default: true,
                description: "Require deletionProtection: true. Turn off where stacks are torn down (staging); the final snapshot is still required.",
            },
        },
    },
    validateResource: validateResourceOfType(aws.rds.Instance, (instance, args, reportViolation) => {
        const { requireDeletionProtection } = args.getConfig<{ requireDeletionProtection: boolean }>();
        const problems: string[] = [];
        const fixes: string[] = [];
        if (requireDeletionProtection && instance.deletionProtection !== true) {
            problems.push(`deletionProtection is ${show(instance.deletionProtection)}`);
            fixes.push("set deletionProtection: true");
        }
        // RDS refuses a final snapshot for a replica; its source's snapshot holds the data.
        if (!isReplica(args.props)) {
            if (instance.skipFinalSnapshot === true) {
                problems.push("skipFinalSnapshot is true");
                fixes.push("set skipFinalSnapshot: false");
            }
            if (!isSetAt(args.props, "finalSnapshotIdentifier")) {
                problems.push("no finalSnapshotIdentifier is set");
                fixes.push("set a unique finalSnapshotIdentifier (e.g. with a random.RandomId suffix)");
            }
        }
        if (problems.length > 0) {
            reportViolation(`RDS instance '${args.name}' is not safe to delete: ${problems.join("; ")}. To fix: ${fixes.join(", ")}.`);
        }
    }),
};

export const rdsMultiAz: ResourceValidationPolicy = {
    name: "rds-multi-az",
    description: "DB-1: every primary RDS instance runs Multi-AZ, with a standby in a second availability zone.",
    enforcementLevel: "mandatory",
    ...requirement("DB-1", "Primary database: a MongoDB replica set for HA, or managed PostgreSQL"),
    validateResource: validateResourceOfType(aws.rds.Instance, (instance, args, reportViolation) => {
        if (isReplica(args.props)) args.notApplicable("read replicas scale reads (DB-5); high availability is the primary's standby");
        if (instance.multiAz !== true) {
            reportViolation(`RDS instance '${args.name}' is single-AZ (multiAz is ${show(instance.multiAz)}). Set multiAz: true (database.multiAz) so a zone failure fails over to the standby.`);
        }
    }),
};

const RDS_INSTANCE = "aws:rds/instance:Instance";

/** The engine of an instance; a replica's is its source's when the source is in the stack. */
function engineOf(instance: PolicyResource): string | undefined {
    const engine = knownString(at(instance.props, "engine"));
    if (engine !== undefined) return engine;
    const source = (instance.propertyDependencies.replicateSourceDb ?? []).find((d) => d.type === RDS_INSTANCE);
    return source ? knownString(at(source.props, "engine")) : undefined;
}

interface Parameter {
    name?: string;
    value?: unknown;
}

export const rdsForceSsl: StackValidationPolicy = {
    name: "rds-force-ssl",
    description: "ED-2: every PostgreSQL RDS instance uses a parameter group declared in the stack that sets rds.force_ssl = 1, so the server refuses connections without TLS.",
    enforcementLevel: "mandatory",
    ...requirement("ED-2", "TLS everywhere; certificates renew automatically and their expiry is monitored"),
    validateStack: (args, reportViolation) => {
        const groupsByName = new Map<string, PolicyResource>();
        const groupsWithPrefix: Array<[string, PolicyResource]> = [];
        const instances: PolicyResource[] = [];
        for (const r of args.resources) {
            if (r.isType(aws.rds.ParameterGroup)) {
                const name = knownString(at(r.props, "name"));
                if (name !== undefined) groupsByName.set(name.toLowerCase(), r);
                const prefix = knownString(at(r.props, "namePrefix"));
                if (prefix !== undefined && prefix !== "") groupsWithPrefix.push([prefix.toLowerCase(), r]);
            } else if (r.isType(aws.rds.Instance)) {
                instances.push(r);
            }
        }
        for (const instance of instances) {
            if (engineOf(instance) !== "postgres") continue;
            if (!("parameterGroupName" in instance.props)) {
                reportViolation(
                    `RDS instance '${instance.name}' uses the engine's default parameter group, so TLS is not enforced by anything this stack declares. Set parameterGroupName to an aws.rds.ParameterGroup with rds.force_ssl = 1.`,
                    instance.urn,
                );
                continue;
            }
            // The dependency names the group even while its name is unknown (a group with a
            // namePrefix, or auto-named); otherwise a declared group of that name, or whose prefix it has.
            const dependency = (instance.propertyDependencies.parameterGroupName ?? []).find((d) => d.isType(aws.rds.ParameterGroup));
            const givenName = dependency ? undefined : knownString(at(instance.props, "parameterGroupName"));
            if (!dependency && givenName === undefined) continue; // unknown and from outside: `pulumi up` checks it with the name
            const group = dependency ?? groupsByName.get(givenName!.toLowerCase()) ?? groupsWithPrefix.find(([prefix]) => givenName!.toLowerCase().startsWith(prefix))?.[1];
            if (!group) {
                reportViolation(
                    `RDS instance '${instance.name}' uses parameter group '${givenName}', which this stack does not declare, so rds.force_ssl cannot be checked. Declare it as an aws.rds.ParameterGroup with rds.force_ssl = 1.`,
                    instance.urn,
                );
                continue;
            }
            const parameters = (group.props.parameters ?? []) as Parameter[];
            const forceSsl = parameters.find((p) => String(p.name).toLowerCase() === "rds.force_ssl");
            if (String(forceSsl?.value) !== "1") {
                reportViolation(
                    `RDS instance '${instance.name}' uses parameter group '${group.name}', where rds.force_ssl is ${forceSsl ? JSON.stringify(forceSsl.value) : "not set"}; clients may connect without TLS. Add { name: "rds.force_ssl", value: "1" } to its parameters.`,
                    instance.urn,
                );
            }
        }
    },
};

const PASSWORD_INPUTS = ["password", "passwordWo"];

export const rdsPasswordNotLiteral: StackValidationPolicy = {
    name: "rds-password-not-literal",
    description: "SC-3: an RDS master password is generated (random.RandomPassword) or managed by RDS in Secrets Manager, never a literal in code or config.",
    enforcementLevel: "mandatory",
    ...requirement("SC-3", "No plain-text admin password; hashed or generated and stored as a secret"),
    configSchema: {
        properties: {
            generatorTypes: {
                type: "array",
                items: { type: "string" },
                default: ["random:index/randomPassword:RandomPassword"],
                description: "Resource types whose output counts as a generated password.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const generators = new Set(args.getConfig<{ generatorTypes: string[] }>().generatorTypes);
        for (const instance of args.resources) {
            if (!instance.isType(aws.rds.Instance) || isReplica(instance.props)) continue;
            if (at(instance.props, "manageMasterUserPassword") === true) continue;
            for (const key of PASSWORD_INPUTS.filter((k) => k in instance.props)) {
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
