import * as assert from "assert";
import { CloudflareEdge, CloudflareEdgeArgs } from "../../../components/edge/cloudflare";
import { CLOUDFLARE_MANAGED_RULESET_ID, CLOUDFLARE_OWASP_RULESET_ID } from "../../../components/edge/cloudflareSpec";
import { PlanResource } from "../../../plan/model";
import { cloudflareApiErrors, expressionProblems } from "../../helpers/cloudflareApi";
import { mockRun, ofType } from "../../helpers/harness";
import { CLOUDFLARE_DNS_RECORD, CLOUDFLARE_RULESET, CLOUDFLARE_ZONE_SETTING } from "../../helpers/types";

type Obj = Record<string, any>;
const ZONE = "fedcba9876543210fedcba9876543210";

const args = (extra: Partial<CloudflareEdgeArgs> = {}): CloudflareEdgeArgs => ({
    zoneId: ZONE,
    hosts: [
        { host: "example.com", app: "web", role: "web" },
        { host: "api.example.com", app: "api", role: "api" },
    ],
    origin: "lb-123.elb.us-east-1.amazonaws.com",
    ownsZone: true,
    hstsMaxAgeSeconds: 31536000,
    assetHosts: ["assets.example.com"],
    cache: { staticTtlSeconds: 31536000, assetTtlSeconds: 2592000 },
    loginPath: "/api/auth/login",
    loginRateLimit: { requests: 5, periodSeconds: 60, blockSeconds: 900 },
    waf: { managedRuleset: true, owaspRuleset: true },
    ...extra,
});

async function plan(a: CloudflareEdgeArgs): Promise<PlanResource[]> {
    return mockRun(() => {
        new CloudflareEdge("cloudflare", a);
    });
}

const setting = (rs: PlanResource[], id: string) => ofType(rs, CLOUDFLARE_ZONE_SETTING).find((r) => r.inputs.settingId === id)?.inputs.value as any;
const ruleset = (rs: PlanResource[], phase: string) => ofType(rs, CLOUDFLARE_RULESET).find((r) => r.inputs.phase === phase);

describe("component: CloudflareEdge (ED-1, ED-2, ED-3, ED-4, ED-6, WL-7)", () => {
    it("ED-2: a proxied record per host points at the Gateway's load balancer, CNAME for a name and A for an address", async () => {
        const rs = await plan(args());
        const records = ofType(rs, CLOUDFLARE_DNS_RECORD);
        assert.deepStrictEqual(records.map((r) => [r.inputs.name, r.inputs.type, r.inputs.content, r.inputs.proxied, r.inputs.zoneId]), [
            ["example.com", "CNAME", "lb-123.elb.us-east-1.amazonaws.com", true, ZONE],
            ["api.example.com", "CNAME", "lb-123.elb.us-east-1.amazonaws.com", true, ZONE],
        ]);
        for (const r of records) assert.strictEqual(r.deleteBeforeReplace, true, "a record changing type must go before its successor exists");
        const byIp = ofType(await plan(args({ origin: "203.0.113.7" })), CLOUDFLARE_DNS_RECORD);
        assert.ok(byIp.every((r) => r.inputs.type === "A" && r.inputs.content === "203.0.113.7"));
    });

    it("ED-2, ED-3, ED-6, WL-7: SSL strict, TLS 1.2 minimum with 1.3 on, HTTPS always, HSTS with subdomains, Brotli, HTTP/3 and WebSockets", async () => {
        const rs = await plan(args({ hstsMaxAgeSeconds: 15768000 }));
        assert.strictEqual(setting(rs, "ssl"), "strict");
        assert.strictEqual(setting(rs, "min_tls_version"), "1.2");
        assert.strictEqual(setting(rs, "tls_1_3"), "on");
        assert.strictEqual(setting(rs, "always_use_https"), "on");
        // Untyped JSON the provider passes through as it is: the API's snake_case (pulumi/pulumi-cloudflare#1579).
        assert.deepStrictEqual(setting(rs, "security_header"), { strict_transport_security: { enabled: true, max_age: 15768000, include_subdomains: true, nosniff: true, preload: false } });
        assert.strictEqual(setting(rs, "brotli"), "on");
        assert.strictEqual(setting(rs, "http3"), "on");
        assert.strictEqual(setting(rs, "websockets"), "on");
        for (const r of ofType(rs, CLOUDFLARE_ZONE_SETTING)) assert.strictEqual(r.inputs.zoneId, ZONE);
    });

    it("ED-1: long edge TTLs for /_next/static/ and the asset hosts; API paths and API hosts bypass the cache, last", async () => {
        const rs = await plan(args());
        const cache = ruleset(rs, "http_request_cache_settings")!;
        assert.strictEqual(cache.inputs.kind, "zone");
        const rules = cache.inputs.rules as Obj[];
        assert.deepStrictEqual(rules.map((r) => r.ref), ["next_static", "asset_hosts", "api_bypass"]);
        assert.strictEqual(rules[0].expression, 'starts_with(http.request.uri.path, "/_next/static/")');
        assert.deepStrictEqual(rules[0].actionParameters, { cache: true, edgeTtl: { mode: "override_origin", default: 31536000 }, browserTtl: { mode: "respect_origin" } });
        assert.strictEqual(rules[1].expression, '(http.host in {"assets.example.com"})');
        assert.strictEqual(rules[1].actionParameters.edgeTtl.default, 2592000);
        assert.strictEqual(rules[2].expression, 'starts_with(http.request.uri.path, "/api/") or (http.host in {"api.example.com"})');
        assert.deepStrictEqual(rules[2].actionParameters, { cache: false });
        for (const r of rules) assert.strictEqual(r.action, "set_cache_settings");
    });

    it("ED-4: the login path is limited to 5 requests a minute per IP, then blocked for 15 minutes", async () => {
        const rs = await plan(args());
        const [rule] = ruleset(rs, "http_ratelimit")!.inputs.rules as Obj[];
        assert.strictEqual(rule.expression, '(http.request.uri.path eq "/api/auth/login")');
        assert.strictEqual(rule.action, "block");
        assert.deepStrictEqual(rule.ratelimit, { characteristics: ["ip.src", "cf.colo.id"], period: 60, requestsPerPeriod: 5, mitigationTimeout: 900 });
    });

    it("the managed WAF runs the Cloudflare and OWASP rulesets when enabled, and is absent when both are off", async () => {
        const waf = ruleset(await plan(args()), "http_request_firewall_managed")!;
        assert.deepStrictEqual((waf.inputs.rules as Obj[]).map((r) => [r.action, r.actionParameters.id, r.expression]), [
            ["execute", CLOUDFLARE_MANAGED_RULESET_ID, "true"],
            ["execute", CLOUDFLARE_OWASP_RULESET_ID, "true"],
        ]);
        assert.strictEqual(ruleset(await plan(args({ waf: { managedRuleset: false, owaspRuleset: false } })), "http_request_firewall_managed"), undefined);
    });

    it("ED-1…ED-4: every zone setting, ruleset rule and expression the component sends matches Cloudflare's API schema", async () => {
        const rs = await plan(args());
        assert.ok(ofType(rs, CLOUDFLARE_ZONE_SETTING).length === 8 && ofType(rs, CLOUDFLARE_RULESET).length === 3, "every setting and ruleset is planned");
        assert.deepStrictEqual(cloudflareApiErrors(rs), []);
        const other = await plan(args({ assetHosts: [], hosts: [{ host: "example.com", app: "web", role: "web" }], origin: "203.0.113.7", loginPath: '/a "quoted" \\path' }));
        assert.deepStrictEqual(cloudflareApiErrors(other), []);
    });

    it("a stack that does not own the zone declares only its DNS records", async () => {
        const rs = await plan(args({ ownsZone: false }));
        assert.strictEqual(ofType(rs, CLOUDFLARE_DNS_RECORD).length, 2);
        assert.strictEqual(ofType(rs, CLOUDFLARE_ZONE_SETTING).length + ofType(rs, CLOUDFLARE_RULESET).length, 0);
    });
});

describe("test helper: Cloudflare's API schema catches what mocks accept", () => {
    const zoneSetting = (settingId: string, value: unknown): PlanResource => ({ type: CLOUDFLARE_ZONE_SETTING, name: `zone-${settingId}`, inputs: { zoneId: ZONE, settingId, value } }) as unknown as PlanResource;
    const rules = (...r: Obj[]): PlanResource => ({ type: CLOUDFLARE_RULESET, name: "rs", inputs: { zoneId: ZONE, kind: "zone", phase: "http_request_cache_settings", name: "x", rules: r } }) as unknown as PlanResource;
    const cacheRule = (actionParameters: Obj, expression = "true") => ({ ref: "r", expression, action: "set_cache_settings", actionParameters, enabled: true });

    it("an untyped zone setting value in the provider's camelCase, as pulumi/pulumi-cloudflare#1579 reports it", () => {
        const errors = cloudflareApiErrors([zoneSetting("security_header", { strictTransportSecurity: { enabled: true, maxAge: 31536000, includeSubdomains: true } })]);
        assert.deepStrictEqual(errors, ["zone-security_header.value: 'strictTransportSecurity' is not a key the API defines here"]);
        assert.match(cloudflareApiErrors([zoneSetting("ssl", "Strict")])[0], /zone-ssl.value: "Strict" must be one of off, flexible, full, strict/);
        assert.match(cloudflareApiErrors([zoneSetting("early_hints", "on")])[0], /'early_hints' has no schema/);
    });

    it("typed rule inputs: snake_case keys the SDK does not know, misspelt keys, missing required keys and bad enums", () => {
        assert.match(cloudflareApiErrors([rules(cacheRule({ edge_ttl: { mode: "override_origin", default: 60 } }))]).join("\n"), /rs.rules\[0\].actionParameters.edge_ttl: a typed SDK input takes the provider's camelCase names/);
        assert.match(cloudflareApiErrors([rules(cacheRule({ edgeTTL: { mode: "override_origin" } }))]).join("\n"), /'edge_t_t_l' is not a key the API defines here/);
        assert.match(cloudflareApiErrors([rules(cacheRule({ edgeTtl: { default: 60 } }))]).join("\n"), /rs.rules\[0\].action_parameters.edge_ttl: must have required property 'mode'/);
        assert.match(cloudflareApiErrors([rules(cacheRule({ browserTtl: { mode: "forever" } }))]).join("\n"), /browser_ttl.mode: "forever" must be one of respect_origin/);
        const limit = { ref: "l", expression: "true", action: "block", ratelimit: { characteristics: ["ip.src"], period: 75, requestsPerPeriod: 5, mitigationTimeout: 1000 } };
        const errors = cloudflareApiErrors([rules(limit)]);
        assert.ok(errors.some((e) => /ratelimit.period: 75 must be one of 10, 15/.test(e)) && errors.some((e) => /ratelimit.mitigation_timeout: 1000 must be one of/.test(e)), errors.join("\n"));
        assert.match(cloudflareApiErrors([rules({ ref: "x", expression: "true", action: "execute", actionParameters: { id: "not-an-id" } })]).join("\n"), /action_parameters.id: must match pattern/);
    });

    it("expressions: unknown fields and functions, bad operators, escapes and unbalanced parentheses", () => {
        assert.deepStrictEqual(expressionProblems('starts_with(http.request.uri.path, "/_next/static/") or (http.host in {"a.example.com" "b.example.com"})'), []);
        assert.deepStrictEqual(expressionProblems('(http.request.uri.path eq "/a \\"b\\" \\\\c")'), []);
        assert.match(expressionProblems('http.request.path eq "/login"')[0], /'http.request.path' is not a field/);
        assert.match(expressionProblems('ends_with(http.host, ".com")')[0], /'ends_with' is not a field/);
        assert.match(expressionProblems('http.host equals "a"')[0], /'equals' is not a comparison operator/);
        assert.match(expressionProblems('(http.host eq "a"')[0], /expected \) at token 4, found the end/);
        assert.match(expressionProblems('http.host eq "a\\nb"')[0], /the escape \\n; the Rules language only knows/);
        assert.match(expressionProblems("http.host eq 'a'")[0], /unexpected character/);
    });
});
