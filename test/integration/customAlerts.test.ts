import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { fillAbsentSecrets } from "../../config/offline";
import { rawConfigFromStackFile } from "../../config/source";
import { validateConfig } from "../../config/validate";
import { alertSpecs, promtoolTests, ruleGroups } from "../../components/observability/alertRules";
import { CUSTOM_GROUP } from "../../components/observability/alerts/custom";
import { alertingModel } from "../../config/alerting";
import { ROOT } from "../helpers/harness";
import { requireTool } from "../helpers/tools";

/*
 * Issue 20 (5): seed 003's business alerts (sales stalled, failed transactions, revenue) go through
 * the generator and are proven by promtool with the tests made from the example series the stack
 * file gives: each fires, and each stays quiet on its quiet series. A rule whose example cannot make
 * it fire fails here.
 */

describe("alerts: the team's own rules, proven by promtool (issue 20, OB-2)", function () {
    this.timeout(120000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-custom-alerts-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    function prove(promtool: string, stackFile: string, stack: string, mutate: (rules: any[]) => void = () => {}): { names: string[]; status: number; output: string } {
        const filed = rawConfigFromStackFile(fs.readFileSync(stackFile, "utf8"), stackFile);
        mutate((filed.namespaces.runbook.alerts as { rules: any[] }).rules);
        const raw = fillAbsentSecrets(filed, stack).raw;
        const result = validateConfig(raw, stack);
        assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.problems));
        const input = alertingModel(result.config);
        const dir = fs.mkdtempSync(path.join(tmp, "run-"));
        fs.mkdirSync(path.join(dir, "rules"));
        fs.mkdirSync(path.join(dir, "tests"));
        for (const g of ruleGroups(input)) fs.writeFileSync(path.join(dir, "rules", `${g.name}.yaml`), YAML.stringify({ groups: [g] }));
        const specs = alertSpecs(input).filter((s) => s.group === CUSTOM_GROUP);
        const files = promtoolTests(specs, (g) => `../rules/${g}.yaml`).map((t) => {
            const file = path.join("tests", `${t.name}.yaml`);
            fs.writeFileSync(path.join(dir, file), YAML.stringify(t.document));
            return file;
        });
        const check = spawnSync(promtool, ["check", "rules", path.join("rules", `${CUSTOM_GROUP}.yaml`)], { cwd: dir, encoding: "utf8" });
        assert.strictEqual(check.status, 0, check.stdout + check.stderr);
        const run = spawnSync(promtool, ["test", "rules", ...files], { cwd: dir, encoding: "utf8" });
        return { names: specs.map((s) => s.rule.alert), status: run.status ?? -1, output: run.stdout + run.stderr };
    }

    it("seed 003's sales, failed-transaction and revenue alerts fire on their examples and stay quiet inside their thresholds", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const r = prove(promtool, path.join(ROOT, "examples", "seeds", "003-retail-super-app.yaml"), "production");
        assert.deepStrictEqual(r.names, ["FailedTransactionsHigh", "SalesStalled", "RevenueDropped"]);
        assert.strictEqual(r.status, 0, r.output);
    });

    it("an example that cannot make its rule fire fails the proof", function () {
        const promtool = requireTool(this, "promtool", "prometheus");
        const r = prove(promtool, path.join(ROOT, "examples", "seeds", "003-retail-super-app.yaml"), "production", (rules) => {
            rules[0].test.firing = rules[0].test.quiet;
        });
        assert.notStrictEqual(r.status, 0, "a firing example below the threshold must fail promtool");
        assert.match(r.output, /FailedTransactionsHigh/);
    });
});
