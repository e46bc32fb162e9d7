import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DiffReport, diffPlans } from "./diff";
import { PlanOutcome, PROJECT_ROOT, planStack } from "./pipeline";
import { RevisionError, extractRevision, fileAt, headCommit, isDirty, linkDependencies, repositoryOf, resolveCommit, secureValues, startRevisionPlan, transpileRevision } from "./revision";

export type DiffOutcome = { kind: "config-error"; outcome: Extract<PlanOutcome, { kind: "config-error" }> } | { kind: "diffed"; report: DiffReport };

export interface DiffOptions {
    /** A git ref: a branch, tag, commit or `HEAD~1`. */
    base: string;
    stack: string;
}

/**
 * Plans the stack at the base revision and in the working tree, both offline, and compares them.
 * The base is planned in a child process while the working tree is planned in this one.
 */
export async function diffStack(options: DiffOptions): Promise<DiffOutcome> {
    const projectRoot = PROJECT_ROOT;
    const repo = repositoryOf(projectRoot);
    const commit = resolveCommit(repo, options.base);
    const stackFile = `Pulumi.${options.stack}.yaml`;
    const baseStackText = fileAt(repo, commit, stackFile);
    const headStackPath = path.join(projectRoot, stackFile);
    const notes: string[] = [];

    const baseLock = fileAt(repo, commit, "package-lock.json");
    const headLock = fs.existsSync(path.join(projectRoot, "package-lock.json")) ? fs.readFileSync(path.join(projectRoot, "package-lock.json"), "utf8") : undefined;
    if (baseLock !== undefined && headLock !== undefined && baseLock !== headLock) {
        notes.push("package-lock.json differs between the revisions; the base was planned with the working tree's installed dependencies");
    }

    const { dir, release } = workDirectory(projectRoot, options.stack);
    try {
        let baseRun: ReturnType<typeof startRevisionPlan> | undefined;
        if (baseStackText !== undefined) {
            extractRevision(repo, commit, dir);
            const outDir = transpileRevision(dir, projectRoot);
            linkDependencies(projectRoot, dir);
            baseRun = startRevisionPlan(dir, outDir, options.stack, notes);
        } else {
            notes.push(`the stack file ${stackFile} does not exist at ${options.base}; every resource is new`);
        }
        let head: PlanOutcome;
        try {
            head = await planStack({ stack: options.stack });
        } catch (e) {
            baseRun?.child.kill();
            await baseRun?.result.catch(() => undefined);
            throw e;
        }
        if (head.kind === "config-error") {
            baseRun?.child.kill();
            await baseRun?.result.catch(() => undefined);
            return { kind: "config-error", outcome: head };
        }
        const base = baseRun ? await baseRun.result : null;
        const report = diffPlans({
            base,
            head: head.plan,
            baseInfo: { ref: options.base, commit, stackExists: baseStackText !== undefined },
            headInfo: { ref: "working tree", commit: headCommit(repo), stackExists: true, dirty: isDirty(repo) },
            baseSecrets: secureValues(baseStackText),
            headSecrets: secureValues(fs.existsSync(headStackPath) ? fs.readFileSync(headStackPath, "utf8") : undefined),
            notes,
        });
        return { kind: "diffed", report };
    } finally {
        release();
    }
}

/**
 * Where the base revision is built. The path is the same on every run for a project and stack, so
 * the compile cache (kept per entry script path) serves the base's plan as it serves the
 * working tree's; a second diff running at the same time falls back to a fresh directory.
 */
function workDirectory(projectRoot: string, stack: string): { dir: string; release: () => void } {
    const root = path.join(os.tmpdir(), `runbook-diff-${process.getuid?.() ?? "user"}`);
    fs.mkdirSync(root, { recursive: true });
    const key = crypto.createHash("sha256").update(`${fs.realpathSync(projectRoot)}\0${stack}`).digest("hex").slice(0, 16);
    const dir = path.join(root, key);
    const lock = `${dir}.lock`;
    const staleMs = 10 * 60 * 1000;
    try {
        if (fs.existsSync(lock) && Date.now() - fs.statSync(lock).mtimeMs > staleMs) fs.rmSync(lock, { recursive: true, force: true });
        fs.mkdirSync(lock);
    } catch {
        const tmp = fs.mkdtempSync(path.join(root, "run-"));
        return { dir: tmp, release: () => fs.rmSync(tmp, { recursive: true, force: true }) };
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    return {
        dir,
        release: () => {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(lock, { recursive: true, force: true });
        },
    };
}

export { RevisionError };
