import { code, page, table } from "../markdown";
import { accessPage } from "./access";
import { alertsPage } from "./alerts";
import { backupsPage } from "./backups";
import { PAGES, PageInput, RunbookPage, datastoreTitle, datastoreWhere, header } from "./common";
import { deployPage } from "./deploy";
import { incidentsPage } from "./incidents";
import { inventoryPage } from "./inventory";

export type { PageInput, RunbookPage } from "./common";
export { PAGES } from "./common";

/** Every page of a stack's runbook, index first. Pure: the same input gives the same bytes. */
export function renderRunbook(input: PageInput): RunbookPage[] {
    return [
        { file: PAGES.index.file, markdown: indexPage(input) },
        { file: PAGES.inventory.file, markdown: inventoryPage(input) },
        { file: PAGES.access.file, markdown: accessPage(input) },
        { file: PAGES.backups.file, markdown: backupsPage(input) },
        { file: PAGES.alerts.file, markdown: alertsPage(input) },
        { file: PAGES.deploy.file, markdown: deployPage(input) },
        { file: PAGES.incidents.file, markdown: incidentsPage(input) },
    ];
}

function indexPage(input: PageInput): string {
    const { facts } = input;
    const where = facts.location;
    const summary: string[][] = [
        ["Environment", facts.production ? "production: protected data, Multi-AZ, autoscaled apps" : "non-production"],
        ...(where.aws ? [["AWS", `account ${where.aws.accounts.map(code).join(", ") || "(any: `providers.aws.allowedAccountIds` is not set)"}, region ${code(where.aws.region)}`]] : []),
        ["Kubernetes", `context ${code(where.kubeContext)}, namespace ${code(where.namespace)}`],
        ["Cloudflare", `account ${code(where.cloudflareAccountId)}, zone ${code(facts.edge.zone)}`],
        ["Apps", facts.apps.map((a) => `${code(a.name)} (${a.role})`).join(", ")],
        ["Datastores", facts.datastores.map((d) => `${datastoreTitle(d)} (${datastoreWhere(d)})`).join(", ")],
        ["Public hosts", facts.edge.hosts.map((h) => code(h.host)).join(", ")],
        ["Alerts", `${facts.alerting.alerts.length} Prometheus alerts${facts.alerting.cloudwatch.length > 0 ? ` and ${facts.alerting.cloudwatch.length} kinds of CloudWatch alarm` : ""}, to ${code(facts.alerting.slackChannel)} and PagerDuty`],
        ["Plan", `${facts.resourceCount} resources`],
    ];
    const pages: string[][] = [
        [`[${PAGES.inventory.title}](${PAGES.inventory.file})`, "What runs where, what protects it, and a diagram of the environment."],
        [`[${PAGES.access.title}](${PAGES.access.file})`, "How to reach the cluster, each datastore and the buckets, and where every credential comes from."],
        [`[${PAGES.backups.title}](${PAGES.backups.file})`, "Schedules, retention, where the backups are, the restore commands, RTO and RPO, and the drills."],
        [`[${PAGES.alerts.title}](${PAGES.alerts.file})`, "Every alert: severity, who is paged, what it means, its threshold and the first steps."],
        [`[${PAGES.deploy.title}](${PAGES.deploy.file})`, "How a change reaches this stack, how to roll back an app or a migration, and the manual steps."],
        [`[${PAGES.incidents.title}](${PAGES.incidents.file})`, "What to do when the database, Redis, a queue, a certificate, a credential, a migration or the region fails."],
    ];
    return page([
        ...header(input, PAGES.index.title, `The operations runbook of the stack ${code(facts.stack)}, generated from what the stack declares: every name, schedule, retention and threshold below is the one ${code("pulumi up")} would apply.`),
        ["## Stack at a glance"],
        table(["What", "This stack"], summary),
        ["## Pages"],
        table(["Page", "What it answers"], pages),
        ["## On call now"],
        [
            `Start with [the first ten minutes](${PAGES.incidents.file}#first-ten-minutes), then the alert's own section on [${PAGES.alerts.title}](${PAGES.alerts.file}): every alert's ${code("runbook_url")} links there.`,
        ],
        ["## Keeping it true"],
        [
            `These pages are regenerated from the stack file and the offline plan with ${code(`runbook docs --stack ${facts.stack}`)}; no cloud access is needed. A test fails when the committed pages differ from what the command writes, and the pull-request comment lists the sections a change alters.`,
        ],
    ]);
}
