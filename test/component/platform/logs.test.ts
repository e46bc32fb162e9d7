import * as assert from "assert";
import { CHARTS } from "../../../components/platform/charts";
import { Logs } from "../../../components/platform/logs";
import { mockRun, ofType } from "../../helpers/harness";
import { kubernetesObjects } from "../../helpers/k8sSchema";
import { K8S_HELM_RELEASE } from "../../helpers/types";

type Obj = Record<string, any>;

describe("component: Logs on a cluster with its own platform (kubernetes.logs.lokiUrl; OB-5)", () => {
    it("installs only Alloy, pinned, shipping to the given Loki with the stack label, its ServiceMonitor selected by the operator's labels", async () => {
        const rs = await mockRun(() => {
            new Logs("logs", { logs: { mode: "ship", namespace: "observability", pushUrl: "http://loki-gateway.logging.svc/loki/api/v1/push" }, stack: "staging", selectorLabels: { prometheus: "main" } });
        });
        const releases = ofType(rs, K8S_HELM_RELEASE);
        assert.deepStrictEqual(releases.map((r) => r.inputs.name), ["alloy"]);
        const alloy = releases[0];
        assert.strictEqual(alloy.inputs.version, CHARTS.alloy.version);
        assert.strictEqual(alloy.inputs.namespace, "observability");
        assert.strictEqual(alloy.inputs.atomic, true);
        const values = alloy.inputs.values as Obj;
        assert.deepStrictEqual(values.serviceMonitor.additionalLabels, { prometheus: "main" });
        assert.ok(values.alloy.configMap.content.includes('external_labels = { stack = "staging" }'));
        assert.deepStrictEqual(kubernetesObjects(rs), [], "Helm releases only: nothing for the runtime tier to play");
    });
});
