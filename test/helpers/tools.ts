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
