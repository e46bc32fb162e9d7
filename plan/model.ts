import { planFileValidator } from "./validators";

/**
 * The plan file: what `runbook plan --json` writes and `runbook check` reads. Documented in
 * docs/plan-schema.md; bump PLAN_SCHEMA_VERSION on any incompatible change.
 */
export const PLAN_SCHEMA_VERSION = 1;

/** Written in place of a secret value. Never the value itself. */
export const SECRET = "[secret]";
/** Written in place of a value that is only known after `pulumi up` (an unknown during preview). */
export const UNKNOWN = "[unknown]";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    /** True for provider-managed resources, false for components. */
    custom: boolean;
    parent: string | null;
    /** URN of the explicit provider, or null for the default provider. */
    provider: string | null;
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    /** Inputs as the engine sees them; secrets are `[secret]`, preview unknowns `[unknown]`. */
    inputs: Record<string, unknown>;
}

export interface Violation {
    policy: string;
    policyPack: string;
    enforcementLevel: EnforcementLevel;
    /** Runbook requirement IDs the policy enforces, such as ["BK-2"]. */
    requirements: string[];
    /** The resource at fault, or null for a stack-level finding. */
    urn: string | null;
    message: string;
}

export interface PlanFile {
    schemaVersion: number;
    project: string;
    stack: string;
    resources: PlanResource[];
    outputs: Record<string, unknown>;
    policyPack: { name: string; version: string; config: string | null };
    violations: Violation[];
    summary: { resources: number; mandatory: number; advisory: number };
}

export function summarize(resources: PlanResource[], violations: Violation[]): PlanFile["summary"] {
    return {
        resources: resources.length,
        mandatory: violations.filter((v) => v.enforcementLevel === "mandatory").length,
        advisory: violations.filter((v) => v.enforcementLevel === "advisory").length,
    };
}

/** A plan file that is not valid JSON or does not match docs/plan.schema.json. */
export class PlanFileError extends Error {}

function fail(where: string, what: string): never {
    throw new PlanFileError(`bad plan file: ${where}: ${what}`);
}

/** `/resources/0/protect` → `resources[0].protect`. */
function jsonPath(pointer: string): string {
    const path = pointer
        .split("/")
        .slice(1)
        .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === "" ? p : `${acc}.${p}`), "");
    return path === "" ? "(root)" : path;
}

/**
 * The published schema, relaxed so that a hand-written plan may leave out what `check` recomputes
 * (violations, summary, the pack) and what has a default (a resource's options). Everything that is
 * present must have the published type (validators.ts: planFileSchema).
 */
function validate(json: unknown): void {
    const validator = planFileValidator();
    if (validator(json)) return;
    const e = validator.errors![0];
    const where = jsonPath(e.instancePath);
    if (e.keyword === "required") fail(`${where === "(root)" ? "" : `${where}.`}${(e.params as { missingProperty: string }).missingProperty}`, "is missing");
    if (e.keyword === "additionalProperties") fail(`${where === "(root)" ? "" : `${where}.`}${(e.params as { additionalProperty: string }).additionalProperty}`, "is not a field of the plan file");
    if (e.keyword === "const") fail(where, `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, got ${JSON.stringify(valueAt(json, e.instancePath))}`);
    fail(where, `${e.message}, got ${JSON.stringify(valueAt(json, e.instancePath)) ?? "undefined"}`);
}

function valueAt(json: unknown, pointer: string): unknown {
    return pointer
        .split("/")
        .slice(1)
        .reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), json);
}

/** The stack a URN belongs to: `urn:pulumi:<stack>::…`. */
function urnStack(urn: string): string {
    return urn.slice("urn:pulumi:".length, urn.indexOf("::"));
}

/**
 * Checks parsed JSON against the plan file schema (docs/plan.schema.json), naming the JSON path of
 * the first field that does not match, and that every resource belongs to the plan's stack: the
 * policies read the environment from each URN, so a URN of another stack would change the rules.
 */
export function parsePlanFile(json: unknown): PlanFile {
    validate(json);
    const plan = json as Partial<PlanFile> & { stack: string; resources: Array<Partial<PlanResource> & Pick<PlanResource, "urn" | "type" | "name" | "inputs">> };
    const urns = new Set<string>();
    plan.resources.forEach((r, i) => {
        if (urns.has(r.urn)) fail(`resources[${i}].urn`, `repeats ${r.urn}`);
        urns.add(r.urn);
        if (urnStack(r.urn) !== plan.stack) fail(`resources[${i}].urn`, `belongs to stack '${urnStack(r.urn)}', but the plan is for stack '${plan.stack}'`);
    });
    return {
        schemaVersion: PLAN_SCHEMA_VERSION,
        project: plan.project ?? "runbook",
        stack: plan.stack,
        resources: plan.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            custom: r.custom ?? true,
            parent: r.parent ?? null,
            provider: r.provider ?? null,
            protect: r.protect ?? false,
            retainOnDelete: r.retainOnDelete ?? false,
            deleteBeforeReplace: r.deleteBeforeReplace ?? false,
            ignoreChanges: r.ignoreChanges ?? [],
            additionalSecretOutputs: r.additionalSecretOutputs ?? [],
            dependencies: r.dependencies ?? [],
            propertyDependencies: r.propertyDependencies ?? {},
            inputs: r.inputs,
        })),
        outputs: plan.outputs ?? {},
        policyPack: plan.policyPack ?? { name: "runbook", version: "", config: null },
        violations: plan.violations ?? [],
        summary: plan.summary ?? summarize(plan.resources, []),
    };
}
