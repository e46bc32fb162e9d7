import { code, slug } from "./markdown";

/*
 * A generated runbook as sections, and what a change does to them: the pull-request comment lists
 * the sections whose text a change alters, so a reviewer sees "backups.md#restore-postgresql
 * changed" next to the resource diff. Pure functions over page texts.
 */

export interface RunbookSection {
    page: string;
    /** The heading's anchor; the page's title section has the title's. */
    anchor: string;
    heading: string;
    text: string;
}

/** Page file name → Markdown. */
export type RunbookTexts = Record<string, string>;

/** Splits each page at its headings (outside code fences); each section runs to the next heading. */
export function runbookSections(pages: RunbookTexts): RunbookSection[] {
    const sections: RunbookSection[] = [];
    for (const [file, markdown] of Object.entries(pages).sort(([a], [b]) => a.localeCompare(b))) {
        let current: RunbookSection | undefined;
        let inFence = false;
        for (const line of markdown.split("\n")) {
            if (/^\s*```/.test(line)) inFence = !inFence;
            const heading = inFence ? null : /^#{1,6} (.+)$/.exec(line);
            if (heading) {
                current = { page: file, anchor: slug(heading[1]), heading: heading[1], text: "" };
                sections.push(current);
            }
            if (current) current.text += `${line}\n`;
        }
    }
    return sections;
}

/** The same pages with the same text, in any order. */
export function sameRunbook(a: RunbookTexts, b: RunbookTexts): boolean {
    const files = Object.keys(a);
    return files.length === Object.keys(b).length && files.every((f) => b[f] === a[f]);
}

export interface SectionChanges {
    changed: RunbookSection[];
    added: RunbookSection[];
    removed: RunbookSection[];
}

const key = (s: RunbookSection) => `${s.page}#${s.anchor}`;

/** The sections whose text differs between two versions of a runbook, matched by page and anchor. */
export function compareRunbooks(base: RunbookTexts, head: RunbookTexts): SectionChanges {
    const before = new Map(runbookSections(base).map((s) => [key(s), s]));
    const after = new Map(runbookSections(head).map((s) => [key(s), s]));
    return {
        changed: [...after.values()].filter((s) => before.has(key(s)) && before.get(key(s))!.text !== s.text),
        added: [...after.values()].filter((s) => !before.has(key(s))),
        removed: [...before.values()].filter((s) => !after.has(key(s))),
    };
}

export function hasChanges(c: SectionChanges): boolean {
    return c.changed.length + c.added.length + c.removed.length > 0;
}

/** At most this many sections per kind are listed; a comment has room for every stack's. */
const LISTED = 40;

/**
 * The comment's runbook part for one stack: which sections the change alters, each as its page and
 * anchor (`backups.md#restore-postgresql`), and whether the committed pages in `pagesDir` are stale.
 */
export function renderSectionChanges(stack: string, changes: SectionChanges, options: { baseRef: string; pagesDir: string; stale: boolean }): string {
    const lines = [`### Runbook sections: ${code(stack)} ${hasChanges(changes) ? "📝" : "✅"}`, ""];
    if (!hasChanges(changes)) {
        lines.push(`No section of the generated runbook changes against ${code(options.baseRef)}.`);
    } else {
        lines.push(`Against ${code(options.baseRef)}: ${changes.changed.length} changed, ${changes.added.length} added, ${changes.removed.length} removed.`, "");
        const list = (label: string, sections: RunbookSection[]) => {
            if (sections.length === 0) return;
            const shown = sections.slice(0, LISTED).map((s) => `${code(`${s.page}#${s.anchor}`)} (${s.heading.replace(/`/g, "")})`);
            lines.push(`- ${label}: ${shown.join(", ")}${sections.length > LISTED ? `, and ${sections.length - LISTED} more` : ""}`);
        };
        list("Changed", changes.changed);
        list("Added", changes.added);
        list("Removed", changes.removed);
    }
    if (options.stale) {
        lines.push("", `> [!WARNING]\n> The committed pages in ${code(options.pagesDir)} are not what this commit generates: run ${code(`runbook docs --stack ${stack}`)} and commit the result.`);
    }
    return `${lines.join("\n")}\n`;
}
