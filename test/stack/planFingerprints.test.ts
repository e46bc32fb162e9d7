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

/** Every label an operator's `kubectl -l` may use, on every Kubernetes object (issue 20, 7). */
const RECOMMENDED_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"];

function unlabelled(p: PlanFile): string[] {
    return p.resources
        // A Patch changes an object something else made (a StatefulSet's claim), which carries its maker's labels.
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm") && !r.type.endsWith("Patch"))
        .filter((r) => {
            const labels = ((r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<string, string>;
            return RECOMMENDED_LABELS.some((l) => typeof labels[l] !== "string" || labels[l] === "");
        })
        .map((r) => `${r.type} ${r.name}`);
}

describe("stack: every shipped stack plans what is committed, resource by resource (DL-5)", function () {
    this.timeout(300000);
    const cases: Array<[string, () => PlanFile]> = [];
    for (const stack of ["staging", "production"]) {
        cases.push([stack, () => plan(stack)]);
        cases.push([
            `${stack}+mongodb`,
            () =>
                plan(
                    stack,
                    writeStackVariant(stack, tmp, (c) => {
                        useMongodb(c);
                        useInClusterRedis(c);
                    }),
                ),
        ]);
        for (const seed of fs.readdirSync(SEEDS_DIR).filter((f) => f.endsWith(".yaml")).sort()) {
            cases.push([
                `${seed.replace(/\.yaml$/, "")}/${stack}`,
                () => {
                    const file = path.join(tmp, `Pulumi.${stack}.${seed}`);
                    fs.copyFileSync(path.join(SEEDS_DIR, seed), file);
                    return plan(stack, file);
                },
            ]);
        }
    }
    for (const [label, make] of cases) {
        it(`${label}: the committed plan, and the recommended labels on every Kubernetes object (issue 20)`, () => {
            const p = make();
            assertCommittedPlan(label, p);
            assert.deepStrictEqual(unlabelled(p), [], "objects without app.kubernetes.io/name, component, part-of and managed-by");
        });
    }
});
