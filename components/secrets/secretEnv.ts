import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { READER_URL_KEY } from "../../config/rules";

export { READER_URL_KEY };

/** Keys of the apps' R2 token's Secret (ST-1); an app names its env for each through `r2Env`. */
export const ASSET_CREDENTIAL_KEYS = { accessKeyId: "R2_ACCESS_KEY_ID", secretAccessKey: "R2_SECRET_ACCESS_KEY", endpoint: "R2_ENDPOINT" } as const;

/**
 * The environment variables an app gets from the environment's Secret: one `secretKeyRef` per name
 * in its `secretRefs`, so the value never appears in the Deployment (SC-1).
 */
export function secretEnv(secretRefs: readonly string[], secretName: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
    return secretRefs.map((name) => ({ name, valueFrom: { secretKeyRef: { name: secretName, key: name } } }));
}

/** Environment variables under names the app chose, each from one key of a Secret. */
export function renamedSecretEnv(names: Record<string, string>, secretName: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
    return Object.entries(names).map(([name, key]) => ({ name, valueFrom: { secretKeyRef: { name: secretName, key } } }));
}

/** Every key the environment's Secret holds: connection strings the stack builds, then config secrets. */
export function secretKeys(connectionUrls: Record<string, unknown>, appSecrets: Record<string, unknown>): string[] {
    const clash = Object.keys(appSecrets).filter((k) => k in connectionUrls);
    if (clash.length > 0) {
        throw new Error(`runbook:secrets.${clash[0]} clashes with a connection string the stack builds; remove it from runbook:secrets`);
    }
    return [...Object.keys(connectionUrls), ...Object.keys(appSecrets)];
}

/**
 * The migration Jobs' values: every key of the apps' Secret (so each `secretRefs` name a Job reads
 * exists), with the connection strings the migrations log in with in place of the apps' own.
 */
export function migrationSecretData<T>(appsData: Record<string, T>, migrationUrls: Record<string, T>): Record<string, T> {
    const unknown = Object.keys(migrationUrls).filter((k) => !(k in appsData));
    if (unknown.length > 0) throw new Error(`migration connection string ${unknown[0]} replaces no key of the apps' Secret (${Object.keys(appsData).join(", ")})`);
    return { ...appsData, ...migrationUrls };
}
