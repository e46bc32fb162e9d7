import { PolicyComplianceFramework } from "@pulumi/policy";

/** The pack's name, as `pulumi preview --policy-pack` and the offline plan report it. */
export const PACK_NAME = "runbook";

/** The requirement a policy enforces, from the runbook requirements table. */
export function requirement(id: string, specification: string): { tags: string[]; framework: PolicyComplianceFramework } {
    return {
        tags: [id],
        framework: { name: "runbook-requirements", version: "1", reference: id, specification },
    };
}

/** The Pulumi type token of a resource class, e.g. cloudflare:index/r2Bucket:R2Bucket. */
export function typeOf(resourceClass: { __pulumiType: string }): string {
    return resourceClass.__pulumiType;
}

/** The stack of a URN: `urn:pulumi:<stack>::<project>::<type>::<name>`; undefined for anything else. */
export function stackOf(urn: string | undefined | null): string | undefined {
    if (typeof urn !== "string" || !urn.startsWith("urn:pulumi:")) return undefined;
    const end = urn.indexOf("::", "urn:pulumi:".length);
    return end < 0 ? undefined : urn.slice("urn:pulumi:".length, end);
}
