import { Policy } from "@pulumi/policy";
import { PackSpec, evaluatePolicies } from "../../plan/evaluate";
import { EnforcementLevel, PlanResource, Violation } from "../../plan/model";
import { PolicyConfig, parsePolicyConfigFile, reconcilePolicyConfig } from "../../plan/policyConfig";

/** A planned resource, as the offline plan records it. */
export function resource(type: string, name: string, inputs: Record<string, unknown>, options: Partial<PlanResource> = {}): PlanResource {
    const qualified = options.parent ? `${options.parent.split("::")[2]}$${type}` : type;
    return {
        urn: `urn:pulumi:test::runbook::${qualified}::${name}`,
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
        ...options,
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
