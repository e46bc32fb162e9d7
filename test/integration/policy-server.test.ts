import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import { PlanFile, PlanResource, UNKNOWN } from "../../plan/model";
import { checkResources } from "../../plan/pipeline";
import { PolicyConfig, parsePolicyConfigFile, reconcilePolicyConfig } from "../../plan/policyConfig";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policies/rules";
import { runbook } from "../helpers/cli";
import { ROOT } from "../helpers/harness";

/* eslint-disable @typescript-eslint/no-require-imports */
const grpc = require("@grpc/grpc-js");
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const rpc = require("@pulumi/pulumi/runtime/rpc");

const LEVEL = analyzerproto.EnforcementLevel;
const toProtoLevel = (l: string) => ({ advisory: LEVEL.ADVISORY, mandatory: LEVEL.MANDATORY, remediate: LEVEL.REMEDIATE, disabled: LEVEL.DISABLED })[l];
const fromProtoLevel = (l: number) => (l === LEVEL.MANDATORY ? "mandatory" : l === LEVEL.ADVISORY ? "advisory" : String(l));

function wire(value: unknown): unknown {
    if (value === UNKNOWN) return rpc.unknownValue;
    if (Array.isArray(value)) return value.map(wire);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wire(v)]));
    return value;
}

function options(r: PlanResource) {
    const o = new analyzerproto.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    if (r.parent) o.setParent(r.parent);
    return o;
}

/** Fills the fields AnalyzeRequest and AnalyzerResource share, as the engine does. */
function describeResource<T extends { setType(t: string): void; setName(n: string): void; setUrn(u: string): void; setProperties(p: unknown): void; setOptions(o: unknown): void }>(msg: T, r: PlanResource): T {
    msg.setType(r.type);
    msg.setName(r.name);
    msg.setUrn(r.urn);
    msg.setProperties(structproto.Struct.fromJavaScript(wire(r.inputs) as never));
    msg.setOptions(options(r));
    return msg;
}

function unary<T>(client: any, method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => client[method](req, (err: unknown, resp: T) => (err ? reject(err) : resolve(resp))));
}

/**
 * The policy pack exactly as `pulumi preview --policy-pack policies` runs it: its own process,
 * started from its TypeScript source, serving gRPC, configured and queried the way the engine does.
 */
describe("integration: the policy pack served over gRPC agrees with the offline plan", function () {
    this.timeout(120000);
    let pack: ChildProcess;
    let client: any;
    let plan: PlanFile;
    let config: PolicyConfig;

    before(async () => {
        const planFile = path.join(ROOT, "dist", "integration-production.json");
        const r = runbook("plan", "--stack", "production", "--json", planFile);
        assert.strictEqual(r.status, 0, r.stderr);
        plan = JSON.parse(fs.readFileSync(planFile, "utf8"));
        // Break three rules so there is something to agree on.
        const backups = plan.resources.find((x) => x.type === "cloudflare:index/r2Bucket:R2Bucket" && x.name.includes("backups"))!;
        backups.protect = false;
        plan.resources = plan.resources.filter((x) => x.type !== "cloudflare:index/r2BucketLock:R2BucketLock");
        const domain = plan.resources.find((x) => x.type === "cloudflare:index/r2CustomDomain:R2CustomDomain")!;
        domain.inputs = { ...domain.inputs, bucketName: backups.inputs.name, minTls: UNKNOWN };

        config = reconcilePolicyConfig(
            policies,
            PACK_ENFORCEMENT_LEVEL,
            parsePolicyConfigFile(JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", "production.json"), "utf8"))),
        );

        // Started as the Pulumi CLI starts a Node.js policy pack: @pulumi/pulumi's policy-pack runner
        // in the pack's directory, compiling and type-checking index.ts with ts-node. The runner
        // ignores the engine address it is given first.
        const runner = path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
        pack = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: path.join(ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            let errText = "";
            pack.stdout!.on("data", (d) => {
                out += d;
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) resolve(m[1]);
            });
            pack.stderr!.on("data", (d) => (errText += d));
            pack.on("exit", (code) => reject(new Error(`policy pack exited ${code}: ${errText}`)));
        });
        client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
    });

    it("advertises every policy with its enforcement level", async () => {
        const info = await unary<any>(client, "getAnalyzerInfo", new emptyproto.Empty());
        assert.strictEqual(info.getName(), "runbook");
        const served = info.getPoliciesList().map((p: any) => p.getName()).sort();
        assert.deepStrictEqual(served, policies.map((p) => p.name).sort());
    });

    it("reports the same violations, levels and resources as `runbook check`", async () => {
        const req = new analyzerproto.ConfigureAnalyzerRequest();
        for (const [name, entry] of Object.entries(config)) {
            const c = new analyzerproto.PolicyConfig();
            c.setEnforcementlevel(toProtoLevel(entry.enforcementLevel!));
            c.setProperties(structproto.Struct.fromJavaScript(entry.properties as never));
            req.getPolicyconfigMap().set(name, c);
        }
        await unary(client, "configure", req);

        const served: string[] = [];
        for (const r of plan.resources) {
            const resp = await unary<any>(client, "analyze", describeResource(new analyzerproto.AnalyzeRequest(), r));
            for (const d of resp.getDiagnosticsList()) served.push(`${d.getPolicyname()} ${fromProtoLevel(d.getEnforcementlevel())} ${d.getUrn() || r.urn}`);
        }
        const stackReq = new analyzerproto.AnalyzeStackRequest();
        stackReq.setResourcesList(
            plan.resources.map((r) => {
                const ar = describeResource(new analyzerproto.AnalyzerResource(), r);
                if (r.parent) ar.setParent(r.parent);
                ar.setDependenciesList(r.dependencies);
                for (const [key, urns] of Object.entries(r.propertyDependencies)) {
                    const deps = new analyzerproto.AnalyzerPropertyDependencies();
                    deps.setUrnsList(urns);
                    ar.getPropertydependenciesMap().set(key, deps);
                }
                return ar;
            }),
        );
        const stackResp = await unary<any>(client, "analyzeStack", stackReq);
        for (const d of stackResp.getDiagnosticsList()) served.push(`${d.getPolicyname()} ${fromProtoLevel(d.getEnforcementlevel())} ${d.getUrn()}`);

        const { violations } = await checkResources(plan.resources, "production");
        const offline = violations.map((v) => `${v.policy} ${v.enforcementLevel} ${v.urn}`);
        assert.ok(offline.length >= 3, `expected the broken plan to fail several policies, got ${offline.join("\n")}`);
        assert.deepStrictEqual(served.sort(), offline.sort());
    });
});
