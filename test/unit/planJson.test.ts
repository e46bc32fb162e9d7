import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planJsonText, writePlanJson } from "../../plan/planJson";

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
});
