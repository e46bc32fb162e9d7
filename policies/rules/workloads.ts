import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, forTypes, requirement, stackOf } from "./meta";
import { MALFORMED, UNKNOWN, at, flagAt, keysAt, knownNumber, knownString, listAt, stringMap } from "./props";
import { WORKLOAD_TYPES, isDataTier, isWorkload, containersOf as podContainers, podLabels, podTemplate } from "./workloadShape";
import { APP_NAME_LABEL, APP_TIER, DATA_TIER, K8S_CRON_JOB, K8S_DEPLOYMENT, K8S_HORIZONTAL_POD_AUTOSCALER, K8S_JOB, K8S_NETWORK_POLICY, K8S_POD, K8S_POD_DISRUPTION_BUDGET, K8S_SERVICE, K8S_SERVICE_ACCOUNT, MIGRATE_COMMAND_ANNOTATION, TIER_LABEL } from "./vocabulary";

/*
 * Workload rules: every pod the stack runs (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs,
 * bare Pods) is probed, sized, least-privileged and pinned; production keeps web-facing apps
 * replicated and budgeted; every namespace with workloads is isolated by a default-deny
 * NetworkPolicy; and no app is reached except through the Gateway. Values only known after
 * `pulumi up` are read with the unknown-tolerant helpers and never count as a violation.
 *
 * The pack imports nothing from the program, so the tier label is repeated here (see
 * components/k8s/labels.ts); a test keeps the two in step.
 */

export { isWorkload };

/** Kinds whose pods run to completion: probes make no sense there, and a liveness probe can kill a migration. */
const RUN_TO_COMPLETION = new Set([K8S_JOB, K8S_CRON_JOB]);

type Obj = Record<string, unknown>;

function kindOf(type: string): string {
    return type.split(":").pop() ?? type;
}

/** Containers and init containers of a pod spec (the workload rules judge what a template can hold). */
function containersOf(podSpec: unknown, includeInit = true) {
    return podContainers(podSpec).filter((c) => c.kind === "container" || (includeInit && c.kind === "init container"));
}

function tierOf(type: string, props: unknown): unknown {
    return podLabels(type, props)[TIER_LABEL] ?? at(props, "metadata", "labels", TIER_LABEL);
}

function describe(type: string, name: string): string {
    return `${kindOf(type)} '${name}'`;
}

function namespaceOf(props: unknown): string | typeof UNKNOWN {
    const ns = at(props, "metadata", "namespace");
    if (ns === UNKNOWN) return UNKNOWN;
    return typeof ns === "string" && ns !== "" ? ns : "default";
}

/** True when every pair of a label selector is in the labels. An empty selector selects nothing here. */
function selects(selector: Obj, labels: Obj): boolean {
    const pairs = Object.entries(selector);
    return pairs.length > 0 && pairs.every(([k, v]) => labels[k] === v);
}

/** Secret-looking environment variable names (SC-1), split into words as the config check splits keys. */
const SECRET_WORDS = new Set(["password", "passwd", "pwd", "token", "secret", "key", "apikey", "webhook", "credential", "credentials", "privatekey"]);

export function looksSecretName(name: string): boolean {
    const words = name
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .split(/[^A-Za-z0-9]+/)
        .filter((w) => w !== "")
        .map((w) => w.toLowerCase());
    // ..._AUTH holds a password (REDISCLI_AUTH); AUTH_URL and the like do not.
    return words.some((w) => SECRET_WORDS.has(w)) || words[words.length - 1] === "auth";
}

/** Values that are credentials whatever their name: a URL with a password, an age identity, a private key. */
const CREDENTIAL_VALUE = /(:\/\/[^/@\s:]*:[^/@\s]+@|AGE-SECRET-KEY-|-----BEGIN [A-Z ]*PRIVATE KEY-----)/;
/** How the offline plan writes a secret Output; the policy server passes the secret itself. */
const SECRET_MARKER = "[secret]";

/** Why an env entry puts a credential in the pod spec, or undefined when it does not. */
export function literalCredential(name: string, value: unknown, from: unknown): string | undefined {
    if (typeof value === "string" && value !== "") {
        if (value === SECRET_MARKER) return "a secret value written into the pod spec";
        if (CREDENTIAL_VALUE.test(value)) return "a literal credential (a URL with a password, an age identity or a private key)";
        if (looksSecretName(name)) return "a literal value";
    }
    if (looksSecretName(name) && at(from, "configMapKeyRef") !== undefined) return "a value from a ConfigMap";
    return undefined;
}

/** Why an image reference is not pinned (no tag, `latest`), or undefined when it is. Mirrors config/images.ts. */
export function unpinnedReason(image: string): string | undefined {
    const [withTag, digest] = image.split("@", 2);
    if (digest !== undefined) return /^sha256:[a-f0-9]{64}$/.test(digest) ? undefined : `has an invalid digest`;
    const tagAt = withTag.indexOf(":", withTag.lastIndexOf("/") + 1);
    if (tagAt === -1) return "has no tag, which means latest";
    const tag = withTag.slice(tagAt + 1);
    if (tag === "") return "has an empty tag";
    if (tag.toLowerCase() === "latest") return "is tagged latest";
    return undefined;
}

export const k8sWorkloadProbes: ResourceValidationPolicy = {
    name: "k8s-workload-probes",
    description:
        "WL-2: every container of a long-running workload (Deployment, StatefulSet, DaemonSet) has a liveness and a readiness probe; containers of Jobs and CronJobs have none.",
    enforcementLevel: "mandatory",
    ...requirement("WL-2", "Every long-running container has a liveness and a readiness check; readiness covers the database path"),
    severity: "high",
    remediationSteps: "Give each long-running container livenessProbe and readinessProbe (apps[].healthPath and readinessPath); remove probes from Job containers.",
    validateResource: forTypes(WORKLOAD_TYPES.filter((t) => t !== K8S_POD), (args, reportViolation) => {
        const podSpec = at(podTemplate(args.type, args.props), "spec");
        if (podSpec === UNKNOWN) return cannotCheckYet(reportViolation, "k8s-workload-probes", args.urn, "the pod template");
        const completes = RUN_TO_COMPLETION.has(args.type);
        for (const c of containersOf(podSpec, false)) {
            if (completes) {
                const probes = ["livenessProbe", "readinessProbe", "startupProbe"].filter((p) => at(c.value, p) !== undefined);
                if (probes.length > 0) {
                    reportViolation(
                        `${describe(args.type, args.name)} container '${c.name}' has ${probes.join(", ")}: a Job runs to completion, so a readiness probe means nothing and a liveness probe can kill it mid-run (a migration half applied). Remove the probes.`,
                    );
                }
                continue;
            }
            const missing = ["livenessProbe", "readinessProbe"].filter((p) => at(c.value, p) === undefined || at(c.value, p) === null);
            if (missing.length > 0) {
                reportViolation(
                    `${describe(args.type, args.name)} container '${c.name}' has no ${missing.join(" and no ")}: a hung process is never restarted, or traffic reaches a pod that cannot serve it. Add ${missing.join(" and ")} (apps[].healthPath, apps[].readinessPath).`,
                );
                continue;
            }
            // WL-2: an app's readiness covers the database path; its liveness must not, or a database
            // outage restarts every pod. An app: the app tier, or a container handed the app's database URL.
            const readsAppDatabase = listAt(c.value, "env").some((e) => typeof at(e, "name") === "string" && APP_DATABASE_ENV.test(at(e, "name") as string));
            const app = tierOf(args.type, args.props) === APP_TIER || (readsAppDatabase && !isDataTier(args.type, args.props) && !/exporter/.test(knownString(at(c.value, "image")) ?? ""));
            if (!app) continue;
            const liveness = probeHandler(at(c.value, "livenessProbe"));
            const readiness = probeHandler(at(c.value, "readinessProbe"));
            if (liveness === UNKNOWN || readiness === UNKNOWN) cannotCheckYet(reportViolation, "k8s-workload-probes", args.urn, `the probes of container '${c.name}' of ${describe(args.type, args.name)}`);
            else if (liveness !== undefined && liveness === readiness) {
                reportViolation(
                    `${describe(args.type, args.name)} container '${c.name}' probes readiness exactly as it probes liveness (${liveness}): either readiness does not cover the database path, or a database outage makes the liveness probe restart every pod. Point readinessProbe at the readiness path (apps[].readinessPath) and livenessProbe at the health path.`,
                );
            }
        }
    }),
};

/** The variables an app reads its database from (apps[].secretRefs); exporters and datastores use others. */
const APP_DATABASE_ENV = /^(DATABASE_URL|MONGODB_URI|MONGO_URL|POSTGRES_URL|DB_URL)$/;

/** What a probe runs (its handler: HTTP path and port, command, TCP port or gRPC service), as text; timings left out. */
function probeHandler(probe: unknown): string | undefined | typeof UNKNOWN {
    if (probe === UNKNOWN) return UNKNOWN;
    for (const kind of ["httpGet", "exec", "tcpSocket", "grpc"]) {
        const handler = at(probe, kind);
        if (handler === undefined || handler === null) continue;
        if (handler === UNKNOWN) return UNKNOWN;
        const fields = kind === "httpGet" ? ["path", "port", "host", "scheme"] : kind === "exec" ? ["command"] : kind === "tcpSocket" ? ["port", "host"] : ["port", "service"];
        const values = fields.map((f) => (f === "command" ? listAt(handler, f) : at(handler, f)));
        if (values.flat().includes(UNKNOWN)) return UNKNOWN;
        // Ports as numbers and strings alike; "/ready" and "/ready/" are one path.
        return `${kind} ${JSON.stringify(values.map((v) => (typeof v === "string" && kind === "httpGet" ? v.replace(/\/+$/, "") || "/" : typeof v === "number" ? String(v) : v)))}`;
    }
    return undefined;
}

export const k8sWorkloadResources: ResourceValidationPolicy = {
    name: "k8s-workload-resources",
    description: "WL-4: every container and init container of every workload requests and limits both CPU and memory.",
    enforcementLevel: "mandatory",
    ...requirement("WL-4", "CPU and memory requests and limits on every container (003 uses 2Gi / 1000m)"),
    severity: "medium",
    remediationSteps: "Set resources.requests and resources.limits for cpu and memory on every container (apps[].resources).",
    validateResource: forTypes(WORKLOAD_TYPES, (args, reportViolation) => {
        const podSpec = at(podTemplate(args.type, args.props), "spec");
        if (podSpec === UNKNOWN) return cannotCheckYet(reportViolation, "k8s-workload-resources", args.urn, "the pod template");
        for (const c of containersOf(podSpec)) {
            if (c.value === UNKNOWN) {
                cannotCheckYet(reportViolation, "k8s-workload-resources", args.urn, `a ${c.kind} of ${describe(args.type, args.name)}`);
                continue;
            }
            const later = ["requests", "limits"].flatMap((kind) => ["cpu", "memory"].filter((r) => at(c.value, "resources", kind, r) === UNKNOWN).map((r) => `resources.${kind}.${r}`));
            if (later.length > 0) cannotCheckYet(reportViolation, "k8s-workload-resources", args.urn, `${later.join(", ")} of ${c.kind} '${c.name}'`);
            const missing = ["requests", "limits"].flatMap((kind) =>
                ["cpu", "memory"].filter((r) => {
                    const v = at(c.value, "resources", kind, r);
                    return v === undefined || v === null || v === "";
                }).map((r) => `${kind}.${r}`),
            );
            if (missing.length > 0) {
                reportViolation(
                    `${describe(args.type, args.name)} ${c.kind} '${c.name}' sets no resources.${missing.join(", resources.")}: without requests the scheduler overcommits nodes, without limits one pod can starve the rest. Set them (apps[].resources).`,
                );
            }
        }
    }),
};

export const k8sReadOnlyRootFilesystem: ResourceValidationPolicy = {
    name: "k8s-read-only-root-filesystem",
    description:
        "SC-5: every container and init container of every workload outside the data tier has a read-only root filesystem, so a compromised process cannot rewrite its own code; writable paths are emptyDir mounts. (The restricted Pod Security profile itself, for every workload, is k8s-restricted-security.)",
    enforcementLevel: "mandatory",
    ...requirement("SC-5", "Workloads run with least privilege (non-root, no privilege escalation, network isolation)"),
    severity: "high",
    remediationSteps: "Set securityContext.readOnlyRootFilesystem: true on every container, and list the paths the app writes in apps[].writablePaths (each becomes an emptyDir mount).",
    validateResource: forTypes(WORKLOAD_TYPES, (args, reportViolation) => {
        if (tierOf(args.type, args.props) === DATA_TIER) args.notApplicable("data-tier servers write their data directory");
        const podSpec = at(podTemplate(args.type, args.props), "spec");
        if (podSpec === UNKNOWN) return cannotCheckYet(reportViolation, "k8s-read-only-root-filesystem", args.urn, "the pod template");
        for (const c of containersOf(podSpec)) {
            const readOnly = flagAt(c.value, "securityContext", "readOnlyRootFilesystem");
            if (readOnly === UNKNOWN) cannotCheckYet(reportViolation, "k8s-read-only-root-filesystem", args.urn, `${c.kind} '${c.name}' readOnlyRootFilesystem`);
            else if (readOnly !== true) {
                reportViolation(`${describe(args.type, args.name)} ${c.kind} '${c.name}': readOnlyRootFilesystem is not true, so a compromised process can rewrite the image's files. Set it, with emptyDir mounts for the paths the app writes (apps[].writablePaths).`);
            }
        }
    }),
};

export const k8sImagePinned: ResourceValidationPolicy = {
    name: "k8s-image-pinned",
    description: "WL-3: every container image is pinned to a release tag or a digest, never `latest` or untagged, so a deploy is repeatable and a rollback returns to the same code.",
    enforcementLevel: "mandatory",
    ...requirement("WL-3", "Zero-downtime rolling updates; rollback to the previous release is one step"),
    severity: "high",
    remediationSteps: "Use an image tag that names a release (ghcr.io/acme/api:1.4.2) or a digest (@sha256:...) in apps[].image.",
    validateResource: forTypes(WORKLOAD_TYPES, (args, reportViolation) => {
        const podSpec = at(podTemplate(args.type, args.props), "spec");
        if (podSpec === UNKNOWN) return cannotCheckYet(reportViolation, "k8s-image-pinned", args.urn, "the pod template");
        for (const c of containersOf(podSpec)) {
            const image = at(c.value, "image");
            if (image === UNKNOWN) {
                cannotCheckYet(reportViolation, "k8s-image-pinned", args.urn, `the image of ${c.kind} '${c.name}'`);
                continue;
            }
            if (typeof image !== "string" || image === "") {
                reportViolation(`${describe(args.type, args.name)} ${c.kind} '${c.name}' has no image. Set one pinned to a release tag or digest.`);
                continue;
            }
            const reason = unpinnedReason(image);
            if (reason !== undefined) {
                reportViolation(`${describe(args.type, args.name)} ${c.kind} '${c.name}' image ${image} ${reason}: each pull may bring different code, and a rollback cannot return to it. Pin a release tag or a digest.`);
            }
        }
    }),
};

export const k8sEnvNoLiteralSecret: ResourceValidationPolicy = {
    name: "k8s-env-no-literal-secret",
    description:
        "SC-1: no container or init container of any workload (apps, backup and drill jobs alike) carries a credential in its env: no literal value under a secret-looking name (password, token, secret, key, credential, ..._AUTH), no literal URL with a password, age identity or private key under any name, and no secret-looking name read from a ConfigMap; secrets come through secretKeyRef.",
    enforcementLevel: "mandatory",
    ...requirement("SC-1", "Secrets live in a secrets store, never in git or plain config, never logged"),
    severity: "critical",
    remediationSteps: "Put the value in runbook:secrets (pulumi config set --secret) and list its name in apps[].secretRefs, so it reaches the pod through secretKeyRef; jobs read their credentials from their Secret the same way.",
    validateResource: forTypes(WORKLOAD_TYPES, (args, reportViolation) => {
        const podSpec = at(podTemplate(args.type, args.props), "spec");
        if (podSpec === UNKNOWN) return cannotCheckYet(reportViolation, "k8s-env-no-literal-secret", args.urn, "the pod template");
        for (const c of containersOf(podSpec)) {
            for (const env of listAt(c.value, "env")) {
                const name = at(env, "name");
                const value = at(env, "value");
                if (typeof name !== "string") continue;
                if (value === UNKNOWN && !looksSecretName(name)) {
                    // Only known after `pulumi up`: it may be a URL with a password, so it is named, never passed.
                    cannotCheckYet(reportViolation, "k8s-env-no-literal-secret", args.urn, `env ${name} of ${c.kind} '${c.name}' (a credential under any name)`);
                    continue;
                }
                const what = value === UNKNOWN ? "a literal value" : literalCredential(name, value, at(env, "valueFrom"));
                if (what === undefined) continue;
                reportViolation(
                    `${describe(args.type, args.name)} ${c.kind} '${c.name}' sets ${name} to ${what}: it is stored in the ${kindOf(args.type)}, readable by anyone who can read it, and in the stack state. Use valueFrom.secretKeyRef.`,
                );
            }
        }
    }),
};

/** A web-facing Deployment: an app-tier Deployment whose pods a Service selects. */
function webFacingDeployments(resources: PolicyResource[]): PolicyResource[] {
    // Each Service's namespace and selector are read once, not once per Deployment.
    const services = resources.filter((r) => r.type === K8S_SERVICE).map((s) => ({ ns: namespaceOf(s.props), selector: stringMap(at(s.props, "spec", "selector")) }));
    return resources.filter((r) => {
        if (r.type !== K8S_DEPLOYMENT || tierOf(r.type, r.props) !== APP_TIER) return false;
        const ns = namespaceOf(r.props);
        const labels = podLabels(r.type, r.props);
        return services.some((s) => s.ns === ns && selects(s.selector, labels));
    });
}

export const k8sProductionReplicas: StackValidationPolicy = {
    name: "k8s-production-replicas",
    description:
        "WL-1: in production, every web-facing app (an app-tier Deployment behind a Service) runs at least 2 replicas (or an autoscaler with at least 2) and has a PodDisruptionBudget, so a node loss or drain never takes it down. Other stacks are not checked.",
    enforcementLevel: "mandatory",
    ...requirement("WL-1", "API and front ends are stateless, replicated behind a load balancer, and scale horizontally"),
    severity: "high",
    remediationSteps: "Set apps[].replicas (or autoscaling.minReplicas) to 2 or more; the App component then adds a PodDisruptionBudget.",
    configSchema: {
        properties: {
            minimumReplicas: { type: "integer", minimum: 1, default: 2, description: "Fewest pods a web-facing app may run in production." },
        },
    },
    validateStack: (args, reportViolation) => {
        if (args.resources.length === 0 || stackOf(args.resources[0].urn) !== "production") return;
        const { minimumReplicas } = args.getConfig<{ minimumReplicas: number }>();
        const budgets = args.resources.filter((r) => r.type === K8S_POD_DISRUPTION_BUDGET);
        const autoscalers = args.resources.filter((r) => r.type === K8S_HORIZONTAL_POD_AUTOSCALER);
        for (const d of webFacingDeployments(args.resources)) {
            const name = at(d.props, "metadata", "name");
            const ns = namespaceOf(d.props);
            const replicas = at(d.props, "spec", "replicas");
            const autoscaler = autoscalers.find(
                (h) => namespaceOf(h.props) === ns && at(h.props, "spec", "scaleTargetRef", "kind") === "Deployment" && at(h.props, "spec", "scaleTargetRef", "name") === name,
            );
            const floor = autoscaler ? at(autoscaler.props, "spec", "minReplicas") : replicas;
            // Kubernetes defaults both to 1 when unset; a number written as a string is read as that number.
            const count = floor === undefined || floor === null ? 1 : floor === UNKNOWN ? UNKNOWN : knownNumber(floor) ?? MALFORMED;
            if (count === UNKNOWN) cannotCheckYet(reportViolation, "k8s-production-replicas", d.urn, `${autoscaler ? `the autoscaler floor (minReplicas) of '${autoscaler.name}'` : "spec.replicas"} of Deployment '${d.name}'`);
            else if (count === MALFORMED) reportViolation(`Deployment '${d.name}' sets ${autoscaler ? "its autoscaler's minReplicas" : "replicas"} to ${JSON.stringify(floor)}, which is no number: Kubernetes refuses it. Set a whole number of at least ${minimumReplicas}.`, d.urn);
            else if (count < minimumReplicas) {
                reportViolation(
                    `Deployment '${d.name}' takes traffic in production with ${autoscaler ? "an autoscaler floor" : "replicas"} of ${count}: one node loss or rollout takes it down. Run at least ${minimumReplicas} (apps[].replicas).`,
                    d.urn,
                );
            }
            const labels = podLabels(d.type, d.props);
            const budgeted = budgets.some((b) => namespaceOf(b.props) === ns && selects(stringMap(at(b.props, "spec", "selector", "matchLabels")), labels));
            if (!budgeted) {
                reportViolation(`Deployment '${d.name}' takes traffic in production without a PodDisruptionBudget: a node drain may evict every pod at once. Add one with maxUnavailable: 1.`, d.urn);
            }
        }
    },
};

/** A NetworkPolicy that denies by default: it selects every pod and names both directions. */
function isDefaultDeny(props: unknown): boolean {
    const selector = at(props, "spec", "podSelector");
    if (selector === UNKNOWN || keysAt(selector, "matchLabels").length > 0 || listAt(selector, "matchExpressions").length > 0) return false;
    const types = listAt(props, "spec", "policyTypes");
    return types.includes("Ingress") && types.includes("Egress");
}

export const k8sNamespaceNetworkPolicy: StackValidationPolicy = {
    name: "k8s-namespace-network-policy",
    description: "SC-5: every namespace that runs app workloads has a default-deny NetworkPolicy (all pods, Ingress and Egress), so only what a policy allows can connect.",
    enforcementLevel: "mandatory",
    ...requirement("SC-5", "Workloads run with least privilege (non-root, no privilege escalation, network isolation)"),
    severity: "high",
    remediationSteps: "Declare a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] in the namespace (the NetworkPolicies component does).",
    validateStack: (args, reportViolation) => {
        const denied = new Set(
            args.resources.filter((r) => r.type === K8S_NETWORK_POLICY && isDefaultDeny(r.props)).map((r) => namespaceOf(r.props)),
        );
        const reported = new Set<string>();
        for (const w of args.resources) {
            if (!isWorkload(w.type) || tierOf(w.type, w.props) !== APP_TIER) continue;
            const ns = namespaceOf(w.props);
            if (ns === UNKNOWN || denied.has(ns) || reported.has(ns)) continue;
            reported.add(ns);
            reportViolation(
                `Namespace '${ns}' runs app workloads (${describe(w.type, w.name)}) but has no default-deny NetworkPolicy: any pod can reach them and they can reach anything. Add a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress].`,
                w.urn,
            );
        }
    },
};

export const k8sNoExposedAppService: StackValidationPolicy = {
    name: "k8s-no-exposed-app-service",
    description: "ED-5: no Service of type LoadBalancer or NodePort selects app pods; apps are reached only through the Gateway on 80 and 443.",
    enforcementLevel: "mandatory",
    ...requirement("ED-5", "Only 80/443 exposed through the reverse proxy"),
    severity: "high",
    remediationSteps: "Use type ClusterIP for the app's Service and route to it with an HTTPRoute through the Gateway.",
    validateStack: (args, reportViolation) => {
        const appPods = args.resources
            .filter((r) => isWorkload(r.type) && tierOf(r.type, r.props) === APP_TIER)
            .map((r) => ({ ns: namespaceOf(r.props), labels: podLabels(r.type, r.props) }));
        for (const s of args.resources) {
            if (s.type !== K8S_SERVICE) continue;
            const type = at(s.props, "spec", "type");
            if (type !== "LoadBalancer" && type !== "NodePort") continue;
            const selector = stringMap(at(s.props, "spec", "selector"));
            const ns = namespaceOf(s.props);
            const selectsApp = selector[TIER_LABEL] === APP_TIER || appPods.some((p) => p.ns === ns && selects(selector, p.labels));
            if (!selectsApp) continue;
            reportViolation(
                `Service '${s.name}' exposes app pods as type ${String(type)}, bypassing the Gateway's TLS, headers and limits and opening node ports. Use type ClusterIP and an HTTPRoute.`,
                s.urn,
            );
        }
    },
};

export const k8sServiceAccountTokenNotMounted: StackValidationPolicy = {
    name: "k8s-service-account-token-not-mounted",
    description:
        "SC-5: no pod of any workload mounts a Kubernetes API token it does not need: automountServiceAccountToken is false on the pod, or the pod leaves it unset and runs as a ServiceAccount of the stack that sets it false. A pod whose ServiceAccount the stack does not declare (the namespace's 'default' included) mounts its token.",
    enforcementLevel: "mandatory",
    ...requirement("SC-5", "Workloads run with least privilege (non-root, no privilege escalation, network isolation)"),
    severity: "high",
    remediationSteps: "Set automountServiceAccountToken: false on the pod spec, and on the ServiceAccount it runs as; list an identity that really calls the Kubernetes API in allowedServiceAccounts (namespace/name).",
    configSchema: {
        properties: {
            allowedServiceAccounts: { type: "array", items: { type: "string" }, default: [], description: "namespace/name of ServiceAccounts whose pods may mount a token (they call the Kubernetes API). Defaults to none." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { allowedServiceAccounts = [] } = args.getConfig<{ allowedServiceAccounts?: string[] }>();
        const allowed = new Set(allowedServiceAccounts);
        const accounts = new Map<string, PolicyResource>();
        const unknownAccounts = args.resources.filter((r) => r.type === K8S_SERVICE_ACCOUNT && (at(r.props, "metadata", "name") === UNKNOWN || at(r.props, "metadata", "namespace") === UNKNOWN));
        for (const r of args.resources) {
            if (r.type !== K8S_SERVICE_ACCOUNT) continue;
            const name = knownString(at(r.props, "metadata", "name"));
            const ns = namespaceOf(r.props);
            if (name !== undefined && ns !== UNKNOWN) accounts.set(`${ns}/${name}`, r);
        }
        for (const w of args.resources) {
            if (!isWorkload(w.type)) continue;
            const spec = at(podTemplate(w.type, w.props), "spec");
            const ns = namespaceOf(w.props);
            const podSetting = flagAt(spec, "automountServiceAccountToken");
            const accountName = at(spec, "serviceAccountName") ?? at(spec, "serviceAccount") ?? "default";
            if (spec === UNKNOWN || ns === UNKNOWN || podSetting === UNKNOWN || accountName === UNKNOWN) {
                cannotCheckYet(reportViolation, "k8s-service-account-token-not-mounted", w.urn, `whether ${describe(w.type, w.name)} mounts a service-account token (its pod spec, namespace or ServiceAccount)`);
                continue;
            }
            if (podSetting === false) continue;
            const key = `${ns}/${String(accountName)}`;
            if (allowed.has(key)) continue;
            if (podSetting === true || podSetting === MALFORMED) {
                reportViolation(`${describe(w.type, w.name)} sets automountServiceAccountToken: ${JSON.stringify(at(spec, "automountServiceAccountToken"))} on its pods, so every container holds a Kubernetes API token for ServiceAccount '${key}'. Set it to false (or allow the ServiceAccount if it calls the API).`, w.urn);
                continue;
            }
            const account = accounts.get(key);
            const accountSetting = account ? flagAt(account.props, "automountServiceAccountToken") : undefined;
            if (account === undefined && unknownAccounts.length > 0) {
                cannotCheckYet(reportViolation, "k8s-service-account-token-not-mounted", w.urn, `ServiceAccount '${key}' of ${describe(w.type, w.name)} (the stack has ServiceAccounts whose name is only known after 'pulumi up')`);
                continue;
            }
            if (accountSetting === UNKNOWN) {
                cannotCheckYet(reportViolation, "k8s-service-account-token-not-mounted", w.urn, `automountServiceAccountToken of ServiceAccount '${key}'`);
                continue;
            }
            if (accountSetting !== false) {
                reportViolation(
                    `${describe(w.type, w.name)} leaves automountServiceAccountToken unset and runs as ServiceAccount '${key}', which ${account ? "does not set it false" : "the stack does not declare (so its token is mounted, as for 'default')"}: every container holds a Kubernetes API token. Set automountServiceAccountToken: false on the pod spec.`,
                    w.urn,
                );
            }
        }
    },
};

/** The Deployment annotation that declares the migrate command its image needs run first (components/app/appSpec.ts). */
/** Commands that migrate a database schema, by tool: Prisma, Knex, TypeORM, Sequelize, Rails, Django, Alembic, Flyway, Liquibase, golang-migrate, node-pg-migrate. */
const MIGRATION_COMMAND = /(\bprisma\s+migrate\b|\bknex\s+migrate|\btypeorm\b.*\bmigration:run\b|\bsequelize\b.*\bdb:migrate\b|\bdb:migrate\b|\bmanage\.py\s+migrate\b|\balembic\s+upgrade\b|\bflyway\b.*\bmigrate\b|\bliquibase\b.*\bupdate\b|\bmigrate\s+.*-path\b|\bnode-pg-migrate\b|\bnpm\s+run\s+migrate\b)/;

/** Every command line of a pod's containers (command and args joined), or UNKNOWN when one is unknown. */
type CommandLine = { line: string; image: unknown };
function commandLines(type: string, props: unknown): CommandLine[] | typeof UNKNOWN {
    const out: CommandLine[] = [];
    for (const c of podContainers(at(podTemplate(type, props), "spec"))) {
        if (c.value === UNKNOWN) return UNKNOWN;
        const words = [...listAt(c.value, "command"), ...listAt(c.value, "args")];
        if (words.includes(UNKNOWN)) return UNKNOWN;
        out.push({ line: words.filter((w): w is string => typeof w === "string").join(" "), image: at(c.value, "image") });
    }
    return out;
}

export const k8sMigrationsBeforeTraffic: StackValidationPolicy = {
    name: "k8s-migrations-before-traffic",
    description:
        "WL-5: every app whose Deployment declares a migrate command has a Job of the stack that runs that command in the Deployment's own image, and the Deployment waits for it (depends on it); any Job that runs a schema migration (recognised by its command: prisma migrate, knex, TypeORM, Rails, Django, Alembic, Flyway, Liquibase…) runs the image of the Deployment whose identity it shares.",
    enforcementLevel: "mandatory",
    ...requirement(["WL-5", "WL-3"], "Database migrations run before new code takes traffic, once per release"),
    severity: "high",
    remediationSteps: "Keep apps[].migrate: the App component runs it as a Job in the app's image, named by a hash of what it runs, and makes the Deployment depend on it.",
    validateStack: (args, reportViolation) => {
        const policy = "k8s-migrations-before-traffic";
        const jobs = args.resources.filter((r) => r.type === K8S_JOB);
        const jobLines = new Map<PolicyResource, CommandLine[] | typeof UNKNOWN>(jobs.map((j) => [j, commandLines(j.type, j.props)]));
        const unreadableJobs = jobs.filter((j) => jobLines.get(j) === UNKNOWN || namespaceOf(j.props) === UNKNOWN);
        const deployments = args.resources.filter((r) => r.type === K8S_DEPLOYMENT);
        const imagesOf = (d: PolicyResource) => podContainers(at(podTemplate(d.type, d.props), "spec")).filter((c) => c.kind === "container").map((c) => at(c.value, "image"));
        // Jobs by namespace, so each Deployment looks at its own namespace's Jobs only.
        const jobsByNamespace = new Map<string, PolicyResource[]>();
        for (const j of jobs) {
            const ns = namespaceOf(j.props);
            if (ns === UNKNOWN) continue;
            jobsByNamespace.set(ns, [...(jobsByNamespace.get(ns) ?? []), j]);
        }
        /** A Job belongs to a Deployment when the Deployment waits for it, or it runs as the same identity or app. */
        const belongsTo = (j: PolicyResource, d: PolicyResource) => {
            if (d.dependencies.some((dep) => dep.urn === j.urn)) return true;
            const identity = at(podTemplate(j.type, j.props), "spec", "serviceAccountName");
            const appName = podLabels(j.type, j.props)[APP_NAME_LABEL];
            return (typeof identity === "string" && at(podTemplate(d.type, d.props), "spec", "serviceAccountName") === identity) || (appName !== undefined && podLabels(d.type, d.props)[APP_NAME_LABEL] === appName);
        };
        for (const d of deployments) {
            const command = at(d.props, "metadata", "annotations", MIGRATE_COMMAND_ANNOTATION);
            if (command === undefined || command === null) continue;
            if (command === UNKNOWN) {
                cannotCheckYet(reportViolation, policy, d.urn, `the migrate command of Deployment '${d.name}'`);
                continue;
            }
            const ns = namespaceOf(d.props);
            const wanted = String(command).trim().replace(/\s+/g, " ");
            const runs = (j: PolicyResource) => {
                const lines = jobLines.get(j);
                return lines !== UNKNOWN && lines !== undefined && (lines as CommandLine[]).some((l) => l.line.replace(/\s+/g, " ").includes(wanted));
            };
            const inNamespace = (ns === UNKNOWN ? [] : jobsByNamespace.get(ns) ?? []).filter(runs);
            // The Jobs it waits for are its own; only without any is a Job of the same identity or app taken as its.
            const awaited = inNamespace.filter((j) => d.dependencies.some((dep) => dep.urn === j.urn));
            const runners = awaited.length > 0 ? awaited : inNamespace.filter((j) => belongsTo(j, d));
            if (runners.length === 0) {
                if (unreadableJobs.length > 0) cannotCheckYet(reportViolation, policy, d.urn, `whether a Job runs '${wanted}' for Deployment '${d.name}' (Jobs ${unreadableJobs.map((j) => `'${j.name}'`).join(", ")} are only known after 'pulumi up')`);
                else reportViolation(`Deployment '${d.name}' declares the migrate command '${wanted}', but no Job of the stack runs it for this app (as its ServiceAccount or app, or as a Job it waits for): the new code takes traffic on the old schema. Keep apps[].migrate's Job (the App component declares it).`, d.urn);
                continue;
            }
            const images = imagesOf(d);
            if (images.includes(UNKNOWN)) cannotCheckYet(reportViolation, policy, d.urn, `the image of Deployment '${d.name}'`);
            for (const j of runners) {
                const lines = jobLines.get(j) as CommandLine[];
                const jobImages = lines.filter((l) => l.line.replace(/\s+/g, " ").includes(wanted)).map((l) => l.image);
                if (jobImages.includes(UNKNOWN)) cannotCheckYet(reportViolation, policy, j.urn, `the image of migration Job '${j.name}'`);
                else if (!images.includes(UNKNOWN) && !jobImages.some((i) => images.includes(i))) {
                    reportViolation(`Migration Job '${j.name}' runs '${wanted}' in image ${jobImages.map(String).join(", ")}, not Deployment '${d.name}''s ${images.map(String).join(", ")}: it applies another release's migrations. Run it in the Deployment's image.`, j.urn);
                }
            }
            if (!runners.some((j) => d.dependencies.some((dep) => dep.urn === j.urn))) {
                reportViolation(`Deployment '${d.name}' does not wait for its migration Job (${runners.map((j) => `'${j.name}'`).join(", ")}): Pulumi may roll out the new code before the schema is migrated. Make it depend on the Job (dependsOn).`, d.urn);
            }
        }
        // A Job that migrates a schema, declared or not, runs its app's image.
        const deploymentsByNamespace = new Map<string | typeof UNKNOWN, PolicyResource[]>();
        for (const d of deployments) deploymentsByNamespace.set(namespaceOf(d.props), [...(deploymentsByNamespace.get(namespaceOf(d.props)) ?? []), d]);
        for (const j of jobs) {
            const lines = jobLines.get(j);
            if (lines === UNKNOWN || lines === undefined) continue;
            const migrating = (lines as CommandLine[]).filter((l) => MIGRATION_COMMAND.test(l.line));
            if (migrating.length === 0) continue;
            const ns = namespaceOf(j.props);
            const spec = at(podTemplate(j.type, j.props), "spec");
            const identity = at(spec, "serviceAccountName");
            const appName = podLabels(j.type, j.props)[APP_NAME_LABEL];
            const waiting = (deploymentsByNamespace.get(ns) ?? []).filter((d) => d.dependencies.some((dep) => dep.urn === j.urn));
            const owners = waiting.length > 0 ? waiting : (deploymentsByNamespace.get(ns) ?? []).filter((d) => {
                const dSpec = at(podTemplate(d.type, d.props), "spec");
                return (typeof identity === "string" && at(dSpec, "serviceAccountName") === identity) || (appName !== undefined && podLabels(d.type, d.props)[APP_NAME_LABEL] === appName);
            });
            for (const d of owners) {
                const images = imagesOf(d);
                if (images.includes(UNKNOWN) || migrating.some((l) => l.image === UNKNOWN)) continue;
                if (!migrating.some((l) => images.includes(l.image))) {
                    reportViolation(`Job '${j.name}' migrates the schema ('${migrating[0].line}') in image ${migrating.map((l) => String(l.image)).join(", ")}, but Deployment '${d.name}', which runs as the same identity, runs ${images.map(String).join(", ")}: the schema and the code come from different releases. Run the migration in the Deployment's image.`, j.urn);
                }
            }
        }
    },
};
