import * as assert from "assert";
import { REDACTED, REDACTION_RULES, STREAM_LABELS, alloyPipeline } from "../../../components/platform/logPipeline";
import { credentialShape } from "../../../policies/rules/secrets";
import { applyReplace, applyReplaces, re2AsJs } from "../../helpers/alloyReplace";

const redact = (line: string) => applyReplaces(line, REDACTION_RULES, REDACTED);

/** Sample lines as pino, pino-http, morgan and a careless console.log write them, each with what must not survive. */
const SECRET_LINES: Array<{ line: string; secrets: string[] }> = [
    { line: '{"level":30,"time":1733400000000,"msg":"login","password":"hunter2","user":"ada"}', secrets: ["hunter2"] },
    { line: '{"level":30,"msg":"refresh","accessToken":"eyA1b2c3d4","refresh_token":"r-0x99","client_secret":"cs_live_abc"}', secrets: ["eyA1b2c3d4", "r-0x99", "cs_live_abc"] },
    { line: '{"req":{"method":"GET","url":"/me","headers":{"authorization":"Bearer abc.def.ghi-123","cookie":"sid=s%3Aabcdef"}}}', secrets: ["abc.def.ghi-123", "s%3Aabcdef"] },
    { line: '{"level":50,"msg":"db down","DATABASE_URL":"postgres://app:S3cr3t!x@db.internal:5432/shop"}', secrets: ["S3cr3t!x"] },
    { line: "connecting to redis://:r3dis-pass@redis:6379/0", secrets: ["r3dis-pass"] },
    { line: "mongodb+srv://svc:m0ng0pw@cluster0.example.net/app?retryWrites=true", secrets: ["m0ng0pw"] },
    { line: '{"msg":"callback GET /oauth/cb?code=1&access_token=tok_123&state=x"}', secrets: ["tok_123"] },
    { line: "level=info msg=\"smtp\" password=pa55word api_key=k-42 user=ops", secrets: ["pa55word", "k-42"] },
    { line: "Authorization: Basic YWRtaW46c2VjcmV0", secrets: ["YWRtaW46c2VjcmV0"] },
    { line: '{"msg":"verify","jwt":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}', secrets: ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"] },
    { line: "uploaded with key AKIAIOSFODNN7EXAMPLE to bucket", secrets: ["AKIAIOSFODNN7EXAMPLE"] },
    { line: '{"msg":"quote","password":"a\\"b\\\\c"}', secrets: ['a\\"b'] },
];

/** Lines with nothing secret, which must reach Loki unchanged. */
const CLEAN_LINES = [
    '{"ts":"2026-12-05T10:00:00Z","level":"info","route":"/v1/orders","method":"POST","status":201,"ms":42}',
    '{"level":30,"msg":"token refreshed for user 42","tokens":3,"requestId":"req-7"}',
    "GET /health 200 1.2 ms",
    '{"level":"warn","msg":"password reset requested","email":"ada@example.com"}',
    "https://api.example.com/v1/menu?page=2",
];

describe("unit: the log pipeline's redaction (OB-5, 001: sensitive keys redacted)", () => {
    it("every expression reads the same in RE2 and JavaScript (no lookaround, backreference or inline flag but a leading (?i))", () => {
        for (const r of REDACTION_RULES) assert.doesNotThrow(() => re2AsJs(r.expression), r.name);
        assert.throws(() => re2AsJs("(?=x)"));
    });

    for (const { line, secrets } of SECRET_LINES) {
        it(`masks ${secrets.join(", ")} in ${line.slice(0, 60)}…`, () => {
            const out = redact(line);
            for (const s of secrets) assert.ok(!out.includes(s), `${s} survived: ${out}`);
            assert.ok(out.includes(REDACTED), out);
        });
    }

    it("leaves lines without secrets as they are", () => {
        for (const line of CLEAN_LINES) assert.strictEqual(redact(line), line);
    });

    it("keeps a JSON line JSON, with its other fields intact, so Loki's json parser still reads it", () => {
        for (const { line } of SECRET_LINES.filter((l) => l.line.startsWith("{"))) {
            const out = redact(line);
            assert.doesNotThrow(() => JSON.parse(out), `not JSON after redaction: ${out}`);
        }
        const out = JSON.parse(redact(SECRET_LINES[0].line));
        assert.deepStrictEqual(out, { level: 30, time: 1733400000000, msg: "login", password: REDACTED, user: "ada" });
        const db = JSON.parse(redact(SECRET_LINES[3].line));
        assert.strictEqual(db.DATABASE_URL, `postgres://app:${REDACTED}@db.internal:5432/shop`);
    });

    it("masks every occurrence in a line, not only the first (stage.replace replaces all matches)", () => {
        assert.strictEqual(applyReplace("password=a password=b", REDACTION_RULES[1].expression, "X"), "password=X password=X");
        assert.strictEqual(redact('{"password":"a","nested":{"password":"b"}}'), `{"password":"${REDACTED}","nested":{"password":"${REDACTED}"}}`);
    });

    it("is idempotent: a masked line is not changed by a second pass", () => {
        for (const { line } of SECRET_LINES) assert.strictEqual(redact(redact(line)), redact(line));
    });
});

describe("unit: the Alloy configuration (OB-5)", () => {
    const config = alloyPipeline({ pushUrl: "http://loki.monitoring.svc:3100/loki/api/v1/push", stack: "production" });

    it("tails only its own node's pods, through the Kubernetes API", () => {
        assert.match(config, /discovery\.kubernetes "pods" \{\n  role = "pod"/);
        assert.ok(config.includes('field = "spec.nodeName=" + coalesce(sys.env("HOSTNAME"), constants.hostname)'));
        assert.match(config, /loki\.source\.kubernetes "pods" \{\n  targets    = discovery\.relabel\.pods\.output/);
        for (const l of STREAM_LABELS) assert.ok(config.includes(`source_labels = ["${l.from}"]`) && config.includes(`target_label  = "${l.label}"`), l.label);
    });

    it("runs every redaction rule, as a raw string, before the JSON stage, and pushes to the given Loki with the stack label", () => {
        let at = 0;
        for (const r of REDACTION_RULES) {
            const stage = `stage.replace {\n    expression = \`${r.expression}\`\n    replace    = "${REDACTED}"\n  }`;
            const i = config.indexOf(stage);
            assert.ok(i > at, `${r.name} in order`);
            at = i;
        }
        assert.ok(config.indexOf("stage.json") > at, "masking comes before anything reads the line");
        assert.ok(config.includes('url = "http://loki.monitoring.svc:3100/loki/api/v1/push"'));
        assert.ok(config.includes('external_labels = { stack = "production" }'));
    });

    it("braces balance (a stray one would stop Alloy from loading the file)", () => {
        const outside = config.replace(/`[^`]*`/g, "").replace(/"(?:[^"\\]|\\.)*"/g, "");
        assert.strictEqual((outside.match(/\{/g) ?? []).length, (outside.match(/\}/g) ?? []).length);
    });

    it("SC-1: holds nothing the no-inline-credentials policy reads as a credential (its comments and patterns included)", () => {
        assert.strictEqual(credentialShape(config), undefined);
        for (const line of config.split("\n")) assert.strictEqual(credentialShape(line), undefined, line);
    });

    it("refuses an expression Alloy's raw strings cannot hold", () => {
        assert.throws(() => alloyPipeline({ pushUrl: "http://x/loki/api/v1/push", stack: "s", redactionRules: [{ name: "bad", catches: "", expression: "a`b" }] }), /backtick/);
    });
});
