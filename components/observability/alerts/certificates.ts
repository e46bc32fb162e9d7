import { CERT_MANAGER_METRICS } from "../appMetrics";
import { gauge, matchers, series } from "../promql";
import { alertsOf } from "./alert";
import type { AlertRulesInput, AlertSpec } from "./types";

export const CERTIFICATES_GROUP = "runbook-certificates";

/** Certificates (ED-2): cert-manager's metrics, wherever the certificates live. */
export function certificateAlerts(input: AlertRulesInput): AlertSpec[] {
    const t = input.thresholds;
    const alert = alertsOf(input, { name: CERTIFICATES_GROUP, category: "certificates" });
    const cert = { name: "api-example-com", exported_namespace: "gateway", job: "cert-manager" };
    const days = t.certificateExpiryDays;
    return [
        alert({
            name: "CertificateExpiringSoon",
            severity: "sev3",
            requirement: "ED-2",
            expr: `(max by (name) (${CERT_MANAGER_METRICS.expiration}) - time()) / 86400 < ${days}`,
            summary: "Certificate {{ $labels.name }} expires within " + `${days} days`,
            description: `Certificate {{ $labels.name }} expires in {{ printf "%.1f" $value }} days and cert-manager has not renewed it (renewal normally happens 30 days ahead)`,
            proof: {
                interval: "1m",
                firing: [{ series: series(CERT_MANAGER_METRICS.expiration, cert), values: gauge([[(days - 1) * 86400 + 3600, 70]]) }],
                evalTime: "60m",
                outputLabels: { name: cert.name },
                value: days - 1,
                quiet: [{ series: series(CERT_MANAGER_METRICS.expiration, cert), values: gauge([[days * 86400 + 3600, 70]]) }],
            },
        }),
        alert({
            name: "CertificateNotReady",
            severity: "sev2",
            requirement: "ED-2",
            expr: `max by (name) (${CERT_MANAGER_METRICS.ready}${matchers({ condition: /False|Unknown/ })}) == 1`,
            for: "15m",
            summary: "Certificate {{ $labels.name }} is not ready",
            description: "cert-manager has reported certificate {{ $labels.name }} as not ready for 15 minutes: issuance or renewal is failing",
            proof: {
                interval: "1m",
                firing: [{ series: series(CERT_MANAGER_METRICS.ready, { ...cert, condition: "False" }), values: gauge([[1, 30]]) }],
                evalTime: "20m",
                outputLabels: { name: cert.name },
                value: 1,
                quiet: [{ series: series(CERT_MANAGER_METRICS.ready, { ...cert, condition: "False" }), values: gauge([[0, 6], [1, 25]]) }],
                quietEvalTime: "20m",
            },
        }),
    ];
}
