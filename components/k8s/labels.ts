/**
 * Labels shared by every workload, so NetworkPolicies and policies can tell tiers apart:
 * application pods may reach the data tier, and nothing else may (DB-2).
 */
export const TIER_LABEL = "runbook.dev/tier";
export const ROLE_LABEL = "runbook.dev/role";

/** Application workloads (api, web, worker) carry `runbook.dev/tier: app`. */
export const APP_TIER = "app";
/** Databases and caches carry `runbook.dev/tier: data`. */
export const DATA_TIER = "data";
/** The backup and restore-drill jobs carry `runbook.dev/role: backup` and may reach the data tier. */
export const BACKUP_ROLE = "backup";
/** The R2 usage job carries `runbook.dev/role: r2-usage`: it reads Cloudflare's API, never the data tier (ST-2). */
export const R2_USAGE_ROLE = "r2-usage";

/**
 * The recommended labels of an object that is not a workload: `name` is what it serves (an app's
 * name, `gateway`, `runbook`), `component` what it is (`route`, `network-policy`, `certificate`), so
 * `kubectl get httproute,networkpolicy -l app.kubernetes.io/name=api` lists what serves the api.
 */
export function objectLabels(name: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "runbook",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

export function workloadLabels(name: string, component: string, tier: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "runbook",
        "app.kubernetes.io/managed-by": "pulumi",
        [TIER_LABEL]: tier,
    };
}

/** The restricted Pod Security Standard, for pods and containers (SC-5). */
export const RESTRICTED_POD_SECURITY = {
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
};
export const RESTRICTED_CONTAINER_SECURITY = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
};
