import * as assert from "assert";
import { MONGODB_ALERT_INPUT } from "../../helpers/alertInputs";
import { AlertRulesInput, AlertSpec, ruleGroups } from "../../../components/observability/alertRules";
import { AVAILABILITY_GROUP, availabilityAlerts } from "../../../components/observability/alerts/availability";
import { BACKUPS_GROUP, backupAlerts } from "../../../components/observability/alerts/backups";
import { CERTIFICATES_GROUP, certificateAlerts } from "../../../components/observability/alerts/certificates";
import { CUSTOM_GROUP, customAlerts } from "../../../components/observability/alerts/custom";
import { DATA_GROUP, dataAlerts } from "../../../components/observability/alerts/data";
import { LATENCY_GROUP, latencyAlerts } from "../../../components/observability/alerts/latency";
import { LOGS_GROUP, logAlerts } from "../../../components/observability/alerts/logs";
import { PODS_GROUP, podAlerts } from "../../../components/observability/alerts/pods";
import { QUEUES_GROUP, queueAlerts } from "../../../components/observability/alerts/queues";
import { SLO_GROUP, sloAlerts } from "../../../components/observability/alerts/slo";
import { STORAGE_GROUP, storageAlerts } from "../../../components/observability/alerts/storage";
import { TRAFFIC_GROUP, trafficAlerts } from "../../../components/observability/alerts/traffic";
import { WATCHDOG_GROUP, watchdogAlerts } from "../../../components/observability/alerts/watchdog";

/*
 * Issue 18 (3): one module per rule group under components/observability/alerts/. A module that
 * declared its alerts with another group's constructor, or two modules sharing a group name, would
 * merge or reorder the rule groups (and renumber the promtool tests) without any alert changing.
 */

const MODULES: Array<[string, (input: AlertRulesInput) => AlertSpec[]]> = [
    [AVAILABILITY_GROUP, availabilityAlerts],
    [SLO_GROUP, sloAlerts],
    [LATENCY_GROUP, latencyAlerts],
    [TRAFFIC_GROUP, trafficAlerts],
    [QUEUES_GROUP, queueAlerts],
    [PODS_GROUP, podAlerts],
    [DATA_GROUP, dataAlerts],
    [BACKUPS_GROUP, backupAlerts],
    [STORAGE_GROUP, storageAlerts],
    [CERTIFICATES_GROUP, certificateAlerts],
    [LOGS_GROUP, logAlerts],
    [CUSTOM_GROUP, customAlerts],
    [WATCHDOG_GROUP, watchdogAlerts],
];

const base: AlertRulesInput = MONGODB_ALERT_INPUT;
const variants: AlertRulesInput[] = [
    base,
    { ...base, databaseEngine: "postgres", mongodbMembers: undefined, redisMode: "elasticache", backups: [{ datastore: "postgres", schedule: "0 2 * * *" }], restoreDrills: [] },
    { ...base, apps: [{ name: "worker", role: "worker" }] },
    { ...base, apps: [], backups: [], restoreDrills: [] },
    { ...base, r2Usage: undefined },
];

describe("unit: alert group modules (issue 18)", () => {
    it("each module's alerts all belong to its own rule group, and no two modules share one", () => {
        assert.strictEqual(new Set(MODULES.map(([group]) => group)).size, MODULES.length);
        for (const input of variants) {
            for (const [group, alerts] of MODULES) {
                for (const spec of alerts(input)) assert.strictEqual(spec.group, group, `${spec.rule.alert} is declared in the ${group} module`);
            }
        }
    });

    it("the rule groups come out in the modules' order, the SLO group first where its recording rules open it", () => {
        for (const input of variants) {
            const withAlerts = MODULES.filter(([, alerts]) => alerts(input).length > 0).map(([group]) => group);
            const hasRecordings = input.apps.some((a) => a.role !== "worker");
            const expected = [...new Set([...(hasRecordings ? [SLO_GROUP] : []), ...withAlerts])];
            assert.deepStrictEqual(
                ruleGroups(input).map((g) => g.name),
                expected,
                `apps: ${input.apps.map((a) => a.name).join(", ") || "none"}`,
            );
        }
    });
});

describe("unit: the log-shipping alerts (OB-5)", () => {
    it("exist only where the stack installs the shipper", () => {
        const { logShipping: _shipping, ...without } = MONGODB_ALERT_INPUT;
        assert.deepStrictEqual(logAlerts(without), []);
        assert.deepStrictEqual(
            logAlerts(MONGODB_ALERT_INPUT).map((s) => [s.rule.alert, s.rule.labels.severity, s.rule.labels.category]),
            [
                ["LogShippingStopped", "sev3", "logs"],
                ["LogShippingDropping", "sev3", "logs"],
            ],
        );
    });

    it("read the shipper's own job, and LogShippingStopped also fires when the shipper is gone (no series at all) while the stack's pods run", () => {
        const [stopped, dropping] = logAlerts({ ...MONGODB_ALERT_INPUT, logShipping: { job: "alloy" } });
        assert.match(stopped.rule.expr, /loki_write_sent_entries_total\{job="alloy"\}\[15m\]\)\) or vector\(0\)\) == 0/);
        assert.match(stopped.rule.expr, /kube_pod_status_phase\{namespace="runbook-staging", phase="Running"\}/);
        assert.match(dropping.rule.expr, /^sum by \(reason\) \(increase\(loki_write_dropped_entries_total\{job="alloy"\}\[15m\]\)\) > 0$/);
        assert.match(stopped.rule.annotations.runbook_url, /#logshippingstopped$/);
    });
});
