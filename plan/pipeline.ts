import * as fs from "fs";
import * as path from "path";
import { FilledSecret, fillAbsentSecrets } from "../config/offline";
import type { StackConfig } from "../config";
import { ConfigProblem } from "../config/problems";
import { PROJECT, RawConfig } from "../config/secrets";
import { StackFileError, rawConfigFromStackFile, stackFilePath } from "../config/source";
import { validateConfig } from "../config/validate";
import { captureProgram } from "./capture";
import { PROJECT_ROOT, ProgramError, checkResources } from "./check";
import { offlineInvokes } from "./invokes";
import { PLAN_SCHEMA_VERSION, PlanFile, PlanResource, summarize } from "./model";

/** The project directory: where Pulumi.yaml and the stack files live. */


export { PROJECT_ROOT, ProgramError, checkResources, defaultPolicyConfigFile, packSpec } from "./check";

/** `placeholders`: required secrets the stack file leaves out, planned with marked placeholders. */
export type PlanOutcome =
    | { kind: "config-error"; stack: string; problems: ConfigProblem[]; placeholders: FilledSecret[] }
    | { kind: "planned"; plan: PlanFile; placeholders: FilledSecret[]; config: StackConfig };

/** A stack file read and validated, without running the program. */
export type StackFileOutcome =
    | { kind: "config-error"; stack: string; problems: ConfigProblem[]; placeholders: FilledSecret[] }
    | { kind: "valid"; raw: RawConfig; config: StackConfig; placeholders: FilledSecret[] };

export interface PlanOptions {
    stack: string;
    /** Stack file to read; defaults to Pulumi.<stack>.yaml in the project. */
    configFile?: string;
    /** Policy config; defaults to policies/config/<stack>.json when it exists. */
    policyConfigFile?: string;
    /** Loads the program; defaults to the project's compiled index. */
    program?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
    /** Keep secret values in the plan's inputs, for the runtime tests; never for a plan file. */
    revealSecrets?: boolean;
}

/** The engine's view of the config: `namespace:key` → string (objects as JSON), and its secret keys. */
export function engineConfig(raw: RawConfig): { config: Record<string, string>; secretKeys: string[] } {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [namespace, keys] of Object.entries(raw.namespaces)) {
        for (const [key, value] of Object.entries(keys)) {
            const full = `${namespace}:${key}`;
            config[full] = typeof value === "string" ? value : JSON.stringify(value);
            if ([...raw.securePaths].some((p) => p === full || p.startsWith(`${full}.`) || p.startsWith(`${full}[`))) secretKeys.push(full);
        }
    }
    return { config, secretKeys };
}

/** Finds placeholders of `secure:` values that reached a resource or output without being marked secret. */
export function findLeakedSecrets(resources: PlanResource[], outputs: Record<string, unknown>): string[] {
    const leaks: string[] = [];
    const visit = (value: unknown, where: string) => {
        if (typeof value === "string" && value.includes("offline-placeholder-for-")) leaks.push(where);
        else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${where}[${i}]`));
        else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) visit(v, `${where}.${k}`);
    };
    for (const r of resources) visit(r.inputs, `${r.urn} inputs`);
    visit(outputs, "stack outputs");
    return leaks;
}

/** Reads the stack file (Pulumi.<stack>.yaml unless `configFile` says otherwise) and validates it. */
export function readStackFile(options: Pick<PlanOptions, "stack" | "configFile">): StackFileOutcome {
    const file = options.configFile ?? stackFilePath(PROJECT_ROOT, options.stack);
    if (!fs.existsSync(file)) {
        throw new ProgramError(`no stack file ${path.relative(process.cwd(), file)}; stacks in this project: ${listStacks().join(", ")}`);
    }
    // Secrets are never committed; the plan stands in for the absent ones and reports which.
    let fromFile: RawConfig;
    try {
        fromFile = rawConfigFromStackFile(fs.readFileSync(file, "utf8"), path.relative(process.cwd(), file) || path.basename(file));
    } catch (e) {
        // Issue 19: one line that names the file and what is wrong, exit 2, nothing planned.
        if (e instanceof StackFileError) throw new ProgramError(`${e.message}; nothing was planned`);
        throw e;
    }
    const { raw, filled: placeholders } = fillAbsentSecrets(fromFile, options.stack);
    const validation = validateConfig(raw, options.stack);
    if (!validation.ok) return { kind: "config-error", stack: options.stack, problems: validation.problems, placeholders };
    return { kind: "valid", raw, config: validation.config, placeholders };
}

/** Validates the stack's config, runs the program offline, and checks every resource with the pack. */
export async function planStack(options: PlanOptions): Promise<PlanOutcome> {
    const stackFile = readStackFile(options);
    if (stackFile.kind === "config-error") return stackFile;
    const { raw, placeholders } = stackFile;

    // The program validates again on its own; it must see exactly what was validated here.
    const configModule = await import("../config");
    configModule.useOfflineConfig(raw);
    const { config, secretKeys } = engineConfig(raw);
    let capture;
    try {
        capture = await captureProgram({
            project: PROJECT,
            stack: options.stack,
            program: options.program ?? (() => require("../index")),
            config,
            secretKeys,
            invokes: offlineInvokes,
            revealSecrets: options.revealSecrets,
        });
    } catch (e) {
        throw new ProgramError(`the program failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
        configModule.useOfflineConfig(undefined);
    }
    const leaks = options.revealSecrets ? [] : findLeakedSecrets(capture.resources, capture.outputs);
    if (leaks.length > 0) {
        throw new ProgramError(`a secret value reaches these places as plain text (SC-1); wrap it with pulumi.secret():\n  - ${leaks.join("\n  - ")}`);
    }
    const { pack, violations, policyConfigFile } = await checkResources(capture.resources, options.stack, options.policyConfigFile);
    return {
        kind: "planned",
        placeholders,
        config: stackFile.config,
        plan: {
            schemaVersion: PLAN_SCHEMA_VERSION,
            project: PROJECT,
            stack: options.stack,
            resources: capture.resources,
            outputs: capture.outputs,
            policyPack: { name: pack.name, version: pack.version, config: policyConfigFile },
            violations,
            summary: summarize(capture.resources, violations),
        },
    };
}

export function listStacks(): string[] {
    return fs
        .readdirSync(PROJECT_ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}
