import { ConfigProblem } from "./problems";
import { EDGE_DEFAULTS, Environment, resolveEdge } from "./resolve";
import { RateLimitSetting, ZONE_PLANS, allowedRateLimitSeconds, cheapestPlanOffering, hasManagedWafRulesets } from "./cloudflarePlans";
import { EdgeConfig, RawStackConfig } from "./schema";

/** One Gateway holds 64 listeners; one is port 80. */
export const MAX_HOSTS = 63;

/**
 * Rules of the `edge` section (and `kubernetes.platform`) that span several keys or depend on the
 * environment. Runs only on schema-valid config.
 */
export function edgeProblems(raw: RawStackConfig, env: Environment): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const edge = raw.edge;

    const hosts = edge.hosts.map((h) => h.host);
    // A Gateway has at most 64 listeners: port 80 plus one HTTPS listener per host.
    if (hosts.length > MAX_HOSTS) {
        problems.push({ path: "edge.hosts", value: `${hosts.length} hosts`, message: `exceeds the ${MAX_HOSTS} HTTPS listeners one Gateway can hold`, fix: `list at most ${MAX_HOSTS} hosts` });
    }
    edge.hosts.forEach((h, i) => {
        if (hosts.indexOf(h.host) !== i) {
            problems.push({ path: `edge.hosts[${i}].host`, value: h.host, message: "is listed twice; one host is served by one app", fix: "remove the duplicate entry" });
        }
    });
    if (hosts.includes(edge.origin)) {
        problems.push({
            path: "edge.origin",
            value: edge.origin,
            message: "is one of edge.hosts, so Cloudflare would send the traffic back to itself",
            requirement: "ED-2",
            fix: "set the Gateway load balancer's own DNS name or IP address",
        });
    }

    const limit = edge.loginRateLimit ?? {};
    const period = limit.periodSeconds ?? EDGE_DEFAULTS.loginRateLimit.periodSeconds;
    const block = limit.blockSeconds ?? EDGE_DEFAULTS.loginRateLimit.blockSeconds;
    // Only the stack that owns the zone sends the rate limit and the WAF; the others declare DNS records.
    if (edge.ownsZone ?? true) problems.push(...zonePlanProblems(edge, env));
    if (block < period) {
        problems.push({ path: "edge.loginRateLimit.blockSeconds", value: block, message: `is shorter than the counting period (${period} s)`, requirement: "ED-4", fix: `set at least ${period}` });
    }

    if (env.isProduction) {
        for (const key of ["managedRuleset", "owaspRuleset"] as const) {
            if (edge.waf?.[key] === false) {
                problems.push({ path: `edge.waf.${key}`, value: false, message: "turns a WAF ruleset off in production", requirement: "ED-4", fix: "remove the key or set true" });
            }
        }
    }

    const requestTimeout = edge.requestTimeoutSeconds ?? EDGE_DEFAULTS.requestTimeoutSeconds;
    const websocketTimeout = edge.websocketTimeoutSeconds ?? EDGE_DEFAULTS.websocketTimeoutSeconds;
    if (websocketTimeout < requestTimeout) {
        problems.push({
            path: "edge.websocketTimeoutSeconds",
            value: websocketTimeout,
            message: `is shorter than edge.requestTimeoutSeconds (${requestTimeout}), so WebSocket connections would drop before ordinary requests time out`,
            requirement: "WL-7",
            fix: `set at least ${requestTimeout}`,
        });
    }
    raw.apps.forEach((app, i) => {
        // WL-8: the Gateway holds no stream longer than the WebSocket timeout, its connection limit.
        if (app.requestTimeoutSeconds !== undefined && app.requestTimeoutSeconds > websocketTimeout) {
            problems.push({
                path: `apps[${i}].requestTimeoutSeconds`,
                value: app.requestTimeoutSeconds,
                message: `is longer than edge.websocketTimeoutSeconds (${websocketTimeout}), the longest the Gateway keeps any connection open, so the Gateway would cut the request first`,
                requirement: "WL-8",
                fix: `set at most ${websocketTimeout}, or raise edge.websocketTimeoutSeconds`,
            });
        }
    });

    const implementation = edge.gateway?.implementation ?? EDGE_DEFAULTS.gateway.implementation;
    if (implementation === "generic") {
        if (edge.maxRequestBodyMb !== undefined) {
            problems.push({
                path: "edge.maxRequestBodyMb",
                value: edge.maxRequestBodyMb,
                message: "needs Envoy Gateway's BackendTrafficPolicy, but edge.gateway.implementation is generic",
                fix: "remove it and set the limit in your Gateway implementation, or set edge.gateway.implementation: envoy-gateway",
            });
        }
        if (raw.kubernetes?.platform === "install") {
            problems.push({
                path: "kubernetes.platform",
                value: "install",
                message: "installs Envoy Gateway, but edge.gateway.implementation is generic",
                fix: "set edge.gateway.implementation: envoy-gateway, or kubernetes.platform: existing",
            });
        }
    }
    return problems;
}

/**
 * ED-4: the login rate limit's counting period and block time are values Cloudflare offers on the
 * zone's plan, and the managed WAF rulesets the stack turns on exist on it. Cloudflare would refuse
 * the ruleset at `pulumi up`, after other resources had changed.
 */
function zonePlanProblems(edge: EdgeConfig, env: Environment): ConfigProblem[] {
    const { zonePlan: plan, loginRateLimit, waf } = resolveEdge(edge, env);
    const planSource = edge.zonePlan === undefined ? `edge.zonePlan defaults to ${plan}` : `edge.zonePlan is ${plan}`;
    const problems: ConfigProblem[] = [];
    const check = (key: "periodSeconds" | "blockSeconds", seconds: number, setting: RateLimitSetting, what: string) => {
        const allowed = allowedRateLimitSeconds(plan, setting);
        if (allowed.includes(seconds)) return;
        const upgrade = cheapestPlanOffering(seconds, setting);
        const higher = upgrade !== undefined && ZONE_PLANS.indexOf(upgrade) > ZONE_PLANS.indexOf(plan) ? `, or, if the zone is on ${upgrade} or above, set edge.zonePlan to its plan` : "";
        problems.push({
            path: `edge.loginRateLimit.${key}`,
            value: seconds,
            message: `is not a ${what} Cloudflare offers on the ${plan} plan (${planSource})`,
            requirement: "ED-4",
            fix: `use one of ${allowed.join(", ")}${higher}`,
        });
    };
    check("periodSeconds", loginRateLimit.periodSeconds, "periodSeconds", "rate-limit counting period");
    check("blockSeconds", loginRateLimit.blockSeconds, "mitigationTimeoutSeconds", "rate-limit mitigation timeout (block time)");

    if (!hasManagedWafRulesets(plan) && (waf.managedRuleset || waf.owaspRuleset)) {
        problems.push({
            path: "edge.zonePlan",
            value: plan,
            message: "has neither the Cloudflare Managed Ruleset nor the OWASP Core Ruleset, which edge.waf turns on",
            requirement: "ED-4",
            fix: env.isProduction ? "production needs the WAF: set the zone's real plan, pro or above" : "set the zone's real plan (pro or above), or edge.waf: { managedRuleset: false, owaspRuleset: false }",
        });
    }
    return problems;
}
