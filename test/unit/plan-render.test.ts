import * as assert from "assert";
import { PlanFile } from "../../plan/model";
import { keyProperties, renderMarkdown, renderText, renderTree } from "../../plan/render";
import { resource } from "../helpers/policy";

describe("unit: reading a plan", () => {
    const root = resource("pulumi:pulumi:Stack", "runbook-production", {});
    const comp = resource("runbook:storage:Storage", "storage", {}, { parent: root.urn });
    const bucket = resource("cloudflare:index/r2Bucket:R2Bucket", "b", { name: "retail-backups", location: "weur", accountId: "x" }, { parent: comp.urn, protect: true, retainOnDelete: true, provider: "urn:pulumi:production::runbook::pulumi:providers:cloudflare::cloudflare" });
    const sts = resource("kubernetes:apps/v1:StatefulSet", "db", { metadata: { name: "mongodb" }, spec: { replicas: 3, persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain" } } }, { parent: comp.urn });
    const plan: PlanFile = {
        schemaVersion: 1,
        project: "runbook",
        stack: "production",
        resources: [root, comp, bucket, sts],
        outputs: {},
        policyPack: { name: "runbook", version: "1.0.0", config: "policies/config/production.json" },
        violations: [{ policy: "r2-bucket-lifecycle", policyPack: "runbook", enforcementLevel: "mandatory", requirements: ["ST-2"], urn: bucket.urn, message: "no rules | here" }],
        summary: { resources: 4, mandatory: 1, advisory: 0 },
    };

    it("nests resources under their parents and shows protect/retain flags and key inputs", () => {
        const tree = renderTree(plan.resources);
        assert.deepStrictEqual(tree, [
            "└─ pulumi:Stack runbook-production",
            "   └─ runbook:Storage storage",
            "      ├─ cloudflare:R2Bucket b [protect, retain] via cloudflare  name=retail-backups location=weur",
            "      └─ kubernetes:StatefulSet db via default  metadata.name=mongodb spec.replicas=3 spec.persistentVolumeClaimRetentionPolicy.whenDeleted=Retain",
        ]);
        assert.strictEqual(keyProperties(resource("test:index:Thing", "t", { a: 1, b: "x", c: { nested: true } })), "a=1 b=x");
    });

    it("groups violations by level, names policy, requirement and resource, and ends with the verdict", () => {
        const text = renderText(plan);
        assert.match(text, /Mandatory violations: 1\n  ✗ r2-bucket-lifecycle \(ST-2\)  cloudflare:R2Bucket b\n      no rules \| here/);
        assert.match(text, /Advisory violations: 0/);
        assert.match(text, /FAIL: 1 mandatory violation\(s\) from policy pack runbook@1\.0\.0 with policies\/config\/production\.json/);
    });

    it("writes a Markdown summary whose table cells cannot be broken by the message", () => {
        const md = renderMarkdown(plan);
        assert.match(md, /### Runbook plan: `production` ❌ blocked by policy/);
        assert.match(md, /\| mandatory \| `r2-bucket-lifecycle` \| ST-2 \| `cloudflare:R2Bucket b` \| no rules \\\| here \|/);
    });
});
