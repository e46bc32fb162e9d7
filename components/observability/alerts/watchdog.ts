import { alertsOf } from "./alert";
import type { AlertRulesInput, AlertSpec } from "./types";

export const WATCHDOG_GROUP = "runbook-watchdog";

/** The dead man's switch (OB-4): an alert that always fires. */
export function watchdogAlerts(input: AlertRulesInput): AlertSpec[] {
    const alert = alertsOf(input, { name: WATCHDOG_GROUP, category: "watchdog" });
    return [
        alert({
            name: "Watchdog",
            severity: "sev4",
            requirement: "OB-4",
            expr: "vector(1)",
            summary: "The alerting pipeline is alive",
            description: "This alert always fires; the dead man's switch raises an alarm when it stops arriving, because then Prometheus or Alertmanager is down",
            proof: {
                interval: "1m",
                firing: [],
                evalTime: "1m",
                outputLabels: {},
                value: 1,
                quiet: { none: "the watchdog fires by design; its absence is what the dead man's switch detects" },
            },
        }),
    ];
}
