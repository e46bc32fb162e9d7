import * as assert from "assert";
import { latencyPercentiles } from "../../../config/resolve";
import * as fs from "fs";
import * as path from "path";
import { ALERT_DEFAULTS } from "../../../config/resolve";
import { alertProblems } from "../../../config/rulesAlerts";
import { cronPeriodSeconds } from "../../../lib/cron";
import {
    AlertRulesInput,
    NO_TRAFFIC,
    SEVERITIES,
    SLO_GROUP,
    SLO_RECORDS,
    adversarialGroupOrder,
    alertSpecs,
    alertingRules,
    defectScenarios,
    expectedLabels,
    promtoolTests,
    ruleGroups,
    timingScenarios,
} from "../../../components/observability/alertRules";
import {
    DOC_AVAILABILITY_TARGETS,
    LATENCY_BUDGET,
    OUTAGE_CLAMP,
    burnTiming,
    errorBudget,
    evaluateBurnAlert,
    pageAlert,
    pairThresholds,
    sloTimingMarkdown,
    ticketAlert,
} from "../../../components/observability/burnRate";
import { dashboard, metricNames, ruleMetricNames } from "../../../components/observability/dashboard";
import { elastiCacheAlarmSpecs, rdsAlarmSpecs, rdsMaxConnections } from "../../../components/observability/cloudwatchAlarms";
import { PAGED_SEVERITIES, RECEIVERS, Route, routingModel } from "../../../components/observability/routing";
import { renderTemplate } from "../../../components/observability/promql";
import { ROOT } from "../../helpers/harness";
import { stackRaw, stackRawAsFiled } from "../../helpers/stacks";
import { fillAbsentSecrets } from "../../../config/offline";
import { validateConfig } from "../../../config/validate";
import { STAGING_ALERT_INPUT } from "../../helpers/alertInputs";

const base = STAGING_ALERT_INPUT;
const names = (input: AlertRulesInput) => new Set(alertingRules(ruleGroups(input)).map((r) => r.alert));

describe("unit: alert rule generator (OB-1, OB-2, OB-3, OB-6, OB-7, BK-6, ED-2)", () => {
    it("every alert has a promtool test with a firing case, and a quiet case unless it fires by design", () => {
        const specs = alertSpecs(base);
        const tests = promtoolTests(specs, (g) => g);
        assert.deepStrictEqual([...names(base)].sort(), [...new Set(tests.map((t) => t.alert))].sort());
        for (const t of tests) {
            const cases = (t.document.tests as unknown[]).length;
            assert.strictEqual(cases, t.alert === "Watchdog" ? 1 : 2, t.alert);
        }
    });

    it("OB-4: every alert carries a severity sev1–sev4, a summary, a description and a runbook_url whose section exists in docs/alerts.md", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "alerts.md"), "utf8");
        const anchors = new Set([...doc.matchAll(/^#+ (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")));
        const variants: AlertRulesInput[] = [base, { ...base, databaseEngine: "mongodb", mongodbMembers: 3, redisMode: "in-cluster" }, { ...base, apps: [{ name: "api", role: "api", websocketPaths: ["/events"], expectsTraffic: true }] }];
        for (const input of variants) {
            for (const rule of alertingRules(ruleGroups(input))) {
                assert.ok(SEVERITIES.includes(rule.labels.severity as never), `${rule.alert} severity`);
                assert.ok(rule.annotations.summary && rule.annotations.description, `${rule.alert} texts`);
                const [file, anchor] = rule.annotations.runbook_url.split("#");
                assert.strictEqual(file, "docs/alerts.md");
                assert.ok(anchors.has(anchor), `docs/alerts.md has a section for ${rule.alert} (#${anchor})`);
            }
        }
    });

    it("OB-1: thresholds default to the runbook numbers and each environment can override them", () => {
        const rules = alertingRules(ruleGroups(base));
        const expr = (alert: string, input = base) => alertingRules(ruleGroups(input)).find((r) => r.alert === alert)!.expr;
        assert.match(expr("HighLatencyP95"), /\* 1000 > 400$/);
        assert.match(expr("HighResponseTime"), /> 2000$/);
        assert.match(expr("ErrorBudgetBurnFast"), /ratio_rate1h\{namespace="runbook-staging"\} > 0\.072\n/, "14.4 × the 0.5 % budget of 99.5 %");
        assert.match(expr("HighErrorRatio"), /ratio_rate5m\{namespace="runbook-staging"\} > 0\.072\n/, "the fast page's rate, not a second objective");
        const strict = { ...base, thresholds: { ...ALERT_DEFAULTS, p95LatencyMs: 250, availabilityPercent: 99.9 } };
        assert.match(expr("HighErrorRatio", strict), /> 0\.0144\n/);
        assert.match(expr("HighLatencyP95", strict), /> 250$/);
        assert.match(expr("ErrorBudgetBurnFast", strict), /> 0\.0144\n/);
        const slow = ruleGroups(strict).flatMap((g) => g.rules).find((r) => "record" in r && r.record === SLO_RECORDS.slow("1h")) as { expr: string };
        assert.match(slow.expr, /le="0\.25"/, "the latency SLO counts the bucket at the objective");
        assert.ok(rules.every((r) => r.labels.namespace === "runbook-staging"));
    });

    it("OB-3, RD-2: queue alerts only with workers, the WebSocket alert only with WebSocket paths, replication lag only with replicas, Redis rules only for in-cluster Redis", () => {
        const noWorkers = { ...base, apps: base.apps.filter((a) => a.role !== "worker") };
        assert.ok(names(base).has("QueueBacklog"));
        assert.ok(!names(noWorkers).has("QueueBacklog") && !names(noWorkers).has("QueueJobsFailing"));
        assert.ok(!names(base).has("WebSocketConnectionsDropped"));
        assert.ok(names({ ...base, apps: [{ name: "api", role: "api", websocketPaths: ["/events"] }] }).has("WebSocketConnectionsDropped"));
        // ElastiCache runs no exporter: its CloudWatch alarms watch it, so no rule reads redis_exporter metrics.
        const redisAlerts = (input: AlertRulesInput) => alertingRules(ruleGroups(input)).filter((r) => /redis_/.test(r.expr)).map((r) => r.alert);
        assert.deepStrictEqual(redisAlerts(base), []);
        assert.deepStrictEqual(redisAlerts({ ...base, redisMode: "in-cluster" }), ["RedisMemoryNearMax", "RedisRejectingWrites", "DatastoreMetricsMissing"]);
        assert.deepStrictEqual(redisAlerts({ ...base, redisMode: "none" }), []);
        assert.ok(names({ ...base, databaseEngine: "mongodb", mongodbMembers: 3 }).has("MongoReplicationLag"));
        assert.ok(!names({ ...base, databaseEngine: "mongodb", mongodbMembers: 1 }).has("MongoReplicationLag"));
    });

    it("OB-6: a daily backup alerts after 26 h, an hourly one after 2 h", () => {
        const input = { ...base, backups: [{ datastore: "mongodb", schedule: "0 2 * * *" }, { datastore: "mongodb-oplog", schedule: "0 * * * *" }] };
        const tooOld = alertingRules(ruleGroups(input)).filter((r) => r.alert === "BackupTooOld");
        assert.deepStrictEqual(tooOld.map((r) => [r.labels.datastore, r.expr.split("> ")[1]]), [["mongodb", "26"], ["mongodb-oplog", "2"]]);
    });

    it("BK-3, OB-6: a replicated backup's replica alerts: lag beyond the schedule plus the margin (26 h daily, 2 h hourly) or alerts.backupReplicaLagHours, never succeeded, last copy failed; none without a replica", () => {
        const backups = [{ datastore: "mongodb", schedule: "0 2 * * *", replicated: true }, { datastore: "mongodb-oplog", schedule: "0 * * * *", replicated: true }];
        const rules = alertingRules(ruleGroups({ ...base, backups }));
        const lagging = rules.filter((r) => r.alert === "BackupReplicaLagging");
        assert.deepStrictEqual(lagging.map((r) => [r.labels.datastore, r.expr]), [
            ["mongodb", `max by (datastore) (runbook_backup_replica_lag_seconds{job="runbook-backup", stack="${base.stack}", datastore="mongodb"}) / 3600 > 26`],
            ["mongodb-oplog", `max by (datastore) (runbook_backup_replica_lag_seconds{job="runbook-backup", stack="${base.stack}", datastore="mongodb-oplog"}) / 3600 > 2`],
        ]);
        assert.deepStrictEqual(rules.filter((r) => r.alert === "BackupReplicaNeverSucceeded").map((r) => [r.labels.datastore, r.for]), [["mongodb", "26h"], ["mongodb-oplog", "2h"]]);
        assert.deepStrictEqual(rules.filter((r) => r.alert === "BackupReplicaFailed").map((r) => r.labels.severity), ["sev3"]);
        const fixed = alertingRules(ruleGroups({ ...base, backups, thresholds: { ...base.thresholds, backupReplicaLagHours: 6 } })).filter((r) => r.alert === "BackupReplicaLagging");
        assert.deepStrictEqual(fixed.map((r) => r.expr.split("> ")[1]), ["6", "6"]);
        const plain = alertingRules(ruleGroups({ ...base, backups: backups.map(({ replicated: _r, ...b }) => b) }));
        assert.deepStrictEqual(plain.filter((r) => r.alert.startsWith("BackupReplica")), [], "no replica, no replica alerts");
    });

    it("cron periods: daily, hourly, weekly, quarterly", () => {
        assert.strictEqual(cronPeriodSeconds("0 2 * * *"), 86400);
        assert.strictEqual(cronPeriodSeconds("15 * * * *"), 3600);
        assert.strictEqual(cronPeriodSeconds("*/15 * * * *"), 900);
        assert.strictEqual(cronPeriodSeconds("0 5 * * 1"), 7 * 86400);
        assert.strictEqual(cronPeriodSeconds("0 5 1 1,4,7,10 *"), 92 * 86400, "October to January");
        assert.strictEqual(cronPeriodSeconds("0 2,14 * * *"), 12 * 3600);
    });

    it("the annotation renderer refuses a template form it cannot predict", () => {
        assert.strictEqual(renderTemplate('{{ $labels.job }} {{ printf "%.1f" $value }} {{ $value | humanizePercentage }}', { job: "api" }, 0.08), "api 0.1 8%");
        assert.throws(() => renderTemplate("{{ $value | humanize }}", {}, 1));
    });
});

describe("unit: SLO burn rates (OB-1, issue 22)", () => {
    /** Every target the schema allows, in steps of 0.01: 90, 90.01, …, 99.99. */
    const allowedTargets = Array.from({ length: 1000 }, (_, i) => Math.round(9000 + i) / 100);
    const thresholds = (budget: number) => pairThresholds(budget).map((p) => [p.long, p.short, p.longThreshold, p.shortThreshold, p.page, p.clamped]);

    it("at 99.5 % the pairs are the SRE Workbook's: page at 14.4x (1 h, 5 min) or 6x (6 h, 30 min), ticket at 3x (1 d, 2 h) or 1x (3 d, 6 h)", () => {
        assert.deepStrictEqual(thresholds(errorBudget(99.5)), [
            ["1h", "5m", 0.072, 0.072, true, false],
            ["6h", "30m", 0.03, 0.03, true, false],
            ["1d", "2h", 0.015, 0.015, false, false],
            ["3d", "6h", 0.005, 0.005, false, false],
        ]);
    });

    it("the simulation reproduces the Workbook's arithmetic: 2 % errors against 99.9 % pages at minute 46 (43.2 plus the 2-minute for)", () => {
        assert.strictEqual(burnTiming(pageAlert("errors", errorBudget(99.9), 1), 0.02).detectMinutes, 46);
    });

    it("issue 22 (2): below 93.06 % the Workbook's 14.4x would need more than 100 % errors, so the fast pair is clamped there (and below 99.31 %)", () => {
        assert.ok(14.4 * errorBudget(93.05) > 1 && 14.4 * errorBudget(93.07) < 1);
        for (const target of allowedTargets) {
            const [fast] = pairThresholds(errorBudget(target));
            assert.strictEqual(fast.clamped, target < 99.31, `${target} %`);
            if (fast.clamped) assert.deepStrictEqual([fast.longThreshold, fast.shortThreshold], [OUTAGE_CLAMP.long, Math.min(OUTAGE_CLAMP.short, Number((14.4 * errorBudget(target)).toPrecision(10)))]);
        }
    });

    it("issue 22 (2): at every allowed target every pair can fire, and a total outage pages within 10 minutes", () => {
        let slowest = 0;
        for (const target of allowedTargets) {
            for (const p of pairThresholds(errorBudget(target))) assert.ok(p.longThreshold < 1 && p.shortThreshold < 1, `${target} %: ${p.long} pair can fire`);
            const outage = burnTiming(pageAlert("errors", errorBudget(target), 1), 1);
            assert.ok(outage.detectMinutes !== undefined && outage.detectMinutes <= 10, `${target} %: a total outage pages after ${outage.detectMinutes} minutes`);
            slowest = Math.max(slowest, outage.detectMinutes);
        }
        assert.strictEqual(slowest, 9, "the clamp's 10 % of an hour: pending at minute 7, firing at 9");
        assert.ok((burnTiming(pageAlert("slow", LATENCY_BUDGET, 1), 1).detectMinutes as number) <= 10, "every request slow pages within 10 minutes too");
    });

    it("the clamp does not page a mild burn: a steady burn must exceed 5x to fire the fast pair, and 2x pages at no target", () => {
        for (const target of allowedTargets) {
            const budget = errorBudget(target);
            const [fast] = pairThresholds(budget);
            assert.ok(Math.max(fast.longThreshold, fast.shortThreshold) / budget >= 5 - 1e-9, `${target} %`);
            assert.strictEqual(burnTiming(pageAlert("errors", budget, 1), Number((2 * budget).toPrecision(10))).detectMinutes, undefined, `${target} %: 2x pages`);
        }
    });

    it("issue 22 (3): under the minimum traffic one failed request fires no pair; at the minimum a total outage still pages", () => {
        const page = pageAlert("errors", errorBudget(99.5), 1);
        // Six requests an hour for three hours, the one at minute 130 failing.
        const sparse = Array.from({ length: 181 }, (_, k) => ({ good: k > 0 && k % 10 === 0 && k !== 130 ? 1 : 0, bad: k === 130 ? 1 : 0 }));
        assert.ok(!evaluateBurnAlert(page, sparse).some((e) => e.active));
        assert.ok(evaluateBurnAlert({ ...page, minRequestsPerMinute: 0 }, sparse).some((e) => e.firing), "without the guard it pages: the defect");
        // One request a minute, failing from minute 120.
        const outage = Array.from({ length: 181 }, (_, k) => (k > 120 ? { good: 0, bad: 1 } : { good: 1, bad: 0 }));
        assert.strictEqual(evaluateBurnAlert(page, outage).find((e) => e.firing)?.minute, 127);
    });

    it("a total outage against 99.9 % trips the 6 h pair too, so the page resolves with its 30-minute window", () => {
        assert.deepStrictEqual(burnTiming(pageAlert("errors", errorBudget(99.9), 1), 1), { badShare: 1, detectMinutes: 3, valueAtDetection: 3 / 60, resetMinutes: 30, valueBeforeReset: 3 / 360 });
        assert.strictEqual(burnTiming(pageAlert("errors", errorBudget(99.5), 1), 1).resetMinutes, 5, "at 99.5 % it does not: the 5-minute window");
        assert.strictEqual(ticketAlert("errors", 0.005, 1).forMinutes, 15);
    });
});

describe("unit: SLO rule groups and their scenarios (OB-1, issue 22)", () => {
    const production: AlertRulesInput = {
        ...base,
        stack: "production",
        namespace: "runbook",
        apps: [
            { name: "api", role: "api", expectsTraffic: true },
            { name: "web", role: "web", expectsTraffic: true },
            { name: "worker", role: "worker" },
        ],
        runbookBaseUrl: "https://github.com/acme/runbook/blob/main/docs/alerts.md",
    };
    const variants = [base, production, { ...production, databaseEngine: "mongodb" as const, mongodbMembers: 3, redisMode: "in-cluster" as const }];

    it("issue 22 (6): every rule that reads a recorded series sits in that recording's group, after it", () => {
        for (const input of variants) {
            const groups = ruleGroups(input);
            const recordedIn = new Map(groups.flatMap((g) => g.rules.filter((r) => "record" in r).map((r) => [(r as { record: string }).record, g.name] as const)));
            assert.ok(recordedIn.size >= 21, "requests, errors and slow share over seven windows");
            for (const g of groups) {
                g.rules.forEach((rule, i) => {
                    for (const read of rule.expr.match(/runbook:[a-z_]+:[a-z_0-9]+/g) ?? []) {
                        const name = "alert" in rule ? rule.alert : rule.record;
                        assert.strictEqual(recordedIn.get(read), g.name, `${name} reads ${read} from its own group`);
                        const at = g.rules.findIndex((r) => "record" in r && r.record === read);
                        assert.ok(at < i, `${read} is recorded before ${name} reads it`);
                    }
                });
            }
            assert.ok(adversarialGroupOrder(groups).every((name, i, all) => i === 0 || all.indexOf(name) === i));
        }
        const recordingOnly = { name: "recordings", rules: [{ record: "a:b", expr: "up" }] };
        const alerts = { name: "alerts", rules: alertingRules(ruleGroups(base)).slice(0, 1) };
        assert.deepStrictEqual(adversarialGroupOrder([recordingOnly, alerts]), ["alerts", "recordings"], "alerts before the recordings they would read stale");
    });

    it("issue 22 (1, 5): only budgets page on 5xx and latency; the symptoms are sev3 and carry their page's slo label", () => {
        const specs = alertSpecs(production);
        const labels = (alert: string) => specs.find((s) => s.rule.alert === alert)!.rule.labels;
        const pages = specs.filter((s) => ["slo", "latency"].includes(s.rule.labels.category) && ["sev1", "sev2"].includes(s.rule.labels.severity)).map((s) => s.rule.alert);
        assert.deepStrictEqual(pages, ["AppDown", "ErrorBudgetBurnFast", "LatencyBudgetBurnFast", "HighResponseTime"]);
        assert.deepStrictEqual([labels("HighErrorRatio").severity, labels("HighErrorRatio").slo], ["sev3", labels("ErrorBudgetBurnFast").slo]);
        assert.deepStrictEqual([labels("HighLatencyP95").severity, labels("HighLatencyP95").slo], ["sev3", labels("LatencyBudgetBurnFast").slo]);
        for (const page of ["ErrorBudgetBurnFast", "ErrorBudgetBurnSlow", "LatencyBudgetBurnFast", "LatencyBudgetBurnSlow", "HighErrorRatio"]) {
            assert.match(specs.find((s) => s.rule.alert === page)!.rule.expr, /runbook:slo_requests:rate\w+\{namespace="runbook"\} \* 60 >= 1/, `${page} has the minimum-traffic guard`);
        }
    });

    it("issue 22 (4): NoTraffic watches the api and web apps that expect traffic, and exists only when one does", () => {
        const rule = (input: AlertRulesInput) => alertingRules(ruleGroups(input)).find((r) => r.alert === "NoTraffic");
        assert.strictEqual(rule(base), undefined, "staging's apps may be idle");
        assert.match(rule(production)!.expr, /up\{namespace="runbook", job=~"api\|web"\}/);
        assert.match(rule({ ...production, apps: [{ name: "api", role: "api", expectsTraffic: true }, { name: "admin", role: "web", expectsTraffic: false }] })!.expr, /job=~"api"\}/);
        assert.strictEqual(rule(production)!.for, `${NO_TRAFFIC.forMinutes}m`);
    });

    it("issue 22 (7): every runbook_url is the configured base plus the alert's anchor", () => {
        for (const rule of alertingRules(ruleGroups(production))) {
            assert.strictEqual(rule.annotations.runbook_url, `https://github.com/acme/runbook/blob/main/docs/alerts.md#${rule.alert.toLowerCase()}`);
        }
    });

    it("every SLO page has a timing scenario at 2x, 10x and 100 %, and every defect of issue 22 a scenario, in the adversarial group order", () => {
        const rf = (g: string) => `${g}.yaml`;
        const timing = timingScenarios(production, rf);
        assert.deepStrictEqual(timing.map((t) => t.name), ["ErrorBudgetBurnFast", "LatencyBudgetBurnFast"].flatMap((a) => ["2×", "10×", "100 %"].map((l) => `${a} at ${l} of ${a.startsWith("Error") ? "99.5 % availability" : "95 % within 400 ms"}`)));
        const defects = defectScenarios(production, rf).map((t) => t.name);
        for (const n of ["(1)", "(3)", "(4)", "(5)"]) assert.ok(defects.some((d) => d.includes(n)), `a scenario for defect ${n}`);
        assert.ok(!defectScenarios(base, rf).some((d) => d.name.includes("(4)")), "no NoTraffic scenario where no app expects traffic");
        for (const t of [...timing, ...defectScenarios(production, rf)]) {
            const groups = ruleGroups(production).filter((g) => t.groups.includes(g.name));
            assert.deepStrictEqual(t.document.group_eval_order, adversarialGroupOrder(groups), t.name);
            assert.ok(t.groups.includes(SLO_GROUP) || t.groups.includes("runbook-traffic"));
        }
    });

    it("docs/alerts.md holds the generated timing table, so every number in it is one the promtool scenarios check", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "alerts.md"), "utf8");
        const table = sloTimingMarkdown();
        assert.ok(doc.includes(table), `docs/alerts.md must contain, verbatim:\n${table}`);
        assert.ok(DOC_AVAILABILITY_TARGETS.includes(90) && DOC_AVAILABILITY_TARGETS.includes(99.99) && DOC_AVAILABILITY_TARGETS.includes(ALERT_DEFAULTS.availabilityPercent));
    });
});

describe("unit: Alertmanager routing (OB-4)", () => {
    const model = routingModel({ deadMansSwitch: true });
    const leaf = (severity: string): string[] => {
        const route = model.route.routes!.find((r) => r.matchers?.some((m) => m.name === "severity" && m.value === severity))!;
        return route.routes ? route.routes.map((r: Route) => r.receiver) : [route.receiver];
    };

    it("sev1 and sev2 page and post to Slack; sev3 and sev4 only post", () => {
        for (const s of SEVERITIES) assert.deepStrictEqual(leaf(s), PAGED_SEVERITIES.includes(s) ? [RECEIVERS.pagerduty, RECEIVERS.slack] : [RECEIVERS.slack], s);
    });

    it("inhibition needs the shared label on both sides, so a sev1 never silences unrelated alerts", () => {
        for (const rule of model.inhibitRules) {
            for (const label of rule.equal.filter((l) => l !== "namespace")) {
                if (label === "app" && rule.equal.includes("slo")) continue;
                assert.ok(rule.sourceMatch.some((m) => m.name === label && m.value === ".+"), `source requires ${label}`);
                assert.ok(rule.targetMatch.some((m) => m.name === label && m.value === ".+"), `target requires ${label}`);
            }
        }
    });

    it("issue 22 (1): each SLO page silences its ticket and its symptom, by the labels the rules really carry; nothing silences a page", () => {
        const specs = alertSpecs({ ...base, apps: [{ name: "web", role: "web", expectsTraffic: true }] });
        const firing = (alert: string) => ({ alertname: alert, ...expectedLabels(specs.find((s) => s.rule.alert === alert)!) });
        const holds = (m: { name: string; value: string; matchType: string }, labels: Record<string, string>) => {
            const v = labels[m.name] ?? "";
            return m.matchType === "=" ? v === m.value : new RegExp(`^(?:${m.value})$`).test(v);
        };
        const silences = (source: Record<string, string>, target: Record<string, string>) =>
            model.inhibitRules.some((r) => r.sourceMatch.every((m) => holds(m, source)) && r.targetMatch.every((m) => holds(m, target)) && r.equal.every((l) => source[l] === target[l]));
        for (const [page, quietened] of [
            ["ErrorBudgetBurnFast", ["ErrorBudgetBurnSlow", "HighErrorRatio"]],
            ["LatencyBudgetBurnFast", ["LatencyBudgetBurnSlow", "HighLatencyP95"]],
        ] as const) {
            for (const q of quietened) assert.ok(silences(firing(page), firing(q)), `${page} silences ${q}`);
        }
        assert.ok(!silences(firing("ErrorBudgetBurnFast"), firing("HighLatencyP95")), "another SLO's symptom is no echo");
        for (const page of ["ErrorBudgetBurnFast", "LatencyBudgetBurnFast", "NoTraffic"]) {
            for (const other of specs) assert.ok(!silences(firing(other.rule.alert), firing(page)) || other.rule.labels.severity === "sev1", `${other.rule.alert} does not silence ${page}`);
        }
    });

    it("the watchdog goes to the dead man's switch, pinged every minute", () => {
        const watchdog = model.route.routes![0];
        assert.deepStrictEqual([watchdog.receiver, watchdog.repeatInterval], [RECEIVERS.deadMansSwitch, "1m"]);
    });
});

describe("unit: CloudWatch alarm thresholds (OB-3, OB-4)", () => {
    it("RDS: max_connections follows the instance class memory; a replica adds ReplicaLag", () => {
        assert.strictEqual(rdsMaxConnections("db.t4g.medium"), 450);
        assert.strictEqual(rdsMaxConnections("db.m6g.large"), 901);
        const thresholds = { dbConnectionsPercent: 80, replicationLagSeconds: 30 };
        const primary = rdsAlarmSpecs({ instanceClass: "db.m6g.large", allocatedStorageGb: 100, replica: false, thresholds });
        assert.deepStrictEqual(primary.map((a) => a.metricName).sort(), ["CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory"]);
        assert.strictEqual(primary.find((a) => a.metricName === "DatabaseConnections")!.threshold, 720);
        assert.ok(rdsAlarmSpecs({ instanceClass: "db.m6g.large", allocatedStorageGb: 100, replica: true, thresholds }).some((a) => a.metricName === "ReplicaLag"));
    });

    it("ElastiCache: memory and evictions on every node, replication lag on replicas", () => {
        const thresholds = { redisMemoryPercent: 90, replicationLagSeconds: 30 };
        assert.deepStrictEqual(elastiCacheAlarmSpecs({ replica: false, thresholds }).map((a) => a.metricName), ["DatabaseMemoryUsagePercentage", "Evictions"]);
        assert.ok(elastiCacheAlarmSpecs({ replica: true, thresholds }).some((a) => a.metricName === "ReplicationLag"));
    });
});

describe("unit: Grafana dashboard", () => {
    it("is dashboard JSON whose every query reads a recording rule or a metric the rules read", () => {
        for (const input of [base, { ...base, databaseEngine: "mongodb" as const, mongodbMembers: 3 }]) {
            const json = JSON.parse(JSON.stringify(dashboard(input))) as { panels: Array<{ id: number; gridPos: object; targets: Array<{ expr: string }> }>; uid: string; schemaVersion: number };
            assert.ok(json.uid && json.schemaVersion >= 36);
            assert.strictEqual(new Set(json.panels.map((p) => p.id)).size, json.panels.length);
            const known = ruleMetricNames(ruleGroups(input));
            for (const panel of json.panels) {
                for (const target of panel.targets) {
                    for (const metric of metricNames(target.expr)) assert.ok(known.has(metric), `${metric} in "${target.expr}" is read by no rule`);
                }
            }
        }
    });
});

describe("unit: alerts config rules (OB-2, OB-4, BK-7)", () => {
    const problems = (stack: string, mutate: (c: Record<string, any>) => void) => {
        const r = validateConfig(stackRaw(stack, mutate), stack);
        return r.ok ? [] : r.problems;
    };

    it("OB-2: a high-response-time page at or below the p95 objective is refused, naming the key", () => {
        const found = problems("staging", (c) => (c["runbook:alerts"].highResponseTimeMs = 300));
        assert.ok(found.some((p) => p.path === "alerts.highResponseTimeMs" && p.requirement === "OB-2"), JSON.stringify(found));
    });

    it("OB-2: p50 and p99 thresholds on the wrong side of the p95 objective are refused at their keys; their defaults follow the objective", () => {
        const found = problems("staging", (c) => Object.assign(c["runbook:alerts"], { p50LatencyMs: 500, p99LatencyMs: 300 }));
        assert.ok(found.some((p) => p.path === "alerts.p50LatencyMs" && p.requirement === "OB-2"), JSON.stringify(found));
        assert.ok(found.some((p) => p.path === "alerts.p99LatencyMs" && p.requirement === "OB-2"), JSON.stringify(found));
        assert.deepStrictEqual(latencyPercentiles({}), { p50LatencyMs: 250, p99LatencyMs: 2000 });
        assert.deepStrictEqual(latencyPercentiles({ p95LatencyMs: 100 }), { p50LatencyMs: 60, p99LatencyMs: 2000 });
        assert.deepStrictEqual(latencyPercentiles({ p95LatencyMs: 2500 }), { p50LatencyMs: 250, p99LatencyMs: 5000 });
        assert.deepStrictEqual(latencyPercentiles({ p95LatencyMs: 10000 }).p99LatencyMs, 9900);
        for (const p95LatencyMs of [100, 250, 400, 1000, 2500, 5000]) assert.deepStrictEqual(problems("staging", (c) => (c["runbook:alerts"].p95LatencyMs = p95LatencyMs)).filter((p) => /p50|p99/.test(p.path)), [], `p95 ${p95LatencyMs}`);
    });

    it("BK-7: an RPO target shorter than the backup interval is refused", () => {
        const found = problems("staging", (c) => (c["runbook:alerts"].rpoTargetHours = 12));
        assert.ok(found.some((p) => p.path === "alerts.rpoTargetHours" && p.requirement === "BK-7"), JSON.stringify(found));
    });

    it("OB-4: production with RDS or ElastiCache needs the PagerDuty CloudWatch key; staging does not", () => {
        // As `pulumi preview` sees a stack file with every other secret set, and not this one.
        const withSecrets = stackRaw("production");
        delete ((withSecrets.namespaces.runbook.alerts as Record<string, any>).routes as Record<string, unknown>).pagerdutyCloudwatchKey;
        const result = validateConfig(withSecrets, "production");
        const found = result.ok ? [] : result.problems;
        assert.ok(found.some((p) => p.path === "alerts.routes.pagerdutyCloudwatchKey" && p.requirement === "OB-4"), JSON.stringify(found));
        assert.ok(fillAbsentSecrets(stackRawAsFiled("production"), "production").filled.some((f) => f.path === "alerts.routes.pagerdutyCloudwatchKey"));
        assert.deepStrictEqual(problems("staging", () => {}), []);
    });

    it("OB-4: a plain-text PagerDuty CloudWatch key is refused (SC-1)", () => {
        const found = problems("production", (c) => (c["runbook:alerts"].routes.pagerdutyCloudwatchKey = "plain"));
        assert.ok(found.some((p) => p.path.includes("pagerdutyCloudwatchKey")), JSON.stringify(found));
    });

    it("issue 22 (1): an error-rate objective that contradicts availabilityPercent is refused, naming the key; one that restates it is not", () => {
        const found = problems("staging", (c) => (c["runbook:alerts"].errorRatePercent = 1));
        assert.ok(found.some((p) => p.path === "alerts.errorRatePercent" && p.requirement === "OB-1" && /99\.5/.test(p.message) && /availabilityPercent to 99\b/.test(p.fix ?? "")), JSON.stringify(found));
        assert.deepStrictEqual(problems("staging", (c) => (c["runbook:alerts"].errorRatePercent = 0.5)), []);
        assert.deepStrictEqual(problems("staging", (c) => Object.assign(c["runbook:alerts"], { errorRatePercent: 0.1, availabilityPercent: 99.9 })), []);
    });

    it("issue 22 (5): a p95 objective off the histogram's bucket edges is refused: the latency SLO could not count the slower requests", () => {
        const found = problems("staging", (c) => Object.assign(c["runbook:alerts"], { p95LatencyMs: 300, highResponseTimeMs: 2000 }));
        assert.ok(found.some((p) => p.path === "alerts.p95LatencyMs" && /250, 400/.test(p.fix ?? "")), JSON.stringify(found));
        assert.deepStrictEqual(problems("staging", (c) => (c["runbook:alerts"].p95LatencyMs = 250)), []);
    });

    it("issue 22 (7): production refuses a relative or missing runbookBaseUrl, naming the key; staging may keep docs/alerts.md", () => {
        const relative = problems("production", (c) => (c["runbook:alerts"].runbookBaseUrl = "docs/alerts.md"));
        assert.ok(relative.some((p) => p.path === "alerts.runbookBaseUrl" && p.requirement === "OB-4" && /https:\/\//.test(p.fix ?? "")), JSON.stringify(relative));
        const missing = problems("production", (c) => delete c["runbook:alerts"].runbookBaseUrl);
        assert.ok(missing.some((p) => p.path === "alerts.runbookBaseUrl"), JSON.stringify(missing));
        assert.deepStrictEqual(problems("staging", (c) => delete c["runbook:alerts"].runbookBaseUrl), []);
        assert.deepStrictEqual(problems("production", () => {}), []);
    });

    it("issue 22 (3): the minimum traffic defaults to 1 request a minute and can be set", () => {
        const ok = (stack: string, mutate: (c: Record<string, any>) => void) => {
            const r = validateConfig(stackRaw(stack, mutate), stack);
            assert.ok(r.ok);
            return r.config;
        };
        assert.strictEqual(ok("staging", () => {}).alerts.minRequestsPerMinute, 1);
        assert.strictEqual(ok("staging", (c) => (c["runbook:alerts"].minRequestsPerMinute = 5)).alerts.minRequestsPerMinute, 5);
    });

    it("thresholds out of range are reported with the key path and the range", () => {
        const found = problems("staging", (c) => (c["runbook:alerts"].availabilityPercent = 100));
        assert.ok(found.some((p) => p.path === "alerts.availabilityPercent" && p.requirement === "OB-1" && /99\.99/.test(p.fix ?? "")), JSON.stringify(found));
        assert.strictEqual(typeof alertProblems, "function");
    });
});
