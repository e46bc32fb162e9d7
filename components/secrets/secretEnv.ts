import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The environment variables an app gets from the environment's Secret: one `secretKeyRef` per name
 * in its `secretRefs`, so the value never appears in the Deployment (SC-1).
 */
export function secretEnv(secretRefs: readonly string[], secretName: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
    return secretRefs.map((name) => ({ name, valueFrom: { secretKeyRef: { name: secretName, key: name } } }));
}

/** Every key the environment's Secret holds: connection strings the stack builds, then config secrets. */
export function secretKeys(connectionUrls: Record<string, unknown>, appSecrets: Record<string, unknown>): string[] {
    const clash = Object.keys(appSecrets).filter((k) => k in connectionUrls);
    if (clash.length > 0) {
        throw new Error(`runbook:secrets.${clash[0]} clashes with a connection string the stack builds; remove it from runbook:secrets`);
    }
    return [...Object.keys(connectionUrls), ...Object.keys(appSecrets)];
}
