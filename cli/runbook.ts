#!/usr/bin/env node
// Caches compiled bytecode between runs (what Node 22's module.enableCompileCache does): most of a
// plan's start-up is compiling @pulumi/* modules, identical every time. Must load first.
import { installCompileCache } from "./compileCache";
installCompileCache(process.argv[2]);
import * as fs from "fs";
import * as path from "path";
import { PLAN_SCHEMA_VERSION, PlanFile, PlanFileError, parsePlanFile, summarize } from "../plan/model";
import { PolicyConfigError } from "../plan/policyConfig";
import { RevisionError } from "../plan/revisionError";
import { PROJECT_ROOT, ProgramError } from "../plan/check";
import { PlanSource, readPlanJsonWithRanges, unchangedResources, writePlanJson } from "../plan/planJson";
import { renderMarkdown, renderText } from "../plan/render";

// Each command loads what it needs when it runs: `check` never loads the program, its config schema
// or the mock runtime, and `plan` never loads git revisions.
const planning = () => import("../plan/pipeline");
const checking = () => import("../plan/check");
const diffing = async () => ({ ...(await import("../plan/diffStack")), ...(await import("../plan/diff")), ...(await import("../plan/diffRender")) });
const configReports = async () => ({ ...(await import("../config/offline")), ...(await import("../config/problems")) });

const USAGE = `Usage:
  runbook help                (or --help, -h: this text)
  runbook plan --stack <name> [--json [file]] [--markdown [file]] [--config <stack file>] [--policy-config <file>]
  runbook check <plan.json> [--stack <name>] [--json [file]] [--markdown [file]] [--policy-config <file>]
  runbook diff --base <git ref> --stack <name> [--json [file]] [--markdown [file]]
  runbook policies [--json [file]] [--markdown [file]]
  runbook docs --stack <name> [--out <dir>] [--config <stack file>] [--plan <plan.json>] [--base <git ref>] [--markdown [file]]

plan    runs the program offline with the stack's config and checks every resource with the policy pack.
check   checks a saved plan file (from plan --json) with the policy pack again.
diff    plans the stack at the base revision and in the working tree, both offline, and shows what
        would change: resources created, updated, replaced and deleted (protected ones first), the
        property changes (secrets only as "changed"), and the violations introduced and fixed.
policies  prints which policies enforce each runbook requirement and which tests prove them
          (--markdown docs/traceability.md rewrites the committed traceability table).
docs    writes the operations runbook of the stack, offline, from its config and plan: an index and
        a page per area (inventory, access, backups, alerts, deploy, incidents) in --out, by default
        docs/runbooks/<stack>/. --plan reuses a plan file of the same stack file instead of planning.
        --markdown lists the runbook sections that differ from the pages at --base <git ref> (by
        default, from the committed pages), for a pull request.

--json [file]      write the plan as JSON (docs/plan-schema.md) to the file, or to stdout
--markdown [file]  write a pull-request summary in Markdown to the file, or to stdout
                   (for diff: the diff as JSON, docs/diff-schema.md, or as Markdown)
Without --json or --markdown on stdout, a resource tree and the violations are printed (for diff: the diff).

Exit codes for plan and check: 0 no mandatory violation, 1 a mandatory violation, 2 bad config, bad input or program error.
Exit codes for diff: 0 no new mandatory violation and no protected resource replaced or deleted,
1 a new mandatory violation or a protected resource replaced or deleted, 2 bad config, bad ref or program error.`;

export const EXIT_OK = 0;
export const EXIT_VIOLATIONS = 1;
export const EXIT_ERROR = 2;

class UsageError extends Error {}

interface Args {
    command: string;
    planFile?: string;
    stack?: string;
    base?: string;
    json?: string;
    markdown?: string;
    configFile?: string;
    policyConfig?: string;
    out?: string;
    plan?: string;
}

/** Asking for help is a command of its own, in every form a newcomer tries first. */
const HELP = new Set(["help", "--help", "-h"]);

export function parseArgs(argv: string[]): Args {
    const [command, ...rest] = argv;
    if (HELP.has(command) || rest.some((arg) => arg === "--help" || arg === "-h")) return { command: "help" };
    if (!["plan", "check", "diff", "policies", "docs"].includes(command)) throw new UsageError(command ? `unknown command '${command}'` : "no command given");
    const args: Args = { command };
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        const next = rest[i + 1];
        const value = (flag: string): string => {
            if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value`);
            i++;
            return next;
        };
        const optionalFile = (): string => {
            if (next !== undefined && !next.startsWith("--")) {
                i++;
                return next;
            }
            return "-";
        };
        switch (arg) {
            case "--stack":
                args.stack = value(arg);
                break;
            case "--json":
                args.json = optionalFile();
                break;
            case "--markdown":
                args.markdown = optionalFile();
                break;
            case "--base":
                if (command !== "diff" && command !== "docs") throw new UsageError("--base only applies to diff and docs");
                args.base = value(arg);
                break;
            case "--config":
                args.configFile = value(arg);
                break;
            case "--policy-config":
                args.policyConfig = value(arg);
                break;
            case "--out":
                if (command !== "docs") throw new UsageError("--out only applies to docs");
                args.out = value(arg);
                break;
            case "--plan":
                if (command !== "docs") throw new UsageError("--plan only applies to docs");
                args.plan = value(arg);
                break;
            default:
                if (command === "check" && args.planFile === undefined && !arg.startsWith("--")) args.planFile = arg;
                else throw new UsageError(`unexpected argument '${arg}'`);
        }
    }
    if ((command === "plan" || command === "docs") && !args.stack) throw new UsageError(`${command} needs --stack <name>`);
    if (command === "docs" && (args.json !== undefined || args.policyConfig)) throw new UsageError("docs writes Markdown pages; --json and --policy-config do not apply");
    if (command === "check" && !args.planFile) throw new UsageError("check needs the path of a plan file");
    if (command === "diff" && (!args.base || !args.stack)) throw new UsageError("diff needs --base <git ref> and --stack <name>");
    if (command === "diff" && (args.configFile || args.policyConfig)) throw new UsageError("diff plans each revision with its own stack file and policy config; --config and --policy-config do not apply");
    return args;
}

function write(target: string, text: string): void {
    if (target === "-") process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    else fs.writeFileSync(target, text.endsWith("\n") ? text : `${text}\n`);
}

function emit(plan: PlanFile, args: Args, source?: PlanSource): number {
    if (args.json !== undefined) writePlanJson(args.json, plan, source);
    if (args.markdown !== undefined) write(args.markdown, renderMarkdown(plan));
    if (args.json !== "-" && args.markdown !== "-") write("-", renderText(plan));
    return plan.summary.mandatory > 0 ? EXIT_VIOLATIONS : EXIT_OK;
}

async function runPlan(args: Args): Promise<number> {
    const { planStack } = await planning();
    const { formatReport, placeholderNote } = await configReports();
    const outcome = await planStack({ stack: args.stack!, configFile: args.configFile, policyConfigFile: args.policyConfig });
    if (outcome.kind === "config-error") {
        process.stderr.write(`${formatReport(outcome.stack, outcome.problems)}\n`);
        return EXIT_ERROR;
    }
    if (outcome.placeholders.length > 0) process.stderr.write(`${placeholderNote(outcome.plan.stack, outcome.placeholders)}\n`);
    return emit(outcome.plan, args);
}

async function runCheck(args: Args): Promise<number> {
    const file = args.planFile!;
    let read: ReturnType<typeof readPlanJsonWithRanges>;
    try {
        read = readPlanJsonWithRanges(file);
    } catch (e) {
        if (e instanceof SyntaxError) throw new PlanFileError(`bad plan file: ${file} is not JSON: ${e.message}`);
        throw new ProgramError(`cannot read plan file ${file}: ${(e as Error).message}`);
    }
    const saved = parsePlanFile(read.json);
    if (args.stack !== undefined && args.stack !== saved.stack) {
        throw new PlanFileError(`bad plan file: stack: the plan is for stack '${saved.stack}', not '${args.stack}'; the policies read the environment from each resource's URN, so check it as '${saved.stack}'`);
    }
    const stack = saved.stack;
    const { checkResources } = await checking();
    const { pack, violations, policyConfigFile } = await checkResources(saved.resources, stack, args.policyConfig);
    const plan: PlanFile = {
        ...saved,
        schemaVersion: PLAN_SCHEMA_VERSION,
        stack,
        policyPack: { name: pack.name, version: pack.version, config: policyConfigFile },
        violations,
        summary: summarize(saved.resources, violations),
    };
    return emit(plan, args, unchangedResources(file, read, saved.resources));
}

async function runDiff(args: Args): Promise<number> {
    const { diffStack, diffFails, renderDiffMarkdown, renderDiffText } = await diffing();
    const { formatReport } = await configReports();
    const outcome = await diffStack({ base: args.base!, stack: args.stack! });
    if (outcome.kind === "config-error") {
        process.stderr.write(`${formatReport(outcome.outcome.stack, outcome.outcome.problems)}\n`);
        return EXIT_ERROR;
    }
    const { report } = outcome;
    if (args.json !== undefined) write(args.json, JSON.stringify(report, null, 2));
    if (args.markdown !== undefined) write(args.markdown, renderDiffMarkdown(report));
    if (args.json !== "-" && args.markdown !== "-") write("-", renderDiffText(report));
    return diffFails(report) ? EXIT_VIOLATIONS : EXIT_OK;
}

async function runPolicies(args: Args): Promise<number> {
    const { collectTestTitles, findRequirementsFile, parseRequirements, renderTraceabilityMarkdown, renderTraceabilityText, trace } = await import("../plan/traceability");
    const { policies } = await import("../policies/rules");
    const file = findRequirementsFile(PROJECT_ROOT);
    const requirements = file ? parseRequirements(fs.readFileSync(file, "utf8")) : [];
    const titles = collectTestTitles(path.join(PROJECT_ROOT, "dist", "test"));
    const traced = trace(policies, requirements, titles, file ? path.relative(PROJECT_ROOT, file) : undefined);
    if (args.json !== undefined) write(args.json, JSON.stringify(traced, null, 2));
    if (args.markdown !== undefined) write(args.markdown, renderTraceabilityMarkdown(traced));
    if (args.json !== "-" && args.markdown !== "-") write("-", renderTraceabilityText(traced));
    return EXIT_OK;
}

async function runDocs(args: Args): Promise<number> {
    const { asTexts, generateRunbook, readRunbook, runbookAt, runbookDir, writeRunbook } = await import("../plan/runbookDocs");
    const { compareRunbooks, renderSectionChanges, sameRunbook } = await import("../plan/runbookSections");
    const { formatReport, placeholderNote } = await configReports();
    const stack = args.stack!;
    const outcome = await generateRunbook({ stack, configFile: args.configFile, planFile: args.plan });
    if (outcome.kind === "config-error") {
        process.stderr.write(`${formatReport(outcome.stack, outcome.problems)}\n`);
        return EXIT_ERROR;
    }
    if (outcome.placeholders.length > 0) process.stderr.write(`${placeholderNote(stack, outcome.placeholders)}\n`);
    const committedDir = runbookDir(stack);
    const committed = readRunbook(committedDir);
    const generated = asTexts(outcome.pages);
    const before = args.base !== undefined ? runbookAt(args.base, stack) : committed;
    const stale = !sameRunbook(committed, generated);
    const out = args.out ?? committedDir;
    writeRunbook(out, outcome.pages);
    const changes = compareRunbooks(before, generated);
    const against = args.base !== undefined ? args.base : "the committed pages";
    if (args.markdown !== undefined) {
        write(args.markdown, renderSectionChanges(stack, changes, { baseRef: against, pagesDir: path.relative(PROJECT_ROOT, committedDir), stale: args.base !== undefined && stale }));
    }
    if (args.markdown !== "-") {
        const count = changes.changed.length + changes.added.length + changes.removed.length;
        write("-", `runbook docs: wrote ${outcome.pages.length} pages for stack '${stack}' to ${path.relative(process.cwd(), out) || "."}; ${count} section(s) differ from ${against}`);
    }
    return EXIT_OK;
}

export async function main(argv: string[]): Promise<number> {
    try {
        const args = parseArgs(argv);
        if (args.command === "help") {
            write("-", USAGE);
            return EXIT_OK;
        }
        if (args.command === "diff") return await runDiff(args);
        if (args.command === "policies") return await runPolicies(args);
        if (args.command === "docs") return await runDocs(args);
        return args.command === "plan" ? await runPlan(args) : await runCheck(args);
    } catch (e) {
        if (e instanceof UsageError) {
            process.stderr.write(`runbook: ${e.message}\n\n${USAGE}\n`);
            return EXIT_ERROR;
        }
        if (e instanceof ProgramError || e instanceof PolicyConfigError || e instanceof RevisionError || e instanceof PlanFileError) {
            process.stderr.write(`runbook: ${e.message}\n`);
            return EXIT_ERROR;
        }
        process.stderr.write(`runbook: unexpected error: ${(e as Error).stack ?? e}\n`);
        return EXIT_ERROR;
    }
}

if (require.main === module) {
    // A failure the program leaves behind after the plan has been decided (a second rejected apply)
    // must not turn the exit code into Node's 1, which means "policy violation" here.
    let reported = false;
    process.on("unhandledRejection", (reason) => {
        if (!reported) process.stderr.write(`runbook: the program failed: ${reason instanceof Error ? reason.message : String(reason)}\n`);
        process.exit(EXIT_ERROR);
    });
    main(process.argv.slice(2)).then(
        (code) => {
            reported = code === EXIT_ERROR;
            process.exitCode = code;
        },
        () => {
            process.exitCode = EXIT_ERROR;
        },
    );
}
