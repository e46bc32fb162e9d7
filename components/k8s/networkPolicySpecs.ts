import * as k8s from "./kubernetes";
import type { DnsEgress } from "../../config/resolve";
import { APP_TIER, DATA_TIER, TIER_LABEL } from "./labels";

/*
 * The namespace's network isolation (SC-5, DB-2), as pure specs: nothing may talk to anything
 * unless a policy allows it. These allow what every pod needs (DNS) and what the app tier needs
 * (the data tier, AWS data stores, other apps, HTTPS out). Ingress to the apps from the Gateway and
 * from monitoring, and the backup jobs' egress, are declared beside those components.
 */

/** Ports of PostgreSQL, MongoDB and Redis. */
export const DATA_PORTS = { postgres: 5432, mongodb: 27017, redis: 6379 };
export const DNS_PORT = 53;
export const HTTPS_PORT = 443;
/** The label every namespace carries with its own name (Kubernetes 1.22+). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

const appPods = { matchLabels: { [TIER_LABEL]: APP_TIER } };
const tcp = (port: number): k8s.types.input.networking.v1.NetworkPolicyPort => ({ protocol: "TCP", port });

/** Deny every connection in and out of every pod of the namespace, unless another policy allows it. */
export function defaultDenySpec(): k8s.types.input.networking.v1.NetworkPolicySpec {
    return { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
}

/**
 * Every pod may resolve names: the DNS pods of one namespace (all of them, or those with
 * `podLabels`), and DNS servers by address. A node-local cache on the host network at a link-local
 * address matches no selector, so it can only be admitted by address (kubernetes.dnsEgress, SC-5).
 */
export function dnsEgressSpec(dns: DnsEgress): k8s.types.input.networking.v1.NetworkPolicySpec {
    const inNamespace: k8s.types.input.networking.v1.NetworkPolicyPeer = { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: dns.namespace } } };
    if (Object.keys(dns.podLabels).length > 0) inNamespace.podSelector = { matchLabels: dns.podLabels };
    return {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
            {
                to: [inNamespace, ...dns.cidrs.map((cidr) => ({ ipBlock: { cidr } }))],
                ports: [
                    { protocol: "UDP", port: DNS_PORT },
                    { protocol: "TCP", port: DNS_PORT },
                ],
            },
        ],
    };
}

export interface AppEgressInput {
    /** The apps' `http` ports, which other apps may call. */
    appPorts: number[];
    /** Where AWS data stores live (the VPC CIDR), and their ports; empty when nothing is in AWS. */
    awsData: { cidrs: string[]; ports: number[] };
}

/**
 * DB-2: app pods (and their migration Jobs) may open connections to the in-cluster data tier, to AWS
 * data stores on their ports, to other apps' `http` ports, and to HTTPS anywhere (APIs, R2).
 */
export function appEgressSpec(input: AppEgressInput): k8s.types.input.networking.v1.NetworkPolicySpec {
    const ports = [...new Set(input.appPorts)].sort((a, b) => a - b);
    const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [
        { to: [{ podSelector: { matchLabels: { [TIER_LABEL]: DATA_TIER } } }], ports: [DATA_PORTS.postgres, DATA_PORTS.mongodb, DATA_PORTS.redis].map(tcp) },
    ];
    if (input.awsData.cidrs.length > 0 && input.awsData.ports.length > 0) {
        egress.push({ to: input.awsData.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: input.awsData.ports.map(tcp) });
    }
    if (ports.length > 0) egress.push({ to: [{ podSelector: appPods }], ports: ports.map(tcp) });
    egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp(HTTPS_PORT)] });
    return { podSelector: appPods, policyTypes: ["Egress"], egress };
}

/** Apps may call each other's `http` port inside the namespace (a web front end calling its API). */
export function appIngressFromAppsSpec(appPorts: number[]): k8s.types.input.networking.v1.NetworkPolicySpec | undefined {
    const ports = [...new Set(appPorts)].sort((a, b) => a - b);
    if (ports.length === 0) return undefined;
    return { podSelector: appPods, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: appPods }], ports: ports.map(tcp) }] };
}

/**
 * The AWS data stores' location and ports. Where they live is the resolved network's `dataCidrs`
 * (config/model.ts): the created VPC's CIDR, or any address for an existing VPC whose CIDR the stack
 * does not know (the data stores' security groups do the narrowing there, DB-2).
 */
export function awsDataDestinations(network: { dataCidrs: string[] } | undefined, stores: { postgres: boolean; redis: boolean }): { cidrs: string[]; ports: number[] } {
    if (network === undefined) return { cidrs: [], ports: [] };
    const ports = [...(stores.postgres ? [DATA_PORTS.postgres] : []), ...(stores.redis ? [DATA_PORTS.redis] : [])];
    return { cidrs: network.dataCidrs, ports };
}
