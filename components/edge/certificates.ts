import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels } from "../k8s/labels";
import { CERT_MANAGER_API_VERSION, DNS_TOKEN_KEY, certificateSpec, clusterIssuerSpec, dnsTokenSecretName, issuerName } from "./tlsSpec";

export interface CertificatesArgs {
    /** Namespace of the apps and the Gateway; certificates are written there. */
    namespace: pulumi.Input<string>;
    /** Cloudflare zone the hosts belong to; the issuer solves challenges for it only. */
    zone: string;
    hosts: string[];
    /** Cloudflare API token with Zone:DNS:Edit, a secret Output (`edge.tls.dnsApiToken`). */
    dnsApiToken: pulumi.Input<string>;
    /** ACME directory URL. */
    acmeServer: string;
    /** ACME account email. None when unset. */
    acmeEmail?: string;
    /** Namespace cert-manager runs in; the token Secret goes there. */
    certManagerNamespace: string;
    /** Days before expiry that cert-manager renews. */
    renewBeforeDays: number;
}

/**
 * TLS for the Gateway (ED-2): a cert-manager `ClusterIssuer` with ACME DNS-01 through Cloudflare, the
 * token in a Secret beside cert-manager, and one `Certificate` per host, renewed automatically.
 */
export class Certificates extends pulumi.ComponentResource {
    /** The ClusterIssuer's name. */
    public readonly issuerName: pulumi.Output<string>;
    /** Names of the Certificates, one per host. */
    public readonly certificateNames: pulumi.Output<string>[];

    constructor(name: string, args: CertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:edge:Certificates", name, {}, opts);
        const namespace = pulumi.output(args.namespace);
        const labels = objectLabels("gateway", "certificate");
        const token = new k8s.core.v1.Secret(
            `${name}-dns-token`,
            {
                metadata: { name: namespace.apply(dnsTokenSecretName), namespace: args.certManagerNamespace, labels },
                type: "Opaque",
                // SC-1: stays a secret Output end to end.
                stringData: { [DNS_TOKEN_KEY]: pulumi.secret(args.dnsApiToken) },
            },
            // The component's own dependencies (the platform's releases) reach the first child; the
            // issuer and certificates follow it.
            { parent: this, dependsOn: opts?.dependsOn },
        );
        const issuer = new k8s.apiextensions.CustomResource(
            `${name}-issuer`,
            {
                apiVersion: CERT_MANAGER_API_VERSION,
                kind: "ClusterIssuer",
                metadata: { name: namespace.apply(issuerName), labels },
                spec: namespace.apply((ns) => clusterIssuerSpec({ namespace: ns, zone: args.zone, acmeServer: args.acmeServer, acmeEmail: args.acmeEmail })),
            },
            { parent: this, dependsOn: [token] },
        );
        this.certificateNames = args.hosts.map(
            (host) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${host}`,
                    {
                        apiVersion: CERT_MANAGER_API_VERSION,
                        kind: "Certificate",
                        metadata: { name: host, namespace, labels },
                        spec: namespace.apply((ns) => certificateSpec(host, ns, args.renewBeforeDays)),
                    },
                    { parent: this, dependsOn: [issuer] },
                ).metadata.name,
        );
        this.issuerName = issuer.metadata.name;
        this.registerOutputs({ issuerName: this.issuerName, certificateNames: this.certificateNames });
    }
}
