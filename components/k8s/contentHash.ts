import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

/*
 * Content-hash names for the Secrets and ConfigMaps that pods read (the way kustomize's generators
 * name them). A change of content is a new name, so Pulumi replaces the object by creating the new
 * one first, moving every reference (the pod templates, which then roll) and deleting the old one
 * last: no pod ever points at a Secret that is gone. The same hash goes on the pod template as a
 * checksum annotation, so the pods roll even where only the content of a name-stable object changed.
 *
 * The hash is one-way and truncated; it is computed over generated credentials too, and reveals
 * nothing about them, so it is published as plain text (names and annotations are never secret).
 */

/** Hex characters of the hash in a name: 10 (40 bits), as kustomize uses. */
export const NAME_HASH_LENGTH = 10;

/** Annotation on pod templates: the hash of every Secret and ConfigMap the pods read. */
export const CHECKSUM_ANNOTATION = "runbook.dev/config-checksum";

/** A stable hash of string content: keys sorted, so the order of keys never changes it. */
export function contentHash(data: Record<string, string>): string {
    const h = createHash("sha256");
    for (const key of Object.keys(data).sort()) h.update(`${key.length}:${key}=${data[key].length}:${data[key]}\n`);
    return h.digest("hex").slice(0, NAME_HASH_LENGTH);
}

/** A Kubernetes object name with the content hash, within the 63 characters of a DNS label. */
export function hashedName(base: string, hash: string): string {
    const head = base.slice(0, 63 - hash.length - 1).replace(/-+$/, "");
    return `${head}-${hash}`;
}

/** The hash of content that may be secret: a plain Output (the hash reveals nothing), never a secret one. */
export function contentHashOutput(data: Record<string, pulumi.Input<string>>): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.all(data).apply((values) => contentHash(values as Record<string, string>)));
}

/** One checksum over several hashes, for a pod that reads several objects. */
export function combinedChecksum(hashes: pulumi.Input<string>[]): pulumi.Output<string> {
    return pulumi.all(hashes).apply((hs) => contentHash(Object.fromEntries(hs.map((h, i) => [String(i), h]))));
}
