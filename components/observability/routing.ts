import { SEVERITIES, Severity } from "./alertRules";

/*
 * Alertmanager routing by severity (OB-4), as one model rendered two ways: the
 * `AlertmanagerConfig` (monitoring.coreos.com/v1alpha1) the Prometheus operator merges into
 * Alertmanager, and a plain alertmanager.yml that `amtool` checks and route-tests.
 */

export interface Matcher {
    name: string;
    value: string;
    matchType: "=" | "!=" | "=~" | "!~";
}

export interface Route {
    receiver: string;
    matchers?: Matcher[];
    groupBy?: string[];
    groupWait?: string;
    groupInterval?: string;
    repeatInterval?: string;
    continue?: boolean;
    routes?: Route[];
}

export type ReceiverKind = "pagerduty" | "slack" | "deadMansSwitch";

export interface Receiver {
    name: string;
    kind: ReceiverKind;
}

export interface InhibitRule {
    sourceMatch: Matcher[];
    targetMatch: Matcher[];
    equal: string[];
}

export interface RoutingModel {
    route: Route;
    receivers: Receiver[];
    inhibitRules: InhibitRule[];
}

/** Keys of the Kubernetes Secret that holds the receivers' credentials. */
export const ROUTING_SECRET_KEYS = {
    pagerduty: "pagerduty-routing-key",
    slack: "slack-webhook-url",
    deadMansSwitch: "dead-mans-switch-url",
} as const;

export const RECEIVERS = { pagerduty: "pagerduty", slack: "slack", deadMansSwitch: "dead-mans-switch" } as const;

/** Severities that page (SEV1 "immediate (pager)", SEV2 "< 30m"); every severity posts to Slack. */
export const PAGED_SEVERITIES: Severity[] = ["sev1", "sev2"];

/**
 * Each severity's response target (001's severity table): how soon its first notification goes out
 * and how often an unresolved alert is repeated. SEV1 immediate, SEV2 < 30 min, SEV3 < 4 h, SEV4 backlog.
 */
export const SEVERITY_TIMING: Record<Severity, { groupWait: string; repeatInterval: string; responseTarget: string }> = {
    sev1: { groupWait: "10s", repeatInterval: "5m", responseTarget: "immediate (pager)" },
    sev2: { groupWait: "30s", repeatInterval: "30m", responseTarget: "within 30 minutes (pager)" },
    sev3: { groupWait: "2m", repeatInterval: "4h", responseTarget: "within 4 hours" },
    sev4: { groupWait: "5m", repeatInterval: "168h", responseTarget: "backlog" },
};

const eq = (name: string, value: string): Matcher => ({ name, value, matchType: "=" });
const re = (name: string, value: string): Matcher => ({ name, value, matchType: "=~" });

export function routingModel(options: { deadMansSwitch: boolean }): RoutingModel {
    const severityRoutes: Route[] = SEVERITIES.map((severity) => ({
        receiver: RECEIVERS.slack,
        matchers: [eq("severity", severity)],
        groupWait: SEVERITY_TIMING[severity].groupWait,
        repeatInterval: SEVERITY_TIMING[severity].repeatInterval,
        ...(PAGED_SEVERITIES.includes(severity) ? { routes: [{ receiver: RECEIVERS.pagerduty, continue: true }, { receiver: RECEIVERS.slack }] } : {}),
    }));
    // The watchdog fires all the time: its own route, pinged every minute, so the switch notices silence.
    const watchdog: Route = options.deadMansSwitch
        ? { receiver: RECEIVERS.deadMansSwitch, matchers: [eq("alertname", "Watchdog")], groupWait: "10s", groupInterval: "1m", repeatInterval: "1m" }
        : { receiver: RECEIVERS.slack, matchers: [eq("alertname", "Watchdog")], groupWait: "10s", repeatInterval: "24h" };
    const lower = (than: Severity) => SEVERITIES.slice(SEVERITIES.indexOf(than) + 1).join("|");
    return {
        route: {
            receiver: RECEIVERS.slack,
            groupBy: ["alertname", "namespace", "app", "datastore"],
            groupWait: "30s",
            groupInterval: "5m",
            repeatInterval: "4h",
            routes: [watchdog, ...severityRoutes],
        },
        receivers: [
            { name: RECEIVERS.slack, kind: "slack" },
            { name: RECEIVERS.pagerduty, kind: "pagerduty" },
            ...(options.deadMansSwitch ? [{ name: RECEIVERS.deadMansSwitch, kind: "deadMansSwitch" as const }] : []),
        ],
        // A SEV1 outage silences its own echoes: lower-severity alerts about the same app or datastore.
        // Both sides must carry the label, or an alert without it would be silenced by any SEV1.
        inhibitRules: [
            { sourceMatch: [eq("severity", "sev1"), re("app", ".+")], targetMatch: [re("severity", lower("sev1")), re("app", ".+")], equal: ["namespace", "app"] },
            { sourceMatch: [eq("severity", "sev1"), re("datastore", ".+")], targetMatch: [re("severity", lower("sev1")), re("datastore", ".+")], equal: ["namespace", "datastore"] },
            // An SLO page (ErrorBudgetBurnFast, LatencyBudgetBurnFast) silences its ticket and its
            // symptom (HighErrorRatio, HighLatencyP95): they carry its `slo` label (issue 22).
            { sourceMatch: [eq("severity", "sev2"), re("slo", ".+")], targetMatch: [re("severity", lower("sev2")), re("slo", ".+")], equal: ["namespace", "app", "slo"] },
        ],
    };
}

const SLACK_TITLE = '[{{ .Status | toUpper }}] {{ .CommonLabels.severity }} {{ .CommonLabels.alertname }}{{ if .CommonLabels.app }} ({{ .CommonLabels.app }}){{ end }}';
const SLACK_TEXT = "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}";
const PAGERDUTY_SEVERITY = '{{ if eq .CommonLabels.severity "sev1" }}critical{{ else }}error{{ end }}';
const PAGERDUTY_DESCRIPTION = "{{ .CommonLabels.severity }} {{ .CommonAnnotations.summary }}";

type SecretRef = { name: string; key: string };

/** The model as an AlertmanagerConfig spec (monitoring.coreos.com/v1alpha1), credentials read from `secretName`. */
export function alertmanagerConfigSpec(model: RoutingModel, secretName: string, slackChannel: string): Record<string, unknown> {
    const ref = (key: string): SecretRef => ({ name: secretName, key });
    const receiver = (r: Receiver) => {
        switch (r.kind) {
            case "pagerduty":
                return {
                    name: r.name,
                    pagerdutyConfigs: [
                        {
                            routingKey: ref(ROUTING_SECRET_KEYS.pagerduty),
                            severity: PAGERDUTY_SEVERITY,
                            description: PAGERDUTY_DESCRIPTION,
                            details: [{ key: "runbook_url", value: "{{ .CommonAnnotations.runbook_url }}" }],
                            sendResolved: true,
                        },
                    ],
                };
            case "slack":
                return { name: r.name, slackConfigs: [{ apiURL: ref(ROUTING_SECRET_KEYS.slack), channel: slackChannel, title: SLACK_TITLE, text: SLACK_TEXT, sendResolved: true }] };
            case "deadMansSwitch":
                return { name: r.name, webhookConfigs: [{ urlSecret: ref(ROUTING_SECRET_KEYS.deadMansSwitch), sendResolved: false }] };
        }
    };
    return { route: model.route, receivers: model.receivers.map(receiver), inhibitRules: model.inhibitRules };
}

function matcherText(m: Matcher): string {
    return `${m.name}${m.matchType}${JSON.stringify(m.value)}`;
}

function plainRoute(r: Route): Record<string, unknown> {
    return {
        receiver: r.receiver,
        ...(r.matchers ? { matchers: r.matchers.map(matcherText) } : {}),
        ...(r.groupBy ? { group_by: r.groupBy } : {}),
        ...(r.groupWait ? { group_wait: r.groupWait } : {}),
        ...(r.groupInterval ? { group_interval: r.groupInterval } : {}),
        ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
        ...(r.continue !== undefined ? { continue: r.continue } : {}),
        ...(r.routes ? { routes: r.routes.map(plainRoute) } : {}),
    };
}

/**
 * The model as a plain Alertmanager configuration file, with the given credential values. The
 * operator builds the same tree from the AlertmanagerConfig (adding a `namespace` matcher above it).
 */
export function alertmanagerYamlConfig(
    model: RoutingModel,
    slackChannel: string,
    credentials: { pagerdutyRoutingKey: string; slackWebhookUrl: string; deadMansSwitchUrl?: string },
): Record<string, unknown> {
    const receiver = (r: Receiver) => {
        switch (r.kind) {
            case "pagerduty":
                return {
                    name: r.name,
                    pagerduty_configs: [
                        {
                            routing_key: credentials.pagerdutyRoutingKey,
                            severity: PAGERDUTY_SEVERITY,
                            description: PAGERDUTY_DESCRIPTION,
                            details: { runbook_url: "{{ .CommonAnnotations.runbook_url }}" },
                            send_resolved: true,
                        },
                    ],
                };
            case "slack":
                return { name: r.name, slack_configs: [{ api_url: credentials.slackWebhookUrl, channel: slackChannel, title: SLACK_TITLE, text: SLACK_TEXT, send_resolved: true }] };
            case "deadMansSwitch":
                return { name: r.name, webhook_configs: [{ url: credentials.deadMansSwitchUrl, send_resolved: false }] };
        }
    };
    return {
        route: plainRoute(model.route),
        receivers: model.receivers.map(receiver),
        inhibit_rules: model.inhibitRules.map((i) => ({ source_matchers: i.sourceMatch.map(matcherText), target_matchers: i.targetMatch.map(matcherText), equal: i.equal })),
    };
}
