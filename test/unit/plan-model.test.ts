import * as assert from "assert";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { sanitize } from "../../plan/capture";
import { parsePlanFile } from "../../plan/model";
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
        const plan = parsePlanFile({ schemaVersion: 1, stack: "staging", resources: [{ urn: "u", type: "t", name: "n", inputs: {} }] });
        assert.strictEqual(plan.resources[0].protect, false);
        assert.deepStrictEqual(plan.resources[0].dependencies, []);
        assert.strictEqual(plan.resources[0].parent, null);
    });

    it("names the first bad field of a malformed plan", () => {
        assert.throws(() => parsePlanFile({ schemaVersion: 2, stack: "s", resources: [] }), /schemaVersion must be 1, got 2/);
        assert.throws(() => parsePlanFile({ schemaVersion: 1, stack: "s", resources: [{ urn: "u", type: "t", name: "n", inputs: [] }] }), /resources\[0\]\.inputs must be an object/);
        assert.throws(
            () => parsePlanFile({ schemaVersion: 1, stack: "s", resources: [{ urn: "u", type: "t", name: "n", inputs: {} }, { urn: "u", type: "t", name: "m", inputs: {} }] }),
            /resources\[1\]\.urn repeats u/,
        );
    });

    it("SC-1: finds a secure: value that reached a resource without being marked secret", () => {
        const leaked = resource("test:index:Thing", "t", { env: [{ value: offlineSecretPlaceholder("runbook:secrets.JWT_SECRET") }] });
        assert.deepStrictEqual(findLeakedSecrets([leaked], {}), [`${leaked.urn} inputs.env[0].value`]);
        assert.deepStrictEqual(findLeakedSecrets([resource("test:index:Thing", "t", { env: "[secret]" })], {}), []);
    });
});
