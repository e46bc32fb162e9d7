import { DiffReport, PropertyChange, ResourceChange, ViolationChange, diffFails, shortType } from "./diff";

/** Text and Markdown views of a desired-state diff. Secrets never appear: only that they changed. */

const SYMBOL: Record<ResourceChange["action"], string> = { create: "+", delete: "-", update: "~", replace: "+-" };
const MAX_CHANGES = 40;

function show(v: unknown): string {
    if (v === undefined) return "(none)";
    const s = JSON.stringify(v);
    return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

export function describeChange(p: PropertyChange): string {
    const value = p.secret ? "changed (secret)" : `${show(p.old)} → ${show(p.new)}`;
    return `${p.path || "(all inputs)"}: ${value}${p.forcesReplacement ? "  [forces replacement]" : ""}`;
}

function flags(c: ResourceChange): string {
    const f: string[] = [];
    if (c.protect) f.push("protect");
    if (c.retainOnDelete) f.push("retain");
    if (c.action === "replace" && c.deleteBeforeReplace) f.push("delete first");
    return f.length ? ` [${f.join(", ")}]` : "";
}

function revision(r: DiffReport["base"] | DiffReport["head"]): string {
    const commit = r.commit ? ` (${r.commit.slice(0, 12)})` : "";
    return `${r.ref}${commit}`;
}

function counts(report: DiffReport): string {
    const s = report.summary;
    return `${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete, ${s.unchanged} unchanged`;
}

function verdict(report: DiffReport): string {
    const s = report.summary;
    if (!diffFails(report)) return `PASS: no new mandatory violation and no protected resource at risk.`;
    const why: string[] = [];
    if (s.protectedAtRisk > 0) why.push(`${s.protectedAtRisk} protected resource(s) would be replaced or deleted`);
    if (s.introducedMandatory > 0) why.push(`${s.introducedMandatory} new mandatory violation(s)`);
    return `FAIL: ${why.join("; ")}.`;
}

function resourceLines(c: ResourceChange, indent: string): string[] {
    const lines = [`${indent}${SYMBOL[c.action]} ${c.action} ${shortType(c.type)} ${c.name}${flags(c)}`];
    for (const reason of c.reasons) lines.push(`${indent}    because ${reason}`);
    if (c.action === "update" && !c.replacementRulesKnown) lines.push(`${indent}    (replacement rules for ${c.type} are not known offline; \`pulumi preview\` decides update or replace)`);
    c.changes.slice(0, MAX_CHANGES).forEach((p) => lines.push(`${indent}    ${describeChange(p)}`));
    if (c.changes.length > MAX_CHANGES) lines.push(`${indent}    ... and ${c.changes.length - MAX_CHANGES} more changes (see --json)`);
    return lines;
}

function violationLine(v: ViolationChange): string {
    const req = v.requirements.length ? ` (${v.requirements.join(", ")})` : "";
    return `${v.enforcementLevel === "mandatory" ? "✗" : "!"} ${v.enforcementLevel} ${v.policy}${req}  ${v.resource}\n      ${v.message.replace(/\n/g, "\n      ")}`;
}

export function renderDiffText(report: DiffReport): string {
    const lines = [`Desired-state diff for stack '${report.stack}': ${revision(report.base)} → ${revision(report.head)}${report.head.dirty ? " with uncommitted changes" : ""}`, ""];
    const atRisk = report.resources.filter((c) => report.protectedAtRisk.includes(c.urn));
    if (atRisk.length > 0) {
        lines.push(`PROTECTED RESOURCES AT RISK: ${atRisk.length}. \`pulumi up\` refuses to replace or delete a protected resource; do not remove \`protect\` to get past this: the data would go with it.`);
        atRisk.forEach((c) => lines.push(...resourceLines(c, "  ")));
        lines.push("");
    }
    lines.push(`Resources: ${counts(report)}`);
    report.resources.filter((c) => !report.protectedAtRisk.includes(c.urn)).forEach((c) => lines.push(...resourceLines(c, "  ")));
    lines.push("");
    if (report.secretConfig.length > 0) {
        lines.push(`Secret config (values never shown):`);
        report.secretConfig.forEach((s) => lines.push(`  ${s.key}: ${s.change}`));
        lines.push("");
    }
    if (report.outputs.length > 0) {
        lines.push(`Stack outputs:`);
        report.outputs.forEach((o) => lines.push(`  ${o.name}: ${o.secret ? "changed (secret)" : `${show(o.old)} → ${show(o.new)}`}`));
        lines.push("");
    }
    const { introduced, fixed } = report.violations;
    lines.push(`Violations introduced: ${introduced.length}`);
    introduced.forEach((v) => lines.push(`  ${violationLine(v)}`));
    lines.push(`Violations fixed: ${fixed.length}`);
    fixed.forEach((v) => lines.push(`  ${violationLine(v)}`));
    if (report.manualSteps.length > 0) {
        lines.push("", "Manual steps:");
        report.manualSteps.forEach((m) => lines.push(`  - ${m.resource}: ${m.message} (${m.docs})`));
    }
    if (report.notes.length > 0) {
        lines.push("", "Notes:");
        report.notes.forEach((n) => lines.push(`  - ${n}`));
    }
    lines.push("", verdict(report));
    return lines.join("\n");
}

function cell(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
}

function code(s: string): string {
    return `\`${s.replace(/`/g, "'")}\``;
}

function changeCells(c: ResourceChange): string {
    const parts = c.changes.slice(0, 12).map((p) => cell(describeChange(p)).replace(/^([^:]+):/, (_, path: string) => `${code(path)}:`));
    if (c.changes.length > 12) parts.push(`… and ${c.changes.length - 12} more`);
    const reasons = c.reasons.map((r) => `_${cell(r)}_`);
    if (c.action === "update" && !c.replacementRulesKnown) reasons.push("_replacement rules not known offline_");
    return [...reasons, ...parts].join("<br>");
}

export function renderDiffMarkdown(report: DiffReport): string {
    const s = report.summary;
    const status = diffFails(report) ? "❌" : "✅";
    const lines = [
        `### Runbook diff: \`${report.stack}\` ${status} ${cell(revision(report.base))} → ${cell(revision(report.head))}`,
        "",
        `| Create | Update | Replace | Delete | Protected at risk | New violations (mandatory / advisory) | Fixed violations |`,
        `|---:|---:|---:|---:|---:|---:|---:|`,
        `| ${s.create} | ${s.update} | ${s.replace} | ${s.delete} | ${s.protectedAtRisk} | ${s.introducedMandatory} / ${s.introducedAdvisory} | ${s.fixedMandatory + s.fixedAdvisory} |`,
        "",
    ];
    const atRisk = report.resources.filter((c) => report.protectedAtRisk.includes(c.urn));
    if (atRisk.length > 0) {
        lines.push(`> [!CAUTION]`, `> **${atRisk.length} protected resource(s) would be replaced or deleted.** \`pulumi up\` refuses this; do not remove \`protect\` to get past it: the data would go with it.`, "");
    }
    if (report.resources.length > 0) {
        lines.push("| | Resource | Why / what changes |", "|---|---|---|");
        for (const c of report.resources) {
            lines.push(`| ${report.protectedAtRisk.includes(c.urn) ? "⚠️ " : ""}${c.action}${cell(flags(c))} | ${code(`${shortType(c.type)} ${c.name}`)} | ${changeCells(c)} |`);
        }
        lines.push("");
    } else {
        lines.push("No resource changes.", "");
    }
    if (report.secretConfig.length > 0) {
        lines.push(`Secret config (values never shown): ${report.secretConfig.map((c) => `${code(c.key)} ${c.change}`).join(", ")}`, "");
    }
    if (report.outputs.length > 0) {
        lines.push(`Stack outputs changed: ${report.outputs.map((o) => code(o.name)).join(", ")}`, "");
    }
    for (const [title, vs] of [["Violations introduced", report.violations.introduced], ["Violations fixed", report.violations.fixed]] as const) {
        if (vs.length === 0) continue;
        lines.push(`**${title}**`, "", "| Level | Policy | Requirement | Resource | Message |", "|---|---|---|---|---|");
        vs.forEach((v) => lines.push(`| ${v.enforcementLevel} | ${code(v.policy)} | ${v.requirements.join(", ")} | ${code(v.resource)} | ${cell(v.message)} |`));
        lines.push("");
    }
    if (report.manualSteps.length > 0) {
        lines.push("> [!IMPORTANT]", "> **Manual steps.** `pulumi up` does these changes, and then an operator must:", ...report.manualSteps.map((m) => `> - ${code(m.resource)}: ${m.message} ([how](${m.docs}))`), "");
    }
    if (report.notes.length > 0) lines.push(...report.notes.map((n) => `- ${cell(n)}`), "");
    lines.push(`_${verdict(report)}_`);
    return lines.join("\n");
}
