import { matchers, oneOf } from "../promql";
import type { AlertApp, AlertProof, AlertRulesInput, AlertSpec, Category, Severity } from "./types";

/** One alert as its group declares it: the rule's own parts and its proof. */
export interface AlertDeclaration {
    name: string;
    severity: Severity;
    /** The runbook requirement the alert serves (`OB-1`, `BK-6`); the description ends with it. */
    requirement: string;
    /** The `category` label; defaults to the group's. */
    category?: Category;
    expr: string;
    for?: string;
    /** Labels beyond severity, category and namespace, which every alert carries. */
    labels?: Record<string, string>;
    summary: string;
    description: string;
    proof: AlertProof;
}

/**
 * The constructor of one group's alerts: each gets the group, its severity, category and namespace
 * labels, its requirement at the end of the description and its runbook link
 * (`<runbookBaseUrl>#<alert name in lowercase>`), so no alert can miss them.
 */
export function alertsOf(input: Pick<AlertRulesInput, "namespace" | "runbookBaseUrl">, group: { name: string; category: Category }): (alert: AlertDeclaration) => AlertSpec {
    return (a) => ({
        group: group.name,
        rule: {
            alert: a.name,
            expr: a.expr,
            ...(a.for === undefined ? {} : { for: a.for }),
            labels: { severity: a.severity, category: a.category ?? group.category, namespace: input.namespace, ...a.labels },
            annotations: {
                summary: a.summary,
                description: `${a.description} (${a.requirement})`,
                runbook_url: `${input.runbookBaseUrl}#${a.name.toLowerCase()}`,
            },
        },
        proof: a.proof,
    });
}

/** The `app` label of the alerts about one app: the job it is scraped as. */
export const APP_LABEL: Record<string, string> = { app: "{{ $labels.job }}" };

/** The apps that serve HTTP (api and web; workers do not), in config order. */
export function webApps(input: Pick<AlertRulesInput, "apps">): AlertApp[] {
    return input.apps.filter((a) => a.role !== "worker");
}

/** A selector of the stack's namespace, with `extra` matchers after it. */
export function namespaceSelector(input: Pick<AlertRulesInput, "namespace">): (extra?: Record<string, string | RegExp>) => string {
    return (extra = {}) => matchers({ namespace: input.namespace, ...extra });
}

/** A selector of the web apps' jobs in the stack's namespace, with `extra` matchers after them. */
export function webAppsSelector(input: Pick<AlertRulesInput, "namespace" | "apps">): (extra?: Record<string, string | RegExp>) => string {
    const jobs = webApps(input).map((a) => a.name);
    return (extra = {}) => matchers({ namespace: input.namespace, job: oneOf(jobs), ...extra });
}

/** `0.005` rather than `0.005000000000000004`. */
export function literal(n: number): string {
    return String(Number(n.toPrecision(10)));
}

/** A Prometheus duration of whole days, hours or minutes: 93600 → `26h`. */
export function duration(seconds: number): string {
    if (seconds % 86400 === 0) return `${seconds / 86400}d`;
    if (seconds % 3600 === 0) return `${seconds / 3600}h`;
    return `${Math.round(seconds / 60)}m`;
}
