import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { requirement } from "./meta";

/*
 * Kubernetes data-tier rules. Workloads say what they are with labels (components/k8s/labels.ts):
 * `runbook.dev/tier: data` marks databases and caches. The pack does not import the program's
 * components, so the label names are repeated here; a test keeps the two in step.
 */

export const TIER_LABEL = "runbook.dev/tier";
export const DATA_TIER = "data";

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const SERVICE = "kubernetes:core/v1:Service";

type Obj = Record<string, any>;

/** Where each workload kind keeps its pod template. */
const POD_TEMPLATE_PATHS: Record<string, string[]> = {
    "kubernetes:apps/v1:StatefulSet": ["spec", "template"],
    "kubernetes:apps/v1:Deployment": ["spec", "template"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template"],
    "kubernetes:batch/v1:Job": ["spec", "template"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
    "kubernetes:core/v1:Pod": [],
};

function obj(value: unknown): Obj {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : {};
}

function list(value: unknown): Obj[] {
    return Array.isArray(value) ? value.map(obj) : [];
}

function podTemplate(type: string, props: Obj): Obj | undefined {
    const path = POD_TEMPLATE_PATHS[type];
    if (path === undefined) return undefined;
    return path.reduce((o, key) => obj(o[key]), props);
}

/** Labels of the pods a workload runs. */
function podLabels(type: string, props: Obj): Record<string, string> {
    return obj(obj(podTemplate(type, props)?.metadata).labels);
}

/** A workload is in the data tier when the object or its pods carry `runbook.dev/tier: data`. */
function isDataTier(type: string, props: Obj): boolean {
    return obj(obj(props.metadata).labels)[TIER_LABEL] === DATA_TIER || podLabels(type, props)[TIER_LABEL] === DATA_TIER;
}

function namespaceOf(props: Obj): string {
    const ns = obj(props.metadata).namespace;
    return typeof ns === "string" && ns !== "" ? ns : "default";
}

export const k8sDataVolumesRetained: ResourceValidationPolicy = {
    name: "k8s-data-volumes-retained",
    description:
        "DB-6: a data-tier StatefulSet keeps its data on volumes from volumeClaimTemplates, and its persistentVolumeClaimRetentionPolicy retains them when the StatefulSet is deleted or scaled down.",
    enforcementLevel: "mandatory",
    ...requirement("DB-6", "Production databases cannot be deleted by accident; a final snapshot is taken on decommission"),
    validateResource: (args, reportViolation) => {
        if (args.type !== STATEFUL_SET) args.notApplicable("only StatefulSets have volumeClaimTemplates");
        if (!isDataTier(args.type, args.props)) args.notApplicable("not in the data tier");
        const spec = obj(args.props.spec);
        const templates = list(spec.volumeClaimTemplates);
        if (templates.length === 0) {
            const claims = list(obj(obj(spec.template).spec).volumes).filter((v) => v.persistentVolumeClaim !== undefined);
            if (claims.length === 0) {
                reportViolation(
                    `StatefulSet '${args.name}' is in the data tier but has no volumeClaimTemplates: its data lives on the node and is lost with the pod. Add a volumeClaimTemplate for the data directory.`,
                );
            }
            return;
        }
        // Kubernetes retains when the policy is unset; only an explicit Delete loses data.
        const retention = obj(spec.persistentVolumeClaimRetentionPolicy);
        for (const when of ["whenDeleted", "whenScaled"] as const) {
            const value = retention[when] ?? "Retain";
            if (value !== "Retain") {
                reportViolation(
                    `StatefulSet '${args.name}' sets persistentVolumeClaimRetentionPolicy.${when}: ${value}, so its data volumes are deleted ${when === "whenDeleted" ? "with the StatefulSet" : "when it scales down"}. Set ${when}: Retain.`,
                );
            }
        }
    },
};

/** Ports of PostgreSQL, MongoDB and Redis. */
export const DATA_PORTS = [5432, 27017, 6379];

/**
 * Pod labels of every data-tier workload, indexed by namespace and one label pair, so that matching
 * a Service's selector costs the candidates sharing its first pair, not a scan of the stack.
 */
function dataPodIndex(resources: Array<{ type: string; props: Obj }>): Map<string, Array<Record<string, string>>> {
    const index = new Map<string, Array<Record<string, string>>>();
    for (const r of resources) {
        if (POD_TEMPLATE_PATHS[r.type] === undefined) continue;
        const labels = podLabels(r.type, r.props);
        if (labels[TIER_LABEL] !== DATA_TIER) continue;
        const ns = namespaceOf(r.props);
        for (const [k, v] of Object.entries(labels)) {
            const key = `${ns}\u0000${k}=${v}`;
            index.set(key, [...(index.get(key) ?? []), labels]);
        }
    }
    return index;
}

function selectsDataPods(ns: string, selector: Record<string, string>, index: Map<string, Array<Record<string, string>>>): boolean {
    const pairs = Object.entries(selector);
    if (pairs.length === 0) return false;
    if (selector[TIER_LABEL] === DATA_TIER) return true;
    const [k, v] = pairs[0];
    return (index.get(`${ns}\u0000${k}=${v}`) ?? []).some((labels) => pairs.every(([key, value]) => labels[key] === value));
}

export const k8sNoPublicDataService: StackValidationPolicy = {
    name: "k8s-no-public-data-service",
    description:
        "DB-2: no LoadBalancer or NodePort Service, and no Service with externalIPs, reaches data-tier pods or a database port (5432, 27017, 6379); the data tier is reached from inside the cluster only.",
    enforcementLevel: "mandatory",
    ...requirement("DB-2", "The database is reachable only from the application tier, never publicly"),
    configSchema: {
        properties: {
            dataPorts: { type: "array", items: { type: "integer" }, default: DATA_PORTS, description: "Ports that only the data tier listens on." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { dataPorts } = args.getConfig<{ dataPorts: number[] }>();
        const index = dataPodIndex(args.resources);
        for (const service of args.resources) {
            if (service.type !== SERVICE) continue;
            const spec = obj(service.props.spec);
            const type = spec.type ?? "ClusterIP";
            const exposure =
                type === "LoadBalancer" || type === "NodePort"
                    ? `type ${type}`
                    : Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0
                      ? "externalIPs"
                      : undefined;
            if (exposure === undefined) continue;
            const ports = list(spec.ports)
                .flatMap((p) => [p.port, p.targetPort])
                .filter((p): p is number => typeof p === "number" && dataPorts.includes(p));
            const reasons: string[] = [];
            if (selectsDataPods(namespaceOf(service.props), obj(spec.selector), index)) reasons.push("selects data-tier pods");
            if (ports.length > 0) reasons.push(`exposes database port ${[...new Set(ports)].join(", ")}`);
            if (reasons.length === 0) continue;
            reportViolation(
                `Service '${service.name}' is reachable from outside the cluster (${exposure}) and ${reasons.join(" and ")}. Use type ClusterIP without externalIPs; applications reach the database inside the cluster.`,
                service.urn,
            );
        }
    },
};

/** Data-tier workloads whose pods this policy checks. */
const SECURED_TYPES = ["kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"];

/** What breaks least privilege on one container, if anything. Container settings override the pod's. */
function privilegeProblems(podSecurity: Obj, container: Obj): string[] {
    const security = obj(container.securityContext);
    const problems: string[] = [];
    const runAsNonRoot = security.runAsNonRoot ?? podSecurity.runAsNonRoot;
    const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
    if (runAsNonRoot !== true) problems.push("runAsNonRoot is not true");
    if (runAsUser === 0) problems.push("runAsUser is 0 (root)");
    if (security.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
    if (security.privileged === true) problems.push("privileged is true");
    const drop = Array.isArray(obj(security.capabilities).drop) ? (obj(security.capabilities).drop as unknown[]) : [];
    if (!drop.includes("ALL")) problems.push("capabilities.drop does not include ALL");
    return problems;
}

export const k8sDataRestrictedSecurity: ResourceValidationPolicy = {
    name: "k8s-data-restricted-security",
    description:
        "SC-5: every container of a data-tier StatefulSet, Job or CronJob runs as non-root, cannot escalate privileges and drops all capabilities.",
    enforcementLevel: "mandatory",
    ...requirement("SC-5", "Workloads run with least privilege (non-root, no privilege escalation, network isolation)"),
    validateResource: (args, reportViolation) => {
        if (!SECURED_TYPES.includes(args.type)) args.notApplicable("not a StatefulSet, Job or CronJob");
        if (!isDataTier(args.type, args.props)) args.notApplicable("not in the data tier");
        const podSpec = obj(podTemplate(args.type, args.props)?.spec);
        const podSecurity = obj(podSpec.securityContext);
        const containers = [
            ...list(podSpec.initContainers).map((c) => ({ kind: "init container", c })),
            ...list(podSpec.containers).map((c) => ({ kind: "container", c })),
        ];
        for (const { kind, c } of containers) {
            const problems = privilegeProblems(podSecurity, c);
            if (problems.length > 0) {
                reportViolation(
                    `${args.type.split(":").pop()} '${args.name}' ${kind} '${c.name}': ${problems.join("; ")}. Set securityContext runAsNonRoot: true with a non-zero runAsUser, allowPrivilegeEscalation: false and capabilities.drop: [ALL].`,
                );
            }
        }
    },
};
