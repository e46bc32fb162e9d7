import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { generationSecret } from "../k8s/generations";
import { APP_TIER, workloadLabels } from "../k8s/labels";
import { migrationSecretData, secretKeys } from "./secretEnv";

/** The migration Jobs' Secret: one name for good, updated in place (WL-5). */
export const MIGRATION_SECRET_NAME = "runbook-migrate";

export interface AppSecretsArgs {
    /** Namespace of the apps. */
    namespace: pulumi.Input<string>;
    /** Name of the apps' Secret, before its generation's ID (`runbook-env-<id>`). Defaults to `runbook-env`. */
    secretName?: string;
    /** Connection strings built by the data tier: DATABASE_URL or MONGODB_URI, REDIS_URL, DATABASE_READER_URL. */
    connectionUrls: Record<string, pulumi.Output<string>>;
    /** Values of `runbook:secrets`, each a secret Output. */
    appSecrets: Record<string, pulumi.Output<string>>;
    /**
     * Connection strings the migration Jobs get instead, under the same names: DATABASE_URL as the
     * migration role, which may change the schema. With them, a second Secret holds the migration
     * Jobs' values. Defaults to none: no migration Secret (no app has a migrate command).
     */
    migrationUrls?: Record<string, pulumi.Output<string>>;
}

/**
 * The environment's Secrets: connection strings and app secrets, which apps read through
 * `secretKeyRef` (see secretEnv.ts). Every value stays a secret Output, so no plan or stack output
 * ever shows it (SC-1).
 *
 * The apps' Secret has a name per generation of its content (k8s/generations.ts): a rotation rolls
 * the apps onto a new Secret, and the previous generations stay for `kubectl rollout undo` (WL-3).
 * The migration Jobs' Secret keeps one name and is updated in place: a Job's pod template is fixed
 * once created, so a Job that named a new Secret on every rotation would be replaced, and would run
 * its migration again, each time a credential rotates (WL-5: once per release).
 */
export class AppSecrets extends pulumi.ComponentResource {
    /** Name of the Secret that apps reference: `runbook-env-<generation>`, new whenever a value changes. */
    public readonly secretName: pulumi.Output<string>;
    /** Hash of the apps' Secret's content, for the apps' pod-template annotation: it changes exactly when a value does. */
    public readonly checksum: pulumi.Output<string>;
    /** The keys the apps' Secret holds (the migration Secret holds the same). */
    public readonly keys: string[];
    /** Name of the migration Jobs' Secret, when there is one: `runbook-migrate`. */
    public readonly migrationSecretName?: pulumi.Output<string>;

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:secrets:AppSecrets", name, {}, opts);
        this.keys = secretKeys(args.connectionUrls, args.appSecrets);
        const values = { ...args.connectionUrls, ...args.appSecrets };
        const base = args.secretName ?? "runbook-env";
        const data = Object.fromEntries(this.keys.map((k) => [k, values[k]]));
        const apps = generationSecret(`${name}-secret`, { base, namespace: args.namespace, labels: workloadLabels(base, "secrets", APP_TIER), stringData: data }, { parent: this });
        this.secretName = apps.secret.metadata.name;
        this.checksum = apps.checksum;

        if (args.migrationUrls !== undefined) {
            const migration = new k8s.core.v1.Secret(
                `${name}-migration`,
                {
                    metadata: { name: MIGRATION_SECRET_NAME, namespace: args.namespace, labels: workloadLabels(MIGRATION_SECRET_NAME, "secrets", APP_TIER) },
                    type: "Opaque",
                    stringData: Object.fromEntries(Object.entries(migrationSecretData(data, args.migrationUrls)).map(([k, v]) => [k, pulumi.secret(v)])),
                },
                { parent: this },
            );
            this.migrationSecretName = migration.metadata.name;
        }
        this.registerOutputs({ secretName: this.secretName, checksum: this.checksum, keys: this.keys, migrationSecretName: this.migrationSecretName });
    }
}
