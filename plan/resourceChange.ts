/*
 * One resource's change between two plans: what plan/diff.ts computes and plan/manualSteps.ts reads.
 * Its own module so manualSteps need not import diff, which imports manualSteps (issue 18: no import
 * cycles).
 */

export type Action = "create" | "delete" | "update" | "replace";

export interface PropertyChange {
    /** Input path, e.g. `instanceClass`, `spec.template.spec.containers[name=api].image`. */
    path: string;
    /** Absent when the property did not exist, or when `secret` is true. */
    old?: unknown;
    new?: unknown;
    /** A secret on either side: the values are never shown, only that the property changed. */
    secret: boolean;
    /** This change makes the engine replace the resource. */
    forcesReplacement: boolean;
}

export interface ResourceChange {
    action: Action;
    urn: string;
    type: string;
    name: string;
    /** `protect` in either revision: `pulumi up` refuses to delete or replace it. */
    protect: boolean;
    retainOnDelete: boolean;
    /** The old resource goes before the new one exists (the option, or a Kubernetes object with a fixed name). */
    deleteBeforeReplace: boolean;
    /** False when this type has no replacement table: an update may turn out to be a replacement. */
    replacementRulesKnown: boolean;
    /** Why the resource is replaced, deleted or created, in words. */
    reasons: string[];
    changes: PropertyChange[];
}
