import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { FilledSecret } from "../config/offline";
import { ConfigProblem } from "../config/problems";
import { PROJECT_ROOT } from "./check";
import { PlanFileError, parsePlanFile } from "./model";
import { planStack, readStackFile } from "./pipeline";
import { fileAt, repositoryOf, resolveCommit } from "./revision";
import { parseGuidance } from "./runbookGuidance";
import { runbookFacts } from "./runbookModel";
import { RunbookPage, renderRunbook } from "./runbookPages";
import { RunbookTexts } from "./runbookSections";

/*
 * `runbook docs`: the operations runbook of a stack, from its validated config and ONE offline plan
 * (issue 21). The plan is the one `runbook plan` makes (or a plan file it wrote), so the runbook
 * costs what a plan costs.
 */

export interface DocsOptions {
    stack: string;
    /** Stack file to read; defaults to Pulumi.<stack>.yaml in the project. */
    configFile?: string;
    /** A plan file `runbook plan --json` wrote for the same stack file: used instead of planning again. */
    planFile?: string;
}

export type DocsOutcome =
    | { kind: "config-error"; stack: string; problems: ConfigProblem[]; placeholders: FilledSecret[] }
    | { kind: "generated"; pages: RunbookPage[]; placeholders: FilledSecret[] };

/** Where the committed runbook of a stack lives. */
export function runbookDir(stack: string, root = PROJECT_ROOT): string {
    return path.join(root, "docs", "runbooks", stack);
}

/** docs/alerts.md and docs/operations.md, which the pages reuse. */
export function readGuidance(root = PROJECT_ROOT) {
    const read = (file: string) => fs.readFileSync(path.join(root, "docs", file), "utf8");
    return parseGuidance(read("alerts.md"), read("operations.md"));
}

export async function generateRunbook(options: DocsOptions): Promise<DocsOutcome> {
    const stackFile = path.basename(options.configFile ?? `Pulumi.${options.stack}.yaml`);
    if (options.planFile !== undefined) {
        const validated = readStackFile(options);
        if (validated.kind === "config-error") return validated;
        let json: unknown;
        try {
            json = JSON.parse(fs.readFileSync(options.planFile, "utf8"));
        } catch (e) {
            throw new PlanFileError(`bad plan file: cannot read ${options.planFile} as JSON: ${(e as Error).message}`);
        }
        const plan = parsePlanFile(json);
        if (plan.stack !== options.stack) throw new PlanFileError(`bad plan file: ${options.planFile} is a plan of stack '${plan.stack}', not '${options.stack}'`);
        const pages = renderRunbook({ facts: runbookFacts(validated.config, plan), guidance: readGuidance(), stackFile });
        return { kind: "generated", pages, placeholders: validated.placeholders };
    }
    const outcome = await planStack({ stack: options.stack, configFile: options.configFile });
    if (outcome.kind === "config-error") return outcome;
    const pages = renderRunbook({ facts: runbookFacts(outcome.config, outcome.plan), guidance: readGuidance(), stackFile });
    return { kind: "generated", pages, placeholders: outcome.placeholders };
}

/**
 * Writes the pages into `dir` and removes any other `.md` file there (a page the generator no
 * longer makes), so the directory is exactly the runbook.
 */
export function writeRunbook(dir: string, pages: RunbookPage[]): void {
    fs.mkdirSync(dir, { recursive: true });
    const files = new Set(pages.map((p) => p.file));
    for (const f of fs.readdirSync(dir)) {
        if (f.endsWith(".md") && !files.has(f)) fs.rmSync(path.join(dir, f));
    }
    for (const p of pages) fs.writeFileSync(path.join(dir, p.file), p.markdown);
}

/** The `.md` pages of a directory, or none when it does not exist. */
export function readRunbook(dir: string): RunbookTexts {
    if (!fs.existsSync(dir)) return {};
    return Object.fromEntries(
        fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".md"))
            .sort()
            .map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]),
    );
}

export function asTexts(pages: RunbookPage[]): RunbookTexts {
    return Object.fromEntries(pages.map((p) => [p.file, p.markdown]));
}


/** The committed pages of a stack's runbook at a git revision; none when it had none. */
export function runbookAt(ref: string, stack: string, root = PROJECT_ROOT): RunbookTexts {
    const repo = repositoryOf(root);
    const commit = resolveCommit(repo, ref);
    const dir = `docs/runbooks/${stack}`;
    let listed: string;
    try {
        listed = execFileSync("git", ["ls-tree", "--name-only", `${commit}:${repo.prefix ? `${repo.prefix}/` : ""}${dir}`], { cwd: repo.toplevel, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
        return {};
    }
    const pages: RunbookTexts = {};
    for (const file of listed.split("\n").filter((f) => f.endsWith(".md")).sort()) {
        const text = fileAt(repo, commit, `${dir}/${file}`);
        if (text !== undefined) pages[file] = text;
    }
    return pages;
}
