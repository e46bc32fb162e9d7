/*
 * Pure builders for the Cloudflare edge: proxied DNS records, zone settings, and the rulesets of the
 * cache (ED-1), rate-limit (ED-4) and managed-WAF phases. Each returns the resource's inputs without
 * the zone ID, which the component adds.
 */

/** Cloudflare's "automatic" TTL; proxied records always use it. */
export const AUTOMATIC_TTL = 1;

/** Managed rulesets, by the IDs Cloudflare documents for every zone. */
export const CLOUDFLARE_MANAGED_RULESET_ID = "efb7b8c949ac4650a09736fc376e9aee";
export const CLOUDFLARE_OWASP_RULESET_ID = "4814384a9e5d4991b9815dcfc25d2f1f";

export const CACHE_PHASE = "http_request_cache_settings";
export const RATE_LIMIT_PHASE = "http_ratelimit";
export const MANAGED_WAF_PHASE = "http_request_firewall_managed";

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

/** A proxied record per host, pointing at the Gateway's load balancer (A for an IP, CNAME for a name). */
export function dnsRecordArgs(host: string, origin: string, app: string) {
    return {
        name: host,
        type: IPV4.test(origin) ? "A" : "CNAME",
        content: origin,
        proxied: true,
        ttl: AUTOMATIC_TTL,
        comment: `runbook: ${app}, through the Gateway`,
    };
}

export interface ZoneSettingsInput {
    hstsMaxAgeSeconds: number;
}

/**
 * The zone settings the runbook requires, as `settingId` → `value`: TLS to the origin verified
 * (`ssl: strict`) and from browsers at 1.2 or newer with 1.3 on (ED-2), every request on HTTPS and
 * HSTS with subdomains (ED-3), Brotli and HTTP/3 (ED-6), and WebSockets through the proxy (WL-7).
 * A setting's `value` is untyped JSON that the provider sends to the API as it is, converting no
 * keys, so nested keys are the API's snake_case: camelCase ones are ignored by Cloudflare and show
 * as a diff on every preview (pulumi/pulumi-cloudflare#1579).
 */
export function zoneSettings(s: ZoneSettingsInput): Array<{ settingId: string; value: unknown }> {
    return [
        { settingId: "ssl", value: "strict" },
        { settingId: "min_tls_version", value: "1.2" },
        { settingId: "tls_1_3", value: "on" },
        { settingId: "always_use_https", value: "on" },
        {
            settingId: "security_header",
            value: { strict_transport_security: { enabled: true, max_age: s.hstsMaxAgeSeconds, include_subdomains: true, nosniff: true, preload: false } },
        },
        { settingId: "brotli", value: "on" },
        { settingId: "http3", value: "on" },
        { settingId: "websockets", value: "on" },
    ];
}

/** A Rules-language string literal. */
export function quote(s: string): string {
    return JSON.stringify(s);
}

/** `http.host in {"a" "b"}`. */
function hostIn(hosts: readonly string[]): string {
    return `http.host in {${hosts.map(quote).join(" ")}}`;
}

export interface CacheRulesInput {
    /** Hosts served by `api` apps: never cached. */
    apiHosts: string[];
    /** Public hosts of the asset buckets: cached long at the edge. */
    assetHosts: string[];
    staticTtlSeconds: number;
    assetTtlSeconds: number;
}

/**
 * ED-1: API responses bypass the cache; Next.js build output (`/_next/static/`, content-hashed) and the
 * asset buckets' hosts are cached at the edge for long TTLs, with browsers told what the origin says.
 * Everything else, HTML included, keeps Cloudflare's default: cached only by file extension, and only
 * as the origin's Cache-Control allows. Later rules win, so the bypass comes last.
 */
export function cacheRules(c: CacheRulesInput) {
    const longTtl = (ttl: number) => ({
        cache: true,
        edgeTtl: { mode: "override_origin", default: ttl },
        browserTtl: { mode: "respect_origin" },
    });
    const rules = [
        {
            ref: "next_static",
            description: "ED-1: Next.js build output, content-hashed, cached at the edge",
            expression: `starts_with(http.request.uri.path, "/_next/static/")`,
            action: "set_cache_settings",
            actionParameters: longTtl(c.staticTtlSeconds),
            enabled: true,
        },
    ];
    if (c.assetHosts.length > 0) {
        rules.push({
            ref: "asset_hosts",
            description: "ED-1: asset bucket hosts cached at the edge",
            expression: `(${hostIn(c.assetHosts)})`,
            action: "set_cache_settings",
            actionParameters: longTtl(c.assetTtlSeconds),
            enabled: true,
        });
    }
    const bypass = [`starts_with(http.request.uri.path, "/api/")`, ...(c.apiHosts.length > 0 ? [`(${hostIn(c.apiHosts)})`] : [])];
    return [
        ...rules,
        {
            ref: "api_bypass",
            description: "ED-1: API responses are never cached",
            expression: bypass.join(" or "),
            action: "set_cache_settings",
            actionParameters: { cache: false },
            enabled: true,
        },
    ];
}

export interface LoginRateLimitInput {
    loginPath: string;
    requests: number;
    periodSeconds: number;
    blockSeconds: number;
}

/**
 * ED-4: brute-force lockout on the login path, counted per client IP (and per Cloudflare data
 * centre, which every rate-limit rule must include): past the limit, a block for `blockSeconds`.
 */
export function loginRateLimitRule(l: LoginRateLimitInput) {
    return {
        ref: "login_rate_limit",
        description: `ED-4: login, ${l.requests} requests per ${l.periodSeconds} s per IP, then blocked ${l.blockSeconds} s`,
        expression: `(http.request.uri.path eq ${quote(l.loginPath)})`,
        action: "block",
        ratelimit: {
            characteristics: ["ip.src", "cf.colo.id"],
            period: l.periodSeconds,
            requestsPerPeriod: l.requests,
            mitigationTimeout: l.blockSeconds,
        },
        enabled: true,
    };
}

/** The WAF: Cloudflare's managed rules and the OWASP core ruleset, each when enabled. */
export function managedWafRules(w: { managedRuleset: boolean; owaspRuleset: boolean }) {
    const execute = (ref: string, id: string, description: string) => ({ ref, description, expression: "true", action: "execute", actionParameters: { id }, enabled: true });
    return [
        ...(w.managedRuleset ? [execute("cloudflare_managed", CLOUDFLARE_MANAGED_RULESET_ID, "Cloudflare Managed Ruleset")] : []),
        ...(w.owaspRuleset ? [execute("owasp_core", CLOUDFLARE_OWASP_RULESET_ID, "Cloudflare OWASP Core Ruleset")] : []),
    ];
}
