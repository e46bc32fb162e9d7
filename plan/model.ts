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

function fail(where: string, what: string): never {
    throw new Error(`plan file: ${where} ${what}`);
}

/** Checks that parsed JSON has the shape of a plan file, naming the first field that does not. */
export function parsePlanFile(json: unknown): PlanFile {
    if (json === null || typeof json !== "object" || Array.isArray(json)) fail("root", "must be an object");
    const plan = json as Partial<PlanFile>;
    if (plan.schemaVersion !== PLAN_SCHEMA_VERSION) fail("schemaVersion", `must be ${PLAN_SCHEMA_VERSION}, got ${JSON.stringify(plan.schemaVersion)}`);
    if (typeof plan.stack !== "string") fail("stack", "must be a string");
    if (!Array.isArray(plan.resources)) fail("resources", "must be a list");
    const urns = new Set<string>();
    plan.resources.forEach((r, i) => {
        const at = `resources[${i}]`;
        if (r === null || typeof r !== "object") fail(at, "must be an object");
        for (const key of ["urn", "type", "name"] as const) if (typeof r[key] !== "string") fail(`${at}.${key}`, "must be a string");
        if (urns.has(r.urn)) fail(`${at}.urn`, `repeats ${r.urn}`);
        urns.add(r.urn);
        if (r.inputs === null || typeof r.inputs !== "object" || Array.isArray(r.inputs)) fail(`${at}.inputs`, "must be an object");
        for (const key of ["dependencies", "ignoreChanges", "additionalSecretOutputs"] as const) {
            if (r[key] !== undefined && !Array.isArray(r[key])) fail(`${at}.${key}`, "must be a list");
        }
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
