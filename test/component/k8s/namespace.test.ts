import * as assert from "assert";
import { Namespace } from "../../../components/k8s/namespace";
import { mockRun, one } from "../../helpers/harness";

const NAMESPACE = "kubernetes:core/v1:Namespace";

describe("component: Namespace (SC-5, DB-6)", () => {
    it("DB-6: protected and retained when asked (production): deleting it would delete the data volumes' claims in it", async () => {
        const resources = await mockRun(() => {
            new Namespace("ns", { name: "runbook", protect: true });
        }, "production");
        const ns = one(resources, NAMESPACE);
        assert.strictEqual(ns.protect, true);
        assert.strictEqual(ns.retainOnDelete, true);
        assert.strictEqual(ns.deleteBeforeReplace, false);
    });

    it("DB-6: neither protected nor retained by default, so a staging stack tears down", async () => {
        const ns = one(await mockRun(() => void new Namespace("ns", { name: "runbook-staging" })), NAMESPACE);
        assert.deepStrictEqual([ns.protect, ns.retainOnDelete], [false, false]);
        assert.strictEqual((ns.inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"], "restricted");
    });
});
