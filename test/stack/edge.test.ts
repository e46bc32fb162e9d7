import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanFile } from "../../plan/model";
import { cloudflareApiErrors } from "../helpers/cloudflareApi";
import { kubernetesSchemaErrors } from "../helpers/k8sSchema";
import { planStackVariant } from "../helpers/stacks";
import { CLOUDFLARE_API_TOKEN, K8S_CERTIFICATE, K8S_GATEWAY, K8S_HELM_RELEASE } from "../helpers/types";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-edge-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const planVariant = (stack: string, edit: (c: Record<string, any>) => void): PlanFile => planStackVariant(stack, tmp, edit);

describe("stack: the edge and the platform", function () {
    this.timeout(180000);
    for (const stack of ["staging", "production"]) {
        it(`ED-2, ED-5: ${stack} with kubernetes.platform: install plans clean, what it sends Cloudflare matches the API's schema, and every certificate and the Gateway wait for the releases`, async () => {
            const plan = planVariant(stack, (c) => (c["runbook:kubernetes"].platform = "install"));
            assert.deepStrictEqual(plan.violations.filter((v) => v.enforcementLevel === "mandatory"), []);
            assert.deepStrictEqual(await kubernetesSchemaErrors(plan.resources), []);
            // Zone settings, rulesets with their expressions, and API tokens, as Cloudflare's API reads them.
            assert.ok(plan.resources.some((r) => r.type === CLOUDFLARE_API_TOKEN));
            assert.deepStrictEqual(cloudflareApiErrors(plan.resources), []);
            const allReleases = plan.resources.filter((r) => r.type === K8S_HELM_RELEASE);
            // OB-5: the log stack (Loki and Alloy) comes with the platform; nothing at the edge waits for it.
            assert.deepStrictEqual(allReleases.filter((r) => r.name.startsWith("platform-logs-")).map((r) => r.inputs.name).sort(), ["alloy", "loki"]);
            const releases = allReleases.filter((r) => !r.name.startsWith("platform-logs-")).map((r) => r.urn);
            assert.strictEqual(releases.length, 6);
            const gateway = plan.resources.find((r) => r.type === K8S_GATEWAY)!;
            for (const urn of releases) assert.ok(gateway.dependencies.includes(urn), `the Gateway waits for ${urn}`);
            // Certificates wait for their issuer, which waits for the token Secret, which waits for cert-manager.
            const token = plan.resources.find((r) => r.name === "certificates-dns-token")!;
            assert.ok(token.dependencies.some((d) => d.endsWith("::platform-cert-manager")));
            for (const cert of plan.resources.filter((r) => r.type === K8S_CERTIFICATE)) assert.ok(cert.dependencies.some((d) => d.endsWith("::certificates-issuer")));
            // OB-1: the prometheus-operator's objects wait for the releases that bring their CRDs.
            const monitoring = plan.resources.filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/"));
            assert.ok(monitoring.length >= 3, "rules, routing and monitors are planned");
            for (const r of monitoring) for (const urn of releases) assert.ok(r.dependencies.includes(urn), `${r.name} waits for ${urn}`);
        });
    }

    it("kubernetes.platform: existing (the default) installs nothing", async () => {
        const plan = planVariant("staging", () => {});
        assert.strictEqual(plan.resources.filter((r) => r.type === K8S_HELM_RELEASE).length, 0);
    });

    it("WL-7: an app's WebSocket paths get their own route through the Gateway, in a clean plan", async () => {
        const plan = planVariant("production", (c) => (c["runbook:apps"].find((a: any) => a.name === "api").websocketPaths = ["/events"]));
        assert.deepStrictEqual(plan.violations.filter((v) => v.enforcementLevel === "mandatory"), []);
        const ws = plan.resources.find((r) => r.name === "gateway-websocket-api.example.com");
        assert.ok(ws, "a WebSocket route for the api host");
        assert.deepStrictEqual((ws.inputs.spec as any).rules[0].matches, [{ path: { type: "PathPrefix", value: "/events" } }]);
        assert.deepStrictEqual(await kubernetesSchemaErrors(plan.resources), []);
    });
});
