import { alertsOf } from "./alert";
import type { AlertRulesInput, AlertSpec } from "./types";

export const CUSTOM_GROUP = "runbook-custom";

/**
 * The team's own alerts (`alerts.rules`, issue 20, 5), through the same constructor as the built-in
 * ones: severity, category and namespace labels, the runbook link, and a promtool proof made from
 * the example series the config gives.
 */
export function customAlerts(input: AlertRulesInput): AlertSpec[] {
    const alert = alertsOf(input, { name: CUSTOM_GROUP, category: "custom" });
    return (input.custom ?? []).map((rule) =>
        alert({
            name: rule.name,
            severity: rule.severity,
            requirement: "OB-2",
            expr: rule.expr,
            ...(rule.for !== undefined ? { for: rule.for } : {}),
            ...(rule.labels !== undefined ? { labels: rule.labels } : {}),
            summary: rule.summary,
            description: rule.description,
            proof: {
                interval: rule.test.interval ?? "1m",
                firing: rule.test.firing,
                evalTime: rule.test.evalTime,
                outputLabels: rule.test.labels ?? {},
                value: rule.test.value ?? 0,
                quiet: rule.test.quiet,
                quietEvalTime: rule.test.quietEvalTime ?? rule.test.evalTime,
            },
        }),
    );
}
