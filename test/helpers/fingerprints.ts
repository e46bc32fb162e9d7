import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PlanFile, PlanResource } from "../../plan/model";
import { ROOT } from "./harness";

/*
 * What every shipped stack plans, resource by resource, fingerprinted and committed
 * (test/fixtures/plan-fingerprints.json): a refactoring that means to change no behaviour proves it
 * by leaving every fingerprint as it was, and a change that means to alter the plan shows which
 * resources it alters. A fingerprint covers the URN, type, parent, provider, every option
 * (protect, retainOnDelete, deleteBeforeReplace, ignoreChanges, additionalSecretOutputs), the
 * dependencies (as sorted sets) and the inputs; the policy verdicts are kept beside them.
 *
 * After an intended change, refresh the file with `UPDATE_PLAN_FINGERPRINTS=1` and the tests that
 * plan the stacks (the stack tier), and review the diff of the file.
 */

const FILE = path.join(ROOT, "test", "fixtures", "plan-fingerprints.json");

interface Fingerprint {
    resources: Record<string, string>;
    verdicts: string[];
}

function sortKeys(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
    return v;
}

function resourceHash(r: PlanResource): string {
    const canonical = {
        type: r.type,
        custom: r.custom,
        parent: r.parent,
        provider: r.provider,
        protect: r.protect,
        retainOnDelete: r.retainOnDelete,
        deleteBeforeReplace: r.deleteBeforeReplace,
        ignoreChanges: [...r.ignoreChanges].sort(),
        additionalSecretOutputs: [...r.additionalSecretOutputs].sort(),
        dependencies: [...new Set(r.dependencies)].sort(),
        propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).sort().map(([k, v]) => [k, [...new Set(v)].sort()])),
        inputs: sortKeys(r.inputs),
    };
    return createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 16);
}

export function fingerprint(plan: PlanFile): Fingerprint {
    return {
        resources: Object.fromEntries(plan.resources.map((r) => [r.urn, resourceHash(r)]).sort(([a], [b]) => (a < b ? -1 : 1))),
        verdicts: plan.violations.map((v) => `${v.enforcementLevel} ${v.policy} ${v.urn ?? "(stack)"} ${v.message}`).sort(),
    };
}

function read(): Record<string, Fingerprint> {
    return fs.existsSync(FILE) ? JSON.parse(fs.readFileSync(FILE, "utf8")) : {};
}

/** The plan is the one committed under `label`: the same resources, each with the same fingerprint, and the same verdicts. */
export function assertCommittedPlan(label: string, plan: PlanFile): void {
    const actual = fingerprint(plan);
    if (process.env.UPDATE_PLAN_FINGERPRINTS === "1") {
        const all = read();
        all[label] = actual;
        fs.writeFileSync(FILE, `${JSON.stringify(Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : 1))), null, 1)}\n`);
        return;
    }
    const expected = read()[label];
    assert.ok(expected, `no committed fingerprint for ${label}; run the stack tier with UPDATE_PLAN_FINGERPRINTS=1 and review test/fixtures/plan-fingerprints.json`);
    const added = Object.keys(actual.resources).filter((u) => !(u in expected.resources));
    const removed = Object.keys(expected.resources).filter((u) => !(u in actual.resources));
    const changed = Object.keys(actual.resources).filter((u) => u in expected.resources && expected.resources[u] !== actual.resources[u]);
    const verdictsAdded = actual.verdicts.filter((v) => !expected.verdicts.includes(v));
    const verdictsGone = expected.verdicts.filter((v) => !actual.verdicts.includes(v));
    const problems = [
        ...added.map((u) => `added ${u}`),
        ...removed.map((u) => `removed ${u}`),
        ...changed.map((u) => `changed ${u}`),
        ...verdictsAdded.map((v) => `new verdict: ${v}`),
        ...verdictsGone.map((v) => `verdict gone: ${v}`),
    ];
    assert.deepStrictEqual(
        problems,
        [],
        `the plan of ${label} differs from the committed one in ${problems.length} place(s). If the change is intended, refresh with UPDATE_PLAN_FINGERPRINTS=1 and review the file's diff:\n  ${problems.slice(0, 40).join("\n  ")}`,
    );
}
