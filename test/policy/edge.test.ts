import * as assert from "assert";
import { cloudflareHsts, cloudflareLoginRateLimit, cloudflareZoneTls, gatewayHttpRedirectOnly, gatewaySecurityHeaders } from "../../policies/rules/edge";
import { check, resource } from "../helpers/policy";
import { CLOUDFLARE_RULESET, CLOUDFLARE_ZONE_SETTING, K8S_GATEWAY, K8S_HTTP_ROUTE } from "../helpers/types";

const ZONE = "fedcba9876543210fedcba9876543210";
const setting = (settingId: string, value: unknown, zoneId = ZONE) => resource(CLOUDFLARE_ZONE_SETTING, `zone-${settingId}`, { zoneId, settingId, value });
const hsts = (v: Record<string, unknown>) => setting("security_header", { strict_transport_security: { enabled: true, include_subdomains: true, max_age: 31536000, nosniff: true, ...v } });
const goodZone = () => [setting("ssl", "strict"), setting("min_tls_version", "1.2"), setting("always_use_https", "on"), hsts({})];

const loginRule = (extra: Record<string, unknown> = {}, ratelimit: Record<string, unknown> = {}) => ({
    ref: "login_rate_limit",
    description: "login",
    expression: '(http.request.uri.path eq "/api/auth/login")',
    action: "block",
    enabled: true,
    ratelimit: { characteristics: ["ip.src", "cf.colo.id"], period: 60, requestsPerPeriod: 5, mitigationTimeout: 900, ...ratelimit },
    ...extra,
});
const rateLimit = (rules: unknown[]) => resource(CLOUDFLARE_RULESET, "rate-limit", { zoneId: ZONE, kind: "zone", phase: "http_ratelimit", name: "login rate limit", rules });

describe("policy: cloudflare-zone-tls (ED-2)", () => {
    it("ED-2 compliant: SSL strict, TLS 1.2 minimum and Always Use HTTPS pass", async () => {
        assert.deepStrictEqual(await check([cloudflareZoneTls], goodZone()), []);
    });

    it("ED-2 violating: flexible SSL, TLS 1.0 and HTTPS off are each named on their setting", async () => {
        const ssl = setting("ssl", "flexible");
        const tls = setting("min_tls_version", "1.0");
        const https = setting("always_use_https", "off");
        const vs = await check([cloudflareZoneTls], [ssl, tls, https, hsts({})]);
        assert.deepStrictEqual(vs.map((v) => v.urn), [ssl.urn, tls.urn, https.urn]);
        assert.ok(vs.every((v) => v.enforcementLevel === "mandatory" && v.requirements?.includes("ED-2")));
        assert.match(vs[0].message, /"flexible".*"strict"/);
    });

    it("ED-2 violating: a configured zone without an SSL setting is rejected", async () => {
        const vs = await check([cloudflareZoneTls], [setting("min_tls_version", "1.3"), setting("always_use_https", "on")]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /SSL mode is not set/);
    });

    it("ED-2: a stack that configures no zone has nothing to check", async () => {
        assert.deepStrictEqual(await check([cloudflareZoneTls], [resource("cloudflare:index/dnsRecord:DnsRecord", "dns", { zoneId: ZONE, name: "x.example.com", proxied: true })]), []);
    });
});

describe("policy: cloudflare-hsts (ED-3)", () => {
    it("ED-3 compliant: HSTS on with subdomains for a year, in the API's snake_case, passes", async () => {
        assert.deepStrictEqual(await check([cloudflareHsts], goodZone()), []);
        const sixMonths = setting("security_header", { strict_transport_security: { enabled: true, include_subdomains: true, max_age: 15768000 } });
        assert.deepStrictEqual(await check([cloudflareHsts], [setting("ssl", "strict"), sixMonths]), []);
    });

    it("ED-3 violating: camelCase keys, which Cloudflare never reads (pulumi/pulumi-cloudflare#1579), are named", async () => {
        const camel = setting("security_header", { strictTransportSecurity: { enabled: true, includeSubdomains: true, maxAge: 31536000 } });
        const vs = await check([cloudflareHsts], [setting("ssl", "strict"), camel]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, camel.urn);
        assert.match(vs[0].message, /camelCase key 'strictTransportSecurity', which Cloudflare does not read; write it as the API does: strict_transport_security/);
    });

    it("ED-3 violating: a max-age under six months and no include_subdomains are both reported", async () => {
        const header = hsts({ max_age: 86400, include_subdomains: false });
        const vs = await check([cloudflareHsts], [setting("ssl", "strict"), header]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, header.urn);
        assert.match(vs[0].message, /include_subdomains is off; max-age is 86400, below 15768000/);
    });

    it("ED-3 violating: a configured zone without the security header", async () => {
        const vs = await check([cloudflareHsts], [setting("ssl", "strict")]);
        assert.match(vs[0].message, /no 'security_header'/);
    });

    it("ED-3: the floor comes from policy config", async () => {
        const vs = await check([cloudflareHsts], goodZone().map((r) => (r.inputs.settingId === "security_header" ? hsts({ max_age: 20000000 }) : r)), { "cloudflare-hsts": { minimumMaxAgeSeconds: 31536000 } });
        assert.strictEqual(vs.length, 1);
    });
});

describe("policy: cloudflare-login-rate-limit (ED-4)", () => {
    it("ED-4 compliant: 5 a minute per IP on the login path, then a 15-minute block", async () => {
        assert.deepStrictEqual(await check([cloudflareLoginRateLimit], [...goodZone(), rateLimit([loginRule()])]), []);
    });

    it("ED-4 violating: a configured zone without any rate-limit ruleset", async () => {
        const vs = await check([cloudflareLoginRateLimit], goodZone());
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /Zone fedcba9876543210fedcba9876543210 has no login rate limit/);
        assert.deepStrictEqual(vs[0].requirements, ["ED-4"]);
    });

    it("ED-4 violating: too lenient, too short a block, not per IP, not a block, or a period or block Cloudflare refuses", async () => {
        for (const [rule, why] of [
            [loginRule({}, { requestsPerPeriod: 20 }), /allows 20 per 60 s, above 5 a minute/],
            [loginRule({}, { mitigationTimeout: 60 }), /blocks for 60 s, under 900 s/],
            [loginRule({}, { characteristics: ["cf.colo.id"] }), /per client IP/],
            [loginRule({ action: "log" }), /not block/],
            [loginRule({ expression: '(http.request.uri.path eq "/api/products")' }), /containing 'login'/],
            [loginRule({ enabled: false }), /disabled/],
            [loginRule({}, { mitigationTimeout: 1000 }), /blocks for 1000 s, which Cloudflare does not accept \(10, 15, .*, 900, 1200/],
            [loginRule({}, { period: 50, requestsPerPeriod: 1 }), /counts over 50 s, which Cloudflare does not accept/],
        ] as const) {
            const vs = await check([cloudflareLoginRateLimit], [...goodZone(), rateLimit([rule])]);
            assert.strictEqual(vs.length, 1, String(why));
            assert.match(vs[0].message, why);
        }
    });

    it("ED-4: every configured zone needs its own rule (a stack policy)", async () => {
        const other = setting("ssl", "strict", "0123456789abcdef0123456789abcdef");
        const vs = await check([cloudflareLoginRateLimit], [...goodZone(), rateLimit([loginRule()]), other]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /Zone 0123456789abcdef0123456789abcdef/);
    });
});

const gateway = (listeners: unknown[]) => resource(K8S_GATEWAY, "gw", { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "public", namespace: "runbook" }, spec: { gatewayClassName: "eg", listeners } });
const httpListener = { name: "http", protocol: "HTTP", port: 80 };
const httpsListener = { name: "https-example.com", protocol: "HTTPS", port: 443, hostname: "example.com", tls: { certificateRefs: [{ name: "example.com-tls" }] } };
const headers = [
    { name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" },
    { name: "X-Frame-Options", value: "DENY" },
    { name: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { name: "X-Content-Type-Options", value: "nosniff" },
];
const servingRule = (set = headers) => ({ filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { set } }], backendRefs: [{ name: "web", port: 3000 }] });
const route = (name: string, parentRef: Record<string, unknown>, rules: unknown[]) =>
    resource(K8S_HTTP_ROUTE, name, { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name, namespace: "runbook" }, spec: { parentRefs: [{ name: "public", ...parentRef }], rules } });
const redirect = route("https-redirect", { sectionName: "http" }, [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }]);

describe("policy: gateway-http-redirect-only (ED-5)", () => {
    it("ED-5 compliant: 80 only redirects, 443 serves", async () => {
        const resources = [gateway([httpListener, httpsListener]), redirect, route("web", { sectionName: "https-example.com" }, [servingRule()])];
        assert.deepStrictEqual(await check([gatewayHttpRedirectOnly], resources), []);
    });

    it("ED-5 violating: a route on the HTTP listener that serves an app", async () => {
        const leak = route("web-plain", { sectionName: "http" }, [servingRule()]);
        const vs = await check([gatewayHttpRedirectOnly], [gateway([httpListener, httpsListener]), leak]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, leak.urn);
        assert.match(vs[0].message, /plain-HTTP listener/);
    });

    it("ED-5 violating: a route without a section name attaches to port 80 too", async () => {
        const everywhere = route("web-all", {}, [servingRule()]);
        const vs = await check([gatewayHttpRedirectOnly], [gateway([httpListener, httpsListener]), everywhere]);
        assert.deepStrictEqual(vs.map((v) => v.urn), [everywhere.urn]);
    });

    it("ED-5 violating: a redirect to plain http does not count", async () => {
        const bad = route("https-redirect", { sectionName: "http" }, [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "http", port: 8080 } }] }]);
        assert.strictEqual((await check([gatewayHttpRedirectOnly], [gateway([httpListener]), bad])).length, 1);
    });

    it("ED-5 violating: a listener on another port, or plain HTTP on 443", async () => {
        const gw = gateway([httpListener, { name: "admin", protocol: "HTTP", port: 8080 }, { name: "odd", protocol: "HTTP", port: 443 }]);
        const vs = await check([gatewayHttpRedirectOnly], [gw]);
        assert.ok(vs.some((v) => /port 8080; only 80 and 443/.test(v.message)));
        assert.ok(vs.some((v) => /'odd' serves plain HTTP on port 443/.test(v.message)));
    });
});

describe("policy: gateway-security-headers (ED-3)", () => {
    it("ED-3 compliant: a serving rule with the four headers, and a redirect rule without any", async () => {
        assert.deepStrictEqual(await check([gatewaySecurityHeaders], [route("web", { sectionName: "https-example.com" }, [servingRule()]), redirect]), []);
    });

    it("ED-3 violating: missing X-Frame-Options and a short HSTS are named", async () => {
        const weak = [{ name: "Strict-Transport-Security", value: "max-age=3600" }, headers[2], headers[3]];
        const r = route("web", { sectionName: "https-example.com" }, [servingRule(weak)]);
        const vs = await check([gatewaySecurityHeaders], [r]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, r.urn);
        assert.match(vs[0].message, /Strict-Transport-Security with includeSubDomains and max-age ≥ 15768000, X-Frame-Options: DENY/);
    });

    it("ED-3 violating: a serving rule without any header filter", async () => {
        const vs = await check([gatewaySecurityHeaders], [route("web", { sectionName: "https-example.com" }, [{ backendRefs: [{ name: "web", port: 3000 }] }])]);
        assert.match(vs[0].message, /Referrer-Policy/);
    });
});
