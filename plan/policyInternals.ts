/**
 * The policy server's own helpers, loaded from @pulumi/policy so the offline plan deserializes and
 * proxies props exactly as `pulumi preview` does. They are internal to the package (its .d.ts files
 * omit them), so their types are declared here.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

export interface UnknownValueErrorLike extends Error {
    props: PropertyKey[];
}

const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(o: T): T;
    UnknownValueError: new (...args: never[]) => UnknownValueErrorLike;
};
const deserialize = require("@pulumi/policy/deserialize") as {
    deserializeProperties(struct: { toJavaScript(): Record<string, unknown> }, proxySecrets: boolean): Record<string, unknown>;
};
const policy = require("@pulumi/policy/policy") as {
    getPulumiType(o: unknown): string | undefined;
    isResourcePolicy(p: unknown): boolean;
    isStackPolicy(p: unknown): boolean;
};

export const unknownCheckingProxy = proxy.unknownCheckingProxy;
export const UnknownValueError = proxy.UnknownValueError;
export const deserializeProperties = deserialize.deserializeProperties;
export const getPulumiType = policy.getPulumiType;
export const isResourcePolicy = policy.isResourcePolicy;
export const isStackPolicy = policy.isStackPolicy;
