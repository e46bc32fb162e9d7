import * as path from "path";
import { captureProgram } from "../../plan/capture";
import { PlanResource } from "../../plan/model";

/** Project root, from dist/test/helpers. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");

/**
 * Builds components on the mock runtime, as a preview of the given stack, and returns every
 * registered resource with its options. Waits for the last registration before returning.
 */
export async function mockRun(build: () => Record<string, unknown> | void, stack = "staging"): Promise<PlanResource[]> {
    const capture = await captureProgram({
        project: "runbook",
        stack,
        program: () => build() ?? {},
        config: {},
        secretKeys: [],
    });
    return capture.resources;
}

/** The same, with secret values kept in the recorded inputs (to check what a Secret will hold). */
export async function mockRunRevealed(build: () => Record<string, unknown> | void, stack = "staging"): Promise<PlanResource[]> {
    const capture = await captureProgram({ project: "runbook", stack, program: () => build() ?? {}, config: {}, secretKeys: [], revealSecrets: true });
    return capture.resources;
}

export function ofType(resources: PlanResource[], type: string): PlanResource[] {
    return resources.filter((r) => r.type === type);
}

export function one(resources: PlanResource[], type: string, nameIncludes = ""): PlanResource {
    const found = resources.filter((r) => r.type === type && r.name.includes(nameIncludes));
    if (found.length !== 1) throw new Error(`expected one ${type} named *${nameIncludes}*, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    return found[0];
}

/** The two environments, as config/resolve.ts derives them from the stack name. */
export const staging = { stack: "staging", isProduction: false };
export const production = { stack: "production", isProduction: true };
