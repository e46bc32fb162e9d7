import { Policies } from "@pulumi/policy";
import { EnforcementLevel } from "./model";
import { policyConfigValidator } from "./validators";

/**
 * Policy pack config, handled the way the Pulumi CLI handles `--policy-pack-config`: each policy
 * starts from its schema defaults and its own enforcement level (or the pack's); an `all` entry
 * sets every policy's level; a policy's own entry overrides both; the result is validated against
 * each policy's config schema.
 */

export interface PolicyConfigEntry {
    enforcementLevel?: EnforcementLevel;
    properties: Record<string, unknown>;
}
export type PolicyConfig = Record<string, PolicyConfigEntry>;

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export class PolicyConfigError extends Error {}

function isLevel(v: unknown): v is EnforcementLevel {
    return typeof v === "string" && (LEVELS as string[]).includes(v);
}

/** Parses a policy config file: `{ "<policy>" | "all": "<level>" | { enforcementLevel?, ...properties } }`. */
export function parsePolicyConfigFile(json: unknown, file = "policy config"): PolicyConfig {
    if (json === null || typeof json !== "object" || Array.isArray(json)) throw new PolicyConfigError(`${file}: must be a JSON object`);
    const result: PolicyConfig = {};
    for (const [name, value] of Object.entries(json)) {
        if (typeof value === "string") {
            if (!isLevel(value)) throw new PolicyConfigError(`${file}: "${name}": "${value}" is not a valid enforcement level; use one of ${LEVELS.join(", ")}`);
            result[name] = { enforcementLevel: value, properties: {} };
        } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value as Record<string, unknown>;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
                throw new PolicyConfigError(`${file}: "${name}.enforcementLevel": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level; use one of ${LEVELS.join(", ")}`);
            }
            result[name] = { enforcementLevel: enforcementLevel as EnforcementLevel | undefined, properties };
        } else {
            throw new PolicyConfigError(`${file}: "${name}": must be an enforcement level or an object`);
        }
    }
    return result;
}

/** Fills in defaults, applies `all` and per-policy entries, and validates against each policy's schema. */
export function reconcilePolicyConfig(policies: Policies, packLevel: EnforcementLevel, given: PolicyConfig, file = "policy config"): PolicyConfig {
    const known = new Set(policies.map((p) => p.name));
    for (const name of Object.keys(given)) {
        if (name !== "all" && !known.has(name)) {
            throw new PolicyConfigError(`${file}: "${name}" is not a policy of this pack; known policies: ${[...known].join(", ")}`);
        }
    }
    const result: PolicyConfig = {};
    for (const p of policies) {
        const defaults: Record<string, unknown> = {};
        for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
            if ((schema as { default?: unknown }).default !== undefined) defaults[k] = structuredClone((schema as { default?: unknown }).default);
        }
        result[p.name] = { enforcementLevel: p.enforcementLevel ?? packLevel, properties: defaults };
    }
    const all = given.all?.enforcementLevel;
    if (all) for (const entry of Object.values(result)) entry.enforcementLevel = all;
    for (const [name, entry] of Object.entries(given)) {
        if (name === "all") continue;
        if (entry.enforcementLevel) result[name].enforcementLevel = entry.enforcementLevel;
        Object.assign(result[name].properties, entry.properties);
    }
    // A policy's defaults satisfy its own schema (a unit test checks every policy), so only the
    // policies the given config sets properties of can fail; without any, none is validated.
    const configured = policies.filter((p) => p.configSchema && Object.keys(given[p.name]?.properties ?? {}).length > 0);
    if (configured.length === 0) return result;
    const errors: string[] = [];
    for (const p of configured) {
        const validate = policyConfigValidator(p);
        if (validate === undefined) continue;
        if (!validate(result[p.name].properties)) {
            for (const e of validate.errors ?? []) errors.push(`${p.name}${e.instancePath.replace(/\//g, ".")}: ${e.message}`);
        }
    }
    if (errors.length > 0) throw new PolicyConfigError(`${file}: invalid policy config:\n  - ${errors.join("\n  - ")}`);
    return result;
}
