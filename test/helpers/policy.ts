import { Policy } from "@pulumi/policy";
import { PackSpec, evaluatePolicies } from "../../plan/evaluate";
import { EnforcementLevel, PlanResource, Violation } from "../../plan/model";
import { PolicyConfig, parsePolicyConfigFile, reconcilePolicyConfig } from "../../plan/policyConfig";

/**
 * A planned resource, as the offline plan records it. Its URN names the stack `production` unless
 * `options.stack` says otherwise: the pack reads the environment from the URN.
 */
export function resource(type: string, name: string, inputs: Record<string, unknown>, options: Partial<PlanResource> & { stack?: string } = {}): PlanResource {
    const { stack = "production", ...rest } = options;
    const qualified = rest.parent ? `${rest.parent.split("::")[2]}$${type}` : type;
    return {
        urn: `urn:pulumi:${stack}::runbook::${qualified}::${name}`,
        type,
        name,
        custom: !type.startsWith("runbook:"),
        parent: null,
        provider: null,
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        additionalSecretOutputs: [],
        dependencies: [],
        propertyDependencies: {},
        inputs,
        ...rest,
    };
}

/** Evaluates one or more policies as the policy server would, with an optional policy config file body. */
export async function check(
    policies: Policy[],
    resources: PlanResource[],
    configFile: Record<string, unknown> = {},
    packLevel: EnforcementLevel = "mandatory",
): Promise<Violation[]> {
    const pack: PackSpec = { name: "runbook", version: "0.0.0-test", enforcementLevel: packLevel, policies };
    const config: PolicyConfig = reconcilePolicyConfig(policies, packLevel, parsePolicyConfigFile(configFile));
    return evaluatePolicies(resources, pack, config);
}

/** The same resources as planned in another stack: URNs and every reference to them rewritten. */
export function inStack(stack: string, resources: PlanResource[]): PlanResource[] {
    const move = (urn: string) => urn.replace(/^urn:pulumi:[^:]*::/, `urn:pulumi:${stack}::`);
    return resources.map((r) => ({
        ...r,
        urn: move(r.urn),
        parent: r.parent && move(r.parent),
        provider: r.provider && move(r.provider),
        dependencies: r.dependencies.map(move),
        propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, urns]) => [k, urns.map(move)])),
    }));
}
