import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policies } from "../../policies/rules";
import { PlanFile, PlanResource, UNKNOWN, Violation } from "../../plan/model";
import { checkResources } from "../../plan/pipeline";
import { runbook } from "../helpers/cli";
import { writeStackVariant } from "../helpers/stacks";
import { useInClusterRedis, useMongodb } from "../helpers/variants";

/*
 * The mutation tier. Each shipped plan (staging, production, and production with MongoDB and
 * in-cluster Redis) is planned once; every evasion below edits a copy in memory the way a hostile
 * or careless change would, and the pack must reject it with a mandatory violation naming the
 * policy and the resource. Each evasion runs twice: as is, and with every resource of the other
 * providers made unknown, so an unrelated unknown cannot hide it. Probes that are stricter than
 * required must pass. Two evasions also go through `runbook check` to prove the exit code.
 */

type Base = "staging" | "production" | "mongodb";
type Resources = PlanResource[];
type Json = Record<string, any>;

interface Evasion {
    policy: string;
    base: Base;
    what: string;
    /** Edits the resources; returns the resource the violation must name. */
    apply: (rs: Resources) => PlanResource;
}

let tmp: string;
before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-mutation-"))));
after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

function find(rs: Resources, type: string, nameIncludes = ""): PlanResource {
    const r = rs.find((x) => x.custom && x.type.endsWith(`:${type}`) && x.name.includes(nameIncludes));
    assert.ok(r, `no ${type} *${nameIncludes}* in the plan`);
    return r;
}
const inputs = (r: PlanResource) => r.inputs as Json;
const pod = (r: PlanResource) => (r.type.endsWith(":CronJob") ? inputs(r).spec.jobTemplate.spec.template.spec : inputs(r).spec.template.spec);
const container = (r: PlanResource, i = 0) => pod(r).containers[i];
function edit<T>(r: PlanResource, fn: (i: Json) => T): PlanResource {
    fn(inputs(r));
    return r;
}
/** A new resource next to `sibling`, in the same stack and under the same parent. */
function add(rs: Resources, sibling: PlanResource, type: string, name: string, newInputs: Json, options: Partial<PlanResource> = {}): PlanResource {
    const stackPrefix = sibling.urn.split("::").slice(0, 2).join("::");
    const r: PlanResource = {
        ...structuredClone(sibling),
        urn: `${stackPrefix}::${type}::${name}`,
        type,
        name,
        parent: sibling.parent,
        protect: false,
        retainOnDelete: false,
        dependencies: [],
        propertyDependencies: {},
        inputs: newInputs,
        ...options,
    };
    rs.push(r);
    return r;
}
/** Turns a StatefulSet into a Deployment and drops every tier label: "moving Redis into a Deployment". */
function asUnlabelledDeployment(r: PlanResource, volume: Json): PlanResource {
    r.type = "kubernetes:apps/v1:Deployment";
    r.urn = r.urn.replace("kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment");
    const i = inputs(r);
    i.kind = "Deployment";
    delete i.spec.volumeClaimTemplates;
    delete i.spec.persistentVolumeClaimRetentionPolicy;
    delete i.spec.serviceName;
    delete i.metadata.labels["runbook.dev/tier"];
    delete i.spec.template.metadata.labels["runbook.dev/tier"];
    i.spec.template.spec.volumes = [...(i.spec.template.spec.volumes ?? []), { name: "data", ...volume }];
    return r;
}
const publicIngress = (port: number, cidrs: string[], ipv6: string[] = []) => ({ description: "x", protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: cidrs, ipv6CidrBlocks: ipv6 });
const DAY = 86400;
const envVar = (r: PlanResource, name: string): Json => container(r).env.find((e: Json) => e.name === name);
/** The first app-tier Deployment: where a stack without its alerts is reported. */
const firstApp = (rs: Resources) => rs.find((r) => r.type === "kubernetes:apps/v1:Deployment" && inputs(r).metadata?.labels?.["runbook.dev/tier"] === "app")!;
/** One alerting rule of a PrometheusRule's inputs, by name. */
const alertRule = (i: Json, name: string): Json => i.spec.groups.flatMap((g: Json) => g.rules).find((r: Json) => r.alert === name);

/** One rule (alerting or recording) of a PrometheusRule's inputs, by name. */
const anyRule = (rs: Resources, name: string): Json => inputs(find(rs, "PrometheusRule")).spec.groups.flatMap((g: Json) => g.rules).find((r: Json) => r.alert === name || r.record === name);
/** Rewrites one alert's expression. */
const rewrite = (rs: Resources, name: string, fn: (expr: string) => string): PlanResource => {
    const rule = anyRule(rs, name);
    const before = rule.expr;
    rule.expr = fn(before);
    assert.notStrictEqual(rule.expr, before, `the edit changed ${name}`);
    return find(rs, "PrometheusRule");
};
/** The resource a zone-wide violation names when the zone has lost the one it is about: the zone's first setting or ruleset. */
const firstZoneResource = (rs: Resources) => rs.find((r) => r.type === "cloudflare:index/zoneSetting:ZoneSetting" || (r.type === "cloudflare:index/ruleset:Ruleset" && inputs(r).kind === "zone"))!;

const evasions: Evasion[] = [
    // DB-6: protection and retention
    { policy: "stateful-resources-protected", base: "production", what: "an unprotected RDS primary", apply: (rs) => Object.assign(find(rs, "Instance", "instance"), { protect: false }) },
    { policy: "stateful-resources-protected", base: "production", what: "an unprotected backups bucket", apply: (rs) => Object.assign(find(rs, "R2Bucket", "backups"), { protect: false }) },
    { policy: "stateful-resources-protected", base: "mongodb", what: "an unprotected MongoDB StatefulSet", apply: (rs) => Object.assign(find(rs, "StatefulSet", "mongodb"), { protect: false }) },
    { policy: "stateful-resources-protected", base: "production", what: "an unprotected KMS key", apply: (rs) => Object.assign(find(rs, "Key", "key"), { protect: false }) },
    { policy: "stateful-resources-retained", base: "production", what: "an RDS primary not retained on delete", apply: (rs) => Object.assign(find(rs, "Instance", "instance"), { retainOnDelete: false }) },
    { policy: "stateful-resources-retained", base: "production", what: "an ElastiCache group not retained", apply: (rs) => Object.assign(find(rs, "ReplicationGroup"), { retainOnDelete: false }) },
    { policy: "stateful-resources-retained", base: "mongodb", what: "a MongoDB StatefulSet not retained", apply: (rs) => Object.assign(find(rs, "StatefulSet", "mongodb"), { retainOnDelete: false }) },
    // ST-2, ST-3, BK-4, ED-2: buckets
    {
        policy: "r2-bucket-lifecycle",
        base: "production",
        what: "the uploads bucket's lifecycle removed",
        apply: (rs) => {
            rs.splice(rs.indexOf(find(rs, "R2BucketLifecycle", "uploads")), 1);
            return find(rs, "R2Bucket", "uploads");
        },
    },
    { policy: "r2-bucket-lifecycle", base: "production", what: "every lifecycle rule disabled", apply: (rs) => (edit(find(rs, "R2BucketLifecycle", "assets"), (i) => i.rules.forEach((r: Json) => (r.enabled = false))), find(rs, "R2Bucket", "assets")) },
    { policy: "r2-bucket-lifecycle", base: "staging", what: "an empty rule list", apply: (rs) => (edit(find(rs, "R2BucketLifecycle", "backups"), (i) => (i.rules = [])), find(rs, "R2Bucket", "backups")) },
    { policy: "r2-backups-never-public", base: "production", what: "the assets domain pointed at the backups bucket", apply: (rs) => edit(find(rs, "R2CustomDomain"), (i) => (i.bucketName = "retail-backups")) },
    {
        policy: "r2-backups-never-public",
        base: "production",
        what: "the r2.dev domain enabled on backups",
        apply: (rs) => add(rs, find(rs, "R2Bucket", "backups"), "cloudflare:index/r2ManagedDomain:R2ManagedDomain", "backups-dev", { accountId: inputs(find(rs, "R2Bucket", "backups")).accountId, bucketName: "retail-backups", enabled: true }),
    },
    {
        policy: "r2-backups-never-public",
        base: "staging",
        what: "a custom domain on the staging backups bucket",
        apply: (rs) => edit(find(rs, "R2CustomDomain"), (i) => (i.bucketName = "retail-staging-backups")),
    },
    { policy: "r2-backups-write-once", base: "production", what: "a 1-day lock", apply: (rs) => (edit(find(rs, "R2BucketLock"), (i) => (i.rules[0].condition.maxAgeSeconds = DAY)), find(rs, "R2Bucket", "backups")) },
    {
        policy: "r2-backups-write-once",
        base: "production",
        what: "a lifecycle that deletes backups on day 1",
        apply: (rs) => (edit(find(rs, "R2BucketLifecycle", "backups"), (i) => (i.rules.find((r: Json) => r.deleteObjectsTransition).deleteObjectsTransition.condition.maxAge = DAY)), find(rs, "R2Bucket", "backups")),
    },
    {
        policy: "r2-backups-write-once",
        base: "production",
        what: "the postgres/ lock rule moved to the unlocked incoming/",
        apply: (rs) => (edit(find(rs, "R2BucketLock"), (i) => (i.rules.find((r: Json) => r.prefix === "postgres/").prefix = "incoming/")), find(rs, "R2Bucket", "backups")),
    },
    { policy: "r2-backups-write-once", base: "production", what: "an unprotected lock", apply: (rs) => Object.assign(find(rs, "R2BucketLock"), { protect: false }) },
    { policy: "r2-backups-write-once", base: "production", what: "the lock rule disabled", apply: (rs) => (edit(find(rs, "R2BucketLock"), (i) => (i.rules[0].enabled = false)), find(rs, "R2Bucket", "backups")) },
    {
        policy: "r2-backups-write-once",
        base: "staging",
        what: "the lock removed",
        apply: (rs) => {
            rs.splice(rs.indexOf(find(rs, "R2BucketLock")), 1);
            return find(rs, "R2Bucket", "backups");
        },
    },
    { policy: "r2-custom-domain-tls", base: "production", what: "minTls 1.0", apply: (rs) => edit(find(rs, "R2CustomDomain"), (i) => (i.minTls = "1.0")) },
    { policy: "r2-custom-domain-tls", base: "production", what: "minTls removed (Cloudflare's default, 1.0)", apply: (rs) => edit(find(rs, "R2CustomDomain"), (i) => delete i.minTls) },
    { policy: "r2-custom-domain-tls", base: "staging", what: "minTls 1.1", apply: (rs) => edit(find(rs, "R2CustomDomain"), (i) => (i.minTls = "1.1")) },
    // DB-3: encryption and keys
    { policy: "rds-storage-encrypted", base: "production", what: "storage not encrypted", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.storageEncrypted = false)) },
    {
        policy: "rds-storage-encrypted",
        base: "production",
        what: "the AWS-managed alias/aws/rds key",
        apply: (rs) => {
            const r = edit(find(rs, "Instance", "instance"), (i) => (i.kmsKeyId = "alias/aws/rds"));
            r.propertyDependencies.kmsKeyId = [];
            return r;
        },
    },
    {
        policy: "rds-storage-encrypted",
        base: "staging",
        what: "no kmsKeyId",
        apply: (rs) => {
            const r = edit(find(rs, "Instance", "instance"), (i) => delete i.kmsKeyId);
            delete r.propertyDependencies.kmsKeyId;
            return r;
        },
    },
    { policy: "kms-key-hardened", base: "production", what: "rotation off", apply: (rs) => edit(find(rs, "Key", "key"), (i) => (i.enableKeyRotation = false)) },
    { policy: "kms-key-hardened", base: "production", what: "a 7-day deletion window", apply: (rs) => edit(find(rs, "Key", "key"), (i) => (i.deletionWindowInDays = 7)) },
    {
        policy: "kms-key-hardened",
        base: "staging",
        what: "a key policy open to '*'",
        apply: (rs) => edit(find(rs, "Key", "key"), (i) => (i.policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: ["*"] }, Action: "kms:*", Resource: "*" }] }))),
    },
    // DB-2: exposure
    { policy: "rds-not-public", base: "production", what: "a public primary", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.publiclyAccessible = true)) },
    { policy: "rds-not-public", base: "production", what: "a public read replica", apply: (rs) => edit(find(rs, "Instance", "replica"), (i) => (i.publiclyAccessible = true)) },
    { policy: "rds-not-public", base: "staging", what: "publiclyAccessible written as a string", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.publiclyAccessible = "true")) },
    { policy: "security-group-no-public-data-ports", base: "production", what: "5432 open to 0.0.0.0/0", apply: (rs) => edit(find(rs, "SecurityGroup", "postgres"), (i) => (i.ingress[0].cidrBlocks = ["0.0.0.0/0"])) },
    { policy: "security-group-no-public-data-ports", base: "production", what: "the internet as two halves", apply: (rs) => edit(find(rs, "SecurityGroup", "postgres"), (i) => (i.ingress[0].cidrBlocks = ["0.0.0.0/1", "128.0.0.0/1"])) },
    { policy: "security-group-no-public-data-ports", base: "production", what: "Redis open to ::/1", apply: (rs) => edit(find(rs, "SecurityGroup", "redis"), (i) => i.ingress.push(publicIngress(6379, [], ["::/1"]))) },
    {
        policy: "security-group-no-public-data-ports",
        base: "production",
        what: "a separate SecurityGroupRule from a public /8",
        apply: (rs) => add(rs, find(rs, "SecurityGroup", "postgres"), "aws:ec2/securityGroupRule:SecurityGroupRule", "db-extra", { type: "ingress", protocol: "tcp", fromPort: 5000, toPort: 6000, cidrBlocks: ["8.0.0.0/8"], securityGroupId: "[unknown]", description: "x" }),
    },
    {
        policy: "security-group-no-public-data-ports",
        base: "staging",
        what: "the default security group admitting all traffic",
        apply: (rs) => add(rs, find(rs, "SecurityGroup", "postgres"), "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default-sg", { vpcId: "[unknown]", ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }),
    },
    {
        policy: "security-group-no-public-data-ports",
        base: "production",
        what: "the database moved to port 6000 and that port opened",
        apply: (rs) => {
            edit(find(rs, "Instance", "instance"), (i) => (i.port = 6000));
            return edit(find(rs, "SecurityGroup", "postgres"), (i) => (i.ingress = [publicIngress(6000, ["0.0.0.0/0"])]));
        },
    },
    // BK-2, DB-6, DB-1: RDS
    { policy: "rds-backup-retention", base: "production", what: "7 days (below production's 14)", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.backupRetentionPeriod = 7)) },
    { policy: "rds-backup-retention", base: "production", what: "backups off", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.backupRetentionPeriod = 0)) },
    { policy: "rds-backup-retention", base: "staging", what: "retention removed (RDS keeps 1 day)", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => delete i.backupRetentionPeriod) },
    { policy: "rds-deletion-protection", base: "production", what: "deletion protection off", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.deletionProtection = false)) },
    { policy: "rds-deletion-protection", base: "production", what: "automated backups deleted with the instance", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.deleteAutomatedBackups = true)) },
    { policy: "rds-deletion-protection", base: "staging", what: "no final snapshot", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.skipFinalSnapshot = true)) },
    { policy: "rds-multi-az", base: "production", what: "single-AZ", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.multiAz = false)) },
    { policy: "rds-multi-az", base: "production", what: "multiAz removed", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => delete i.multiAz) },
    { policy: "rds-multi-az", base: "production", what: "multiAz null", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.multiAz = null)) },
    // ED-2
    { policy: "rds-force-ssl", base: "production", what: "rds.force_ssl removed", apply: (rs) => (edit(find(rs, "ParameterGroup", "postgres"), (i) => (i.parameters = i.parameters.filter((p: Json) => p.name !== "rds.force_ssl"))), find(rs, "Instance", "instance")) },
    { policy: "rds-force-ssl", base: "staging", what: "RDS.FORCE_SSL = 0 in capitals", apply: (rs) => (edit(find(rs, "ParameterGroup", "postgres"), (i) => i.parameters.push({ name: "RDS.FORCE_SSL", value: "0" })), find(rs, "Instance", "instance")) },
    {
        policy: "rds-force-ssl",
        base: "production",
        what: "a replica of a source outside the stack on the default group",
        apply: (rs) => {
            const r = edit(find(rs, "Instance", "replica"), (i) => {
                i.replicateSourceDb = "arn:aws:rds:us-east-1:111122223333:db:legacy";
                delete i.parameterGroupName;
            });
            r.propertyDependencies = {};
            return r;
        },
    },
    // SC-3, SC-1: credentials
    {
        policy: "rds-master-password-role-jobs-only",
        base: "production",
        what: "the api Deployment reads DATABASE_URL from the role Job's Secret (the master URL)",
        apply: (rs) => {
            const setup = find(rs, "Secret", "postgres-roles-setup");
            const api = edit(find(rs, "Deployment", "app-api"), (i) => {
                const env = i.spec.template.spec.containers[0].env.find((e: Json) => e.name === "DATABASE_URL");
                env.valueFrom.secretKeyRef = { name: UNKNOWN, key: "ADMIN_URL" };
            });
            api.propertyDependencies.spec = [...(api.propertyDependencies.spec ?? []), setup.urn];
            return api;
        },
    },
    {
        policy: "rds-master-password-role-jobs-only",
        base: "staging",
        what: "the migration Job (app tier) reads the master URL",
        apply: (rs) => {
            const setup = find(rs, "Secret", "postgres-roles-setup");
            const job = edit(find(rs, "Job", "app-api-migrate"), (i) => {
                i.spec.template.spec.containers[0].env.push({ name: "ADMIN_URL", valueFrom: { secretKeyRef: { name: UNKNOWN, key: "ADMIN_URL" } } });
            });
            job.propertyDependencies.spec = [...(job.propertyDependencies.spec ?? []), setup.urn];
            return job;
        },
    },
    {
        policy: "rds-master-password-role-jobs-only",
        base: "staging",
        what: "the apps' Secret made from the master password again, as DATABASE_URL used to be",
        apply: (rs) => {
            const master = find(rs, "Instance", "instance").propertyDependencies.password;
            const appsSecret = find(rs, "Secret", "app-secrets-secret");
            appsSecret.propertyDependencies.stringData = [...(appsSecret.propertyDependencies.stringData ?? []), ...master];
            return find(rs, "Deployment", "app-web");
        },
    },
    {
        policy: "rds-master-password-role-jobs-only",
        base: "production",
        what: "a ConfigMap that takes the master URL",
        apply: (rs) => {
            const sibling = find(rs, "ConfigMap", "postgres-roles-script");
            const master = find(rs, "Instance", "instance").propertyDependencies.password;
            return add(rs, sibling, "kubernetes:core/v1:ConfigMap", "db-settings", { metadata: { name: "db-settings" }, data: { DATABASE_URL: UNKNOWN } }, { propertyDependencies: { data: [...master] } });
        },
    },
    {
        policy: "rds-password-not-literal",
        base: "production",
        what: "a literal master password",
        apply: (rs) => {
            const r = edit(find(rs, "Instance", "instance"), (i) => (i.password = "hunter2-literal"));
            r.propertyDependencies.password = [];
            return r;
        },
    },
    {
        policy: "rds-password-not-literal",
        base: "production",
        what: "a password from a RandomId, not a password generator",
        apply: (rs) => {
            const r = find(rs, "Instance", "instance");
            r.propertyDependencies.password = [find(rs, "RandomId", "postgres").urn];
            return r;
        },
    },
    {
        policy: "rds-password-not-literal",
        base: "staging",
        what: "a typed secret",
        apply: (rs) => {
            const r = find(rs, "Instance", "instance");
            r.propertyDependencies.password = [];
            return r;
        },
    },
    { policy: "generated-credentials", base: "production", what: "a 16-character AUTH token", apply: (rs) => edit(find(rs, "RandomPassword", "auth-token"), (i) => (i.length = 16)) },
    {
        policy: "generated-credentials",
        base: "production",
        what: "a literal AUTH token",
        apply: (rs) => {
            const r = edit(find(rs, "ReplicationGroup"), (i) => (i.authToken = "a-literal-token-of-forty-characters-long"));
            r.propertyDependencies.authToken = [];
            return r;
        },
    },
    { policy: "generated-credentials", base: "mongodb", what: "a 20-character MongoDB app password", apply: (rs) => edit(find(rs, "RandomPassword", "mongodb-app"), (i) => (i.length = 20)) },
    // DB-3, BK-2, RD-1, RD-2, RD-3: ElastiCache and Redis
    { policy: "elasticache-encryption", base: "production", what: "no transit encryption", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => (i.transitEncryptionEnabled = false)) },
    { policy: "elasticache-encryption", base: "production", what: "transit encryption preferred", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => (i.transitEncryptionMode = "preferred")) },
    { policy: "elasticache-encryption", base: "production", what: "no AUTH token", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => delete i.authToken) },
    { policy: "elasticache-snapshot-retention", base: "production", what: "snapshots off", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => (i.snapshotRetentionLimit = 0)) },
    { policy: "elasticache-snapshot-retention", base: "production", what: "3 days", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => (i.snapshotRetentionLimit = 3)) },
    { policy: "elasticache-snapshot-retention", base: "production", what: "no final snapshot", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => delete i.finalSnapshotIdentifier) },
    { policy: "elasticache-multi-az", base: "production", what: "Multi-AZ off", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => (i.multiAzEnabled = false)) },
    { policy: "elasticache-multi-az", base: "production", what: "failover off", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => (i.automaticFailoverEnabled = false)) },
    { policy: "elasticache-multi-az", base: "production", what: "a single node", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => (i.numCacheClusters = 1)) },
    { policy: "redis-noeviction", base: "production", what: "allkeys-lru in the parameter group", apply: (rs) => edit(find(rs, "ParameterGroup", "redis"), (i) => (i.parameters = [{ name: "maxmemory-policy", value: "allkeys-lru" }])) },
    {
        policy: "redis-noeviction",
        base: "production",
        what: "the default parameter group",
        apply: (rs) => {
            const r = edit(find(rs, "ReplicationGroup"), (i) => (i.parameterGroupName = "default.redis7"));
            r.propertyDependencies.parameterGroupName = [];
            return r;
        },
    },
    { policy: "redis-noeviction", base: "staging", what: "volatile-lru in redis.conf", apply: (rs) => edit(find(rs, "ConfigMap", "redis"), (i) => (i.data["redis.conf"] = i.data["redis.conf"].replace("noeviction", "volatile-lru"))) },
    { policy: "redis-noeviction", base: "mongodb", what: "--maxmemory-policy allkeys-lru on the command line", apply: (rs) => edit(find(rs, "StatefulSet", "redis"), () => container(find(rs, "StatefulSet", "redis")).args.push("--maxmemory-policy", "allkeys-lru")) },
    {
        policy: "redis-noeviction",
        base: "staging",
        what: "the config's tier label dropped and eviction turned on",
        apply: (rs) =>
            edit(find(rs, "ConfigMap", "redis"), (i) => {
                delete i.metadata.labels["runbook.dev/tier"];
                i.data["redis.conf"] = i.data["redis.conf"].replace("noeviction", "allkeys-lru");
            }),
    },
    { policy: "redis-requires-auth", base: "staging", what: "--requirepass removed", apply: (rs) => edit(find(rs, "StatefulSet", "redis"), () => (container(find(rs, "StatefulSet", "redis")).args = ["/etc/redis/redis.conf"])) },
    { policy: "redis-requires-auth", base: "mongodb", what: "a literal password", apply: (rs) => edit(find(rs, "StatefulSet", "redis"), () => (container(find(rs, "StatefulSet", "redis")).args = ["/etc/redis/redis.conf", "--requirepass", "hunter2"])) },
    {
        policy: "redis-requires-auth",
        base: "staging",
        what: "Redis moved into an unlabelled Deployment without a password",
        apply: (rs) => {
            const r = asUnlabelledDeployment(find(rs, "StatefulSet", "redis"), { persistentVolumeClaim: { claimName: "redis-data" } });
            container(r).args = ["/etc/redis/redis.conf"];
            return r;
        },
    },
    {
        policy: "redis-requires-auth",
        base: "mongodb",
        what: "the password variable set from a literal",
        apply: (rs) => edit(find(rs, "StatefulSet", "redis"), () => (container(find(rs, "StatefulSet", "redis")).env = [{ name: "REDIS_PASSWORD", value: "hunter2" }])),
    },
    // DB-6, DB-2, SC-5: Kubernetes data tier
    { policy: "k8s-data-volumes-retained", base: "mongodb", what: "claims deleted with the StatefulSet", apply: (rs) => edit(find(rs, "StatefulSet", "mongodb"), (i) => (i.spec.persistentVolumeClaimRetentionPolicy.whenDeleted = "Delete")) },
    {
        policy: "k8s-data-volumes-retained",
        base: "mongodb",
        what: "Redis data on emptyDir",
        apply: (rs) =>
            edit(find(rs, "StatefulSet", "redis"), (i) => {
                i.spec.volumeClaimTemplates = [];
                i.spec.template.spec.volumes.push({ name: "data", emptyDir: {} });
            }),
    },
    { policy: "k8s-data-volumes-retained", base: "staging", what: "Redis moved into an unlabelled Deployment on emptyDir", apply: (rs) => asUnlabelledDeployment(find(rs, "StatefulSet", "redis"), { emptyDir: {} }) },
    { policy: "k8s-no-public-data-service", base: "mongodb", what: "the MongoDB Service as a LoadBalancer", apply: (rs) => edit(find(rs, "Service", "mongodb-service"), (i) => (i.spec.type = "LoadBalancer")) },
    { policy: "k8s-no-public-data-service", base: "mongodb", what: "a NodePort on Redis", apply: (rs) => edit(find(rs, "Service", "redis"), (i) => (i.spec.type = "NodePort")) },
    { policy: "k8s-no-public-data-service", base: "staging", what: "externalIPs on Redis", apply: (rs) => edit(find(rs, "Service", "redis"), (i) => (i.spec.externalIPs = ["203.0.113.7"])) },
    {
        policy: "k8s-no-public-data-service",
        base: "mongodb",
        what: "a new LoadBalancer picking Redis pods by name, to the named port",
        apply: (rs) => {
            const redis = find(rs, "Service", "redis");
            return add(rs, redis, "kubernetes:core/v1:Service", "cache-lb", {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "cache-lb", namespace: "runbook" },
                spec: { type: "LoadBalancer", selector: { "app.kubernetes.io/name": "redis-in-cluster" }, ports: [{ port: 443, targetPort: "redis" }] },
            });
        },
    },
    { policy: "k8s-restricted-security", base: "mongodb", what: "an init container adding NET_ADMIN", apply: (rs) => edit(find(rs, "StatefulSet", "mongodb"), (i) => (i.spec.template.spec.initContainers[0].securityContext.capabilities.add = ["NET_ADMIN"])) },
    { policy: "k8s-restricted-security", base: "mongodb", what: "seccomp Unconfined", apply: (rs) => edit(find(rs, "StatefulSet", "redis"), (i) => (i.spec.template.spec.securityContext.seccompProfile = { type: "Unconfined" })) },
    { policy: "k8s-restricted-security", base: "mongodb", what: "the init Job on the host network", apply: (rs) => edit(find(rs, "Job", "mongodb-init"), (i) => (i.spec.template.spec.hostNetwork = true)) },
    { policy: "k8s-restricted-security", base: "staging", what: "a hostPath volume", apply: (rs) => edit(find(rs, "StatefulSet", "redis"), (i) => i.spec.template.spec.volumes.push({ name: "host", hostPath: { path: "/var/run" } })) },
    { policy: "k8s-restricted-security", base: "staging", what: "a root container", apply: (rs) => edit(find(rs, "StatefulSet", "redis"), () => Object.assign(container(find(rs, "StatefulSet", "redis")).securityContext, { runAsUser: 0, runAsNonRoot: false })) },
    { policy: "k8s-namespace-restricted", base: "mongodb", what: "Pod Security baseline", apply: (rs) => edit(find(rs, "Namespace"), (i) => (i.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline")) },
    { policy: "k8s-namespace-restricted", base: "mongodb", what: "the enforce label removed", apply: (rs) => edit(find(rs, "Namespace"), (i) => delete i.metadata.labels["pod-security.kubernetes.io/enforce"]) },
    { policy: "k8s-namespace-restricted", base: "staging", what: "Pod Security privileged", apply: (rs) => edit(find(rs, "Namespace"), (i) => (i.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged")) },
    { policy: "k8s-network-isolation", base: "mongodb", what: "Redis admitting 0.0.0.0/0", apply: (rs) => edit(find(rs, "NetworkPolicy", "redis"), (i) => i.spec.ingress[0].from.push({ ipBlock: { cidr: "0.0.0.0/0" } })) },
    { policy: "k8s-network-isolation", base: "mongodb", what: "MongoDB admitting every namespace", apply: (rs) => edit(find(rs, "NetworkPolicy", "mongodb-network-policy"), (i) => i.spec.ingress[0].from.push({ namespaceSelector: {} })) },
    { policy: "k8s-network-isolation", base: "staging", what: "a policy admitting everything", apply: (rs) => edit(find(rs, "NetworkPolicy", "redis"), (i) => (i.spec.ingress = [{}])) },
    { policy: "k8s-network-isolation", base: "production", what: "apps admitting everything", apply: (rs) => edit(find(rs, "NetworkPolicy", "app-from-apps"), (i) => (i.spec.ingress = [{}])) },
    // WL-1…4, SC-1, SC-5, ED-5: the apps
    { policy: "k8s-workload-probes", base: "production", what: "the API without a readiness probe", apply: (rs) => edit(find(rs, "Deployment", "app-api"), () => delete container(find(rs, "Deployment", "app-api")).readinessProbe) },
    { policy: "k8s-workload-probes", base: "staging", what: "the web app without a liveness probe", apply: (rs) => edit(find(rs, "Deployment", "app-web"), () => delete container(find(rs, "Deployment", "app-web")).livenessProbe) },
    { policy: "k8s-workload-probes", base: "production", what: "a liveness probe on the migration Job", apply: (rs) => edit(find(rs, "Job", "migrate"), () => (container(find(rs, "Job", "migrate")).livenessProbe = { exec: { command: ["true"] } })) },
    { policy: "k8s-workload-resources", base: "production", what: "the API without a memory limit", apply: (rs) => edit(find(rs, "Deployment", "app-api"), () => delete container(find(rs, "Deployment", "app-api")).resources.limits.memory) },
    { policy: "k8s-workload-resources", base: "staging", what: "the worker without requests", apply: (rs) => edit(find(rs, "Deployment", "app-worker"), () => delete container(find(rs, "Deployment", "app-worker")).resources.requests) },
    { policy: "k8s-workload-resources", base: "mongodb", what: "the migration Job without resources", apply: (rs) => edit(find(rs, "Job", "migrate"), () => delete container(find(rs, "Job", "migrate")).resources) },
    { policy: "k8s-read-only-root-filesystem", base: "production", what: "a writable root filesystem", apply: (rs) => edit(find(rs, "Deployment", "app-api"), () => (container(find(rs, "Deployment", "app-api")).securityContext.readOnlyRootFilesystem = false)) },
    { policy: "k8s-read-only-root-filesystem", base: "staging", what: "readOnlyRootFilesystem removed from the worker", apply: (rs) => edit(find(rs, "Deployment", "app-worker"), () => delete container(find(rs, "Deployment", "app-worker")).securityContext.readOnlyRootFilesystem) },
    {
        policy: "k8s-read-only-root-filesystem",
        base: "mongodb",
        what: "a writable init container on the web app",
        apply: (rs) =>
            edit(find(rs, "Deployment", "app-web"), (i) => {
                const c = container(find(rs, "Deployment", "app-web"));
                i.spec.template.spec.initContainers = [{ ...c, name: "warm", securityContext: { ...c.securityContext, readOnlyRootFilesystem: false } }];
            }),
    },
    {
        policy: "k8s-restricted-security",
        base: "staging",
        what: "no seccomp profile anywhere on the web app",
        apply: (rs) =>
            edit(find(rs, "Deployment", "app-web"), (i) => {
                delete i.spec.template.spec.securityContext.seccompProfile;
                delete container(find(rs, "Deployment", "app-web")).securityContext.seccompProfile;
            }),
    },
    { policy: "k8s-restricted-security", base: "mongodb", what: "a root worker", apply: (rs) => edit(find(rs, "Deployment", "app-worker"), () => Object.assign(container(find(rs, "Deployment", "app-worker")).securityContext, { runAsNonRoot: false, runAsUser: 0 })) },
    { policy: "k8s-restricted-security", base: "production", what: "the API on the host network", apply: (rs) => edit(find(rs, "Deployment", "app-api"), (i) => (i.spec.template.spec.hostNetwork = true)) },
    { policy: "k8s-restricted-security", base: "staging", what: "a hostPath volume on the worker", apply: (rs) => edit(find(rs, "Deployment", "app-worker"), (i) => i.spec.template.spec.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } })) },
    { policy: "k8s-restricted-security", base: "mongodb", what: "a hostPort on the web app", apply: (rs) => edit(find(rs, "Deployment", "app-web"), () => (container(find(rs, "Deployment", "app-web")).ports[0].hostPort = 3000)) },
    { policy: "k8s-image-pinned", base: "production", what: "an image tagged latest", apply: (rs) => edit(find(rs, "Deployment", "app-api"), () => (container(find(rs, "Deployment", "app-api")).image = "ghcr.io/acme/retail-api:latest")) },
    { policy: "k8s-image-pinned", base: "staging", what: "an untagged image", apply: (rs) => edit(find(rs, "Deployment", "app-web"), () => (container(find(rs, "Deployment", "app-web")).image = "ghcr.io/acme/retail-web")) },
    { policy: "k8s-image-pinned", base: "mongodb", what: "a malformed digest", apply: (rs) => edit(find(rs, "Deployment", "app-worker"), () => (container(find(rs, "Deployment", "app-worker")).image = "ghcr.io/acme/retail-api@sha256:abc")) },
    { policy: "k8s-env-no-literal-secret", base: "production", what: "a literal JWT_SECRET", apply: (rs) => edit(find(rs, "Deployment", "app-api"), () => container(find(rs, "Deployment", "app-api")).env.push({ name: "JWT_SECRET_OLD", value: "literal" })) },
    { policy: "k8s-env-no-literal-secret", base: "staging", what: "a literal database password on the worker", apply: (rs) => edit(find(rs, "Deployment", "app-worker"), () => container(find(rs, "Deployment", "app-worker")).env.push({ name: "DB_PASSWORD", value: "hunter2" })) },
    { policy: "k8s-env-no-literal-secret", base: "mongodb", what: "a literal API token in the migration Job", apply: (rs) => edit(find(rs, "Job", "migrate"), () => container(find(rs, "Job", "migrate")).env.push({ name: "API_TOKEN", value: "literal" })) },
    {
        policy: "backup-cronjob-per-database",
        base: "production",
        what: "the PostgreSQL backup CronJob removed",
        apply: (rs) => {
            rs.splice(rs.indexOf(find(rs, "CronJob", "backups-postgres")), 1);
            return find(rs, "Instance", "database-postgres-instance");
        },
    },
    { policy: "backup-cronjob-per-database", base: "staging", what: "the PostgreSQL backup made weekly", apply: (rs) => (edit(find(rs, "CronJob", "backups-postgres"), (i) => (i.spec.schedule = "0 2 * * 0")), find(rs, "Instance", "database-postgres-instance")) },
    { policy: "backup-cronjob-per-database", base: "mongodb", what: "the hourly oplog capture suspended", apply: (rs) => (edit(find(rs, "CronJob", "backups-mongodb-oplog"), (i) => (i.spec.suspend = true)), find(rs, "StatefulSet", "mongodb")) },
    {
        policy: "backup-cronjob-per-database",
        base: "mongodb",
        what: "the Redis backup's container running something else under the same label",
        apply: (rs) => (edit(find(rs, "CronJob", "backups-redis"), () => (container(find(rs, "CronJob", "backups-redis")).command = ["/bin/sh", "-c", "true"])), find(rs, "StatefulSet", "redis")),
    },
    { policy: "k8s-image-pinned", base: "production", what: "the backup image tagged latest", apply: (rs) => edit(find(rs, "CronJob", "backups-postgres"), () => (container(find(rs, "CronJob", "backups-postgres")).image = "ghcr.io/acme/runbook-backup:latest")) },
    {
        policy: "k8s-env-no-literal-secret",
        base: "staging",
        what: "the drill's R2 secret given as a literal",
        apply: (rs) =>
            edit(find(rs, "CronJob", "backups-drill-production-postgres"), () => {
                const env = container(find(rs, "CronJob", "backups-drill-production-postgres")).env as Json[];
                const secret = env.find((e) => e.name === "AWS_SECRET_ACCESS_KEY")!;
                delete secret.valueFrom;
                secret.value = "0123456789abcdef";
            }),
    },
    { policy: "k8s-restricted-security", base: "mongodb", what: "the oplog capture allowed to escalate", apply: (rs) => edit(find(rs, "CronJob", "backups-mongodb-oplog"), () => (container(find(rs, "CronJob", "backups-mongodb-oplog")).securityContext = { ...container(find(rs, "CronJob", "backups-mongodb-oplog")).securityContext, allowPrivilegeEscalation: true })) },
    { policy: "k8s-env-no-literal-secret", base: "staging", what: "the backup role Job's admin URL in plain text", apply: (rs) => edit(find(rs, "Job", "backups-postgres-role"), () => container(find(rs, "Job", "backups-postgres-role")).env.push({ name: "LEGACY_URL", value: "postgres://runbook_admin:hunter2@db:5432/runbook" })) },
    { policy: "k8s-production-replicas", base: "production", what: "the web autoscaler floor at 1", apply: (rs) => (edit(find(rs, "HorizontalPodAutoscaler", "app-web"), (i) => (i.spec.minReplicas = 1)), find(rs, "Deployment", "app-web")) },
    {
        policy: "k8s-production-replicas",
        base: "production",
        what: "the API's disruption budget removed",
        apply: (rs) => {
            rs.splice(rs.indexOf(find(rs, "PodDisruptionBudget", "app-api")), 1);
            return find(rs, "Deployment", "app-api");
        },
    },
    {
        policy: "k8s-production-replicas",
        base: "mongodb",
        what: "the web autoscaler removed and one replica",
        apply: (rs) => {
            rs.splice(rs.indexOf(find(rs, "HorizontalPodAutoscaler", "app-web")), 1);
            return edit(find(rs, "Deployment", "app-web"), (i) => (i.spec.replicas = 1));
        },
    },
    {
        policy: "k8s-namespace-network-policy",
        base: "production",
        what: "the default deny removed",
        apply: (rs) => {
            rs.splice(rs.indexOf(find(rs, "NetworkPolicy", "default-deny")), 1);
            return rs.find((r) => r.custom && /:(Deployment|Job|StatefulSet)$/.test(r.type) && (r.inputs as Json).spec?.template?.metadata?.labels?.["runbook.dev/tier"] === "app")!;
        },
    },
    {
        policy: "k8s-namespace-network-policy",
        base: "staging",
        what: "the default deny narrowed to Ingress",
        apply: (rs) => {
            edit(find(rs, "NetworkPolicy", "default-deny"), (i) => (i.spec.policyTypes = ["Ingress"]));
            return rs.find((r) => r.custom && /:(Deployment|Job|StatefulSet)$/.test(r.type) && (r.inputs as Json).spec?.template?.metadata?.labels?.["runbook.dev/tier"] === "app")!;
        },
    },
    {
        policy: "k8s-namespace-network-policy",
        base: "mongodb",
        what: "the default deny narrowed to some pods",
        apply: (rs) => {
            edit(find(rs, "NetworkPolicy", "default-deny"), (i) => (i.spec.podSelector = { matchLabels: { "app.kubernetes.io/name": "web" } }));
            return rs.find((r) => r.custom && /:(Deployment|Job|StatefulSet)$/.test(r.type) && (r.inputs as Json).spec?.template?.metadata?.labels?.["runbook.dev/tier"] === "app")!;
        },
    },
    { policy: "k8s-no-exposed-app-service", base: "production", what: "the API Service as a LoadBalancer", apply: (rs) => edit(find(rs, "Service", "app-api"), (i) => (i.spec.type = "LoadBalancer")) },
    { policy: "k8s-no-exposed-app-service", base: "staging", what: "the web Service as a NodePort", apply: (rs) => edit(find(rs, "Service", "app-web"), (i) => (i.spec.type = "NodePort")) },
    {
        policy: "k8s-no-exposed-app-service",
        base: "mongodb",
        what: "a new LoadBalancer selecting the web pods",
        apply: (rs) =>
            add(rs, find(rs, "Service", "app-web"), "kubernetes:core/v1:Service", "web-lb", {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "web-lb", namespace: "runbook" },
                spec: { type: "LoadBalancer", selector: { "app.kubernetes.io/name": "web" }, ports: [{ port: 80, targetPort: "http" }] },
            }),
    },
    { policy: "k8s-no-secrets-in-configmaps", base: "staging", what: "a requirepass line in redis.conf", apply: (rs) => edit(find(rs, "ConfigMap", "redis"), (i) => (i.data["redis.conf"] += "requirepass hunter2\n")) },
    { policy: "k8s-no-secrets-in-configmaps", base: "mongodb", what: "a password key in the init script ConfigMap", apply: (rs) => edit(find(rs, "ConfigMap", "init-script"), (i) => (i.data.MONGODB_ROOT_PASSWORD = "hunter2")) },
    { policy: "k8s-no-secrets-in-configmaps", base: "mongodb", what: "a connection URL with a password", apply: (rs) => edit(find(rs, "ConfigMap", "redis"), (i) => (i.data.REDIS_ENDPOINT = "redis://default:hunter2@redis-in-cluster:6379")) },
    { policy: "k8s-secret-values-not-literal", base: "production", what: "a literal in the app Secret", apply: (rs) => edit(find(rs, "Secret", "app-secrets"), (i) => (i.stringData = { JWT_SECRET: "literal" })) },
    { policy: "k8s-secret-values-not-literal", base: "mongodb", what: "a literal MongoDB root password", apply: (rs) => edit(find(rs, "Secret", "mongodb-root"), (i) => (i.stringData = { password: "literal" })) },
    { policy: "k8s-secret-values-not-literal", base: "staging", what: "literal base64 data in the Redis Secret", apply: (rs) => edit(find(rs, "Secret", "redis"), (i) => (i.data = { password: "aHVudGVyMg==" })) },
    { policy: "mongodb-requires-auth", base: "mongodb", what: "--auth removed", apply: (rs) => edit(find(rs, "StatefulSet", "mongodb"), () => (container(find(rs, "StatefulSet", "mongodb")).args = container(find(rs, "StatefulSet", "mongodb")).args.filter((a: string) => a !== "--auth"))) },
    {
        policy: "mongodb-requires-auth",
        base: "mongodb",
        what: "the keyfile removed",
        apply: (rs) =>
            edit(find(rs, "StatefulSet", "mongodb"), () => {
                const c = container(find(rs, "StatefulSet", "mongodb"));
                const i = c.args.indexOf("--keyFile");
                c.args.splice(i, 2);
            }),
    },
    {
        policy: "mongodb-requires-auth",
        base: "mongodb",
        what: "mongod moved into an unlabelled Deployment without --auth",
        apply: (rs) => {
            const r = asUnlabelledDeployment(find(rs, "StatefulSet", "mongodb"), { persistentVolumeClaim: { claimName: "mongo" } });
            container(r).args = ["--bind_ip_all", "--dbpath", "/data/db"];
            return r;
        },
    },
    // ED-2, ED-3, ED-4: the Cloudflare zone (production owns example.com)
    { policy: "cloudflare-zone-tls", base: "production", what: "SSL flexible", apply: (rs) => edit(find(rs, "ZoneSetting", "ssl"), (i) => (i.value = "flexible")) },
    { policy: "cloudflare-zone-tls", base: "production", what: "SSL full without verification", apply: (rs) => edit(find(rs, "ZoneSetting", "ssl"), (i) => (i.value = "full")) },
    { policy: "cloudflare-zone-tls", base: "production", what: "minimum TLS 1.0", apply: (rs) => edit(find(rs, "ZoneSetting", "min_tls_version"), (i) => (i.value = "1.0")) },
    { policy: "cloudflare-zone-tls", base: "production", what: "Always Use HTTPS off", apply: (rs) => edit(find(rs, "ZoneSetting", "always_use_https"), (i) => (i.value = "off")) },
    { policy: "cloudflare-hsts", base: "production", what: "HSTS for a day", apply: (rs) => edit(find(rs, "ZoneSetting", "security_header"), (i) => (i.value.strict_transport_security.max_age = DAY)) },
    { policy: "cloudflare-hsts", base: "production", what: "HSTS without subdomains", apply: (rs) => edit(find(rs, "ZoneSetting", "security_header"), (i) => (i.value.strict_transport_security.include_subdomains = false)) },
    { policy: "cloudflare-hsts", base: "production", what: "HSTS disabled", apply: (rs) => edit(find(rs, "ZoneSetting", "security_header"), (i) => (i.value.strict_transport_security.enabled = false)) },
    { policy: "cloudflare-login-rate-limit", base: "production", what: "100 login attempts a minute", apply: (rs) => edit(find(rs, "Ruleset", "rate-limit"), (i) => (i.rules[0].ratelimit.requestsPerPeriod = 100)) },
    { policy: "cloudflare-login-rate-limit", base: "production", what: "a one-minute block", apply: (rs) => edit(find(rs, "Ruleset", "rate-limit"), (i) => (i.rules[0].ratelimit.mitigationTimeout = 60)) },
    { policy: "cloudflare-login-rate-limit", base: "production", what: "a 1000-second block Cloudflare refuses", apply: (rs) => edit(find(rs, "Ruleset", "rate-limit"), (i) => (i.rules[0].ratelimit.mitigationTimeout = 1000)) },
    { policy: "cloudflare-hsts", base: "production", what: "HSTS in camelCase keys Cloudflare never reads", apply: (rs) => edit(find(rs, "ZoneSetting", "security_header"), (i) => (i.value = { strictTransportSecurity: { enabled: true, maxAge: 31536000, includeSubdomains: true } })) },
    { policy: "cloudflare-login-rate-limit", base: "production", what: "counted per data centre, not per IP", apply: (rs) => edit(find(rs, "Ruleset", "rate-limit"), (i) => (i.rules[0].ratelimit.characteristics = ["cf.colo.id"])) },
    { policy: "cloudflare-login-rate-limit", base: "production", what: "the login rule disabled", apply: (rs) => edit(find(rs, "Ruleset", "rate-limit"), (i) => (i.rules[0].enabled = false)) },
    // ED-5, ED-3: the Gateway
    { policy: "gateway-http-redirect-only", base: "production", what: "a host route on every listener, port 80 included", apply: (rs) => edit(find(rs, "HTTPRoute", "api."), (i) => delete i.spec.parentRefs[0].sectionName) },
    { policy: "gateway-http-redirect-only", base: "staging", what: "the redirect route also serving the web app", apply: (rs) => edit(find(rs, "HTTPRoute", "https-redirect"), (i) => (i.spec.rules[0].backendRefs = [{ name: "web", port: 3000 }])) },
    { policy: "gateway-http-redirect-only", base: "staging", what: "an extra listener on 8080", apply: (rs) => edit(find(rs, "Gateway", "gateway"), (i) => i.spec.listeners.push({ name: "debug", protocol: "HTTP", port: 8080 })) },
    { policy: "gateway-security-headers", base: "production", what: "X-Frame-Options dropped", apply: (rs) => edit(find(rs, "HTTPRoute", "api."), (i) => (i.spec.rules[0].filters[0].responseHeaderModifier.set = i.spec.rules[0].filters[0].responseHeaderModifier.set.filter((h: Json) => h.name !== "X-Frame-Options"))) },
    { policy: "gateway-security-headers", base: "staging", what: "HSTS for five minutes", apply: (rs) => edit(find(rs, "HTTPRoute", "api."), (i) => (i.spec.rules[0].filters[0].responseHeaderModifier.set[0].value = "max-age=300; includeSubDomains")) },
    { policy: "gateway-security-headers", base: "production", what: "the header filter removed", apply: (rs) => edit(find(rs, "HTTPRoute", "api."), (i) => (i.spec.rules[0].filters = [])) },
    // OB-1, OB-6, OB-7: the alerts a stack with apps must declare
    { policy: "alerts-cover-apps", base: "production", what: "the PrometheusRule removed", apply: (rs) => {
        rs.splice(rs.indexOf(find(rs, "PrometheusRule")), 1);
        return firstApp(rs);
    } },
    { policy: "alerts-cover-apps", base: "staging", what: "the fast-burn SLO alert renamed", apply: (rs) => {
        edit(find(rs, "PrometheusRule"), (i) => alertRule(i, "ErrorBudgetBurnFast").alert = "BudgetBurn");
        return firstApp(rs);
    } },
    { policy: "alerts-cover-apps", base: "mongodb", what: "the backup and drill group dropped", apply: (rs) => {
        edit(find(rs, "PrometheusRule"), (i) => (i.spec.groups = i.spec.groups.filter((g: Json) => g.name !== "runbook-backups")));
        return firstApp(rs);
    } },
    { policy: "alerts-cover-apps", base: "production", what: "the restart-loop alert turned into a recording rule", apply: (rs) => {
        edit(find(rs, "PrometheusRule"), (i) => {
            const rule = alertRule(i, "PodRestartLoop");
            rule.record = "runbook:restarts";
            delete rule.alert;
        });
        return firstApp(rs);
    } },
    // OB-4: severity and runbook on every alert
    { policy: "alerts-have-severity-and-runbook", base: "production", what: "AppDown labelled severity critical", apply: (rs) => edit(find(rs, "PrometheusRule"), (i) => (alertRule(i, "AppDown").labels.severity = "critical")) },
    { policy: "alerts-have-severity-and-runbook", base: "staging", what: "a runbook_url removed", apply: (rs) => edit(find(rs, "PrometheusRule"), (i) => delete alertRule(i, "BackupTooOld").annotations.runbook_url) },
    { policy: "alerts-have-severity-and-runbook", base: "mongodb", what: "a severity label removed", apply: (rs) => edit(find(rs, "PrometheusRule"), (i) => delete alertRule(i, "ContainerOOMKilled").labels.severity) },
    // OB-4: sev1 and sev2 reach a pager
    { policy: "paging-alerts-reach-pager", base: "production", what: "the sev1 route's PagerDuty branch removed", apply: (rs) => {
        edit(find(rs, "AlertmanagerConfig"), (i) => delete i.spec.route.routes.find((r: Json) => r.matchers?.some((m: Json) => m.value === "sev1")).routes);
        return find(rs, "PrometheusRule");
    } },
    { policy: "paging-alerts-reach-pager", base: "staging", what: "the pagerduty receiver turned into a second Slack", apply: (rs) => {
        edit(find(rs, "AlertmanagerConfig"), (i) => {
            const receiver = i.spec.receivers.find((r: Json) => r.name === "pagerduty");
            receiver.slackConfigs = i.spec.receivers.find((r: Json) => r.name === "slack").slackConfigs;
            delete receiver.pagerdutyConfigs;
        });
        return find(rs, "PrometheusRule");
    } },
    { policy: "paging-alerts-reach-pager", base: "mongodb", what: "the AlertmanagerConfig moved to another namespace", apply: (rs) => {
        edit(find(rs, "AlertmanagerConfig"), (i) => (i.metadata.namespace = "monitoring"));
        return find(rs, "PrometheusRule");
    } },
    { policy: "paging-alerts-reach-pager", base: "production", what: "sev2 matched by a regex that never matches", apply: (rs) => {
        edit(find(rs, "AlertmanagerConfig"), (i) => (i.spec.route.routes.find((r: Json) => r.matchers?.some((m: Json) => m.value === "sev2")).matchers = [{ name: "severity", value: "sev2x|(", matchType: "=~" }]));
        return find(rs, "PrometheusRule");
    } },
    // OB-3: CloudWatch alarms on every AWS data store in production
    { policy: "data-store-cloudwatch-alarms", base: "production", what: "the read replica's ReplicaLag alarm removed", apply: (rs) => {
        rs.splice(rs.indexOf(find(rs, "MetricAlarm", "rds-replica-replica-lag")), 1);
        return find(rs, "Instance", "replica");
    } },
    { policy: "data-store-cloudwatch-alarms", base: "production", what: "the primary's FreeStorageSpace alarm pointed at another instance", apply: (rs) => {
        const alarm = find(rs, "MetricAlarm", "rds-primary-free-storage");
        alarm.propertyDependencies = { dimensions: [find(rs, "Instance", "replica").urn] };
        return find(rs, "Instance", "instance");
    } },
    { policy: "data-store-cloudwatch-alarms", base: "production", what: "ElastiCache eviction alarms removed", apply: (rs) => {
        for (const r of rs.filter((x) => x.type.endsWith(":MetricAlarm") && x.name.includes("evictions"))) rs.splice(rs.indexOf(r), 1);
        return find(rs, "ReplicationGroup");
    } },
    { policy: "data-store-cloudwatch-alarms", base: "production", what: "a memory alarm without actions", apply: (rs) => {
        edit(find(rs, "MetricAlarm", "redis-001-memory"), (i) => (i.alarmActions = []));
        return find(rs, "ReplicationGroup");
    } },
    // BK-3: offsite, encrypted at rest and in transit
    { policy: "backups-offsite-encrypted", base: "production", what: "the upload endpoint downgraded to http://", apply: (rs) => edit(find(rs, "CronJob", "backups-postgres"), () => (envVar(find(rs, "CronJob", "backups-postgres"), "S3_ENDPOINT_URL").value = "http://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com")) },
    { policy: "backups-offsite-encrypted", base: "staging", what: "a placeholder age recipient with no valid checksum", apply: (rs) => edit(find(rs, "CronJob", "backups-redis"), () => (envVar(find(rs, "CronJob", "backups-redis"), "AGE_RECIPIENT").value = `age1${"q".repeat(58)}`)) },
    { policy: "backups-offsite-encrypted", base: "staging", what: "the age recipient moved into a ConfigMap the pack cannot read", apply: (rs) => edit(find(rs, "CronJob", "backups-postgres"), () => {
        const e = envVar(find(rs, "CronJob", "backups-postgres"), "AGE_RECIPIENT");
        delete e.value;
        e.valueFrom = { configMapKeyRef: { name: "backup-settings", key: "recipient" } };
    }) },
    { policy: "backups-offsite-encrypted", base: "mongodb", what: "the oplog capture uploading to S3 in the databases' own AWS account", apply: (rs) => edit(find(rs, "CronJob", "backups-mongodb-oplog"), () => (envVar(find(rs, "CronJob", "backups-mongodb-oplog"), "S3_ENDPOINT_URL").value = "https://s3.us-east-1.amazonaws.com")) },
    { policy: "backups-offsite-encrypted", base: "production", what: "the age step taken out of the mounted scripts", apply: (rs) => {
        edit(find(rs, "ConfigMap", "backups-scripts"), (i) => {
            for (const k of Object.keys(i.data)) i.data[k] = i.data[k].replace(/\|\s*age -r "\$AGE_RECIPIENT"/g, "| cat");
        });
        return find(rs, "CronJob", "backups-postgres");
    } },
    // BK-8: only the scoped writer and the read-only drill reach the backups
    { policy: "backups-access-scoped", base: "staging", what: "the drill's token given the write group", apply: (rs) => edit(find(rs, "ApiToken", "drill-reader"), (i) => (i.policies[0].permissionGroups = [{ id: "2efd5506f9c8494dacb1fa10a3e7d5b6" }])) },
    { policy: "backups-access-scoped", base: "production", what: "the apps' asset token also granted the backups bucket", apply: (rs) => edit(find(rs, "ApiToken", "assets"), (i) => {
        const scope = JSON.parse(i.policies[0].resources);
        scope["com.cloudflare.edge.r2.bucket.0123456789abcdef0123456789abcdef_default_retail-backups"] = "*";
        i.policies[0].resources = JSON.stringify(scope);
    }) },
    { policy: "backups-access-scoped", base: "mongodb", what: "an account-wide R2 Storage Write token added", apply: (rs) => add(rs, find(rs, "ApiToken", "writer"), "cloudflare:index/apiToken:ApiToken", "ops-r2-admin", {
        name: "ops-r2-admin",
        policies: [{ effect: "allow", permissionGroups: [{ id: "bf7481a1826f439697cb59a20b22293e" }], resources: JSON.stringify({ "com.cloudflare.api.account.0123456789abcdef0123456789abcdef": "*" }) }],
    }) },
    { policy: "backups-access-scoped", base: "production", what: "a restore drill added to production", apply: (rs) => {
        const drill = add(rs, find(rs, "CronJob", "backups-postgres"), "kubernetes:batch/v1:CronJob", "backups-drill-production-postgres", structuredClone(inputs(find(rs, "CronJob", "backups-postgres"))));
        edit(drill, (i) => (i.metadata.labels["runbook.dev/restore-drill"] = "postgres"));
        return drill;
    } },
    { policy: "backups-access-scoped", base: "mongodb", what: "the drill's age identity kept in a production Secret", apply: (rs) => edit(find(rs, "Secret", "backups-credentials"), (i) => (i.stringData = { ...(typeof i.stringData === "object" ? i.stringData : {}), AGE_SECRET_KEY: "[secret]" })) },
    { policy: "backups-access-scoped", base: "staging", what: "the backup token's ID copied into a ConfigMap", apply: (rs) => {
        const cm = find(rs, "ConfigMap", "backups-scripts");
        cm.propertyDependencies = { ...cm.propertyDependencies, data: [find(rs, "ApiToken", "writer").urn] };
        return cm;
    } },
    { policy: "backups-access-scoped", base: "staging", what: "the drill reading the backup jobs' credentials", apply: (rs) => edit(find(rs, "CronJob", "drill-staging-postgres"), () => {
        for (const n of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) envVar(find(rs, "CronJob", "drill-staging-postgres"), n).valueFrom.secretKeyRef.name = "runbook-backup-credentials";
    }) },
    { policy: "data-alerts-have-source", base: "staging", what: "the Redis PodMonitor selecting a label the Redis pod does not carry", apply: (rs) => {
        edit(find(rs, "PodMonitor", "redis-podmonitor"), (i) => (i.spec.selector.matchLabels["app.kubernetes.io/name"] = "redis-in-cluster-old"));
        return find(rs, "PrometheusRule");
    } },
    { policy: "data-alerts-have-source", base: "staging", what: "the postgres_exporter Service selecting other pods than the exporter's", apply: (rs) => {
        edit(find(rs, "Service", "postgres-exporter-service"), (i) => (i.spec.selector = { "app.kubernetes.io/name": "postgres-exporter-v2", "app.kubernetes.io/component": "exporter" }));
        return find(rs, "PrometheusRule");
    } },
    { policy: "data-alerts-have-source", base: "staging", what: "the ServiceMonitor moved to the monitoring namespace, where no exporter Service is", apply: (rs) => {
        edit(find(rs, "ServiceMonitor", "postgres-servicemonitor"), (i) => (i.metadata.namespace = "monitoring"));
        return find(rs, "PrometheusRule");
    } },
    { policy: "data-alerts-have-source", base: "mongodb", what: "the mongodb_exporter sidecar dropped from the members", apply: (rs) => {
        edit(find(rs, "StatefulSet", "mongodb-statefulset"), (i) => (i.spec.template.spec.containers = i.spec.template.spec.containers.filter((c: Json) => c.name !== "mongodb-exporter")));
        return find(rs, "PrometheusRule");
    } },
    // OB-1, OB-2, OB-6, OB-7, ED-2: alerts judged by what their PromQL means (issue 19 (1))
    { policy: "alerts-fire-at-runbook-thresholds", base: "production", what: "the p95 alert at 800 ms instead of 400", apply: (rs) => rewrite(rs, "HighLatencyP95", (e) => e.replace("> 400", "> 800")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "staging", what: "the fast burn at 20 % instead of 7.2 %", apply: (rs) => rewrite(rs, "ErrorBudgetBurnFast", (e) => e.replace(/0\.072/g, "0.2")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "mongodb", what: "AppDown asking for fewer than 0 targets up, which never happens", apply: (rs) => rewrite(rs, "AppDown", (e) => e.replace("== 0", "< 0").replace(/\n\s+or absent\(.*\)/g, "")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "production", what: "the fast burn waiting 30 minutes", apply: (rs) => ((anyRule(rs, "ErrorBudgetBurnFast").for = "30m"), find(rs, "PrometheusRule")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "staging", what: "the latency SLO counting requests slower than 1 s, not 400 ms", apply: (rs) => {
        for (const w of ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]) rewrite(rs, `runbook:slo_slow_requests_per_request:ratio_rate${w}`, (e) => e.replace('le="0.4"', 'le="1"'));
        return find(rs, "PrometheusRule");
    } },
    { policy: "alerts-fire-at-runbook-thresholds", base: "production", what: "restarts counted over 1 minute instead of 15", apply: (rs) => rewrite(rs, "PodRestartLoop", (e) => e.replace("offset 15m", "offset 1m")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "production", what: "the error ratio recording narrowed to 503s", apply: (rs) => rewrite(rs, "runbook:slo_errors_per_request:ratio_rate5m", (e) => e.replace("5..", "503")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "mongodb", what: "the traffic guard raised to 6000 requests a minute", apply: (rs) => rewrite(rs, "HighErrorRatio", (e) => e.replace(">= 1", ">= 6000")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "staging", what: "BackupFailed no longer parsing", apply: (rs) => rewrite(rs, "BackupFailed", (e) => e.replace(/\) == 0$/, " == 0")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "production", what: "the p95 alert reading another namespace", apply: (rs) => rewrite(rs, "HighLatencyP95", (e) => e.replace('namespace="runbook"', 'namespace="runbook-old"')) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "production", what: "BackupTooOld waiting 48 hours", apply: (rs) => rewrite(rs, "BackupTooOld", (e) => e.replace("> 26", "> 48")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "mongodb", what: "the OOM alert reading reason Error", apply: (rs) => rewrite(rs, "ContainerOOMKilled", (e) => e.replace("OOMKilled", "Error")) },
    { policy: "alerts-fire-at-runbook-thresholds", base: "staging", what: "the certificate-expiry alert deleted (ED-2)", apply: (rs) => {
        edit(find(rs, "PrometheusRule"), (i) => i.spec.groups.forEach((g: Json) => (g.rules = g.rules.filter((r: Json) => r.alert !== "CertificateExpiringSoon"))));
        return rs.find((r) => r.type.endsWith(":Certificate"))!;
    } },
    { policy: "alerts-fire-at-runbook-thresholds", base: "production", what: "the certificate-expiry alert firing 2 days before expiry", apply: (rs) => rewrite(rs, "CertificateExpiringSoon", (e) => e.replace("< 14", "< 2")) },
    // ED-2, ED-5: the TLS chain behind the Gateway (issue 19 (2))
    { policy: "tls-certificates-renewed", base: "production", what: "the api Certificate deleted, its listener still serving the Secret", apply: (rs) => {
        rs.splice(rs.indexOf(find(rs, "Certificate", "api.")), 1);
        return find(rs, "Gateway", "gateway");
    } },
    { policy: "tls-certificates-renewed", base: "staging", what: "a listener serving a Secret no Certificate writes", apply: (rs) => edit(find(rs, "Gateway", "gateway"), (i) => (i.spec.listeners.find((l: Json) => l.protocol === "HTTPS").tls.certificateRefs[0].name = "hand-made-tls")) },
    { policy: "tls-certificates-renewed", base: "production", what: "the issuer moved to ACME's staging directory", apply: (rs) => {
        edit(find(rs, "ClusterIssuer"), (i) => (i.spec.acme.server = "https://acme-staging-v02.api.letsencrypt.org/directory"));
        return find(rs, "Certificate", "api.");
    } },
    { policy: "tls-certificates-renewed", base: "mongodb", what: "a self-signed issuer in production", apply: (rs) => {
        edit(find(rs, "ClusterIssuer"), (i) => (i.spec = { selfSigned: {} }));
        return find(rs, "Certificate", "www.");
    } },
    { policy: "tls-certificates-renewed", base: "production", what: "renewBefore of 2 days", apply: (rs) => edit(find(rs, "Certificate", "api."), (i) => (i.spec.renewBefore = "48h")) },
    { policy: "tls-certificates-renewed", base: "staging", what: "the Gateway's client TLS floor at 1.0", apply: (rs) => edit(find(rs, "ClientTrafficPolicy"), (i) => (i.spec.tls.minVersion = "1.0")) },
    { policy: "tls-certificates-renewed", base: "production", what: "a wildcard listener nobody configured", apply: (rs) => edit(find(rs, "Gateway", "gateway"), (i) => (i.spec.listeners.find((l: Json) => l.protocol === "HTTPS").hostname = "*.example.com")) },
    { policy: "tls-certificates-renewed", base: "mongodb", what: "a wildcard Certificate nobody configured", apply: (rs) => edit(find(rs, "Certificate", "api."), (i) => (i.spec.dnsNames = ["*.example.com"])) },
    // ED-4, ED-1: the edge's protections in production (issue 19 (6))
    { policy: "cloudflare-waf-and-proxy", base: "production", what: "the managed WAF ruleset removed", apply: (rs) => {
        rs.splice(rs.indexOf(find(rs, "Ruleset", "waf")), 1);
        return firstZoneResource(rs);
    } },
    { policy: "cloudflare-waf-and-proxy", base: "production", what: "the OWASP ruleset disabled", apply: (rs) => edit(find(rs, "Ruleset", "waf"), (i) => (i.rules[1].enabled = false)) },
    { policy: "cloudflare-waf-and-proxy", base: "mongodb", what: "the Managed Ruleset overridden to log only", apply: (rs) => edit(find(rs, "Ruleset", "waf"), (i) => (i.rules[0].actionParameters.overrides = { action: "log" })) },
    { policy: "cloudflare-waf-and-proxy", base: "production", what: "the Managed Ruleset run on one path only", apply: (rs) => edit(find(rs, "Ruleset", "waf"), (i) => (i.rules[0].expression = 'starts_with(http.request.uri.path, "/admin")')) },
    { policy: "cloudflare-waf-and-proxy", base: "production", what: "the api host not proxied", apply: (rs) => edit(find(rs, "DnsRecord", "api."), (i) => (i.proxied = false)) },
    { policy: "cloudflare-waf-and-proxy", base: "mongodb", what: "the apex host's proxied flag removed", apply: (rs) => edit(find(rs, "DnsRecord", "dns-example.com"), (i) => delete i.proxied) },
    // SC-1: credential shapes in any string of any resource (issue 19 (3))
    { policy: "no-inline-credentials", base: "production", what: "a Slack webhook URL written into an AlertmanagerConfig receiver", apply: (rs) => edit(find(rs, "AlertmanagerConfig"), (i) => i.spec.receivers.push({ name: "ops-webhook", webhookConfigs: [{ url: "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx" }] })) },
    { policy: "no-inline-credentials", base: "staging", what: "the PagerDuty routing key written inline", apply: (rs) => edit(find(rs, "AlertmanagerConfig"), (i) => (i.spec.receivers.find((r: Json) => r.pagerdutyConfigs).pagerdutyConfigs[0].routingKey = "0123456789abcdef0123456789abcdef")) },
    { policy: "no-inline-credentials", base: "mongodb", what: "an AWS access key in a backup script", apply: (rs) => edit(find(rs, "ConfigMap", "backups-scripts"), (i) => (i.data["lib.sh"] += "\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n")) },
    { policy: "no-inline-credentials", base: "staging", what: "a private key in a Deployment annotation", apply: (rs) => edit(find(rs, "Deployment", "app-api"), (i) => (i.metadata.annotations = { "debug/key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----" })) },
    { policy: "no-inline-credentials", base: "production", what: "a database URL with its password in a Service annotation", apply: (rs) => edit(find(rs, "Service", "app-api"), (i) => (i.metadata.annotations = { note: "postgres://runbook_admin:hunter2secret@db.internal:5432/runbook" })) },
    { policy: "no-inline-credentials", base: "staging", what: "an age identity in a drill's check command", apply: (rs) => edit(find(rs, "CronJob", "drill-staging-postgres"), () => (envVar(find(rs, "CronJob", "drill-staging-postgres"), "DRILL_CHECK_COMMAND").value = `echo AGE-SECRET-KEY-1${"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".repeat(2).slice(0, 58)}`)) },
    // SC-5: workload isolation (issue 19 (4))
    { policy: "k8s-network-isolation", base: "production", what: "app egress opened to every destination on every port", apply: (rs) => edit(find(rs, "NetworkPolicy", "app-egress"), (i) => i.spec.egress.push({})) },
    { policy: "k8s-network-isolation", base: "staging", what: "app egress to 0.0.0.0/0 on every port", apply: (rs) => edit(find(rs, "NetworkPolicy", "app-egress"), (i) => i.spec.egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] })) },
    { policy: "k8s-network-isolation", base: "production", what: "the web pods admitting every namespace on their port", apply: (rs) => edit(find(rs, "NetworkPolicy", "allow-gateway-web"), (i) => (i.spec.ingress[0].from = [{ namespaceSelector: {} }])) },
    { policy: "k8s-network-isolation", base: "mongodb", what: "the api pods admitting every address", apply: (rs) => edit(find(rs, "NetworkPolicy", "allow-gateway-api"), (i) => i.spec.ingress[0].from.push({ ipBlock: { cidr: "0.0.0.0/0" } })) },
    { policy: "k8s-service-account-token-not-mounted", base: "production", what: "the api pods mounting their token", apply: (rs) => edit(find(rs, "Deployment", "app-api"), (i) => (i.spec.template.spec.automountServiceAccountToken = true)) },
    { policy: "k8s-service-account-token-not-mounted", base: "staging", what: "the pod setting removed and the ServiceAccount's too", apply: (rs) => {
        edit(find(rs, "ServiceAccount", "app-web"), (i) => delete i.automountServiceAccountToken);
        return edit(find(rs, "Deployment", "app-web"), (i) => delete i.spec.template.spec.automountServiceAccountToken);
    } },
    { policy: "k8s-service-account-token-not-mounted", base: "mongodb", what: "the backup job running as the namespace's default account with the setting removed", apply: (rs) => edit(find(rs, "CronJob", "backups-mongodb"), () => delete pod(find(rs, "CronJob", "backups-mongodb")).automountServiceAccountToken) },
    // WL-5, WL-2, BK-1: what the runbook asks of deploys (issue 19 (5))
    { policy: "k8s-migrations-before-traffic", base: "production", what: "the api's migration Job removed", apply: (rs) => {
        rs.splice(rs.indexOf(find(rs, "Job", "migrate")), 1);
        return find(rs, "Deployment", "app-api");
    } },
    { policy: "k8s-migrations-before-traffic", base: "staging", what: "the migration Job running last release's image", apply: (rs) => edit(find(rs, "Job", "migrate"), () => (container(find(rs, "Job", "migrate")).image = "ghcr.io/acme/retail-api:1.4.1")) },
    { policy: "k8s-migrations-before-traffic", base: "mongodb", what: "the api no longer waiting for its migration", apply: (rs) => {
        const d = find(rs, "Deployment", "app-api");
        d.dependencies = d.dependencies.filter((u) => !u.includes("migrate"));
        return d;
    } },
    { policy: "k8s-migrations-before-traffic", base: "production", what: "the annotation dropped and the migration run in another image", apply: (rs) => {
        edit(find(rs, "Deployment", "app-api"), (i) => delete i.metadata.annotations);
        return edit(find(rs, "Job", "migrate"), () => (container(find(rs, "Job", "migrate")).image = "ghcr.io/acme/retail-api:2.0.0"));
    } },
    { policy: "k8s-workload-probes", base: "production", what: "the api's readiness probe made its liveness probe", apply: (rs) => edit(find(rs, "Deployment", "app-api"), () => (container(find(rs, "Deployment", "app-api")).readinessProbe = structuredClone(container(find(rs, "Deployment", "app-api")).livenessProbe))) },
    { policy: "backup-cronjob-per-database", base: "production", what: "the PostgreSQL backup allowed to overlap", apply: (rs) => edit(find(rs, "CronJob", "backups-postgres"), (i) => (i.spec.concurrencyPolicy = "Allow")) },
    { policy: "backup-cronjob-per-database", base: "staging", what: "the staging drill's concurrency policy removed", apply: (rs) => edit(find(rs, "CronJob", "drill-staging-postgres"), (i) => delete i.spec.concurrencyPolicy) },
    { policy: "backup-cronjob-per-database", base: "mongodb", what: "the oplog capture replacing a running one", apply: (rs) => edit(find(rs, "CronJob", "backups-mongodb-oplog"), (i) => (i.spec.concurrencyPolicy = "Replace")) },
    // BK-8, BK-3, BK-1: roles recognised by what resources do (issue 19 (8))
    { policy: "backups-access-scoped", base: "production", what: "a restore drill without its label in production", apply: (rs) => {
        const base = find(rs, "CronJob", "backups-postgres");
        const drill = add(rs, base, "kubernetes:batch/v1:CronJob", "nightly-check", structuredClone(inputs(base)));
        edit(drill, (i) => {
            delete i.metadata.labels["runbook.dev/backup-datastore"];
            const c = i.spec.jobTemplate.spec.template.spec.containers[0];
            c.command = ["/bin/bash", "/opt/runbook/backup/restore-drill.sh"];
        });
        return drill;
    } },
    { policy: "backups-offsite-encrypted", base: "staging", what: "the backup label removed and the upload sent over http://", apply: (rs) => edit(find(rs, "CronJob", "backups-postgres"), (i) => {
        delete i.metadata.labels["runbook.dev/backup-datastore"];
        envVar(find(rs, "CronJob", "backups-postgres"), "S3_ENDPOINT_URL").value = "http://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com";
    }) },
    { policy: "backup-cronjob-per-database", base: "mongodb", what: "MongoDB moved into an unlabelled Deployment and its backup CronJob removed", apply: (rs) => {
        const r = asUnlabelledDeployment(find(rs, "StatefulSet", "mongodb"), { persistentVolumeClaim: { claimName: "mongo" } });
        rs.splice(rs.indexOf(find(rs, "CronJob", "backups-mongodb-oplog")), 1);
        return r;
    } },
];

/** Stricter than required: every one of these must plan with zero mandatory violations. */
const probes: Array<{ base: Base; what: string; apply: (rs: Resources) => void }> = [
    { base: "production", what: "35-day RDS retention", apply: (rs) => edit(find(rs, "Instance", "instance"), (i) => (i.backupRetentionPeriod = 35)) },
    { base: "production", what: "an indefinite bucket lock (and no delete rule)", apply: (rs) => {
        edit(find(rs, "R2BucketLock"), (i) => (i.rules[0].condition = { type: "Indefinite" }));
        edit(find(rs, "R2BucketLifecycle", "backups"), (i) => (i.rules = i.rules.filter((r: Json) => !r.deleteObjectsTransition)));
    } },
    { base: "production", what: "backups deleted later than the lock", apply: (rs) => edit(find(rs, "R2BucketLifecycle", "backups"), (i) => (i.rules.find((r: Json) => r.deleteObjectsTransition).deleteObjectsTransition.condition.maxAge = 90 * DAY)) },
    { base: "production", what: "TLS 1.3 on the custom domain", apply: (rs) => edit(find(rs, "R2CustomDomain"), (i) => (i.minTls = "1.3")) },
    { base: "production", what: "ElastiCache transit mode required and 35-day snapshots", apply: (rs) => edit(find(rs, "ReplicationGroup"), (i) => Object.assign(i, { transitEncryptionMode: "required", snapshotRetentionLimit: 35 })) },
    { base: "production", what: "a 128-character AUTH token", apply: (rs) => edit(find(rs, "RandomPassword", "auth-token"), (i) => (i.length = 128)) },
    { base: "production", what: "the security group narrowed to one private /32", apply: (rs) => edit(find(rs, "SecurityGroup", "postgres"), (i) => (i.ingress[0].cidrBlocks = ["10.20.1.7/32"])) },
    { base: "staging", what: "everything protected, retained and Multi-AZ in staging", apply: (rs) => {
        for (const r of rs) if (r.custom) Object.assign(r, { protect: true, retainOnDelete: true });
        edit(find(rs, "Instance", "instance"), (i) => Object.assign(i, { multiAz: true, deletionProtection: true, backupRetentionPeriod: 30, deleteAutomatedBackups: false }));
    } },
    { base: "mongodb", what: "a Localhost seccomp profile on Redis", apply: (rs) => {
        edit(find(rs, "StatefulSet", "redis"), (i) => (i.spec.template.spec.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "profiles/redis.json" }));
    } },
    { base: "mongodb", what: "MongoDB with TLS required on top of auth", apply: (rs) => edit(find(rs, "StatefulSet", "mongodb"), () => container(find(rs, "StatefulSet", "mongodb")).args.push("--tlsMode", "requireTLS")) },
    { base: "production", what: "the p95 alert at 300 ms, the fast burn after 1 minute", apply: (rs) => {
        rewrite(rs, "HighLatencyP95", (e) => e.replace("> 400", "> 300"));
        anyRule(rs, "ErrorBudgetBurnFast").for = "1m";
    } },
    { base: "staging", what: "restarts counted over an hour, the expiry alert at 21 days", apply: (rs) => {
        rewrite(rs, "PodRestartLoop", (e) => e.replace("offset 15m", "offset 1h"));
        rewrite(rs, "CertificateExpiringSoon", (e) => e.replace("< 14", "< 21"));
    } },
    { base: "production", what: "TLS 1.3 only at the Gateway and certificates renewed 45 days ahead", apply: (rs) => {
        edit(find(rs, "ClientTrafficPolicy"), (i) => (i.spec.tls.minVersion = "1.3"));
        for (const c of rs.filter((r) => r.type.endsWith(":Certificate"))) edit(c, (i) => (i.spec.renewBefore = "1080h"));
    } },
    { base: "staging", what: "egress to the internet on 443 only, and the web pods reached from the Gateway alone", apply: (rs) => edit(find(rs, "NetworkPolicy", "app-egress"), (i) => (i.spec.egress = i.spec.egress.filter((e: Json) => !e.to?.some((t: Json) => t.ipBlock?.cidr === "0.0.0.0/0")).concat([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443, protocol: "TCP" }] }]))) },
];

/**
 * Every boolean and number of every resource written as a string ("true", "900"), and every list of
 * one string written as that string (issue 19 (7)): what a careless edit or a YAML round trip does.
 * The pack reads them as the providers coerce them, or as malformed; a type change never turns a
 * check off.
 */
function withTypesChanged(rs: Resources): Resources {
    const retype = (v: unknown): unknown => {
        if (typeof v === "boolean" || typeof v === "number") return String(v);
        if (Array.isArray(v)) return v.length === 1 && typeof v[0] === "string" && v[0] !== UNKNOWN ? v[0] : v.map(retype);
        if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, retype(x)]));
        return v;
    };
    return rs.map((r) => ({ ...r, inputs: retype(r.inputs) as Record<string, unknown> }));
}

/**
 * Every input of every resource of another provider turned into a preview unknown, except resources
 * of the types the evasion edited: they are its evidence, and an unknown one of the same type (another
 * CronJob when the backup CronJob was made weekly) may be the very thing the check looks for, which
 * the pack then rightly reports as an advisory (issue 19 (9)).
 */
function withUnrelatedUnknowns(rs: Resources, target: PlanResource, base: Resources): Resources {
    const provider = (type: string) => type.split(":")[0];
    const before = new Map(base.map((r) => [r.urn, JSON.stringify(r.inputs)]));
    // The types the evasion touched: resources it edited, and resources it removed (another resource
    // of a removed one's type, made unknown, could be the removed one, so it is not unrelated).
    const kept = new Set(rs.map((r) => r.urn));
    const evidence = new Set([
        ...rs.filter((r) => before.get(r.urn) !== JSON.stringify(r.inputs)).map((r) => r.type),
        ...base.filter((r) => !kept.has(r.urn)).map((r) => r.type),
    ]);
    return rs.map((r) => (r.custom && provider(r.type) !== provider(target.type) && !evidence.has(r.type) ? { ...r, inputs: Object.fromEntries(Object.keys(r.inputs).map((k) => [k, UNKNOWN])) } : r));
}

const MANDATORY = policies.filter((p) => (p.enforcementLevel ?? "mandatory") === "mandatory").map((p) => p.name);

describe("mutation tier: every mandatory policy sees through at least three evasions of the shipped plans", function () {
    this.timeout(300000);
    const bases = {} as Record<Base, PlanFile>;

    before(() => {
        const plan = (stack: string, out: string, config?: string) => {
            const r = runbook("plan", "--stack", stack, "--json", out, ...(config ? ["--config", config] : []));
            assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
            return JSON.parse(fs.readFileSync(out, "utf8")) as PlanFile;
        };
        bases.staging = plan("staging", path.join(tmp, "staging.json"));
        bases.production = plan("production", path.join(tmp, "production.json"));
        const variant = writeStackVariant("production", tmp, (c) => (useMongodb(c), useInClusterRedis(c)));
        bases.mongodb = plan("production", path.join(tmp, "mongodb.json"), variant);
    });

    async function mandatory(base: Base, resources: Resources): Promise<Violation[]> {
        const { violations } = await checkResources(resources, bases[base].stack);
        return violations.filter((v) => v.enforcementLevel === "mandatory");
    }

    it("the shipped plans pass as they are", async () => {
        for (const base of Object.keys(bases) as Base[]) assert.deepStrictEqual(await mandatory(base, bases[base].resources), [], base);
    });

    it("every mandatory policy has at least three distinct evasions here", () => {
        for (const name of MANDATORY) {
            const count = new Set(evasions.filter((e) => e.policy === name).map((e) => e.what)).size;
            assert.ok(count >= 3, `${name} has ${count} evasion(s)`);
        }
    });

    for (const e of evasions) {
        it(`${e.policy} violating: ${e.what} (${e.base}) is a mandatory violation naming the resource, even among unrelated unknowns or with values in other types`, async () => {
            const resources = structuredClone(bases[e.base].resources);
            const target = e.apply(resources);
            const report = (vs: Violation[]) => vs.map((v) => `${v.policy} ${v.urn}`).join("\n");
            const found = await mandatory(e.base, resources);
            assert.ok(found.some((v) => v.policy === e.policy && v.urn === target.urn), `no ${e.policy} on ${target.urn}; got:\n${report(found)}`);
            const amongUnknowns = await mandatory(e.base, withUnrelatedUnknowns(resources, target, bases[e.base].resources));
            assert.ok(amongUnknowns.some((v) => v.policy === e.policy && v.urn === target.urn), `an unrelated unknown hid ${e.policy} on ${target.urn}; got:\n${report(amongUnknowns)}`);
            const retyped = await mandatory(e.base, withTypesChanged(resources));
            assert.ok(retyped.some((v) => v.policy === e.policy && v.urn === target.urn), `a type change hid ${e.policy} on ${target.urn}; got:\n${report(retyped)}`);
        });
    }

    for (const p of probes) {
        it(`stricter than required passes: ${p.what} (${p.base})`, async () => {
            const resources = structuredClone(bases[p.base].resources);
            p.apply(resources);
            assert.deepStrictEqual((await mandatory(p.base, resources)).map((v) => `${v.policy}: ${v.message}`), []);
        });
    }

    it("no policy crashes on garbage: every input, or every nested value, null, a number, a string or unknown", async () => {
        const replaceLeaves = (v: unknown, by: unknown): unknown =>
            Array.isArray(v) ? v.map((x) => replaceLeaves(x, by)) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceLeaves(x, by)])) : by;
        for (const base of Object.keys(bases) as Base[]) {
            for (const garbage of [null, 42, "x", UNKNOWN, [], {}]) {
                const topLevel = bases[base].resources.map((r) => ({ ...r, inputs: Object.fromEntries(Object.keys(r.inputs).map((k) => [k, garbage])) }));
                const nested = bases[base].resources.map((r) => ({ ...r, inputs: replaceLeaves(r.inputs, garbage) as Record<string, unknown> }));
                for (const resources of [topLevel, nested]) {
                    await assert.doesNotReject(checkResources(resources, bases[base].stack), `${base} with ${JSON.stringify(garbage)}`);
                }
            }
        }
    });

    it("runbook check exits 1 on two evasions, naming the policy and the resource, and 0 on a stricter probe", () => {
        for (const e of [evasions.find((x) => x.policy === "security-group-no-public-data-ports" && x.what.includes("two halves"))!, evasions.find((x) => x.policy === "k8s-data-volumes-retained" && x.base === "staging")!]) {
            const plan = structuredClone(bases[e.base]);
            const target = e.apply(plan.resources);
            const file = path.join(tmp, `evasion-${e.policy}.json`);
            fs.writeFileSync(file, JSON.stringify(plan));
            const r = runbook("check", file);
            assert.strictEqual(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, new RegExp(`${e.policy} \\(`));
            assert.ok(r.stdout.includes(target.urn), r.stdout);
        }
        const plan = structuredClone(bases.production);
        probes[0].apply(plan.resources);
        const file = path.join(tmp, "probe.json");
        fs.writeFileSync(file, JSON.stringify(plan));
        assert.strictEqual(runbook("check", file).status, 0);
    });
});
