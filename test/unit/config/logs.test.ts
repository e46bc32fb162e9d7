import * as assert from "assert";
import { validateConfig } from "../../../config/validate";
import { problemAt, problemsOf } from "../../helpers/configProblems";
import { stackRaw } from "../../helpers/stacks";

const k8s = (c: Record<string, any>) => c["runbook:kubernetes"];
const install = (c: Record<string, any>) => {
    k8s(c).platform = "install";
};
const LOKI = "http://loki-gateway.logging.svc/loki/api/v1/push";

function resolved(stack: string, edit: (c: Record<string, any>) => void = () => {}) {
    const result = validateConfig(stackRaw(stack, edit), stack);
    assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.problems));
    return result.config;
}

describe("unit: kubernetes.logs (OB-5)", () => {
    it("platform: existing without lokiUrl installs no log stack: the cluster's own pipeline", () => {
        assert.deepStrictEqual(resolved("staging").logs, { mode: "none" });
    });

    it("platform: install installs Loki in the monitoring namespace, keeping 30 days in production and 7 in staging", () => {
        const prod = resolved("production", install).logs;
        assert.deepStrictEqual(prod, {
            mode: "install",
            namespace: "monitoring",
            retentionDays: 30,
            volumeGb: 50,
            pushUrl: "http://loki.monitoring.svc:3100/loki/api/v1/push",
            queryUrl: "http://loki.monitoring.svc:3100",
        });
        const staging = resolved("staging", install).logs;
        assert.ok(staging.mode === "install");
        assert.strictEqual(staging.retentionDays, 7);
        assert.strictEqual(staging.volumeGb, 10);
    });

    it("retentionDays, volumeGb and kubernetes.storageClass reach the installed Loki", () => {
        const logs = resolved("production", (c) => {
            install(c);
            k8s(c).storageClass = "gp3";
            k8s(c).logs = { retentionDays: 90, volumeGb: 200 };
        }).logs;
        assert.ok(logs.mode === "install");
        assert.deepStrictEqual([logs.retentionDays, logs.volumeGb, logs.storageClass], [90, 200, "gp3"]);
    });

    it("lokiUrl ships to that Loki, with the platform installed or not", () => {
        for (const edit of [(c: Record<string, any>) => (k8s(c).logs = { lokiUrl: LOKI }), (c: Record<string, any>) => (install(c), (k8s(c).logs = { lokiUrl: LOKI }))]) {
            assert.deepStrictEqual(resolved("staging", edit).logs, { mode: "ship", namespace: "monitoring", pushUrl: LOKI });
        }
    });

    it("refuses retentionDays with lokiUrl: the existing Loki's own setting decides", () => {
        const p = problemAt(problemsOf("staging", (c) => (k8s(c).logs = { lokiUrl: LOKI, retentionDays: 14 })), "kubernetes.logs.retentionDays");
        assert.strictEqual(p.requirement, "OB-5");
        assert.match(p.fix ?? "", /retention_period/);
    });

    it("refuses retentionDays and volumeGb when no Loki is installed", () => {
        const problems = problemsOf("staging", (c) => (k8s(c).logs = { retentionDays: 14, volumeGb: 20 }));
        assert.match(problemAt(problems, "kubernetes.logs.retentionDays").fix ?? "", /kubernetes\.platform: install/);
        problemAt(problems, "kubernetes.logs.volumeGb");
    });

    it("refuses less than 7 days of logs in production, and accepts it in staging", () => {
        const p = problemAt(problemsOf("production", (c) => (install(c), (k8s(c).logs = { retentionDays: 3 }))), "kubernetes.logs.retentionDays");
        assert.match(p.message, /minimum of 7/);
        assert.match(p.fix ?? "", /default of 30/);
        const staging = resolved("staging", (c) => (install(c), (k8s(c).logs = { retentionDays: 3 }))).logs;
        assert.ok(staging.mode === "install" && staging.retentionDays === 3);
    });

    it("refuses a lokiUrl that is no Loki push URL, or carries credentials", () => {
        for (const bad of ["http://loki.logging.svc:3100", "ftp://loki/loki/api/v1/push", "https://user:pass@logs.example.com/loki/api/v1/push"]) {
            const p = problemAt(problemsOf("staging", (c) => (k8s(c).logs = { lokiUrl: bad })), "kubernetes.logs.lokiUrl");
            assert.match(p.message, /Loki push URL without credentials/, bad);
        }
    });
});
