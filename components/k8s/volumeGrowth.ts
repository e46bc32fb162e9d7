import * as k8s from "./kubernetes";
import * as pulumi from "@pulumi/pulumi";

/*
 * Volume growth for StatefulSets without replacing them. A StatefulSet's volumeClaimTemplates are
 * immutable, so a new size there makes Pulumi replace the StatefulSet, which production protects
 * (and which would restart every member at once). Instead:
 * - the StatefulSet ignores changes to the template's size (it keeps the size it was created with,
 *   which only matters for claims of members added later, and those are patched too);
 * - each member's claim (`data-<statefulset>-<ordinal>`) is patched to the configured size with
 *   server-side apply, after the StatefulSet (so the claim exists). The StorageClass must allow
 *   volume expansion; Kubernetes refuses a smaller size, so a shrink fails the update and changes
 *   nothing. docs/operations.md has the steps and the checks.
 */

/** The template's size, as a Pulumi property path for `ignoreChanges`. */
export const VOLUME_SIZE_PATH = "spec.volumeClaimTemplates[0].spec.resources.requests.storage";

/** The name of the volume claim template every data StatefulSet here uses. */
export const DATA_CLAIM_TEMPLATE = "data";

/** The claim a StatefulSet creates for a member: `<template>-<statefulset>-<ordinal>`. */
export function memberClaimName(statefulSetName: string, ordinal: number, template = DATA_CLAIM_TEMPLATE): string {
    return `${template}-${statefulSetName}-${ordinal}`;
}

/** What one member's claim patch sets: the size only, taking the field over from the StatefulSet controller. */
export function claimPatchArgs(claimName: string, namespace: pulumi.Input<string>, storageGb: number): k8s.types.input.core.v1.PersistentVolumeClaimPatch {
    if (!Number.isInteger(storageGb) || storageGb < 1) throw new Error(`storageGb: ${storageGb} is not a whole number of GiB >= 1`);
    return {
        metadata: {
            name: claimName,
            namespace,
            // The controller that created the claim owns the field; the patch takes it over.
            annotations: { "pulumi.com/patchForce": "true" },
        },
        spec: { resources: { requests: { storage: `${storageGb}Gi` } } },
    };
}

export interface VolumeGrowthArgs {
    statefulSet: k8s.apps.v1.StatefulSet;
    statefulSetName: string;
    namespace: pulumi.Input<string>;
    members: number;
    storageGb: number;
}

/** One claim patch per member, children of `parent`, each after the StatefulSet. */
export function volumeGrowth(parent: pulumi.Resource, args: VolumeGrowthArgs): k8s.core.v1.PersistentVolumeClaimPatch[] {
    return Array.from({ length: args.members }, (_, ordinal) => {
        const claim = memberClaimName(args.statefulSetName, ordinal);
        return new k8s.core.v1.PersistentVolumeClaimPatch(`${claim}-size`, claimPatchArgs(claim, args.namespace, args.storageGb), {
            parent,
            dependsOn: [args.statefulSet],
        });
    });
}
