import { spawnSync } from "child_process";

/** Finds an executable on PATH or in the usual Debian locations. */
export function findTool(name: string, extraDirs: string[] = []): string | undefined {
    for (const dir of extraDirs) {
        const candidate = `${dir}/${name}`;
        if (spawnSync("test", ["-x", candidate]).status === 0) return candidate;
    }
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The path of a tool the test needs. In CI (CI=true) a missing tool fails the test; elsewhere the
 * test is skipped with a note naming the package to install.
 */
export function requireTool(ctx: Mocha.Context, name: string, debianPackage: string, extraDirs: string[] = []): string {
    const found = findTool(name, extraDirs);
    if (found) return found;
    const message = `${name} is not installed (Debian package ${debianPackage})`;
    if (process.env.CI === "true") throw new Error(`${message}; CI must install it in .ci/run`);
    console.log(`      skipped: ${message}`);
    ctx.skip();
}

/** What the backup and restore scripts run besides their datastore's client (scripts/backup/lib.sh). */
const BACKUP_TOOLS: Array<[tool: string, debianPackage: string]> = [
    ["age", "age"],
    ["age-keygen", "age"],
    ["zstd", "zstd"],
    ["curl", "curl"],
    ["bash", "bash"],
];

/** Requires the backup scripts' tools (see requireTool) and returns the path of the AWS CLI they call. */
export function requireBackupTools(ctx: Mocha.Context): string {
    for (const [tool, debianPackage] of BACKUP_TOOLS) requireTool(ctx, tool, debianPackage);
    return requireTool(ctx, "aws", "awscli");
}

/** Writes a new age identity to `file` and returns its recipient (age1…). */
export function newAgeIdentity(file: string): string {
    const made = spawnSync("age-keygen", ["-o", file], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`age-keygen -o ${file} failed: ${made.stderr}`);
    const recipient = spawnSync("age-keygen", ["-y", file], { encoding: "utf8" });
    if (recipient.status !== 0) throw new Error(`age-keygen -y ${file} failed: ${recipient.stderr}`);
    return recipient.stdout.trim();
}
