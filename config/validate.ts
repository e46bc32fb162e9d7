import { z } from "zod";
import { ConfigProblem, SECRET_MASK, joinPath, nearest, requirementFor } from "./problems";
import { Environment, StackConfig, isProductionStack, resolveConfig } from "./resolve";
import { contradictions, crossFieldProblems } from "./rules";
import { stackConfigSchema } from "./schema";
import { PROJECT, RawConfig, findPlaintextSecrets, isSecurePath, looksSecret, setSecretCommand } from "./secrets";
import { maskedNamespaces } from "./source";

export type ValidationResult = { ok: true; config: StackConfig } | { ok: false; problems: ConfigProblem[] };

type AnySchema = z.ZodType & { def: Record<string, unknown> & { type: string } };

/** The schema that governs `path`, or undefined where the path leaves the schema. */
export function schemaAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): AnySchema | undefined {
    let current = unwrap(schema as AnySchema);
    for (const segment of path) {
        if (!current) return undefined;
        const def = current.def;
        if (def.type === "object") current = unwrap((def.shape as Record<string, AnySchema>)[String(segment)]);
        else if (def.type === "array") current = unwrap(def.element as AnySchema);
        else if (def.type === "record") current = unwrap(def.valueType as AnySchema);
        else return undefined;
    }
    return current;
}

/** A required string whose key marks it as secret, or that sits under `secrets`. */
export function isSecretLeaf(path: ReadonlyArray<PropertyKey>, schema: AnySchema | undefined): boolean {
    const key = String(path[path.length - 1]);
    return schema?.def.type === "string" && (path[0] === "secrets" || looksSecret(key));
}

/**
 * For an absent object: the paths of its required keys when every one of them is a secret
 * (recursively), such as `providers.cloudflare` → [[providers, cloudflare, apiToken]]; undefined
 * when it needs anything else.
 */
export function requiredSecretLeaves(path: PropertyKey[]): PropertyKey[][] | undefined {
    const schema = schemaAt(stackConfigSchema, path);
    if (schema?.def.type !== "object") return undefined;
    const leaves: PropertyKey[][] = [];
    for (const [key, child] of Object.entries(schema.def.shape as Record<string, AnySchema>)) {
        if (child.def.type === "optional" || child.def.type === "default") continue;
        const childPath = [...path, key];
        if (isSecretLeaf(childPath, schemaAt(stackConfigSchema, childPath))) leaves.push(childPath);
        else {
            const nested = requiredSecretLeaves(childPath);
            if (nested === undefined) return undefined;
            leaves.push(...nested);
        }
    }
    return leaves.length > 0 ? leaves : undefined;
}

function unwrap(schema: AnySchema | undefined): AnySchema | undefined {
    let s = schema;
    while (s && ["optional", "default", "nullable", "pipe"].includes(s.def.type)) {
        // A preprocessed schema (apps[].migrate accepts a string) is described by its output.
        s = (s.def.type === "pipe" ? s.def.out : s.def.innerType) as AnySchema;
    }
    return s;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
    let v: unknown = root;
    for (const segment of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[segment];
    }
    return v;
}

function range(schema: AnySchema | undefined): string | undefined {
    const s = schema as unknown as { minValue?: number | null; maxValue?: number | null };
    const min = s?.minValue;
    const max = s?.maxValue;
    const finite = (n: number | null | undefined): n is number => typeof n === "number" && Number.isFinite(n) && Math.abs(n) < Number.MAX_SAFE_INTEGER;
    if (finite(min) && finite(max)) return `set ${min}–${max}`;
    if (finite(min)) return `set ${min} or more`;
    if (finite(max)) return `set ${max} or less`;
    return undefined;
}

function describeType(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    if (typeof value === "object") return "an object";
    return `a ${typeof value}`;
}

/** Turns one schema issue into one or more problems (one per unknown key). */
function issueToProblems(issue: z.core.$ZodIssue, root: unknown, securePaths: ReadonlySet<string>): ConfigProblem[] {
    const path = joinPath(issue.path);
    const schema = schemaAt(stackConfigSchema, issue.path);
    const raw = valueAt(root, issue.path);
    const value = isSecurePath(securePaths, `${PROJECT}:${path}`) ? SECRET_MASK : raw;
    const requirement = requirementFor(path);
    switch (issue.code) {
        case "unrecognized_keys": {
            const known = schema && schema.def.type === "object" ? Object.keys(schema.def.shape as object) : [];
            return issue.keys.map((key) => {
                const keyPath = path === "" ? key : `${path}.${key}`;
                const suggestion = nearest(key, known);
                return {
                    path: keyPath,
                    message: "is not a known key",
                    fix: suggestion ? `did you mean ${path === "" ? suggestion : `${path}.${suggestion}`}?` : `known keys here: ${known.join(", ")}`,
                };
            });
        }
        case "invalid_type":
            if (raw === undefined) {
                // A secret is never written into the stack file by hand: only the CLI encrypts it.
                const secretLeaves = isSecretLeaf(issue.path, schema) ? [[...issue.path]] : requiredSecretLeaves([...issue.path]);
                if (secretLeaves !== undefined) {
                    return secretLeaves.map((leaf) => {
                        const leafPath = joinPath(leaf);
                        return { path: leafPath, message: "is required and is a secret", requirement: requirementFor(leafPath), fix: `set it with: ${setSecretCommand(leafPath)}` };
                    });
                }
                return [{ path, message: "is required", requirement, fix: `set ${path} (${issue.expected})` }];
            }
            return [{ path, value, message: `is ${describeType(raw)}, but must be ${issue.expected === "int" ? "a whole number" : `a ${issue.expected}`}`, requirement }];
        case "too_small":
            if (issue.origin === "array") {
                return [{ path, value, message: `has fewer than ${issue.minimum} entries`, requirement, fix: `list at least ${issue.minimum}` }];
            }
            return [{ path, value, message: `is below the minimum of ${issue.minimum}`, requirement, fix: range(schema) }];
        case "too_big":
            return [{ path, value, message: `is above the maximum of ${issue.maximum}`, requirement, fix: range(schema) }];
        case "invalid_value":
            return [{ path, value, message: "is not an allowed value", requirement, fix: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
        case "invalid_format":
            return [{ path, value, message: issue.message, requirement }];
        case "invalid_key":
            return [{ path, message: `has an invalid key: ${issue.issues.map((i) => i.message).join("; ")}`, requirement }];
        case "invalid_union":
            return [{ path, value, message: "matches none of the allowed shapes", requirement }];
        default:
            return [{ path, value, message: issue.message, requirement }];
    }
}

/**
 * Validates a stack's raw config: plain-text secrets in any namespace, the `runbook:` schema, then
 * the rules that span keys. Every problem is reported at once; a config with any problem yields no
 * `StackConfig`, so no resource can be built from it.
 */
export function validateConfig(raw: RawConfig, stack: string): ValidationResult {
    const env: Environment = { stack, isProduction: isProductionStack(stack) };
    const problems = findPlaintextSecrets(raw);
    // Secret values are masked before validation, so no message can ever echo one.
    const values = maskedNamespaces(raw)[PROJECT] ?? {};
    const parsed = stackConfigSchema.safeParse(values);
    problems.push(...contradictions(values));
    if (!parsed.success) {
        for (const issue of parsed.error.issues) problems.push(...issueToProblems(issue, values, raw.securePaths));
    }
    // Issue 18 #1: the config is resolved once into the stack model; the cross-field rules read its defaults.
    const model = parsed.success ? resolveConfig(parsed.data, env) : undefined;
    if (parsed.success) problems.push(...crossFieldProblems(parsed.data, env, model));
    if (problems.length > 0 || model === undefined) return { ok: false, problems };
    return { ok: true, config: model };
}
