/*
 * Markdown building blocks for the generated runbook: GitHub's heading anchors, tables, inline code
 * and fenced blocks. Pure functions; nothing here knows about stacks.
 */

/**
 * The anchor GitHub gives a heading: lowercase, everything but letters, digits, spaces, `-` and `_`
 * dropped, spaces turned into `-` (github-slugger, without the `-1` suffix of a repeated heading:
 * the generator never repeats one on a page, and a test holds it to that).
 */
export function slug(heading: string): string {
    return heading
        .toLowerCase()
        .replace(/`/g, "")
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** Inline code that survives backticks inside the value. */
export function code(value: string | number): string {
    const text = String(value);
    if (!text.includes("`")) return `\`${text}\``;
    return `\`\` ${text} \`\``;
}

/** A table cell: pipes escaped, line breaks flattened, never empty (markdownlint and readers both trip on blank cells). */
function cell(value: string): string {
    const text = value.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ").trim();
    return text === "" ? "—" : text;
}

/** A GitHub table: one header row, then a row per entry, every row as wide as the header. */
export function table(headers: string[], rows: string[][]): string[] {
    for (const row of rows) {
        if (row.length !== headers.length) throw new Error(`a table row has ${row.length} cells for ${headers.length} columns: ${row.join(" | ")}`);
    }
    return [`| ${headers.map(cell).join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`, ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`)];
}

/** A fenced code block. */
export function fence(language: string, lines: string[]): string[] {
    return [`\`\`\`${language}`, ...lines, "```"];
}

/** A numbered list; markdownlint's default style numbers every item. */
export function numbered(items: string[]): string[] {
    return items.map((item, i) => `${i + 1}. ${item}`);
}

export function bullets(items: string[]): string[] {
    return items.map((item) => `- ${item}`);
}

/** `a`, `a and b`, `a, b and c`. */
export function listing(items: string[], conjunction = "and"): string {
    if (items.length <= 1) return items.join("");
    return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

/**
 * Joins blocks (each a list of lines) with one blank line between them, drops empty blocks, and
 * ends the page with exactly one newline, as markdownlint wants.
 */
export function page(blocks: Array<string[] | string>): string {
    const parts = blocks.map((b) => (typeof b === "string" ? [b] : b)).filter((b) => b.length > 0);
    return `${parts.map((b) => b.join("\n")).join("\n\n")}\n`;
}
