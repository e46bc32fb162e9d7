import * as fs from "fs";
import * as path from "path";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "../policies/rules";
import { PackSpec, evaluatePolicies } from "./evaluate";
import { PlanResource } from "./model";
import { parsePolicyConfigFile, reconcilePolicyConfig } from "./policyConfig";

/**
 * Checking planned resources with the policy pack, apart from planning them: `runbook check` loads
 * only this, the pack and the plan model, not the program, its config schema or the mock runtime.
 */

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** A failure of the program or of its inputs (exit code 2). */
export class ProgramError extends Error {}

export function packSpec(): PackSpec {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "policies", "package.json"), "utf8")) as { version: string };
    return { name: PACK_NAME, version: pkg.version, enforcementLevel: PACK_ENFORCEMENT_LEVEL, policies };
}

export function defaultPolicyConfigFile(stack: string): string | undefined {
    const file = path.join(PROJECT_ROOT, "policies", "config", `${stack}.json`);
    return fs.existsSync(file) ? file : undefined;
}

/** Evaluates the pack, with the stack's policy config, on a set of planned resources. */
export async function checkResources(resources: PlanResource[], stack: string, policyConfigFile = defaultPolicyConfigFile(stack)) {
    const pack = packSpec();
    const given = policyConfigFile ? parsePolicyConfigFile(JSON.parse(fs.readFileSync(policyConfigFile, "utf8")), policyConfigFile) : {};
    const config = reconcilePolicyConfig(pack.policies, pack.enforcementLevel, given, policyConfigFile);
    const violations = await evaluatePolicies(resources, pack, config);
    return { pack, violations, policyConfigFile: policyConfigFile ? path.relative(PROJECT_ROOT, policyConfigFile) : null };
}

