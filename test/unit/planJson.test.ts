import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planJsonText, readPlanJson, readPlanJsonWithRanges, unchangedResources, writePlanJson } from "../../plan/planJson";

describe("unit: the plan file's text (docs/plan-schema.md)", () => {
    const plan = {
        schemaVersion: 1,
        project: "runbook",
        stack: "staging",
        resources: [
            { urn: "urn:a", inputs: { text: "line one\nline two", nested: { list: [1, 2] } } },
            { urn: "urn:b", inputs: { "quote\"d": "ünïcödé ✓" } },
        ],
        outputs: { url: "https://x" },
        violations: [],
        summary: { resources: 2, mandatory: 0, advisory: 0 },
        absent: undefined,
    };

    it("reads back as the same object, one resource per line", () => {
        const text = planJsonText(plan);
        assert.deepStrictEqual(JSON.parse(text), JSON.parse(JSON.stringify(plan)));
        const lines = text.split("\n");
        assert.strictEqual(lines.filter((l) => l.includes('"urn":')).length, 2, "each resource on its own line");
        assert.ok(lines.some((l) => l === '  "violations": [],'), "an empty list stays inline");
        assert.ok(text.endsWith("}\n"));
    });

    it("writes in chunks the same text a single string would hold, multi-byte characters included", () => {
        const big = { ...plan, resources: Array.from({ length: 3000 }, (_, i) => ({ urn: `urn:${i}`, inputs: { s: "é✓".repeat(200 + (i % 7)) } })) };
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-json-")), "plan.json");
        writePlanJson(file, big);
        assert.ok(fs.statSync(file).size > 1 << 20, "more than one chunk");
        assert.strictEqual(fs.readFileSync(file, "utf8"), planJsonText(big));
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    it("writes a resource larger than the write buffer whole, between ordinary ones, astral characters included", () => {
        const huge = { urn: "urn:huge", inputs: { s: "😀é".repeat(400_000) } };
        const big = { ...plan, resources: [plan.resources[0], huge, plan.resources[1], huge] };
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-json-")), "plan.json");
        writePlanJson(file, big);
        assert.ok(fs.statSync(file).size > 2 * (1 << 20), "each huge resource is larger than the buffer");
        assert.strictEqual(fs.readFileSync(file, "utf8"), planJsonText(big));
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    describe("reading: the same value JSON.parse makes of the whole text, the same error for text that is not JSON", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-read-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        let n = 0;
        const fileWith = (text: string) => {
            const file = path.join(dir, `plan-${n++}.json`);
            fs.writeFileSync(file, text);
            return file;
        };
        /** Both agree: the same value, or the same SyntaxError message. */
        const same = (text: string) => {
            const file = fileWith(text);
            let expected: unknown;
            let error: string | undefined;
            try {
                // The text as the file holds it (a lone surrogate is written as U+FFFD).
                expected = JSON.parse(fs.readFileSync(file, "utf8"));
            } catch (e) {
                error = (e as Error).message;
            }
            if (error !== undefined) {
                assert.throws(() => readPlanJson(file), (e: Error) => e instanceof SyntaxError && e.message === error, `expected SyntaxError '${error}' for ${JSON.stringify(text.slice(0, 200))}`);
            } else {
                assert.deepStrictEqual(readPlanJson(file), expected, JSON.stringify(text.slice(0, 200)));
            }
        };
        const tricky = [
            { urn: "urn:a", inputs: { s: 'quote " brace } bracket ] backslash \\ "\\" end\\', nested: { resources: [{ x: 1 }] } } },
            { urn: "urn:b", inputs: { "k}\\": "\\\\", u: "ünïcödé ✓ 😀", list: [[], {}, [1, { a: "]" }]] } },
        ];

        it("plan files written by the plan, compact JSON, pretty JSON and an empty list", () => {
            const plan = { schemaVersion: 1, stack: "s", resources: tricky, outputs: { resources: [1] }, violations: [{ policy: "p", urn: "urn:a" }] };
            same(planJsonText(plan));
            same(JSON.stringify(plan));
            same(JSON.stringify(plan, null, 4));
            same(JSON.stringify({ ...plan, resources: [] }));
            same(JSON.stringify({ ...plan, resources: [] }, null, 2));
        });

        it("lists it does not split are read whole the same: a repeated key, elements that are not objects, lists elsewhere", () => {
            same('{"resources":[{"a":1}],"resources":[{"b":2},{"c":3}]}');
            same('{"resources":[{"a":1}],"resources":5}');
            same('{"resources":[{"a":1},2,"x",null,[{"y":1}]]}');
            same('{"resources":[1,{"a":1}]}');
            same('{"x":{"resources":[{"a":1}]},"violations":[{"v":[]}]}');
            same('[{"resources":[{"a":1}]}]');
            same('"resources"');
            same('{"resour\\u0063es":[{"a":1}]}');
        });

        it("objects larger than the read buffer and strings that cross its edges, at many offsets", () => {
            // Backslash runs and quotes of varying lengths land on the 1 MiB buffer's edges.
            const resources = Array.from({ length: 60 }, (_, i) => ({
                urn: `urn:${i}`,
                inputs: { s: "\\".repeat(i % 5) + '"'.repeat(i % 3) + "é✓x".repeat(1000 + ((i * 7919) % 120_000)) + "\\".repeat(i % 4), big: i === 30 ? "y".repeat(2_500_000) : "" },
            }));
            const plan = { schemaVersion: 1, stack: "s", resources, violations: [] };
            const text = planJsonText(plan);
            assert.ok(text.length > 8 * (1 << 20), "several buffers' worth");
            same(text);
            same(JSON.stringify(plan));
        });

        it("every single-byte damage of a plan file reads as JSON.parse reads it: deletions, structural insertions, truncations", () => {
            const text = JSON.stringify({ schemaVersion: 1, stack: "s", resources: tricky, violations: [{ policy: "p" }] });
            for (let i = 0; i < text.length; i++) {
                same(text.slice(0, i) + text.slice(i + 1));
                same(text.slice(0, i));
                for (const c of ['"', "\\", "{", "}", "[", "]", ",", ":", "0"]) same(text.slice(0, i) + c + text.slice(i));
            }
        });

        it("a file that cannot be read is the reader's error, not a SyntaxError", () => {
            assert.throws(() => readPlanJson(path.join(dir, "missing.json")), (e: NodeJS.ErrnoException) => e.code === "ENOENT");
            assert.throws(() => readPlanJson(dir), (e: NodeJS.ErrnoException) => !(e instanceof SyntaxError) && e.code === "EISDIR");
        });
    });

    describe("writing back a plan it read: unchanged resources copied from the file, the same plan either way", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-copy-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const full = (i: number, extra: Record<string, unknown> = {}) => ({
            urn: `urn:${i}`,
            type: "t",
            name: `n${i}`,
            custom: true,
            parent: null,
            inputs: { s: `é✓ "${i}" \\ }`.repeat(1 + (i % 50) * 40) },
            ...extra,
        });
        /** Reads `text` as check does: normalised copies (a default for `custom`), then writes them back. */
        const roundTrip = (text: string, target?: string) => {
            const file = path.join(dir, `in-${Math.random()}.json`);
            fs.writeFileSync(file, text);
            const read = readPlanJsonWithRanges(file);
            const plan = read.json as { resources: Array<Record<string, unknown>> };
            const normalised = { ...plan, resources: plan.resources.map((r) => ({ custom: true, ...r })), violations: [{ policy: "p" }] };
            const source = unchangedResources(file, read, normalised.resources);
            const out = target === "same" ? file : path.join(dir, `out-${Math.random()}.json`);
            writePlanJson(out, normalised, source);
            return { copied: source.ranges.size, written: fs.readFileSync(out, "utf8"), expected: normalised };
        };

        it("one-line resources with every field are copied; the written file is the plan, one resource per line", () => {
            const plan = { schemaVersion: 1, stack: "s", resources: Array.from({ length: 400 }, (_, i) => full(i)) };
            for (const text of [JSON.stringify(plan), planJsonText(plan)]) {
                const { copied, written, expected } = roundTrip(text);
                assert.strictEqual(copied, 400);
                assert.ok(written.length > 3 * (1 << 20), "larger than the write buffer");
                assert.deepStrictEqual(JSON.parse(written), JSON.parse(JSON.stringify(expected)));
                assert.strictEqual(written.split("\n").filter((l) => l.includes('"urn":')).length, 400, "one resource per line");
            }
        });

        it("a resource given a default, or written over several lines, is written anew; the rest are copied", () => {
            const resources = Array.from({ length: 30 }, (_, i) => {
                const { custom, ...rest } = full(i);
                return i % 3 === 0 ? rest : { ...rest, custom };
            });
            const text = `{"schemaVersion":1,"stack":"s","resources":[\n${resources.map((r, i) => (i % 5 === 0 ? JSON.stringify(r, null, 2) : JSON.stringify(r))).join(",\n")}\n]}`;
            const { copied, written, expected } = roundTrip(text);
            assert.strictEqual(copied, resources.filter((_, i) => i % 3 !== 0 && i % 5 !== 0).length);
            assert.deepStrictEqual(JSON.parse(written), JSON.parse(JSON.stringify(expected)));
            assert.strictEqual(written.split("\n").filter((l) => l.includes('"urn":')).length, 30, "one resource per line");
        });

        it("writing over the file it read, or after the file changed, writes every resource anew", () => {
            const plan = { schemaVersion: 1, stack: "s", resources: Array.from({ length: 50 }, (_, i) => full(i)) };
            const { written, expected } = roundTrip(JSON.stringify(plan), "same");
            assert.deepStrictEqual(JSON.parse(written), JSON.parse(JSON.stringify(expected)));

            const file = path.join(dir, "changed.json");
            fs.writeFileSync(file, JSON.stringify(plan));
            const read = readPlanJsonWithRanges(file);
            const resources = (read.json as typeof plan).resources;
            const source = unchangedResources(file, read, resources);
            assert.strictEqual(source.ranges.size, 50);
            fs.writeFileSync(file, JSON.stringify({ ...plan, resources: [] }) + " ".repeat(100));
            const out = path.join(dir, "changed-out.json");
            writePlanJson(out, { ...plan, resources }, source);
            assert.deepStrictEqual(JSON.parse(fs.readFileSync(out, "utf8")), plan);
        });
    });
});
