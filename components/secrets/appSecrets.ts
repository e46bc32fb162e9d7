import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_TIER, workloadLabels } from "../k8s/labels";
import { secretKeys } from "./secretEnv";

export interface AppSecretsArgs {
    /** Namespace of the apps. */
    namespace: pulumi.Input<string>;
    /** Name of the Secret. Defaults to `runbook-env`. */
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
    /** Name of the Secret that apps reference. */
    public readonly secretName: pulumi.Output<string>;
    /** The keys the Secret holds. */
    public readonly keys: string[];

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:secrets:AppSecrets", name, {}, opts);
        this.keys = secretKeys(args.connectionUrls, args.appSecrets);
        const values = { ...args.connectionUrls, ...args.appSecrets };
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { name: args.secretName ?? "runbook-env", namespace: args.namespace, labels: workloadLabels("runbook-env", "secrets", APP_TIER) },
                type: "Opaque",
                stringData: Object.fromEntries(this.keys.map((k) => [k, pulumi.secret(values[k])])),
            },
            { parent: this },
        );
        this.secretName = secret.metadata.name;
        this.registerOutputs({ secretName: this.secretName, keys: this.keys });
    }
}
