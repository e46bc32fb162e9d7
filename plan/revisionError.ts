/** A git revision that cannot be read or planned (exit code 2). */
export class RevisionError extends Error {}
