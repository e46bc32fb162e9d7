import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "./harness";

/**
 * A throwaway git repository holding a copy of this project (its sources, stack files, policy
 * pack and compiled `dist/`, with `node_modules` linked), for commands that read git history such
 * as `runbook diff`. Tests and benchmarks are left out to keep it small.
 */
export class FixtureRepo {
    readonly dir: string;

    constructor() {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-fixture-"));
        const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
            .split("\n")
            .filter((f) => f && !/^(test|bench)\//.test(f) && fs.existsSync(path.join(ROOT, f)) && fs.statSync(path.join(ROOT, f)).isFile());
        for (const f of files) {
            fs.mkdirSync(path.dirname(path.join(this.dir, f)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, f), path.join(this.dir, f));
        }
        // Copied after the sources, so the build output is newer than what it was built from.
        fs.cpSync(path.join(ROOT, "dist"), path.join(this.dir, "dist"), {
            recursive: true,
            filter: (src) => !/[/\\]dist[/\\](test|bench)([/\\]|$)/.test(src) && !src.endsWith(".tsbuildinfo") && !src.endsWith(".map"),
        });
        for (const rel of ["node_modules", path.join("policies", "node_modules")]) {
            if (fs.existsSync(path.join(ROOT, rel))) fs.symlinkSync(fs.realpathSync(path.join(ROOT, rel)), path.join(this.dir, rel), "dir");
        }
        this.git("init", "--quiet", "--initial-branch=main");
        this.commit("base: the project as it is");
    }

    git(...args: string[]): string {
        return execFileSync("git", ["-c", "user.name=fixture", "-c", "user.email=fixture@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: this.dir, encoding: "utf8" }).trim();
    }

    commit(message: string): string {
        this.git("add", "--all");
        this.git("commit", "--quiet", "--allow-empty", "-m", message);
        return this.git("rev-parse", "HEAD");
    }

    /** Edits a stack file's `config:` map in place. */
    editStack(stack: string, mutate: (config: Record<string, any>) => void): void {
        const file = path.join(this.dir, `Pulumi.${stack}.yaml`);
        const doc = YAML.parse(fs.readFileSync(file, "utf8"));
        mutate(doc.config);
        fs.writeFileSync(file, YAML.stringify(doc));
    }

    /** Runs the fixture's own compiled CLI, as a user in that checkout would. */
    runbook(...args: string[]): { status: number | null; stdout: string; stderr: string } {
        try {
            const stdout = execFileSync(process.execPath, [path.join(this.dir, "dist", "cli", "runbook.js"), ...args], { cwd: this.dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
            return { status: 0, stdout, stderr: "" };
        } catch (e) {
            const err = e as { status: number | null; stdout: string; stderr: string };
            return { status: err.status, stdout: err.stdout, stderr: err.stderr };
        }
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
