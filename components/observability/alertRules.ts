/*
 * The alert rules, generated from the stack config (OB-1, OB-2, OB-3, OB-6, OB-7, BK-6, ED-2). Every
 * alert is declared together with its proof: synthetic series that must make it fire with exactly
 * these labels and annotations, and series just inside the threshold that must not. The rule
 * groups are derived from the same list, so an alert cannot exist without its promtool unit test.
 *
 * The work lives in alerts/: one module per rule group (availability, slo, latency, traffic, queues,
 * pods, data, backups, certificates, watchdog), rules.ts composing them into rule groups, proof.ts
 * and scenarios.ts writing the promtool documents. This module is their public face.
 */

export type { AlertApp, AlertProof, AlertRule, AlertRulesInput, AlertSpec, BackupTarget, Category, InputSeries, RecordingRule, RuleGroup, Severity } from "./alerts/types";
export { SEVERITIES } from "./alerts/types";
export { adversarialGroupOrder, alertSpecs, alertingRules, ruleGroups } from "./alerts/rules";
export type { TrafficSegment } from "./alerts/proof";
export { expectedAnnotations, expectedLabels, latencyTraffic, p95Mix, promtoolTests, requestTraffic } from "./alerts/proof";
export type { ScenarioTest } from "./alerts/scenarios";
export { defectScenarios, freshStackScenarios, timingScenarios } from "./alerts/scenarios";
export { SLO_GROUP, SLO_RECORDS, latencyBucketLabel, sloRatioRecord, sloRecordingRules } from "./alerts/slo";
export { BACKUPS_GROUP, newestExpiringLeadDays } from "./alerts/backups";
export { NO_TRAFFIC, noTrafficDetection } from "./alerts/traffic";
