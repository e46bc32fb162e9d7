import * as assert from "assert";
import { PlanResource, UNKNOWN } from "../../plan/model";
import { parseCidr, reachesBeyond, PRIVATE_CIDRS } from "../../policies/rules/cidr";
import {
    k8sDataVolumesRetained,
    k8sNamespaceRestricted,
    k8sNetworkIsolation,
    k8sNoPublicDataService,
    k8sNoSecretsInConfigMaps,
    k8sRestrictedSecurity,
    k8sSecretValuesNotLiteral,
    mongodbRequiresAuth,
} from "../../policies/rules/kubernetes";
import { isProductionUrn, stackOf } from "../../policies/rules/meta";
import { statefulResourcesRetained } from "../../policies/rules/protection";
import { kmsKeyHardened, rdsForceSsl, rdsStorageEncrypted } from "../../policies/rules/rds";
import { elasticacheEncryption, redisNoeviction, redisRequiresAuth } from "../../policies/rules/redis";
import { generatedCredentials } from "../../policies/rules/secrets";
import { securityGroupNoPublicDataPorts } from "../../policies/rules/securityGroups";
import { r2BackupsNeverPublic, r2BackupsWriteOnce, r2CustomDomainTls } from "../../policies/rules/storage";
import { check, resource } from "../helpers/policy";
import {
    AWS_EC2_SECURITY_GROUP as SG,
    AWS_ELASTICACHE_REPLICATION_GROUP as GROUP,
    AWS_KMS_KEY as KMS_KEY,
    AWS_RDS_INSTANCE as INSTANCE,
    AWS_RDS_PARAMETER_GROUP as RDS_PARAMS,
    AWS_VPC_SECURITY_GROUP_INGRESS_RULE as VPC_INGRESS,
    CLOUDFLARE_R2_BUCKET as BUCKET,
    CLOUDFLARE_R2_BUCKET_LIFECYCLE as LIFECYCLE,
    CLOUDFLARE_R2_BUCKET_LOCK as LOCK,
    CLOUDFLARE_R2_CUSTOM_DOMAIN as DOMAIN,
    K8S_CONFIG_MAP as CONFIG_MAP,
    K8S_DEPLOYMENT as DEPLOYMENT,
    K8S_NETWORK_POLICY as NETWORK_POLICY,
    K8S_SECRET as SECRET,
    K8S_SERVICE as SERVICE,
    K8S_STATEFUL_SET as STS,
    RANDOM_RANDOM_PASSWORD as PASSWORD,
} from "../helpers/types";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

describe("policy helpers: the environment comes from the URN's stack", () => {
    it("stackOf and isProductionUrn read urn:pulumi:<stack>::…; only 'production' is production", () => {
        assert.strictEqual(stackOf("urn:pulumi:pr-123::runbook::aws:rds/instance:Instance::db"), "pr-123");
        assert.strictEqual(isProductionUrn("urn:pulumi:production::runbook::t::n"), true);
        assert.strictEqual(isProductionUrn("urn:pulumi:production-eu::runbook::t::n"), false);
        assert.strictEqual(isProductionUrn("urn:pulumi:staging::runbook::t::n"), false);
        assert.strictEqual(stackOf("not a urn"), undefined);
    });
});

describe("policy helpers: CIDR arithmetic (DB-2)", () => {
    it("DB-2: a range is the internet when any of it lies beyond the private ranges, however it is written", () => {
        for (const publicRange of ["0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "8.0.0.0/8", "11.0.0.0/8", "::/0", "::/1", "8000::/1", "0::0/0", "2001:db8::/32", " 0.0.0.0/0 ", "::ffff:0.0.0.0/96", "1.2.3.4", "not-a-cidr"]) {
            assert.ok(reachesBeyond(publicRange, PRIVATE_CIDRS), publicRange);
        }
        for (const privateRange of ["10.0.0.0/8", "10.20.0.0/16", "172.16.0.0/12", "192.168.1.0/24", "fd00::/8", "10.0.0.1"]) {
            assert.ok(!reachesBeyond(privateRange, PRIVATE_CIDRS), privateRange);
        }
        assert.ok(!reachesBeyond("203.0.113.0/24", [...PRIVATE_CIDRS, "203.0.113.0/24"]), "an app CIDR from config is allowed");
        assert.ok(reachesBeyond("172.0.0.0/8", PRIVATE_CIDRS), "a /8 around 172.16/12 is mostly public");
        assert.deepStrictEqual(parseCidr("10.1.2.3/8"), { v6: false, first: 10n << 24n, last: (11n << 24n) - 1n });
    });
});

describe("policy: security-group-no-public-data-ports (DB-2) sees through evasions", () => {
    const rds = resource(INSTANCE, "db", { engine: "postgres", port: 6543 });
    const sg = (ingress: unknown[], type = SG) => resource(type, "db-sg", { ingress });
    const rule = (cidrBlocks: string[], port = 6543, ipv6CidrBlocks: string[] = []) => ({ description: "x", protocol: "tcp", fromPort: port, toPort: port, cidrBlocks, ipv6CidrBlocks });

    it("DB-2 violating: the internet split into two halves, a public /8 or ::/1, on the instance's own moved port", async () => {
        for (const cidrs of [["0.0.0.0/1", "128.0.0.0/1"], ["8.0.0.0/8"], []]) {
            const vs = await check([securityGroupNoPublicDataPorts], [rds, sg([rule(cidrs, 6543, cidrs.length ? [] : ["::/1"])])]);
            assert.strictEqual(vs.length, 1, JSON.stringify(cidrs));
            assert.match(vs[0].message, /port 6543/);
        }
    });

    it("DB-2 violating: the default security group and a vpc ingress rule count like inline rules", async () => {
        const viaDefault = await check([securityGroupNoPublicDataPorts], [sg([rule(["0.0.0.0/0"], 5432)], DEFAULT_SG)]);
        assert.match(viaDefault[0].message, /Default security group 'db-sg'/);
        const vpcRule = resource(VPC_INGRESS, "in", { ipProtocol: "tcp", fromPort: 27017, toPort: 27017, cidrIpv6: "::/1", description: "x" });
        assert.strictEqual((await check([securityGroupNoPublicDataPorts], [vpcRule])).length, 1);
    });

    it("DB-2 compliant: app CIDRs from config and private ranges pass; an unknown source is advisory only", async () => {
        assert.deepStrictEqual(await check([securityGroupNoPublicDataPorts], [rds, sg([rule(["10.20.0.0/16", "fd00::/8"])])]), []);
        const config = { "security-group-no-public-data-ports": { appCidrs: ["203.0.113.0/24"] } };
        assert.deepStrictEqual(await check([securityGroupNoPublicDataPorts], [rds, sg([rule(["203.0.113.0/24"])])], config), []);
        const vs = await check([securityGroupNoPublicDataPorts], [rds, sg([rule([UNKNOWN]), rule(["0.0.0.0/0"], 5432)])]);
        assert.deepStrictEqual(vs.map((v) => v.enforcementLevel).sort(), ["advisory", "mandatory"], "the unknown source does not hide the public one");
    });
});

describe("policy: rds-storage-encrypted (DB-3) needs a key this stack manages", () => {
    it("DB-3 violating: an AWS-managed alias, or a key ARN the stack does not declare", async () => {
        for (const kmsKeyId of ["alias/aws/rds", "arn:aws:kms:us-east-1:111122223333:alias/aws/rds", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]) {
            const vs = await check([rdsStorageEncrypted], [resource(INSTANCE, "db", { engine: "postgres", storageEncrypted: true, kmsKeyId })]);
            assert.strictEqual(vs.length, 1, kmsKeyId);
            assert.strictEqual(vs[0].enforcementLevel, "mandatory");
        }
    });

    it("DB-3 compliant: a key declared in the stack, even while its ARN is unknown; an unknown key of unknown origin is advisory", async () => {
        const key = resource(KMS_KEY, "key", { enableKeyRotation: true });
        const db = resource(INSTANCE, "db", { engine: "postgres", storageEncrypted: true, kmsKeyId: UNKNOWN }, { propertyDependencies: { kmsKeyId: [key.urn] } });
        assert.deepStrictEqual(await check([rdsStorageEncrypted], [key, db]), []);
        const orphan = resource(INSTANCE, "db", { engine: "postgres", storageEncrypted: true, kmsKeyId: UNKNOWN });
        assert.deepStrictEqual((await check([rdsStorageEncrypted], [orphan])).map((v) => v.enforcementLevel), ["advisory"]);
    });
});

describe("policy: kms-key-hardened (DB-3)", () => {
    const key = (inputs: Record<string, unknown>, stack = "production") => resource(KMS_KEY, "key", { enableKeyRotation: true, deletionWindowInDays: 30, ...inputs }, { stack });

    it("DB-3 compliant: a rotating key with a 30-day window (or AWS's default) passes", async () => {
        assert.deepStrictEqual(await check([kmsKeyHardened], [key({})]), []);
        assert.deepStrictEqual(await check([kmsKeyHardened], [key({ deletionWindowInDays: undefined })]), []);
        assert.deepStrictEqual(await check([kmsKeyHardened], [key({ deletionWindowInDays: 7 }, "staging")]), [], "outside production 7 days is enough");
    });

    it("DB-3 violating: rotation off, a 7-day window in production, or a key policy open to '*'", async () => {
        assert.match((await check([kmsKeyHardened], [key({ enableKeyRotation: false })]))[0].message, /enableKeyRotation is false/);
        assert.match((await check([kmsKeyHardened], [key({ deletionWindowInDays: 7 })]))[0].message, /deletionWindowInDays is 7; at least 30/);
        const policy = JSON.stringify({ Statement: [{ Sid: "open", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }] });
        assert.match((await check([kmsKeyHardened], [key({ policy })]))[0].message, /allows any principal \('\*'\) in statement open/);
        const conditioned = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": "111122223333" } } }] });
        assert.deepStrictEqual(await check([kmsKeyHardened], [key({ policy: conditioned })]), [], "a condition that names the account is not open");
    });
});

describe("policy: rds-force-ssl (ED-2) is case-insensitive and covers replicas of outside sources", () => {
    const params = resource(RDS_PARAMS, "params", { name: "pg16", parameters: [{ name: "rds.force_ssl", value: "0" }] });
    it("ED-2 violating: engine 'Postgres' in capitals, and a replica whose source is outside the stack", async () => {
        const upper = resource(INSTANCE, "db", { engine: "Postgres", parameterGroupName: "pg16" });
        assert.strictEqual((await check([rdsForceSsl], [params, upper])).length, 1);
        const replica = resource(INSTANCE, "replica", { replicateSourceDb: "arn:aws:rds:us-east-1:111122223333:db:elsewhere" });
        assert.match((await check([rdsForceSsl], [replica]))[0].message, /default parameter group/);
    });
});

describe("policy: elasticache-encryption (DB-3) transit mode", () => {
    const group = (mode?: string) => resource(GROUP, "queues", { atRestEncryptionEnabled: true, transitEncryptionEnabled: true, transitEncryptionMode: mode, authToken: "[secret]" });
    it("DB-3 violating: transitEncryptionMode preferred admits plain-text clients; required passes", async () => {
        assert.match((await check([elasticacheEncryption], [group("preferred")]))[0].message, /transitEncryptionMode: required/);
        assert.deepStrictEqual(await check([elasticacheEncryption], [group("required")]), []);
    });
});

describe("policy: generated-credentials (SC-3)", () => {
    const token = resource(PASSWORD, "token", { length: 64 });
    it("SC-3 compliant: an AUTH token from a 64-character RandomPassword passes", async () => {
        const g = resource(GROUP, "queues", { authToken: "[secret]" }, { propertyDependencies: { authToken: [token.urn] } });
        assert.deepStrictEqual(await check([generatedCredentials], [token, g]), []);
    });
    it("SC-3 violating: a literal AUTH token, and a 12-character generated password", async () => {
        const literal = resource(GROUP, "queues", { authToken: "hunter2hunter2hunter2" });
        const vs = await check([generatedCredentials], [literal, resource(PASSWORD, "short", { length: 12 })]);
        assert.deepStrictEqual(vs.map((v) => v.message.slice(0, 30)).sort(), ["'queues' sets authToken from a", "Generated password 'short' is "].sort());
        assert.ok(vs.every((v) => !v.message.includes("hunter2")), "never prints the value");
    });
});

describe("policy: stateful-resources-retained (DB-6, offline only)", () => {
    it("DB-6 violating: a production database without retainOnDelete, reported by the offline check", async () => {
        const db = resource(INSTANCE, "db", { engine: "postgres" }, { retainOnDelete: false });
        const vs = await check([statefulResourcesRetained], [db]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /offline-only check/);
    });
    it("DB-6 compliant: retained in production; not required in staging or for a read replica", async () => {
        assert.deepStrictEqual(await check([statefulResourcesRetained], [resource(INSTANCE, "db", {}, { retainOnDelete: true })]), []);
        assert.deepStrictEqual(await check([statefulResourcesRetained], [resource(INSTANCE, "db", {}, { retainOnDelete: false, stack: "staging" })]), []);
        assert.deepStrictEqual(await check([statefulResourcesRetained], [resource(INSTANCE, "r", { replicateSourceDb: UNKNOWN }, { retainOnDelete: false })]), []);
    });
});

describe("policy: R2 backups (BK-4, ST-3, ED-2) decided from config, per prefix", () => {
    const ACCOUNT = "0123456789abcdef0123456789abcdef";
    const bucket = (name: string) => resource(BUCKET, `${name}-bucket`, { accountId: ACCOUNT, name });
    const lock = (rules: unknown[], protect = true) => resource(LOCK, "lock", { accountId: ACCOUNT, bucketName: "acme-backups", rules }, { protect });
    const lockRule = (prefix: string, condition: Record<string, unknown>) => ({ id: `lock-${prefix}`, enabled: true, prefix, condition });
    const age = (days: number) => ({ type: "Age", maxAgeSeconds: days * 86400 });
    const expire = (prefix: string, days: number) => ({ id: `expire-${prefix}`, enabled: true, conditions: { prefix }, deleteObjectsTransition: { condition: { type: "Age", maxAge: days * 86400 } } });
    const lifecycle = (rules: unknown[]) => resource(LIFECYCLE, "lifecycle", { accountId: ACCOUNT, bucketName: "acme-backups", rules });

    it("BK-4 compliant: an indefinite lock satisfies any retention; per-prefix locks and deletions that wait for them pass", async () => {
        assert.deepStrictEqual(await check([r2BackupsWriteOnce], [bucket("acme-backups"), lock([lockRule("", { type: "Indefinite" })])]), []);
        const perPrefix = [bucket("acme-backups"), lock([lockRule("postgres/", age(30)), lockRule("redis/", age(30))]), lifecycle([expire("postgres/", 35), expire("redis/", 30)])];
        assert.deepStrictEqual(await check([r2BackupsWriteOnce], perPrefix), []);
    });

    it("BK-4 violating: a lifecycle that deletes backups on day 1, before the lock and the retention", async () => {
        const vs = await check([r2BackupsWriteOnce], [bucket("acme-backups"), lock([lockRule("", age(30))]), lifecycle([expire("postgres/", 1)])]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /deletes prefix 'postgres\/' after 1 day\(s\), before the retention and lock of 30 day\(s\)/);
    });

    it("BK-4 violating: a prefix the lifecycle uses but no lock covers; an unprotected lock in production", async () => {
        const vs = await check([r2BackupsWriteOnce], [bucket("acme-backups"), lock([lockRule("postgres/", age(30))], false), lifecycle([expire("postgres/", 30), expire("redis/", 30)])]);
        assert.deepStrictEqual(vs.map((v) => /not protected|prefix 'redis\/' for 0/.exec(v.message)?.[0]).sort(), ["not protected", "prefix 'redis/' for 0"].sort());
    });

    it("BK-4 violating: a bucket named in config backupBuckets holds backups whatever its name or parent", async () => {
        const archive = resource(BUCKET, "archive", { accountId: ACCOUNT, name: "acme-archive" });
        assert.deepStrictEqual(await check([r2BackupsWriteOnce], [archive]), [], "not a backups bucket by name");
        const vs = await check([r2BackupsWriteOnce], [archive], { "r2-backups-write-once": { backupBuckets: ["acme-archive"] } });
        assert.strictEqual(vs.length, 1);
    });

    it("ST-3 violating: a custom domain on a bucket whose name says backups, with no BackupBucket component", async () => {
        const domain = resource(DOMAIN, "dom", { accountId: ACCOUNT, bucketName: "acme-backups", domain: "dl.example.com", minTls: "1.2" });
        assert.strictEqual((await check([r2BackupsNeverPublic], [bucket("acme-backups"), domain])).length, 1);
    });

    it("r2-custom-domain-tls ED-2 violating: an R2 custom domain admitting TLS 1.0 (unset or '1.1'); 1.2 and 1.3 pass", async () => {
        const domain = (minTls?: string) => resource(DOMAIN, "dom", { accountId: ACCOUNT, bucketName: "assets", domain: "a.example.com", ...(minTls ? { minTls } : {}) });
        assert.strictEqual((await check([r2CustomDomainTls], [domain()])).length, 1);
        assert.strictEqual((await check([r2CustomDomainTls], [domain("1.1")])).length, 1);
        assert.deepStrictEqual(await check([r2CustomDomainTls], [domain("1.2"), domain("1.3")]), []);
    });
});

const restricted = { runAsNonRoot: true, runAsUser: 999, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
function workload(type: string, name: string, podLabels: Record<string, string>, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): PlanResource {
    return resource(type, name, { metadata: { name, namespace: "runbook" }, spec: { selector: { matchLabels: podLabels }, template: { metadata: { labels: podLabels }, spec }, ...extra } });
}
const redisContainer = (overrides: Record<string, unknown> = {}) => ({
    name: "redis",
    image: "redis:7.2.7",
    command: ["redis-server"],
    args: ["/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)"],
    env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } } }],
    ports: [{ name: "redis", containerPort: 6379 }],
    securityContext: restricted,
    volumeMounts: [{ name: "data", mountPath: "/data" }],
    ...overrides,
});

describe("policy: data-tier workloads recognised by what they run (DB-6, RD-3, SC-5)", () => {
    const unlabelled = { "app.kubernetes.io/name": "cache" };

    it("k8s-data-volumes-retained DB-6 violating: Redis moved into a Deployment without the tier label keeps its data on emptyDir", async () => {
        const d = workload(DEPLOYMENT, "cache", unlabelled, { containers: [redisContainer()], volumes: [{ name: "data", emptyDir: {} }] });
        const vs = await check([k8sDataVolumesRetained], [d]);
        assert.match(vs[0].message, /Deployment 'cache' container 'redis' keeps its redis data in \/data on emptyDir 'data'/);
    });

    it("k8s-data-volumes-retained DB-6 compliant: the same Deployment on a PersistentVolumeClaim", async () => {
        const d = workload(DEPLOYMENT, "cache", unlabelled, { containers: [redisContainer()], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "cache" } }] });
        assert.deepStrictEqual(await check([k8sDataVolumesRetained], [d]), []);
    });

    it("redis-requires-auth RD-3 violating: a Redis Deployment without --requirepass, recognised by image alone", async () => {
        const d = workload(DEPLOYMENT, "cache", unlabelled, { containers: [redisContainer({ args: [] })] });
        assert.match((await check([redisRequiresAuth], [d]))[0].message, /starts without --requirepass/);
    });

    it("redis-noeviction RD-2 violating: an evicting redis.conf mounted by an unlabelled Redis Deployment", async () => {
        const cm = resource(CONFIG_MAP, "cache-config", { metadata: { name: "cache-config", namespace: "runbook" }, data: { "redis.conf": "maxmemory-policy allkeys-lru\n" } });
        const d = workload(DEPLOYMENT, "cache", unlabelled, { containers: [redisContainer()], volumes: [{ name: "config", configMap: { name: "cache-config" } }] });
        assert.strictEqual((await check([redisNoeviction], [cm, d])).length, 1);
    });

    it("k8s-restricted-security SC-5 violating: added capabilities, host namespaces, hostPath, hostPort and Unconfined seccomp, in an init container too", async () => {
        const d = workload(DEPLOYMENT, "cache", unlabelled, {
            hostNetwork: true,
            volumes: [{ name: "host", hostPath: { path: "/" } }],
            initContainers: [{ name: "init", image: "busybox:1.36", securityContext: { ...restricted, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } } }],
            containers: [redisContainer({ ports: [{ containerPort: 6379, hostPort: 6379 }], securityContext: { ...restricted, seccompProfile: { type: "Unconfined" } } })],
        });
        const text = (await check([k8sRestrictedSecurity], [d])).map((v) => v.message).join("\n");
        for (const expected of [/hostNetwork is true/, /hostPath/, /init container 'init': capabilities\.add has SYS_ADMIN/, /seccompProfile is Unconfined/, /hostPort 6379/]) assert.match(text, expected);
    });

    it("mongodb-requires-auth SC-5 violating: MongoDB without --auth or a keyfile; compliant with both", async () => {
        const mongo = (args: string[]) => workload(STS, "mongo", unlabelled, { containers: [{ name: "mongod", image: "mongo:7.0.14", command: ["mongod"], args, securityContext: restricted }] });
        assert.match((await check([mongodbRequiresAuth], [mongo(["--replSet", "rs0"])]))[0].message, /without --auth and --keyFile/);
        assert.deepStrictEqual(await check([mongodbRequiresAuth], [mongo(["--auth", "--keyFile", "/etc/mongodb/keyfile"])]), []);
    });

    it("k8s-no-public-data-service DB-2 violating: a LoadBalancer reaching unlabelled Redis pods by their named port", async () => {
        const d = workload(DEPLOYMENT, "cache", unlabelled, { containers: [redisContainer()] });
        const lb = resource(SERVICE, "cache-lb", { metadata: { name: "cache-lb", namespace: "runbook" }, spec: { type: "LoadBalancer", selector: unlabelled, ports: [{ port: 443, targetPort: "redis" }] } });
        const vs = await check([k8sNoPublicDataService], [d, lb]);
        assert.match(vs[0].message, /selects data-tier pods and exposes database port redis \(6379\)/);
    });
});

describe("policy: k8s-namespace-restricted (SC-5)", () => {
    const ns = (labels: Record<string, string>) => resource(NAMESPACE, "ns", { metadata: { name: "runbook", labels } });
    const w = workload(DEPLOYMENT, "api", { app: "api" }, { containers: [] });
    it("SC-5 compliant: a namespace that enforces restricted passes", async () => {
        assert.deepStrictEqual(await check([k8sNamespaceRestricted], [ns({ "pod-security.kubernetes.io/enforce": "restricted" }), w]), []);
    });
    it("SC-5 violating: a namespace with workloads but without the enforce label, or at baseline", async () => {
        assert.strictEqual((await check([k8sNamespaceRestricted], [ns({}), w])).length, 1);
        assert.match((await check([k8sNamespaceRestricted], [ns({ "pod-security.kubernetes.io/enforce": "baseline" }), w]))[0].message, /"baseline"/);
    });
});

describe("policy: k8s-network-isolation (SC-5, DB-2)", () => {
    const app = workload(DEPLOYMENT, "api", { "runbook.dev/tier": "app", app: "api" }, { containers: [] });
    const redis = workload(STS, "redis", { "app.kubernetes.io/name": "redis" }, { containers: [redisContainer()] });
    const netpol = (name: string, spec: Record<string, unknown>) => resource(NETWORK_POLICY, name, { metadata: { name, namespace: "runbook" }, spec });
    const denyAll = netpol("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

    it("SC-5 compliant: a default-deny policy plus app-tier ingress to the data tier passes", async () => {
        const toRedis = netpol("redis", { podSelector: { matchLabels: { "app.kubernetes.io/name": "redis" } }, ingress: [{ from: [{ podSelector: { matchLabels: { "runbook.dev/tier": "app" } } }], ports: [{ port: 6379 }] }] });
        assert.deepStrictEqual(await check([k8sNetworkIsolation], [app, redis, denyAll, toRedis]), []);
    });

    it("SC-5 violating: a policy that admits every source on every port; DB-2: 0.0.0.0/0 or every namespace reaching the data tier", async () => {
        const allowAll = netpol("allow-all", { podSelector: {}, ingress: [{}] });
        assert.match((await check([k8sNetworkIsolation], [app, denyAll, allowAll]))[0].message, /admits every source on every port/);
        const world = netpol("world", { podSelector: { matchLabels: { "app.kubernetes.io/name": "redis" } }, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 6379 }] }] });
        assert.match((await check([k8sNetworkIsolation], [redis, world]))[0].message, /ipBlock 0\.0\.0\.0\/0 reach data-tier pods/);
        const anyNs = netpol("any-ns", { podSelector: { matchLabels: { "app.kubernetes.io/name": "redis" } }, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 6379 }] }] });
        assert.match((await check([k8sNetworkIsolation], [redis, anyNs]))[0].message, /every namespace/);
    });
});

describe("policy: secrets never in plain objects (SC-1)", () => {
    it("SC-1 violating: k8s-no-secrets-in-configmaps rejects a secret-like key and a requirepass line, without printing them", async () => {
        const cm = resource(CONFIG_MAP, "cfg", { metadata: { name: "cfg" }, data: { DB_PASSWORD: "hunter2", "redis.conf": "port 6379\nrequirepass hunter2\n" } });
        const vs = await check([k8sNoSecretsInConfigMaps], [cm]);
        assert.strictEqual(vs.length, 2);
        assert.ok(vs.every((v) => !v.message.includes("hunter2")));
    });

    it("SC-1 violating: k8s-no-secrets-in-configmaps never passes a preview-unknown value silently, and still reports a known secret beside it (a Redis URL with a password and no user)", async () => {
        const cm = resource(CONFIG_MAP, "cfg", { metadata: { name: "cfg" }, data: { "redis.conf": UNKNOWN, "app.conf": "url = redis://:hunter2@redis:6379\n" } });
        const vs = await check([k8sNoSecretsInConfigMaps], [cm]);
        const advisory = vs.filter((v) => v.enforcementLevel === "advisory");
        assert.strictEqual(advisory.length, 1, vs.map((v) => v.message).join("\n"));
        assert.match(advisory[0].message, /can't check the value of 'redis\.conf' in ConfigMap 'cfg'/);
        const mandatory = vs.filter((v) => v.enforcementLevel === "mandatory");
        assert.strictEqual(mandatory.length, 1);
        assert.match(mandatory[0].message, /'app\.conf' has a URL with a password/);
        assert.ok(vs.every((v) => !v.message.includes("hunter2")));
    });

    it("SC-1 compliant: k8s-no-secrets-in-configmaps passes config without secrets", async () => {
        const cm = resource(CONFIG_MAP, "cfg", { metadata: { name: "cfg" }, data: { "redis.conf": "port 6379\nmaxmemory-policy noeviction\n", LOG_LEVEL: "info" } });
        assert.deepStrictEqual(await check([k8sNoSecretsInConfigMaps], [cm]), []);
    });

    it("SC-1 violating: k8s-secret-values-not-literal finds a plain string in a Secret's stringData offline; [secret] passes", async () => {
        const literal = resource(SECRET, "s", { stringData: { JWT_SECRET: "literal", DATABASE_URL: "[secret]" } });
        assert.match((await check([k8sSecretValuesNotLiteral], [literal]))[0].message, /stringData\.JWT_SECRET/);
        assert.deepStrictEqual(await check([k8sSecretValuesNotLiteral], [resource(SECRET, "s", { stringData: "[secret]" })]), []);
    });
});
