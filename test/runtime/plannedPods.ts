import { PlanFile, PlanResource, UNKNOWN } from "../../plan/model";

/*
 * Every pod template a plan emits, taken from the plan itself (never a hand-written copy), with the
 * ConfigMaps and Secrets those pods read. A name that is only known after `pulumi up` (an auto-named
 * Secret) is resolved the way the engine would wire it: to the object among the workload's own
 * dependencies that holds the referenced key.
 */

type Spec = Record<string, any>;

const POD_KINDS: Record<string, { kind: string; template: (inputs: Spec) => Spec; ends: boolean }> = {
    "kubernetes:batch/v1:CronJob": { kind: "CronJob", template: (i) => i.spec.jobTemplate.spec.template, ends: true },
    "kubernetes:batch/v1:Job": { kind: "Job", template: (i) => i.spec.template, ends: true },
    "kubernetes:apps/v1:Deployment": { kind: "Deployment", template: (i) => i.spec.template, ends: false },
    "kubernetes:apps/v1:StatefulSet": { kind: "StatefulSet", template: (i) => i.spec.template, ends: false },
    "kubernetes:apps/v1:DaemonSet": { kind: "DaemonSet", template: (i) => i.spec.template, ends: false },
    "kubernetes:core/v1:Pod": { kind: "Pod", template: (i) => ({ metadata: i.metadata, spec: i.spec }), ends: false },
};

export interface PlannedPod {
    /** The workload's resource name in the plan, such as `backups-postgres`. */
    resource: string;
    kind: string;
    /** True for a Job or CronJob's pod, which runs to completion. */
    ends: boolean;
    namespace: string;
    labels: Record<string, string>;
    spec: Spec;
    volumeClaimTemplates?: Spec[];
    images: string[];
    /** References the plan cannot resolve to one object; a pod with any cannot be played. */
    unresolved: string[];
}

export interface PlannedObject {
    resource: string;
    /** The object's name as the pods reference it (its resource name when only known after up). */
    name: string;
    data: Record<string, string>;
    /** True when the plan cannot say which keys the object has (its whole data is only known after up). */
    unknownKeys: boolean;
}

export interface PlannedObjects {
    configMaps: PlannedObject[];
    secrets: PlannedObject[];
}

function objectName(r: PlanResource): string {
    const name = (r.inputs as Spec).metadata?.name;
    return typeof name === "string" && name !== UNKNOWN ? name : r.name;
}

function keysUnknown(r: PlanResource): boolean {
    const i = r.inputs as Spec;
    return i.data === UNKNOWN || i.stringData === UNKNOWN;
}

function objectData(r: PlanResource): Record<string, string> {
    const i = r.inputs as Spec;
    const out: Record<string, string> = {};
    if (i.data && typeof i.data === "object") {
        for (const [k, v] of Object.entries(i.data)) out[k] = r.type === "kubernetes:core/v1:Secret" && typeof v === "string" && v !== UNKNOWN ? Buffer.from(v, "base64").toString("utf8") : (v as string);
    }
    if (i.stringData && typeof i.stringData === "object") Object.assign(out, i.stringData);
    return out;
}

export function plannedObjects(plan: PlanFile): PlannedObjects {
    const of = (type: string) => plan.resources.filter((r) => r.type === type).map((r) => ({ resource: r.name, name: objectName(r), data: objectData(r), unknownKeys: keysUnknown(r) }));
    return { configMaps: of("kubernetes:core/v1:ConfigMap"), secrets: of("kubernetes:core/v1:Secret") };
}

/** Every pod template of the plan, with each reference to an object resolved to a name in `plannedObjects`. */
export function plannedPods(plan: PlanFile): PlannedPod[] {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const pods: PlannedPod[] = [];
    for (const r of plan.resources) {
        const shape = POD_KINDS[r.type];
        if (!shape) continue;
        const inputs = r.inputs as Spec;
        const template = JSON.parse(JSON.stringify(shape.template(inputs))) as Spec;
        const deps = [...new Set([...r.dependencies, ...Object.values(r.propertyDependencies).flat()])].map((u) => byUrn.get(u)).filter((d): d is PlanResource => d !== undefined);
        const unresolved: string[] = [];
        const resolve = (type: string, name: unknown, key: string | undefined, where: string): string => {
            if (typeof name === "string" && name !== UNKNOWN) return name;
            const candidates = deps.filter((d) => d.type === type && (key === undefined || keysUnknown(d) || key in objectData(d)));
            if (candidates.length !== 1) {
                unresolved.push(`${where} names a ${type.split(":").pop()} only known after up, and ${candidates.length} of the workload's dependencies could be it (${candidates.map((c) => c.name).join(", ")})`);
                return UNKNOWN;
            }
            return objectName(candidates[0]);
        };
        const spec = template.spec as Spec;
        for (const c of [...(spec.initContainers ?? []), ...spec.containers] as Spec[]) {
            for (const e of (c.env ?? []) as Spec[]) {
                const s = e.valueFrom?.secretKeyRef;
                if (s) s.name = resolve("kubernetes:core/v1:Secret", s.name, s.key, `${c.name} env ${e.name}`);
                const m = e.valueFrom?.configMapKeyRef;
                if (m) m.name = resolve("kubernetes:core/v1:ConfigMap", m.name, m.key, `${c.name} env ${e.name}`);
            }
            for (const from of (c.envFrom ?? []) as Spec[]) {
                if (from.secretRef) from.secretRef.name = resolve("kubernetes:core/v1:Secret", from.secretRef.name, undefined, `${c.name} envFrom`);
                if (from.configMapRef) from.configMapRef.name = resolve("kubernetes:core/v1:ConfigMap", from.configMapRef.name, undefined, `${c.name} envFrom`);
            }
        }
        for (const v of (spec.volumes ?? []) as Spec[]) {
            if (v.secret) v.secret.secretName = resolve("kubernetes:core/v1:Secret", v.secret.secretName, v.secret.items?.[0]?.key, `volume ${v.name}`);
            if (v.configMap) v.configMap.name = resolve("kubernetes:core/v1:ConfigMap", v.configMap.name, v.configMap.items?.[0]?.key, `volume ${v.name}`);
        }
        pods.push({
            resource: r.name,
            kind: shape.kind,
            ends: shape.ends,
            namespace: String(inputs.metadata?.namespace ?? "default"),
            labels: template.metadata?.labels ?? {},
            spec,
            volumeClaimTemplates: inputs.spec?.volumeClaimTemplates,
            images: [...(spec.initContainers ?? []), ...spec.containers].map((c: Spec) => c.image),
            unresolved,
        });
    }
    return pods;
}

/** A container's plain env value, as planned. */
export function plainEnv(pod: PlannedPod, container: string, name: string): string | undefined {
    const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x: Spec) => x.name === container);
    return c?.env?.find((e: Spec) => e.name === name)?.value;
}
