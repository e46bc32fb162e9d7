import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runbook } from "../helpers/cli";
import { planStackVariant, writeStackVariant } from "../helpers/stacks";
import { K8S_HELM_RELEASE } from "../helpers/types";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-logs-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("stack: centralized logs (OB-5)", function () {
    this.timeout(180000);

    it("OB-5: less than a week of logs in production exits 2, naming kubernetes.logs.retentionDays, and plans nothing", () => {
        const file = writeStackVariant("production", tmp, (c) => {
            c["runbook:kubernetes"].platform = "install";
            c["runbook:kubernetes"].logs = { retentionDays: 3 };
        });
        const r = runbook("plan", "--stack", "production", "--config", file);
        assert.strictEqual(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr + r.stdout, /kubernetes\.logs\.retentionDays: 3 is below the minimum of 7 days for production/);
        assert.doesNotMatch(r.stdout, /helm\.sh\/v3:Release|kubernetes:Deployment/);
    });

    it("OB-5: a cluster with its own platform and kubernetes.logs.lokiUrl gets Alloy alone, and the log-shipping alerts, in a clean plan", () => {
        const plan = planStackVariant("staging", tmp, (c) => (c["runbook:kubernetes"].logs = { lokiUrl: "http://loki-gateway.logging.svc/loki/api/v1/push" }));
        assert.deepStrictEqual(plan.violations.filter((v) => v.enforcementLevel === "mandatory"), []);
        const releases = plan.resources.filter((r) => r.type === K8S_HELM_RELEASE);
        assert.deepStrictEqual(releases.map((r) => [r.name, r.inputs.name]), [["logs-alloy", "alloy"]]);
        const rule = plan.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
        assert.match(JSON.stringify(rule.inputs.spec), /LogShippingStopped/);
    });
});
