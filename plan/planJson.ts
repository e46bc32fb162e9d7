import * as fs from "fs";

/*
 * The plan file's text: the top-level fields as `JSON.stringify(…, null, 2)` writes them, and each
 * element of the `resources` and `violations` lists on a line of its own, so `grep` finds a resource
 * with everything about it and a 10,000-resource plan is written without ever holding its whole text.
 * Any JSON reader reads it as the same object.
 */

/** Lists written one element per line. */
const LINE_LISTS = new Set(["resources", "violations"]);

/** The write buffer's size in bytes. */
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

/**
 * Writes the plan file to `target` (a path, or `-` for standard output) through one reused buffer:
 * a fresh buffer or joined string per chunk costs a page fault per 4 KiB on every chunk, which was
 * most of the time a 10,000-resource plan took to write.
 */
export function writePlanJson(target: string, value: object): void {
    const fd = target === "-" ? 1 : fs.openSync(target, "w");
    try {
        const buffer = Buffer.allocUnsafe(CHUNK);
        let used = 0;
        const writeAll = (bytes: Buffer, length: number) => {
            for (let off = 0; off < length; ) off += fs.writeSync(fd, bytes, off, length - off);
        };
        for (const piece of planJsonPieces(value)) {
            // UTF-8 takes at most three bytes per UTF-16 unit; only a piece that might not fit is measured.
            if (piece.length * 3 > CHUNK - used) {
                const bytes = Buffer.byteLength(piece, "utf8");
                if (bytes > CHUNK - used) {
                    writeAll(buffer, used);
                    used = 0;
                }
                if (bytes > CHUNK) {
                    const big = Buffer.from(piece, "utf8");
                    writeAll(big, big.length);
                    continue;
                }
            }
            used += buffer.write(piece, used, "utf8");
        }
        writeAll(buffer, used);
    } finally {
        if (fd !== 1) fs.closeSync(fd);
    }
}
