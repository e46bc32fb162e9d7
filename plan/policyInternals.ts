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
    UnknownValueError: new (...args: never[]) => UnknownValueErrorLike;
};

export const unknownCheckingProxy = proxy.unknownCheckingProxy;
export const UnknownValueError = proxy.UnknownValueError;

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
