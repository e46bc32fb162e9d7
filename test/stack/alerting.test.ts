import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanFile, PlanResource } from "../../plan/model";
import { runbook } from "../helpers/cli";

/*
 * The alerting policies against the real production plan: the plan passes them, and removing what
 * they protect (alarms, the rules, the pager route) trips each one on the right resource.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-alerting-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Breakage {
    policy: string;
    requirement: string;
    /** The resource the violation must name. */
    target: (resources: PlanResource[]) => PlanResource;
    breakIt: (resources: PlanResource[]) => PlanResource[];
}

const find = (type: string, nameIncludes = "") => (rs: PlanResource[]) => {
    const r = rs.find((x) => x.type === type && x.name.includes(nameIncludes));
    assert.ok(r, `no ${type} *${nameIncludes}* in the plan`);
    return r;
};
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const AM = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

const breakages: Breakage[] = [
    {
        policy: "data-store-cloudwatch-alarms",
        requirement: "OB-3",
        target: find("aws:rds/instance:Instance", "replica"),
        breakIt: (rs) => rs.filter((r) => !(r.type === ALARM && r.name.includes("rds-replica-replica-lag"))),
    },
    {
        policy: "data-store-cloudwatch-alarms",
        requirement: "OB-3",
        target: find("aws:elasticache/replicationGroup:ReplicationGroup"),
        breakIt: (rs) => rs.filter((r) => !(r.type === ALARM && r.name.includes("evictions"))),
    },
    {
        policy: "data-alerts-have-source",
        requirement: "DB-4",
        target: find(RULE),
        breakIt: (rs) => rs.filter((r) => !(r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor" && r.name.includes("postgres"))),
    },
    {
        policy: "alerts-cover-apps",
        requirement: "OB-1",
        target: (rs) => rs.find((r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs as any).metadata?.labels?.["runbook.dev/tier"] === "app")!,
        breakIt: (rs) => rs.filter((r) => r.type !== RULE),
    },
    {
        policy: "paging-alerts-reach-pager",
        requirement: "OB-4",
        target: find(RULE),
        breakIt: (rs) => {
            const am = find(AM)(rs);
            for (const route of (am.inputs as any).spec.route.routes) delete route.routes;
            return rs;
        },
    },
    {
        policy: "alerts-have-severity-and-runbook",
        requirement: "OB-4",
        target: find(RULE),
        breakIt: (rs) => {
            const rule = find(RULE)(rs);
            delete (rule.inputs as any).spec.groups.find((g: any) => g.name === "runbook-backups").rules[0].annotations.runbook_url;
            return rs;
        },
    },
];

describe("stack: the production plan and the alerting policies (OB-1, OB-3, OB-4)", function () {
    this.timeout(180000);
    let planFile: string;

    before(() => {
        planFile = path.join(tmp, "production.json");
        const r = runbook("plan", "--stack", "production", "--json", planFile);
        assert.strictEqual(r.status, 0, r.stderr);
    });

    it("the production plan has no alerting violation at all", () => {
        const plan: PlanFile = JSON.parse(fs.readFileSync(planFile, "utf8"));
        assert.deepStrictEqual(plan.violations.filter((v) => breakages.some((b) => b.policy === v.policy)), []);
    });

    for (const b of breakages) {
        it(`${b.requirement}: ${b.policy} catches the edit and names the resource`, () => {
            const plan: PlanFile = JSON.parse(fs.readFileSync(planFile, "utf8"));
            const target = b.target(plan.resources);
            plan.resources = b.breakIt(plan.resources);
            const edited = path.join(tmp, `edited-${b.policy}-${Math.random().toString(36).slice(2)}.json`);
            fs.writeFileSync(edited, JSON.stringify(plan));
            const r = runbook("check", edited, "--stack", "production", "--json", "-");
            assert.strictEqual(r.status, 1, r.stderr);
            const result: PlanFile = JSON.parse(r.stdout);
            const v = result.violations.find((x) => x.policy === b.policy && x.urn === target.urn);
            assert.ok(v, `no ${b.policy} violation on ${target.urn}; got:\n${result.violations.map((x) => `${x.policy} ${x.urn}`).join("\n")}`);
            assert.ok(v.requirements.includes(b.requirement));
        });
    }
});
