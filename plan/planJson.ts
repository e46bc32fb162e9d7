import * as fs from "fs";

/*
 * The plan file's text: the top-level fields as `JSON.stringify(…, null, 2)` writes them, and each
 * element of the `resources` and `violations` lists on a line of its own, so `grep` finds a resource
 * with everything about it and a 10,000-resource plan is written without ever holding its whole text.
 * Any JSON reader reads it as the same object.
 */

/** Lists written one element per line. */
const LINE_LISTS = new Set(["resources", "violations"]);

/** Flush to the file every this many characters. */
const CHUNK = 1 << 20;

/** The pieces of the file's text, in order; joined they are the whole text (ending in a newline). */
export function* planJsonPieces(value: object): Generator<string> {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    yield "{\n";
    for (let i = 0; i < entries.length; i++) {
        const [key, v] = entries[i];
        const comma = i < entries.length - 1 ? "," : "";
        if (LINE_LISTS.has(key) && Array.isArray(v) && v.length > 0) {
            yield `  ${JSON.stringify(key)}: [\n`;
            for (let j = 0; j < v.length; j++) yield `    ${JSON.stringify(v[j])}${j < v.length - 1 ? "," : ""}\n`;
            yield `  ]${comma}\n`;
        } else {
            yield `  ${JSON.stringify(key)}: ${JSON.stringify(v, null, 2).replace(/\n/g, "\n  ")}${comma}\n`;
        }
    }
    yield "}\n";
}

/** The whole text at once (tests, small plans). */
export function planJsonText(value: object): string {
    return [...planJsonPieces(value)].join("");
}

/** Writes the plan file to `target` (a path, or `-` for standard output) in chunks. */
export function writePlanJson(target: string, value: object): void {
    const fd = target === "-" ? 1 : fs.openSync(target, "w");
    try {
        let buffered: string[] = [];
        let size = 0;
        const flush = () => {
            if (size === 0) return;
            const bytes = Buffer.from(buffered.join(""), "utf8");
            for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off);
            buffered = [];
            size = 0;
        };
        for (const piece of planJsonPieces(value)) {
            buffered.push(piece);
            size += piece.length;
            if (size >= CHUNK) flush();
        }
        flush();
    } finally {
        if (fd !== 1) fs.closeSync(fd);
    }
}
