import * as cloudflare from "../providers/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import {
    CACHE_PHASE,
    MANAGED_WAF_PHASE,
    RATE_LIMIT_PHASE,
    cacheRules,
    dnsRecordArgs,
    loginRateLimitRule,
    managedWafRules,
    zoneSettings,
} from "./cloudflareSpec";

export interface CloudflareEdgeArgs {
    zoneId: string;
    /** Every host, the app behind it and that app's role (`api` hosts bypass the cache). */
    hosts: Array<{ host: string; app: string; role: string }>;
    /** The Gateway's load balancer: a DNS name (CNAME) or an IPv4 address (A). */
    origin: string;
    /** Declare the zone-wide settings and rulesets too. When false, only the DNS records. */
    ownsZone: boolean;
    /** HSTS max-age of the zone's security header (ED-3). */
    hstsMaxAgeSeconds: number;
    /** Public hosts of the asset buckets, cached long at the edge (ED-1). */
    assetHosts: string[];
    cache: { staticTtlSeconds: number; assetTtlSeconds: number };
    /** The login path and its limit (ED-4). */
    loginPath: string;
    loginRateLimit: { requests: number; periodSeconds: number; blockSeconds: number };
    /** WAF managed rulesets to run. */
    waf: { managedRuleset: boolean; owaspRuleset: boolean };
}

/**
 * The Cloudflare edge of the environment: a proxied DNS record per host, and, for the stack that owns
 * the zone, its TLS, HSTS, compression and WebSocket settings (ED-2, ED-3, ED-6, WL-7), cache rules
 * (ED-1), the login rate limit (ED-4) and the managed WAF rulesets.
 */
export class CloudflareEdge extends pulumi.ComponentResource {
    /** Hostnames with a proxied record. */
    public readonly hostnames: pulumi.Output<string[]>;

    constructor(name: string, args: CloudflareEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:edge:CloudflareEdge", name, {}, opts);
        for (const h of args.hosts) {
            new cloudflare.DnsRecord(
                `${name}-dns-${h.host}`,
                { zoneId: args.zoneId, ...dnsRecordArgs(h.host, args.origin, h.app) },
                // A record that changes type cannot coexist with its predecessor under the same name.
                { parent: this, deleteBeforeReplace: true },
            );
        }

        if (args.ownsZone) {
            for (const setting of zoneSettings({ hstsMaxAgeSeconds: args.hstsMaxAgeSeconds })) {
                new cloudflare.ZoneSetting(`${name}-${setting.settingId}`, { zoneId: args.zoneId, ...setting }, { parent: this });
            }
            const ruleset = (role: string, phase: string, rulesetName: string, rules: cloudflare.types.input.RulesetRule[]) =>
                new cloudflare.Ruleset(`${name}-${role}`, { zoneId: args.zoneId, kind: "zone", phase, name: rulesetName, description: `runbook: ${rulesetName}`, rules }, { parent: this });
            ruleset(
                "cache-rules",
                CACHE_PHASE,
                "cache rules",
                cacheRules({
                    apiHosts: args.hosts.filter((h) => h.role === "api").map((h) => h.host),
                    assetHosts: args.assetHosts,
                    staticTtlSeconds: args.cache.staticTtlSeconds,
                    assetTtlSeconds: args.cache.assetTtlSeconds,
                }),
            );
            ruleset("rate-limit", RATE_LIMIT_PHASE, "login rate limit", [loginRateLimitRule({ loginPath: args.loginPath, ...args.loginRateLimit })]);
            const waf = managedWafRules(args.waf);
            if (waf.length > 0) ruleset("waf", MANAGED_WAF_PHASE, "managed WAF", waf);
        }

        this.hostnames = pulumi.output(args.hosts.map((h) => h.host));
        this.registerOutputs({ hostnames: this.hostnames });
    }
}
