import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanFile } from "../../plan/model";
import { runbook } from "../helpers/cli";
import { writeStackVariant } from "../helpers/stacks";
import { PEERED_NETWORK } from "../helpers/variants";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-network-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function plan(stack: string, mutate: (c: Record<string, any>) => void) {
    const file = writeStackVariant(stack, tmp, mutate);
    const out = path.join(tmp, `${path.basename(file)}.json`);
    return { ...runbook("plan", "--stack", stack, "--config", file, "--json", out), out };
}

describe("stack: unreachable networks are config errors (DB-2)", function () {
    this.timeout(60000);

    it("DB-2: an isolated new VPC exits 2, names the fix, and plans nothing", () => {
        const r = plan("staging", (c) => {
            delete c["runbook:network"].peering;
        });
        assert.strictEqual(r.status, 2, r.stdout + r.stderr);
        assert.strictEqual(r.stdout, "");
        assert.match(r.stderr, /network\.peering: is missing, so the new VPC has no route to or from the cluster and no pod could reach the data tier \(DB-2\); add network\.peering/);
        assert.ok(!fs.existsSync(r.out), "no plan file");
    });

    it("DB-2: appCidrs equal to the data VPC's own CIDR, without peering, exits 2 naming both problems", () => {
        const r = plan("staging", (c) => {
            c["runbook:network"] = { mode: "create", vpcCidr: "10.30.0.0/16", azCount: 2, appCidrs: ["10.30.0.0/16"] };
        });
        assert.strictEqual(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /network\.appCidrs\[0\]: "10\.30\.0\.0\/16" is inside the data VPC's own CIDR/);
        assert.match(r.stderr, /network\.peering: is missing/);
    });

    it("DB-2: production open to the whole cluster VPC exits 2", () => {
        const r = plan("production", (c) => {
            c["runbook:network"] = { ...PEERED_NETWORK, appCidrs: ["10.0.0.0/16"] };
        });
        assert.strictEqual(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /network\.appCidrs\[0\]: "10\.0\.0\.0\/16" admits the whole cluster VPC/);
    });

    it("DB-2: production peered with the cluster's VPC plans clean, with routes on both sides and the pod subnets admitted", () => {
        const r = plan("production", (c) => {
            c["runbook:network"] = PEERED_NETWORK;
        });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        const planned: PlanFile = JSON.parse(fs.readFileSync(r.out, "utf8"));
        const routes = planned.resources.filter((x) => x.type === "aws:ec2/route:Route").map((x) => x.inputs.destinationCidrBlock).sort();
        assert.deepStrictEqual(routes, ["10.0.0.0/16", "10.40.0.0/16"]);
        const groups = planned.resources.filter((x) => x.type === "aws:ec2/securityGroup:SecurityGroup");
        assert.ok(groups.length >= 2);
        for (const g of groups) assert.deepStrictEqual((g.inputs.ingress as Array<{ cidrBlocks?: string[] }>).map((i) => i.cidrBlocks), [["10.0.32.0/19"]]);
    });

    it("DB-2: the committed production stack admits the cluster's security group, and no CIDR, on every data port", () => {
        const r = plan("production", () => {});
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        const planned: PlanFile = JSON.parse(fs.readFileSync(r.out, "utf8"));
        const groups = planned.resources.filter((x) => x.type === "aws:ec2/securityGroup:SecurityGroup");
        assert.ok(groups.length >= 2, "RDS and ElastiCache");
        for (const g of groups) {
            const ingress = g.inputs.ingress as Array<{ cidrBlocks?: string[]; securityGroups?: string[] }>;
            assert.deepStrictEqual(ingress.map((i) => [i.cidrBlocks, i.securityGroups]), [[undefined, ["sg-0a1b2c3d4e5f60718"]]]);
        }
        assert.deepStrictEqual(planned.resources.filter((x) => x.type.startsWith("aws:ec2/vpc")), [], "no VPC of its own");
    });
});
