import type { StackConfig } from "../config";
import { R2_USAGE_STALE_RUNS } from "../components/observability/alerts/storage";
import { R2_USAGE_ROLE } from "../components/k8s/labels";
import { cronPeriodSeconds } from "../lib/cron";
import { PlanFile, PlanResource, UNKNOWN } from "./model";

/*
 * What the generated runbook says about a stack, as plain data: the ONE place that reads the
 * validated config and the offline plan for `runbook docs` (issue 21). The pages
 * (plan/runbookPages/) are pure functions of these facts, so a change to the config model or to a
 * component touches this file only.
 *
 * Where the plan knows a fact (a CronJob's name and schedule, a bucket's lifecycle and lock, an
 * alert's severity and route, what is protected), it is read from the plan: that is what `pulumi up`
 * would create. The config fills in intent the plan does not carry (thresholds, hosts, the apps'
 * roles). No secret value is ever read: the plan holds `[secret]` where one would be, and the
 * config's secret fields are never copied.
 */

export interface RunbookFacts {
    stack: string;
    production: boolean;
    /** Resources in the plan, the stack included. */
    resourceCount: number;
    location: LocationFacts;
    apps: AppFacts[];
    datastores: DatastoreFacts[];
    buckets: BucketFacts[];
    edge: EdgeFacts;
    backups: BackupFacts;
    /** The R2 usage job (ST-2), when the plan has it. */
    storageUsage?: StorageUsageFacts;
    alerting: AlertingFacts;
    credentials: CredentialFacts[];
    /** Resources with `protect` or `retainOnDelete`, in plan order. */
    protectedResources: ProtectedResource[];
}

export interface LocationFacts {
    /** Present when something lives in AWS. */
    aws?: { region: string; accounts: string[] };
    kubeContext: string;
    /** The EKS cluster, when the kubeconfig context is an EKS ARN. */
    eks?: { cluster: string; region: string; account: string };
    namespace: string;
    monitoringNamespace: string;
    /** `install`: the stack brings cert-manager, Envoy Gateway and kube-prometheus-stack. */
    platform: "install" | "existing";
    cloudflareAccountId: string;
    /** The S3 endpoint of the R2 account. */
    r2Endpoint: string;
    network?: { mode: "create" | "existing"; vpcId?: string; vpcCidr?: string; subnets: string[]; peeredVpcId?: string };
}

export interface AppFacts {
    name: string;
    role: "api" | "web" | "worker";
    image: string;
    port: number;
    /** Pods when not autoscaled; the autoscaler's floor otherwise. */
    replicas: number;
    maxReplicas?: number;
    hosts: string[];
    /** Liveness path; none when liveness checks that the port accepts connections. */
    healthPath?: string;
    readinessPath: string;
    websocketPaths: string[];
    /** The Service in front of it (api and web). */
    service?: string;
    migrate?: { command: string; timeoutSeconds: number; backoffLimit: number };
    /** Environment variables read from Secrets (names only). */
    secretEnv: string[];
}

export type DatastoreFacts = PostgresRdsFacts | MongoFacts | ElastiCacheFacts | InClusterRedisFacts;

interface Protection {
    protect: boolean;
    retainOnDelete: boolean;
}

export interface PostgresRdsFacts extends Protection {
    kind: "postgres-rds";
    /** Pulumi's logical name; the instance identifier is auto-named and read with `pulumi stack output`. */
    resource: string;
    engineVersion: string;
    instanceClass: string;
    storageGb: number;
    maxStorageGb?: number;
    multiAz: boolean;
    deletionProtection: boolean;
    finalSnapshot: boolean;
    encrypted: boolean;
    dbName: string;
    masterUser: string;
    port: number;
    automatedBackups: { retentionDays: number; window: string };
    maintenanceWindow: string;
    replica?: { resource: string; instanceClass: string; multiAz: boolean; protect: boolean };
}

export interface MongoFacts extends Protection {
    kind: "mongodb";
    image: string;
    members: number;
    storageGb?: number;
    statefulSet: string;
    service: string;
    port: number;
}

export interface ElastiCacheFacts extends Protection {
    kind: "redis-elasticache";
    resource: string;
    engine: string;
    engineVersion: string;
    nodeType: string;
    nodes: number;
    multiAz: boolean;
    failover: boolean;
    encrypted: boolean;
    port: number;
    snapshots: { retentionDays: number; window: string };
    maintenanceWindow: string;
}

export interface InClusterRedisFacts extends Protection {
    kind: "redis-in-cluster";
    image: string;
    statefulSet: string;
    service: string;
    container: string;
    storageGb?: number;
    port: number;
}

export interface BucketFacts extends Protection {
    name: string;
    purpose: "assets" | "uploads" | "backups";
    publicHost?: string;
    location?: string;
    /** Whole-bucket rules. */
    infrequentAccessAfterDays?: number;
    expireAfterDays?: number;
    abortMultipartAfterDays?: number;
    /** Per-prefix expiry and lock (the backups bucket). */
    prefixes: Array<{ prefix: string; expireDays?: number; lockDays?: number }>;
    /** `storage.buckets[].budgetGb`, when the bucket has one (ST-2). */
    budgetGb?: number;
}

/** The CronJob that measures every bucket's size and object count (ST-2). */
export interface StorageUsageFacts {
    cronJob: string;
    schedule: string;
    /** `alerts.r2BudgetPercent`: the share of a bucket's budget at which R2BucketOverBudget fires. */
    budgetPercent: number;
}

export interface EdgeFacts {
    zone: string;
    zoneId: string;
    ownsZone: boolean;
    zonePlan: string;
    origin: string;
    gateway: { name: string; className: string; namespace: string };
    certificateIssuer?: string;
    /** Each public host, its app and its certificate's Secret. */
    hosts: Array<{ host: string; app: string; certificateSecret?: string }>;
    loginPath: string;
    loginRateLimit: { requests: number; periodSeconds: number; blockSeconds: number };
    waf: { managedRuleset: boolean; owaspRuleset: boolean };
    hstsMaxAgeSeconds: number;
    requestTimeoutSeconds: number;
    websocketTimeoutSeconds: number;
    maxRequestBodyMb: number;
}

export type BackupDatastore = "postgres" | "mongodb" | "mongodb-oplog" | "redis";

export interface BackupJobFacts {
    cronJob: string;
    datastore: BackupDatastore;
    schedule: string;
    /** Longest gap between two runs: the worst-case RPO of these backups. */
    periodHours: number;
    bucket: string;
    prefix: string;
    /** The object's extension before `.zst.age`. */
    extension: string;
    retentionDays?: number;
    lockDays?: number;
}

export interface DrillFacts {
    cronJob: string;
    datastore: "postgres" | "mongodb" | "redis";
    /** Whose backups it restores (the metrics' `stack` label). */
    targetStack: string;
    bucket: string;
    prefix: string;
    schedule: string;
    periodHours: number;
    minRows?: string;
    checkCommand?: string;
    /** The app check (BK-6): the app's image and the command it runs against the restored copy. */
    appCheck?: { image: string; command: string[] };
    assetUrls: string[];
}

export interface BackupFacts {
    bucket: string;
    encryptionRecipient: string;
    image: string;
    pushgatewayUrl: string;
    jobs: BackupJobFacts[];
    drills: DrillFacts[];
    /** Whether this stack holds the drill's key (never production, BK-3). */
    drillKeyHere: boolean;
    rtoTargetMinutes: number;
    rpoTargetHours: number;
    backupMarginHours: number;
    rotation: { backupJobs: string; drill: string; assets: string; analytics: string };
}

export interface SeverityRoute {
    severity: string;
    /** Human names of the receivers: `PagerDuty`, `Slack #channel`. */
    receivers: string[];
    repeat: string;
    groupWait: string;
}

/** One alert name; a name may have several rules (one per datastore, one per drill target). */
export interface AlertFacts {
    name: string;
    group: string;
    /** What fires it, with the config key that sets it. */
    threshold: string;
    /** The apps the rules select (their `job` matcher), when they are about apps. */
    apps: string[];
    runbookUrl: string;
    rules: AlertRuleFacts[];
}

export interface AlertRuleFacts {
    severity: string;
    /** Prometheus' `for`, when the rule has one. */
    for?: string;
    summary: string;
    description: string;
    datastore?: string;
}

export interface CloudWatchAlarmFacts {
    /** The section of docs/alerts.md the alarm's description links to, such as `cloudwatch-memory`. */
    anchor: string;
    severity: string;
    metric: string;
    threshold: string;
    window: string;
    /** What each alarm watches (`rds-primary`, `redis-001`). */
    watches: string[];
    description: string;
}

export interface AlertingFacts {
    runbookBaseUrl: string;
    slackChannel: string;
    routes: SeverityRoute[];
    alerts: AlertFacts[];
    cloudwatch: CloudWatchAlarmFacts[];
    /** CloudWatch alarms reach Slack through AWS Chatbot. */
    chatbot: boolean;
    dashboardTitle?: string;
    alertmanagerConfig?: string;
    prometheusRule?: string;
}

export interface CredentialFacts {
    /** The Kubernetes Secret (`runbook-env-<generation>` when it is named by its content). */
    secret: string;
    namespace: string;
    /** Where its values come from: generated passwords, R2 tokens, stack-file secrets. */
    sources: string[];
    /** Workloads that read it. */
    readers: string[];
}

export interface ProtectedResource extends Protection {
    type: string;
    name: string;
}

type Inputs = Record<string, any>;

const RESOURCE_TYPES = {
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    cronJob: "kubernetes:batch/v1:CronJob",
    job: "kubernetes:batch/v1:Job",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pvcPatch: "kubernetes:core/v1:PersistentVolumeClaimPatch",
    certificate: "kubernetes:cert-manager.io/v1:Certificate",
    clusterIssuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    alertmanagerConfig: "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
    rds: "aws:rds/instance:Instance",
    replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    bucket: "cloudflare:index/r2Bucket:R2Bucket",
    lifecycle: "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle",
    lock: "cloudflare:index/r2BucketLock:R2BucketLock",
    randomPassword: "random:index/randomPassword:RandomPassword",
    apiToken: "cloudflare:index/apiToken:ApiToken",
} as const;

/** The extension each backup script gives its objects (scripts/backup/backup-*.sh). */
export const BACKUP_EXTENSIONS: Record<BackupDatastore, string> = { postgres: "pgdump", mongodb: "archive", "mongodb-oplog": "oplog.bson", redis: "rdb" };

const DAY = 86400;

function known(value: unknown): string | undefined {
    return typeof value === "string" && value !== UNKNOWN ? value : undefined;
}

function envValue(container: Inputs | undefined, name: string): string | undefined {
    return known((container?.env ?? []).find((e: Inputs) => e.name === name)?.value);
}

function podSpecOf(r: PlanResource): Inputs | undefined {
    const spec = r.inputs.spec as Inputs | undefined;
    return spec?.jobTemplate?.spec?.template?.spec ?? spec?.template?.spec;
}

function labelsOf(r: PlanResource): Record<string, string> {
    return ((r.inputs.metadata as Inputs | undefined)?.labels ?? {}) as Record<string, string>;
}

/** A Kubernetes object's name, or `<app.kubernetes.io/name>-<suffix>` when it is named by its content. */
function k8sName(r: PlanResource, suffix = "hash"): string {
    return known((r.inputs.metadata as Inputs | undefined)?.name) ?? `${labelsOf(r)["app.kubernetes.io/name"] ?? r.name}-<${suffix}>`;
}

function storageGb(plan: PlanFile, claimPrefix: string): number | undefined {
    const claim = plan.resources.find((r) => r.type === RESOURCE_TYPES.pvcPatch && String((r.inputs.metadata as Inputs).name).startsWith(claimPrefix));
    const size = known((claim?.inputs.spec as Inputs | undefined)?.resources?.requests?.storage);
    return size === undefined ? undefined : Number(size.replace(/Gi$/, ""));
}

function hours(seconds: number): number {
    return Math.round((seconds / 3600) * 10) / 10;
}

/** The facts of one stack, from its validated config and its offline plan. */
export function runbookFacts(config: StackConfig, plan: PlanFile): RunbookFacts {
    const of = (type: string) => plan.resources.filter((r) => r.type === type);
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const env = config.environment;
    return {
        stack: env.stack,
        production: env.isProduction,
        resourceCount: plan.resources.length,
        location: locationFacts(config),
        apps: appFacts(config, of),
        datastores: datastoreFacts(plan, of),
        buckets: bucketFacts(config, of),
        edge: edgeFacts(config, of),
        backups: backupFacts(config, of),
        ...storageUsageFacts(config, of),
        alerting: alertingFacts(config, of),
        credentials: credentialFacts(config, plan, byUrn),
        protectedResources: plan.resources
            .filter((r) => r.protect || r.retainOnDelete)
            .map((r) => ({ type: r.type.split(":").pop()!, name: r.name, protect: r.protect, retainOnDelete: r.retainOnDelete })),
    };
}

function locationFacts(config: StackConfig): LocationFacts {
    const eks = /^arn:aws:eks:([a-z0-9-]+):(\d{12}):cluster\/(.+)$/.exec(config.kubernetes.context);
    const aws = config.providers.aws;
    const network = config.network;
    return {
        ...(aws ? { aws: { region: aws.region, accounts: aws.allowedAccountIds ?? [] } } : {}),
        kubeContext: config.kubernetes.context,
        ...(eks ? { eks: { region: eks[1], account: eks[2], cluster: eks[3] } } : {}),
        namespace: config.kubernetes.namespace,
        monitoringNamespace: config.alerts.monitoringNamespace,
        platform: config.kubernetes.platform,
        cloudflareAccountId: config.storage.accountId,
        r2Endpoint: `https://${config.storage.accountId}.r2.cloudflarestorage.com`,
        ...(network
            ? {
                  network: {
                      mode: network.mode,
                      vpcId: network.vpcId,
                      vpcCidr: network.vpcCidr,
                      subnets: network.privateSubnetIds ?? network.availabilityZones ?? [],
                      peeredVpcId: network.peering?.vpcId,
                  },
              }
            : {}),
    };
}

function appFacts(config: StackConfig, of: (type: string) => PlanResource[]): AppFacts[] {
    const deployments = of(RESOURCE_TYPES.deployment).filter((d) => labelsOf(d)["runbook.dev/tier"] === "app");
    const hpas = of(RESOURCE_TYPES.hpa);
    return config.apps.map((app) => {
        const deployment = deployments.find((d) => labelsOf(d)["app.kubernetes.io/name"] === app.name);
        const hpa = hpas.find((h) => (h.inputs.spec as Inputs).scaleTargetRef?.name === app.name);
        const container = deployment ? podSpecOf(deployment)?.containers?.[0] : undefined;
        const secretEnv: string[] = (container?.env ?? []).filter((e: Inputs) => e.valueFrom?.secretKeyRef).map((e: Inputs) => e.name as string);
        return {
            name: app.name,
            role: app.role,
            image: app.image,
            port: app.port,
            replicas: (hpa?.inputs.spec as Inputs | undefined)?.minReplicas ?? (deployment?.inputs.spec as Inputs | undefined)?.replicas ?? app.replicas,
            ...(hpa ? { maxReplicas: (hpa.inputs.spec as Inputs).maxReplicas } : {}),
            hosts: config.edge.hosts.filter((h) => h.app === app.name).map((h) => h.host),
            ...(app.healthPath !== undefined ? { healthPath: app.healthPath } : {}),
            readinessPath: app.readinessPath,
            websocketPaths: app.websocketPaths,
            ...(app.role !== "worker" ? { service: app.name } : {}),
            ...(app.migrate ? { migrate: { command: app.migrate.command.join(" "), timeoutSeconds: app.migrate.timeoutSeconds, backoffLimit: app.migrate.backoffLimit } } : {}),
            secretEnv: secretEnv.sort(),
        };
    });
}

function datastoreFacts(plan: PlanFile, of: (type: string) => PlanResource[]): DatastoreFacts[] {
    const facts: DatastoreFacts[] = [];
    const rds = of(RESOURCE_TYPES.rds);
    const primary = rds.find((r) => r.inputs.replicateSourceDb === undefined);
    if (primary) {
        const i = primary.inputs as Inputs;
        const replica = rds.find((r) => r !== primary);
        facts.push({
            kind: "postgres-rds",
            resource: primary.name,
            engineVersion: i.engineVersion,
            instanceClass: i.instanceClass,
            storageGb: i.allocatedStorage,
            ...(i.maxAllocatedStorage !== undefined ? { maxStorageGb: i.maxAllocatedStorage } : {}),
            multiAz: i.multiAz === true,
            deletionProtection: i.deletionProtection === true,
            finalSnapshot: i.skipFinalSnapshot === false,
            encrypted: i.storageEncrypted === true,
            dbName: i.dbName,
            masterUser: i.username,
            port: i.port,
            automatedBackups: { retentionDays: i.backupRetentionPeriod, window: i.backupWindow },
            maintenanceWindow: i.maintenanceWindow,
            ...(replica ? { replica: { resource: replica.name, instanceClass: (replica.inputs as Inputs).instanceClass, multiAz: (replica.inputs as Inputs).multiAz === true, protect: replica.protect } } : {}),
            protect: primary.protect,
            retainOnDelete: primary.retainOnDelete,
        });
    }
    for (const set of of(RESOURCE_TYPES.statefulSet)) {
        const labels = labelsOf(set);
        const name = String((set.inputs.metadata as Inputs).name);
        const spec = set.inputs.spec as Inputs;
        const container = spec.template.spec.containers[0] as Inputs;
        if (labels["app.kubernetes.io/component"] === "database") {
            facts.push({
                kind: "mongodb",
                image: container.image,
                members: spec.replicas,
                storageGb: storageGb(plan, `data-${name}-`),
                statefulSet: name,
                service: name,
                port: 27017,
                protect: set.protect,
                retainOnDelete: set.retainOnDelete,
            });
        } else if (labels["app.kubernetes.io/component"] === "cache") {
            facts.push({
                kind: "redis-in-cluster",
                image: container.image,
                statefulSet: name,
                service: spec.serviceName,
                container: container.name,
                storageGb: storageGb(plan, `data-${name}-`),
                port: 6379,
                protect: set.protect,
                retainOnDelete: set.retainOnDelete,
            });
        }
    }
    for (const group of of(RESOURCE_TYPES.replicationGroup)) {
        const i = group.inputs as Inputs;
        facts.push({
            kind: "redis-elasticache",
            resource: group.name,
            engine: i.engine,
            engineVersion: i.engineVersion,
            nodeType: i.nodeType,
            nodes: i.numCacheClusters,
            multiAz: i.multiAzEnabled === true,
            failover: i.automaticFailoverEnabled === true,
            encrypted: i.atRestEncryptionEnabled === true && i.transitEncryptionEnabled === true,
            port: i.port,
            snapshots: { retentionDays: i.snapshotRetentionLimit, window: i.snapshotWindow },
            maintenanceWindow: i.maintenanceWindow,
            protect: group.protect,
            retainOnDelete: group.retainOnDelete,
        });
    }
    // The database first, then Redis: the order people look for them in.
    const rank = (d: DatastoreFacts) => (d.kind === "postgres-rds" || d.kind === "mongodb" ? 0 : 1);
    return facts.sort((a, b) => rank(a) - rank(b));
}

/** The R2 usage CronJob, found by its role label, as `{ storageUsage }`, or nothing without one. */
function storageUsageFacts(config: StackConfig, of: (type: string) => PlanResource[]): { storageUsage?: StorageUsageFacts } {
    const cron = of(RESOURCE_TYPES.cronJob).find((c) => labelsOf(c)["runbook.dev/role"] === R2_USAGE_ROLE);
    if (cron === undefined) return {};
    return { storageUsage: { cronJob: String((cron.inputs.metadata as Inputs).name), schedule: String((cron.inputs.spec as Inputs).schedule), budgetPercent: config.alerts.r2BudgetPercent } };
}

function bucketFacts(config: StackConfig, of: (type: string) => PlanResource[]): BucketFacts[] {
    const lifecycles = of(RESOURCE_TYPES.lifecycle);
    const locks = of(RESOURCE_TYPES.lock);
    return of(RESOURCE_TYPES.bucket).map((bucket) => {
        const name = String(bucket.inputs.name);
        const declared = config.storage.buckets.find((b) => b.name === name);
        const rules: Inputs[] = (lifecycles.find((l) => l.inputs.bucketName === name)?.inputs.rules as Inputs[] | undefined) ?? [];
        const lockRules: Inputs[] = (locks.find((l) => l.inputs.bucketName === name)?.inputs.rules as Inputs[] | undefined) ?? [];
        const whole = rules.filter((r) => (r.conditions?.prefix ?? "") === "");
        const days = (seconds: unknown) => (typeof seconds === "number" ? seconds / DAY : undefined);
        const prefixes = new Map<string, { prefix: string; expireDays?: number; lockDays?: number }>();
        for (const r of rules.filter((r) => (r.conditions?.prefix ?? "") !== "")) {
            const prefix = String(r.conditions.prefix);
            prefixes.set(prefix, { ...prefixes.get(prefix), prefix, expireDays: days(r.deleteObjectsTransition?.condition?.maxAge) });
        }
        for (const r of lockRules) {
            const prefix = String(r.prefix ?? "");
            prefixes.set(prefix, { ...(prefixes.get(prefix) ?? { prefix }), lockDays: days(r.condition?.maxAgeSeconds) });
        }
        return {
            name,
            purpose: declared?.purpose ?? "assets",
            ...(declared?.publicHost ? { publicHost: declared.publicHost } : {}),
            ...(declared?.location ? { location: declared.location } : {}),
            ...(declared?.budgetGb !== undefined ? { budgetGb: declared.budgetGb } : {}),
            infrequentAccessAfterDays: days(whole.find((r) => r.storageClassTransitions)?.storageClassTransitions?.[0]?.condition?.maxAge),
            expireAfterDays: days(whole.find((r) => r.deleteObjectsTransition)?.deleteObjectsTransition?.condition?.maxAge),
            abortMultipartAfterDays: days(whole.find((r) => r.abortMultipartUploadsTransition)?.abortMultipartUploadsTransition?.condition?.maxAge),
            prefixes: [...prefixes.values()],
            protect: bucket.protect,
            retainOnDelete: bucket.retainOnDelete,
        };
    });
}

function edgeFacts(config: StackConfig, of: (type: string) => PlanResource[]): EdgeFacts {
    const edge = config.edge;
    const gateway = of(RESOURCE_TYPES.gateway)[0];
    const certificates = of(RESOURCE_TYPES.certificate);
    return {
        zone: edge.zone,
        zoneId: edge.zoneId,
        ownsZone: edge.ownsZone,
        zonePlan: edge.zonePlan,
        origin: edge.origin,
        gateway: { name: gateway ? String((gateway.inputs.metadata as Inputs).name) : "public", className: edge.gateway.className, namespace: edge.gateway.namespace },
        certificateIssuer: known((of(RESOURCE_TYPES.clusterIssuer)[0]?.inputs.metadata as Inputs | undefined)?.name),
        hosts: edge.hosts.map((h) => {
            const certificate = certificates.find((c) => ((c.inputs.spec as Inputs).dnsNames ?? []).includes(h.host));
            return { host: h.host, app: h.app, ...(certificate ? { certificateSecret: (certificate.inputs.spec as Inputs).secretName } : {}) };
        }),
        loginPath: edge.loginPath,
        loginRateLimit: edge.loginRateLimit,
        waf: edge.waf,
        hstsMaxAgeSeconds: edge.hstsMaxAgeSeconds,
        requestTimeoutSeconds: edge.requestTimeoutSeconds,
        websocketTimeoutSeconds: edge.websocketTimeoutSeconds,
        maxRequestBodyMb: edge.maxRequestBodyMb,
    };
}

function backupFacts(config: StackConfig, of: (type: string) => PlanResource[]): BackupFacts {
    const b = config.backups;
    const buckets = of(RESOURCE_TYPES.lifecycle);
    const locks = of(RESOURCE_TYPES.lock);
    const days = (seconds: unknown) => (typeof seconds === "number" ? seconds / DAY : undefined);
    const cronJobs = of(RESOURCE_TYPES.cronJob);
    const jobs: BackupJobFacts[] = cronJobs
        .filter((c) => labelsOf(c)["runbook.dev/backup-datastore"] !== undefined)
        .map((c) => {
            const container = podSpecOf(c)?.containers?.[0];
            const datastore = labelsOf(c)["runbook.dev/backup-datastore"] as BackupDatastore;
            const bucket = envValue(container, "S3_BUCKET") ?? b.bucket;
            const prefix = envValue(container, "BACKUP_PREFIX") ?? datastore;
            const schedule = String((c.inputs.spec as Inputs).schedule);
            const lifecycle: Inputs[] = (buckets.find((l) => l.inputs.bucketName === bucket)?.inputs.rules as Inputs[] | undefined) ?? [];
            const lock: Inputs[] = (locks.find((l) => l.inputs.bucketName === bucket)?.inputs.rules as Inputs[] | undefined) ?? [];
            return {
                cronJob: String((c.inputs.metadata as Inputs).name),
                datastore,
                schedule,
                periodHours: hours(cronPeriodSeconds(schedule)),
                bucket,
                prefix,
                extension: BACKUP_EXTENSIONS[datastore],
                retentionDays: days(lifecycle.find((r) => r.conditions?.prefix === `${prefix}/`)?.deleteObjectsTransition?.condition?.maxAge),
                lockDays: days(lock.find((r) => r.prefix === `${prefix}/`)?.condition?.maxAgeSeconds),
            };
        });
    const drills: DrillFacts[] = cronJobs
        .filter((c) => labelsOf(c)["runbook.dev/restore-drill"] !== undefined)
        .map((c) => {
            const container = podSpecOf(c)?.containers?.[0];
            const schedule = String((c.inputs.spec as Inputs).schedule);
            const minRows = envValue(container, "DRILL_MIN_ROWS");
            const checkCommand = envValue(container, "DRILL_CHECK_COMMAND");
            const assets = envValue(container, "DRILL_ASSET_URLS");
            const check = (podSpecOf(c)?.containers ?? []).find((x: Inputs) => x.name === "app-check");
            return {
                cronJob: String((c.inputs.metadata as Inputs).name),
                datastore: labelsOf(c)["runbook.dev/restore-drill"] as DrillFacts["datastore"],
                targetStack: envValue(container, "STACK_NAME") ?? config.environment.stack,
                bucket: envValue(container, "S3_BUCKET") ?? b.bucket,
                prefix: envValue(container, "BACKUP_PREFIX") ?? labelsOf(c)["runbook.dev/restore-drill"],
                schedule,
                periodHours: hours(cronPeriodSeconds(schedule)),
                ...(minRows ? { minRows } : {}),
                ...(checkCommand ? { checkCommand } : {}),
                ...(check ? { appCheck: { image: String(check.image), command: ((check.args ?? []) as unknown[]).map(String) } } : {}),
                assetUrls: assets ? assets.split(/\s+/).filter((u) => u !== "") : [],
            };
        });
    return {
        bucket: b.bucket,
        encryptionRecipient: b.encryptionRecipient,
        image: b.image,
        pushgatewayUrl: b.pushgatewayUrl,
        jobs,
        drills,
        drillKeyHere: b.drill !== undefined,
        rtoTargetMinutes: config.alerts.rtoTargetMinutes,
        rpoTargetHours: config.alerts.rpoTargetHours,
        backupMarginHours: config.alerts.backupMarginHours,
        rotation: b.rotation,
    };
}

/**
 * What fires each alert, with the config key that sets it. The numbers are the stack's resolved
 * thresholds; an alert without a key here has a fixed condition, said in words.
 */
function alertThreshold(name: string, a: StackConfig["alerts"]): string {
    const key = (k: keyof StackConfig["alerts"], text: string) => `${text} (\`alerts.${String(k)}\`)`;
    const slo = key("availabilityPercent", `availability objective ${a.availabilityPercent} %, an error budget of ${Math.round((100 - a.availabilityPercent) * 1000) / 1000} % of requests`);
    const latency = key("p95LatencyMs", `95 % of requests within ${a.p95LatencyMs} ms`);
    const table: Record<string, string> = {
        AppDown: "no pod of the app can be scraped",
        ErrorBudgetBurnFast: slo,
        ErrorBudgetBurnSlow: slo,
        HighErrorRatio: slo,
        LatencyBudgetBurnFast: latency,
        LatencyBudgetBurnSlow: latency,
        HighLatencyP95: latency,
        HighLatencyP50: key("p50LatencyMs", `half of the requests slower than ${a.p50LatencyMs} ms`),
        HighLatencyP99: key("p99LatencyMs", `one request in a hundred slower than ${a.p99LatencyMs} ms`),
        MongoOperationLatencyHigh: key("mongodbOpLatencyMs", `MongoDB reads or writes slower than ${a.mongodbOpLatencyMs} ms on average`),
        HighResponseTime: key("highResponseTimeMs", `more than ${a.highResponseTimeMs} ms per request on average`),
        LatencyRegression: key("latencyRegressionPercent", `p95 more than ${a.latencyRegressionPercent} % above the same hour a week earlier`),
        AuthFailureSpike: key("authFailurePercent", `more than ${a.authFailurePercent} % of requests answered 401 or 403`),
        RouteServerErrors: key("routeServerErrorPercent", `more than ${a.routeServerErrorPercent} % of a route's requests answered 5xx`),
        RouteClientErrors: key("routeClientErrorPercent", `more than ${a.routeClientErrorPercent} % of a route's requests answered 4xx`),
        NoTraffic: "no request counted while the app's pods are up",
        WebSocketConnectionsDropped: key("websocketDropPercent", `${a.websocketDropPercent} % fewer WebSocket connections than 30 minutes earlier`),
        QueueJobsFailing: key("queueFailedJobsPerMinute", `more than ${a.queueFailedJobsPerMinute} failed jobs a minute in one queue`),
        QueueBacklog: key("queueBacklogJobs", `more than ${a.queueBacklogJobs} jobs waiting in one queue`),
        PodRestartLoop: key("podRestartsPer15m", `${a.podRestartsPer15m} or more restarts of a container in 15 minutes`),
        ContainerOOMKilled: "a container killed for exceeding its memory limit",
        ContainerCpuThrottled: key("cpuThrottlingPercent", `more than ${a.cpuThrottlingPercent} % of CPU periods throttled`),
        ContainerMemoryNearLimit: key("memoryLimitPercent", `more than ${a.memoryLimitPercent} % of the memory limit in use`),
        HpaAtMaxReplicas: "an autoscaler at its maximum",
        DatabaseConnectionsNearMax: key("dbConnectionsPercent", `more than ${a.dbConnectionsPercent} % of the server's maximum connections`),
        MongoReplicationLag: key("replicationLagSeconds", `a secondary more than ${a.replicationLagSeconds} s behind the primary`),
        RedisMemoryNearMax: key("redisMemoryPercent", `more than ${a.redisMemoryPercent} % of maxmemory in use`),
        RedisRejectingWrites: "any command refused with OOM",
        DatastoreMetricsMissing: "the datastore's exporter reports nothing, or cannot reach its server",
        VolumeFillingUp: key("diskFullWithinHours", `less than 15 % free and full within ${a.diskFullWithinHours} h at the last 6 hours' rate`),
        BackupTooOld: key("backupMarginHours", `the last good backup older than its schedule's period plus ${a.backupMarginHours} h`),
        BackupNeverSucceeded: key("backupMarginHours", `no good backup recorded for a schedule's period plus ${a.backupMarginHours} h`),
        BackupFailed: "the last backup attempt failed",
        BackupReplicaLagging:
            a.backupReplicaLagHours !== undefined
                ? key("backupReplicaLagHours", `the replica's newest backup more than ${a.backupReplicaLagHours} h older than the primary's`)
                : key("backupMarginHours", `the replica's newest backup older than the primary's by more than the schedule's period plus ${a.backupMarginHours} h`),
        BackupReplicaNeverSucceeded: "no copy to the replica recorded for the replica's lag allowance",
        BackupReplicaFailed: "the last copy of a backup to the replica failed",
        RestoreDrillFailed: "the last restore drill failed to restore or to pass its checks",
        RestoreDrillOverdue: "no passing drill within the drill's schedule plus a day",
        RestoreDrillNeverSucceeded: "no passing drill recorded for a whole drill period plus a day",
        RestoreDrillRtoAboveTarget: key("rtoTargetMinutes", `the last drill's restore took more than ${a.rtoTargetMinutes} minutes`),
        RestoreDrillRpoAboveTarget: key("rpoTargetHours", `the restored backup was more than ${a.rpoTargetHours} h old`),
        R2BucketOverBudget: `${key("r2BudgetPercent", `a bucket holding ${a.r2BudgetPercent} % or more of its budget`)} (\`storage.buckets[].budgetGb\`)`,
        R2UsageStale: `no good reading of the buckets' sizes for ${R2_USAGE_STALE_RUNS} periods of the usage job's schedule, for one more period`,
        CertificateExpiringSoon: key("certificateExpiryDays", `a certificate expiring within ${a.certificateExpiryDays} days`),
        CertificateNotReady: "a certificate reported not ready",
        LogShippingStopped: "no log entry sent to Loki for 15 min while the stack's pods run, for 5 min more",
        LogShippingDropping: "any log entry Loki refused after the shipper's retries, within 15 min",
        Watchdog: "always fires: it proves the alerting path works",
    };
    const own = a.rules.find((r) => r.name === name);
    if (own) return `\`${own.expr.replace(/\s+/g, " ")}\` (\`alerts.rules\`)`;
    return table[name] ?? "see the rule's expression";
}

/** `{{ $labels.job }}` → `<app>`, `{{ printf "%.1f" $value }}` → `N`: an alert's text as a reader sees it. */
function humanize(template: string): string {
    return escapeMarkdown(
        template
            .replace(/\{\{\s*\$labels\.job\s*\}\}/g, "`<app>`")
            .replace(/\{\{\s*\$labels\.([a-z_]+)\s*\}\}/g, "`<$1>`")
            .replace(/\{\{[^}]*\$value[^}]*\}\}/g, "N")
            .replace(/\{\{[^}]*\}\}/g, "…")
            // A quoted cron schedule reads as code, not as emphasis.
            .replace(/'([^'\s]+(?: [^'\s]+){4})'/g, "`$1`"),
    );
}

/** Text for Markdown: `*` and `_` outside code spans are literal (a cron schedule in a description is not emphasis). */
function escapeMarkdown(text: string): string {
    return text
        .split(/(`[^`]*`)/)
        .map((part) => (part.startsWith("`") ? part : part.replace(/([*_])/g, "\\$1")))
        .join("");
}

function receiverNames(spec: Inputs, channel: string): Map<string, string> {
    const names = new Map<string, string>();
    for (const r of (spec.receivers ?? []) as Inputs[]) {
        if (r.pagerdutyConfigs) names.set(r.name, "PagerDuty");
        else if (r.slackConfigs) names.set(r.name, `Slack ${r.slackConfigs[0]?.channel ?? channel}`);
        else if (r.webhookConfigs) names.set(r.name, "the dead man's switch");
        else names.set(r.name, r.name);
    }
    return names;
}

function alertingFacts(config: StackConfig, of: (type: string) => PlanResource[]): AlertingFacts {
    const channel = config.alerts.routes.slackChannel;
    const amc = of(RESOURCE_TYPES.alertmanagerConfig)[0];
    const routes: SeverityRoute[] = [];
    if (amc) {
        const spec = amc.inputs.spec as Inputs;
        const names = receiverNames(spec, channel);
        for (const route of (spec.route?.routes ?? []) as Inputs[]) {
            const severity = (route.matchers ?? []).find((m: Inputs) => m.name === "severity")?.value;
            if (severity === undefined) continue;
            const receivers = [...new Set([route.receiver, ...((route.routes ?? []) as Inputs[]).map((r) => r.receiver)])].map((r) => names.get(r) ?? r);
            routes.push({ severity, receivers: receivers.sort(), repeat: route.repeatInterval ?? spec.route.repeatInterval, groupWait: route.groupWait ?? spec.route.groupWait });
        }
    }
    const rule = of(RESOURCE_TYPES.prometheusRule)[0];
    const alerts: AlertFacts[] = [];
    const groups = ((rule?.inputs.spec as Inputs | undefined)?.groups ?? []) as Inputs[];
    // An alert on a recording rule selects its apps through the recorded expression.
    const recorded = new Map<string, string>(groups.flatMap((g) => (g.rules as Inputs[]).filter((r) => r.record).map((r) => [String(r.record), String(r.expr)] as [string, string])));
    const selectedJobs = (expr: string): string | undefined => {
        const direct = /job=~?"([^"]+)"/.exec(expr)?.[1];
        if (direct !== undefined) return direct;
        for (const [name, recordExpr] of recorded) if (expr.includes(name)) return /job=~?"([^"]+)"/.exec(recordExpr)?.[1];
        return undefined;
    };
    for (const group of groups) {
        for (const r of group.rules as Inputs[]) {
            if (!r.alert) continue;
            const jobs = selectedJobs(String(r.expr));
            const apps = jobs && r.labels?.app ? jobs.split("|").filter((j) => /^[a-z0-9-]+$/.test(j)) : [];
            let alert = alerts.find((a) => a.name === r.alert);
            if (!alert) {
                alert = { name: r.alert, group: group.name, threshold: alertThreshold(r.alert, config.alerts), apps: [], runbookUrl: r.annotations?.runbook_url ?? "", rules: [] };
                alerts.push(alert);
            }
            alert.apps = [...new Set([...alert.apps, ...apps])];
            alert.rules.push({
                severity: r.labels?.severity,
                ...(r.for ? { for: r.for } : {}),
                summary: humanize(r.annotations?.summary ?? ""),
                description: humanize(r.annotations?.description ?? ""),
                ...(r.labels?.datastore ? { datastore: r.labels.datastore } : {}),
            });
        }
    }
    const cloudwatch = new Map<string, CloudWatchAlarmFacts>();
    for (const alarm of of(RESOURCE_TYPES.metricAlarm)) {
        const i = alarm.inputs as Inputs;
        const description = String(i.alarmDescription ?? "");
        const anchor = /#([a-z0-9-]+)\s*$/.exec(description)?.[1] ?? "cloudwatch-alarms";
        const watches = String(i.tags?.["runbook.dev/watches"] ?? alarm.name);
        const existing = cloudwatch.get(anchor);
        if (existing) {
            existing.watches.push(watches);
            continue;
        }
        const comparison: Record<string, string> = { GreaterThanThreshold: ">", GreaterThanOrEqualToThreshold: "≥", LessThanThreshold: "<", LessThanOrEqualToThreshold: "≤" };
        cloudwatch.set(anchor, {
            anchor,
            severity: String(i.tags?.["runbook.dev/severity"] ?? /^(sev\d)/.exec(description)?.[1] ?? ""),
            metric: `${i.namespace} ${i.metricName} (${String(i.statistic ?? "").toLowerCase()})`,
            threshold: `${comparison[i.comparisonOperator] ?? i.comparisonOperator} ${i.threshold}`,
            window: `${i.evaluationPeriods} × ${i.period / 60} min`,
            watches: [watches],
            description: description.replace(/^sev\d:\s*/, "").replace(/\s*Runbook:.*$/, ""),
        });
    }
    const dashboard = of(RESOURCE_TYPES.configMap).find((c) => labelsOf(c).grafana_dashboard === "1");
    let dashboardTitle: string | undefined;
    try {
        const json = Object.values((dashboard?.inputs.data as Record<string, string> | undefined) ?? {})[0];
        dashboardTitle = json ? (JSON.parse(json) as { title?: string }).title : undefined;
    } catch {
        dashboardTitle = undefined;
    }
    return {
        runbookBaseUrl: config.alerts.runbookBaseUrl,
        slackChannel: channel,
        routes,
        alerts,
        cloudwatch: [...cloudwatch.values()].map((c) => ({ ...c, watches: c.watches.sort() })),
        chatbot: config.alerts.routes.awsChatbotSlack !== undefined,
        ...(dashboardTitle ? { dashboardTitle } : {}),
        ...(amc ? { alertmanagerConfig: String((amc.inputs.metadata as Inputs).name) } : {}),
        ...(rule ? { prometheusRule: String((rule.inputs.metadata as Inputs).name) } : {}),
    };
}

/** Secrets read by a controller rather than by a pod of the stack. */
const CONTROLLER_READERS: Record<string, string> = {
    "observability-routing-secret": "Alertmanager, through the AlertmanagerConfig",
    "certificates-dns-token": "cert-manager, through the ClusterIssuer",
    "backups-assets-credentials": "the apps that set `apps[].r2Env` (none here)",
};

/** A workload's name; a Job named by its content (`api-migrate-385c4cf1fb`) as `api-migrate-<hash>`, which stays put across releases. */
function workloadName(r: PlanResource): string {
    return k8sName(r).replace(/-[0-9a-f]{10}$/, "-<hash>");
}

/**
 * Every Kubernetes Secret of the stack, what fills it and who reads it. Generated values and R2
 * tokens come from the plan's dependencies; the stack-file secrets that reach a Secret are named by
 * their key path, never by value.
 */
function credentialFacts(config: StackConfig, plan: PlanFile, byUrn: Map<string, PlanResource>): CredentialFacts[] {
    const rotation = config.backups.rotation;
    const tokenRotation: Record<string, string> = {
        "backups-writer-token": `\`backups.rotation.backupJobs\`: ${rotation.backupJobs}`,
        "backups-drill-reader-token": `\`backups.rotation.drill\`: ${rotation.drill}`,
        "backups-assets-token": `\`backups.rotation.assets\`: ${rotation.assets}`,
        "r2-usage-token": `\`backups.rotation.analytics\`: ${rotation.analytics}`,
    };
    /** What each token reads: the R2 tokens reach objects, the usage job's only the account's analytics. */
    const tokenKind = (name: string) => (name === "r2-usage-token" ? "Cloudflare analytics token" : "R2 token");
    const routes = config.alerts.routes;
    const stackFileSecrets: Record<string, string[]> = {
        "app-secrets-secret": config.secretNames.map((n) => `runbook:secrets.${n}`),
        "app-secrets-migration": config.secretNames.map((n) => `runbook:secrets.${n}`),
        "observability-routing-secret": [
            "runbook:alerts.routes.pagerdutyRoutingKey",
            "runbook:alerts.routes.slackWebhookUrl",
            ...(routes.deadMansSwitchWebhookUrl !== undefined ? ["runbook:alerts.routes.deadMansSwitchWebhookUrl"] : []),
        ],
        "certificates-dns-token": ["runbook:edge.tls.dnsApiToken"],
        "backups-drill-credentials": config.backups.drill ? ["runbook:backups.drill.ageSecretKey"] : [],
    };
    const workloads = plan.resources.filter((r) => [RESOURCE_TYPES.deployment, RESOURCE_TYPES.statefulSet, RESOURCE_TYPES.cronJob, RESOURCE_TYPES.job].includes(r.type as never));
    return plan.resources
        .filter((r) => r.type === RESOURCE_TYPES.secret)
        .map((secret) => {
            const sources: string[] = [];
            for (const urn of secret.dependencies) {
                const dep = byUrn.get(urn);
                if (dep?.type === RESOURCE_TYPES.randomPassword) sources.push(`generated password \`${dep.name}\``);
                else if (dep?.type === RESOURCE_TYPES.apiToken) sources.push(`${tokenKind(dep.name)} \`${dep.name}\`${tokenRotation[dep.name] ? ` (${tokenRotation[dep.name]})` : ""}`);
                else if (dep?.type === RESOURCE_TYPES.rds) sources.push("the RDS endpoint");
            }
            sources.push(...(stackFileSecrets[secret.name] ?? []).map((p) => `stack-file secret \`${p}\``));
            const metadata = secret.inputs.metadata as Inputs;
            const readers = workloads.filter((w) => w.dependencies.includes(secret.urn)).map((w) => `\`${workloadName(w)}\``);
            return {
                secret: k8sName(secret, labelsOf(secret)["runbook.dev/secret-generations"] ? "generation" : "hash"),
                namespace: known(metadata.namespace) ?? config.kubernetes.namespace,
                sources: sources.length > 0 ? [...new Set(sources)] : ["generated by the stack"],
                readers: readers.length > 0 ? [...new Set(readers)].sort() : [CONTROLLER_READERS[secret.name] ?? "no workload of this stack"],
            };
        });
}
