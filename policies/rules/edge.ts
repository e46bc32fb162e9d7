import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, forTypes, isProductionStack, outsideProductionSchema, reportAt, requirement } from "./meta";
import { MALFORMED, UNKNOWN, at, flagAt, knownNumber, knownString, listAt } from "./props";
import { CLOUDFLARE_DNS_RECORD, CLOUDFLARE_RULESET, CLOUDFLARE_ZONE_SETTING, K8S_GATEWAY, K8S_HTTP_ROUTE } from "./vocabulary";

/*
 * Edge rules: the Cloudflare zone (TLS, HSTS, the login rate limit) and the Gateway API objects
 * (port 80 only redirects, security headers on every served route). Zone-wide rules apply to the
 * zones a stack configures (it declares their settings or rulesets); a stack that shares a zone owned
 * by another declares only DNS records there, and the owner's stack is checked instead.
 */

/** The runbook's HSTS floor (ED-3): six months. */
const SIX_MONTHS_SECONDS = 15768000;

/** Zones this stack configures, with their settings by ID (the last one wins, as Cloudflare applies them). */
interface Zone {
    settings: Map<string, PolicyResource>;
    /** Zone settings whose settingId is only known after `pulumi up`: any of them may be the one a check needs. */
    unknownSettings: PolicyResource[];
    rulesets: PolicyResource[];
    /** Rulesets whose kind or phase is only known after `pulumi up`. */
    unknownRulesets: PolicyResource[];
    first: PolicyResource;
}

function configuredZones(resources: PolicyResource[]): Map<string, Zone> {
    const zones = new Map<string, Zone>();
    const zoneOf = (r: PolicyResource) => {
        const id = knownString(at(r.props, "zoneId")) ?? "(unknown zone)";
        if (!zones.has(id)) zones.set(id, { settings: new Map(), unknownSettings: [], rulesets: [], unknownRulesets: [], first: r });
        return zones.get(id)!;
    };
    for (const r of resources) {
        if (r.type === CLOUDFLARE_ZONE_SETTING) {
            const id = at(r.props, "settingId");
            if (typeof id === "string") zoneOf(r).settings.set(id, r);
            else if (id === UNKNOWN) zoneOf(r).unknownSettings.push(r);
        } else if (r.type === CLOUDFLARE_RULESET) {
            const kind = at(r.props, "kind");
            if (kind === "zone" && at(r.props, "phase") !== UNKNOWN) zoneOf(r).rulesets.push(r);
            else if (kind === UNKNOWN || (kind === "zone" && at(r.props, "phase") === UNKNOWN)) zoneOf(r).unknownRulesets.push(r);
        }
    }
    return zones;
}

/** A zone setting's value; UNKNOWN when the setting is unknown or may be one of the zone's unknown settings. */
function settingValue(zone: Zone, id: string): unknown {
    const setting = zone.settings.get(id);
    if (setting) return at(setting.props, "value");
    return zone.unknownSettings.length > 0 ? UNKNOWN : undefined;
}

/**
 * The only counting periods and mitigation timeouts Cloudflare's rate limiting rules accept, in
 * seconds (each plan offers those up to its own maximum): footnote 3 of
 * https://developers.cloudflare.com/waf/rate-limiting-rules/#availability
 */
const RATE_LIMIT_SUPPORTED_SECONDS = [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400];

export const cloudflareZoneTls: StackValidationPolicy = {
    name: "cloudflare-zone-tls",
    severity: "high",
    remediationSteps: "Set the zone settings ssl: strict, min_tls_version: 1.2 (or 1.3) and always_use_https: on (the CloudflareEdge component does, for the stack with edge.ownsZone).",
    description: "ED-2: every zone the stack configures verifies the origin's certificate (SSL strict), refuses TLS below 1.2 and redirects HTTP to HTTPS.",
    enforcementLevel: "mandatory",
    ...requirement("ED-2", "TLS everywhere; certificates renew automatically and their expiry is monitored"),
    validateStack: (args, reportViolation) => {
        for (const [zoneId, zone] of configuredZones(args.resources)) {
            const value = (id: string) => settingValue(zone, id);
            const where = (id: string) => zone.settings.get(id)?.urn ?? zone.first.urn;
            for (const id of ["ssl", "min_tls_version", "always_use_https"]) {
                if (value(id) === UNKNOWN) cannotCheckYet(reportViolation, "cloudflare-zone-tls", where(id), `zone ${zoneId}'s '${id}' setting`);
            }
            const ssl = value("ssl");
            if (ssl !== UNKNOWN && ssl !== "strict") {
                reportViolation(`Zone ${zoneId}: SSL mode is ${ssl === undefined ? "not set" : JSON.stringify(ssl)}; set the 'ssl' zone setting to "strict" so Cloudflare verifies the origin's certificate.`, where("ssl"));
            }
            const minTls = value("min_tls_version");
            if (minTls !== UNKNOWN && !((knownNumber(minTls) ?? 0) >= 1.2)) {
                reportViolation(`Zone ${zoneId}: minimum TLS version is ${minTls === undefined ? "not set" : JSON.stringify(minTls)}; set 'min_tls_version' to "1.2" or "1.3".`, where("min_tls_version"));
            }
            const https = value("always_use_https");
            if (https !== UNKNOWN && https !== "on") {
                reportViolation(`Zone ${zoneId}: Always Use HTTPS is ${https === undefined ? "not set" : JSON.stringify(https)}; set 'always_use_https' to "on".`, where("always_use_https"));
            }
        }
    },
};

export const cloudflareHsts: StackValidationPolicy = {
    name: "cloudflare-hsts",
    severity: "high",
    remediationSteps: "Set the security_header zone setting's value to { strict_transport_security: { enabled: true, include_subdomains: true, max_age: at least six months } } (edge.hstsMaxAgeSeconds), in the API's snake_case: the value is passed to Cloudflare as is.",
    description: "ED-3: every zone the stack configures sends HSTS with includeSubdomains and a max-age of at least six months.",
    enforcementLevel: "mandatory",
    ...requirement("ED-3", "Security headers: HSTS, X-Frame-Options DENY, Referrer-Policy, CSP"),
    configSchema: {
        properties: {
            minimumMaxAgeSeconds: { type: "integer", minimum: SIX_MONTHS_SECONDS, default: SIX_MONTHS_SECONDS, description: "Shortest HSTS max-age allowed, in seconds." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { minimumMaxAgeSeconds } = args.getConfig<{ minimumMaxAgeSeconds: number }>();
        for (const [zoneId, zone] of configuredZones(args.resources)) {
            const header = zone.settings.get("security_header");
            if (!header && zone.unknownSettings.length > 0) {
                cannotCheckYet(reportViolation, "cloudflare-hsts", zone.unknownSettings[0].urn, `zone ${zoneId}'s HSTS: its settings include ${zone.unknownSettings.length} whose settingId is only known after 'pulumi up'`);
                continue;
            }
            if (!header) {
                reportViolation(`Zone ${zoneId} has no 'security_header' zone setting; add one with strict_transport_security enabled, include_subdomains and max_age ≥ ${minimumMaxAgeSeconds}.`, zone.first.urn);
                continue;
            }
            const value = at(header.props, "value");
            if (value === UNKNOWN) {
                cannotCheckYet(reportViolation, "cloudflare-hsts", header.urn, `zone ${zoneId}'s 'security_header' value (HSTS)`);
                continue;
            }
            // The value is untyped JSON the provider passes through: camelCase keys reach the API
            // unrecognised, so the header is never applied and every preview shows a diff
            // (pulumi/pulumi-cloudflare#1579).
            if (at(value, "strictTransportSecurity") !== undefined) {
                reportViolation(`Zone ${zoneId}: the 'security_header' value uses the camelCase key 'strictTransportSecurity', which Cloudflare does not read; write it as the API does: strict_transport_security with enabled, max_age, include_subdomains, preload and nosniff.`, header.urn);
                continue;
            }
            const hsts = at(value, "strict_transport_security");
            if (hsts === UNKNOWN) {
                cannotCheckYet(reportViolation, "cloudflare-hsts", header.urn, `zone ${zoneId}'s strict_transport_security`);
                continue;
            }
            // The value is passed to Cloudflare as JSON: "true" and "31536000" are read as the API reads them.
            const enabled = flagAt(hsts, "enabled");
            const subdomains = flagAt(hsts, "include_subdomains");
            const maxAge = at(hsts, "max_age");
            const unknown = [["enabled", enabled], ["include_subdomains", subdomains], ["max_age", maxAge]].filter(([, v]) => v === UNKNOWN).map(([k]) => k);
            if (unknown.length > 0) cannotCheckYet(reportViolation, "cloudflare-hsts", header.urn, `zone ${zoneId}'s HSTS ${unknown.join(", ")}`);
            const problems: string[] = [];
            if (enabled !== true && enabled !== UNKNOWN) problems.push(enabled === MALFORMED ? `enabled is ${JSON.stringify(at(hsts, "enabled"))}, not a boolean` : "HSTS is not enabled");
            if (subdomains !== true && subdomains !== UNKNOWN) problems.push(subdomains === MALFORMED ? `include_subdomains is ${JSON.stringify(at(hsts, "include_subdomains"))}, not a boolean` : "include_subdomains is off");
            if (maxAge !== UNKNOWN && !((knownNumber(maxAge) ?? 0) >= minimumMaxAgeSeconds)) problems.push(`max-age is ${JSON.stringify(maxAge ?? "not set")}, below ${minimumMaxAgeSeconds}`);
            if (problems.length > 0) reportViolation(`Zone ${zoneId}: ${problems.join("; ")}. Fix the 'security_header' zone setting.`, header.urn);
        }
    },
};

interface RateLimitConfig {
    loginPathPattern: string;
    maximumRequestsPerMinute: number;
    minimumBlockSeconds: number;
}

/** Why a rate-limit rule is not a login lockout, or undefined when it is one. */
function loginRuleProblem(rule: unknown, c: RateLimitConfig): string | undefined {
    const enabled = flagAt(rule, "enabled");
    if (enabled === false) return "disabled";
    if (enabled === MALFORMED) return `has enabled ${JSON.stringify(at(rule, "enabled"))}, which is no boolean`;
    const expression = at(rule, "expression");
    if (expression === UNKNOWN) return undefined;
    if (typeof expression !== "string" || !expression.includes("http.request.uri.path") || !expression.includes(c.loginPathPattern)) return `does not match a path containing '${c.loginPathPattern}'`;
    if (at(rule, "action") !== "block") return `acts with ${JSON.stringify(at(rule, "action"))}, not block`;
    // The provider reads numbers written as strings as numbers (issue 19 (7)).
    const asNumber = (v: unknown) => (v === UNKNOWN || v === undefined ? v : knownNumber(v) ?? v);
    const period = asNumber(at(rule, "ratelimit", "period"));
    const requests = asNumber(at(rule, "ratelimit", "requestsPerPeriod"));
    const block = asNumber(at(rule, "ratelimit", "mitigationTimeout"));
    const characteristics = listAt(rule, "ratelimit", "characteristics");
    if (!characteristics.includes("ip.src") && !characteristics.includes(UNKNOWN)) return "does not count per client IP (ip.src)";
    if (typeof period === "number" && typeof requests === "number" && (requests * 60) / period > c.maximumRequestsPerMinute) {
        return `allows ${requests} per ${period} s, above ${c.maximumRequestsPerMinute} a minute`;
    }
    if (period === undefined || requests === undefined) return "sets no period or request count";
    // Cloudflare refuses the whole ruleset for a period or timeout outside its list.
    if (typeof period === "number" && !RATE_LIMIT_SUPPORTED_SECONDS.includes(period)) return `counts over ${period} s, which Cloudflare does not accept (${RATE_LIMIT_SUPPORTED_SECONDS.join(", ")})`;
    if (typeof block === "number" && !RATE_LIMIT_SUPPORTED_SECONDS.includes(block)) return `blocks for ${block} s, which Cloudflare does not accept (${RATE_LIMIT_SUPPORTED_SECONDS.join(", ")})`;
    if (block !== UNKNOWN && !(typeof block === "number" && block >= c.minimumBlockSeconds)) return `blocks for ${block ?? 0} s, under ${c.minimumBlockSeconds} s`;
    return undefined;
}

export const cloudflareLoginRateLimit: StackValidationPolicy = {
    name: "cloudflare-login-rate-limit",
    severity: "high",
    remediationSteps: "Add an http_ratelimit zone ruleset rule on the login path (edge.loginPath, edge.loginRateLimit): per ip.src, action block, a mitigation timeout of at least 15 minutes, period and timeout from the values Cloudflare accepts on the zone's plan (edge.zonePlan).",
    description: "ED-4: every zone the stack configures rate-limits the login path per client IP and blocks an offender for at least 15 minutes.",
    enforcementLevel: "mandatory",
    ...requirement("ED-4", "Rate limiting, above all on login; brute-force lockout after 5 failures for 15 minutes"),
    configSchema: {
        properties: {
            loginPathPattern: { type: "string", default: "login", description: "Text the rule's path expression must contain." },
            maximumRequestsPerMinute: { type: "number", minimum: 1, default: 5, description: "Most login requests a client may send per minute." },
            minimumBlockSeconds: { type: "integer", minimum: 10, default: 900, description: "Shortest block once the limit is hit." },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<RateLimitConfig>();
        for (const [zoneId, zone] of configuredZones(args.resources)) {
            const rulesets = zone.rulesets.filter((r) => at(r.props, "phase") === "http_ratelimit");
            const rules = rulesets.flatMap((r) => listAt(r.props, "rules"));
            if (rules.some((rule) => loginRuleProblem(rule, config) === undefined)) continue;
            if (rules.includes(UNKNOWN) || zone.unknownRulesets.length > 0 || rulesets.some((r) => at(r.props, "rules") === UNKNOWN)) {
                cannotCheckYet(reportViolation, "cloudflare-login-rate-limit", rulesets[0]?.urn ?? zone.first.urn, `zone ${zoneId}'s login rate limit: a ruleset or rule is only known after 'pulumi up'`);
                continue;
            }
            const why = rules.map((rule) => `'${knownString(at(rule, "description")) ?? knownString(at(rule, "ref")) ?? "rule"}' ${loginRuleProblem(rule, config)}`);
            reportViolation(
                `Zone ${zoneId} has no login rate limit${why.length > 0 ? ` (${why.join("; ")})` : ""}. Add an http_ratelimit ruleset rule on the login path: at most ${config.maximumRequestsPerMinute} requests a minute per ip.src, action block, mitigationTimeout ≥ ${config.minimumBlockSeconds}.`,
                rulesets[0]?.urn ?? zone.first.urn,
            );
        }
    },
};

function namespaceOf(r: PolicyResource): string | undefined {
    return knownString(at(r.props, "metadata", "namespace"));
}

function isHttpsOrUnknown(scheme: unknown): boolean {
    return scheme === UNKNOWN || scheme === "https";
}

export const gatewayHttpRedirectOnly: StackValidationPolicy = {
    name: "gateway-http-redirect-only",
    severity: "high",
    remediationSteps: "Keep Gateway listeners on 80 and 443; attach app routes to HTTPS listeners by sectionName and leave port 80 to a route whose only rule redirects to https.",
    description: "ED-5: a Gateway listens only on 80 and 443, plain HTTP only on 80, and every route on its HTTP listener only redirects to HTTPS.",
    enforcementLevel: "mandatory",
    ...requirement("ED-5", "Only 80/443 exposed through the reverse proxy"),
    validateStack: (args, reportViolation) => {
        const gateways = args.resources.filter((r) => r.type === K8S_GATEWAY);
        /** name → HTTP listeners (section names) of Gateways that have any. */
        const httpListeners = new Map<string, { namespace?: string; sections: Set<string> }>();
        for (const gw of gateways) {
            const sections = new Set<string>();
            for (const l of listAt(gw.props, "spec", "listeners")) {
                if (l === UNKNOWN) {
                    cannotCheckYet(reportViolation, "gateway-http-redirect-only", gw.urn, `the listeners of Gateway '${gw.name}'`);
                    continue;
                }
                const rawPort = at(l, "port");
                const port = rawPort === UNKNOWN ? UNKNOWN : knownNumber(rawPort) ?? rawPort;
                const protocol = at(l, "protocol");
                const listener = knownString(at(l, "name")) ?? "?";
                const later = [["port", port], ["protocol", protocol]].filter(([, v]) => v === UNKNOWN).map(([k]) => k);
                if (later.length > 0) cannotCheckYet(reportViolation, "gateway-http-redirect-only", gw.urn, `the ${later.join(" and ")} of Gateway listener '${listener}'`);
                if (port !== UNKNOWN && port !== 80 && port !== 443) reportViolation(`Gateway listener '${listener}' listens on port ${port}; only 80 and 443 may be exposed.`, gw.urn);
                if (protocol === "HTTP") {
                    sections.add(listener);
                    if (port !== 80 && port !== UNKNOWN) reportViolation(`Gateway listener '${listener}' serves plain HTTP on port ${port}; plain HTTP is allowed on 80 only, to redirect.`, gw.urn);
                } else if ((protocol === "HTTPS" || protocol === "TLS") && port === 80) {
                    reportViolation(`Gateway listener '${listener}' serves ${protocol} on port 80; use 443.`, gw.urn);
                }
            }
            const name = knownString(at(gw.props, "metadata", "name"));
            if (name !== undefined && sections.size > 0) httpListeners.set(name, { namespace: namespaceOf(gw), sections });
        }
        for (const route of args.resources.filter((r) => r.type === K8S_HTTP_ROUTE)) {
            const onHttp = listAt(route.props, "spec", "parentRefs").some((ref) => {
                const gw = httpListeners.get(knownString(at(ref, "name")) ?? "");
                if (!gw) return false;
                const refNamespace = knownString(at(ref, "namespace")) ?? namespaceOf(route);
                if (gw.namespace !== undefined && refNamespace !== undefined && gw.namespace !== refNamespace) return false;
                const section = at(ref, "sectionName");
                const port = at(ref, "port");
                // No section and no port: the route attaches to every listener, the HTTP one included.
                if (section === undefined) return port === undefined || port === 80;
                return typeof section === "string" && gw.sections.has(section);
            });
            if (!onHttp) continue;
            const rules = listAt(route.props, "spec", "rules");
            if (rules.includes(UNKNOWN)) cannotCheckYet(reportViolation, "gateway-http-redirect-only", route.urn, `the rules of HTTPRoute '${route.name}' on a plain-HTTP listener`);
            const redirectsOnly = rules.every((rule) => {
                if (rule === UNKNOWN) return true;
                if (listAt(rule, "backendRefs").length > 0) return false;
                const filters = listAt(rule, "filters");
                return filters.length > 0 && filters.every((f) => f === UNKNOWN || (at(f, "type") === "RequestRedirect" && isHttpsOrUnknown(at(f, "requestRedirect", "scheme"))));
            });
            if (!redirectsOnly || rules.length === 0) {
                reportViolation(
                    `HTTPRoute '${knownString(at(route.props, "metadata", "name")) ?? route.name}' is attached to a plain-HTTP listener but does more than redirect to HTTPS. Attach it to an HTTPS listener (parentRefs[].sectionName), or make every rule a RequestRedirect to https without backends.`,
                    route.urn,
                );
            }
        }
    },
};

/** Stands for a header (or filter) whose name is only known after `pulumi up`: it may be any of them. */
const SOME_UNKNOWN_HEADER = "(a header only known after 'pulumi up')";

/** Header value set by a rule's ResponseHeaderModifier filters, by lowercase name. */
function responseHeaders(rule: unknown): Map<string, unknown> {
    const headers = new Map<string, unknown>();
    for (const f of listAt(rule, "filters")) {
        const type = at(f, "type");
        if (f === UNKNOWN || type === UNKNOWN) headers.set(SOME_UNKNOWN_HEADER, UNKNOWN);
        if (type !== "ResponseHeaderModifier") continue;
        for (const h of [...listAt(f, "responseHeaderModifier", "set"), ...listAt(f, "responseHeaderModifier", "add")]) {
            const name = at(h, "name");
            if (typeof name === "string") headers.set(name.toLowerCase(), at(h, "value"));
            else if (h === UNKNOWN || name === UNKNOWN) headers.set(SOME_UNKNOWN_HEADER, UNKNOWN);
        }
    }
    return headers;
}

export const gatewaySecurityHeaders: ResourceValidationPolicy = {
    name: "gateway-security-headers",
    severity: "medium",
    remediationSteps: "Add a ResponseHeaderModifier filter to every rule with backendRefs that sets Strict-Transport-Security, X-Frame-Options: DENY, X-Content-Type-Options: nosniff and Referrer-Policy.",
    description: "ED-3: every HTTPRoute rule that serves an app sets HSTS (with includeSubDomains), X-Frame-Options DENY, X-Content-Type-Options nosniff and a Referrer-Policy.",
    enforcementLevel: "mandatory",
    ...requirement("ED-3", "Security headers: HSTS, X-Frame-Options DENY, Referrer-Policy, CSP"),
    configSchema: {
        properties: {
            minimumHstsMaxAgeSeconds: { type: "integer", minimum: SIX_MONTHS_SECONDS, default: SIX_MONTHS_SECONDS, description: "Shortest HSTS max-age allowed, in seconds." },
        },
    },
    validateResource: forTypes([K8S_HTTP_ROUTE], (args, reportViolation) => {
        if (args.type !== K8S_HTTP_ROUTE) return;
        const { minimumHstsMaxAgeSeconds } = args.getConfig<{ minimumHstsMaxAgeSeconds: number }>();
        listAt(args.props, "spec", "rules").forEach((rule, i) => {
            if (rule === UNKNOWN) return cannotCheckYet(reportViolation, "gateway-security-headers", args.urn, `rule ${i} of HTTPRoute '${args.name}'`);
            if (listAt(rule, "backendRefs").length === 0) return;
            const headers = responseHeaders(rule);
            const later = [...headers.entries()].filter(([, v]) => v === UNKNOWN).map(([k]) => k);
            if (later.length > 0) cannotCheckYet(reportViolation, "gateway-security-headers", args.urn, `rule ${i} of HTTPRoute '${args.name}': the value of ${later.join(", ")}`);
            // An absent header may be the one whose name is unknown: judged once known.
            const someUnknown = headers.has(SOME_UNKNOWN_HEADER);
            const missing: string[] = [];
            const hsts = headers.get("strict-transport-security") ?? (someUnknown ? UNKNOWN : undefined);
            const maxAge = typeof hsts === "string" ? Number(/max-age=(\d+)/i.exec(hsts)?.[1] ?? 0) : undefined;
            if (hsts !== UNKNOWN && !(typeof hsts === "string" && /includesubdomains/i.test(hsts) && (maxAge ?? 0) >= minimumHstsMaxAgeSeconds)) {
                missing.push(`Strict-Transport-Security with includeSubDomains and max-age ≥ ${minimumHstsMaxAgeSeconds}`);
            }
            const frame = headers.get("x-frame-options") ?? (someUnknown ? UNKNOWN : undefined);
            if (frame !== UNKNOWN && !(typeof frame === "string" && frame.toUpperCase() === "DENY")) missing.push("X-Frame-Options: DENY");
            const sniff = headers.get("x-content-type-options") ?? (someUnknown ? UNKNOWN : undefined);
            if (sniff !== UNKNOWN && !(typeof sniff === "string" && sniff.toLowerCase() === "nosniff")) missing.push("X-Content-Type-Options: nosniff");
            if (!headers.has("referrer-policy") && !someUnknown) missing.push("Referrer-Policy");
            if (missing.length > 0) {
                reportViolation(`HTTPRoute rule ${i} serves an app without ${missing.join(", ")}. Add a ResponseHeaderModifier filter that sets them.`);
            }
        });
    }),
};

/** Cloudflare's managed WAF rulesets: the Cloudflare Managed Ruleset and the OWASP Core Ruleset (https://developers.cloudflare.com/waf/managed-rules/). */
export const MANAGED_WAF_RULESETS: Record<string, string> = { efb7b8c949ac4650a09736fc376e9aee: "Cloudflare Managed Ruleset", "4814384a9e5d4991b9815dcfc25d2f1f": "Cloudflare OWASP Core Ruleset" };

/** Why an execute rule does not run a managed ruleset on every request, or undefined when it does. */
function wafRuleProblem(rule: unknown): string | undefined | typeof UNKNOWN {
    const enabled = flagAt(rule, "enabled");
    const action = at(rule, "action");
    const expression = at(rule, "expression");
    const overrideEnabled = flagAt(rule, "actionParameters", "overrides", "enabled");
    const overrideAction = at(rule, "actionParameters", "overrides", "action");
    if ([enabled, action, expression, overrideEnabled, overrideAction].includes(UNKNOWN)) return UNKNOWN;
    if (enabled === false || enabled === MALFORMED) return enabled === false ? "is disabled" : `has enabled ${JSON.stringify(at(rule, "enabled"))}, which is no boolean`;
    if (action !== "execute") return `acts with ${JSON.stringify(action ?? null)}, not execute`;
    if (typeof expression !== "string" || expression.trim() !== "true") return `runs only where ${JSON.stringify(expression ?? null)} holds, not on every request ("true")`;
    if (overrideEnabled === false || overrideEnabled === MALFORMED) return "turns all of its rules off (overrides.enabled: false)";
    if (typeof overrideAction === "string" && overrideAction !== "block" && overrideAction !== "managed_challenge" && overrideAction !== "challenge" && overrideAction !== "js_challenge") return `only ${overrideAction}s what it matches (overrides.action: ${overrideAction})`;
    return undefined;
}

/** Hostnames the stack serves through its Gateways: listener hostnames and HTTPRoute hostnames. */
function appHostnames(resources: PolicyResource[]): Set<string> {
    const hosts = new Set<string>();
    for (const r of resources) {
        if (r.type === K8S_GATEWAY) for (const l of listAt(r.props, "spec", "listeners")) { const h = knownString(at(l, "hostname")); if (h) hosts.add(h.toLowerCase()); }
        if (r.type === K8S_HTTP_ROUTE) for (const h of listAt(r.props, "spec", "hostnames")) if (typeof h === "string") hosts.add(h.toLowerCase());
    }
    return hosts;
}

export const cloudflareWafAndProxy: StackValidationPolicy = {
    name: "cloudflare-waf-and-proxy",
    severity: "high",
    remediationSteps:
        "Keep the zone's http_request_firewall_managed ruleset executing the Cloudflare Managed Ruleset and the OWASP Core Ruleset on every request (expression true, enabled, no override that turns them off or to log), and every DNS record of an app host proxied (the CloudflareEdge component does both; edge.zonePlan must offer the WAF).",
    description:
        "ED-4: in production, every zone the stack configures runs Cloudflare's managed WAF rulesets (Managed and OWASP Core) on every request, and every A, AAAA or CNAME record the stack declares (the Gateway's hosts always; others unless listed as unproxied) is proxied through Cloudflare, so the edge's WAF, rate limits, headers and cache (ED-1) apply to it.",
    enforcementLevel: "mandatory",
    ...requirement(["ED-4", "ED-1"], "Rate limiting, above all on login; brute-force lockout after 5 failures for 15 minutes"),
    configSchema: {
        properties: {
            managedRulesets: { type: "object", additionalProperties: { type: "string" }, default: MANAGED_WAF_RULESETS, description: "Managed ruleset IDs (and names) every configured zone must execute." },
            unproxiedNames: { type: "array", items: { type: "string" }, default: [], description: "DNS names (not served by the Gateway) whose A, AAAA or CNAME records may bypass Cloudflare, such as a mail or VPN host. Defaults to none." },
            outsideProduction: outsideProductionSchema("advisory"),
        },
    },
    validateStack: (args, reportViolation) => {
        const { managedRulesets = MANAGED_WAF_RULESETS, outsideProduction = "advisory", unproxiedNames = [] } = args.getConfig<{ managedRulesets?: Record<string, string>; outsideProduction?: "mandatory" | "advisory" | "disabled"; unproxiedNames?: string[] }>();
        const unproxied = new Set(unproxiedNames.map((n) => n.toLowerCase()));
        const production = isProductionStack(args.resources);
        if (!production && outsideProduction === "disabled") return;
        const report = reportAt(reportViolation, production ? undefined : outsideProduction, "cloudflare-waf-and-proxy");
        const policy = "cloudflare-waf-and-proxy";
        for (const [zoneId, zone] of configuredZones(args.resources)) {
            const waf = zone.rulesets.filter((r) => at(r.props, "phase") === "http_request_firewall_managed");
            const rules = waf.flatMap((r) => listAt(r.props, "rules"));
            const unknown = zone.unknownRulesets.length > 0 || rules.includes(UNKNOWN);
            for (const [id, name] of Object.entries(managedRulesets)) {
                const running = rules.filter((rule) => rule !== UNKNOWN && at(rule, "actionParameters", "id") === id);
                const problems = running.map(wafRuleProblem);
                if (problems.some((p) => p === undefined)) continue;
                if (unknown || problems.includes(UNKNOWN) || rules.some((rule) => at(rule, "actionParameters", "id") === UNKNOWN)) {
                    cannotCheckYet(reportViolation, policy, waf[0]?.urn ?? zone.first.urn, `whether zone ${zoneId} runs the ${name}: a WAF ruleset or rule is only known after 'pulumi up'`);
                    continue;
                }
                report(
                    `Zone ${zoneId} does not run the ${name} (${id})${running.length > 0 ? `: its rule ${problems.join("; ")}` : waf.length === 0 ? ": it has no http_request_firewall_managed ruleset" : ""}. Execute it on every request (expression "true").`,
                    waf[0]?.urn ?? zone.first.urn,
                );
            }
        }
        const hosts = appHostnames(args.resources);
        for (const r of args.resources.filter((x) => x.type === CLOUDFLARE_DNS_RECORD)) {
            const name = at(r.props, "name");
            const type = at(r.props, "type");
            if (name === UNKNOWN || type === UNKNOWN) {
                cannotCheckYet(reportViolation, policy, r.urn, `the name and type of DNS record '${r.name}' (whether it is an app host)`);
                continue;
            }
            // Every web record the stack declares in production goes through Cloudflare: the Gateway's
            // hosts, and any other A, AAAA or CNAME record unless listed in unproxiedNames.
            if (typeof name !== "string" || !["A", "AAAA", "CNAME"].includes(String(type).toUpperCase())) continue;
            if (!hosts.has(name.toLowerCase()) && unproxied.has(name.toLowerCase())) continue;
            const proxied = flagAt(r.props, "proxied");
            if (proxied === UNKNOWN) cannotCheckYet(reportViolation, policy, r.urn, `whether DNS record ${name} is proxied`);
            else if (proxied !== true) {
                report(`DNS record ${name} (${String(type)}) of an app host is ${proxied === MALFORMED ? `proxied: ${JSON.stringify(at(r.props, "proxied"))}, which is no boolean` : "not proxied"}: visitors reach the Gateway directly, past Cloudflare's WAF, rate limits, headers and cache. Set proxied: true.`, r.urn);
            }
        }
    },
};
