/*
 * What a Cloudflare zone's plan allows the edge to declare (ED-4). Cloudflare refuses a ruleset whose
 * rate limit uses a period or mitigation timeout its plan does not offer, and a managed WAF ruleset
 * the plan does not include, only when `pulumi up` sends it; the config check refuses them first.
 */

/** Cloudflare's self-serve plans and Enterprise, cheapest first. */
export const ZONE_PLANS = ["free", "pro", "business", "enterprise"] as const;
export type ZonePlan = (typeof ZONE_PLANS)[number];

/**
 * The only values Cloudflare accepts for a rate limiting rule's counting `period` and its
 * `mitigation_timeout`, in seconds; each plan offers those up to its own maximum. Source: footnote 3
 * of the availability table, https://developers.cloudflare.com/waf/rate-limiting-rules/#availability
 * (Enterprise may ask Cloudflare for other mitigation timeouts through the API; the config keeps to
 * the documented values).
 */
export const RATE_LIMIT_SUPPORTED_SECONDS = [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400] as const;

/** Per plan: the longest counting period and the longest mitigation timeout, from the same table. */
const RATE_LIMIT_MAXIMA: Record<ZonePlan, { periodSeconds: number; mitigationTimeoutSeconds: number }> = {
    free: { periodSeconds: 10, mitigationTimeoutSeconds: 10 },
    pro: { periodSeconds: 60, mitigationTimeoutSeconds: 3600 },
    business: { periodSeconds: 600, mitigationTimeoutSeconds: 86400 },
    enterprise: { periodSeconds: 65535, mitigationTimeoutSeconds: 86400 },
};

export type RateLimitSetting = "periodSeconds" | "mitigationTimeoutSeconds";

/** The values of `setting` a zone on `plan` may use. */
export function allowedRateLimitSeconds(plan: ZonePlan, setting: RateLimitSetting): number[] {
    return RATE_LIMIT_SUPPORTED_SECONDS.filter((s) => s <= RATE_LIMIT_MAXIMA[plan][setting]);
}

/** The cheapest plan that offers `seconds` for `setting`, or undefined when no plan does. */
export function cheapestPlanOffering(seconds: number, setting: RateLimitSetting): ZonePlan | undefined {
    return ZONE_PLANS.find((plan) => allowedRateLimitSeconds(plan, setting).includes(seconds));
}

/**
 * The WAF managed rulesets the edge can run (edge.waf): the Cloudflare Managed Ruleset and the OWASP
 * Core Ruleset come with Pro and above; Free has only the Free Managed Ruleset. Source:
 * https://developers.cloudflare.com/waf/managed-rules/#availability
 */
export function hasManagedWafRulesets(plan: ZonePlan): boolean {
    return plan !== "free";
}
