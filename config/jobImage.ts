/*
 * What the backup and drill job image (scripts/backup/Dockerfile, its packages in
 * image-packages.txt) can handle, decided here once: the config check refuses a datastore it could
 * not back up or restore, and the runtime tests check the built image against these numbers.
 */

/**
 * The PostgreSQL major of the image's client and scratch server (postgresql-17). pg_dump dumps servers
 * up to its own major, so a newer database needs a newer image first.
 */
export const JOB_IMAGE_POSTGRES_MAJOR = 17;

/**
 * The release of the image's redis-server (Debian 13's 8.0). The Redis drill loads the snapshot into
 * it, and Redis reads RDB files of its own release and older only: the in-cluster Redis may not be
 * newer.
 */
export const JOB_IMAGE_REDIS = "8.0";

/** major.minor of a version string, as numbers ("7.2.7" is [7, 2]; "8" is [8, 0]). */
export function majorMinor(version: string): [number, number] {
    const [major, minor] = version.split(".").map((n) => Number(n));
    return [major, Number.isFinite(minor) ? minor : 0];
}

/** True when version `a` is newer than `b`, by major.minor. */
export function newerThan(a: string, b: string): boolean {
    const [am, an] = majorMinor(a);
    const [bm, bn] = majorMinor(b);
    return am > bm || (am === bm && an > bn);
}
