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
export function planJsonPieces(value: object): Generator<string> {
    return pieces(value, undefined) as Generator<string>;
}

/** A resource's text to be copied from the plan file it was read from: bytes [start, end) of the file. */
type Verbatim = readonly [start: number, end: number];

function* pieces(value: object, verbatim: ((resource: unknown) => Verbatim | undefined) | undefined): Generator<string | Verbatim> {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    yield "{\n";
    for (let i = 0; i < entries.length; i++) {
        const [key, v] = entries[i];
        const comma = i < entries.length - 1 ? "," : "";
        if (LINE_LISTS.has(key) && Array.isArray(v) && v.length > 0) {
            yield `  ${JSON.stringify(key)}: [\n`;
            for (let j = 0; j < v.length; j++) {
                const range = key === "resources" ? verbatim?.(v[j]) : undefined;
                if (range === undefined) {
                    yield `    ${JSON.stringify(v[j])}${j < v.length - 1 ? "," : ""}\n`;
                } else {
                    yield "    ";
                    yield range;
                    yield j < v.length - 1 ? ",\n" : "\n";
                }
            }
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
export function writePlanJson(target: string, value: object, source?: PlanSource): void {
    // Resources read from a plan file are copied from it as they were written, when it is still
    // the file that was read and is not the file being written.
    let sourceFd: number | undefined;
    if (source !== undefined && source.ranges.size > 0) {
        try {
            const fd = fs.openSync(source.file, "r");
            const now = fs.fstatSync(fd);
            const out = target === "-" ? fs.fstatSync(1) : fs.existsSync(target) ? fs.statSync(target) : undefined;
            const same = (a: fs.Stats, b: SourceIdentity) => a.dev === b.dev && a.ino === b.ino;
            if (same(now, source.identity) && now.size === source.identity.size && now.mtimeMs === source.identity.mtimeMs && !(out && same(out, source.identity))) sourceFd = fd;
            else fs.closeSync(fd);
        } catch {
            sourceFd = undefined;
        }
    }
    const fd = target === "-" ? 1 : fs.openSync(target, "w");
    try {
        const buffer = Buffer.allocUnsafe(CHUNK);
        let used = 0;
        const writeAll = (bytes: Buffer, length: number) => {
            for (let off = 0; off < length; ) off += fs.writeSync(fd, bytes, off, length - off);
        };
        const copy = ([start, end]: Verbatim) => {
            for (let position = start; position < end; ) {
                if (used === CHUNK) {
                    writeAll(buffer, used);
                    used = 0;
                }
                const read = fs.readSync(sourceFd!, buffer, used, Math.min(CHUNK - used, end - position), position);
                if (read === 0) throw new Error(`${source!.file} changed while the plan was written`);
                used += read;
                position += read;
            }
        };
        const verbatim = sourceFd !== undefined ? (resource: unknown) => source!.ranges.get(resource as object) : undefined;
        for (const piece of pieces(value, verbatim)) {
            if (typeof piece !== "string") {
                copy(piece);
                continue;
            }
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
        if (sourceFd !== undefined) fs.closeSync(sourceFd);
    }
}

interface SourceIdentity {
    dev: number;
    ino: number;
    size: number;
    mtimeMs: number;
}

/**
 * Where the resources of a plan file sit in it, for writing them back unchanged: each resource
 * object (as the caller will hand it to writePlanJson) and its one-line text's bytes in the file.
 */
export interface PlanSource {
    file: string;
    identity: SourceIdentity;
    ranges: Map<object, Verbatim>;
}

/**
 * Reads a plan file as readPlanJson does, and also where each object of its top-level `resources`
 * list sits in the file (those written on one line; none when the file was not split). The ranges
 * are in list order; the caller keys them by the objects it will write (see PlanSource).
 */
export function readPlanJsonWithRanges(file: string): { json: unknown; identity: SourceIdentity; ranges: Array<Verbatim | undefined> } {
    const fd = fs.openSync(file, "r");
    let identity: SourceIdentity;
    try {
        const stat = fs.fstatSync(fd);
        identity = { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
        const ranges: Array<Verbatim | undefined> = [];
        return { json: readSplit(fd, ranges), identity, ranges };
    } catch (e) {
        if (!(e instanceof NotSplittable) && !(e instanceof SyntaxError)) throw e;
    } finally {
        fs.closeSync(fd);
    }
    return { json: JSON.parse(fs.readFileSync(file, "utf8")), identity: identity!, ranges: [] };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;

function isWhitespace(c: number): boolean {
    return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The plan file could not be split into its resources; it is parsed whole instead. */
class NotSplittable {}

/**
 * Reads a plan file (or any JSON file) and returns what `JSON.parse` of its whole text returns,
 * throwing the same SyntaxError for text that is not JSON. A plan file is read through one reused
 * buffer and each object of its top-level `resources` and `violations` lists is parsed on its own:
 * the whole text as one string, with the file's bytes before it, touched twice the file's size in
 * fresh memory, which cost a page fault per 4 KiB and most of the time a 10,000-resource file took
 * to read. The rest of the file (a skeleton with `0` in each object's place) is parsed as it stands,
 * so every separator is still checked by `JSON.parse`; anything the split does not expect is read
 * whole instead.
 */
export function readPlanJson(file: string): unknown {
    return readPlanJsonWithRanges(file).json;
}

function readSplit(fd: number, resourceRanges?: Array<Verbatim | undefined>): unknown {
    let buffer = Buffer.allocUnsafe(CHUNK);
    let length = 0;
    let eof = false;
    /** The file offset of buffer[0]; whether the object being read has a line break (outside its strings). */
    let base = 0;
    let multiline = false;
    /** Scan position; bytes before `pending` are consumed (in the skeleton or parsed). */
    let i = 0;
    let pending = 0;
    let depth = 0;
    let inString = false;
    let stringStart = 0;
    /** The last string closed at depth 1 (the key of a value that follows a colon), and the last byte there outside strings. */
    let lastString = "";
    let previous = 0;
    /** The objects of the line list being read, and where the current one starts. */
    let list: unknown[] | undefined;
    let objectStart = -1;
    const lists = new Map<string, unknown[]>();
    /** Per list read, where each of its objects sits in the file, when on one line. */
    const listRanges = new Map<unknown[], Array<Verbatim | undefined>>();
    const skeleton: string[] = [];

    for (;;) {
        if (i >= length) {
            if (eof) break;
            if (pending > 0) {
                buffer.copy(buffer, 0, pending, length);
                base += pending;
                length -= pending;
                i -= pending;
                stringStart -= pending;
                if (objectStart >= 0) objectStart -= pending;
                pending = 0;
            }
            if (length === buffer.length) {
                const grown = Buffer.allocUnsafe(buffer.length * 2);
                buffer.copy(grown, 0, 0, length);
                buffer = grown;
            }
            const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
            if (read === 0) eof = true;
            length += read;
            continue;
        }
        if (inString) {
            const quote = buffer.indexOf(QUOTE, i);
            if (quote < 0 || quote >= length) {
                i = length;
                continue;
            }
            i = quote + 1;
            let backslashes = 0;
            for (let b = quote - 1; b >= stringStart && buffer[b] === BACKSLASH; b--) backslashes++;
            if (backslashes % 2 === 1) continue;
            inString = false;
            if (depth === 1) {
                lastString = buffer.toString("latin1", stringStart, quote);
                previous = QUOTE;
            }
            continue;
        }
        const c = buffer[i++];
        if (isWhitespace(c)) {
            if (c === 0x0a || c === 0x0d) multiline = true;
            continue;
        }
        if (list !== undefined && depth === 2 && c !== OPEN_OBJECT && c !== COMMA && c !== CLOSE_LIST) throw new NotSplittable();
        if (c === QUOTE) {
            inString = true;
            stringStart = i;
        } else if (c === OPEN_OBJECT || c === OPEN_LIST) {
            if (depth === 1) list = c === OPEN_LIST && previous === COLON && LINE_LISTS.has(lastString) ? [] : undefined;
            if (depth === 1 && list !== undefined) {
                lists.set(lastString, list);
                listRanges.set(list, []);
            }
            if (depth === 2 && list !== undefined) {
                objectStart = i - 1;
                multiline = false;
            }
            depth++;
        } else if (c === CLOSE_OBJECT || c === CLOSE_LIST) {
            depth--;
            if (depth === 2 && list !== undefined && objectStart >= 0) {
                skeleton.push(buffer.toString("utf8", pending, objectStart), "0");
                list.push(JSON.parse(buffer.toString("utf8", objectStart, i)));
                listRanges.get(list)!.push(multiline ? undefined : [base + objectStart, base + i]);
                pending = i;
                objectStart = -1;
            }
            if (depth === 1) list = undefined;
            if (depth < 0) throw new NotSplittable();
        }
        if (depth === 1) previous = c;
    }
    skeleton.push(buffer.toString("utf8", pending, length));
    const root = JSON.parse(skeleton.join("")) as Record<string, unknown>;
    for (const [key, objects] of lists) {
        const placeholders = root[key];
        if (!Array.isArray(placeholders) || placeholders.length !== objects.length || placeholders.some((p) => p !== 0)) throw new NotSplittable();
        root[key] = objects;
    }
    if (resourceRanges !== undefined && lists.has("resources")) for (const range of listRanges.get(lists.get("resources")!)!) resourceRanges.push(range);
    return root;
}

/**
 * The resources that reading a plan file left as they were written (every field present, so none
 * was given a default, and each on one line), with where each sits in the file: a plan written
 * back copies them instead of writing them anew, which was most of the time a large plan took to
 * write. `resources` are the objects to be written, in the file's order.
 */
export function unchangedResources(file: string, read: ReturnType<typeof readPlanJsonWithRanges>, resources: object[]): PlanSource {
    const ranges = new Map<object, Verbatim>();
    const raw = (read.json as { resources?: unknown }).resources;
    if (!Array.isArray(raw) || raw.length !== resources.length) return { file, identity: read.identity, ranges };
    resources.forEach((resource, i) => {
        const range = read.ranges[i];
        const original = raw[i] as Record<string, unknown>;
        if (range === undefined || original === null || typeof original !== "object") return;
        const fields = Object.keys(resource);
        if (Object.keys(original).length === fields.length && fields.every((k) => original[k] === (resource as Record<string, unknown>)[k])) ranges.set(resource, range);
    });
    return { file, identity: read.identity, ranges };
}
