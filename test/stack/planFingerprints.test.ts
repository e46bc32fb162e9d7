import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanFile } from "../../plan/model";
import { runbook } from "../helpers/cli";
import { assertCommittedPlan } from "../helpers/fingerprints";
import { ROOT } from "../helpers/harness";
import { writeStackVariant } from "../helpers/stacks";
import { useInClusterRedis, useMongodb } from "../helpers/variants";

/*
 * Every shipped stack plans exactly what is committed in test/fixtures/plan-fingerprints.json,
 * resource by resource (URN, inputs, dependencies, options), with the same policy verdicts. A change
 * that means to alter no behaviour (a refactoring) leaves this tier green; a change that means to alter
 * the plan refreshes the file (UPDATE_PLAN_FINGERPRINTS=1) and its diff shows every resource it alters.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-fingerprints-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function plan(stack: string, configFile?: string): PlanFile {
    const out = path.join(tmp, `${stack}-${path.basename(configFile ?? "default")}.json`);
    const r = runbook("plan", "--stack", stack, ...(configFile ? ["--config", configFile] : []), "--json", out);
    assert.ok(r.status === 0 || r.status === 1, `plan of ${stack} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(fs.readFileSync(out, "utf8"));
}

const SEEDS_DIR = path.join(ROOT, "examples", "seeds");

describe("stack: every shipped stack plans what is committed, resource by resource (DL-5)", function () {
    this.timeout(300000);
    for (const stack of ["staging", "production"]) {
        it(`${stack}: the committed plan`, () => assertCommittedPlan(stack, plan(stack)));
        it(`${stack} with MongoDB and in-cluster Redis: the committed plan`, () => {
            const file = writeStackVariant(stack, tmp, (c) => {
                useMongodb(c);
                useInClusterRedis(c);
            });
            assertCommittedPlan(`${stack}+mongodb`, plan(stack, file));
        });
        for (const seed of fs.readdirSync(SEEDS_DIR).filter((f) => f.endsWith(".yaml")).sort()) {
            it(`${seed} as ${stack}: the committed plan`, () => {
                const file = path.join(tmp, `Pulumi.${stack}.${seed}`);
                fs.copyFileSync(path.join(SEEDS_DIR, seed), file);
                assertCommittedPlan(`${seed.replace(/\.yaml$/, "")}/${stack}`, plan(stack, file));
            });
        }
    }
});
