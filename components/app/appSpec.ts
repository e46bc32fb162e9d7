import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import type { Environment, ResolvedApp } from "../../config/resolve";
import { APP_TIER, RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY, workloadLabels } from "../k8s/labels";
import { ASSET_CREDENTIAL_KEYS, READER_URL_KEY, renamedSecretEnv, secretEnv } from "../secrets/secretEnv";

/*
 * Pure builders for one app's Kubernetes objects: the pod template shared by the Deployment and
 * the migration Job, the Deployment, Service, autoscaler and disruption budget specs. No resource
 * is created here, so the unit tests call these directly.
 */

/** The container port's name; Services, probes, routes and ServiceMonitors refer to it. */
export const HTTP_PORT_NAME = "http";
/** `app.kubernetes.io/component` of the migration Job's pods. */
export const MIGRATE_COMPONENT = "migrate";
/** Pod-template annotation carrying the checksum of the environment's Secret: a rotation rolls the pods. */
export const SECRET_CHECKSUM_ANNOTATION = "runbook.dev/secret-checksum";
/** Job annotation with the image the migration ran for. */
export const MIGRATION_IMAGE_ANNOTATION = "runbook.dev/migrated-image";

/**
 * Deployment annotation with the migrate command its image needs run first (WL-5): what tells the
 * policy pack this app has migrations, so a missing migration Job, or one in another image, is caught
 * (k8s-migrations-before-traffic). An annotation on the Deployment, not its pods: it restarts nothing.
 */
export const MIGRATE_COMMAND_ANNOTATION = "runbook.dev/migrate-command";

/** WL-3: rollback is `kubectl rollout undo` to one of the last few ReplicaSets. */
export const REVISION_HISTORY_LIMIT = 5;
/** The Gateway stops sending to a terminating pod within a few seconds; the pod waits that long before SIGTERM. */
export const PRE_STOP_SLEEP_SECONDS = 5;
export const TERMINATION_GRACE_SECONDS = 30;
/** WL-2: the startup probe allows this long to start (period × failures) before liveness applies. */
export const STARTUP_PERIOD_SECONDS = 5;
export const STARTUP_FAILURE_THRESHOLD = 60;

/** Deployment, Service and ServiceAccount are named after the app; pods are selected by name and role. */
export function appSelector(app: Pick<ResolvedApp, "name" | "role">): Record<string, string> {
    return { "app.kubernetes.io/name": app.name, "app.kubernetes.io/component": app.role };
}

export function appLabels(app: Pick<ResolvedApp, "name" | "role">): Record<string, string> {
    return workloadLabels(app.name, app.role, APP_TIER);
}

/** The labels of the migration Job's pods: the app tier (they reach the database), never selected by the app's Service. */
export function migrateLabels(app: Pick<ResolvedApp, "name">): Record<string, string> {
    return workloadLabels(app.name, MIGRATE_COMPONENT, APP_TIER);
}

/** api and web apps take traffic and get a Service; workers do not (WL-6). */
export function isWebFacing(app: Pick<ResolvedApp, "role">): boolean {
    return app.role !== "worker";
}

/** Volume name for a writable path: `tmp`, `app-next-cache`. */
export function volumeName(path: string): string {
    const name = path.replace(/^\/+/, "").replace(/[^a-z0-9]+/gi, "-").replace(/^-+|-+$/g, "").toLowerCase();
    return (name === "" ? "root" : name).slice(0, 63).replace(/-+$/, "");
}

/** The Secrets an app's pods read. */
export interface SecretSources {
    /** The environment's Secret: `secretRefs` and the reader URL. */
    env: pulumi.Input<string>;
    /** The apps' R2 token's Secret; required when the app sets `r2Env`. */
    assets?: pulumi.Input<string>;
}

/**
 * Plain env (PORT, `env`, the feature flags and the request timeout), sorted; then one secretKeyRef per secret (SC-1):
 * `secretRefs`, the read replica's URL under `readerUrlEnv` (DB-5), and the R2 token under the names of
 * `r2Env` (ST-1), each from the Secret that holds it.
 */
export function containerEnv(
    app: Pick<ResolvedApp, "name" | "env" | "secretRefs" | "port" | "readerUrlEnv" | "r2Env"> & Partial<Pick<ResolvedApp, "featureFlags" | "requestTimeout">>,
    secrets: SecretSources,
): k8s.types.input.core.v1.EnvVar[] {
    // WL-8: feature flags and the request timeout are plain values; config rules keep every name unique.
    const timeout = app.requestTimeout !== undefined ? { [app.requestTimeout.env]: String(app.requestTimeout.seconds * 1000) } : {};
    const plain: Record<string, string> = { PORT: String(app.port), ...app.env, ...(app.featureFlags ?? {}), ...timeout };
    const r2 = app.r2Env;
    if (r2 !== undefined && secrets.assets === undefined) throw new Error(`app ${app.name} sets r2Env, but the stack has no R2 token for the apps (no assets or uploads bucket)`);
    return [
        ...Object.keys(plain)
            .sort()
            .map((name) => ({ name, value: plain[name] })),
        ...secretEnv(app.secretRefs, secrets.env),
        ...(app.readerUrlEnv !== undefined ? renamedSecretEnv({ [app.readerUrlEnv]: READER_URL_KEY }, secrets.env) : []),
        ...(r2 !== undefined && secrets.assets !== undefined
            ? renamedSecretEnv(
                  {
                      [r2.accessKeyId]: ASSET_CREDENTIAL_KEYS.accessKeyId,
                      [r2.secretAccessKey]: ASSET_CREDENTIAL_KEYS.secretAccessKey,
                      ...(r2.endpoint !== undefined ? { [r2.endpoint]: ASSET_CREDENTIAL_KEYS.endpoint } : {}),
                  },
                  secrets.assets,
              )
            : []),
    ];
}

/** WL-4: the app's requests and limits, as its pods and the drill's app check (BK-6) run with them. */
export function resources(app: Pick<ResolvedApp, "resources">): k8s.types.input.core.v1.ResourceRequirements {
    const r = app.resources;
    return { requests: { cpu: r.cpuRequest, memory: r.memoryRequest }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } };
}

function podSecurity(app: Pick<ResolvedApp, "runAsUser">): k8s.types.input.core.v1.PodSecurityContext {
    return { ...RESTRICTED_POD_SECURITY, runAsUser: app.runAsUser, runAsGroup: app.runAsUser, fsGroup: app.runAsUser };
}

/** SC-5: the restricted profile; the root filesystem is read-only and only `writablePaths` are writable. */
export function containerSecurity(app: Pick<ResolvedApp, "runAsUser">): k8s.types.input.core.v1.SecurityContext {
    return { ...RESTRICTED_CONTAINER_SECURITY, runAsUser: app.runAsUser, runAsGroup: app.runAsUser, seccompProfile: { type: "RuntimeDefault" } };
}

function writableVolumes(app: Pick<ResolvedApp, "writablePaths">): { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] } {
    return {
        volumes: app.writablePaths.map((p) => ({ name: volumeName(p), emptyDir: { sizeLimit: "1Gi" } })),
        mounts: app.writablePaths.map((p) => ({ name: volumeName(p), mountPath: p })),
    };
}

function httpProbe(path: string, periodSeconds: number, failureThreshold: number): k8s.types.input.core.v1.Probe {
    return { httpGet: { path, port: HTTP_PORT_NAME }, periodSeconds, timeoutSeconds: 3, failureThreshold };
}

/** An HTTP probe of `path`, or, without one, a TCP probe of the app's port (the process is up and listening). */
function probe(path: string | undefined, periodSeconds: number, failureThreshold: number): k8s.types.input.core.v1.Probe {
    return path !== undefined ? httpProbe(path, periodSeconds, failureThreshold) : { tcpSocket: { port: HTTP_PORT_NAME }, periodSeconds, timeoutSeconds: 3, failureThreshold };
}

/**
 * WL-1: pods spread across zones and nodes. Zones are best effort (a cluster may have fewer zones
 * than pods); in production two pods of an app never share a node while another node has fewer.
 * `matchLabelKeys` counts each rollout's ReplicaSet on its own, so a rolling update is not blocked
 * by the pods it is replacing.
 */
export function topologySpread(app: Pick<ResolvedApp, "name" | "role">, env: Environment): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    const labelSelector = { matchLabels: appSelector(app) };
    return [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector, matchLabelKeys: ["pod-template-hash"] },
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: env.isProduction ? "DoNotSchedule" : "ScheduleAnyway",
            labelSelector,
            matchLabelKeys: ["pod-template-hash"],
        },
    ];
}

export interface PodTemplateInput {
    app: ResolvedApp;
    environment: Environment;
    serviceAccountName: pulumi.Input<string>;
    /** The environment's Secret, one name per generation of its content: a rotation changes the template. */
    secretName: pulumi.Input<string>;
    /** Checksum of the environment's Secret; changes roll the pods. */
    secretChecksum?: pulumi.Input<string>;
    /** The apps' R2 token's Secret, one name per generation: a rotated token rolls the pods (ST-1). Required with `r2Env`. */
    assetsSecretName?: pulumi.Input<string>;
}

/** The Deployment's pod template: probes, requests and limits, restricted security, spread (WL-1…4, SC-5). */
export function deploymentPodTemplate(input: PodTemplateInput): k8s.types.input.core.v1.PodTemplateSpec {
    const { app } = input;
    const writable = writableVolumes(app);
    const webFacing = isWebFacing(app);
    return {
        metadata: {
            labels: appLabels(app),
            ...(input.secretChecksum !== undefined ? { annotations: { [SECRET_CHECKSUM_ANNOTATION]: input.secretChecksum } } : {}),
        },
        spec: {
            serviceAccountName: input.serviceAccountName,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurity(app),
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            topologySpreadConstraints: topologySpread(app, input.environment),
            containers: [
                {
                    name: app.name,
                    image: app.image,
                    // 000: a worker may run the API's image with another program.
                    ...(app.command !== undefined ? { command: app.command } : {}),
                    ...(app.args !== undefined ? { args: app.args } : {}),
                    ports: [{ name: HTTP_PORT_NAME, containerPort: app.port, protocol: "TCP" }],
                    env: containerEnv(app, { env: input.secretName, assets: input.assetsSecretName }),
                    resources: resources(app),
                    securityContext: containerSecurity(app),
                    // WL-2: startup gives a slow boot 5 minutes; liveness restarts a hung process;
                    // readiness (which covers the database) takes the pod out of the Service.
                    startupProbe: probe(app.startupPath, STARTUP_PERIOD_SECONDS, STARTUP_FAILURE_THRESHOLD),
                    // WL-2: liveness never asks the readiness path, which covers the database: a
                    // database outage would restart every pod. Without a health path it checks the port.
                    livenessProbe: probe(app.healthPath, 10, 3),
                    readinessProbe: httpProbe(app.readinessPath, 5, 3),
                    // WL-3: a terminating web pod keeps serving while the Gateway drops it from its endpoints.
                    ...(webFacing ? { lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } } } : {}),
                    volumeMounts: writable.mounts,
                },
            ],
            volumes: writable.volumes,
        },
    };
}

/** WL-3: zero-downtime rolling updates (a new pod is ready before an old one goes) and one-step rollback. */
export function deploymentSpec(input: PodTemplateInput): k8s.types.input.apps.v1.DeploymentSpec {
    return {
        replicas: input.app.replicas,
        revisionHistoryLimit: REVISION_HISTORY_LIMIT,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: appSelector(input.app) },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
        template: deploymentPodTemplate(input),
    };
}

/** ClusterIP only (ED-5): the Gateway is the one way in. Named after the app, port named `http`. */
export function serviceSpec(app: ResolvedApp): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "ClusterIP",
        selector: appSelector(app),
        ports: [{ name: HTTP_PORT_NAME, port: app.port, targetPort: HTTP_PORT_NAME, protocol: "TCP" }],
    };
}

/** WL-1, WL-6: scale on CPU and memory between the configured bounds; scale down slowly. */
export function autoscalerSpec(app: ResolvedApp): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec | undefined {
    const scaling = app.autoscaling;
    if (scaling === undefined) return undefined;
    const utilisation = (name: string, averageUtilization: number) => ({ type: "Resource", resource: { name, target: { type: "Utilization", averageUtilization } } });
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: app.name },
        minReplicas: scaling.minReplicas,
        maxReplicas: scaling.maxReplicas,
        metrics: [utilisation("cpu", scaling.cpuPercent), utilisation("memory", scaling.memoryPercent)],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } },
    };
}

/** WL-1: a node drain takes at most one pod of the app at a time. Only when the app runs 2 or more. */
export function disruptionBudgetSpec(app: ResolvedApp): k8s.types.input.policy.v1.PodDisruptionBudgetSpec | undefined {
    const floor = app.autoscaling?.minReplicas ?? app.replicas;
    if (floor < 2) return undefined;
    return { maxUnavailable: 1, selector: { matchLabels: appSelector(app) } };
}

/**
 * WL-5: the migration Job's name carries a hash of everything it runs (image, command, limits, env,
 * the names of the secrets it reads), so each image version gets its own Job and runs once, and an
 * unchanged image is no change at all. A new name is a new Job: Pulumi creates and awaits it before
 * deleting the old one. Secret values are not in it, and the Job reads them from the migration
 * Secret, whose name never changes: a rotated credential changes neither the name nor the pod
 * template, so it never runs the migration again (issue 16 item 10).
 */
export function migrationJobName(app: Pick<ResolvedApp, "name" | "image" | "migrate" | "env" | "secretRefs" | "resources" | "runAsUser">): string {
    const digest = createHash("sha256")
        .update(JSON.stringify({ image: app.image, migrate: app.migrate ?? null, env: app.env, secretRefs: app.secretRefs, resources: app.resources, runAsUser: app.runAsUser }))
        .digest("hex")
        .slice(0, 10);
    // Job names become pod label values: at most 63 characters.
    return `${app.name.slice(0, 63 - "-migrate-".length - digest.length)}-migrate-${digest}`;
}

export interface MigrationJobInput {
    app: ResolvedApp;
    serviceAccountName: pulumi.Input<string>;
    /** The migration Jobs' Secret (`runbook-migrate`): the app's secrets, DATABASE_URL as the migration role. */
    migrationSecretName: pulumi.Input<string>;
}

/**
 * WL-5: the migrate command in the app's image with the app's env and secrets, the database as the
 * migration role (SC-5: the apps' own role may not change the schema). No reader URL and no R2 token:
 * a migration changes the schema, and those Secrets are per generation. Jobs carry no probes.
 * The finished Job is kept (no TTL): the next image version replaces it, and a Job that disappeared
 * would make `pulumi refresh` run the migration again.
 */
export function migrationJobSpec(input: MigrationJobInput): k8s.types.input.batch.v1.JobSpec {
    const { app } = input;
    const migrate = app.migrate;
    if (migrate === undefined) throw new Error(`app ${app.name} has no migrate command`);
    const writable = writableVolumes({ writablePaths: ["/tmp"] });
    return {
        backoffLimit: migrate.backoffLimit,
        activeDeadlineSeconds: migrate.timeoutSeconds,
        template: {
            metadata: { labels: migrateLabels(app) },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: input.serviceAccountName,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: podSecurity(app),
                containers: [
                    {
                        name: MIGRATE_COMPONENT,
                        image: app.image,
                        command: migrate.command,
                        // npx and prisma keep caches under $HOME; the root filesystem is read-only, /tmp is not.
                        // No feature flags or request timeout: flipping a flag must not rerun (or rename) the migration.
                        env: containerEnv({ ...app, env: { HOME: "/tmp", ...app.env }, readerUrlEnv: undefined, r2Env: undefined, featureFlags: undefined, requestTimeout: undefined }, { env: input.migrationSecretName }),
                        resources: resources(app),
                        securityContext: containerSecurity(app),
                        volumeMounts: writable.mounts,
                    },
                ],
                volumes: writable.volumes,
            },
        },
    };
}
