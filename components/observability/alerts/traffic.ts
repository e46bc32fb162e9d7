import { HTTP_METRICS, KUBE_METRICS } from "../appMetrics";
import { counter, gauge, matchers, oneOf, series } from "../promql";
import { APP_LABEL, alertsOf, literal, webApps, webAppsSelector } from "./alert";
import { REQUEST_DURATION as H, ROUTE, noTrafficSeries, requestLabels } from "./proof";
import type { AlertRulesInput, AlertSpec, InputSeries } from "./types";

export const TRAFFIC_GROUP = "runbook-traffic";

/** NoTraffic: no request counted in `windowMinutes`, for `forMinutes`, while a target is up. */
export const NO_TRAFFIC = { windowMinutes: 5, forMinutes: 10 } as const;

function noTrafficExpr(ns: string, jobs: string[]): string {
    const sel = matchers({ namespace: ns, job: oneOf(jobs) });
    return `sum by (namespace, job) (${KUBE_METRICS.up}${sel}) > 0\n  unless on (namespace, job) sum by (namespace, job) (rate(${H}_count${sel}[${NO_TRAFFIC.windowMinutes}m])) > 0`;
}

/** The minute NoTraffic fires when the last request was counted at minute `lastRequest` (the window empties, then `for` runs). */
export function noTrafficDetection(lastRequest: number): number {
    return lastRequest + NO_TRAFFIC.windowMinutes + NO_TRAFFIC.forMinutes;
}

/** The web apps' traffic (OB-3, OB-1): refused and failing requests by route, no requests at all, dropped WebSockets. */
export function trafficAlerts(input: AlertRulesInput): AlertSpec[] {
    const t = input.thresholds;
    const ns = input.namespace;
    const web = webApps(input);
    const probe = web[0];
    if (!probe) return [];
    const alert = alertsOf(input, { name: TRAFFIC_GROUP, category: "traffic" });
    const specs: AlertSpec[] = [];
    const sel = webAppsSelector(input);
    const reqLabels = (status: string) => requestLabels(ns, probe.name, status);
    // Enough requests for the minimum-traffic guard of the route alerts, whatever it is set to.
    const scale = Math.max(1, Math.ceil((2 * t.minRequestsPerMinute) / 100));
    /** Requests per minute: `ok` answered 200, `bad` with the given status (times `scale`). */
    const traffic = (okPerMin: number, badPerMin: number, status: string, steps: number): InputSeries[] => [
        { series: series(`${H}_count`, reqLabels("200")), values: counter([[okPerMin * scale, steps]]) },
        { series: series(`${H}_count`, reqLabels(status)), values: counter([[badPerMin * scale, steps]]) },
    ];
    const jobOut = { namespace: ns, job: probe.name };
    const ratio = (status: RegExp, by: string, window = "5m") =>
        `sum by (${by}) (rate(${H}_count${sel({ status_code: status })}[${window}]))\n  / sum by (${by}) (rate(${H}_count${sel()}[${window}])) * 100`;

    // Traffic (OB-3).
    specs.push(alert({
        name: "AuthFailureSpike",
        severity: "sev3",
        requirement: "OB-3",
        expr: `${ratio(/401|403/, "namespace, job")} > ${literal(t.authFailurePercent)}`,
        for: "10m",
        labels: APP_LABEL,
        summary: `More than ${literal(t.authFailurePercent)} % of {{ $labels.job }} requests are refused with 401 or 403`,
        description: `{{ $labels.job }} answered {{ printf "%.1f" $value }} % of requests with 401 or 403 over 5 minutes, for 10 minutes: a bad JWT secret, clock skew or a credential-stuffing run`,
        proof: {
            interval: "1m",
            firing: traffic(100 - 1.5 * t.authFailurePercent, 1.5 * t.authFailurePercent, "401", 30),
            evalTime: "20m",
            outputLabels: jobOut,
            value: 1.5 * t.authFailurePercent,
            quiet: traffic(100 - 0.9 * t.authFailurePercent, 0.9 * t.authFailurePercent, "403", 30),
        },
    }));
    const byRoute = "namespace, job, route";
    const minTraffic = `\n  and on (${byRoute}) sum by (${byRoute}) (rate(${H}_count${sel()}[5m])) * 60 >= ${literal(t.minRequestsPerMinute)}`;
    const routeOut = { namespace: ns, job: probe.name, route: ROUTE };
    specs.push(alert({
        name: "RouteServerErrors",
        severity: "sev3",
        requirement: "OB-3",
        expr: `${ratio(/5../, byRoute)} > ${literal(t.routeServerErrorPercent)}${minTraffic}`,
        for: "10m",
        labels: APP_LABEL,
        summary: "{{ $labels.job }} {{ $labels.route }} fails with 5xx",
        description: `{{ $labels.job }} answered {{ printf "%.1f" $value }} % of {{ $labels.route }} requests with 5xx over 5 minutes, for 10 minutes (threshold ${literal(t.routeServerErrorPercent)} %)`,
        proof: {
            interval: "1m",
            firing: traffic(100 - 1.2 * t.routeServerErrorPercent, 1.2 * t.routeServerErrorPercent, "500", 30),
            evalTime: "20m",
            outputLabels: routeOut,
            value: 1.2 * t.routeServerErrorPercent,
            quiet: traffic(100 - 0.9 * t.routeServerErrorPercent, 0.9 * t.routeServerErrorPercent, "502", 30),
        },
    }));
    specs.push(alert({
        name: "RouteClientErrors",
        severity: "sev4",
        requirement: "OB-3",
        expr: `${ratio(/4../, byRoute)} > ${literal(t.routeClientErrorPercent)}${minTraffic}`,
        for: "15m",
        labels: APP_LABEL,
        summary: "{{ $labels.job }} {{ $labels.route }} refuses many requests with 4xx",
        description: `{{ $labels.job }} answered {{ printf "%.1f" $value }} % of {{ $labels.route }} requests with 4xx over 5 minutes, for 15 minutes (threshold ${literal(t.routeClientErrorPercent)} %): a broken client release or a changed contract`,
        proof: {
            interval: "1m",
            firing: traffic(100 - Math.min(99, 1.2 * t.routeClientErrorPercent), Math.min(99, 1.2 * t.routeClientErrorPercent), "404", 30),
            evalTime: "25m",
            outputLabels: routeOut,
            value: Math.min(99, 1.2 * t.routeClientErrorPercent),
            quiet: traffic(100 - 0.9 * t.routeClientErrorPercent, 0.9 * t.routeClientErrorPercent, "422", 30),
        },
    }));

    // With no requests every SLO ratio is 0/0 and no burn-rate alert can fire (issue 22): for apps
    // that always have traffic, none while their pods are up is an outage of its own.
    const watched = web.filter((a) => a.expectsTraffic === true);
    if (watched.length > 0) {
        const quiet = watched[0];
        specs.push(alert({
            name: "NoTraffic",
            severity: "sev2",
            requirement: "OB-1",
            expr: noTrafficExpr(ns, watched.map((a) => a.name)),
            for: `${NO_TRAFFIC.forMinutes}m`,
            labels: APP_LABEL,
            summary: "{{ $labels.job }} serves no requests while its pods are up",
            description: `{{ $labels.job }} has {{ printf "%.0f" $value }} target(s) up but answered no request for ${NO_TRAFFIC.windowMinutes + NO_TRAFFIC.forMinutes} minutes: nothing reaches it (Gateway, DNS, the edge), or it stopped counting requests. Its SLO alerts cannot see this`,
            proof: {
                interval: "1m",
                firing: noTrafficSeries(ns, quiet.name, { requestsPerMinute: 100, stopAfter: 10, minutes: 40 }),
                evalTime: `${noTrafficDetection(10)}m`,
                outputLabels: { namespace: ns, job: quiet.name },
                value: 1,
                // One request every few minutes is traffic.
                quiet: noTrafficSeries(ns, quiet.name, { requestsPerMinute: 1 / (NO_TRAFFIC.windowMinutes - 1), minutes: 40 }),
                quietEvalTime: `${noTrafficDetection(10)}m`,
            },
        }));
    }

    const wsApps = web.filter((a) => (a.websocketPaths ?? []).length > 0);
    if (wsApps.length > 0) {
        const ws = wsApps[0];
        const wsSel = matchers({ namespace: ns, job: oneOf(wsApps.map((a) => a.name)) });
        const W = HTTP_METRICS.websocketConnections;
        const conn = (now: number): InputSeries[] => [
            { series: series(W, { namespace: ns, job: ws.name, pod: `${ws.name}-0`, path: ws.websocketPaths![0] }), values: gauge([[200, 40], [now, 21]]) },
        ];
        const drop = t.websocketDropPercent;
        specs.push(alert({
            name: "WebSocketConnectionsDropped",
            severity: "sev3",
            requirement: "OB-3",
            expr: `(1 - sum by (namespace, job) (${W}${wsSel}) / sum by (namespace, job) (${W}${wsSel} offset 30m)) * 100 > ${literal(drop)}\n  and sum by (namespace, job) (${W}${wsSel} offset 30m) >= 10`,
            for: "5m",
            labels: APP_LABEL,
            summary: "{{ $labels.job }} lost many of its WebSocket connections",
            description: `{{ $labels.job }} holds {{ printf "%.0f" $value }} % fewer WebSocket connections than 30 minutes earlier (threshold ${literal(drop)} %): clients cannot reconnect`,
            proof: {
                interval: "1m",
                firing: conn(Math.round(200 * (1 - Math.min(100, drop + 10) / 100))),
                evalTime: "50m",
                outputLabels: { namespace: ns, job: ws.name },
                value: (1 - Math.round(200 * (1 - Math.min(100, drop + 10) / 100)) / 200) * 100,
                quiet: conn(Math.round(200 * (1 - (drop - 5) / 100))),
            },
        }));
    }
    return specs;
}
