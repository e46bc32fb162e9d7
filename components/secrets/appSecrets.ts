import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { contentHashOutput, hashedName } from "../k8s/contentHash";
import { APP_TIER, workloadLabels } from "../k8s/labels";
import { secretKeys } from "./secretEnv";

export interface AppSecretsArgs {
    /** Namespace of the apps. */
    namespace: pulumi.Input<string>;
    /** Name of the Secret, before its content hash (`runbook-env-<hash>`). Defaults to `runbook-env`. */
    secretName?: string;
    /** Connection strings built by the data tier: DATABASE_URL or MONGODB_URI, and REDIS_URL. */
    connectionUrls: Record<string, pulumi.Output<string>>;
    /** Values of `runbook:secrets`, each a secret Output. */
    appSecrets: Record<string, pulumi.Output<string>>;
}

/**
 * The environment's one Kubernetes Secret: connection strings and app secrets, which apps read
 * through `secretKeyRef` (see secretEnv.ts). Every value stays a secret Output, so no plan or stack
 * output ever shows it (SC-1).
 */
export class AppSecrets extends pulumi.ComponentResource {
    /**
     * Name of the Secret that apps reference: `runbook-env-<content hash>`. A rotated value is a new
     * Secret, created before the old one is deleted, and the apps' Deployments move to it.
     */
    public readonly secretName: pulumi.Output<string>;
    /** Hash of the Secret's content, for the apps' pod-template annotation: it changes exactly when a value does. */
    public readonly checksum: pulumi.Output<string>;
    /** The keys the Secret holds. */
    public readonly keys: string[];

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:secrets:AppSecrets", name, {}, opts);
        this.keys = secretKeys(args.connectionUrls, args.appSecrets);
        const values = { ...args.connectionUrls, ...args.appSecrets };
        const base = args.secretName ?? "runbook-env";
        this.checksum = contentHashOutput(Object.fromEntries(this.keys.map((k) => [k, values[k]])));
        // Never deleteBeforeReplace and never protected: the old Secret must outlive the rollout,
        // and a protected object could not be replaced at all.
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { name: this.checksum.apply((h) => hashedName(base, h)), namespace: args.namespace, labels: workloadLabels(base, "secrets", APP_TIER) },
                type: "Opaque",
                stringData: Object.fromEntries(this.keys.map((k) => [k, pulumi.secret(values[k])])),
            },
            { parent: this },
        );
        this.secretName = secret.metadata.name;
        this.registerOutputs({ secretName: this.secretName, checksum: this.checksum, keys: this.keys });
    }
}
