import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, forTypes, guidance, requirement } from "./meta";
import { MALFORMED, UNKNOWN, at, flag, keysAt, knownNumber, knownString, listAt, stringMap } from "./props";
import { DATA_PORTS, WORKLOAD_TYPES, containersOf, dataDirectoryOf, dataServerPorts, isDataTier, isWorkload, namespaceOf, podLabels, podSpec, serverOf, tokensOf } from "./workloadShape";
import { DATA_TIER, K8S_CONFIG_MAP, K8S_HTTP_ROUTE, K8S_NAMESPACE, K8S_NETWORK_POLICY, K8S_SECRET, K8S_SERVICE, K8S_STATEFUL_SET, PSA_ENFORCE_LABEL, TIER_LABEL } from "./vocabulary";

export { DATA_PORTS } from "./workloadShape";

/*
 * Kubernetes rules: the data tier's volumes and exposure, the restricted Pod Security profile for
 * every workload, namespaces and NetworkPolicies, and secrets kept out of plain objects.
 */

function kindOf(type: string): string {
    return type.split(":").pop() ?? type;
}

export const k8sDataVolumesRetained: ResourceValidationPolicy = {
    name: "k8s-data-volumes-retained",
    description:
        "DB-6: a data-tier workload (by label, or because it runs a database) keeps its data directory on a persistent volume, never emptyDir, hostPath or the container's own filesystem, and a StatefulSet's persistentVolumeClaimRetentionPolicy retains its volumes on delete and scale-down.",
    enforcementLevel: "mandatory",
    ...requirement("DB-6", "Production databases cannot be deleted by accident; a final snapshot is taken on decommission"),
    ...guidance("critical", "Run the datastore as a StatefulSet with a volumeClaimTemplate mounted at its data directory, and persistentVolumeClaimRetentionPolicy whenDeleted/whenScaled: Retain."),
    configSchema: {
        properties: {
            dataPorts: { type: "array", items: { type: "integer" }, default: DATA_PORTS, description: "Container ports that identify a datastore server." },
        },
    },
    validateResource: forTypes(WORKLOAD_TYPES, (args, reportViolation) => {
        const { dataPorts = DATA_PORTS } = args.getConfig<{ dataPorts?: number[] }>();
        if (!isDataTier(args.type, args.props, dataPorts)) args.notApplicable("not in the data tier");
        const what = `${kindOf(args.type)} '${args.name}'`;
        const spec = podSpec(args.type, args.props);
        const claimTemplates = new Set(listAt(args.props, "spec", "volumeClaimTemplates").map((t) => knownString(at(t, "metadata", "name"))).filter((n): n is string => !!n));
        const volumes = new Map(listAt(spec, "volumes").map((v) => [knownString(at(v, "name")) ?? "", v]));
        const persistent = (name: string) => claimTemplates.has(name) || at(volumes.get(name), "persistentVolumeClaim") !== undefined;
        let servers = 0;
        for (const c of containersOf(spec)) {
            const store = serverOf(c.value, dataPorts);
            if (store === undefined || c.kind === "init container") continue;
            servers++;
            const dir = dataDirectoryOf(store, c.value);
            const mounts = listAt(c.value, "volumeMounts")
                .map((m) => ({ path: knownString(at(m, "mountPath")) ?? "", name: knownString(at(m, "name")) ?? "" }))
                .filter((m) => m.path !== "" && (dir === m.path || dir.startsWith(m.path.endsWith("/") ? m.path : `${m.path}/`)))
                .sort((a, b) => b.path.length - a.path.length);
            const mount = mounts[0];
            if (mount === undefined) {
                reportViolation(`${what} ${c.kind} '${c.name}' keeps its ${store} data in ${dir} on the container's own filesystem, lost with the pod. Mount a persistent volume (a volumeClaimTemplate) at ${dir}.`);
            } else if (!persistent(mount.name)) {
                const volume = volumes.get(mount.name);
                const type = volume === undefined ? "an undeclared volume" : (keysAt(volume).find((k) => k !== "name") ?? "a volume");
                reportViolation(`${what} ${c.kind} '${c.name}' keeps its ${store} data in ${dir} on ${type} '${mount.name}', which does not outlive the pod. Use a volumeClaimTemplate (a retained PersistentVolumeClaim) for ${dir}.`);
            }
        }
        if (args.type !== K8S_STATEFUL_SET) return;
        if (claimTemplates.size === 0 && servers === 0 && ![...volumes.keys()].some(persistent)) {
            reportViolation(`StatefulSet '${args.name}' is in the data tier but has no volumeClaimTemplates: its data lives on the node and is lost with the pod. Add a volumeClaimTemplate for the data directory.`);
        }
        // Kubernetes retains when the policy is unset; only an explicit Delete loses data.
        for (const when of ["whenDeleted", "whenScaled"] as const) {
            const value = at(args.props, "spec", "persistentVolumeClaimRetentionPolicy", when);
            if (value === UNKNOWN) cannotCheckYet(reportViolation, "k8s-data-volumes-retained", args.urn, `persistentVolumeClaimRetentionPolicy.${when} of '${args.name}'`);
            else if (value !== undefined && value !== null && value !== "Retain") {
                reportViolation(
                    `StatefulSet '${args.name}' sets persistentVolumeClaimRetentionPolicy.${when}: ${JSON.stringify(value)}, so its data volumes are deleted ${when === "whenDeleted" ? "with the StatefulSet" : "when it scales down"}. Set ${when}: Retain.`,
                );
            }
        }
    }),
};

interface DataPods {
    /** Pod labels of data-tier workloads by namespace and label pair. */
    index: Map<string, Array<Record<string, string>>>;
    /** Named and numbered ports of their datastore servers, by namespace. */
    ports: Map<string, Map<string, number>>;
}

/**
 * Pod labels of every data-tier workload, indexed by namespace and one label pair, so that matching
 * a selector costs the candidates sharing its first pair, not a scan of the stack.
 */
const dataPodsCache = new WeakMap<PolicyResource[], Map<string, DataPods>>();

/** The stack's data pods; the offline plan hands every stack policy the same resource list, so two policies share one scan. */
function dataPods(resources: PolicyResource[], dataPorts: number[]): DataPods {
    const key = dataPorts.join(",");
    let byPorts = dataPodsCache.get(resources);
    if (!byPorts) dataPodsCache.set(resources, (byPorts = new Map()));
    let pods = byPorts.get(key);
    if (!pods) byPorts.set(key, (pods = scanDataPods(resources, dataPorts)));
    return pods;
}

function scanDataPods(resources: PolicyResource[], dataPorts: number[]): DataPods {
    const index = new Map<string, Array<Record<string, string>>>();
    const ports = new Map<string, Map<string, number>>();
    for (const r of resources) {
        if (!isWorkload(r.type) || !isDataTier(r.type, r.props, dataPorts)) continue;
        const labels = podLabels(r.type, r.props);
        const ns = namespaceOf(r.props);
        for (const [k, v] of Object.entries(labels)) {
            const key = `${ns}\u0000${k}=${v}`;
            index.set(key, [...(index.get(key) ?? []), labels]);
        }
        const named = ports.get(ns) ?? new Map<string, number>();
        for (const [name, number] of dataServerPorts(r.type, r.props, dataPorts)) named.set(name, number);
        ports.set(ns, named);
    }
    return { index, ports };
}

/** True when a label selector (matchLabels form) selects any data pod of the namespace. An empty selector selects every pod. */
function selectsDataPods(ns: string, selector: Record<string, string>, pods: DataPods, emptySelectsAll: boolean): boolean {
    const pairs = Object.entries(selector);
    if (pairs.length === 0) return emptySelectsAll && [...pods.index.keys()].some((k) => k.startsWith(`${ns}\u0000`));
    if (selector[TIER_LABEL] === DATA_TIER) return true;
    const [k, v] = pairs[0];
    return (pods.index.get(`${ns}\u0000${k}=${v}`) ?? []).some((labels) => pairs.every(([key, value]) => labels[key] === value));
}

export const k8sNoPublicDataService: StackValidationPolicy = {
    name: "k8s-no-public-data-service",
    description:
        "DB-2: no LoadBalancer or NodePort Service, and no Service with externalIPs, reaches data-tier pods (however its selector picks them) or a database port (the configured ports and the datastore containers' own ports); the data tier is reached from inside the cluster only.",
    enforcementLevel: "mandatory",
    ...requirement("DB-2", "The database is reachable only from the application tier, never publicly"),
    ...guidance("critical", "Use type ClusterIP without externalIPs for any Service in front of a datastore; applications reach it inside the cluster."),
    configSchema: {
        properties: {
            dataPorts: { type: "array", items: { type: "integer" }, default: DATA_PORTS, description: "Ports that only the data tier listens on." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { dataPorts = DATA_PORTS } = args.getConfig<{ dataPorts?: number[] }>();
        const pods = dataPods(args.resources, dataPorts);
        for (const service of args.resources) {
            if (service.type !== K8S_SERVICE) continue;
            const spec = at(service.props, "spec");
            const type = at(spec, "type") ?? "ClusterIP";
            if (type === UNKNOWN || at(spec, "externalIPs") === UNKNOWN) {
                cannotCheckYet(reportViolation, "k8s-no-public-data-service", service.urn, `the type of Service '${service.name}'`);
                continue;
            }
            const exposure = type === "LoadBalancer" || type === "NodePort" ? `type ${type}` : listAt(spec, "externalIPs").length > 0 ? "externalIPs" : undefined;
            if (exposure === undefined) continue;
            const ns = namespaceOf(service.props);
            const named = pods.ports.get(ns) ?? new Map<string, number>();
            const exposed = new Set<string>();
            for (const p of listAt(spec, "ports")) {
                for (const value of [at(p, "port"), at(p, "targetPort")]) {
                    const number = knownNumber(value);
                    if (number !== undefined && (dataPorts.includes(number) || [...named.values()].includes(number))) exposed.add(String(number));
                    else if (typeof value === "string" && named.has(value)) exposed.add(`${value} (${named.get(value)})`);
                }
            }
            const reasons: string[] = [];
            if (selectsDataPods(ns, stringMap(at(spec, "selector")), pods, false)) reasons.push("selects data-tier pods");
            if (exposed.size > 0) reasons.push(`exposes database port ${[...exposed].join(", ")}`);
            if (reasons.length === 0) continue;
            reportViolation(
                `Service '${service.name}' is reachable from outside the cluster (${exposure}) and ${reasons.join(" and ")}. Use type ClusterIP without externalIPs; applications reach the database inside the cluster.`,
                service.urn,
            );
        }
    },
};

/** Capabilities the restricted profile lets a container add. */
const ADDABLE = new Set(["NET_BIND_SERVICE"]);
const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"] as const;

/**
 * What breaks the restricted Pod Security profile in a pod spec, pod-level first. A setting only
 * known after `pulumi up` is named in `unknowns` and never counts as compliant or as a violation.
 */
export function restrictedProblems(spec: unknown, unknowns: string[] = []): Array<{ where: string; problems: string[] }> {
    const out: Array<{ where: string; problems: string[] }> = [];
    const podProblems: string[] = [];
    const known = (v: unknown, name: string) => {
        if (v === UNKNOWN) unknowns.push(name);
        return v !== UNKNOWN;
    };
    for (const key of HOST_NAMESPACES) {
        const v = at(spec, key);
        const f = flag(v);
        if (known(v, `pod ${key}`) && (f === true || f === MALFORMED)) podProblems.push(f === true ? `${key} is true` : `${key} is ${JSON.stringify(v)}, no boolean`);
    }
    for (const v of listAt(spec, "volumes")) {
        if (v === UNKNOWN) unknowns.push("pod volumes");
        else if (at(v, "hostPath") !== undefined) podProblems.push(`volume '${knownString(at(v, "name")) ?? "?"}' is a hostPath`);
    }
    const podSecurity = at(spec, "securityContext");
    const podSeccomp = at(podSecurity, "seccompProfile", "type");
    if (podSeccomp === "Unconfined") podProblems.push("seccompProfile is Unconfined");
    if (podProblems.length > 0) out.push({ where: "pod", problems: podProblems });
    for (const c of containersOf(spec)) {
        const security = at(c.value, "securityContext");
        const problems: string[] = [];
        const name = (field: string) => `${c.kind} '${c.name}' ${field}`;
        const runAsNonRoot = at(security, "runAsNonRoot") ?? at(podSecurity, "runAsNonRoot");
        const runAsUser = at(security, "runAsUser") ?? at(podSecurity, "runAsUser");
        if (known(runAsNonRoot, name("runAsNonRoot")) && flag(runAsNonRoot) !== true) problems.push("runAsNonRoot is not true");
        if (known(runAsUser, name("runAsUser")) && knownNumber(runAsUser) === 0) problems.push("runAsUser is 0 (root)");
        const escalation = at(security, "allowPrivilegeEscalation");
        if (known(escalation, name("allowPrivilegeEscalation")) && flag(escalation) !== false) problems.push("allowPrivilegeEscalation is not false");
        const privileged = flag(at(security, "privileged"));
        if (known(privileged, name("privileged")) && (privileged === true || privileged === MALFORMED)) problems.push(privileged === true ? "privileged is true" : `privileged is ${JSON.stringify(at(security, "privileged"))}, no boolean`);
        const drop = at(security, "capabilities", "drop");
        const dropped = listAt(security, "capabilities", "drop");
        if (known(drop, name("capabilities.drop")) && !dropped.includes("ALL") && known(dropped.includes(UNKNOWN) ? UNKNOWN : "", name("capabilities.drop"))) problems.push("capabilities.drop does not include ALL");
        const add = at(security, "capabilities", "add");
        const addedList = listAt(security, "capabilities", "add");
        if (addedList.includes(UNKNOWN)) unknowns.push(name("capabilities.add"));
        const added = known(add, name("capabilities.add")) ? addedList.filter((cap) => cap !== UNKNOWN && !ADDABLE.has(String(cap).toUpperCase().replace(/^CAP_/, ""))) : [];
        if (added.length > 0) problems.push(`capabilities.add has ${added.map((x) => String(x)).join(", ")}`);
        const seccomp = at(security, "seccompProfile", "type") ?? podSeccomp;
        if (known(seccomp, name("seccompProfile.type")) && seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
            problems.push(seccomp === undefined ? "no seccompProfile (RuntimeDefault) is set" : `seccompProfile is ${String(seccomp)}`);
        }
        for (const port of listAt(c.value, "ports")) {
            const hostPort = at(port, "hostPort");
            if (known(hostPort, name("hostPort")) && isSetNumber(hostPort)) problems.push(`hostPort ${String(hostPort)}`);
        }
        if (problems.length > 0) out.push({ where: `${c.kind} '${c.name}'`, problems });
    }
    return out;
}

function isSetNumber(v: unknown): boolean {
    const n = knownNumber(v);
    return n !== undefined && n !== 0;
}

export const k8sRestrictedSecurity: ResourceValidationPolicy = {
    name: "k8s-restricted-security",
    description:
        "SC-5: every workload (data tier, apps and jobs alike) meets the restricted Pod Security profile in every container, init containers included: non-root, no privilege escalation, all capabilities dropped and none added, seccomp RuntimeDefault, no privileged container, host namespace, hostPath or hostPort.",
    enforcementLevel: "mandatory",
    ...requirement("SC-5", "Workloads run with least privilege (non-root, no privilege escalation, network isolation)"),
    ...guidance(
        "high",
        "Set securityContext runAsNonRoot: true with a non-zero runAsUser, allowPrivilegeEscalation: false, capabilities.drop: [ALL], seccompProfile.type: RuntimeDefault; remove privileged, hostNetwork/hostPID/hostIPC, hostPath volumes and hostPort.",
    ),
    validateResource: forTypes(WORKLOAD_TYPES, (args, reportViolation) => {
        const spec = podSpec(args.type, args.props);
        if (spec === UNKNOWN) {
            cannotCheckYet(reportViolation, "k8s-restricted-security", args.urn, `the pod spec of '${args.name}'`);
            return;
        }
        const unknowns: string[] = [];
        for (const { where, problems } of restrictedProblems(spec, unknowns)) {
            reportViolation(`${kindOf(args.type)} '${args.name}' ${where}: ${problems.join("; ")}. The restricted Pod Security profile rejects this pod.`);
        }
        if (unknowns.length > 0) cannotCheckYet(reportViolation, "k8s-restricted-security", args.urn, unknowns.join(", "));
    }),
};

export const k8sNamespaceRestricted: StackValidationPolicy = {
    name: "k8s-namespace-restricted",
    description: "SC-5: every Namespace the stack declares that runs a workload of the stack enforces the restricted Pod Security level (label pod-security.kubernetes.io/enforce: restricted).",
    enforcementLevel: "mandatory",
    ...requirement("SC-5", "Workloads run with least privilege (non-root, no privilege escalation, network isolation)"),
    ...guidance("high", "Label the Namespace pod-security.kubernetes.io/enforce: restricted (and enforce-version: latest)."),
    validateStack: (args, reportViolation) => {
        const used = new Set(args.resources.filter((r) => isWorkload(r.type)).map((r) => namespaceOf(r.props)));
        for (const ns of args.resources.filter((r) => r.type === K8S_NAMESPACE)) {
            const name = at(ns.props, "metadata", "name");
            if (typeof name !== "string" || !used.has(name)) continue;
            const level = at(ns.props, "metadata", "labels", PSA_ENFORCE_LABEL);
            if (level === UNKNOWN) cannotCheckYet(reportViolation, "k8s-namespace-restricted", ns.urn, `the Pod Security labels of namespace '${name}'`);
            else if (level !== "restricted") {
                reportViolation(
                    `Namespace '${name}' runs workloads but enforces Pod Security level ${level === undefined ? "none (no pod-security.kubernetes.io/enforce label)" : JSON.stringify(level)}. Label it ${PSA_ENFORCE_LABEL}: restricted.`,
                    ns.urn,
                );
            }
        }
    },
};

/** Public ranges: anything but loopback, link-local and the private ranges (IPv4 and IPv6). */
function isPublicCidr(cidr: string): boolean {
    return !/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.|f[cd][0-9a-f]{2}:|fe80:|::1\/)/i.test(cidr.trim());
}

/** True for a range that is most of the internet: 0.0.0.0/0, ::/0, or a public block of /8 or wider. */
function isInternetWide(cidr: string): boolean {
    const prefix = Number(cidr.split("/")[1]);
    return isPublicCidr(cidr) && Number.isFinite(prefix) && (cidr.includes(":") ? prefix <= 16 : prefix <= 8);
}

/** What in an egress rule lets pods reach everything: no 'to', an empty peer, or the internet, on every port. */
function openDestinations(rule: unknown, unknowns: string[]): string[] {
    const to = at(rule, "to");
    if (to === UNKNOWN || listAt(rule, "ports").includes(UNKNOWN)) {
        unknowns.push("its destinations or ports");
        return [];
    }
    if (listAt(rule, "ports").length > 0) return [];
    if (to === undefined || to === null || (Array.isArray(to) && to.length === 0)) return ["every destination (no 'to')"];
    const found: string[] = [];
    for (const peer of listAt(rule, "to")) {
        if (peer === UNKNOWN) {
            unknowns.push("a destination");
            continue;
        }
        const cidr = knownString(at(peer, "ipBlock", "cidr"));
        if (cidr !== undefined && isInternetWide(cidr)) found.push(`ipBlock ${cidr}`);
        if (keysAt(peer).length === 0) found.push("every pod (an empty peer)");
    }
    return found;
}

/** What in an ingress rule admits too much: every source, a public range, or every namespace. */
function openSources(rule: unknown, unknowns: string[] = []): string[] {
    const from = at(rule, "from");
    if (from === UNKNOWN) {
        unknowns.push("its sources");
        return [];
    }
    if (from === undefined || from === null || (Array.isArray(from) && from.length === 0)) return ["every source (no 'from')"];
    const found: string[] = [];
    for (const peer of listAt(rule, "from")) {
        if (peer === UNKNOWN || at(peer, "ipBlock", "cidr") === UNKNOWN || at(peer, "namespaceSelector") === UNKNOWN) {
            unknowns.push("a source");
            continue;
        }
        const cidr = knownString(at(peer, "ipBlock", "cidr"));
        if (cidr !== undefined && isPublicCidr(cidr)) found.push(`ipBlock ${cidr}`);
        const nsSelector = at(peer, "namespaceSelector");
        if (nsSelector !== undefined && nsSelector !== null && keysAt(nsSelector, "matchLabels").length === 0 && listAt(nsSelector, "matchExpressions").length === 0) {
            found.push("every namespace (empty namespaceSelector)");
        }
        if (keysAt(peer).length === 0) found.push("every pod (an empty peer)");
    }
    return found;
}

/**
 * Pods only the Gateway should reach: those a Service selects that an HTTPRoute sends traffic to
 * (recognised by what routes to them, not by a label).
 */
function gatewayBackendPods(resources: PolicyResource[]): Array<{ ns: string; labels: Record<string, string> }> {
    const backends = new Set<string>();
    for (const route of resources.filter((r) => r.type === K8S_HTTP_ROUTE)) {
        const routeNs = namespaceOf(route.props);
        for (const rule of listAt(route.props, "spec", "rules")) {
            for (const ref of listAt(rule, "backendRefs")) {
                const kind = at(ref, "kind") ?? "Service";
                const name = knownString(at(ref, "name"));
                if (kind === "Service" && name !== undefined) backends.add(`${knownString(at(ref, "namespace")) ?? routeNs}/${name}`);
            }
        }
    }
    const selectors = resources
        .filter((r) => r.type === K8S_SERVICE && backends.has(`${namespaceOf(r.props)}/${knownString(at(r.props, "metadata", "name")) ?? ""}`))
        .map((s) => ({ ns: namespaceOf(s.props), selector: stringMap(at(s.props, "spec", "selector")) }))
        .filter((s) => Object.keys(s.selector).length > 0);
    const pods: Array<{ ns: string; labels: Record<string, string> }> = [];
    for (const w of resources) {
        if (!isWorkload(w.type)) continue;
        const ns = namespaceOf(w.props);
        const labels = podLabels(w.type, w.props);
        if (selectors.some((s) => s.ns === ns && Object.entries(s.selector).every(([k, v]) => labels[k] === v))) pods.push({ ns, labels });
    }
    return pods;
}

/** True when a NetworkPolicy's pod selector picks any of these pods (an empty selector picks every pod; matchExpressions are read as matching). */
function selectsAnyOf(ns: string, selector: unknown, pods: Array<{ ns: string; labels: Record<string, string> }>): boolean {
    const labels = stringMap(at(selector, "matchLabels"));
    return pods.some((p) => p.ns === ns && Object.entries(labels).every(([k, v]) => p.labels[k] === v));
}

export const k8sNetworkIsolation: StackValidationPolicy = {
    name: "k8s-network-isolation",
    description:
        "SC-5: no NetworkPolicy admits every source on every port or lets pods reach every destination (no 'to', an empty peer or the internet) on every port; nothing admits a public range, every namespace or every source to data-tier pods (recognised by label or by what they run) or to the pods only the Gateway should reach (the backends of HTTPRoutes). The default-deny policy each app namespace needs is k8s-namespace-network-policy.",
    enforcementLevel: "mandatory",
    ...requirement(["SC-5", "DB-2"], "Workloads run with least privilege (non-root, no privilege escalation, network isolation)"),
    ...guidance(
        "high",
        "Admit named pods or labelled namespaces, on named ports: never an empty 'from', an empty namespaceSelector or a public ipBlock, and to the data tier only the app tier and the backup job by pod label.",
    ),
    configSchema: {
        properties: {
            dataPorts: { type: "array", items: { type: "integer" }, default: DATA_PORTS, description: "Container ports that identify a datastore server." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { dataPorts = DATA_PORTS } = args.getConfig<{ dataPorts?: number[] }>();
        const pods = dataPods(args.resources, dataPorts);
        const gatewayOnly = gatewayBackendPods(args.resources);
        const policies = args.resources.filter((r) => r.type === K8S_NETWORK_POLICY);
        for (const policy of policies) {
            const spec = at(policy.props, "spec");
            if (spec === UNKNOWN || at(spec, "ingress") === UNKNOWN || at(spec, "egress") === UNKNOWN || at(spec, "podSelector") === UNKNOWN || at(spec, "policyTypes") === UNKNOWN) {
                cannotCheckYet(reportViolation, "k8s-network-isolation", policy.urn, `the rules of NetworkPolicy '${policy.name}'`);
                continue;
            }
            const unknowns: string[] = [];
            const types = listAt(spec, "policyTypes").map(String);
            const ns = namespaceOf(policy.props);
            const selector = at(spec, "podSelector");
            // Egress: a policy that lists egress rules restricts egress whatever policyTypes says.
            listAt(spec, "egress").forEach((rule, i) => {
                if (rule === UNKNOWN) {
                    unknowns.push(`egress[${i}]`);
                    return;
                }
                const open = openDestinations(rule, unknowns);
                if (open.length > 0) {
                    reportViolation(`NetworkPolicy '${policy.name}' egress[${i}] lets its pods reach ${open.join(", ")} on every port: a compromised pod can send data anywhere. Name the destinations and the ports (443 to the internet, the data tier on its port).`, policy.urn);
                }
            });
            if (types.length === 0 || types.includes("Ingress")) {
                const toData = selectsDataPods(ns, stringMap(at(selector, "matchLabels")), pods, listAt(selector, "matchExpressions").length === 0);
                const toGatewayOnly = selectsAnyOf(ns, selector, gatewayOnly);
                listAt(spec, "ingress").forEach((rule, i) => {
                    if (rule === UNKNOWN) {
                        unknowns.push(`ingress[${i}]`);
                        return;
                    }
                    const open = openSources(rule, unknowns);
                    const allPorts = listAt(rule, "ports").length === 0;
                    if (open.includes("every source (no 'from')") && allPorts) {
                        reportViolation(`NetworkPolicy '${policy.name}' ingress[${i}] admits every source on every port, which undoes isolation. Name the pods or namespaces it admits, and the ports.`, policy.urn);
                    } else if (toData && open.length > 0) {
                        reportViolation(`NetworkPolicy '${policy.name}' ingress[${i}] lets ${open.join(", ")} reach data-tier pods. Admit only the app tier and the backup job by pod label.`, policy.urn);
                    } else if (toGatewayOnly && open.length > 0) {
                        reportViolation(`NetworkPolicy '${policy.name}' ingress[${i}] lets ${open.join(", ")} reach pods that only the Gateway should reach (the backends of HTTPRoutes), past its TLS, headers and limits. Admit the Gateway's pods by namespace and pod label, the apps and the monitoring namespace.`, policy.urn);
                    }
                });
            }
            if (unknowns.length > 0) cannotCheckYet(reportViolation, "k8s-network-isolation", policy.urn, `${[...new Set(unknowns)].join(", ")} of NetworkPolicy '${policy.name}'`);
        }
    },
};

/** Key names that hold secrets (SC-1): a ConfigMap is readable by anyone who can read the namespace's config. */
const SECRET_KEY = /(passw(or)?d|(^|[-_.])pass($|[-_.])|secret|token|api[-_]?key|private[-_]?key|credential|(^|[-_.])auth($|[-_.])|connection[-_]?string)/i;
const SECRET_LINE = /^\s*(requirepass|masterauth|masterpassword)\s+\S+/im;
/** The words alone, searched first: the anchored line expression tries every position of a long script. */
const SECRET_WORD = /requirepass|masterauth|masterpassword/i;
// Searched from its literal "://" (a scheme before it changes nothing), so long values scan in one pass.
const URL_WITH_PASSWORD = /:\/\/[^\s/:@]*:[^\s/@]+@/;

export const k8sNoSecretsInConfigMaps: StackValidationPolicy = {
    name: "k8s-no-secrets-in-configmaps",
    description: "SC-1: no ConfigMap holds a secret: no secret-like key (password, token, secret, api key, credentials, connection URL), no requirepass/masterauth line, no URL with a password.",
    enforcementLevel: "mandatory",
    ...requirement("SC-1", "Secrets live in a secrets store, never in git or plain config, never logged"),
    ...guidance("critical", "Move the value into a Kubernetes Secret built from a secret Output, and read it through secretKeyRef or a mounted Secret volume."),
    validateStack: (args, reportViolation) => {
        for (const cm of args.resources.filter((r) => r.type === K8S_CONFIG_MAP)) {
            for (const section of ["data", "binaryData"]) {
                if (at(cm.props, section) === UNKNOWN) {
                    cannotCheckYet(reportViolation, "k8s-no-secrets-in-configmaps", cm.urn, `the ${section} of ConfigMap '${cm.name}'`);
                    continue;
                }
                for (const key of keysAt(cm.props, section)) {
                    const value = at(cm.props, section, key);
                    const problems: string[] = [];
                    if (SECRET_KEY.test(key.replace(/\.(conf|ya?ml|json|js|sh|txt|ini|env|toml)$/i, ""))) problems.push(`key '${key}' names a secret`);
                    if (value === UNKNOWN) {
                        // Only known after `pulumi up` (built from another resource's output): it may
                        // hold a requirepass line or a URL with a password, so it never passes silently.
                        cannotCheckYet(reportViolation, "k8s-no-secrets-in-configmaps", cm.urn, `the value of '${key}' in ConfigMap '${cm.name}' (a requirepass line or a URL with a password)`);
                    } else if (typeof value === "string") {
                        const line = SECRET_WORD.test(value) ? SECRET_LINE.exec(value) : null;
                        if (line) problems.push(`'${key}' has a ${line[1]} line`);
                        if (URL_WITH_PASSWORD.test(value)) problems.push(`'${key}' has a URL with a password`);
                    }
                    if (problems.length > 0) {
                        // Never print the value.
                        reportViolation(`ConfigMap '${cm.name}': ${problems.join("; ")}. Put secrets in a Secret and read them through secretKeyRef.`, cm.urn);
                    }
                }
            }
        }
    },
};

/** The offline plan writes every secret value as this marker; the policy server passes secrets unwrapped. */
const SECRET_MARKER = "[secret]";
const UNKNOWN_MARKER = "[unknown]";

export const k8sSecretValuesNotLiteral: ResourceValidationPolicy = {
    name: "k8s-secret-values-not-literal",
    description:
        "SC-1: (offline only) every value of a Kubernetes Secret's data and stringData is a secret Output. A plain string in the plan is a literal that reached the resource unmarked. Checked by `runbook plan` and `runbook check`; `pulumi preview` unwraps secrets before policies see them and skips the policy.",
    enforcementLevel: "mandatory",
    ...requirement(["SC-1", "SC-3"], "Secrets live in a secrets store, never in git or plain config, never logged"),
    ...guidance("critical", "Build the Secret's data from secret Outputs (config.requireSecret, a RandomPassword's result, pulumi.secret()), never from a literal."),
    validateResource: forTypes([K8S_SECRET], (args, reportViolation) => {
        if (typeof (args.opts as { retainOnDelete?: unknown }).retainOnDelete !== "boolean") args.notApplicable("the policy server unwraps secrets; runbook check enforces this offline");
        const literal: string[] = [];
        for (const section of ["data", "stringData"]) {
            const values = at(args.props, section);
            if (values === UNKNOWN || values === SECRET_MARKER || values === UNKNOWN_MARKER || values === undefined || values === null) continue;
            for (const key of keysAt(values)) {
                const v = at(values, key);
                if (typeof v === "string" && v !== SECRET_MARKER && v !== UNKNOWN_MARKER) literal.push(`${section}.${key}`);
            }
        }
        if (literal.length > 0) {
            reportViolation(`Secret '${args.name}' holds plain, unmarked values in ${literal.join(", ")} (offline-only check). Build them from secret Outputs; a literal in code or config is readable in the program and the state.`);
        }
    }),
};

const MONGODB_FIX = "Start mongod with --auth and --keyFile <path> (the keyfile from a Secret), as the MongoDB component does.";

export const mongodbRequiresAuth: ResourceValidationPolicy = {
    name: "mongodb-requires-auth",
    description: "SC-5: every MongoDB server the stack runs (recognised by image or command) starts with --auth and a --keyFile, so clients and replica-set members must authenticate.",
    enforcementLevel: "mandatory",
    ...requirement(["SC-5", "DB-2"], "Workloads run with least privilege (non-root, no privilege escalation, network isolation)"),
    ...guidance("critical", MONGODB_FIX),
    validateResource: forTypes(WORKLOAD_TYPES, (args, reportViolation) => {
        for (const c of containersOf(podSpec(args.type, args.props))) {
            if (c.kind === "init container" || serverOf(c.value, DATA_PORTS) !== "mongodb") continue;
            const tokens = tokensOf(c.value);
            if (at(c.value, "args") === UNKNOWN || at(c.value, "command") === UNKNOWN) {
                cannotCheckYet(reportViolation, "mongodb-requires-auth", args.urn, `the command line of MongoDB container '${c.name}'`);
                continue;
            }
            const missing: string[] = [];
            if (!tokens.includes("--auth")) missing.push("--auth");
            const keyFile = tokens.findIndex((t) => /^--keyFile(=|$)/.test(t));
            if (keyFile < 0 || (!tokens[keyFile].includes("=") && (tokens[keyFile + 1] === undefined || tokens[keyFile + 1].startsWith("--")))) missing.push("--keyFile <path>");
            if (missing.length > 0) {
                reportViolation(`${kindOf(args.type)} '${args.name}' MongoDB container '${c.name}' starts without ${missing.join(" and ")}, so it serves unauthenticated clients or members. ${MONGODB_FIX}`);
            }
        }
    }),
};

export function isDataWorkload(r: { type: string; props: unknown }): boolean {
    return isWorkload(r.type) && isDataTier(r.type, r.props);
}
