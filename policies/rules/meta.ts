import type { EnforcementLevel, PolicyComplianceFramework, ReportViolation, ResourceValidation, ResourceValidationArgs, Severity } from "@pulumi/policy";

/** The pack's name, as `pulumi preview --policy-pack` and the offline plan report it. */
export const PACK_NAME = "runbook";

/**
 * The requirement(s) a policy enforces, from the runbook requirements table. The first ID is the
 * policy's main requirement (its description starts with it); all of them are its tags.
 */
export function requirement(ids: string | string[], specification: string): { tags: string[]; framework: PolicyComplianceFramework } {
    const tags = Array.isArray(ids) ? ids : [ids];
    return {
        tags,
        framework: { name: "runbook-requirements", version: "1", reference: tags.join(", "), specification },
    };
}

/** How bad a violation is and what to do about it: every policy of the pack carries both. */
export function guidance(severity: Severity, remediationSteps: string): { severity: Severity; remediationSteps: string } {
    return { severity, remediationSteps };
}

/**
 * A stand-in for a provider's resource class, for `validateResourceOfType`: it carries the class's
 * type token, which is all the policy server matches on, and the class's types for the props. The
 * pack imports providers for their types only, so a check does not load the whole provider SDK.
 */
export function resourceClass<TResource, TArgs>(token: string): { new (name: string, args: TArgs, ...rest: any[]): TResource } {
    return { __pulumiType: token } as unknown as { new (name: string, args: TArgs, ...rest: any[]): TResource };
}

/** The Pulumi type token of a resource class, e.g. cloudflare:index/r2Bucket:R2Bucket. */
export function typeOf(resourceClass: { __pulumiType: string }): string {
    return resourceClass.__pulumiType;
}

/**
 * @pulumi/policy's `validateResourceOfType`, line for line: runs `validate` on resources of the class's
 * type, reports the rest not applicable with the same reason, and tags the function with the type so
 * the server (and the offline evaluator) call it only for that type. Loading the package's copy loads
 * its gRPC server and the whole Pulumi SDK, a second for `runbook check`; a unit test keeps the two
 * behaving the same.
 */
export const validateResourceOfType: typeof import("@pulumi/policy").validateResourceOfType = (resourceClass, validate) => {
    const pulumiType = (resourceClass as unknown as { __pulumiType?: unknown }).__pulumiType;
    const typed = typeof pulumiType === "string" && pulumiType.length > 0 ? pulumiType : undefined;
    const fn = (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (args.isType(resourceClass)) return validate(args.props as never, args, reportViolation);
        if (typed) return args.notApplicable(`Policy only applies to resources of type '${typed}'`);
        const className = (resourceClass as { name?: unknown }).name;
        if (typeof className === "string" && className.length > 0) return args.notApplicable(`Policy only applies to '${className}' resources`);
        return args.notApplicable("Policy only applies to resources of a specific type");
    };
    if (typed) (fn as unknown as { __pulumiType: string }).__pulumiType = typed;
    return fn;
};

/*
 * The environment. Only the stack named `production` is production (the program decides the same
 * way, config/resolve.ts); any other stack (staging, a preview stack such as pr-123) gets the
 * non-production settings. The pack reads the stack from each resource's URN, which the engine
 * builds the same way under `pulumi preview` and in the offline plan, so no policy config file is
 * needed to tell them apart.
 */

/** The stack name that makes an environment production. */
export const PRODUCTION_STACK = "production";

/** The stack of a URN: `urn:pulumi:<stack>::<project>::<type>::<name>`; undefined for anything else. */
export function stackOf(urn: string | undefined | null): string | undefined {
    if (typeof urn !== "string" || !urn.startsWith("urn:pulumi:")) return undefined;
    const end = urn.indexOf("::", "urn:pulumi:".length);
    return end < 0 ? undefined : urn.slice("urn:pulumi:".length, end);
}

/** True when the URN belongs to the production stack. */
export function isProductionUrn(urn: string | undefined | null): boolean {
    return stackOf(urn) === PRODUCTION_STACK;
}

/** The environment of a stack policy's resources (they all share one stack). */
export function isProductionStack(resources: ReadonlyArray<{ urn: string }>): boolean {
    return resources.length > 0 && isProductionUrn(resources[0].urn);
}

/** A setting whose default differs between production and every other stack. */
export interface PerEnvironment<T> {
    production: T;
    other: T;
}

/**
 * The value of an environment-dependent setting: what the policy config file sets (for any
 * stack), or else the default for the resource's environment.
 */
export function forEnvironment<T>(configured: T | undefined, production: boolean, defaults: PerEnvironment<T>): T {
    if (configured !== undefined) return configured;
    return production ? defaults.production : defaults.other;
}

/** "Defaults to 14 in production and 7 in any other stack." for a config schema description. */
export function describeDefaults(defaults: PerEnvironment<unknown>): string {
    return `Defaults to ${JSON.stringify(defaults.production)} in production and ${JSON.stringify(defaults.other)} in any other stack.`;
}

/** Levels a policy may report at outside production. */
export const OUTSIDE_PRODUCTION_LEVELS: EnforcementLevel[] = ["mandatory", "advisory", "disabled"];

/** Schema of the `outsideProduction` setting of a policy whose strictness is production's. */
export function outsideProductionSchema(defaultLevel: EnforcementLevel) {
    return {
        type: "string" as const,
        enum: OUTSIDE_PRODUCTION_LEVELS,
        description: `Level of this policy's violations in any stack other than production (in production, the policy's own level applies). Defaults to ${defaultLevel}.`,
        default: defaultLevel,
    };
}

/**
 * A reporter that reports at `level` instead of the policy's level. The policy server honours an
 * object's `enforcementLevel` (server.js makeReportViolationFun), and so does the offline plan.
 */
export function reportAt(report: ReportViolation, level: EnforcementLevel | undefined, policyName: string): ReportViolation {
    if (level === undefined) return report;
    return ((message: string, urn?: string) =>
        (report as unknown as (info: object) => void)({ name: policyName, message, urn, enforcementLevel: level })) as ReportViolation;
}

/**
 * Reports that one check could not run because a value it needs is only known after `pulumi up`:
 * an advisory, as the policy server reports a policy that reads an unknown, but for this check
 * only, so the policy's other checks (and other resources) are still judged.
 */
export function cannotCheckYet(report: ReportViolation, policyName: string, urn: string | undefined, what: string): void {
    (report as unknown as (info: object) => void)({
        name: policyName,
        message: `can't check ${what} during preview: the value is only known after 'pulumi up'; the policy checks it again then.`,
        urn,
        enforcementLevel: "advisory",
    });
}

/**
 * One validation per resource type token, each filtered the way `validateResourceOfType` filters
 * (the server and the offline plan skip a resource of another type without calling it), for
 * policies that span several types and need no provider class.
 */
export function forTypes(types: string[], validate: (args: ResourceValidationArgs, report: ReportViolation) => void): ResourceValidation[] {
    return types.map((type) => validateResourceOfType({ __pulumiType: type } as never, (_props: unknown, args: ResourceValidationArgs, report: ReportViolation) => validate(args, report)));
}
