import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ErrorObject } from "ajv";
import type { Policy } from "@pulumi/policy";

/*
 * The JSON Schema validators `runbook` runs: the plan file's schema (docs/plan.schema.json, relaxed
 * for hand-written plans) and each policy's config schema. `npm run build` compiles them once into
 * dist/plan/validators.generated.js (ajv's standalone code), so a plan or a check neither loads ajv
 * nor compiles a schema, which was a tenth of a check's start-up. The generated file names the
 * schemas it was made from by a hash; when they have changed since (a build with tsc alone), or it
 * is missing, the schemas are compiled here as before.
 */

export interface Validator {
    (data: unknown): boolean;
    errors?: ErrorObject[] | null;
}

/** The plan file's schema as `check` reads a plan: what check recomputes or defaults may be left out. */
export function planFileSchema(): Record<string, any> {
    const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "plan.schema.json"), "utf8"));
    schema.required = ["schemaVersion", "stack", "resources"];
    schema.definitions.resource.required = ["urn", "type", "name", "inputs"];
    return schema;
}

/** The schema a policy's config properties are checked against, as the Pulumi CLI checks them. */
export function policyConfigSchema(p: Policy): Record<string, unknown> | undefined {
    return p.configSchema ? { type: "object", properties: p.configSchema.properties, required: p.configSchema.required } : undefined;
}

/** Ajv's options for each kind: the first error of a plan file; every error of a policy config. */
export const PLAN_OPTIONS = { allErrors: false, strict: false, validateSchema: false } as const;
export const POLICY_OPTIONS = { allErrors: true, strict: false } as const;

/** Names the schemas and options a generated validator was made from. */
export function schemasKey(schemas: unknown, options: object): string {
    return crypto.createHash("sha256").update(JSON.stringify([schemas, options])).digest("hex");
}

interface Generated {
    planKey: string;
    plan: Validator;
    /** Per policy: the key of the schema its validator was made from, and the validator. */
    policies: Record<string, { key: string; validate: Validator }>;
}

let generated: Generated | null | undefined;
function loadGenerated(): Generated | null {
    if (generated === undefined) {
        try {
            // Written by the build next to this file (not a source file, so not named as one).
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            generated = require(path.join(__dirname, "validators.generated.js")) as Generated;
        } catch {
            generated = null;
        }
    }
    return generated;
}

let planValidator: Validator | undefined;
/** The plan file's validator. */
export function planFileValidator(): Validator {
    if (planValidator === undefined) {
        const schema = planFileSchema();
        const g = loadGenerated();
        planValidator = g !== null && g.planKey === schemasKey(schema, PLAN_OPTIONS) ? g.plan : compile(PLAN_OPTIONS, schema);
    }
    return planValidator;
}

function compile(options: object, schema: object): Validator {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = (require("ajv") as typeof import("ajv")).default;
    return new Ajv(options).compile(schema) as Validator;
}

const configValidators = new WeakMap<Policy, Validator>();
/** A policy's config validator, or undefined when it takes no config. */
export function policyConfigValidator(p: Policy): Validator | undefined {
    const schema = policyConfigSchema(p);
    if (schema === undefined) return undefined;
    let validate = configValidators.get(p);
    if (validate === undefined) {
        const g = loadGenerated()?.policies[p.name];
        validate = g !== undefined && g.key === schemasKey(schema, POLICY_OPTIONS) ? g.validate : compile(POLICY_OPTIONS, schema);
        configValidators.set(p, validate);
    }
    return validate;
}
