/*
 * Container image references (WL-3). A deploy is only repeatable, and a rollback only returns to the
 * previous release, when the image is pinned: to a digest, or to a tag that is not `latest`. An
 * untagged reference means `latest`.
 */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
/** An optional registry host (with a dot, a port or `localhost`), then lowercase path components. */
const NAME = new RegExp(`^(?:(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+|localhost|[a-zA-Z0-9-]+:\\d+|[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+:\\d+)/)?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface ImageReference {
    name: string;
    tag?: string;
    digest?: string;
}

/** Splits `registry:5000/org/app:1.2@sha256:…` into name, tag and digest; the port is not a tag. */
export function parseImage(image: string): ImageReference {
    const [withTag, digest] = image.split("@", 2) as [string, string | undefined];
    const lastSlash = withTag.lastIndexOf("/");
    const colon = withTag.indexOf(":", lastSlash + 1);
    if (colon === -1) return { name: withTag, digest };
    return { name: withTag.slice(0, colon), tag: withTag.slice(colon + 1), digest };
}

/** Why an image reference is not a pinned one, phrased to follow the value; undefined when it is pinned. */
export function imageProblem(image: string): string | undefined {
    if (/\s/.test(image) || image === "") return "is not an image reference; use one pinned to a tag or digest, such as ghcr.io/acme/api:1.4.2";
    const ref = parseImage(image);
    if (!NAME.test(ref.name)) return "is not a valid image name; use a lowercase reference such as ghcr.io/acme/api:1.4.2";
    if (ref.digest !== undefined) {
        if (!DIGEST.test(ref.digest)) return "has an invalid digest; use @sha256: followed by 64 hex digits";
        if (ref.tag !== undefined && !TAG.test(ref.tag)) return "has an invalid tag";
        return undefined;
    }
    if (ref.tag === undefined) return "has no tag, which means latest and is not pinned; add a release tag such as :1.4.2 or a digest";
    if (!TAG.test(ref.tag)) return "has an invalid tag; use letters, digits, '.', '_' or '-', such as :1.4.2";
    if (ref.tag.toLowerCase() === "latest") return "is tagged latest, which is not pinned: a rollback could not return to it; use a release tag such as :1.4.2 or a digest";
    return undefined;
}
