import { loadConfig } from "./config";
import { alertingModel } from "./config/alerting";
import { App } from "./components/app/app";
import { Backups } from "./components/backup/backups";
import { Database } from "./components/database/database";
import { Certificates } from "./components/edge/certificates";
import { CloudflareEdge } from "./components/edge/cloudflare";
import { Gateway } from "./components/edge/gateway";
import { Logs } from "./components/platform/logs";
import { Platform } from "./components/platform/platform";
import { hostRoutes } from "./components/edge/gatewaySpec";
import { Namespace } from "./components/k8s/namespace";
import { NetworkPolicies } from "./components/k8s/networkPolicies";
import { awsDataDestinations } from "./components/k8s/networkPolicySpecs";
import { Network } from "./components/network/network";
import { createProviders } from "./components/providers/providers";
import { CloudWatchAlarms } from "./components/observability/cloudwatchAlarms";
import { Observability } from "./components/observability/observability";
import { BACKUP_UID } from "./components/backup/backupSpec";
import { Redis } from "./components/redis/redis";
import { AppSecrets } from "./components/secrets/appSecrets";
import { READER_URL_KEY } from "./components/secrets/secretEnv";
import { Storage } from "./components/storage/storage";
import { R2Usage } from "./components/storage/r2Usage";

// Config is validated before any resource exists: a bad stack file yields no partial program.
const { config, appSecrets, secret } = loadConfig();
const { environment } = config;

// Explicit providers, configured by the stack (region and accounts, kubeconfig context, API token),
// handed to every top-level component; each child inherits them through `{ parent: this }`.
const { opts } = createProviders({ config, cloudflareApiToken: secret("providers.cloudflare.apiToken") });

const namespace = new Namespace("namespace", { name: config.kubernetes.namespace, protect: environment.isProduction }, opts);
const kubernetes = { namespace: namespace.name, storageClass: config.kubernetes.storageClass };

// A VPC only when a data store lives in AWS; the config requires `network` exactly then.
const network = config.network ? new Network("network", { network: config.network }, opts) : undefined;
const dataNetwork = network && {
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    appCidrs: network.appCidrs,
    appSecurityGroupIds: network.appSecurityGroupIds,
};

// Where RDS lives, for the egress of the Jobs that reach it on 5432 (the role Jobs, the exporter, backups).
const postgresCidrs = config.network?.dataCidrs ?? [];
// The role Jobs run in the backup image, which has psql.
const roleJob = { image: config.backups.image, uid: BACKUP_UID, databaseCidrs: postgresCidrs };
const database = new Database("database", { database: config.database, environment, network: dataNetwork, kubernetes, roleJob }, opts);
const redis = config.redis ? new Redis("redis", { redis: config.redis, environment, network: dataNetwork, kubernetes, awsRegion: config.providers.aws?.region }, opts) : undefined;

const storage = new Storage("storage", {
    accountId: config.storage.accountId,
    buckets: config.storage.buckets,
    zoneId: config.edge.zoneId,
    protect: environment.isProduction,
}, opts);

// SC-5: the apps' connection strings log in as the apps' own role; the migration Jobs get the
// migration role's under the same name (WL-5); the replica's, for apps that read from it (DB-5).
const secrets = new AppSecrets("app-secrets", {
    namespace: namespace.name,
    connectionUrls: {
        [database.connectionEnvName]: database.connectionUrl,
        ...(database.readerUrl ? { [READER_URL_KEY]: database.readerUrl } : {}),
        ...(redis ? { REDIS_URL: redis.connectionUrl } : {}),
    },
    appSecrets: appSecrets(),
    migrationUrls: config.apps.some((a) => a.migrate !== undefined) ? { [database.connectionEnvName]: database.migrationUrl } : undefined,
}, opts);

// SC-5, DB-2: default deny in the namespace, then what the apps and the data tier need.
new NetworkPolicies("network-policies", {
    namespace: namespace.name,
    appPorts: config.apps.map((a) => a.port),
    awsData: awsDataDestinations(config.network, { postgres: config.database.inAws, redis: config.redis?.inAws ?? false }),
    dns: config.kubernetes.dnsEgress,
}, opts);

const backups = new Backups("backups", {
    backups: config.backups,
    stack: environment.stack,
    accountId: config.storage.accountId,
    namespace: namespace.name,
    // Each data store says what its backup jobs dump from; ElastiCache, the export of its snapshot.
    datastores: { ...database.backupSources, redis: redis?.backupSource },
    postgresCidrs,
    scratchMongoImage: database.serverImage,
    assetBuckets: config.storage.buckets.filter((b) => b.purpose !== "backups").map((b) => b.name),
    drillAgeSecretKey: config.backups.drill ? secret("backups.drill.ageSecretKey") : undefined,
    replicaCredentials: config.backups.replica
        ? { accessKeyId: secret("backups.replica.accessKeyId"), secretAccessKey: secret("backups.replica.secretAccessKey") }
        : undefined,
}, opts);

// ST-1, ST-2: every bucket's size and object count, hourly, for the storage budget alerts.
const r2Usage = new R2Usage("r2-usage", {
    stack: environment.stack,
    accountId: config.storage.accountId,
    buckets: config.storage.buckets.map((b) => b.name),
    schedule: config.storage.usage.schedule,
    namespace: namespace.name,
    image: config.backups.image,
    scriptsConfigMap: backups.scriptsConfigMapName,
    pushgatewayUrl: config.backups.pushgatewayUrl,
    rotation: config.backups.rotation.analytics,
}, opts);

const apps = config.apps.map(
    (app) =>
        new App(
            `app-${app.name}`,
            {
                app,
                environment,
                namespace: namespace.name,
                secretName: secrets.secretName,
                secretChecksum: secrets.checksum,
                migrationSecretName: secrets.migrationSecretName,
                // ST-1: only the apps that name env for the R2 token get it.
                assetsSecretName: app.r2Env ? backups.assetsSecretName : undefined,
            },
            opts,
        ),
);

// Traffic enters through one Gateway with cert-manager's certificates (ED-2, ED-3, ED-5, WL-7).
const { edge } = config;
// `kubernetes.platform: install` brings cert-manager, Envoy Gateway and kube-prometheus-stack (CRDs first).
// OB-5: the log stack, when the stack installs one (config.logs says which).
const logStack = config.logs.mode === "none" ? undefined : { logs: config.logs, stack: environment.stack, selectorLabels: config.alerts.selectorLabels };
const platform =
    config.kubernetes.platform === "install"
        ? new Platform("platform", { certManagerNamespace: edge.tls.certManagerNamespace, gatewayNamespace: edge.gateway.namespace, gatewayClassName: edge.gateway.className, monitoringNamespace: config.alerts.monitoringNamespace, logs: logStack }, opts)
        : undefined;
// On a cluster with its own platform, Alloy alone ships to the Loki `kubernetes.logs.lokiUrl` names.
if (!platform && logStack) new Logs("logs", logStack, opts);
const platformReady = platform?.ready ?? [];
const certificates = new Certificates("certificates", {
    namespace: namespace.name,
    zone: edge.zone,
    hosts: edge.hosts.map((h) => h.host),
    dnsApiToken: secret("edge.tls.dnsApiToken"),
    ...edge.tls,
}, { ...opts, dependsOn: platformReady });
const gateway = new Gateway(
    "gateway",
    {
        namespace: namespace.name,
        routes: hostRoutes(edge.hosts, config.apps),
        className: edge.gateway.className,
        implementation: edge.gateway.implementation,
        proxyNamespace: edge.gateway.namespace,
        hstsMaxAgeSeconds: edge.hstsMaxAgeSeconds,
        requestTimeoutSeconds: edge.requestTimeoutSeconds,
        websocketTimeoutSeconds: edge.websocketTimeoutSeconds,
        maxRequestBodyMb: edge.maxRequestBodyMb,
    },
    { ...opts, dependsOn: [certificates, ...platformReady] },
);

// Cloudflare in front of the Gateway: proxied DNS, TLS and HSTS, cache rules, login rate limit, WAF.
const cdn = new CloudflareEdge("cloudflare", {
    zoneId: edge.zoneId,
    hosts: edge.hosts.map((h) => ({ ...h, role: config.apps.find((a) => a.name === h.app)?.role ?? "web" })),
    origin: edge.origin,
    ownsZone: edge.ownsZone,
    hstsMaxAgeSeconds: edge.hstsMaxAgeSeconds,
    assetHosts: config.storage.buckets.flatMap((b) => (b.purpose !== "backups" && b.publicHost ? [b.publicHost] : [])),
    cache: edge.cache,
    loginPath: edge.loginPath,
    loginRateLimit: edge.loginRateLimit,
    waf: edge.waf,
}, opts);

// Alerting (OB-1…OB-4, OB-6, OB-7): rules, routing, monitors and dashboard in the cluster, and
// CloudWatch alarms for whatever runs in AWS.
const routes = config.alerts.routes;
const observability = new Observability("observability", {
    rules: alertingModel(config),
    namespace: namespace.name,
    monitoringNamespace: config.alerts.monitoringNamespace,
    selectorLabels: config.alerts.selectorLabels,
    // The data alerts' metric sources: postgres_exporter for RDS (its role Job runs like the
    // others, above), and the exporter sidecars of in-cluster Redis and the MongoDB members.
    // ElastiCache is watched by its CloudWatch alarms.
    exporters: {
        postgres:
            database.adminUrl && database.serverUrl
                ? { adminUrl: database.adminUrl, serverUrl: database.serverUrl, jobImage: roleJob.image, jobUid: roleJob.uid, databaseCidrs: roleJob.databaseCidrs }
                : undefined,
        redisPods: redis?.metricsPodSelector,
        mongodbPods: database.metricsPodSelector,
    },
    routes: {
        pagerdutyRoutingKey: secret("alerts.routes.pagerdutyRoutingKey"),
        slackWebhookUrl: secret("alerts.routes.slackWebhookUrl"),
        slackChannel: routes.slackChannel,
        deadMansSwitchWebhookUrl: routes.deadMansSwitchWebhookUrl !== undefined ? secret("alerts.routes.deadMansSwitchWebhookUrl") : undefined,
    },
}, { ...opts, dependsOn: platformReady });
if (database.rdsInstances || redis?.elastiCache) {
    const rds = database.rdsInstances;
    const rdsInstances = rds
        ? [
              { role: "rds-primary", identifier: rds.primary, replica: false },
              ...(rds.replica ? [{ role: "rds-replica", identifier: rds.replica, replica: true }] : []),
          ].map((i) => ({ ...i, instanceClass: rds.instanceClass, allocatedStorageGb: rds.allocatedStorageGb }))
        : [];
    new CloudWatchAlarms("alarms", {
        rdsInstances,
        elastiCache: redis?.elastiCache,
        thresholds: config.alerts,
        pagerdutyCloudwatchKey: routes.pagerdutyCloudwatchKey !== undefined ? secret("alerts.routes.pagerdutyCloudwatchKey") : undefined,
        slack: routes.awsChatbotSlack,
        tags: { "runbook.dev/stack": environment.stack },
    }, opts);
}

export const stack = environment.stack;
export const alertNames = observability.alertNames;
export const kubernetesNamespace = namespace.name;
export const appSecretName = secrets.secretName;
export const databaseEngine = config.database.engine;
/** The RDS instance the deploy workflow snapshots before a production update (BK-5); absent for mongodb. */
export const databaseInstanceIdentifier = database.instanceIdentifier;
export const redisMode = config.redis?.mode ?? "none";
export const deployments = apps.map((a) => a.deploymentName);
export const bucketNames = storage.bucketNames;
export const publicBaseUrls = storage.publicBaseUrls;
export const gatewayName = gateway.gatewayName;
export const certificateIssuer = certificates.issuerName;
export const edgeHostnames = cdn.hostnames;
export const backupCronJobs = backups.cronJobNames;
export const restoreDrillCronJobs = backups.drillCronJobNames;
export const assetsCredentialsSecret = backups.assetsSecretName;
export const r2UsageCronJob = r2Usage.cronJobName;
