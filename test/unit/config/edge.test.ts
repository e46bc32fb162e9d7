import * as assert from "assert";
import { allowedRateLimitSeconds, cheapestPlanOffering } from "../../../config/cloudflarePlans";
import { formatProblem } from "../../../config/problems";
import { validateConfig } from "../../../config/validate";
import { problemAt, problemsOf } from "../../helpers/configProblems";
import { stackRaw } from "../../helpers/stacks";

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
        const p = problemAt(problemsOf("production", (c) => (edge(c).waf = { owaspRuleset: false })), "edge.waf.owaspRuleset");
        assert.strictEqual(formatProblem(p), "edge.waf.owaspRuleset: false turns a WAF ruleset off in production (ED-4); remove the key or set true");
    });

    it("ED-3: an HSTS max-age under six months is refused with the range", () => {
        const p = problemAt(problemsOf("staging", (c) => (edge(c).hstsMaxAgeSeconds = 86400)), "edge.hstsMaxAgeSeconds");
        assert.match(formatProblem(p), /86400 is below the minimum of 15768000 \(ED-3\); set 15768000–63072000/);
    });

    it("ED-4: a block shorter than the counting period is refused", () => {
        const problems = problemsOf("production", (c) => Object.assign(edge(c), { zonePlan: "business", loginRateLimit: { periodSeconds: 600, blockSeconds: 300 } }));
        assert.match(formatProblem(problemAt(problems, "edge.loginRateLimit.blockSeconds")), /300 is shorter than the counting period \(600 s\)/);
    });

    it("ED-4: Cloudflare's allowed periods and block times grow with the plan, from one list of supported values", () => {
        assert.deepStrictEqual(allowedRateLimitSeconds("free", "periodSeconds"), [10]);
        assert.deepStrictEqual(allowedRateLimitSeconds("free", "mitigationTimeoutSeconds"), [10]);
        assert.deepStrictEqual(allowedRateLimitSeconds("pro", "periodSeconds"), [10, 15, 20, 30, 40, 45, 60]);
        assert.deepStrictEqual(allowedRateLimitSeconds("pro", "mitigationTimeoutSeconds"), [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600]);
        assert.deepStrictEqual(allowedRateLimitSeconds("business", "periodSeconds"), [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600]);
        assert.deepStrictEqual(allowedRateLimitSeconds("enterprise", "periodSeconds").slice(-2), [3600, 65535]);
        assert.deepStrictEqual(allowedRateLimitSeconds("enterprise", "mitigationTimeoutSeconds").slice(-2), [65535, 86400]);
        assert.strictEqual(cheapestPlanOffering(900, "mitigationTimeoutSeconds"), "pro");
        assert.strictEqual(cheapestPlanOffering(3600, "periodSeconds"), "enterprise");
        assert.strictEqual(cheapestPlanOffering(100, "periodSeconds"), undefined);
    });

    it("ED-4: the default plan is pro, on which the default limit (5 a minute, then a 15-minute block) and the WAF exist", () => {
        const prod = validateConfig(stackRaw("production", (c) => delete edge(c).zonePlan), "production");
        assert.ok(prod.ok, prod.ok ? "" : prod.problems.map(formatProblem).join("\n"));
        assert.strictEqual(prod.config.edge.zonePlan, "pro");
        assert.ok(allowedRateLimitSeconds("pro", "periodSeconds").includes(prod.config.edge.loginRateLimit.periodSeconds));
        assert.ok(allowedRateLimitSeconds("pro", "mitigationTimeoutSeconds").includes(prod.config.edge.loginRateLimit.blockSeconds));
    });

    it("ED-4: a period or block time the zone's plan does not offer is refused, naming the key and listing the plan's values", () => {
        const pro = problemsOf("production", (c) => (edge(c).loginRateLimit = { periodSeconds: 120, blockSeconds: 7200 }));
        assert.strictEqual(
            formatProblem(problemAt(pro, "edge.loginRateLimit.periodSeconds")),
            "edge.loginRateLimit.periodSeconds: 120 is not a rate-limit counting period Cloudflare offers on the pro plan (edge.zonePlan is pro) (ED-4); use one of 10, 15, 20, 30, 40, 45, 60, or, if the zone is on business or above, set edge.zonePlan to its plan",
        );
        assert.match(formatProblem(problemAt(pro, "edge.loginRateLimit.blockSeconds")), /7200 is not a rate-limit mitigation timeout \(block time\) Cloudflare offers on the pro plan .*; use one of 10, 15, .*, 2400, 3600$/);
        // A value on no plan's list (the schema allows any whole number of seconds in range).
        const odd = problemsOf("production", (c) => Object.assign(edge(c), { zonePlan: "enterprise", loginRateLimit: { periodSeconds: 100 } }));
        assert.match(formatProblem(problemAt(odd, "edge.loginRateLimit.periodSeconds")), /100 is not a rate-limit counting period Cloudflare offers on the enterprise plan \(edge.zonePlan is enterprise\) \(ED-4\); use one of 10, 15, .*, 3600, 65535$/);
        // Where the plan offers them, the same kind of values are fine.
        assert.ok(validateConfig(stackRaw("production", (c) => Object.assign(edge(c), { zonePlan: "enterprise", loginRateLimit: { periodSeconds: 120, blockSeconds: 86400 } })), "production").ok);
    });

    it("ED-4: on the free plan the 15-minute default block and the WAF rulesets are refused before Cloudflare would refuse them", () => {
        const problems = problemsOf("production", (c) => (edge(c).zonePlan = "free"));
        assert.match(formatProblem(problemAt(problems, "edge.loginRateLimit.periodSeconds")), /60 is not a rate-limit counting period Cloudflare offers on the free plan .*; use one of 10, or, if the zone is on pro or above, set edge.zonePlan to its plan/);
        assert.match(formatProblem(problemAt(problems, "edge.loginRateLimit.blockSeconds")), /900 is not a rate-limit mitigation timeout \(block time\) Cloudflare offers on the free plan .*; use one of 10, or, if the zone is on pro or above/);
        assert.match(formatProblem(problemAt(problems, "edge.zonePlan")), /"free" has neither the Cloudflare Managed Ruleset nor the OWASP Core Ruleset, which edge.waf turns on \(ED-4\); production needs the WAF/);
        // A stack that only declares DNS records in the zone sends neither, whatever the plan.
        assert.ok(validateConfig(stackRaw("staging", (c) => (edge(c).zonePlan = "free")), "staging").ok);
    });

    it("edge.zonePlan accepts Cloudflare's plans only", () => {
        const p = problemAt(problemsOf("production", (c) => (edge(c).zonePlan = "premium")), "edge.zonePlan");
        assert.match(formatProblem(p), /use one of "free", "pro", "business", "enterprise"/);
    });

    it("ED-2: the origin is required, and it cannot be one of the proxied hosts", () => {
        assert.match(formatProblem(problemAt(problemsOf("staging", (c) => delete edge(c).origin), "edge.origin")), /is required \(ED-2\)/);
        const p = problemAt(problemsOf("staging", (c) => (edge(c).origin = edge(c).hosts[0].host)), "edge.origin");
        assert.match(p.message, /send the traffic back to itself/);
        assert.ok(validateConfig(stackRaw("staging", (c) => (edge(c).origin = "203.0.113.10")), "staging").ok, "an IPv4 origin is fine");
        assert.match(problemAt(problemsOf("staging", (c) => (edge(c).origin = "http://lb")), "edge.origin").message, /DNS name .* or an IPv4 address/);
    });

    it("SC-1: the DNS token must be secure:, and is reported without its value", () => {
        const problems = problemsOf("staging", (c) => (edge(c).tls.dnsApiToken = "plain-token-value"));
        const p = problemAt(problems, "edge.tls.dnsApiToken");
        assert.strictEqual(p.requirement, "SC-1");
        assert.ok(!problems.map(formatProblem).join("\n").includes("plain-token-value"));
    });

    it("a duplicate host is refused", () => {
        const p = problemAt(problemsOf("staging", (c) => edge(c).hosts.push({ ...edge(c).hosts[0] })), "edge.hosts[2].host");
        assert.match(p.message, /listed twice/);
    });

    it("WL-7: WebSocket timeouts shorter than the request timeout are refused", () => {
        const p = problemAt(problemsOf("staging", (c) => Object.assign(edge(c), { requestTimeoutSeconds: 600, websocketTimeoutSeconds: 300 })), "edge.websocketTimeoutSeconds");
        assert.strictEqual(p.requirement, "WL-7");
    });

    it("a generic Gateway implementation cannot take a body limit, nor be installed by the stack", () => {
        const problems = problemsOf("staging", (c) => {
            edge(c).gateway = { implementation: "generic" };
            edge(c).maxRequestBodyMb = 5;
            c["runbook:kubernetes"].platform = "install";
        });
        assert.match(problemAt(problems, "edge.maxRequestBodyMb").message, /Envoy Gateway/);
        assert.match(problemAt(problems, "kubernetes.platform").fix!, /envoy-gateway/);
    });

    it("kubernetes.platform accepts install and existing only", () => {
        const p = problemAt(problemsOf("staging", (c) => (c["runbook:kubernetes"].platform = "helm")), "kubernetes.platform");
        assert.match(formatProblem(p), /use one of "install", "existing"/);
    });
});
