import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PLAN_SCHEMA_VERSION, PlanFile, parsePlanFile } from "./model";

/**
 * Plans a stack as it was at another git revision, offline: the revision's files are extracted
 * into a temporary directory (`git archive`), its TypeScript is transpiled file by file (no type
 * check: the revision was checked when it was committed), the working tree's installed
 * `node_modules` are linked in, and the revision's own `runbook plan --json` runs there. Only the
 * `plan` command and its plan file are used, so a revision from before `runbook diff` existed
 * works, as does any plan file whose resources carry `urn`, `type`, `name` and `inputs`.
 */

import { RevisionError } from "./revisionError";
export { RevisionError };

function git(cwd: string, args: string[]): string {
    try {
        return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 }).trim();
    } catch (e) {
        const err = e as { stderr?: string; message: string; code?: string };
        if (err.code === "ENOENT") throw new RevisionError("git is not installed; runbook diff needs it to read the base revision");
        throw new RevisionError(`git ${args.join(" ")}: ${(err.stderr ?? err.message).trim()}`);
    }
}

export interface Repository {
    /** The git work tree's top level. */
    toplevel: string;
    /** The project directory inside it ("" when the project is the repository root). */
    prefix: string;
}

export function repositoryOf(projectRoot: string): Repository {
    const toplevel = fs.realpathSync(git(projectRoot, ["rev-parse", "--show-toplevel"]));
    const prefix = path.relative(toplevel, fs.realpathSync(projectRoot)).split(path.sep).join("/");
    return { toplevel, prefix };
}

/** The commit a ref names, or a RevisionError that says how to get it (shallow CI clones). */
export function resolveCommit(repo: Repository, ref: string): string {
    try {
        return git(repo.toplevel, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    } catch {
        const shallow = git(repo.toplevel, ["rev-parse", "--is-shallow-repository"]) === "true";
        throw new RevisionError(`--base '${ref}' is not a commit in this repository${shallow ? " (the clone is shallow: fetch the base, e.g. actions/checkout with fetch-depth: 0)" : ""}`);
    }
}

export function headCommit(repo: Repository): string | null {
    try {
        return git(repo.toplevel, ["rev-parse", "--verify", "--quiet", "HEAD"]);
    } catch {
        return null;
    }
}

/** Uncommitted changes to the project's tracked files. */
export function isDirty(repo: Repository): boolean {
    return git(repo.toplevel, ["status", "--porcelain", "--untracked-files=no", "--", repo.prefix || "."]) !== "";
}

/** A file's content at a commit, or undefined when it does not exist there. */
export function fileAt(repo: Repository, commit: string, file: string): string | undefined {
    const spec = `${commit}:${repo.prefix ? `${repo.prefix}/` : ""}${file}`;
    try {
        return execFileSync("git", ["show", spec], { cwd: repo.toplevel, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 * 1024 * 1024 });
    } catch {
        return undefined;
    }
}

/** Every `secure:` ciphertext in a stack file, by config key path (`runbook:secrets.JWT_SECRET`). */
export function secureValues(stackFileText: string | undefined): Record<string, string> {
    const found: Record<string, string> = {};
    if (stackFileText === undefined) return found;
    let doc: unknown;
    try {
        doc = YAML.parse(stackFileText);
    } catch {
        return found;
    }
    const visit = (v: unknown, at: string) => {
        if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string") {
            found[at] = (v as { secure: string }).secure;
        } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${at}[${i}]`));
        else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, at ? `${at}.${k}` : k);
    };
    const config = (doc as { config?: unknown } | null)?.config;
    if (config && typeof config === "object") for (const [k, v] of Object.entries(config)) visit(v, k);
    return found;
}

const SKIP_DIRS = new Set(["node_modules", "dist", ".git", "test", "bench"]);

/** Extracts the project's files at `commit` into `dir`. */
export function extractRevision(repo: Repository, commit: string, dir: string): void {
    const tar = path.join(dir, "..", `${path.basename(dir)}.tar`);
    const tree = repo.prefix ? `${commit}:${repo.prefix}` : commit;
    // Tests, benchmarks and docs are not needed to plan.
    const entries = git(repo.toplevel, ["ls-tree", "--name-only", tree]).split("\n").filter((e) => e && !SKIP_DIRS.has(e) && e !== "docs" && e !== ".github");
    git(repo.toplevel, ["archive", "--format=tar", `--output=${tar}`, tree, "--", ...entries]);
    try {
        execFileSync("tar", ["-xf", tar, "-C", dir], { stdio: ["ignore", "ignore", "pipe"] });
    } finally {
        fs.rmSync(tar, { force: true });
    }
}

function sourceFiles(dir: string, rel = ""): string[] {
    return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : sourceFiles(dir, p);
        return (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) || (e.name.endsWith(".json") && e.name !== "package-lock.json") ? [p] : [];
    });
}

interface CompilerSetup {
    text: string;
    outDir: string;
    rootDir: string;
    /** The parsed compiler options; loads typescript on first use. */
    options: () => import("typescript").CompilerOptions;
}

function loadTypescript(): typeof import("typescript") {
    // Loaded on demand: typescript is a development dependency, and most diffs reuse build output.
    return require("typescript") as typeof import("typescript");
}

function compilerSetup(projectDir: string): CompilerSetup {
    const configPath = path.join(projectDir, "tsconfig.json");
    const text = fs.existsSync(configPath) ? fs.readFileSync(configPath, "utf8") : "{}";
    let parsed: { compilerOptions?: Record<string, unknown> } | undefined;
    try {
        parsed = JSON.parse(text);
    } catch {
        const read = loadTypescript().parseConfigFileTextToJson(configPath, text); // comments, trailing commas
        if (read.error) throw new RevisionError(`${configPath} is not valid`);
        parsed = read.config;
    }
    const raw = parsed?.compilerOptions ?? {};
    let options: import("typescript").CompilerOptions | undefined;
    return {
        text,
        outDir: path.resolve(projectDir, typeof raw.outDir === "string" ? raw.outDir : "dist"),
        rootDir: path.resolve(projectDir, typeof raw.rootDir === "string" ? raw.rootDir : "."),
        options: () => (options ??= loadTypescript().convertCompilerOptionsFromJson(raw, projectDir).options),
    };
}

function outputPath(setup: { outDir: string; rootDir: string }, projectDir: string, file: string): string {
    return path.join(setup.outDir, path.relative(setup.rootDir, path.join(projectDir, file))).replace(/\.ts$/, ".js");
}

/**
 * Compiles the extracted revision the way its tsconfig.json says, file by file without a type check,
 * so the result runs like its own `npm run build` would. A file identical to the working tree's,
 * under an identical tsconfig.json, reuses the working tree's build output when that output is
 * newer than the source (most of a diff's base is unchanged code). Returns the output directory.
 */
export function transpileRevision(dir: string, workingTree?: string): string {
    const setup = compilerSetup(dir);
    const head = workingTree ? compilerSetup(workingTree) : undefined;
    const reusable = head !== undefined && head.text === setup.text;
    for (const file of sourceFiles(dir)) {
        const source = path.join(dir, file);
        const target = outputPath(setup, dir, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        if (file.endsWith(".json")) {
            fs.copyFileSync(source, target);
            continue;
        }
        const content = fs.readFileSync(source);
        if (reusable) {
            const headSource = path.join(workingTree!, file);
            const headOutput = outputPath(head!, workingTree!, file);
            try {
                if (fs.statSync(headOutput).mtimeMs >= fs.statSync(headSource).mtimeMs && fs.readFileSync(headSource).equals(content)) {
                    fs.copyFileSync(headOutput, target);
                    continue;
                }
            } catch {
                // No such file in the working tree or no build output: compile it.
            }
        }
        const emitOptions = { ...setup.options(), noEmit: false, incremental: false, composite: false, declaration: false, sourceMap: false, inlineSourceMap: false, tsBuildInfoFile: undefined };
        const { outputText } = loadTypescript().transpileModule(content.toString("utf8"), { compilerOptions: emitOptions, fileName: source });
        fs.writeFileSync(target, outputText);
    }
    return setup.outDir;
}

/** Links the working tree's installed dependencies into the extracted revision. */
export function linkDependencies(projectRoot: string, dir: string): void {
    for (const rel of ["node_modules", path.join("policies", "node_modules")]) {
        const from = path.join(projectRoot, rel);
        const to = path.join(dir, rel);
        if (fs.existsSync(from) && fs.existsSync(path.dirname(to)) && !fs.existsSync(to)) fs.symlinkSync(fs.realpathSync(from), to, "dir");
    }
}

const RESOURCE_FIELDS = ["urn", "type", "name", "custom", "parent", "provider", "protect", "retainOnDelete", "deleteBeforeReplace", "ignoreChanges", "additionalSecretOutputs", "dependencies", "propertyDependencies", "inputs"];
const VIOLATION_FIELDS = ["policy", "policyPack", "enforcementLevel", "requirements", "urn", "message"];

function pick(value: unknown, fields: string[]): unknown {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    return Object.fromEntries(fields.filter((f) => f in value).map((f) => [f, (value as Record<string, unknown>)[f]]));
}

/**
 * Reads a plan file written by any revision. A file of this runbook's schema goes through the
 * strict reader; another version, or one with fields this runbook does not know, is read for the
 * fields the diff compares, with a note saying so.
 */
export function readRevisionPlan(json: unknown, notes: string[]): PlanFile {
    const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (version === PLAN_SCHEMA_VERSION) {
        try {
            return parsePlanFile(json);
        } catch (e) {
            notes.push(`the base revision's plan file does not match this runbook's schema (${(e as Error).message}); only the fields the diff compares were read`);
        }
    } else {
        notes.push(`the base revision writes plan schema version ${JSON.stringify(version)} (this runbook reads ${PLAN_SCHEMA_VERSION}); only the fields the diff compares were read`);
    }
    const plan = (json ?? {}) as Record<string, unknown>;
    const known: Record<string, unknown> = { schemaVersion: PLAN_SCHEMA_VERSION };
    for (const key of ["project", "stack", "outputs"]) if (key in plan) known[key] = plan[key];
    if ("resources" in plan) known.resources = Array.isArray(plan.resources) ? plan.resources.map((r) => pick(r, RESOURCE_FIELDS)) : plan.resources;
    if (Array.isArray(plan.violations)) known.violations = plan.violations.map((v) => pick(v, VIOLATION_FIELDS));
    try {
        return parsePlanFile(known);
    } catch (e) {
        throw new RevisionError(`the base revision's plan file cannot be compared: ${(e as Error).message}`);
    }
}

export interface RevisionPlanRun {
    child: ChildProcess;
    result: Promise<PlanFile>;
}

/** Starts the revision's own `runbook plan --json` in a child process. */
export function startRevisionPlan(dir: string, outDir: string, stack: string, notes: string[]): RevisionPlanRun {
    const cli = path.join(outDir, "cli", "runbook.js");
    if (!fs.existsSync(cli)) throw new RevisionError("the base revision has no runbook CLI (cli/runbook.ts), so it cannot be planned offline");
    const out = path.join(dir, ".runbook-base-plan.json");
    const child = spawn(process.execPath, [cli, "plan", "--stack", stack, "--json", out], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const result = new Promise<PlanFile>((resolve, reject) => {
        child.on("error", (e) => reject(new RevisionError(`cannot run the base revision's plan: ${e.message}`)));
        child.on("close", (code) => {
            // 0 and 1 both write the plan; 1 only means the base had mandatory violations.
            if ((code === 0 || code === 1) && fs.existsSync(out)) {
                try {
                    resolve(readRevisionPlan(JSON.parse(fs.readFileSync(out, "utf8")), notes));
                } catch (e) {
                    reject(e instanceof RevisionError ? e : new RevisionError(`the base revision's plan file is unreadable: ${(e as Error).message}`));
                }
            } else {
                reject(new RevisionError(`the base revision's plan failed (exit ${code}):\n${stderr.trim()}`));
            }
        });
    });
    return { child, result };
}
