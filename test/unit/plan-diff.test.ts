import * as assert from "assert";
import { DiffReport, diffFails, diffPlans, diffValues, valuesAt } from "../../plan/diff";
import { renderDiffMarkdown, renderDiffText } from "../../plan/diffRender";
import { PlanFile, PlanResource, SECRET, UNKNOWN, Violation } from "../../plan/model";
import { replacementRules } from "../../plan/replacement";
import { RevisionError, readRevisionPlan, secureValues } from "../../plan/revision";
import { resource } from "../helpers/policy";
import { AWS_ELASTICACHE_PARAMETER_GROUP, AWS_KMS_KEY, AWS_RDS_INSTANCE, AWS_RDS_PARAMETER_GROUP, CLOUDFLARE_R2_BUCKET, CLOUDFLARE_R2_BUCKET_LIFECYCLE, K8S_DEPLOYMENT, K8S_SECRET, RANDOM_RANDOM_PASSWORD } from "../helpers/types";

function plan(resources: PlanResource[], violations: Violation[] = [], outputs: Record<string, unknown> = {}): PlanFile {
    return {
        schemaVersion: 1,
        project: "runbook",
        stack: "production",
        resources,
        outputs,
        policyPack: { name: "runbook", version: "0.0.0-test", config: null },
        violations,
        summary: { resources: resources.length, mandatory: violations.filter((v) => v.enforcementLevel === "mandatory").length, advisory: 0 },
    };
}

function diff(base: PlanResource[] | PlanFile, head: PlanResource[] | PlanFile, extra: Partial<Parameters<typeof diffPlans>[0]> = {}): DiffReport {
    return diffPlans({
        base: Array.isArray(base) ? plan(base) : base,
        head: Array.isArray(head) ? plan(head) : head,
        baseInfo: { ref: "main", commit: "a".repeat(40), stackExists: true },
        headInfo: { ref: "working tree", commit: "b".repeat(40), stackExists: true, dirty: false },
        ...extra,
    });
}

function violation(policy: string, urn: string, message = "bad", level: Violation["enforcementLevel"] = "mandatory"): Violation {
    return { policy, policyPack: "runbook", enforcementLevel: level, requirements: ["DB-1"], urn, message };
}

const rds = (inputs: Record<string, unknown>, options: Partial<PlanResource> = {}) =>
    resource(AWS_RDS_INSTANCE, "database-postgres-instance", { engine: "postgres", instanceClass: "db.m6g.large", multiAz: true, password: SECRET, ...inputs }, { protect: true, retainOnDelete: true, ...options });

describe("unit: runbook diff (DL-5)", () => {
    it("DL-5: a parameter-group family change and a major upgrade name their manual steps and the docs that give them", () => {
        const params = (type: string, name: string, family: string) => resource(type, name, { family, parameters: [] }, { retainOnDelete: true });
        const report = diff(
            [rds({ engineVersion: "16" }), params(AWS_RDS_PARAMETER_GROUP, "database-postgres-params", "postgres16"), params(AWS_ELASTICACHE_PARAMETER_GROUP, "redis-elasticache-params", "redis7")],
            [rds({ engineVersion: "17" }), params(AWS_RDS_PARAMETER_GROUP, "database-postgres-params", "postgres17"), params(AWS_ELASTICACHE_PARAMETER_GROUP, "redis-elasticache-params", "valkey8")],
        );
        const steps = Object.fromEntries(report.manualSteps.map((m) => [m.resource, m]));
        assert.deepStrictEqual(Object.keys(steps).sort(), ["Instance database-postgres-instance", "ParameterGroup database-postgres-params", "ParameterGroup redis-elasticache-params"]);
        assert.match(steps["ParameterGroup database-postgres-params"].message, /from postgres16 to postgres17.*kept in AWS.*delete it after the window/);
        assert.strictEqual(steps["ParameterGroup database-postgres-params"].docs, "docs/operations.md#major-upgrade-of-postgresql-16-to-17");
        assert.match(steps["ParameterGroup redis-elasticache-params"].message, /from redis7 to valkey8/);
        assert.match(steps["Instance database-postgres-instance"].message, /major upgrade of PostgreSQL from 16 to 17/);
        assert.match(renderDiffText(report), /Manual steps:\n  - ParameterGroup database-postgres-params: .*\(docs\/operations.md#major-upgrade-of-postgresql-16-to-17\)/);
        assert.match(renderDiffMarkdown(report), /\[!IMPORTANT\][\s\S]*\[how\]\(docs\/operations.md#major-upgrade-of-postgresql-16-to-17\)/);
        // A minor upgrade and an unchanged family need nothing by hand.
        assert.deepStrictEqual(diff([rds({ engineVersion: "16.4" })], [rds({ engineVersion: "16.6" })]).manualSteps, []);
    });

    it("DL-5: an in-place change lists the property path with its old and new value, nothing else", () => {
        const report = diff([rds({})], [rds({ instanceClass: "db.m6g.xlarge" })]);
        assert.strictEqual(report.resources.length, 1);
        const [c] = report.resources;
        assert.strictEqual(c.action, "update");
        assert.deepStrictEqual(c.changes, [{ path: "instanceClass", old: "db.m6g.large", new: "db.m6g.xlarge", secret: false, forcesReplacement: false }]);
        assert.deepStrictEqual(report.protectedAtRisk, []);
        assert.strictEqual(diffFails(report), false);
    });

    it("DB-6: a force-new change on a protected resource is a replacement, called out first, and fails the diff", () => {
        const bucket = (location?: string) => resource(CLOUDFLARE_R2_BUCKET, "storage-retail-uploads-bucket", { accountId: "x", name: "retail-uploads", ...(location ? { location } : {}) }, { protect: true, retainOnDelete: true });
        const report = diff([rds({}), bucket()], [rds({ instanceClass: "db.m6g.xlarge" }), bucket("weur")]);
        assert.strictEqual(report.resources[0].name, "storage-retail-uploads-bucket");
        assert.strictEqual(report.resources[0].action, "replace");
        assert.deepStrictEqual(report.resources[0].changes, [{ path: "location", new: "weur", secret: false, forcesReplacement: true }]);
        assert.match(report.resources[0].reasons[0], /location cannot change in place/);
        assert.match(report.resources[0].reasons[1], /retainOnDelete: the old one is left running in the cloud, outside the stack/);
        assert.deepStrictEqual(report.protectedAtRisk, [report.resources[0].urn]);
        assert.strictEqual(diffFails(report), true);
        const text = renderDiffText(report);
        assert.ok(text.indexOf("PROTECTED RESOURCES AT RISK: 1") < text.indexOf("database-postgres-instance"), "the protected replacement comes before everything else");
        assert.match(renderDiffMarkdown(report), /\[!CAUTION\][\s\S]*⚠️ replace \[protect, retain\]/);
    });

    it("DB-6: deleting a protected resource is at risk too, and retainOnDelete is explained", () => {
        const report = diff([rds({})], []);
        assert.strictEqual(report.resources[0].action, "delete");
        assert.strictEqual(report.summary.protectedAtRisk, 1);
        assert.ok(report.resources[0].reasons.some((r) => /retainOnDelete/.test(r)));
    });

    it("a resource that moves to another parent without an alias is a delete plus a create, with the fix named", () => {
        const old = resource(AWS_KMS_KEY, "database-key", { enableKeyRotation: true });
        const moved = resource(AWS_KMS_KEY, "database-key", { enableKeyRotation: true }, { parent: "urn:pulumi:test::runbook::runbook:database:Database::database" });
        const report = diff([old], [moved]);
        assert.deepStrictEqual(report.resources.map((c) => c.action).sort(), ["create", "delete"]);
        assert.ok(report.resources.every((c) => c.reasons.some((r) => /aliases/.test(r))));
    });

    it("SC-1: secrets show only as changed; no value on either side reaches any output", () => {
        const secretInput = (v: unknown) => resource(K8S_SECRET, "app-secrets-secret", { metadata: { name: "runbook-env" }, stringData: v, type: "Opaque" });
        const report = diff([secretInput({ A: "hunter2-old" }), rds({})], [secretInput(SECRET), rds({ password: SECRET })], {
            baseSecrets: { "runbook:secrets.JWT_SECRET": "AAABAold" },
            headSecrets: { "runbook:secrets.JWT_SECRET": "AAABAnew", "runbook:secrets.NEW": "AAABAx" },
        });
        const change = report.resources.find((c) => c.name === "app-secrets-secret")!;
        assert.deepStrictEqual(change.changes, [{ path: "stringData", secret: true, forcesReplacement: true }]);
        assert.strictEqual(change.action, "replace", "Secret data replaces the object unless the provider enables mutable Secrets");
        assert.strictEqual(report.resources.find((c) => c.name === "database-postgres-instance"), undefined, "an unchanged secret is no change");
        assert.deepStrictEqual(report.secretConfig, [
            { key: "runbook:secrets.JWT_SECRET", change: "changed" },
            { key: "runbook:secrets.NEW", change: "added" },
        ]);
        for (const out of [JSON.stringify(report), renderDiffText(report), renderDiffMarkdown(report)]) {
            for (const leaked of ["hunter2-old", "AAABAold", "AAABAnew", "AAABAx"]) assert.ok(!out.includes(leaked), `${leaked} leaked`);
        }
        assert.match(renderDiffText(report), /stringData: changed \(secret\)/);
    });

    it("Kubernetes: a provider with enableSecretMutable updates Secret data in place; metadata.name always replaces", () => {
        const rules = replacementRules(K8S_SECRET, {}, { enableSecretMutable: true, enableConfigMapMutable: false })!;
        assert.ok(!rules.forceNew.includes("stringData"));
        assert.ok(rules.forceNew.includes("metadata.name"));
        const dep = (image: string, selector = "api") => resource(K8S_DEPLOYMENT, "api", { metadata: { name: "api" }, spec: { selector: { matchLabels: { app: selector } }, template: { spec: { containers: [{ name: "api", image }] } } } });
        const update = diff([dep("api:1")], [dep("api:2")]);
        assert.strictEqual(update.resources[0].action, "update");
        assert.deepStrictEqual(update.resources[0].changes.map((p) => p.path), ["spec.template.spec.containers[name=api].image"]);
        const replace = diff([dep("api:1")], [dep("api:1", "api-v2")]);
        assert.strictEqual(replace.resources[0].action, "replace");
        assert.strictEqual(replace.resources[0].deleteBeforeReplace, true, "a named Kubernetes object goes before its replacement");
    });

    it("a force-new input that comes from a replaced resource cascades the replacement; other inputs become unknown", () => {
        const bucket = (location: string) => resource(CLOUDFLARE_R2_BUCKET, "b", { accountId: "x", name: "retail-uploads", location });
        const lifecycle = resource(CLOUDFLARE_R2_BUCKET_LIFECYCLE, "b-lifecycle", { accountId: "x", bucketName: "retail-uploads", rules: [] }, { propertyDependencies: { bucketName: [bucket("enam").urn] } });
        const report = diff([bucket("enam"), lifecycle], [bucket("weur"), lifecycle]);
        const cascaded = report.resources.find((c) => c.name === "b-lifecycle")!;
        assert.strictEqual(cascaded.action, "replace");
        assert.match(cascaded.reasons[0], /bucketName comes from cloudflare:R2Bucket b, which is replaced/);
        assert.strictEqual(report.summary.unchanged, 0);
    });

    it("random resources replace on any input change; unknown types say their replacement rules are not known", () => {
        const pw = (length: number) => resource(RANDOM_RANDOM_PASSWORD, "pw", { length, special: false });
        assert.strictEqual(diff([pw(32)], [pw(40)]).resources[0].action, "replace");
        const odd = (v: number) => resource("example:index/widget:Widget", "w", { size: v });
        const report = diff([odd(1)], [odd(2)]);
        assert.strictEqual(report.resources[0].replacementRulesKnown, false);
        assert.match(renderDiffText(report), /replacement rules for example:index\/widget:Widget are not known offline/);
    });

    it("ignoreChanges paths are not changes, as under pulumi up", () => {
        const report = diff([rds({ tags: { a: "1" } }, { ignoreChanges: ["tags"] })], [rds({ tags: { a: "2" } }, { ignoreChanges: ["tags"] })]);
        assert.deepStrictEqual(report.resources, []);
        assert.strictEqual(report.summary.unchanged, 1);
    });

    it("DL-5: lists violations introduced and fixed; a reworded finding is neither; a new mandatory one fails", () => {
        const r = rds({});
        const base = plan([r], [violation("rds-multi-az", r.urn, "single-AZ"), violation("rds-backup-retention", r.urn, "3 days")]);
        const head = plan([r], [violation("rds-multi-az", r.urn, "single-AZ, reworded"), violation("rds-force-ssl", r.urn, "no TLS")]);
        const report = diff(base, head);
        assert.deepStrictEqual(report.violations.introduced.map((v) => [v.policy, v.resource]), [["rds-force-ssl", "aws:Instance database-postgres-instance"]]);
        assert.deepStrictEqual(report.violations.fixed.map((v) => v.policy), ["rds-backup-retention"]);
        assert.strictEqual(diffFails(report), true);
        const advisoryOnly = diff(plan([r]), plan([r], [violation("rds-multi-az", r.urn, "x", "advisory")]));
        assert.strictEqual(diffFails(advisoryOnly), false);
    });

    it("a stack that did not exist at the base makes every resource new", () => {
        const report = diffPlans({
            base: null,
            head: plan([rds({})]),
            baseInfo: { ref: "main", commit: null, stackExists: false },
            headInfo: { ref: "working tree", commit: null, stackExists: true, dirty: true },
        });
        assert.strictEqual(report.summary.create, 1);
        assert.strictEqual(report.summary.protectedAtRisk, 0, "creating a protected resource risks nothing");
    });

    it("compares list elements by name when they have one, by position otherwise; finds rule paths through lists", () => {
        assert.deepStrictEqual(
            diffValues({ env: [{ name: "A", value: "1" }, { name: "B", value: "2" }] }, { env: [{ name: "B", value: "2" }, { name: "A", value: "3" }] }).map((c) => c.path),
            ["env[name=A].value"],
        );
        assert.deepStrictEqual(diffValues({ l: [1, 2] }, { l: [1, 3, 4] }).map((c) => [c.path, c.old, c.new]), [["l[1]", 2, 3], ["l[2]", undefined, 4]]);
        assert.deepStrictEqual(valuesAt({ spec: { containers: [{ image: "a" }, { image: "b" }] } }, "spec.containers[*].image"), ["a", "b"]);
        assert.deepStrictEqual(diffValues({ a: UNKNOWN }, { a: UNKNOWN }), []);
    });

    it("reads secure: values of a stack file by key path, for the secret-config comparison", () => {
        const text = "config:\n  runbook:secrets:\n    JWT_SECRET:\n      secure: AAAB1\n  runbook:alerts:\n    routes:\n      key:\n        secure: AAAB2\n  aws:region: us-east-1\n";
        assert.deepStrictEqual(secureValues(text), { "runbook:secrets.JWT_SECRET": "AAAB1", "runbook:alerts.routes.key": "AAAB2" });
        assert.deepStrictEqual(secureValues(undefined), {});
    });

    it("reads a base revision's plan file of another schema version leniently, with a note, and refuses one it cannot compare", () => {
        const notes: string[] = [];
        const old = readRevisionPlan({ schemaVersion: 0, stack: "production", resources: [{ urn: `urn:pulumi:production::runbook::${AWS_KMS_KEY}::k`, type: AWS_KMS_KEY, name: "k", inputs: {} }] }, notes);
        assert.strictEqual(old.resources[0].protect, false);
        assert.match(notes[0], /plan schema version 0 \(this runbook reads 1\)/);
        const newer: string[] = [];
        const withNewFields = readRevisionPlan(
            { schemaVersion: 1, stack: "production", futureField: 1, resources: [{ urn: `urn:pulumi:production::runbook::${AWS_KMS_KEY}::k`, type: AWS_KMS_KEY, name: "k", inputs: { a: 1 }, aliases: [] }] },
            newer,
        );
        assert.deepStrictEqual(withNewFields.resources[0].inputs, { a: 1 });
        assert.match(newer[0], /only the fields the diff compares were read/);
        assert.throws(() => readRevisionPlan({ schemaVersion: 2, stack: "production", items: [] }, []), (e: Error) => e instanceof RevisionError && /bad plan file: (resources: is missing|items: is not a field)/.test(e.message));
    });
});
