import { tlsSecretName } from "./gatewaySpec";

/*
 * Pure builders for cert-manager (ED-2): an ACME ClusterIssuer that answers DNS-01 challenges through
 * Cloudflare, and one Certificate per host, written to the Secret the Gateway's listener reads.
 */

export const CERT_MANAGER_API_VERSION = "cert-manager.io/v1";
/** Key of the Cloudflare API token in the issuer's Secret. */
export const DNS_TOKEN_KEY = "api-token";
/** Let's Encrypt issues 90-day certificates; cert-manager renews `renewBefore` ahead of expiry. */
export const CERTIFICATE_DURATION_HOURS = 90 * 24;

/** Cluster-scoped names carry the namespace, so two environments can share a cluster. */
export function issuerName(namespace: string): string {
    return `${namespace}-acme-dns01`;
}
export function dnsTokenSecretName(namespace: string): string {
    return `${namespace}-cloudflare-dns01`;
}
export function accountKeySecretName(namespace: string): string {
    return `${namespace}-acme-account`;
}

export interface IssuerSettings {
    namespace: string;
    zone: string;
    acmeServer: string;
    acmeEmail?: string;
}

/** ACME with DNS-01 through Cloudflare, for the zone's names only; the token comes from a Secret. */
export function clusterIssuerSpec(s: IssuerSettings) {
    return {
        acme: {
            server: s.acmeServer,
            ...(s.acmeEmail !== undefined ? { email: s.acmeEmail } : {}),
            privateKeySecretRef: { name: accountKeySecretName(s.namespace) },
            solvers: [
                {
                    selector: { dnsZones: [s.zone] },
                    dns01: { cloudflare: { apiTokenSecretRef: { name: dnsTokenSecretName(s.namespace), key: DNS_TOKEN_KEY } } },
                },
            ],
        },
    };
}

/** One host's certificate, renewed `renewBeforeDays` before it expires, with a fresh key each time. */
export function certificateSpec(host: string, namespace: string, renewBeforeDays: number) {
    return {
        secretName: tlsSecretName(host),
        dnsNames: [host],
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: issuerName(namespace) },
        duration: `${CERTIFICATE_DURATION_HOURS}h`,
        renewBefore: `${renewBeforeDays * 24}h`,
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    };
}
