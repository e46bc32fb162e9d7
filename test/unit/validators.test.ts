import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policies/rules";
import { PLAN_OPTIONS, POLICY_OPTIONS, Validator, planFileSchema, planFileValidator, policyConfigSchema, policyConfigValidator, schemasKey } from "../../plan/validators";

/*
 * The validators `npm run build` compiles ahead (dist/plan/validators.generated.js) must be those of
 * this build's schemas, and judge exactly as compiling the schemas at run time does.
 */
describe("unit: the plan file's and the policy configs' validators compiled at build time (plan/validators.ts)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = (require("ajv") as typeof import("ajv")).default;
    const file = path.resolve(__dirname, "..", "..", "plan", "validators.generated.js");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const generated = () => require(file) as { planKey: string; plan: Validator; policies: Record<string, { key: string; validate: Validator }> };
    const verdict = (v: Validator, data: unknown) => [v(data), JSON.stringify(v.errors ?? null)];

    it("the build wrote them from this build's schemas, and they are the ones in use", () => {
        assert.ok(fs.existsSync(file), "npm run build writes dist/plan/validators.generated.js");
        assert.strictEqual(generated().planKey, schemasKey(planFileSchema(), PLAN_OPTIONS));
        assert.strictEqual(planFileValidator(), generated().plan);
        const configured = policies.filter((p) => policyConfigSchema(p) !== undefined);
        assert.ok(configured.length > 10);
        assert.deepStrictEqual(Object.keys(generated().policies).sort(), configured.map((p) => p.name).sort());
        for (const p of configured) {
            assert.strictEqual(generated().policies[p.name].key, schemasKey(policyConfigSchema(p), POLICY_OPTIONS), p.name);
            assert.strictEqual(policyConfigValidator(p), generated().policies[p.name].validate, p.name);
        }
    });

    it("a changed schema names another key, so stale validators are never used", () => {
        const schema = planFileSchema();
        schema.definitions.resource.required.push("custom");
        assert.notStrictEqual(schemasKey(schema, PLAN_OPTIONS), generated().planKey);
        const p = policies.find((x) => policyConfigSchema(x) !== undefined)!;
        const changed = { ...p, configSchema: { properties: { ...p.configSchema!.properties, added: { type: "string" as const } } } };
        assert.notStrictEqual(schemasKey(policyConfigSchema(changed), POLICY_OPTIONS), generated().policies[p.name].key);
        assert.notStrictEqual(policyConfigValidator(changed), generated().policies[p.name].validate, "a policy whose schema changed since the build is compiled anew");
        assert.strictEqual(policyConfigValidator(changed)!({ added: 1 }), false);
    });

    it("plan files: the same verdict and first error as the schema compiled at run time", () => {
        const compiled = new Ajv(PLAN_OPTIONS).compile(planFileSchema()) as Validator;
        const resource = { urn: "urn:pulumi:s::p::t::n", type: "t", name: "n", inputs: {} };
        const cases: unknown[] = [
            { schemaVersion: 1, stack: "s", resources: [resource] },
            { schemaVersion: 2, stack: "s", resources: [] },
            { schemaVersion: 1, stack: "s" },
            { schemaVersion: 1, stack: "s", resources: [null] },
            { schemaVersion: 1, stack: "s", resources: [{ ...resource, protect: "yes" }] },
            { schemaVersion: 1, stack: "s", resources: [{ ...resource, extra: 1 }] },
            { schemaVersion: 1, stack: "s", resources: [{ ...resource, dependencies: [1] }] },
            { schemaVersion: 1, stack: 5, resources: [] },
            null,
            [],
        ];
        for (const c of cases) assert.deepStrictEqual(verdict(planFileValidator(), c), verdict(compiled, c), JSON.stringify(c));
    });

    it("policy configs: every configured policy, its defaults and values of the wrong type, judged as compiling its schema judges", () => {
        const ajv = new Ajv(POLICY_OPTIONS);
        for (const p of policies) {
            const schema = policyConfigSchema(p);
            if (schema === undefined) continue;
            const compiled = ajv.compile(schema) as Validator;
            const properties = p.configSchema!.properties as Record<string, { default?: unknown }>;
            const defaults = Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, s.default]));
            const cases = [defaults, {}, ...Object.keys(properties).flatMap((k) => [{ ...defaults, [k]: "not this" }, { ...defaults, [k]: -1 }, { ...defaults, [k]: [{}] }])];
            for (const c of cases) assert.deepStrictEqual(verdict(policyConfigValidator(p)!, c), verdict(compiled, c), `${p.name} ${JSON.stringify(c)}`);
        }
    });
});
