import Ajv from "ajv";
import * as assert from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policies/rules";
import { r2BackupsNeverPublic } from "../../policies/rules/storage";
import { UNKNOWN } from "../../plan/model";
import { PolicyConfigError, parsePolicyConfigFile, reconcilePolicyConfig } from "../../plan/policyConfig";
import { check, resource } from "../helpers/policy";

/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");
const server = require("@pulumi/policy/server");

/** A policy that reads a property, the way real policies trip over preview unknowns. */
const readsSize: ResourceValidationPolicy = {
    name: "reads-size",
    description: "Size must be small.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== "test:index:Thing") args.notApplicable("not a thing");
        if (args.props.size > 10) report(`size ${args.props.size} is too big`);
    },
};

function analyzeRequest(type: string, name: string, props: Record<string, unknown>) {
    const req = new analyzerproto.AnalyzeRequest();
    req.setType(type);
    req.setName(name);
    req.setUrn(`urn:pulumi:test::runbook::${type}::${name}`);
    req.setProperties(structproto.Struct.fromJavaScript(props as never));
    req.setOptions(new analyzerproto.AnalyzerResourceOptions());
    return req;
}

function callServer(fn: (call: unknown, cb: (err: unknown, resp: any) => void) => void, request: unknown): Promise<Array<{ policy: string; level: number; message: string }>> {
    return new Promise((resolve, reject) =>
        fn({ request }, (err, resp) => {
            if (err) reject(err);
            else resolve(resp.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() })));
        }),
    );
}

describe("policy evaluation: the offline plan builds the policy server's arguments", () => {
    it("a preview unknown turns the check into an advisory 'can't run during preview', as the server does", async () => {
        const vs = await check([readsSize], [resource("test:index:Thing", "t", { size: UNKNOWN })]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].enforcementLevel, "advisory");
        assert.match(vs[0].message, /can't run policy 'reads-size' .* during preview: string value at \.size can't be known during preview/);

        const rpc = require("@pulumi/pulumi/runtime/rpc");
        const fromServer = await callServer(
            server.makeAnalyzeRpcFun("runbook", "0.0.0-test", "mandatory", [readsSize]),
            analyzeRequest("test:index:Thing", "t", { size: rpc.unknownValue }),
        );
        assert.strictEqual(fromServer.length, 1);
        assert.strictEqual(fromServer[0].level, analyzerproto.EnforcementLevel.ADVISORY);
        assert.match(fromServer[0].message, /string value at \.size can't be known during preview/);
    });

    it("reports the same violations as the policy server for a resource policy", async () => {
        const props = { size: 42 };
        const ours = await check([readsSize], [resource("test:index:Thing", "t", props), resource("test:index:Other", "o", props)]);
        const theirs = [
            ...(await callServer(server.makeAnalyzeRpcFun("runbook", "0.0.0-test", "mandatory", [readsSize]), analyzeRequest("test:index:Thing", "t", props))),
            ...(await callServer(server.makeAnalyzeRpcFun("runbook", "0.0.0-test", "mandatory", [readsSize]), analyzeRequest("test:index:Other", "o", props))),
        ];
        assert.strictEqual(ours.length, 1);
        assert.strictEqual(theirs.length, 1);
        assert.strictEqual(theirs[0].message, `${readsSize.description}\n${ours[0].message}`);
    });

    it("reports the same violations as the policy server for a stack policy", async () => {
        const account = "0123456789abcdef0123456789abcdef";
        const parent = resource("runbook:storage:BackupBucket", "b", {});
        const bucket = resource("cloudflare:index/r2Bucket:R2Bucket", "bkt", { accountId: account, name: "backups" }, { parent: parent.urn });
        const domain = resource("cloudflare:index/r2CustomDomain:R2CustomDomain", "dom", { accountId: account, bucketName: "backups", domain: "x.example.com", enabled: true });
        const ours = await check([r2BackupsNeverPublic], [parent, bucket, domain]);

        const req = new analyzerproto.AnalyzeStackRequest();
        req.setResourcesList(
            [parent, bucket, domain].map((r) => {
                const ar = new analyzerproto.AnalyzerResource();
                ar.setType(r.type);
                ar.setName(r.name);
                ar.setUrn(r.urn);
                ar.setProperties(structproto.Struct.fromJavaScript(r.inputs as never));
                ar.setOptions(new analyzerproto.AnalyzerResourceOptions());
                if (r.parent) ar.setParent(r.parent);
                return ar;
            }),
        );
        const theirs = await callServer(server.makeAnalyzeStackRpcFun("runbook", "0.0.0-test", "mandatory", [r2BackupsNeverPublic]), req);
        assert.strictEqual(ours.length, 1);
        assert.deepStrictEqual(theirs.map((t) => t.message), [`${r2BackupsNeverPublic.description}\n${ours[0].message}`]);
    });

    it("applies enforcement levels in the server's order: policy entry, then 'all', then the policy's own, then the pack's", async () => {
        const thing = resource("test:index:Thing", "t", { size: 42 });
        const { enforcementLevel: _ignored, ...unleveled } = readsSize;
        assert.strictEqual((await check([unleveled as ResourceValidationPolicy], [thing], {}, "advisory"))[0].enforcementLevel, "advisory");
        assert.strictEqual((await check([readsSize], [thing], { all: "advisory" }))[0].enforcementLevel, "advisory");
        assert.strictEqual((await check([readsSize], [thing], { all: "advisory", "reads-size": "mandatory" }))[0].enforcementLevel, "mandatory");
        assert.deepStrictEqual(await check([readsSize], [thing], { "reads-size": { enforcementLevel: "disabled" } }), []);
        assert.strictEqual((await check([readsSize], [thing], { "reads-size": "remediate" }))[0].enforcementLevel, "mandatory");
    });

    it("stack policies see parents as resources, as the server links them", async () => {
        let seen: string | undefined;
        const probe: StackValidationPolicy = {
            name: "probe",
            description: "probe",
            validateStack: (args) => {
                seen = args.resources.find((r) => r.name === "child")?.parent?.type;
            },
        };
        const parent = resource("runbook:test:Parent", "p", {});
        await check([probe], [parent, resource("test:index:Thing", "child", {}, { parent: parent.urn })]);
        assert.strictEqual(seen, "runbook:test:Parent");
    });

    it("fills policy config defaults from each policy's schema and rejects values the schema forbids", () => {
        const reconciled = reconcilePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, {});
        assert.strictEqual(reconciled["r2-bucket-lifecycle"].properties.minimumEnabledRules, 1);
        assert.strictEqual(reconciled["r2-backups-write-once"].properties.minimumLockDays, undefined, "environment-dependent: chosen from the URN's stack");
        assert.throws(() => reconcilePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, parsePolicyConfigFile({ "r2-backups-write-once": { minimumLockDays: "seven" } })), /r2-backups-write-once\.minimumLockDays: must be integer/);
        assert.throws(() => parsePolicyConfigFile({ "r2-bucket-lifecycle": "strict" }), PolicyConfigError);
        assert.throws(() => reconcilePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, parsePolicyConfigFile({ "r2-bucket-lifecyle": "advisory" })), /not a policy of this pack/);
    });

    it("every policy's schema defaults satisfy its own schema, so a plan without a policy config validates nothing it would refuse", () => {
        const ajv = new Ajv({ allErrors: true, strict: false });
        const reconciled = reconcilePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, {});
        const schemas = policies.filter((p) => p.configSchema);
        assert.ok(schemas.length > 0, "the pack has configurable policies");
        for (const p of schemas) {
            const validate = ajv.compile({ type: "object", properties: p.configSchema!.properties, required: p.configSchema!.required });
            assert.ok(validate(reconciled[p.name].properties), `${p.name}: its defaults fail its schema: ${ajv.errorsText(validate.errors)}`);
        }
        // A configured value is still validated against its policy's schema, defaults or not.
        assert.throws(() => reconcilePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, parsePolicyConfigFile({ all: "advisory", "r2-bucket-lifecycle": { minimumEnabledRules: -1 } })), /r2-bucket-lifecycle\.minimumEnabledRules/);
    });
});
