import { slug } from "./markdown";

/*
 * The hand-written guidance the generated runbook reuses: the response steps of docs/alerts.md (one
 * section per alert) and the sections of docs/operations.md (procedures that need more than
 * `pulumi up`). Parsed from their Markdown, so the generated pages say what those files say, with
 * this stack's names filled in; editing either file makes the committed pages stale until they are
 * regenerated.
 */

export interface GuidanceSection {
    title: string;
    anchor: string;
    level: number;
    /** Paragraphs that are not list items, without their line breaks. */
    paragraphs: string[];
    /** Numbered list items, in order. */
    steps: string[];
}

export interface RunbookGuidance {
    /** docs/alerts.md, by heading (an alert's name, `CloudWatch: memory`, `First 10 minutes, whatever fired`). */
    alerts: Map<string, GuidanceSection>;
    /** docs/operations.md's sections, in order. */
    operations: GuidanceSection[];
}

/** Headings (levels 2 and 3) with their paragraphs and numbered steps; fenced code is skipped. */
export function parseSections(markdown: string): GuidanceSection[] {
    const sections: GuidanceSection[] = [];
    let current: GuidanceSection | undefined;
    let inFence = false;
    let block: string[] = [];
    let blockKind: "paragraph" | "step" | undefined;
    const flush = () => {
        if (current && block.length > 0) {
            const text = block.join(" ").replace(/\s+/g, " ").trim();
            if (blockKind === "step") current.steps.push(text);
            else if (text !== "" && !text.startsWith("|") && !text.startsWith("<!--")) current.paragraphs.push(text);
        }
        block = [];
        blockKind = undefined;
    };
    for (const line of markdown.split("\n")) {
        if (/^\s*```/.test(line)) {
            flush();
            inFence = !inFence;
            continue;
        }
        if (inFence) continue;
        const heading = /^(#{2,3}) (.+)$/.exec(line);
        if (heading) {
            flush();
            current = { title: heading[2].trim(), anchor: slug(heading[2].trim()), level: heading[1].length, paragraphs: [], steps: [] };
            sections.push(current);
            continue;
        }
        if (line.startsWith("# ")) {
            flush();
            current = undefined;
            continue;
        }
        const step = /^\d+\. (.*)$/.exec(line);
        if (step) {
            flush();
            block = [step[1]];
            blockKind = "step";
        } else if (line.trim() === "") {
            flush();
        } else if (/^[-*] /.test(line)) {
            flush();
        } else if (blockKind === "step" && /^\s+\S/.test(line)) {
            block.push(line.trim());
        } else {
            if (blockKind === "step") flush();
            block.push(line.trim());
            blockKind = "paragraph";
        }
    }
    flush();
    return sections;
}

export function parseGuidance(alertsMarkdown: string, operationsMarkdown: string): RunbookGuidance {
    return {
        alerts: new Map(parseSections(alertsMarkdown).map((s) => [s.title, s])),
        operations: parseSections(operationsMarkdown),
    };
}
