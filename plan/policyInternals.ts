/**
 * The policy server's own helpers, so the offline plan deserializes and proxies props exactly as
 * `pulumi preview` does. The unknown-checking proxy is @pulumi/policy's own (its module loads nothing
 * else). The rest is restated here, because loading @pulumi/policy's modules for them loads its gRPC
 * server and the whole Pulumi SDK, which is most of `runbook check`'s start-up: the wire constants of
 * `@pulumi/pulumi/runtime/rpc`, and `getPulumiType`, `isResourcePolicy`, `isStackPolicy` of
 * `@pulumi/policy/policy`. The deserializer itself is loaded only for props that hold a signature
 * (a secret, asset or resource reference), which a plan file never does. test/unit/policyInternals
 * checks each restatement against the package's own.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

export interface UnknownValueErrorLike extends Error {
    props: PropertyKey[];
}

const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(o: T): T;
    UnknownValueError: new (sentinel: string, props: PropertyKey[]) => UnknownValueErrorLike;
    isSpecialProxy: string;
    getSpecialProxyTarget: string;
} & Record<`unknown${"Boolean" | "Number" | "String" | "Array" | "Asset" | "Archive" | "Object"}Value`, string>;

export const unknownCheckingProxy = proxy.unknownCheckingProxy;
export const UnknownValueError = proxy.UnknownValueError;

/** The values that stand for an unknown on the wire, one per type: reading one through the proxy throws. */
const UNKNOWN_SENTINELS = new Set([
    proxy.unknownBooleanValue,
    proxy.unknownNumberValue,
    proxy.unknownStringValue,
    proxy.unknownArrayValue,
    proxy.unknownAssetValue,
    proxy.unknownArchiveValue,
    proxy.unknownObjectValue,
]);

/**
 * What @pulumi/policy's `unknownCheckingProxy` gives for every read, at a fraction of its cost: it
 * makes a new proxy, with a new copy of its path, for every object or function a policy reads, which
 * on a large plan was a tenth of `runbook check`. Here only objects that hold an unknown somewhere
 * below them are proxied (once each, the proxy kept), and everything else is handed out as it is:
 * a read under it can never meet an unknown, so the server's proxy would only pass it through.
 * Reading an unknown throws the same UnknownValueError with the same path; functions (`list.map`)
 * run with the proxy as `this`, so the elements they read are checked as before. Only identities
 * differ (the server's `props.spec !== props.spec`), which no policy may rely on. test/unit/
 * policyInternals compares the two on generated props, read by every path and list method.
 */
export function previewProxy<T extends object>(root: T): T {
    const holds = new WeakMap<object, boolean>();
    const holdsUnknown = (v: unknown): boolean => {
        if (typeof v === "string") return UNKNOWN_SENTINELS.has(v);
        if (v === null || typeof v !== "object") return false;
        let found = holds.get(v);
        if (found === undefined) {
            found = false;
            for (const k of Object.keys(v)) {
                if (holdsUnknown((v as Record<string, unknown>)[k])) {
                    found = true;
                    break;
                }
            }
            holds.set(v, found);
        }
        return found;
    };
    const wrap = (target: object, path: PropertyKey[]): object => {
        const children = new Map<PropertyKey, object>();
        return new Proxy(target, {
            get: (obj, prop) => {
                if (prop === proxy.isSpecialProxy) return true;
                if (prop === proxy.getSpecialProxyTarget) return obj;
                const field = (obj as Record<PropertyKey, unknown>)[prop];
                if (typeof field === "string" && UNKNOWN_SENTINELS.has(field)) throw new UnknownValueError(field, [...path, prop]);
                if (field === null || typeof field !== "object" || !holdsUnknown(field)) return field;
                let child = children.get(prop);
                if (child === undefined) children.set(prop, (child = wrap(field, [...path, prop])));
                return child;
            },
        });
    };
    return wrap(root, []) as T;
}

/** `rpc.unknownValue`: what the engine sends for a value only known after `up`. */
export const UNKNOWN_WIRE_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** `rpc.specialSigKey`: the key that marks a secret, asset, archive or resource reference on the wire. */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";

/** @pulumi/policy's `deserializeProperties`, loaded on first use. */
export function deserializeProperties(struct: { toJavaScript(): Record<string, unknown> }, proxySecrets: boolean): Record<string, unknown> {
    const deserialize = require("@pulumi/policy/deserialize") as {
        deserializeProperties(struct: { toJavaScript(): Record<string, unknown> }, proxySecrets: boolean): Record<string, unknown>;
    };
    return deserialize.deserializeProperties(struct, proxySecrets);
}

/** `getPulumiType`: the object's `__pulumiType`, when it is a non-empty string. */
export function getPulumiType(obj: unknown): string | undefined {
    const pulumiType = (obj as { __pulumiType?: unknown } | null | undefined)?.__pulumiType;
    return typeof pulumiType === "string" && pulumiType.length > 0 ? pulumiType : undefined;
}

/** `isResourcePolicy`: it has a validateResource function (or a list of only functions), or a remediateResource function. */
export function isResourcePolicy(p: unknown): boolean {
    const validation = (p as { validateResource?: unknown }).validateResource;
    if (typeof validation === "function") return true;
    if (Array.isArray(validation)) return validation.every((v) => typeof v === "function");
    return typeof (p as { remediateResource?: unknown }).remediateResource === "function";
}

/** `isStackPolicy`: it has a validateStack function. */
export function isStackPolicy(p: unknown): boolean {
    return typeof (p as { validateStack?: unknown }).validateStack === "function";
}
