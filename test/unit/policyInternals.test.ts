import * as assert from "assert";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as internals from "../../plan/policyInternals";
import { SPECIAL_SIG_KEY, UNKNOWN_WIRE_VALUE, deserializeProperties, getPulumiType, isResourcePolicy, isStackPolicy, previewProxy, unknownCheckingProxy } from "../../plan/policyInternals";
import { UNKNOWN, at, keysAt, listAt, stringMap } from "../../policies/rules/props";
import { evaluatePolicies } from "../../plan/evaluate";
import { packSpec } from "../../plan/check";
import { reconcilePolicyConfig } from "../../plan/policyConfig";
import { UNKNOWN as PLAN_UNKNOWN } from "../../plan/model";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStackVariant } from "../helpers/stacks";
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

    describe("previewProxy reads as @pulumi/policy's unknownCheckingProxy", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const wire = require("@pulumi/policy/proxy") as Record<string, unknown>;
        const sentinels = Object.keys(wire).filter((k) => /^unknown\w+Value$/.test(k)).map((k) => wire[k] as string);
        let seed = 7;
        const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
        const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
        const tree = (depth: number): unknown => {
            const r = random();
            if (depth > 3 || r < 0.3) return pick<unknown>([1, 0, "text", "", true, false, null, pick(sentinels), pick(sentinels)]);
            if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => tree(depth + 1));
            return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, (_, i) => [pick(["a", "b", "spec", "name", "0", "length"]) + i, tree(depth + 1)]));
        };
        /** Every path to every value of a tree (the keys a policy could read). */
        const paths = (v: unknown, prefix: string[] = []): string[][] => {
            const out = [prefix];
            if (v !== null && typeof v === "object") for (const k of Object.keys(v)) out.push(...paths((v as Record<string, unknown>)[k], [...prefix, k]));
            return out;
        };
        /** What a read gives, comparable across the two proxies: a value's JSON, or the error it throws. */
        const outcome = (read: () => unknown): string => {
            try {
                const v = read();
                if (typeof v === "function") return "function";
                return `value ${JSON.stringify(v)} ${Array.isArray(v) ? "list" : typeof v}`;
            } catch (e) {
                return `${e instanceof internals.UnknownValueError ? "UnknownValueError" : (e as Error).name}: ${(e as Error).message}`;
            }
        };
        const readers: Array<[string, (o: any, p: string[]) => unknown]> = [
            ["the value at the path", (o, p) => p.reduce((v, k) => v[k], o)],
            ["Object.keys", (o, p) => Object.keys(p.reduce((v, k) => v[k], o) ?? {})],
            ["Object.entries", (o, p) => Object.entries(p.reduce((v, k) => v[k], o) ?? {})],
            ["a spread copy", (o, p) => ({ ...p.reduce((v, k) => v[k], o) })],
            ["in", (o, p) => p.length > 0 && p.slice(0, -1).reduce((v, k) => v[k], o) !== null && p[p.length - 1] in p.slice(0, -1).reduce((v, k) => v[k], o)],
            ["list methods", (o, p) => {
                const v = p.reduce((x, k) => x[k], o);
                return Array.isArray(v) ? [v.map((x: unknown) => typeof x), v.filter(Boolean).length, v.some((x: unknown) => x === 1), v.find((x: unknown) => x === null), [...v].length, Array.from(v).length, v.includes("text"), v.length] : null;
            }],
            ["for..of", (o, p) => {
                const v = p.reduce((x, k) => x[k], o);
                const seen: unknown[] = [];
                if (Array.isArray(v)) for (const x of v) seen.push(typeof x);
                return seen;
            }],
            ["the pack's at, listAt, keysAt and stringMap", (o, p) => [at(o, ...p), listAt(o, ...p), keysAt(o, ...p), stringMap(at(o, ...p))].map((x) => (x === UNKNOWN || (Array.isArray(x) && x.includes(UNKNOWN)) ? "UNKNOWN" : x))],
        ];

        it("every reader on every path of 300 generated props: the same value or the same UnknownValueError", () => {
            let compared = 0;
            let unknownsMet = 0;
            for (let n = 0; n < 300; n++) {
                const props = { root: tree(0), other: tree(1) };
                for (const p of paths(props)) {
                    for (const [what, read] of readers) {
                        const expected = outcome(() => read(unknownCheckingProxy(props), p));
                        const actual = outcome(() => read(previewProxy(props), p));
                        assert.strictEqual(actual, expected, `${what} at ${JSON.stringify(p)} of ${JSON.stringify(props)}`);
                        compared++;
                        if (expected.startsWith("UnknownValueError")) unknownsMet++;
                    }
                }
            }
            assert.ok(compared > 5000 && unknownsMet > 500, `${compared} reads compared, ${unknownsMet} of them unknowns`);
        });

        it("the whole pack gives the same verdicts on production's plan, its unknowns and a copy with more of them, through either proxy", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-proxy-"));
            try {
                const resources = planStackVariant("production", dir, () => {}).resources;
                // More unknowns: every third string input of every fifth resource becomes one.
                let k = 0;
                const unknownMore = (v: unknown): unknown => (typeof v === "string" ? (k++ % 3 === 0 ? PLAN_UNKNOWN : v) : Array.isArray(v) ? v.map(unknownMore) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([x, y]) => [x, unknownMore(y)])) : v);
                const more = resources.map((res, i) => (i % 5 === 0 ? { ...res, inputs: unknownMore(res.inputs) as Record<string, unknown> } : res));
                const pack = packSpec();
                const config = reconcilePolicyConfig(pack.policies, pack.enforcementLevel, {});
                for (const plan of [resources, more]) {
                    const ours = await evaluatePolicies(plan, pack, config);
                    // The evaluator reads previewProxy from the module at each call; the server's proxy stands in.
                    const mutable = internals as { previewProxy: unknown };
                    const saved = mutable.previewProxy;
                    let serverProxies = 0;
                    mutable.previewProxy = (o: object) => (serverProxies++, unknownCheckingProxy(o));
                    let theirs;
                    try {
                        theirs = await evaluatePolicies(plan, pack, config);
                    } finally {
                        mutable.previewProxy = saved;
                    }
                    assert.ok(serverProxies > 10, `the server's proxy judged ${serverProxies} resources`);
                    assert.deepStrictEqual(ours, theirs);
                    assert.ok(ours.some((v) => v.message.includes("during preview")) || plan === resources, "the copy with more unknowns meets some");
                }
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
