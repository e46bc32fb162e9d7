import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./problems";
import { StackConfig } from "./resolve";
import { PROJECT, RawConfig } from "./secrets";
import { rawConfigFromEngine, readStackFileIfPresent, valueAtPath } from "./source";
import { validateConfig } from "./validate";

export { ConfigError, formatReport } from "./problems";
export type { ConfigProblem } from "./problems";
export type { StackConfig, ResolvedApp, ResolvedBucket, Environment } from "./resolve";
export type { ResolvedDatabase, ResolvedPostgres, ResolvedMongo, ResolvedRedis, ResolvedElastiCache, ResolvedInClusterRedis, ResolvedBackupTarget } from "./model";

/** The validated config, and accessors for the values that must stay secret. */
export interface LoadedConfig {
    config: StackConfig;
    /** A `secure:` value as a secret Output, e.g. `secret("alerts.routes.pagerdutyRoutingKey")`. */
    secret(path: string): pulumi.Output<string>;
    /** The app secrets of `runbook:secrets`, each a secret Output. */
    appSecrets(): Record<string, pulumi.Output<string>>;
}

let offlineSource: RawConfig | undefined;

/**
 * Used by the offline plan: the raw config it read from the stack file (with placeholders for
 * `secure:` values), so the program sees exactly what the plan validated.
 */
export function useOfflineConfig(raw: RawConfig | undefined): void {
    offlineSource = raw;
}

function engineConfig(): RawConfig {
    const runtime = pulumi.runtime as unknown as { allConfig(): Record<string, string>; isConfigSecret?: (k: string) => boolean };
    const isSecret = runtime.isConfigSecret ?? (() => false);
    const stackFile = readStackFileIfPresent(process.cwd(), pulumi.getStack());
    return rawConfigFromEngine(runtime.allConfig(), (k) => isSecret(k), stackFile);
}

/**
 * Reads and validates the stack's config before anything is built. Throws `ConfigError`, whose
 * message lists every problem with its key path, when the config is invalid.
 */
export function loadConfig(): LoadedConfig {
    const raw = offlineSource ?? engineConfig();
    const stack = pulumi.getStack();
    const result = validateConfig(raw, stack);
    if (!result.ok) throw new ConfigError(stack, result.problems);
    const secret = (path: string): pulumi.Output<string> => {
        const value = valueAtPath(raw, `${PROJECT}:${path}`);
        if (typeof value !== "string") throw new Error(`runbook:${path} is not set`);
        return pulumi.secret(value);
    };
    return {
        config: result.config,
        secret,
        appSecrets: () => Object.fromEntries(result.config.secretNames.map((name) => [name, secret(`secrets.${name}`)])),
    };
}
