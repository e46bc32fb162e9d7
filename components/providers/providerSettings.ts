import type { StackConfig } from "../../config";

/*
 * What each of the stack's explicit providers is configured with, decided without Pulumi so the
 * settings are unit-tested (test/unit/providers/providerSettings.test.ts). One provider per
 * package, created once in index.ts and handed to every top-level component; children inherit it
 * through `{ parent: this }`.
 */

/** Logical names of the providers. Renaming one replaces it and, with it, every resource it manages. */
export const PROVIDER_NAMES = { aws: "aws", kubernetes: "kubernetes", cloudflare: "cloudflare", random: "random" } as const;

export interface AwsProviderSettings {
    region: string;
    /** The provider refuses credentials of any other account. */
    allowedAccountIds?: string[];
    /** Tags on every AWS resource that takes tags: which stack owns it. */
    defaultTags: { tags: Record<string, string> };
}

/** The AWS provider's settings, or undefined when nothing in the stack lives in AWS. */
export function awsProviderSettings(config: Pick<StackConfig, "providers" | "environment">): AwsProviderSettings | undefined {
    const aws = config.providers.aws;
    if (aws === undefined) return undefined;
    return {
        region: aws.region,
        ...(aws.allowedAccountIds !== undefined ? { allowedAccountIds: [...aws.allowedAccountIds] } : {}),
        defaultTags: { tags: { "runbook:stack": config.environment.stack, "runbook:managed-by": "pulumi" } },
    };
}

export interface KubernetesProviderSettings {
    /** The kubeconfig context of this stack's cluster; the current context is never used. */
    context: string;
    /** Default namespace for namespaced objects that name none. */
    namespace: string;
    /** Server-side apply: patch resources (volume growth) need it, and field ownership is explicit. */
    enableServerSideApply: true;
}

export function kubernetesProviderSettings(config: Pick<StackConfig, "kubernetes">): KubernetesProviderSettings {
    return { context: config.kubernetes.context, namespace: config.kubernetes.namespace, enableServerSideApply: true };
}
