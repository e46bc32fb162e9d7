import * as assert from "assert";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { SPECIAL_SIG_KEY, UNKNOWN_WIRE_VALUE, deserializeProperties, getPulumiType, isResourcePolicy, isStackPolicy } from "../../plan/policyInternals";
import { validateResourceOfType as ours } from "../../policies/rules/meta";
import { policies } from "../../policies/rules";

/*
 * `runbook check` restates a few helpers of @pulumi/policy and @pulumi/pulumi instead of loading those
 * packages (which would load the policy server and the whole SDK). Each restatement must behave as
 * the package's own, on the pack's real policies and on the edge cases the packages handle.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const theirs = require("@pulumi/policy/policy") as {
    getPulumiType(o: unknown): string | undefined;
    isResourcePolicy(p: unknown): boolean;
    isStackPolicy(p: unknown): boolean;
    validateResourceOfType: typeof ours;
};

describe("unit: the policy server's helpers restated for a fast runbook check", () => {
    it("the wire constants are the SDK's", () => {
        assert.strictEqual(UNKNOWN_WIRE_VALUE, rpc.unknownValue);
        assert.strictEqual(SPECIAL_SIG_KEY, rpc.specialSigKey);
    });

    it("getPulumiType, isResourcePolicy and isStackPolicy agree with @pulumi/policy on every policy of the pack and on odd shapes", () => {
        const f = () => undefined;
        const odd: unknown[] = [
            { validateResource: f },
            { validateResource: [f, f] },
            { validateResource: [f, "x"] },
            { remediateResource: f },
            { validateStack: f },
            { validateResource: "x" },
            {},
        ];
        for (const p of [...policies, ...odd]) {
            assert.strictEqual(isResourcePolicy(p), theirs.isResourcePolicy(p), JSON.stringify(Object.keys(p as object)));
            assert.strictEqual(isStackPolicy(p), theirs.isStackPolicy(p));
            const v = (p as { validateResource?: unknown }).validateResource;
            for (const fn of Array.isArray(v) ? v : [v]) assert.strictEqual(getPulumiType(fn), theirs.getPulumiType(fn));
        }
        for (const o of [null, undefined, {}, { __pulumiType: "" }, { __pulumiType: 3 }, { __pulumiType: "aws:s3/bucket:Bucket" }]) assert.strictEqual(getPulumiType(o), theirs.getPulumiType(o));
    });

    it("validateResourceOfType runs, skips and tags exactly as @pulumi/policy's", async () => {
        const typed = { __pulumiType: "aws:rds/instance:Instance" } as never;
        const named = Object.assign(function Bucket() {}, {}) as never;
        const anonymous = {} as never;
        for (const cls of [typed, named, anonymous]) {
            for (const matches of [true, false]) {
                const run = (make: typeof ours) => {
                    const calls: string[] = [];
                    const fn = make(cls, (props: unknown) => {
                        calls.push(`validate ${JSON.stringify(props)}`);
                    });
                    const args = {
                        props: { a: 1 },
                        isType: () => matches,
                        notApplicable: (reason?: string) => calls.push(`notApplicable ${reason}`),
                    };
                    (fn as (a: unknown, r: unknown) => void)(args, () => undefined);
                    return { calls, type: (fn as { __pulumiType?: string }).__pulumiType };
                };
                assert.deepStrictEqual(run(ours), run(theirs.validateResourceOfType));
            }
        }
    });

    it("a plan file's inputs, which hold no signature, deserialize to themselves", () => {
        const wire = { a: 1, b: "x", c: [true, null, { d: UNKNOWN_WIRE_VALUE }], e: { f: [1, 2] } };
        assert.deepStrictEqual(deserializeProperties({ toJavaScript: () => wire }, false), wire);
    });
});
