import * as assert from "assert";
import { BUILT_IN_ALERT_NAMES, promqlSyntaxError } from "../../../config/customAlerts";
import { ConfigProblem, formatProblem } from "../../../config/problems";
import { validateConfig } from "../../../config/validate";
import { AlertRulesInput, alertSpecs } from "../../../components/observability/alertRules";
import { MONGODB_ALERT_INPUT } from "../../helpers/alertInputs";
import { stackRaw } from "../../helpers/stacks";

/*
 * Issue 20 (5): the team's own alerts (alerts.rules) are checked up front, each problem at its key,
 * and none may take a built-in alert's name.
 */

const rule = (over: Record<string, unknown> = {}) => ({
    name: "FailedPaymentsHigh",
    severity: "sev2",
    expr: "sum(rate(payments_failed_total[5m])) > 1",
    summary: "Payments fail",
    description: "Payments fail; check the provider",
    test: { firing: [{ series: 'payments_failed_total{job="api"}', values: "0+600x30" }], evalTime: "10m", quiet: [{ series: 'payments_failed_total{job="api"}', values: "0+1x30" }] },
    ...over,
});

function problems(rules: unknown[]): ConfigProblem[] {
    const result = validateConfig(
        stackRaw("staging", (c) => (c["runbook:alerts"].rules = rules)),
        "staging",
    );
    assert.ok(!result.ok, "expected the config to be rejected");
    return result.problems;
}

function at(ps: ConfigProblem[], path: string): ConfigProblem {
    const p = ps.find((x) => x.path === path);
    assert.ok(p, `no problem at ${path}; got:\n${ps.map(formatProblem).join("\n")}`);
    return p;
}

describe("unit: the team's own alert rules (issue 20, OB-2, OB-4)", () => {
    it("a valid rule is accepted and resolved in config order", () => {
        const result = validateConfig(stackRaw("staging", (c) => (c["runbook:alerts"].rules = [rule(), rule({ name: "OrdersStalled" })])), "staging");
        assert.ok(result.ok, result.ok ? "" : result.problems.map(formatProblem).join("\n"));
        assert.deepStrictEqual(result.config.alerts.rules.map((r) => r.name), ["FailedPaymentsHigh", "OrdersStalled"]);
    });

    it("an expression Prometheus would not parse is refused at its key, naming where it breaks", () => {
        const p = at(problems([rule({ expr: "sum(rate(payments_failed_total[5m]) > 1" })]), "alerts.rules[0].expr");
        assert.match(p.message, /does not parse as PromQL/);
        assert.strictEqual(promqlSyntaxError("sum by (job) (rate(x[5m])) > 0.5 * sum(rate(x[5m] offset 1d))"), undefined);
        assert.ok(promqlSyntaxError("rate(x[5m]") !== undefined);
        assert.ok(promqlSyntaxError("x >") !== undefined);
        assert.ok(promqlSyntaxError("up{job=}") !== undefined);
    });

    it("a built-in alert's name, a name used twice, a generated label and a malformed example series are refused", () => {
        assert.match(at(problems([rule({ name: "BackupTooOld" })]), "alerts.rules[0].name").message, /built-in/);
        assert.match(at(problems([rule(), rule()]), "alerts.rules[1].name").message, /alerts\.rules\[0\]\.name/);
        at(problems([rule({ labels: { severity: "sev1" } })]), "alerts.rules[0].labels.severity");
        at(problems([rule({ test: { ...rule().test, firing: [{ series: "payments_failed_total{job=", values: "1" }] } })]), "alerts.rules[0].test.firing[0].series");
        at(problems([rule({ name: "failed-payments" })]), "alerts.rules[0].name");
        at(problems([rule({ severity: "critical" })]), "alerts.rules[0].severity");
        at(problems([rule({ for: "10 minutes" })]), "alerts.rules[0].for");
    });

    it("a summary that prints {{ $value }} needs the value its test expects", () => {
        at(problems([rule({ summary: "{{ $value }} payments fail a second" })]), "alerts.rules[0].test.value");
    });

    it("the reserved names are exactly the alerts the generator can emit", () => {
        const base = MONGODB_ALERT_INPUT;
        const inputs: AlertRulesInput[] = [base, { ...base, databaseEngine: "postgres", mongodbMembers: undefined, redisMode: "elasticache", backups: [{ datastore: "postgres", schedule: "0 2 * * *", watchSize: true, retentionDays: 30 }] }];
        const emitted = new Set(inputs.flatMap((i) => alertSpecs(i).map((s) => s.rule.alert)));
        assert.deepStrictEqual([...emitted].sort(), [...BUILT_IN_ALERT_NAMES].sort());
    });
});
