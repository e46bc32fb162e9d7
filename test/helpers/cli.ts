import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "./harness";

export interface CliResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs the compiled `runbook` CLI in a fresh process, as a user would. */
export function runbook(...args: string[]): CliResult {
    const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "cli", "runbook.js"), ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
