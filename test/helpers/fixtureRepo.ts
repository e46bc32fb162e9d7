import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "./harness";

/** What is never copied: build output, installed packages, local state, and the tests and benchmarks. */
const NOT_COPIED = /^(node_modules|dist|\.git|\.runbook|test|bench)(\/|$)|(^|\/)node_modules(\/|$)|^policies\/bin(\/|$)|\.tsbuildinfo$/;

/** Every file under root/dir, skipping what is never copied without descending into it (node_modules is large). */
function walk(root: string, dir = ""): string[] {
    return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
        if (NOT_COPIED.test(rel)) return [];
        return entry.isDirectory() ? walk(root, rel) : [rel];
    });
}

/**
 * The project's files, relative to ROOT: git's list in a checkout (tracked and new, minus ignored),
 * or, in a tree without git history such as a downloaded tarball, every file but those .gitignore
 * names. The fixture only needs git itself to make its own history.
 */
export function projectFiles(root = ROOT, opts: { git: boolean } = { git: true }): string[] {
    let listed: string[] | undefined;
    if (opts.git) {
        try {
            listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n");
        } catch {
            // Not a git checkout (or no git): fall through to the walk.
        }
    }
    return (listed ?? walk(root)).filter((f) => f && !NOT_COPIED.test(f) && fs.existsSync(path.join(root, f)) && fs.statSync(path.join(root, f)).isFile()).sort();
}

/**
 * A throwaway git repository holding a copy of this project (its sources, stack files, policy
 * pack and compiled `dist/`, with `node_modules` linked), for commands that read git history such
 * as `runbook diff`. Tests and benchmarks are left out to keep it small.
 */
export class FixtureRepo {
    readonly dir: string;

    /** `from` is the project to copy: this checkout by default, or an unpacked tarball of it. */
    constructor(from: string = ROOT) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-fixture-"));
        for (const f of projectFiles(from)) {
            fs.mkdirSync(path.dirname(path.join(this.dir, f)), { recursive: true });
            fs.copyFileSync(path.join(from, f), path.join(this.dir, f));
        }
        // Copied after the sources, so the build output is newer than what it was built from.
        fs.cpSync(path.join(from, "dist"), path.join(this.dir, "dist"), {
            recursive: true,
            filter: (src) => !/[/\\]dist[/\\](test|bench)([/\\]|$)/.test(src) && !src.endsWith(".tsbuildinfo") && !src.endsWith(".map"),
        });
        for (const rel of ["node_modules", path.join("policies", "node_modules")]) {
            if (fs.existsSync(path.join(from, rel))) fs.symlinkSync(fs.realpathSync(path.join(from, rel)), path.join(this.dir, rel), "dir");
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
