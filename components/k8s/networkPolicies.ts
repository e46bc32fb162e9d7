import * as k8s from "./kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels } from "./labels";
import type { DnsEgress } from "../../config/resolve";
import { AppEgressInput, appEgressSpec, appIngressFromAppsSpec, defaultDenySpec, dnsEgressSpec } from "./networkPolicySpecs";

export interface NetworkPoliciesArgs {
    /** The apps' namespace. */
    namespace: pulumi.Input<string>;
    /** The apps' `http` ports, which other apps may call. */
    appPorts: number[];
    /** Where AWS data stores live and on which ports; empty lists when nothing is in AWS. */
    awsData: AppEgressInput["awsData"];
    /** Where every pod may resolve names (kubernetes.dnsEgress). */
    dns: DnsEgress;
}

/**
 * The namespace's baseline isolation (SC-5, DB-2): default deny in and out, DNS for every pod, and
 * the app tier's egress to the data tier, AWS data stores, other apps and HTTPS.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
    /** Name of the default-deny policy. */
    public readonly defaultDenyName: pulumi.Output<string>;

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:k8s:NetworkPolicies", name, {}, opts);
        const labels = objectLabels("runbook", "network-policy");
        const policy = (role: string, objectName: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
            new k8s.networking.v1.NetworkPolicy(`${name}-${role}`, { metadata: { name: objectName, namespace: args.namespace, labels }, spec }, { parent: this });

        const deny = policy("default-deny", "default-deny", defaultDenySpec());
        policy("dns", "allow-dns", dnsEgressSpec(args.dns));
        policy("app-egress", "app-egress", appEgressSpec({ appPorts: args.appPorts, awsData: args.awsData }));
        const fromApps = appIngressFromAppsSpec(args.appPorts);
        if (fromApps !== undefined) policy("app-from-apps", "app-from-apps", fromApps);

        this.defaultDenyName = deny.metadata.name;
        this.registerOutputs({ defaultDenyName: this.defaultDenyName });
    }
}
