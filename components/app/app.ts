import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment, ResolvedApp } from "../../config/resolve";
import {
    MIGRATION_IMAGE_ANNOTATION,
    appLabels,
    autoscalerSpec,
    deploymentSpec,
    disruptionBudgetSpec,
    isWebFacing,
    MIGRATE_COMMAND_ANNOTATION,
    migrateLabels,
    migrationJobName,
    migrationJobSpec,
    serviceSpec,
} from "./appSpec";

export const APP_TYPE = "runbook:app:App";

export interface AppArgs {
    /** One resolved entry of `apps`: image, role, port, probes, resources, autoscaling, migrate command. */
    app: ResolvedApp;
    /** Production adds strict node spread; replica, autoscaling and budget defaults are already resolved in `app`. */
    environment: Environment;
    /** Namespace of every object; the data tier and the environment's Secret live there too. */
    namespace: pulumi.Input<string>;
    /**
     * Name of the environment's Secret that `secretRefs` (and `readerUrlEnv`) read from through
     * `secretKeyRef` (SC-1): one name per generation of its content, so a rotation rolls the pods.
     */
    secretName: pulumi.Input<string>;
    /**
     * The migration Jobs' Secret, whose name never changes (a rotation updates it in place, so it never
     * re-runs a migration). Required when the app has a migrate command.
     */
    migrationSecretName?: pulumi.Input<string>;
    /** The apps' R2 token's Secret, one name per token (ST-1). Required when the app sets `r2Env`. */
    assetsSecretName?: pulumi.Input<string>;
    /**
     * Checksum of that Secret's content, written as a pod-template annotation so that a rotated
     * secret rolls the pods. Without it, pods pick up a rotation only when they restart.
     */
    secretChecksum?: pulumi.Input<string>;
}

/**
 * One application (WL-1…7, SC-5): a Deployment with a pinned image, probes, requests and limits,
 * zero-downtime rolling updates and a restricted pod; a ServiceAccount without a token; a
 * ClusterIP Service for api and web apps (workers have none and scale on their own); an autoscaler
 * and a disruption budget when it runs several pods; and, when it has a migrate command, a Job per
 * image version that must succeed before the Deployment changes.
 */
export class App extends pulumi.ComponentResource {
    /** The Deployment's name (the app's name). */
    public readonly deploymentName: pulumi.Output<string>;
    /** The Service's name, for api and web apps; routes send traffic here. */
    public readonly serviceName?: pulumi.Output<string>;
    /** The migration Job's name, when the app has a migrate command. */
    public readonly migrationJobName?: pulumi.Output<string>;

    constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
        super(APP_TYPE, name, {}, opts);
        const { app, environment, namespace } = args;
        const meta = (objectName: string, labels = appLabels(app)) => ({ name: objectName, namespace, labels });

        // SC-5: the app needs no Kubernetes API access, so it gets an identity without a token.
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-service-account`, { metadata: meta(app.name), automountServiceAccountToken: false }, { parent: this });
        const serviceAccountName = serviceAccount.metadata.name;

        let migration: k8s.batch.v1.Job | undefined;
        if (app.migrate !== undefined) {
            if (args.migrationSecretName === undefined) throw new Error(`App ${name}: a migrate command needs migrationSecretName`);
            const jobName = migrationJobName(app);
            migration = new k8s.batch.v1.Job(
                `${name}-migrate`,
                {
                    metadata: { ...meta(jobName, migrateLabels(app)), annotations: { [MIGRATION_IMAGE_ANNOTATION]: app.image } },
                    spec: migrationJobSpec({ app, serviceAccountName, migrationSecretName: args.migrationSecretName }),
                },
                {
                    parent: this,
                    // `pulumi up` waits for the Job to succeed: a failed or slow migration fails the
                    // deploy before the Deployment is touched (WL-5).
                    // A new image is a new name, so a new Job, created before the old one is deleted.
                    customTimeouts: { create: `${app.migrate.timeoutSeconds + 120}s`, update: `${app.migrate.timeoutSeconds + 120}s` },
                },
            );
            this.migrationJobName = migration.metadata.name;
        }

        const autoscaler = autoscalerSpec(app);
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: app.migrate !== undefined ? { ...meta(app.name), annotations: { [MIGRATE_COMMAND_ANNOTATION]: app.migrate.command.join(" ") } } : meta(app.name),
                spec: deploymentSpec({ app, environment, serviceAccountName, secretName: args.secretName, secretChecksum: args.secretChecksum, assetsSecretName: args.assetsSecretName }),
            },
            {
                parent: this,
                // WL-5: new code takes traffic only after its migration ran.
                dependsOn: migration ? [migration] : [],
                // Once autoscaled, the autoscaler owns the replica count; a deploy must not reset it.
                ignoreChanges: autoscaler ? ["spec.replicas"] : [],
            },
        );
        this.deploymentName = deployment.metadata.name;

        if (isWebFacing(app)) {
            // A fixed name (routes and other apps address it), so a replacement deletes first.
            const service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta(app.name), spec: serviceSpec(app) }, { parent: this, deleteBeforeReplace: true });
            this.serviceName = service.metadata.name;
        }

        if (autoscaler !== undefined) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, { metadata: meta(app.name), spec: autoscaler }, { parent: this });
        }
        const budget = disruptionBudgetSpec(app);
        if (budget !== undefined) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(app.name), spec: budget }, { parent: this });
        }

        this.registerOutputs({ deploymentName: this.deploymentName, serviceName: this.serviceName, migrationJobName: this.migrationJobName });
    }
}
