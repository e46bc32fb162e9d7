import * as assert from "assert";
import { ruleGroups } from "../../components/observability/alertRules";
import { HTTP_METRICS, KUBE_METRICS } from "../../components/observability/appMetrics";
import { BACKUP_METRICS, DRILL_METRICS } from "../../components/observability/backupMetrics";
import { ALERT_MEANINGS, alertsFireAtRunbookThresholds } from "../../policies/rules/alertMeaning";
import { METRICS, branchesOf, classify, parsePromql } from "../../policies/rules/promql";
import { PlanResource, UNKNOWN } from "../../plan/model";
import { check, resource } from "../helpers/policy";
import { K8S_DEPLOYMENT } from "../helpers/types";
import { PRODUCTION_ALERT_INPUT } from "../helpers/alertInputs";

/*
 * Issue 19 (1): the required alerts are judged by what their PromQL means, not by their names.
 */

const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";

const input = PRODUCTION_ALERT_INPUT;

type Json = Record<string, any>;
function groups(edit: (rules: Json[]) => void = () => undefined): Json[] {
    const g = JSON.parse(JSON.stringify(ruleGroups(input))) as Json[];
    edit(g.flatMap((x) => x.rules));
    return g;
}
const rule = (rules: Json[], name: string) => rules.find((r) => r.alert === name || r.record === name)!;
function prometheusRule(g: unknown = groups()): PlanResource {
    return resource(PROMETHEUS_RULE, "observability-rules", { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "runbook-alerts", namespace: "runbook" }, spec: { groups: g } });
}
function deployment(name: string, role: string): PlanResource {
    return resource(K8S_DEPLOYMENT, `app-${name}-deployment`, {
        metadata: { name, namespace: "runbook", labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/component": role, "runbook.dev/tier": "app" } },
    });
}
const apps = () => [deployment("api", "api"), deployment("worker", "worker")];
const certificate = () => resource(CERTIFICATE, "certificates-api", { metadata: { name: "api.example.com", namespace: "runbook" }, spec: { secretName: "api-tls", dnsNames: ["api.example.com"] } });
const run = (rs: PlanResource[]) => check([alertsFireAtRunbookThresholds], rs);
const mandatory = async (rs: PlanResource[]) => (await run(rs)).filter((v) => v.enforcementLevel === "mandatory");

describe("policy: alerts-fire-at-runbook-thresholds (OB-1, OB-2, OB-6, OB-7, ED-2; issue 19 (1))", () => {
    it("OB-1: compliant: the generated rules of a stack with an api and a worker, and the certificate-expiry alert beside a Certificate", async () => {
        assert.deepStrictEqual(await run([...apps(), prometheusRule()]), []);
        assert.deepStrictEqual(await run([...apps(), certificate(), prometheusRule()]), []);
    });

    it("OB-1: compliant: stricter thresholds and shorter waits pass", async () => {
        const stricter = groups((rules) => {
            rule(rules, "HighLatencyP95").expr = rule(rules, "HighLatencyP95").expr.replace("> 400", "> 250");
            rule(rules, "ErrorBudgetBurnFast").for = "1m";
            rule(rules, "PodRestartLoop").expr = rule(rules, "PodRestartLoop").expr.replace(">= 3", ">= 2");
        });
        assert.deepStrictEqual(await run([...apps(), prometheusRule(stricter)]), []);
    });

    it("OB-1: violating: a p95 threshold looser than the runbook's 400 ms, however it is written (seconds or milliseconds)", async () => {
        for (const [from, to] of [["* 1000 > 400", "* 1000 > 800"], ["* 1000 > 400", "> 0.8"]]) {
            const g = groups((rules) => (rule(rules, "HighLatencyP95").expr = rule(rules, "HighLatencyP95").expr.replace(from, to)));
            const v = await mandatory([...apps(), prometheusRule(g)]);
            assert.strictEqual(v.length, 1, JSON.stringify(v));
            assert.match(v[0].message, /HighLatencyP95.*above 800 ms: looser than the runbook's the p95 request latency above 400 ms/);
        }
    });

    it("OB-1: violating: a burn-rate page whose 'for' is longer than the runbook's", async () => {
        const v = await mandatory([...apps(), prometheusRule(groups((rules) => (rule(rules, "ErrorBudgetBurnFast").for = "1h")))]);
        assert.match(v[0].message, /ErrorBudgetBurnFast.*waits 1h before it fires, longer than the runbook's 2m/);
    });

    it("OB-7: violating: an expression that can never fire (a count below zero, contradictory comparisons, a constant, no parse)", async () => {
        const cases: Array<[string, (e: string) => string, RegExp]> = [
            ["AppDown", () => `sum by (namespace, job) (up{namespace="runbook", job=~"api|worker"}) < 0`, /never takes/],
            ["PodRestartLoop", (e) => `(${e}) and (${e.replace(">= 3", "< 1")})`, /contradicts/],
            ["BackupFailed", () => "vector(0) > 1", /can never fire/],
            ["ContainerOOMKilled", (e) => `${e} )`, /does not parse/],
        ];
        for (const [name, edit, why] of cases) {
            const v = await mandatory([...apps(), prometheusRule(groups((rules) => (rule(rules, name).expr = edit(rule(rules, name).expr))))]);
            assert.ok(v.some((x) => x.message.includes(`'${name}'`) && why.test(x.message)), `${name}: ${v.map((x) => x.message).join("\n")}`);
        }
    });

    it("OB-1: violating: an alert reading another namespace than the apps' can never fire for them", async () => {
        const v = await mandatory([...apps(), prometheusRule(groups((rules) => (rule(rules, "HighLatencyP95").expr = rule(rules, "HighLatencyP95").expr.replace('namespace="runbook"', 'namespace="legacy"'))))]);
        assert.match(v[0].message, /matches none of the stack's namespaces \(runbook\)/);
    });

    it("OB-1: violating: the 5xx share narrowed to 503s through its recording rule", async () => {
        const v = await mandatory([...apps(), prometheusRule(groups((rules) => (rule(rules, "runbook:slo_errors_per_request:ratio_rate5m").expr = rule(rules, "runbook:slo_errors_per_request:ratio_rate5m").expr.replace("5..", "503"))))]);
        assert.ok(v.some((x) => /HighErrorRatio.*counts only requests with status_code=~"503", not every 5xx/.test(x.message)), v.map((x) => x.message).join("\n"));
    });

    it("OB-6: violating: BackupTooOld waiting two days for a daily backup", async () => {
        const v = await mandatory([...apps(), prometheusRule(groups((rules) => (rule(rules, "BackupTooOld").expr = rule(rules, "BackupTooOld").expr.replace("> 26", "> 48"))))]);
        assert.match(v[0].message, /beyond the runbook's 26 h \(BK-1\)/);
    });

    it("ED-2: violating: a stack with Certificates but no certificate-expiry alert; and one that fires two days before expiry", async () => {
        const without = groups().map((g) => ({ ...g, rules: g.rules.filter((r: Json) => r.alert !== "CertificateExpiringSoon") }));
        const gone = await mandatory([...apps(), certificate(), prometheusRule(without)]);
        assert.match(gone[0].message, /no CertificateExpiringSoon alert/);
        const late = await mandatory([...apps(), certificate(), prometheusRule(groups((rules) => (rule(rules, "CertificateExpiringSoon").expr = rule(rules, "CertificateExpiringSoon").expr.replace("< 14", "< 2"))))]);
        assert.match(late[0].message, /below 2 days: looser than the runbook's the time left before a certificate expires below 14 days/);
    });

    it("OB-1: an expression the pack cannot judge is an advisory naming the alert, never a pass in silence", async () => {
        const v = await run([...apps(), prometheusRule(groups((rules) => (rule(rules, "HighLatencyP95").expr = rule(rules, "HighLatencyP95").expr.replace("> 400", "> on() group_left scalar(latency_budget_ms)"))))]);
        assert.strictEqual(v.length, 1);
        assert.strictEqual(v[0].enforcementLevel, "advisory");
        assert.match(v[0].message, /can't judge alert 'HighLatencyP95': its comparison .* is not one the pack can read/);
    });

    it("OB-1: violating: a known looser alert is reported beside an alert whose expression is only known after 'pulumi up' (issue 19 (9))", async () => {
        const g = groups((rules) => {
            rule(rules, "AppDown").expr = UNKNOWN;
            rule(rules, "HighLatencyP95").expr = rule(rules, "HighLatencyP95").expr.replace("> 400", "> 900");
        });
        const v = await run([...apps(), prometheusRule(g)]);
        assert.ok(v.some((x) => x.enforcementLevel === "advisory" && /expression of alert 'AppDown'/.test(x.message)), JSON.stringify(v));
        assert.ok(v.some((x) => x.enforcementLevel === "mandatory" && /HighLatencyP95/.test(x.message)), JSON.stringify(v));
    });

    it("every required alert has a runbook meaning, and the pack's metric names are the metrics contract's", () => {
        for (const name of ["ErrorBudgetBurnFast", "HighLatencyP95", "AppDown", "PodRestartLoop", "BackupTooOld", "CertificateExpiringSoon"]) assert.ok(ALERT_MEANINGS[name], name);
        assert.strictEqual(METRICS.requestCount, `${HTTP_METRICS.requestDuration}_count`);
        assert.strictEqual(METRICS.requestBucket, `${HTTP_METRICS.requestDuration}_bucket`);
        assert.strictEqual(METRICS.up, KUBE_METRICS.up);
        assert.strictEqual(METRICS.backupLastSuccess, BACKUP_METRICS.lastSuccessTimestamp);
        assert.strictEqual(METRICS.backupLastRunSuccess, BACKUP_METRICS.lastRunSuccess);
        assert.strictEqual(METRICS.drillLastRunSuccess, DRILL_METRICS.lastRunSuccess);
    });

    it("reads a comparison's meaning whatever its form: factors, offsets and flipped sides", () => {
        const read = (src: string) => {
            const e = parsePromql(src);
            assert.ok(!("error" in e), src);
            const [[atom]] = branchesOf(e);
            assert.strictEqual(atom.kind, "compare");
            return { q: classify(atom.kind === "compare" ? atom.core : (undefined as never))?.name, op: atom.kind === "compare" ? atom.op : "", t: atom.kind === "compare" ? atom.threshold : NaN };
        };
        assert.deepStrictEqual(read('400 < histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) * 1000'), { q: "latency-quantile", op: ">", t: 0.4 });
        assert.deepStrictEqual(read("(time() - max(runbook_backup_last_success_timestamp_seconds)) / 3600 > 26"), { q: "backup-age", op: ">", t: 93600 });
        assert.deepStrictEqual(read("-(max(certmanager_certificate_expiration_timestamp_seconds) - time()) > -86400"), { q: "certificate-time-left", op: "<", t: 86400 });
    });
});
