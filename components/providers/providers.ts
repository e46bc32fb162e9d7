import * as aws from "./aws";
import * as cloudflare from "./cloudflare";
import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "./random";
import type { StackConfig } from "../../config";
import { PROVIDER_NAMES, awsProviderSettings, kubernetesProviderSettings } from "./providerSettings";

export interface StackProviders {
    /** Present when something lives in AWS. */
    aws?: aws.Provider;
    kubernetes: k8s.Provider;
    cloudflare: cloudflare.Provider;
    random: random.Provider;
    /** Options every top-level component takes: each package's provider, inherited by every child. */
    opts: pulumi.ComponentResourceOptions;
}

export interface ProvidersArgs {
    config: Pick<StackConfig, "providers" | "kubernetes" | "environment">;
    /** The Cloudflare API token, a secret Output (`providers.cloudflare.apiToken`). */
    cloudflareApiToken: pulumi.Output<string>;
}

/**
 * The stack's explicit providers. Stack files also set `pulumi:disable-default-providers: ["*"]`,
 * so a resource that is not given one of these fails instead of falling back to whatever account,
 * cluster or token the shell happens to have.
 */
export function createProviders(args: ProvidersArgs): StackProviders {
    const awsSettings = awsProviderSettings(args.config);
    const awsProvider = awsSettings ? new aws.Provider(PROVIDER_NAMES.aws, awsSettings) : undefined;
    const kubernetes = new k8s.Provider(PROVIDER_NAMES.kubernetes, kubernetesProviderSettings(args.config));
    const cf = new cloudflare.Provider(PROVIDER_NAMES.cloudflare, { apiToken: pulumi.secret(args.cloudflareApiToken) });
    const rnd = new random.Provider(PROVIDER_NAMES.random, {});
    const providers: pulumi.ProviderResource[] = [kubernetes, cf, rnd, ...(awsProvider ? [awsProvider] : [])];
    return { aws: awsProvider, kubernetes, cloudflare: cf, random: rnd, opts: { providers } };
}
