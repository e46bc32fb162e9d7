import { ManualStep, manualSteps } from "./manualSteps";
import { PlanFile, PlanResource, SECRET, UNKNOWN, Violation } from "./model";
import { KubernetesProviderFlags, PROVIDER_REPLACING_KEYS, forceNewPaths, replacementRules } from "./replacement";
import type { Action, PropertyChange, ResourceChange } from "./resourceChange";

/**
 * The desired-state diff: what changes between the offline plans of two revisions of one stack.
 * Pure: takes two plan files (and the `secure:` config of both stack files) and says which
 * resources `pulumi up` would create, delete, update or replace, and why. Documented in
 * docs/diff-schema.md; bump DIFF_SCHEMA_VERSION on any incompatible change.
 */
export const DIFF_SCHEMA_VERSION = 1;

export type { Action, PropertyChange, ResourceChange } from "./resourceChange";

export interface ViolationChange extends Violation {
    /** Label of the resource at fault, `provider:Type name`. */
    resource: string;
}

export interface SecretConfigChange {
    /** Config key path, e.g. `runbook:secrets.JWT_SECRET`. */
    key: string;
    change: "added" | "removed" | "changed";
}

export interface OutputChange {
    name: string;
    old?: unknown;
    new?: unknown;
    secret: boolean;
}

export interface RevisionInfo {
    /** The git ref given (`origin/main`), or `working tree`. */
    ref: string;
    /** The commit it resolved to; for the working tree, HEAD. */
    commit: string | null;
    /** The stack file existed at this revision. */
    stackExists: boolean;
}

export interface DiffReport {
    schemaVersion: number;
    project: string;
    stack: string;
    base: RevisionInfo;
    head: RevisionInfo & { dirty: boolean };
    summary: {
        create: number;
        delete: number;
        update: number;
        replace: number;
        unchanged: number;
        /** Protected resources that would be replaced or deleted. */
        protectedAtRisk: number;
        introducedMandatory: number;
        introducedAdvisory: number;
        fixedMandatory: number;
        fixedAdvisory: number;
    };
    /** URNs of protected resources that would be replaced or deleted, listed first everywhere. */
    protectedAtRisk: string[];
    /** Only resources that change, replacements and deletions first. */
    resources: ResourceChange[];
    violations: { introduced: ViolationChange[]; fixed: ViolationChange[] };
    secretConfig: SecretConfigChange[];
    outputs: OutputChange[];
    /** What an operator must do by hand for some of these changes, with the docs that say how. */
    manualSteps: ManualStep[];
    /** Caveats about this diff (a base that could not be read exactly, differing dependencies, ...). */
    notes: string[];
}

export interface DiffInput {
    /** The base revision's plan, or null when the stack did not exist there. */
    base: PlanFile | null;
    head: PlanFile;
    baseInfo: RevisionInfo;
    headInfo: RevisionInfo & { dirty: boolean };
    /** `secure:` ciphertexts by config key path, from each revision's stack file. */
    baseSecrets?: Record<string, string>;
    headSecrets?: Record<string, string>;
    notes?: string[];
}

/* ---------- values and paths ---------- */

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function containsMarker(v: unknown, marker: string): boolean {
    if (v === marker) return true;
    if (Array.isArray(v)) return v.some((x) => containsMarker(x, marker));
    if (isObject(v)) return Object.values(v).some((x) => containsMarker(x, marker));
    return false;
}

function same(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** Lists of objects that all carry a unique string `name` (containers, env, ports) are matched by name. */
function namedElements(list: unknown[]): Map<string, unknown> | undefined {
    const byName = new Map<string, unknown>();
    for (const item of list) {
        if (!isObject(item) || typeof item.name !== "string" || byName.has(item.name)) return undefined;
        byName.set(item.name, item);
    }
    return byName;
}

/** Leaf-level differences between two input values, secrets masked. */
export function diffValues(oldValue: unknown, newValue: unknown, path = ""): Omit<PropertyChange, "forcesReplacement">[] {
    if (same(oldValue, newValue)) {
        return [];
    }
    const join = (key: string) => (path ? `${path}.${key}` : key);
    if (oldValue === SECRET || newValue === SECRET) return [{ path, secret: true }];
    if (isObject(oldValue) && isObject(newValue)) {
        const keys = [...new Set([...Object.keys(oldValue), ...Object.keys(newValue)])].sort();
        return keys.flatMap((k) => diffValues(oldValue[k], newValue[k], join(k)));
    }
    if (Array.isArray(oldValue) && Array.isArray(newValue)) {
        const oldNamed = namedElements(oldValue);
        const newNamed = namedElements(newValue);
        if (oldNamed && newNamed && (oldNamed.size > 0 || newNamed.size > 0)) {
            const names = [...new Set([...oldNamed.keys(), ...newNamed.keys()])];
            return names.flatMap((n) => diffValues(oldNamed.get(n), newNamed.get(n), `${path}[name=${n}]`));
        }
        const length = Math.max(oldValue.length, newValue.length);
        return Array.from({ length }, (_, i) => diffValues(oldValue[i], newValue[i], `${path}[${i}]`)).flat();
    }
    const secret = containsMarker(oldValue, SECRET) || containsMarker(newValue, SECRET);
    if (secret) return [{ path, secret: true }];
    const change: Omit<PropertyChange, "forcesReplacement"> = { path, secret: false };
    if (oldValue !== undefined) change.old = oldValue;
    if (newValue !== undefined) change.new = newValue;
    return [change];
}

/** Values at a rule path (`spec.containers[*].image`): one entry per match, undefined where absent. */
export function valuesAt(value: unknown, path: string): unknown[] {
    let current: unknown[] = [value];
    for (const segment of path.split(".")) {
        const each = segment.endsWith("[*]");
        const key = each ? segment.slice(0, -3) : segment;
        current = current.flatMap((v) => {
            const next = isObject(v) ? v[key] : undefined;
            if (!each) return [next];
            return Array.isArray(next) ? next : [];
        });
    }
    return current;
}

/** A change's path in rule form: list positions and names become `[*]`. */
function rulePath(path: string): string {
    return path.replace(/\[(name=[^\]]*|\d+)\]/g, "[*]");
}

function underPath(path: string, prefix: string): boolean {
    return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Pulumi's ignoreChanges paths use `a.b` and `a["b"]`; normalise to the dot form used here. */
function normaliseIgnorePath(p: string): string {
    return p.replace(/\["([^"]+)"\]/g, ".$1").replace(/^\./, "");
}

/* ---------- labels ---------- */

export function shortType(type: string): string {
    const parts = type.split(":");
    return parts.length === 3 ? `${parts[0]}:${parts[2]}` : type;
}

export function resourceLabel(r: { type: string; name: string }): string {
    return `${shortType(r.type)} ${r.name}`;
}

/* ---------- the diff ---------- */

function kubernetesFlags(plan: PlanFile, r: PlanResource): KubernetesProviderFlags {
    const provider = r.provider ? plan.resources.find((p) => p.urn === r.provider) : undefined;
    const flag = (key: string) => provider?.inputs[key] === true || provider?.inputs[key] === "true";
    return { enableSecretMutable: flag("enableSecretMutable"), enableConfigMapMutable: flag("enableConfigMapMutable") };
}

/** The URN without the parent chain: type and name, which is what an alias would have to bridge. */
function identity(r: PlanResource): string {
    return `${r.type}::${r.name}`;
}

function violationKey(v: Violation, withMessage: boolean): string {
    return JSON.stringify([v.policy, v.urn, v.enforcementLevel, withMessage ? v.message : ""]);
}

/** Violations in `a` that `b` does not have, matching identical findings first, then by policy and resource. */
function violationsOnlyIn(a: Violation[], b: Violation[]): Violation[] {
    const pool = new Map<string, number>();
    const count = (key: string, delta: number) => pool.set(key, (pool.get(key) ?? 0) + delta);
    b.forEach((v) => count(violationKey(v, true), 1));
    const unmatched = a.filter((v) => {
        const key = violationKey(v, true);
        if ((pool.get(key) ?? 0) > 0) {
            count(key, -1);
            return false;
        }
        return true;
    });
    // A finding whose wording changed is the same finding, not one fixed and one introduced.
    const loose = new Map<string, number>();
    b.filter((v) => !a.some((x) => violationKey(x, true) === violationKey(v, true))).forEach((v) => loose.set(violationKey(v, false), (loose.get(violationKey(v, false)) ?? 0) + 1));
    return unmatched.filter((v) => {
        const key = violationKey(v, false);
        if ((loose.get(key) ?? 0) > 0) {
            loose.set(key, loose.get(key)! - 1);
            return false;
        }
        return true;
    });
}

function labelViolations(vs: Violation[], plan: PlanFile | null): ViolationChange[] {
    const byUrn = new Map((plan?.resources ?? []).map((r) => [r.urn, r]));
    return vs.map((v) => {
        const r = v.urn ? byUrn.get(v.urn) : undefined;
        return { ...v, resource: v.urn === null ? "(stack)" : r ? resourceLabel(r) : v.urn };
    });
}

function diffSecrets(base: Record<string, string>, head: Record<string, string>): SecretConfigChange[] {
    const keys = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
    return keys.flatMap((key): SecretConfigChange[] => {
        if (!(key in base)) return [{ key, change: "added" }];
        if (!(key in head)) return [{ key, change: "removed" }];
        return base[key] === head[key] ? [] : [{ key, change: "changed" }];
    });
}

function diffOutputs(base: Record<string, unknown>, head: Record<string, unknown>): OutputChange[] {
    const names = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
    return names.flatMap((name): OutputChange[] => {
        if (same(base[name], head[name])) return [];
        const secret = containsMarker(base[name], SECRET) || containsMarker(head[name], SECRET);
        const change: OutputChange = { name, secret };
        if (!secret) {
            if (name in base) change.old = base[name];
            if (name in head) change.new = head[name];
        }
        return [change];
    });
}

const ACTION_ORDER: Record<Action, number> = { replace: 0, delete: 1, create: 2, update: 3 };

export function diffPlans(input: DiffInput): DiffReport {
    const { head } = input;
    const base = input.base;
    const custom = (plan: PlanFile | null) => (plan?.resources ?? []).filter((r) => r.custom);
    const baseByUrn = new Map(custom(base).map((r) => [r.urn, r]));
    const headByUrn = new Map(custom(head).map((r) => [r.urn, r]));
    const changes = new Map<string, ResourceChange>();
    let unchanged = 0;

    const entry = (r: PlanResource, action: Action, old?: PlanResource): ResourceChange => ({
        action,
        urn: r.urn,
        type: r.type,
        name: r.name,
        protect: r.protect || (old?.protect ?? false),
        retainOnDelete: r.retainOnDelete,
        deleteBeforeReplace: r.deleteBeforeReplace,
        replacementRulesKnown: true,
        reasons: [],
        changes: [],
    });

    // Resources whose identity moved (new parent, no alias) show up as a delete plus a create.
    const removedIdentities = new Set([...baseByUrn.values()].filter((r) => !headByUrn.has(r.urn)).map(identity));
    const addedIdentities = new Set([...headByUrn.values()].filter((r) => !baseByUrn.has(r.urn)).map(identity));
    const moved = "its URN changes (a new parent or component) and no alias bridges it, so the engine deletes the old one and creates a new one; add `aliases` to keep it";

    for (const [urn, r] of baseByUrn) {
        if (headByUrn.has(urn)) continue;
        const c = entry(r, "delete");
        c.reasons.push(addedIdentities.has(identity(r)) ? moved : "no longer declared");
        if (r.retainOnDelete) c.reasons.push("retainOnDelete: the engine forgets it but leaves it running in the cloud");
        changes.set(urn, c);
    }
    for (const [urn, r] of headByUrn) {
        if (baseByUrn.has(urn)) continue;
        const c = entry(r, "create");
        c.reasons.push(removedIdentities.has(identity(r)) ? moved : "newly declared");
        changes.set(urn, c);
    }

    // Providers that now point elsewhere replace everything they manage.
    const replacingProviders = new Map<string, string>();
    for (const [urn, r] of headByUrn) {
        const old = baseByUrn.get(urn);
        const keys = PROVIDER_REPLACING_KEYS[r.type];
        if (!old || !keys) continue;
        const changed = keys.filter((k) => !same(old.inputs[k], r.inputs[k]));
        if (changed.length > 0) replacingProviders.set(urn, changed.join(", "));
    }

    for (const [urn, r] of headByUrn) {
        const old = baseByUrn.get(urn);
        if (!old) continue;
        const ignored = r.ignoreChanges.map(normaliseIgnorePath);
        const isIgnored = (p: string) => ignored.some((i) => underPath(p, i));
        const rules = replacementRules(r.type, r.inputs, kubernetesFlags(head, r));
        const forceNew = rules ? forceNewPaths(rules, r.inputs).filter((p) => !isIgnored(p)) : [];
        const replaceBy = new Set(forceNew.filter((p) => !same(valuesAt(old.inputs, p), valuesAt(r.inputs, p))));
        const props = diffValues(old.inputs, r.inputs)
            .filter((p) => !isIgnored(p.path))
            .map((p) => ({
                ...p,
                forcesReplacement: rules?.allInputs === true || [...replaceBy].some((f) => underPath(rulePath(p.path), f) || underPath(f, rulePath(p.path))),
            }));
        const c = entry(r, "update", old);
        c.replacementRulesKnown = rules !== undefined;
        c.changes = props;
        if (replaceBy.size > 0 || (rules?.allInputs && props.length > 0)) {
            c.action = "replace";
            const paths = rules?.allInputs ? props.map((p) => p.path) : [...replaceBy];
            c.reasons.push(`${paths.join(", ")} cannot change in place (${rules!.source})`);
        }
        if (r.provider !== old.provider) {
            if (r.provider && replacingProviders.has(r.provider)) {
                c.action = "replace";
                c.reasons.push(`its provider now targets a different ${replacingProviders.get(r.provider)}`);
            } else {
                c.reasons.push(
                    `its provider changes from ${old.provider ?? "the default provider"} to ${r.provider ?? "the default provider"}; the engine asks the provider (DiffConfig) and replaces it only if the new provider points at another account, region or cluster`,
                );
            }
        } else if (r.provider && replacingProviders.has(r.provider)) {
            c.action = "replace";
            c.reasons.push(`its provider now targets a different ${replacingProviders.get(r.provider)}`);
        }
        if (r.deleteBeforeReplace || (r.type.startsWith("kubernetes:") && typeof (r.inputs.metadata as Record<string, unknown> | undefined)?.name === "string")) {
            c.deleteBeforeReplace = true;
        }
        if (c.action === "replace" && r.retainOnDelete) c.reasons.push("retainOnDelete: the old one is left running in the cloud, outside the stack, and the new one starts empty");
        if (c.action === "update" && c.changes.length === 0 && c.reasons.length === 0) {
            unchanged++;
            continue;
        }
        changes.set(urn, c);
    }

    // A resource whose force-new input comes from a replaced resource gets a new value too: the
    // preview shows it replaced (the value is unknown until the new dependency exists).
    for (let grew = true; grew; ) {
        grew = false;
        const replaced = new Set([...changes.values()].filter((c) => c.action === "replace").map((c) => c.urn));
        for (const [urn, r] of headByUrn) {
            const old = baseByUrn.get(urn);
            if (!old) continue;
            const current = changes.get(urn);
            if (current?.action === "replace") continue;
            const rules = replacementRules(r.type, r.inputs, kubernetesFlags(head, r));
            const forceNewTop = new Set((rules ? forceNewPaths(rules, r.inputs) : []).map((p) => p.split(/[.[]/)[0]));
            for (const [prop, deps] of Object.entries(r.propertyDependencies)) {
                const dep = deps.find((d) => replaced.has(d));
                if (!dep) continue;
                const depLabel = resourceLabel(changes.get(dep)!);
                const c = current ?? entry(r, "update", old);
                if (!current) {
                    c.replacementRulesKnown = rules !== undefined;
                    changes.set(urn, c);
                    unchanged--;
                }
                if (rules?.allInputs || forceNewTop.has(prop)) {
                    c.action = "replace";
                    c.reasons.push(`${prop} comes from ${depLabel}, which is replaced: the preview shows a replacement, and \`up\` replaces it if the new value differs`);
                    grew = true;
                    break;
                }
                if (!c.changes.some((p) => p.path === prop)) {
                    const secret = containsMarker(old.inputs[prop], SECRET);
                    c.changes.push(secret ? { path: prop, secret, forcesReplacement: false } : { path: prop, old: old.inputs[prop], new: UNKNOWN, secret, forcesReplacement: false });
                }
                c.reasons.push(`${prop} comes from ${depLabel}, which is replaced`);
            }
        }
    }

    const atRisk = (c: ResourceChange) => c.protect && (c.action === "replace" || c.action === "delete");
    const resources = [...changes.values()].sort((a, b) => Number(atRisk(b)) - Number(atRisk(a)) || ACTION_ORDER[a.action] - ACTION_ORDER[b.action]);
    const protectedAtRisk = resources.filter(atRisk).map((c) => c.urn);
    const introduced = labelViolations(violationsOnlyIn(head.violations, base?.violations ?? []), head);
    const fixed = labelViolations(violationsOnlyIn(base?.violations ?? [], head.violations), base);
    const count = (a: Action) => resources.filter((c) => c.action === a).length;
    const level = (vs: Violation[], l: string) => vs.filter((v) => v.enforcementLevel === l).length;
    return {
        schemaVersion: DIFF_SCHEMA_VERSION,
        project: head.project,
        stack: head.stack,
        base: input.baseInfo,
        head: input.headInfo,
        summary: {
            create: count("create"),
            delete: count("delete"),
            update: count("update"),
            replace: count("replace"),
            unchanged,
            protectedAtRisk: protectedAtRisk.length,
            introducedMandatory: level(introduced, "mandatory"),
            introducedAdvisory: level(introduced, "advisory"),
            fixedMandatory: level(fixed, "mandatory"),
            fixedAdvisory: level(fixed, "advisory"),
        },
        protectedAtRisk,
        resources,
        violations: { introduced, fixed },
        secretConfig: diffSecrets(input.baseSecrets ?? {}, input.headSecrets ?? {}),
        outputs: diffOutputs(base?.outputs ?? {}, head.outputs),
        manualSteps: manualSteps(resources),
        notes: input.notes ?? [],
    };
}

/** Exit code: 1 when the change adds a mandatory violation or puts a protected resource at risk. */
export function diffFails(report: DiffReport): boolean {
    return report.summary.introducedMandatory > 0 || report.summary.protectedAtRisk > 0;
}
