/**
 * Reading resource props in a policy without tripping over preview unknowns or malformed input.
 * The policy server's proxy throws when a policy reads a value that is only known after
 * `pulumi up`; the `in` operator does not read, so these helpers can tell "absent" from "known
 * later" and let a policy check the rest of the stack instead of giving up. They never throw on
 * null, a wrong type or a missing level, so a hand-edited plan cannot crash a policy.
 */

import { types } from "util";

const isProxy = types.isProxy;

/** Stands for a value that is only known after `pulumi up`. */
export const UNKNOWN = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/** The value at a path of props: `undefined` when absent, `UNKNOWN` when a preview cannot know it. */
export function at(obj: unknown, ...path: string[]): unknown {
    let v = obj;
    for (let i = 0; i < path.length; i++) {
        if (v === UNKNOWN) return UNKNOWN;
        if (v === null || typeof v !== "object") return undefined;
        try {
            // An absent key reads as undefined, as does a present one set to undefined: both end here.
            v = (v as Record<string, unknown>)[path[i]];
        } catch {
            // The only thing that throws on a property read is the policy server's unknown-value proxy.
            return UNKNOWN;
        }
    }
    return v;
}

/**
 * The elements of a list at a path; an unknown element is `UNKNOWN`, and so is the one element of a
 * list that is itself unknown (how many it has is only known after `pulumi up`). A single value where
 * a list belongs is read as a list of that value (issue 19 (7)): a check then judges what was written
 * instead of seeing nothing; the provider refuses the wrong type at apply time.
 */
export function listAt(obj: unknown, ...path: string[]): unknown[] {
    const list = at(obj, ...path);
    if (list === undefined || list === null) return [];
    if (list === UNKNOWN) return [UNKNOWN];
    if (!Array.isArray(list)) return [list];
    // Only the policy server's proxy can throw on a read; a plain list is copied as it is (holes as undefined).
    if (!isProxy(list)) return Array.from(list);
    let length: number;
    try {
        length = list.length;
    } catch {
        return [UNKNOWN];
    }
    return Array.from({ length }, (_, i) => at(list, String(i)));
}

/** True when the list at a path is itself unknown (a preview cannot tell how many elements it has). */
export function isUnknownAt(obj: unknown, ...path: string[]): boolean {
    return at(obj, ...path) === UNKNOWN;
}

/** The keys of an object at a path (none when absent, unknown or not an object). */
export function keysAt(obj: unknown, ...path: string[]): string[] {
    const v = at(obj, ...path);
    if (v === null || typeof v !== "object" || Array.isArray(v)) return [];
    try {
        return Object.keys(v);
    } catch {
        return [];
    }
}

/** Set: present and not empty, `[secret]` in a plan, or only known after `pulumi up` (it is computed later). */
export function isSet(v: unknown): boolean {
    return v === UNKNOWN || (v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0));
}

/** A known string, or undefined. */
export function knownString(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

/** Stands for a value of a type no provider reads as the one a field needs (an object for a boolean). */
export const MALFORMED = Symbol("malformed");
export type Malformed = typeof MALFORMED;

/**
 * A boolean as the providers read it (issue 19 (7)): a boolean, or a string the Terraform bridge
 * parses as one (strconv.ParseBool: true, false, 1, 0, t, f in any case); `UNKNOWN`; undefined when
 * absent; `MALFORMED` for anything else, which a check must treat as the unsafe reading, never as absent.
 */
export function flag(v: unknown): boolean | undefined | Unknown | Malformed {
    if (v === UNKNOWN || typeof v === "boolean") return v;
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") {
        const t = v.trim().toLowerCase();
        if (["true", "1", "t"].includes(t)) return true;
        if (["false", "0", "f"].includes(t)) return false;
    }
    return MALFORMED;
}

/** The boolean at a path, read as `flag` reads it. */
export function flagAt(obj: unknown, ...path: string[]): boolean | undefined | Unknown | Malformed {
    return flag(at(obj, ...path));
}

/** How a value the pack could not read as a boolean or number is named in a message. */
export function showValue(v: unknown): string {
    if (v === UNKNOWN) return "only known after 'pulumi up'";
    if (v === undefined) return "not set";
    try {
        return JSON.stringify(v) ?? String(v);
    } catch {
        return String(v);
    }
}

/** A known finite number (numbers written as strings count), or undefined. */
export function knownNumber(v: unknown): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    return undefined;
}

/** A plain object's string values (labels, selectors): anything else is dropped. */
export function stringMap(v: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of keysAt(v)) {
        const value = at(v, k);
        if (typeof value === "string") out[k] = value;
    }
    return out;
}
