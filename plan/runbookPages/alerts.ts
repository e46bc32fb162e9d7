import { bullets, code, listing, numbered, page, slug, table } from "../markdown";
import type { GuidanceSection } from "../runbookGuidance";
import type { AlertFacts, RunbookFacts } from "../runbookModel";
import { DOCS_ROOT, PAGES, PageInput, header, kubectlSetup } from "./common";

/** docs/alerts.md's names for the placeholders its commands use. */
function substitute(text: string, facts: RunbookFacts, alert?: AlertFacts): string {
    const workers = facts.apps.filter((a) => a.role === "worker").map((a) => a.name);
    const apps = alert && alert.apps.length > 0 ? alert.apps : facts.apps.map((a) => a.name);
    let out = text.replace(/<namespace>/g, facts.location.namespace).replace(/<monitoring namespace>/g, facts.location.monitoringNamespace).replace(/<stack>/g, facts.stack);
    if (apps.length === 1) out = out.replace(/<app>/g, apps[0]);
    if (workers.length === 1) out = out.replace(/<worker>/g, workers[0]);
    return out;
}

/**
 * Links within docs/alerts.md point at its own sections; on this page they work only for the
 * sections it has too, so the others go back to docs/alerts.md.
 */
function relink(text: string, anchors: Set<string>): string {
    return text.replace(/\]\(#([a-z0-9-]+)\)/g, (whole, anchor: string) => (anchors.has(anchor) ? whole : `](${DOCS_ROOT}/alerts.md#${anchor})`));
}

function routeOf(facts: RunbookFacts, severity: string): string {
    const route = facts.alerting.routes.find((r) => r.severity === severity);
    return route ? `${listing(route.receivers)}, repeated every ${route.repeat}` : "the default route";
}

function severitiesOf(alert: AlertFacts): string[] {
    return [...new Set(alert.rules.map((r) => r.severity))];
}

/** The rule group of the team's own alerts (`alerts.rules`), which docs/alerts.md does not describe. */
const CUSTOM_ALERT_GROUP = "runbook-custom";

function alertSection(facts: RunbookFacts, alert: AlertFacts, guidance: GuidanceSection | undefined, anchors: Set<string>): string[][] {
    const placeholders = ["<app>", "<worker>"].filter((p) => (guidance?.steps ?? []).some((s) => substitute(s, facts, alert).includes(p)));
    const apps = alert.apps.length > 0 ? alert.apps : facts.apps.map((a) => a.name);
    const notes: string[] = [];
    if (placeholders.includes("<app>")) notes.push(`${code("<app>")} is the alert's ${code("app")} label: ${listing(apps.map(code), "or")}.`);
    if (placeholders.includes("<worker>")) notes.push(`${code("<worker>")} is one of ${listing(facts.apps.filter((a) => a.role === "worker").map((a) => code(a.name)), "or") || "the worker apps"}.`);
    const steps = (guidance?.steps ?? []).map((s) => relink(substitute(s, facts, alert), anchors));
    const meaning = alert.rules.map((r) => `**${r.summary}.** ${r.description}.`.replace(/\.\./g, "."));
    const rows = alert.rules.map((r) => [code(r.severity), routeOf(facts, r.severity), alert.threshold, r.for ? code(r.for) : "at once"]);
    return [
        [`## ${alert.name}`],
        table(["Severity", "Goes to", "Fires on", "For"], rows.filter((row, i) => rows.findIndex((other) => other.join("|") === row.join("|")) === i)),
        meaning.length === 1 ? meaning : bullets(meaning),
        ...(alert.apps.length > 0 ? [[`Fires for the apps ${listing(alert.apps.map(code))}.`]] : []),
        steps.length > 0
            ? numbered(steps)
            : alert.group === CUSTOM_ALERT_GROUP
              ? numbered([
                    `Do what its description says: the team declared this alert in ${code("alerts.rules")} of the stack file, with its own first step.`,
                    `Read the series its expression reads in Prometheus, over the last hours, to see when it changed, and compare with the last deploy ([roll back an app](deploy.md#roll-back-an-app)).`,
                ])
              : [`See ${code("docs/alerts.md")}: [${alert.name}](${DOCS_ROOT}/alerts.md#${alert.name.toLowerCase()}).`],
        notes,
    ];
}

export function alertsPage(input: PageInput): string {
    const { facts, guidance } = input;
    const a = facts.alerting;
    const anchors = new Set([...a.alerts.map((x) => x.name.toLowerCase()), ...a.cloudwatch.map((c) => c.anchor), "severities-and-routes", "all-alerts"]);
    const pageUrl = `docs/runbooks/${facts.stack}/${PAGES.alerts.file}`;
    const linksHere = a.runbookBaseUrl.endsWith(pageUrl);
    const severities = ["sev1", "sev2", "sev3", "sev4"].filter((s) => a.routes.some((r) => r.severity === s));
    return page([
        ...header(input, PAGES.alerts.title, `Every alert ${code(facts.stack)} emits: its severity, who it reaches, what fires it and the first steps. Each section's anchor is the alert's name in lowercase.`),
        [
            linksHere
                ? `Every alert's ${code("runbook_url")} is ${code(`${a.runbookBaseUrl}#<alert name in lowercase>`)}: this page's section.`
                : `Every alert's ${code("runbook_url")} is ${code(`${a.runbookBaseUrl}#<alert name in lowercase>`)}. Set ${code("alerts.runbookBaseUrl")} to where this page is published (${code(pageUrl)}) so that a page opens its section here.`,
        ],
        ["Commands below assume kubectl points at this stack:"],
        kubectlSetup(facts),
        ["## Severities and routes"],
        table(
            ["Severity", "Goes to", "First notification after", "Repeats every"],
            severities.map((s) => {
                const r = a.routes.find((x) => x.severity === s)!;
                return [code(s), listing(r.receivers), r.groupWait, r.repeat];
            }),
        ),
        [
            `${a.routes.some((r) => r.receivers.includes("PagerDuty")) ? "Pages go to PagerDuty through the routing key in the Secret `runbook-alert-routing`; " : ""}every severity posts to ${code(a.slackChannel)}. A ${code("sev1")} silences the lower alerts of the same app or datastore; an SLO page silences its ticket and symptom ([why](${DOCS_ROOT}/alerts.md#severities-and-where-they-go-ob-4)).`,
        ],
        ["## All alerts"],
        table(
            ["Alert", "Severity", "Fires on"],
            a.alerts.map((x) => [`[${x.name}](#${x.name.toLowerCase()})`, severitiesOf(x).map(code).join(", "), x.threshold]),
        ),
        ...a.alerts.flatMap((x) => alertSection(facts, x, guidance.alerts.get(x.name), anchors)),
        ...(a.cloudwatch.length > 0
            ? [
                  ["## CloudWatch alarms"],
                  [
                      `RDS and ElastiCache report to CloudWatch; their alarms publish to SNS: ${code("sev1")} and ${code("sev2")} to PagerDuty's CloudWatch integration, every alarm to the notification topic${a.chatbot ? ", which AWS Chatbot posts to Slack" : " (no AWS Chatbot here: those reach Slack only if PagerDuty forwards them)"}.`,
                  ],
                  ...a.cloudwatch.flatMap((c) => {
                      const title = guidance.alerts.get(titleForAnchor(guidance.alerts, c.anchor) ?? "")?.title ?? c.anchor;
                      const g = guidance.alerts.get(title);
                      // The steps when docs/alerts.md numbers them, else its paragraph without the severity it restates.
                      const advice = (g && g.steps.length > 0 ? g.steps : (g?.paragraphs ?? []).map((p) => p.replace(/^\*\*sev\d\.\*\*\s*/, ""))).map((s) => relink(substitute(s, facts), anchors));
                      return [
                          [`## ${title}`],
                          table(["Severity", "Metric", "Threshold", "Window", "Watches"], [[code(c.severity), c.metric, c.threshold, c.window, c.watches.map(code).join(", ")]]),
                          [c.description],
                          advice.length > 0 ? numbered(advice) : [],
                      ];
                  }),
              ]
            : []),
    ]);
}

function titleForAnchor(sections: Map<string, GuidanceSection>, anchor: string): string | undefined {
    for (const [title] of sections) if (slug(title) === anchor) return title;
    return undefined;
}
