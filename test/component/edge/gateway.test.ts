import * as assert from "assert";
import { Gateway, GatewayArgs } from "../../../components/edge/gateway";
import { GATEWAY_NAME } from "../../../components/edge/gatewaySpec";
import { PlanResource } from "../../../plan/model";
import { mockRun, ofType, one } from "../../helpers/harness";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { K8S_BACKEND_TRAFFIC_POLICY, K8S_CLIENT_TRAFFIC_POLICY, K8S_GATEWAY, K8S_HTTP_ROUTE, K8S_NETWORK_POLICY } from "../../helpers/types";

type Obj = Record<string, any>;
const spec = (r: PlanResource) => r.inputs.spec as Obj;

const args = (extra: Partial<GatewayArgs> = {}): GatewayArgs => ({
    namespace: "runbook",
    routes: [
        { host: "example.com", app: "web", port: 3000, websocketPaths: [] },
        { host: "www.example.com", app: "web", port: 3000, websocketPaths: [] },
        { host: "api.example.com", app: "api", port: 3001, websocketPaths: ["/events"] },
    ],
    className: "eg",
    implementation: "envoy-gateway",
    proxyNamespace: "envoy-gateway-system",
    hstsMaxAgeSeconds: 31536000,
    requestTimeoutSeconds: 60,
    websocketTimeoutSeconds: 3600,
    maxRequestBodyMb: 10,
    ...extra,
});

async function plan(a: GatewayArgs): Promise<PlanResource[]> {
    return mockRun(() => {
        new Gateway("gateway", a);
    });
}

const route = (rs: PlanResource[], name: string) => {
    const r = ofType(rs, K8S_HTTP_ROUTE).find((x) => (x.inputs.metadata as Obj).name === name);
    assert.ok(r, `no HTTPRoute ${name}`);
    return r;
};

describe("component: edge Gateway (ED-2, ED-3, ED-5, WL-7, SC-5)", () => {
    it("ED-5: one Gateway whose only plain-HTTP listener is on 80 and every other listener is HTTPS on 443 with the host's certificate", async () => {
        const rs = await plan(args());
        const gw = one(rs, K8S_GATEWAY);
        assert.strictEqual(spec(gw).gatewayClassName, "eg");
        assert.strictEqual((gw.inputs.metadata as Obj).namespace, "runbook");
        const listeners = spec(gw).listeners as Obj[];
        assert.deepStrictEqual(listeners.map((l) => l.port).sort(), [443, 443, 443, 80]);
        assert.deepStrictEqual(listeners.filter((l) => l.protocol === "HTTP").map((l) => l.port), [80]);
        for (const l of listeners.filter((x) => x.protocol === "HTTPS")) {
            assert.strictEqual(l.port, 443);
            assert.strictEqual(l.tls.mode, "Terminate");
            assert.deepStrictEqual(l.tls.certificateRefs, [{ group: "", kind: "Secret", name: `${l.hostname}-tls` }]);
        }
    });

    it("ED-5: the HTTP listener's only route redirects every host to HTTPS and has no backend", async () => {
        const rs = await plan(args());
        const onHttp = ofType(rs, K8S_HTTP_ROUTE).filter((r) => (spec(r).parentRefs as Obj[]).some((p) => p.sectionName === "http"));
        assert.strictEqual(onHttp.length, 1);
        const [redirect] = onHttp;
        assert.deepStrictEqual(spec(redirect).hostnames, ["example.com", "www.example.com", "api.example.com"]);
        for (const rule of spec(redirect).rules as Obj[]) {
            assert.strictEqual(rule.backendRefs, undefined);
            assert.deepStrictEqual(rule.filters, [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }]);
        }
    });

    it("WL-1: an HTTPRoute per host sends / to its app's Service on the app's port, on that host's HTTPS listener only", async () => {
        const rs = await plan(args());
        const api = route(rs, "api.example.com");
        assert.deepStrictEqual(spec(api).hostnames, ["api.example.com"]);
        assert.deepStrictEqual(spec(api).parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME, sectionName: "https-api.example.com" }]);
        const [rule] = spec(api).rules as Obj[];
        assert.deepStrictEqual(rule.matches, [{ path: { type: "PathPrefix", value: "/" } }]);
        assert.deepStrictEqual(rule.backendRefs, [{ group: "", kind: "Service", name: "api", port: 3001, weight: 1 }]);
        assert.deepStrictEqual(rule.timeouts, { request: "60s" });
        assert.strictEqual(spec(route(rs, "www.example.com")).rules[0].backendRefs[0].name, "web");
    });

    it("ED-3: every route rule that serves an app sets HSTS, X-Frame-Options DENY, Referrer-Policy and X-Content-Type-Options", async () => {
        const rs = await plan(args({ hstsMaxAgeSeconds: 15768000 }));
        const serving = ofType(rs, K8S_HTTP_ROUTE).flatMap((r) => (spec(r).rules as Obj[]).filter((rule) => rule.backendRefs));
        assert.strictEqual(serving.length, 4);
        for (const rule of serving) {
            const modifier = (rule.filters as Obj[]).find((f) => f.type === "ResponseHeaderModifier");
            const headers = Object.fromEntries((modifier!.responseHeaderModifier.set as Obj[]).map((h) => [h.name, h.value]));
            assert.strictEqual(headers["Strict-Transport-Security"], "max-age=15768000; includeSubDomains");
            assert.strictEqual(headers["X-Frame-Options"], "DENY");
            assert.strictEqual(headers["Referrer-Policy"], "strict-origin-when-cross-origin");
            assert.strictEqual(headers["X-Content-Type-Options"], "nosniff");
        }
    });

    it("WL-7: a WebSocket path gets its own route with long request timeouts and an Envoy Gateway policy with long idle timeouts", async () => {
        const rs = await plan(args({ websocketTimeoutSeconds: 7200 }));
        const ws = route(rs, "api.example.com-websocket");
        const [rule] = spec(ws).rules as Obj[];
        assert.deepStrictEqual(rule.matches, [{ path: { type: "PathPrefix", value: "/events" } }]);
        assert.deepStrictEqual(rule.backendRefs, [{ group: "", kind: "Service", name: "api", port: 3001, weight: 1 }]);
        assert.deepStrictEqual(rule.timeouts, { request: "7200s", backendRequest: "7200s" });
        const policies = ofType(rs, K8S_BACKEND_TRAFFIC_POLICY);
        const wsPolicy = policies.find((p) => spec(p).targetRefs.some((t: Obj) => t.name === "api.example.com-websocket"))!;
        assert.deepStrictEqual(spec(wsPolicy).timeout.http, { requestTimeout: "7200s", streamIdleTimeout: "7200s", connectionIdleTimeout: "7200s" });
        assert.strictEqual(spec(wsPolicy).requestBuffer, undefined, "WebSocket upgrades cannot be buffered");
        // Only hosts whose app has WebSocket paths get such a route.
        assert.strictEqual(ofType(rs, K8S_HTTP_ROUTE).filter((r) => (r.inputs.metadata as Obj).name.endsWith("-websocket")).length, 1);
    });

    it("limits request bodies on every ordinary route through Envoy Gateway's BackendTrafficPolicy, and TLS 1.2 on the listeners", async () => {
        const rs = await plan(args({ maxRequestBodyMb: 25 }));
        const limit = ofType(rs, K8S_BACKEND_TRAFFIC_POLICY).find((p) => spec(p).requestBuffer)!;
        assert.deepStrictEqual(spec(limit).requestBuffer, { limit: "25Mi" });
        assert.deepStrictEqual((spec(limit).targetRefs as Obj[]).map((t) => t.name).sort(), ["api.example.com", "example.com", "www.example.com"]);
        const client = one(rs, K8S_CLIENT_TRAFFIC_POLICY);
        assert.deepStrictEqual(spec(client).targetRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME }]);
        assert.strictEqual(spec(client).tls.minVersion, "1.2");
    });

    it("a generic Gateway API implementation gets only standard objects", async () => {
        const rs = await plan(args({ implementation: "generic" }));
        assert.strictEqual(ofType(rs, K8S_BACKEND_TRAFFIC_POLICY).length + ofType(rs, K8S_CLIENT_TRAFFIC_POLICY).length, 0);
        assert.strictEqual(ofType(rs, K8S_HTTP_ROUTE).length, 5);
        const np = one(rs, K8S_NETWORK_POLICY, "api");
        assert.deepStrictEqual(spec(np).ingress[0].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "envoy-gateway-system" } } }]);
    });

    it("SC-5: one NetworkPolicy per web-facing app admits only this Gateway's proxies, on the http port", async () => {
        const rs = await plan(args());
        const policies = ofType(rs, K8S_NETWORK_POLICY);
        assert.deepStrictEqual(policies.map((p) => spec(p).podSelector.matchLabels["app.kubernetes.io/name"]).sort(), ["api", "web"]);
        for (const p of policies) {
            assert.deepStrictEqual(spec(p).policyTypes, ["Ingress"]);
            const [ingress] = spec(p).ingress as Obj[];
            assert.deepStrictEqual(ingress.ports, [{ protocol: "TCP", port: "http" }]);
            assert.deepStrictEqual(ingress.from, [
                {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "envoy-gateway-system" } },
                    podSelector: { matchLabels: { "gateway.envoyproxy.io/owning-gateway-name": GATEWAY_NAME, "gateway.envoyproxy.io/owning-gateway-namespace": "runbook" } },
                },
            ]);
        }
    });

    it("every object validates against the Kubernetes, Gateway API and Envoy Gateway schemas", async () => {
        const rs = await plan(args());
        assert.deepStrictEqual(await kubernetesSchemaErrors(rs), []);
    });

    it("the schema check catches a bad Gateway API or Envoy Gateway object", async () => {
        const rs = await plan(args());
        const gw = one(rs, K8S_GATEWAY);
        (spec(gw).listeners as Obj[])[0].protocol = 7;
        const limit = ofType(rs, K8S_BACKEND_TRAFFIC_POLICY)[0];
        spec(limit).requestBuffer = { limit: "ten megabytes" };
        const errors = await kubernetesSchemaErrors([gw, limit]);
        assert.ok(errors.some((e) => e.includes("Gateway") && e.includes("protocol")), errors.join("\n"));
        assert.ok(errors.some((e) => e.includes("BackendTrafficPolicy") && e.includes("requestBuffer")), errors.join("\n"));
    });
});
