/*
 * Kubernetes resource quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/)
 * as numbers: config validation compares limits with requests (WL-4), the Redis and MongoDB settings
 * size caches from a container's memory limit. Pure; unit-tested in test/unit/lib/quantities.test.ts.
 */

/** Parses 250m / 1 / 1.5 into millicores. */
export function cpuMillis(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
}

/** Parses 512Mi / 2Gi into MiB (the two suffixes config/schema.ts admits for app memory). */
export function memoryMiB(q: string): number {
    return q.endsWith("Gi") ? Number(q.slice(0, -2)) * 1024 : Number(q.slice(0, -2));
}

/** Parses a memory quantity such as 512Mi, 4Gi or 4G into GiB. */
export function memoryGiB(quantity: string): number {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(quantity);
    if (!m) throw new Error(`memory quantity "${quantity}" is not understood; use Mi or Gi, such as 4Gi`);
    const factor: Record<string, number> = {
        "": 1 / 1024 ** 3,
        Ki: 1 / 1024 ** 2,
        Mi: 1 / 1024,
        Gi: 1,
        Ti: 1024,
        K: 1e3 / 1024 ** 3,
        M: 1e6 / 1024 ** 3,
        G: 1e9 / 1024 ** 3,
        T: 1e12 / 1024 ** 3,
    };
    return Number(m[1]) * factor[m[2] ?? ""];
}
