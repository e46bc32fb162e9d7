import { availabilityAlerts } from "./availability";
import { backupAlerts } from "./backups";
import { certificateAlerts } from "./certificates";
import { customAlerts } from "./custom";
import { dataAlerts } from "./data";
import { latencyAlerts } from "./latency";
import { logAlerts } from "./logs";
import { podAlerts } from "./pods";
import { queueAlerts } from "./queues";
import { SLO_GROUP, sloAlerts, sloRecordingRules } from "./slo";
import { storageAlerts } from "./storage";
import { trafficAlerts } from "./traffic";
import type { AlertRule, AlertRulesInput, AlertSpec, RecordingRule, RuleGroup } from "./types";
import { watchdogAlerts } from "./watchdog";

function isRecording(rule: AlertRule | RecordingRule): rule is RecordingRule {
    return "record" in rule;
}

/** The alert groups, in the order of the rule groups (after the SLO recordings, which open the SLO group). */
const ALERT_GROUPS: Array<(input: AlertRulesInput) => AlertSpec[]> = [
    availabilityAlerts,
    sloAlerts,
    latencyAlerts,
    trafficAlerts,
    queueAlerts,
    podAlerts,
    dataAlerts,
    backupAlerts,
    storageAlerts,
    certificateAlerts,
    logAlerts,
    customAlerts,
    watchdogAlerts,
];

/** Every alert of a stack, each with its proof. */
export function alertSpecs(input: AlertRulesInput): AlertSpec[] {
    return ALERT_GROUPS.flatMap((group) => group(input));
}

/** The rule groups of a stack, as PrometheusRule spec.groups and a promtool rule file take them. */
export function ruleGroups(input: AlertRulesInput, specs: AlertSpec[] = alertSpecs(input)): RuleGroup[] {
    const groups: RuleGroup[] = [];
    const recording = sloRecordingRules(input);
    if (recording.length > 0) groups.push({ name: SLO_GROUP, rules: recording });
    for (const spec of specs) {
        let group = groups.find((g) => g.name === spec.group);
        if (!group) {
            group = { name: spec.group, rules: [] };
            groups.push(group);
        }
        group.rules.push(spec.rule);
    }
    return groups;
}

/** Every alerting rule of some groups. */
export function alertingRules(groups: RuleGroup[]): AlertRule[] {
    return groups.flatMap((g) => g.rules.filter((r): r is AlertRule => !isRecording(r)));
}

/**
 * The group order that exposes stale reads: groups with alerts first, groups of recording rules only
 * last. Prometheus runs every group on its own timer, so this order happens; an alert whose
 * recordings share its group (and precede it) reads the current value in any order.
 */
export function adversarialGroupOrder(groups: RuleGroup[]): string[] {
    const recordingOnly = (g: RuleGroup) => g.rules.every(isRecording);
    return [...groups.filter((g) => !recordingOnly(g)), ...groups.filter(recordingOnly)].map((g) => g.name);
}
