import * as assert from "assert";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { sanitize } from "../../plan/capture";
import { PlanFileError, parsePlanFile } from "../../plan/model";
import { findLeakedSecrets } from "../../plan/pipeline";
import { offlineSecretPlaceholder } from "../../config/source";
import { resource } from "../helpers/policy";

describe("unit: the plan file", () => {
    it("masks secrets and marks preview unknowns from the engine's wire format", () => {
        const wire = {
            password: { [rpc.specialSigKey]: rpc.specialSecretSig, value: "hunter2" },
            endpoint: rpc.unknownValue,
            nested: [{ ok: 1, gone: undefined }],
            ref: { [rpc.specialSigKey]: rpc.specialResourceSig, urn: "urn:x", id: "id-1" },
        };
        assert.deepStrictEqual(sanitize(wire), { password: "[secret]", endpoint: "[unknown]", nested: [{ ok: 1 }], ref: "id-1" });
    });

    it("reads a minimal hand-written plan, defaulting optional fields", () => {
        const plan = parsePlanFile({ schemaVersion: 1, stack: "staging", resources: [{ urn: "urn:pulumi:staging::runbook::test:index:Thing::n", type: "test:index:Thing", name: "n", inputs: {} }] });
        assert.strictEqual(plan.resources[0].protect, false);
        assert.deepStrictEqual(plan.resources[0].dependencies, []);
        assert.strictEqual(plan.resources[0].parent, null);
    });

    it("names the JSON path of the first bad field of a malformed plan, never a TypeError", () => {
        const urn = (name: string, stack = "s") => `urn:pulumi:${stack}::runbook::test:index:Thing::${name}`;
        const thing = (name: string, extra: Record<string, unknown> = {}) => ({ urn: urn(name), type: "test:index:Thing", name, inputs: {}, ...extra });
        const bad = (json: unknown, message: RegExp) => assert.throws(() => parsePlanFile(json), (e: Error) => e instanceof PlanFileError && message.test(e.message) && !(e instanceof TypeError));
        bad({ schemaVersion: 2, stack: "s", resources: [] }, /^bad plan file: schemaVersion: must be 1, got 2$/);
        bad(null, /bad plan file: \(root\): must be object/);
        bad({ schemaVersion: 1, stack: "s", resources: [null] }, /bad plan file: resources\[0\]: must be object, got null/);
        bad({ schemaVersion: 1, stack: "s", resources: {} }, /bad plan file: resources: must be array/);
        bad({ schemaVersion: 1, stack: "s", resources: [thing("n", { inputs: [] })] }, /resources\[0\]\.inputs: must be object/);
        bad({ schemaVersion: 1, stack: "s", resources: [thing("n", { protect: "false" })] }, /resources\[0\]\.protect: must be boolean, got "false"/);
        bad({ schemaVersion: 1, stack: "s", resources: [thing("n", { dependencies: [null] })] }, /resources\[0\]\.dependencies\[0\]: must be string/);
        bad({ schemaVersion: 1, stack: "s", resources: [thing("n", { propertyDependencies: { a: "x" } })] }, /resources\[0\]\.propertyDependencies\.a: must be array/);
        bad({ schemaVersion: 1, stack: "s", resources: [{ urn: urn("n"), type: "test:index:Thing", inputs: {} }] }, /resources\[0\]\.name: is missing/);
        bad({ schemaVersion: 1, stack: "s", resources: [thing("n", { urn: "u" })] }, /resources\[0\]\.urn: must match pattern/);
        bad({ schemaVersion: 1, stack: "s", resources: [thing("n"), thing("n")] }, /resources\[1\]\.urn: repeats/);
        bad({ schemaVersion: 1, stack: "production", resources: [thing("n")] }, /resources\[0\]\.urn: belongs to stack 's', but the plan is for stack 'production'/);
    });

    it("SC-1: finds a secure: value that reached a resource without being marked secret", () => {
        const leaked = resource("test:index:Thing", "t", { env: [{ value: offlineSecretPlaceholder("runbook:secrets.JWT_SECRET") }] });
        assert.deepStrictEqual(findLeakedSecrets([leaked], {}), [`${leaked.urn} inputs.env[0].value`]);
        assert.deepStrictEqual(findLeakedSecrets([resource("test:index:Thing", "t", { env: "[secret]" })], {}), []);
    });
});
