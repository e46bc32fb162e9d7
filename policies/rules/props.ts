/**
 * Reading resource props in a policy without tripping over preview unknowns. The policy server's
 * proxy throws when a policy reads a value that is only known after `pulumi up`; the `in` operator
 * does not read, so these helpers can tell "absent" from "known later" and let a policy check the
 * rest of the stack instead of giving up.
 */

/** Stands for a value that is only known after `pulumi up`. */
export const UNKNOWN = Symbol("unknown");

/** The value at a path of props: `undefined` when absent, `UNKNOWN` when a preview cannot know it. */
export function at(obj: unknown, ...path: string[]): unknown {
    let v = obj;
    for (const key of path) {
        if (v === null || typeof v !== "object" || !(key in (v as object))) return undefined;
        try {
            v = (v as Record<string, unknown>)[key];
        } catch {
            // The only thing that throws on a property read is the policy server's unknown-value proxy.
            return UNKNOWN;
        }
    }
    return v;
}

/** The elements of a list at a path; an unknown element is `UNKNOWN`. */
export function listAt(obj: unknown, ...path: string[]): unknown[] {
    const list = at(obj, ...path);
    if (!Array.isArray(list)) return [];
    return Array.from({ length: list.length }, (_, i) => at(list, String(i)));
}

/** Set: present and not empty, `[secret]` in a plan, or only known after `pulumi up` (it is computed later). */
export function isSet(v: unknown): boolean {
    return v === UNKNOWN || (v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0));
}

/** A known string, or undefined. */
export function knownString(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}
