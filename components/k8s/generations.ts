import * as k8s from "./kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "../providers/random";
import { contentHashOutput, hashedName } from "./contentHash";

/*
 * Secrets that the apps' Deployments read by name, one object per generation of their content (WL-3).
 * A rotation is a new generation: a new Secret, and the Deployment's pod template names it, so the
 * pods roll. `kubectl rollout undo` goes back to an older ReplicaSet whose pods still name their own
 * generation, so the older generations must outlive the update that replaced them: Pulumi forgets
 * them (`retainOnDelete`) instead of deleting them, and an operator prunes the ones no ReplicaSet
 * names any more (docs/operations.md).
 *
 * The name carries a random ID that changes whenever the content does, not the content hash itself:
 * content that comes back (a secret added and removed again, a value set back) would otherwise name a
 * Secret that still exists, and its create would fail with AlreadyExists (pulumi-kubernetes creates
 * without upsert since 4.29).
 */

/** Label every generation carries, with the Secret's base name as its value: what the pruning selects. */
export const GENERATION_LABEL = "runbook.dev/secret-generations";
/** Bytes of the random ID: 10 hex characters, as the content-hash names have. */
export const GENERATION_ID_BYTES = 5;

/** A generation's name: the base and its random ID, within a DNS label. */
export function generationName(base: string, id: string): string {
    return hashedName(base, id);
}

export interface GenerationSecretArgs {
    /** The name before the generation's ID: `runbook-env`. */
    base: string;
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    /** The content, every value a secret. */
    stringData: Record<string, pulumi.Output<string>>;
}

export interface GenerationSecret {
    secret: k8s.core.v1.Secret;
    /** The content's hash (not secret: a one-way hash), for pod-template annotations. */
    checksum: pulumi.Output<string>;
}

/**
 * The Secret `${base}-<id>` as the resource `${name}`, and the RandomId `${name}-generation` that
 * names it: its keeper is the content's hash, so new content replaces it with a new ID. Never
 * protected and never deleted before its replacement: the new generation exists before the pods move.
 */
export function generationSecret(name: string, args: GenerationSecretArgs, opts: pulumi.CustomResourceOptions): GenerationSecret {
    const stringData = Object.fromEntries(Object.entries(args.stringData).map(([k, v]) => [k, pulumi.secret(v)]));
    const checksum = contentHashOutput(stringData);
    const id = new random.RandomId(`${name}-generation`, { byteLength: GENERATION_ID_BYTES, keepers: { content: checksum } }, opts);
    const secret = new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: id.hex.apply((hex) => generationName(args.base, hex)), namespace: args.namespace, labels: { ...args.labels, [GENERATION_LABEL]: args.base } },
            type: "Opaque",
            stringData,
        },
        // WL-3: an older generation stays for `kubectl rollout undo`; pruning is an operator's step.
        { ...opts, retainOnDelete: true },
    );
    return { secret, checksum };
}
