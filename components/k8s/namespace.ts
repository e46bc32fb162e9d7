import * as k8s from "./kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels } from "./labels";

export interface NamespaceArgs {
    /** Namespace name, e.g. `runbook` (kubernetes.namespace in the stack config). */
    name: string;
    /**
     * Protect and retain the Namespace (DB-6). Defaults to false. Deleting a namespace deletes every
     * object in it, the data volumes' claims included, so production sets it: `pulumi destroy` or a
     * renamed namespace then fails instead of deleting data, and removing the Namespace from the
     * program leaves it in the cluster.
     */
    protect?: boolean;
}

/**
 * The environment's namespace. Pod Security admission enforces the `restricted` profile, so a
 * workload that runs as root or escalates privileges is refused by the cluster itself (SC-5).
 */
export class Namespace extends pulumi.ComponentResource {
    /** The namespace name, once it exists. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: NamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:k8s:Namespace", name, {}, opts);
        const ns = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: args.name,
                    labels: {
                        ...objectLabels("runbook", "namespace"),
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/warn": "restricted",
                    },
                },
            },
            { parent: this, protect: args.protect ?? false, retainOnDelete: args.protect ?? false },
        );
        this.name = ns.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
