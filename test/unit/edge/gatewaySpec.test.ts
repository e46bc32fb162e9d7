import * as assert from "assert";
import { duration, gatewaySpec, hostRoutes, redirectRouteSpec, websocketRouteSpec } from "../../../components/edge/gatewaySpec";

describe("unit: Gateway API builders (ED-5, WL-7)", () => {
    it("pairs each host with its app's port and WebSocket paths", () => {
        const routes = hostRoutes(
            [
                { host: "example.com", app: "web" },
                { host: "rt.example.com", app: "realtime" },
            ],
            [
                { name: "web", port: 3000 },
                { name: "realtime", port: 4000, websocketPaths: ["/events"] },
            ],
        );
        assert.deepStrictEqual(routes, [
            { host: "example.com", app: "web", port: 3000, websocketPaths: [] },
            { host: "rt.example.com", app: "realtime", port: 4000, websocketPaths: ["/events"] },
        ]);
    });

    it("writes durations in the Gateway API format (at most five digits a unit)", () => {
        assert.strictEqual(duration(60), "60s");
        assert.strictEqual(duration(86400), "86400s");
        assert.match(duration(100000), /^\d{1,5}m$/);
    });

    it("ED-5: listens on 80 and 443 only, one HTTPS listener per host", () => {
        const spec = gatewaySpec("eg", ["a.example.com", "b.example.com"]);
        assert.deepStrictEqual(spec.listeners.map((l) => [l.protocol, l.port]), [["HTTP", 80], ["HTTPS", 443], ["HTTPS", 443]]);
        assert.deepStrictEqual(redirectRouteSpec(["a.example.com"]).rules, [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }]);
    });

    it("WL-7: no WebSocket route for an app without WebSocket paths", () => {
        const s = { hstsMaxAgeSeconds: 31536000, requestTimeoutSeconds: 60, websocketTimeoutSeconds: 3600 };
        assert.strictEqual(websocketRouteSpec({ host: "a.example.com", app: "web", port: 3000, websocketPaths: [] }, s), undefined);
        assert.ok(websocketRouteSpec({ host: "a.example.com", app: "web", port: 3000, websocketPaths: ["/ws"] }, s));
    });
});
