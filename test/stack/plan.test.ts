import Ajv from "ajv";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanFile } from "../../plan/model";
import { runbook } from "../helpers/cli";
import { ROOT } from "../helpers/harness";
import { stackDocument, writeStackVariant } from "../helpers/stacks";
import { useInClusterRedis, useMongodb } from "../helpers/variants";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-stack-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every `secure:` ciphertext in a stack file; none may ever show up in any output. */
function secureValues(stack: string): string[] {
    const found: string[] = [];
    const visit = (v: unknown) => {
        if (v && typeof v === "object") {
            if (typeof (v as { secure?: unknown }).secure === "string") found.push((v as { secure: string }).secure);
            else Object.values(v).forEach(visit);
        }
    };
    visit(stackDocument(stack).config);
    return found;
}

for (const stack of ["staging", "production"]) {
    describe(`stack: ${stack}`, function () {
        this.timeout(120000);
        let plan: PlanFile;
        let text: string;
        let markdown: string;
        let stderr: string;

        before(() => {
            const jsonFile = path.join(tmp, `${stack}.json`);
            const mdFile = path.join(tmp, `${stack}.md`);
            const r = runbook("plan", "--stack", stack, "--json", jsonFile, "--markdown", mdFile);
            assert.strictEqual(r.status, 0, `plan exited ${r.status}\n${r.stdout}\n${r.stderr}`);
            text = r.stdout;
            stderr = r.stderr;
            plan = JSON.parse(fs.readFileSync(jsonFile, "utf8"));
            markdown = fs.readFileSync(mdFile, "utf8");
        });

        it("writes a plan file that matches the published JSON Schema", () => {
            const ajv = new Ajv({ allErrors: true, strict: false });
            const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "plan.schema.json"), "utf8")));
            assert.ok(validate(plan), ajv.errorsText(validate.errors));
        });

        it("plans with zero mandatory violations", () => {
            assert.strictEqual(plan.summary.mandatory, 0);
            assert.strictEqual(plan.violations.filter((v) => v.enforcementLevel === "mandatory").length, 0);
            assert.match(text, /PASS: no mandatory violations/);
            assert.match(markdown, /passes policy/);
        });

        it("records every resource with its options, under the stack root", () => {
            const root = plan.resources.find((r) => r.type === "pulumi:pulumi:Stack");
            assert.ok(root, "the stack resource is recorded");
            assert.ok(plan.resources.length > 5);
            for (const r of plan.resources) {
                if (r !== root) assert.ok(r.parent, `${r.urn} has a parent`);
                assert.strictEqual(typeof r.protect, "boolean");
                assert.strictEqual(typeof r.retainOnDelete, "boolean");
            }
            const buckets = plan.resources.filter((r) => r.type === "cloudflare:index/r2Bucket:R2Bucket");
            assert.ok(buckets.length >= 2);
            for (const b of buckets) assert.strictEqual(b.protect, stack === "production", `${b.name} protect`);
        });

        it("every resource is managed by one of the stack's explicit providers, never a default one, and the tree says which", () => {
            const providers = plan.resources.filter((r) => r.type.startsWith("pulumi:providers:"));
            assert.deepStrictEqual(providers.map((p) => p.name).sort(), ["aws", "cloudflare", "kubernetes", "random"]);
            const explicit = new Set(providers.map((p) => p.urn));
            const custom = plan.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"));
            assert.ok(custom.length > 20);
            const without = custom.filter((r) => r.provider === null || !explicit.has(r.provider)).map((r) => `${r.type} ${r.name} (${r.provider})`);
            assert.deepStrictEqual(without, []);
            for (const r of custom) {
                const pkg = r.type.split(":")[0];
                assert.ok(r.provider!.endsWith(`pulumi:providers:${pkg}::${pkg}`), `${r.name} is managed by the ${pkg} provider, got ${r.provider}`);
            }
            assert.doesNotMatch(text, / via default/);
            assert.match(text, /kubernetes:Namespace namespace-namespace.* via kubernetes/);
            assert.match(text, /cloudflare:R2Bucket .* via cloudflare/);
        });

        it("SC-1: says on stderr which required secrets the stack file leaves out, and how to set each", () => {
            assert.match(stderr, new RegExp(`the stack file of '${stack}' has no value for \\d+ required secret\\(s\\); this plan used marked placeholders`));
            assert.match(stderr, /pulumi config set --secret --path 'runbook:secrets\.JWT_SECRET' <value>/);
            assert.doesNotMatch(text, /Note: the stack file/, "stdout stays the plan itself");
        });

        it("SC-1: never prints a secret, in text, JSON or Markdown", () => {
            const all = [text, JSON.stringify(plan), markdown].join("\n");
            assert.doesNotMatch(all, /offline-placeholder-for-/);
            for (const secret of secureValues(stack)) assert.ok(!all.includes(secret), "a secure value leaked");
        });
    });
}

describe("stack: a preview stack with no policy config file", function () {
    this.timeout(120000);
    for (const [label, edit] of [["as committed", () => {}], ["with MongoDB and in-cluster Redis", (c: Record<string, any>) => (useMongodb(c), useInClusterRedis(c))]] as const) {
        it(`pr-123 (${label}) gets the non-production settings from its URNs and plans with zero mandatory violations`, () => {
            const file = writeStackVariant("staging", tmp, edit);
            const out = path.join(tmp, `pr-123-${Math.random().toString(36).slice(2)}.json`);
            assert.ok(!fs.existsSync(path.join(ROOT, "policies", "config", "pr-123.json")), "no policy config file for pr-123");
            const r = runbook("plan", "--stack", "pr-123", "--config", file, "--json", out);
            assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
            const plan: PlanFile = JSON.parse(fs.readFileSync(out, "utf8"));
            assert.strictEqual(plan.policyPack.config, null);
            assert.ok(plan.resources.every((x) => x.urn.startsWith("urn:pulumi:pr-123::")));
            assert.deepStrictEqual(plan.violations.filter((v) => v.enforcementLevel === "mandatory"), []);
        });
    }
});

describe("stack: broken configs", function () {
    this.timeout(60000);

    it("exits 2 and prints only the validation report, naming the key and the requirement", () => {
        const file = writeStackVariant("production", tmp, (c) => {
            c["runbook:database"].backupRetentionDays = 3;
            c["runbook:redis"].storageGb = 5;
        });
        const r = runbook("plan", "--stack", "production", "--config", file);
        assert.strictEqual(r.status, 2);
        assert.strictEqual(r.stdout, "", "nothing but the report is printed");
        assert.match(r.stderr, /database\.backupRetentionDays: 3 is below the minimum of 7 \(BK-2\); set 7–35/);
        assert.match(r.stderr, /redis\.storageGb: 5 only applies to mode in-cluster/);
        assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, "no stack trace");
    });

    it("OB-1, OB-4 (issue 22): an error-rate objective that contradicts availability, and a relative runbook URL in production, exit 2 naming each key", () => {
        const file = writeStackVariant("production", tmp, (c) => {
            c["runbook:alerts"].errorRatePercent = 1;
            c["runbook:alerts"].runbookBaseUrl = "docs/alerts.md";
        });
        const r = runbook("plan", "--stack", "production", "--config", file);
        assert.strictEqual(r.status, 2, r.stderr);
        assert.match(r.stderr, /alerts\.errorRatePercent: 1 contradicts alerts\.availabilityPercent \(99\.5\).*\(OB-1\); remove alerts\.errorRatePercent/);
        assert.match(r.stderr, /alerts\.runbookBaseUrl: "docs\/alerts\.md" is relative: .*\(OB-4\); set it to where docs\/alerts\.md is published/);
    });

    it("exits 2 for an unknown stack", () => {
        const r = runbook("plan", "--stack", "nope");
        assert.strictEqual(r.status, 2);
        assert.match(r.stderr, /no stack file Pulumi\.nope\.yaml; stacks in this project: production, staging/);
    });

    it("exits 2 for bad usage", () => {
        assert.strictEqual(runbook("plan").status, 2);
        assert.strictEqual(runbook("deploy").status, 2);
        assert.match(runbook("deploy").stderr, /^runbook: unknown command 'deploy'\n\nUsage:/, "the error, then the usage, on stderr");
    });

    it("help, --help and -h print the usage on stdout and exit 0, alone or after a command", () => {
        for (const args of [["help"], ["--help"], ["-h"], ["plan", "--help"], ["diff", "-h"]]) {
            const r = runbook(...args);
            assert.strictEqual(r.status, 0, `runbook ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
            assert.match(r.stdout, /^Usage:\n {2}runbook help/, `runbook ${args.join(" ")}`);
            assert.match(r.stdout, /runbook plan --stack <name>/);
            assert.strictEqual(r.stderr, "");
        }
    });
});

describe("stack: checking a saved plan", function () {
    this.timeout(60000);
    let planFile: string;

    before(() => {
        planFile = path.join(tmp, "production-for-check.json");
        const r = runbook("plan", "--stack", "production", "--json", planFile);
        assert.strictEqual(r.status, 0, r.stderr);
    });

    it("an unchanged plan checks clean", () => {
        const r = runbook("check", planFile, "--stack", "production");
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    it("a hand-edited plan that unprotects a production bucket exits 1, naming the policy and the resource", () => {
        const plan: PlanFile = JSON.parse(fs.readFileSync(planFile, "utf8"));
        const bucket = plan.resources.find((r) => r.type === "cloudflare:index/r2Bucket:R2Bucket" && r.name.includes("backups"))!;
        bucket.protect = false;
        const edited = path.join(tmp, "edited.json");
        fs.writeFileSync(edited, JSON.stringify(plan));
        const r = runbook("check", edited, "--stack", "production", "--json", "-");
        assert.strictEqual(r.status, 1);
        const result: PlanFile = JSON.parse(r.stdout);
        const validate = new Ajv({ strict: false }).compile(JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "plan.schema.json"), "utf8")));
        assert.ok(validate(result), "check --json writes the same schema, violations included");
        const v = result.violations.find((x) => x.policy === "stateful-resources-protected");
        assert.ok(v, r.stdout);
        assert.strictEqual(v.urn, bucket.urn);
        assert.deepStrictEqual(v.requirements, ["DB-6"]);
    });

    it("a hand-edited plan that drops a lifecycle and exposes backups names each policy in text output", () => {
        const plan: PlanFile = JSON.parse(fs.readFileSync(planFile, "utf8"));
        const assetsDomain = plan.resources.find((r) => r.type === "cloudflare:index/r2CustomDomain:R2CustomDomain")!;
        assetsDomain.inputs.bucketName = "retail-backups";
        plan.resources = plan.resources.filter((r) => !(r.type === "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle" && r.inputs.bucketName === "retail-uploads"));
        const edited = path.join(tmp, "edited-2.json");
        fs.writeFileSync(edited, JSON.stringify(plan));
        const r = runbook("check", edited, "--stack", "production");
        assert.strictEqual(r.status, 1);
        assert.match(r.stdout, /r2-backups-never-public \(ST-3\)/);
        assert.match(r.stdout, /r2-bucket-lifecycle \(ST-2\)  cloudflare:R2Bucket storage-retail-uploads-bucket/);
        assert.match(r.stdout, /FAIL: 2 mandatory violation/);
    });

    it("a malformed plan file exits 2 naming the field", () => {
        const bad = path.join(tmp, "bad.json");
        fs.writeFileSync(bad, JSON.stringify({ schemaVersion: 1, stack: "production", resources: [{ urn: "x", type: "t" }] }));
        const r = runbook("check", bad);
        assert.strictEqual(r.status, 2);
        assert.match(r.stderr, /bad plan file: resources\[0\]\.name: is missing/);
        assert.doesNotMatch(r.stderr, /TypeError|at .*\.js:\d+/);
    });
});

describe("stack: the committed stack files are what the tests plan", () => {
    it("both stack files exist at the project root", () => {
        for (const s of ["staging", "production"]) assert.ok(fs.existsSync(path.join(ROOT, `Pulumi.${s}.yaml`)));
    });
});
