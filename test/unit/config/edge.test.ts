import * as assert from "assert";
import { ConfigProblem, formatProblem } from "../../../config/problems";
import { validateConfig } from "../../../config/validate";
import { stackRaw } from "../../helpers/stacks";

function problemsOf(stack: string, mutate: (c: Record<string, any>) => void): ConfigProblem[] {
    const result = validateConfig(stackRaw(stack, mutate), stack);
    assert.ok(!result.ok, "expected the config to be rejected");
    return result.problems;
}

function find(problems: ConfigProblem[], path: string): ConfigProblem {
    const p = problems.find((x) => x.path === path);
    assert.ok(p, `no problem at ${path}; got:\n${problems.map(formatProblem).join("\n")}`);
    return p;
}

const edge = (c: Record<string, any>) => c["runbook:edge"];

describe("unit: edge config", () => {
    it("ED-4: defaults the login limit to 5 requests a minute per IP, then a 15-minute block", () => {
        const result = validateConfig(stackRaw("production"), "production");
        assert.ok(result.ok);
        assert.deepStrictEqual(result.config.edge.loginRateLimit, { requests: 5, periodSeconds: 60, blockSeconds: 900 });
        assert.strictEqual(result.config.edge.loginPath, "/api/auth/login");
    });

    it("documents every other edge default: HSTS a year, 10 MiB bodies, hour-long WebSockets, Envoy Gateway, Let's Encrypt", () => {
        const result = validateConfig(stackRaw("staging"), "staging");
        assert.ok(result.ok);
        const e = result.config.edge;
        assert.strictEqual(e.hstsMaxAgeSeconds, 31536000);
        assert.strictEqual(e.maxRequestBodyMb, 10);
        assert.strictEqual(e.websocketTimeoutSeconds, 3600);
        assert.deepStrictEqual(e.gateway, { implementation: "envoy-gateway", className: "eg", namespace: "envoy-gateway-system" });
        assert.strictEqual(e.tls.acmeServer, "https://acme-v02.api.letsencrypt.org/directory");
        assert.strictEqual(e.tls.certManagerNamespace, "cert-manager");
        assert.ok(!("dnsApiToken" in e.tls), "the token is read as a secret, never kept in the config object");
        assert.strictEqual(result.config.kubernetes.platform, "existing");
    });

    it("the WAF rulesets are on in production and off elsewhere by default", () => {
        const prod = validateConfig(stackRaw("production"), "production");
        const staging = validateConfig(stackRaw("staging"), "staging");
        assert.ok(prod.ok && staging.ok);
        assert.deepStrictEqual(prod.config.edge.waf, { managedRuleset: true, owaspRuleset: true });
        assert.deepStrictEqual(staging.config.edge.waf, { managedRuleset: false, owaspRuleset: false });
    });

    it("ED-4: production cannot turn a WAF ruleset off", () => {
        const p = find(problemsOf("production", (c) => (edge(c).waf = { owaspRuleset: false })), "edge.waf.owaspRuleset");
        assert.strictEqual(formatProblem(p), "edge.waf.owaspRuleset: false turns a WAF ruleset off in production (ED-4); remove the key or set true");
    });

    it("ED-3: an HSTS max-age under six months is refused with the range", () => {
        const p = find(problemsOf("staging", (c) => (edge(c).hstsMaxAgeSeconds = 86400)), "edge.hstsMaxAgeSeconds");
        assert.match(formatProblem(p), /86400 is below the minimum of 15768000 \(ED-3\); set 15768000–63072000/);
    });

    it("ED-4: a period Cloudflare does not offer, and a block shorter than the period, are refused", () => {
        const problems = problemsOf("staging", (c) => (edge(c).loginRateLimit = { periodSeconds: 900, blockSeconds: 600 }));
        assert.match(formatProblem(find(problems, "edge.loginRateLimit.periodSeconds")), /900 is not a period Cloudflare rate limiting accepts \(ED-4\); use one of 10, 60, 120, 300, 600, 3600/);
        assert.match(formatProblem(find(problems, "edge.loginRateLimit.blockSeconds")), /600 is shorter than the counting period \(900 s\)/);
    });

    it("ED-2: the origin is required, and it cannot be one of the proxied hosts", () => {
        assert.match(formatProblem(find(problemsOf("staging", (c) => delete edge(c).origin), "edge.origin")), /is required \(ED-2\)/);
        const p = find(problemsOf("staging", (c) => (edge(c).origin = edge(c).hosts[0].host)), "edge.origin");
        assert.match(p.message, /send the traffic back to itself/);
        assert.ok(validateConfig(stackRaw("staging", (c) => (edge(c).origin = "203.0.113.10")), "staging").ok, "an IPv4 origin is fine");
        assert.match(find(problemsOf("staging", (c) => (edge(c).origin = "http://lb")), "edge.origin").message, /DNS name .* or an IPv4 address/);
    });

    it("SC-1: the DNS token must be secure:, and is reported without its value", () => {
        const problems = problemsOf("staging", (c) => (edge(c).tls.dnsApiToken = "plain-token-value"));
        const p = find(problems, "edge.tls.dnsApiToken");
        assert.strictEqual(p.requirement, "SC-1");
        assert.ok(!problems.map(formatProblem).join("\n").includes("plain-token-value"));
    });

    it("a duplicate host is refused", () => {
        const p = find(problemsOf("staging", (c) => edge(c).hosts.push({ ...edge(c).hosts[0] })), "edge.hosts[2].host");
        assert.match(p.message, /listed twice/);
    });

    it("WL-7: WebSocket timeouts shorter than the request timeout are refused", () => {
        const p = find(problemsOf("staging", (c) => Object.assign(edge(c), { requestTimeoutSeconds: 600, websocketTimeoutSeconds: 300 })), "edge.websocketTimeoutSeconds");
        assert.strictEqual(p.requirement, "WL-7");
    });

    it("a generic Gateway implementation cannot take a body limit, nor be installed by the stack", () => {
        const problems = problemsOf("staging", (c) => {
            edge(c).gateway = { implementation: "generic" };
            edge(c).maxRequestBodyMb = 5;
            c["runbook:kubernetes"].platform = "install";
        });
        assert.match(find(problems, "edge.maxRequestBodyMb").message, /Envoy Gateway/);
        assert.match(find(problems, "kubernetes.platform").fix!, /envoy-gateway/);
    });

    it("kubernetes.platform accepts install and existing only", () => {
        const p = find(problemsOf("staging", (c) => (c["runbook:kubernetes"].platform = "helm")), "kubernetes.platform");
        assert.match(formatProblem(p), /use one of "install", "existing"/);
    });
});
