import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "../providers/random";
import type { Environment } from "../../config";
import { CHECKSUM_ANNOTATION, combinedChecksum, contentHash, contentHashOutput, hashedName } from "../k8s/contentHash";
import { VOLUME_SIZE_PATH, volumeGrowth } from "../k8s/volumeGrowth";
import { redisExporterSidecar } from "../observability/exporters";
import { APP_TIER, BACKUP_ROLE, DATA_TIER, RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY, ROLE_LABEL, TIER_LABEL, workloadLabels } from "../k8s/labels";
import {
    ArgProblem,
    PASSWORD_ENV,
    REDIS_CONF_DIR,
    REDIS_CONF_KEY,
    REDIS_PORT,
    REDIS_UID,
    RedisConfig,
    configChecksum,
    formatArgProblems,
    inClusterSettings,
    probeCommand,
    redisServerArgs,
    redisUrl,
    renderRedisConf,
    serviceHost,
} from "./redisSettings";

/** `app.kubernetes.io/component` of the in-cluster Redis. The redis-noeviction policy finds its config by the data-tier label and the redis.conf key. */
export const REDIS_COMPONENT = "cache";
/** Key of the password in the Secret. */
export const PASSWORD_KEY = "password";

export interface InClusterArgs {
    /**
     * The resolved `redis` section, mode `in-cluster`. Defaults: image redis:8.0.2 (the release of the drill's redis-server), a 10 GB volume,
     * 512Mi of memory (1Gi in production) with maxmemory at 75% of it.
     */
    redis: RedisConfig;
    /** Production protects and retains the StatefulSet and the Secret and sizes memory at 1Gi; elsewhere nothing is protected. */
    environment: Environment;
    /** Namespace of the apps, which alone may connect (with the backup jobs). */
    namespace: pulumi.Input<string>;
    /** StorageClass of the data volume. Defaults to the cluster's default class. */
    storageClass?: string;
}

/**
 * Redis as a one-replica StatefulSet for queues, rate limits and cache (RD-1): AOF persistence and
 * `maxmemory-policy noeviction` (RD-2), a generated password from a Secret (RD-3), a ClusterIP
 * Service that only app and backup pods may reach (DB-2, SC-5), a restricted non-root pod (SC-5),
 * and a volume that outlives the StatefulSet (DB-6).
 */
export class InCluster extends pulumi.ComponentResource {
    /** REDIS_URL: `redis://:<password>@<service>.<namespace>.svc.cluster.local:6379`. Secret. */
    public readonly connectionUrl: pulumi.Output<string>;
    /** Name of the Service that fronts Redis. */
    public readonly serviceName: string;
    /** Labels of the Redis pod, whose redis_exporter sidecar serves `metrics` (for the PodMonitor). */
    public readonly metricsPodSelector: Record<string, string>;

    constructor(name: string, args: InClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:redis:InCluster", name, {}, opts);
        const settings = inClusterSettings(args.redis, args.environment);
        const problems: ArgProblem[] = Array.isArray(settings) ? [...settings] : [];
        // The name becomes the Service's DNS name, which REDIS_URL carries.
        if (!/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(name)) problems.push({ propertyPath: "name", reason: `${name} is not a lowercase DNS label; it names the Service` });
        if (Array.isArray(settings) || problems.length > 0) {
            throw new pulumi.InputPropertiesError({ message: formatArgProblems(`InCluster ${name}`, problems), errors: problems });
        }
        const stateful: pulumi.CustomResourceOptions = { parent: this, protect: settings.protect, retainOnDelete: settings.protect };
        const labels = workloadLabels(name, REDIS_COMPONENT, DATA_TIER);
        const selector = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": REDIS_COMPONENT };
        const metadata = (objectName: string): k8s.types.input.meta.v1.ObjectMeta => ({ name: objectName, namespace: args.namespace, labels });

        // The password is the source of truth, protected in production; the Secret is derived from it.
        const password = new random.RandomPassword(
            `${name}-password`,
            { length: 48, special: false, minLower: 1, minUpper: 1, minNumeric: 1 },
            { parent: this, protect: settings.protect },
        );
        // Content-hash names: a rotated password or a new redis.conf is a new object, created before
        // the old one is deleted, and the StatefulSet moves to it (and rolls). Not protected: a
        // protected object could not be replaced, and nothing is lost with it (it is derived).
        const authHash = contentHashOutput({ [PASSWORD_KEY]: password.result });
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { ...metadata(`${name}-auth`), name: authHash.apply((h) => hashedName(`${name}-auth`, h)) },
                type: "Opaque",
                stringData: { [PASSWORD_KEY]: password.result },
            },
            { parent: this },
        );
        const secretName = secret.metadata.name;

        const redisConf = renderRedisConf({ maxmemoryBytes: settings.maxmemoryBytes });
        const confHash = contentHash({ [REDIS_CONF_KEY]: redisConf });
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: metadata(hashedName(`${name}-config`, confHash)), immutable: true, data: { [REDIS_CONF_KEY]: redisConf } },
            { parent: this },
        );
        const configMapName = configMap.metadata.name;

        const fromSecret: k8s.types.input.core.v1.EnvVarSource = { secretKeyRef: { name: secretName, key: PASSWORD_KEY } };
        const probe = (periodSeconds: number, failureThreshold: number): k8s.types.input.core.v1.Probe => ({
            exec: { command: probeCommand() },
            periodSeconds,
            timeoutSeconds: 5,
            failureThreshold,
        });
        const container: k8s.types.input.core.v1.Container = {
            name: "redis",
            image: settings.image,
            command: ["redis-server"],
            args: redisServerArgs(),
            env: [
                { name: PASSWORD_ENV, valueFrom: fromSecret },
                // redis-cli in the probes authenticates with this, without a password on its command line.
                { name: "REDISCLI_AUTH", valueFrom: fromSecret },
            ],
            ports: [{ name: "redis", containerPort: REDIS_PORT, protocol: "TCP" }],
            // Loading a large AOF answers LOADING; the startup probe gives it 10 minutes before liveness applies.
            startupProbe: probe(10, 60),
            livenessProbe: probe(15, 4),
            readinessProbe: probe(5, 2),
            resources: {
                requests: { cpu: settings.resources.cpuRequest, memory: settings.resources.memoryRequest },
                limits: { cpu: settings.resources.cpuLimit, memory: settings.resources.memoryLimit },
            },
            securityContext: { ...RESTRICTED_CONTAINER_SECURITY, runAsUser: REDIS_UID, runAsGroup: REDIS_UID },
            volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "config", mountPath: REDIS_CONF_DIR, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
            ],
        };
        const statefulSetArgs: k8s.types.input.apps.v1.StatefulSet = {
            metadata: metadata(name),
            spec: {
                replicas: 1,
                serviceName: name,
                selector: { matchLabels: selector },
                // The volume holds the queues: neither deleting nor scaling the StatefulSet removes it (DB-6).
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    // The pod rolls when its config or its password changes.
                    metadata: { labels, annotations: { "runbook.dev/config-sha256": configChecksum(redisConf), [CHECKSUM_ANNOTATION]: combinedChecksum([confHash, authHash]) } },
                    spec: {
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        securityContext: { ...RESTRICTED_POD_SECURITY, runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID, fsGroupChangePolicy: "OnRootMismatch" },
                        // Redis flushes the AOF on SIGTERM; give it time to finish.
                        terminationGracePeriodSeconds: 60,
                        // RD-2: redis_exporter beside the server, on the pod's loopback, with the
                        // server's own password; it rolls with the pod when the password changes.
                        containers: [container, redisExporterSidecar({ name: secretName, key: PASSWORD_KEY }, REDIS_PORT)],
                        volumes: [
                            { name: "config", configMap: { name: configMapName } },
                            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                        ],
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: "data", labels },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: args.storageClass,
                            resources: { requests: { storage: `${settings.storageGb}Gi` } },
                        },
                    },
                ],
            },
        };
        // Volume claim templates are immutable: a new size would replace the (protected) StatefulSet.
        // The template keeps the size it was created with; growth is applied to the claim itself.
        const statefulSet = new k8s.apps.v1.StatefulSet(`${name}-statefulset`, statefulSetArgs, { ...stateful, ignoreChanges: [VOLUME_SIZE_PATH] });
        volumeGrowth(this, { statefulSet, statefulSetName: name, namespace: args.namespace, members: 1, storageGb: settings.storageGb });

        // ClusterIP only: Redis is never exposed outside the cluster (DB-2).
        const serviceArgs: k8s.types.input.core.v1.Service = {
            metadata: metadata(name),
            spec: { type: "ClusterIP", selector, ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis", protocol: "TCP" }] },
        };
        new k8s.core.v1.Service(`${name}-service`, serviceArgs, { parent: this });

        // DB-2, SC-5: only the app tier and the backup jobs may open a connection.
        const networkPolicyArgs: k8s.types.input.networking.v1.NetworkPolicy = {
            metadata: metadata(name),
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [{ podSelector: { matchLabels: { [TIER_LABEL]: APP_TIER } } }, { podSelector: { matchLabels: { [ROLE_LABEL]: BACKUP_ROLE } } }],
                        ports: [{ protocol: "TCP", port: REDIS_PORT }],
                    },
                ],
            },
        };
        new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, networkPolicyArgs, { parent: this });

        this.serviceName = name;
        this.metricsPodSelector = selector;
        // Tied to the StatefulSet, whose update Pulumi awaits: after a rotation, REDIS_URL (and with it
        // the apps' Secret) changes once the server runs with the new password.
        this.connectionUrl = pulumi.secret(
            pulumi
                .all([password.result, args.namespace, statefulSet.metadata.uid])
                .apply(([pw, namespace]) => redisUrl({ scheme: "redis", password: pw, host: serviceHost(name, namespace) })),
        );
        this.registerOutputs({ connectionUrl: this.connectionUrl, serviceName: this.serviceName });
    }
}
