import { cronPeriodSeconds } from "../../../lib/cron";
import { BACKUP_METRICS, BACKUP_PUSH_JOB, BACKUP_REPLICA_METRICS, DRILL_METRICS, DRILL_PUSH_JOB } from "../backupMetrics";
import { replicaLagLimitSeconds } from "../../../config/resolve";
import { round10 } from "../burnRate";
import { gauge, matchers, series } from "../promql";
import { alertsOf, duration, literal } from "./alert";
import type { AlertRulesInput, AlertSpec, InputSeries } from "./types";

/** The group the backup and drill alerts live in. */
export const BACKUPS_GROUP = "runbook-backups";

/** BackupNewestExpiring: days before the newest backup of a prefix expires that it fires (a week, or half the retention when shorter). */
export function newestExpiringLeadDays(retentionDays: number): number {
    return Math.max(1, Math.min(7, Math.floor(retentionDays / 2)));
}

/** Backups and drills (OB-6, BK-2, BK-6, BK-7): the metrics the backup and drill jobs push. */
export function backupAlerts(input: AlertRulesInput): AlertSpec[] {
    const t = input.thresholds;
    const alert = alertsOf(input, { name: BACKUPS_GROUP, category: "backups" });
    const specs: AlertSpec[] = [];
    const margin = t.backupMarginHours * 3600;
    for (const target of input.backups) {
        const push = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: target.datastore };
        /** The other datastores' backups, present, so only this one's absence is tested. */
        const othersPresent = (steps: number): InputSeries[] =>
            input.backups
                .filter((b) => b.datastore !== target.datastore)
                .map((b) => ({ series: series(BACKUP_METRICS.lastSuccessTimestamp, { ...push, datastore: b.datastore }), values: gauge([[0, steps]]) }));
        const sel = matchers(push);
        // The schedule plus the margin, and never more than one extra period: 26 h daily, 2 h hourly.
        const period = cronPeriodSeconds(target.schedule);
        const maxAge = period + Math.min(margin, period);
        const hours = maxAge / 3600;
        const interval = maxAge > 6 * 3600 ? "10m" : "1m";
        const evalFire = duration(maxAge + 3600);
        const steps = (maxAge + 7200) / (interval === "10m" ? 600 : 60);
        const evalQuiet = duration(maxAge - 600);
        const ageLabels = { datastore: target.datastore };
        specs.push(alert({
            name: "BackupTooOld",
            severity: "sev2",
            requirement: "OB-6",
            expr: `(time() - max by (datastore) (${BACKUP_METRICS.lastSuccessTimestamp}${sel})) / 3600 > ${literal(hours)}`,
            labels: ageLabels,
            summary: `The last good ${target.datastore} backup is older than ${literal(hours)} h`,
            description: `The last ${target.datastore} backup that was uploaded and verified finished {{ printf "%.1f" $value }} hours ago; the schedule '${target.schedule}' allows ${literal(hours)} h`,
            proof: {
                interval,
                firing: [{ series: series(BACKUP_METRICS.lastSuccessTimestamp, push), values: gauge([[0, steps]]) }],
                evalTime: evalFire,
                outputLabels: { datastore: target.datastore },
                value: (maxAge + 3600) / 3600,
                quiet: [{ series: series(BACKUP_METRICS.lastSuccessTimestamp, push), values: gauge([[0, steps]]) }],
                quietEvalTime: evalQuiet,
            },
        }));
        specs.push(alert({
            name: "BackupNeverSucceeded",
            severity: "sev2",
            requirement: "OB-6",
            expr: `absent(${BACKUP_METRICS.lastSuccessTimestamp}${sel})`,
            for: duration(maxAge),
            labels: ageLabels,
            summary: `No good ${target.datastore} backup has been recorded`,
            description: `No ${target.datastore} backup has reported success for ${literal(hours)} h: the backup job is not running, or cannot reach the Pushgateway`,
            proof: {
                interval,
                firing: othersPresent(steps),
                evalTime: evalFire,
                outputLabels: push,
                value: 1,
                quiet: othersPresent(steps),
                quietEvalTime: evalQuiet,
            },
        }));
    }
    // Issue 17 #7: a full backup far smaller than the one before it: a wiped database, or the wrong one
    // dumped. The job pushes both sizes (the previous 0 when it had none, which never fires).
    const dropRatio = round10(1 - t.backupSizeDropPercent / 100);
    for (const target of input.backups.filter((b) => b.watchSize === true)) {
        const push = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: target.datastore };
        const sel = matchers(push);
        const sized = (size: number, previous: number): InputSeries[] => [
            { series: series(BACKUP_METRICS.sizeBytes, push), values: gauge([[size, 10]]) },
            { series: series(BACKUP_METRICS.previousSizeBytes, push), values: gauge([[previous, 10]]) },
        ];
        const previous = 1_000_000_000;
        const fired = Math.round(previous * dropRatio * 0.8);
        specs.push(alert({
            name: "BackupSizeDropped",
            severity: "sev2",
            requirement: "OB-6",
            expr: `max by (datastore) (${BACKUP_METRICS.sizeBytes}${sel} / (${BACKUP_METRICS.previousSizeBytes}${sel} > 0)) < ${literal(dropRatio)}`,
            labels: { datastore: target.datastore },
            summary: `The last ${target.datastore} backup is less than ${literal(100 - t.backupSizeDropPercent)} % of the one before it`,
            description: `The last good ${target.datastore} backup is {{ $value | humanizePercentage }} of the size of the one before it: data may have been deleted, or the wrong database dumped; check before the retention expires the good backups`,
            proof: {
                interval: "1m",
                firing: sized(fired, previous),
                evalTime: "5m",
                outputLabels: { datastore: target.datastore },
                value: fired / previous,
                quiet: sized(Math.round(previous * dropRatio * 1.02), previous),
            },
        }));
    }
    // Issue 17 #10: backups stopped long enough that the newest one expires soon (the monthly copies
    // outlive it, but they are up to a month older). Pages, where BackupTooOld only tickets.
    for (const target of input.backups.filter((b) => b.retentionDays !== undefined)) {
        const push = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: target.datastore };
        const retention = target.retentionDays!;
        const lead = newestExpiringLeadDays(retention);
        const limitDays = retention - lead;
        const steps = (limitDays + 2) * 24;
        specs.push(alert({
            name: "BackupNewestExpiring",
            severity: "sev1",
            requirement: "BK-2",
            expr: `(time() - max by (datastore) (${BACKUP_METRICS.lastSuccessTimestamp}${matchers(push)})) / 86400 > ${limitDays}`,
            labels: { datastore: target.datastore },
            summary: `No good ${target.datastore} backup for ${limitDays} days: the newest expires within ${lead}`,
            description: `The last good ${target.datastore} backup finished {{ printf "%.1f" $value }} days ago; its prefix keeps backups ${retention} days, so within ${lead} days no daily ${target.datastore} backup is left`,
            proof: {
                interval: "1h",
                firing: [{ series: series(BACKUP_METRICS.lastSuccessTimestamp, push), values: gauge([[0, steps]]) }],
                evalTime: duration((limitDays + 1) * 86400),
                outputLabels: { datastore: target.datastore },
                value: limitDays + 1,
                quiet: [{ series: series(BACKUP_METRICS.lastSuccessTimestamp, push), values: gauge([[0, steps]]) }],
                quietEvalTime: duration(limitDays * 86400 - 3600),
            },
        }));
    }
    if (input.backups.length > 0) {
        const push = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: input.backups[0].datastore };
        specs.push(alert({
            name: "BackupFailed",
            severity: "sev2",
            requirement: "OB-6",
            expr: `min by (datastore) (${BACKUP_METRICS.lastRunSuccess}${matchers({ job: BACKUP_PUSH_JOB, stack: input.stack })}) == 0`,
            summary: "The last {{ $labels.datastore }} backup failed",
            description: "The last {{ $labels.datastore }} backup attempt failed; nothing was promoted, so the previous backup is still the newest good one",
            proof: {
                interval: "1m",
                firing: [{ series: series(BACKUP_METRICS.lastRunSuccess, push), values: gauge([[1, 5], [0, 6]]) }],
                evalTime: "10m",
                outputLabels: { datastore: push.datastore },
                value: 0,
                quiet: [{ series: series(BACKUP_METRICS.lastRunSuccess, push), values: gauge([[0, 5], [1, 6]]) }],
            },
        }));
    }
    specs.push(...replicaAlerts(input, alert));

    // Restore drills (BK-6, BK-7): watched where they run and push, which is the stack holding the
    // drill's key (staging), for every stack whose backups it restores; the `stack` label says whose.
    // A stack whose backups are drilled elsewhere (production) has no drill alerts of its own: its
    // Prometheus never receives drill metrics, and an alert waiting for them would fire forever.
    if (input.restoreDrills.length > 0) {
        const first = input.restoreDrills[0];
        const drill = { job: DRILL_PUSH_JOB, stack: first.stack, datastore: first.datastore };
        const drillAny = matchers({ job: DRILL_PUSH_JOB });
        const drillOut = { stack: first.stack, datastore: first.datastore };
        specs.push(alert({
            name: "RestoreDrillFailed",
            severity: "sev3",
            requirement: "BK-6",
            expr: `min by (stack, datastore) (${DRILL_METRICS.lastRunSuccess}${drillAny}) == 0`,
            summary: "The last {{ $labels.datastore }} restore drill of {{ $labels.stack }} failed",
            description: "The last restore drill of {{ $labels.stack }}'s {{ $labels.datastore }} backups did not restore, or a check after the restore failed: the backups may not be restorable",
            proof: {
                interval: "1m",
                firing: [{ series: series(DRILL_METRICS.lastRunSuccess, drill), values: gauge([[0, 10]]) }],
                evalTime: "5m",
                outputLabels: drillOut,
                value: 0,
                quiet: [{ series: series(DRILL_METRICS.lastRunSuccess, drill), values: gauge([[1, 10]]) }],
            },
        }));
        /**
         * The other drills' passes, present, so that only this drill's absence is tested: with two
         * drill targets or more, each one's RestoreDrillNeverSucceeded fires on empty input too, and
         * its proof would see them all (promtool wants some series: an unrelated one when alone).
         */
        const otherDrillsPresent = (target: { stack: string; datastore: string }, steps: number): InputSeries[] => {
            const others = input.restoreDrills
                .filter((d) => d.stack !== target.stack || d.datastore !== target.datastore)
                .map((d) => ({ series: series(DRILL_METRICS.lastSuccessTimestamp, { job: DRILL_PUSH_JOB, stack: d.stack, datastore: d.datastore }), values: gauge([[0, steps]]) }));
            return others.length > 0 ? others : [{ series: series("runbook_unrelated_series", { job: "x" }), values: gauge([[1, steps]]) }];
        };
        for (const target of input.restoreDrills) {
            const watched = { job: DRILL_PUSH_JOB, stack: target.stack, datastore: target.datastore };
            /** The other drills' metrics, present and current, so only this drill's absence or age is tested. */
            const othersPresent = (steps: number): InputSeries[] =>
                input.restoreDrills
                    .filter((d) => d !== target)
                    .map((d) => ({ series: series(DRILL_METRICS.lastSuccessTimestamp, { job: DRILL_PUSH_JOB, stack: d.stack, datastore: d.datastore }), values: `0+3600x${steps}` }));
            const out = { stack: target.stack, datastore: target.datastore };
            const drillMax = cronPeriodSeconds(target.schedule) + 86400;
            const drillDays = drillMax / 86400;
            const drillSteps = (drillMax + 2 * 86400) / 3600;
            specs.push(alert({
                name: "RestoreDrillOverdue",
                severity: "sev3",
                requirement: "BK-6",
                expr: `(time() - max by (stack, datastore) (${DRILL_METRICS.lastSuccessTimestamp}${matchers(watched)})) / 86400 > ${literal(drillDays)}`,
                summary: `The ${target.datastore} restore drill of ${target.stack} is overdue`,
                description: `The last passing restore drill of ${target.stack}'s ${target.datastore} backups finished {{ printf "%.1f" $value }} days ago; the schedule '${target.schedule}' allows ${literal(drillDays)} days`,
                proof: {
                    interval: "1h",
                    firing: [{ series: series(DRILL_METRICS.lastSuccessTimestamp, watched), values: gauge([[0, drillSteps]]) }, ...othersPresent(drillSteps)],
                    evalTime: duration(drillMax + 86400),
                    outputLabels: out,
                    value: drillDays + 1,
                    quiet: [{ series: series(DRILL_METRICS.lastSuccessTimestamp, watched), values: gauge([[0, drillSteps]]) }, ...othersPresent(drillSteps)],
                    quietEvalTime: duration(drillMax - 3600),
                },
            }));
            specs.push(alert({
                name: "RestoreDrillNeverSucceeded",
                severity: "sev3",
                requirement: "BK-6",
                expr: `absent(${DRILL_METRICS.lastSuccessTimestamp}${matchers(watched)})`,
                for: duration(drillMax),
                labels: out,
                summary: `No passing ${target.datastore} restore drill of ${target.stack} has been recorded`,
                description: `No restore drill of ${target.stack}'s ${target.datastore} backups has passed for ${literal(drillDays)} days: the drill is not running, or has never passed`,
                proof: {
                    interval: "1h",
                    firing: otherDrillsPresent(target, drillSteps),
                    evalTime: duration(drillMax + 86400),
                    outputLabels: watched,
                    value: 1,
                    quiet: otherDrillsPresent(target, drillSteps),
                    quietEvalTime: duration(drillMax - 3600),
                },
            }));
        }
        specs.push(alert({
            name: "RestoreDrillRtoAboveTarget",
            severity: "sev3",
            requirement: "BK-7",
            expr: `max by (stack, datastore) (${DRILL_METRICS.rtoSeconds}${drillAny}) / 60 > ${t.rtoTargetMinutes}`,
            summary: `The last {{ $labels.datastore }} restore of {{ $labels.stack }} took longer than the ${t.rtoTargetMinutes}-minute RTO`,
            description: `Fetching, verifying, decrypting and restoring the latest {{ $labels.datastore }} backup of {{ $labels.stack }} took {{ printf "%.0f" $value }} minutes; the target is ${t.rtoTargetMinutes}`,
            proof: {
                interval: "1m",
                firing: [{ series: series(DRILL_METRICS.rtoSeconds, drill), values: gauge([[t.rtoTargetMinutes * 60 * 1.25, 10]]) }],
                evalTime: "5m",
                outputLabels: drillOut,
                value: t.rtoTargetMinutes * 1.25,
                quiet: [{ series: series(DRILL_METRICS.rtoSeconds, drill), values: gauge([[t.rtoTargetMinutes * 60 - 30, 10]]) }],
            },
        }));
        specs.push(alert({
            name: "RestoreDrillRpoAboveTarget",
            severity: "sev3",
            requirement: "BK-7",
            expr: `max by (stack, datastore) (${DRILL_METRICS.rpoSeconds}${drillAny}) / 3600 > ${t.rpoTargetHours}`,
            summary: `The last {{ $labels.datastore }} restore of {{ $labels.stack }} lost more than the ${t.rpoTargetHours}-hour RPO`,
            description: `The {{ $labels.datastore }} backup of {{ $labels.stack }} the drill restored was {{ printf "%.1f" $value }} hours old when the drill started; the target is ${t.rpoTargetHours} h`,
            proof: {
                interval: "1m",
                firing: [{ series: series(DRILL_METRICS.rpoSeconds, drill), values: gauge([[t.rpoTargetHours * 3600 * 1.25, 10]]) }],
                evalTime: "5m",
                outputLabels: drillOut,
                value: t.rpoTargetHours * 1.25,
                quiet: [{ series: series(DRILL_METRICS.rpoSeconds, drill), values: gauge([[t.rpoTargetHours * 3600 - 60, 10]]) }],
            },
        }));
    }
    return specs;
}

/**
 * The replica (BK-3, OB-6): every backup copied to the second site. The job pushes whether its last
 * copy succeeded, when one last did, and how far the replica's newest backup trails the primary's.
 * A failed copy never fails the backup (the primary is promoted), so these are the only signal.
 */
function replicaAlerts(input: AlertRulesInput, alert: ReturnType<typeof alertsOf>): AlertSpec[] {
    const replicated = input.backups.filter((b) => b.replicated === true);
    if (replicated.length === 0) return [];
    const specs: AlertSpec[] = [];
    for (const target of replicated) {
        const push = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: target.datastore };
        const sel = matchers(push);
        const period = cronPeriodSeconds(target.schedule);
        const limit = replicaLagLimitSeconds(period, input.thresholds);
        const hours = limit / 3600;
        const interval = limit > 6 * 3600 ? "10m" : "1m";
        const steps = (limit + 7200) / (interval === "10m" ? 600 : 60);
        const labels = { datastore: target.datastore };
        specs.push(alert({
            name: "BackupReplicaLagging",
            severity: "sev2",
            requirement: "BK-3",
            expr: `max by (datastore) (${BACKUP_REPLICA_METRICS.lagSeconds}${sel}) / 3600 > ${literal(hours)}`,
            labels,
            summary: `The replica's newest ${target.datastore} backup trails the primary's by more than ${literal(hours)} h`,
            description: `The newest ${target.datastore} backup in the replica bucket is {{ printf "%.1f" $value }} hours older than the newest in the primary bucket; ${literal(hours)} h are allowed: the second site would lose that much more in a disaster`,
            proof: {
                interval: "1m",
                firing: [{ series: series(BACKUP_REPLICA_METRICS.lagSeconds, push), values: gauge([[limit + 3600, 10]]) }],
                evalTime: "5m",
                outputLabels: labels,
                value: (limit + 3600) / 3600,
                quiet: [{ series: series(BACKUP_REPLICA_METRICS.lagSeconds, push), values: gauge([[limit, 10]]) }],
            },
        }));
        /** The other datastores' replica successes, present, so only this one's absence is tested. */
        const othersPresent: InputSeries[] = replicated
            .filter((b) => b.datastore !== target.datastore)
            .map((b) => ({ series: series(BACKUP_REPLICA_METRICS.lastSuccessTimestamp, { ...push, datastore: b.datastore }), values: gauge([[0, steps]]) }));
        // promtool wants some input series: an unrelated one when this is the only replicated datastore.
        const background = othersPresent.length > 0 ? othersPresent : [{ series: series("runbook_unrelated_series", { job: "x" }), values: gauge([[1, steps]]) }];
        specs.push(alert({
            name: "BackupReplicaNeverSucceeded",
            severity: "sev2",
            requirement: "BK-3",
            expr: `absent(${BACKUP_REPLICA_METRICS.lastSuccessTimestamp}${sel})`,
            for: duration(limit),
            labels,
            summary: `No ${target.datastore} backup has reached the replica`,
            description: `No copy of a ${target.datastore} backup to the replica bucket has succeeded for ${literal(hours)} h: the backups have no second site`,
            proof: {
                interval,
                firing: background,
                evalTime: duration(limit + 3600),
                outputLabels: push,
                value: 1,
                quiet: background,
                quietEvalTime: duration(limit - 600),
            },
        }));
    }
    const first = { job: BACKUP_PUSH_JOB, stack: input.stack, datastore: replicated[0].datastore };
    specs.push(alert({
        name: "BackupReplicaFailed",
        severity: "sev3",
        requirement: "BK-3",
        expr: `min by (datastore) (${BACKUP_REPLICA_METRICS.lastRunSuccess}${matchers({ job: BACKUP_PUSH_JOB, stack: input.stack })}) == 0`,
        summary: "The last copy of the {{ $labels.datastore }} backup to the replica failed",
        description: "The last {{ $labels.datastore }} backup was promoted in the primary bucket, but its copy to the replica bucket failed or did not match its checksum; the replica still holds only older backups",
        proof: {
            interval: "1m",
            firing: [{ series: series(BACKUP_REPLICA_METRICS.lastRunSuccess, first), values: gauge([[1, 5], [0, 6]]) }],
            evalTime: "10m",
            outputLabels: { datastore: first.datastore },
            value: 0,
            quiet: [{ series: series(BACKUP_REPLICA_METRICS.lastRunSuccess, first), values: gauge([[0, 5], [1, 6]]) }],
        },
    }));
    return specs;
}
