import { CronExpressionParser } from "cron-parser";

/*
 * Cron schedules as Kubernetes runs them (CronJob.spec.schedule), parsed with cron-parser: whether a
 * schedule is one, and the longest time between two of its runs, so an alert can tell "late" from
 * "not due yet" (OB-6: 26 h for a daily backup, 2 h for an hourly one). Issue 19: the hand-written
 * field splitter this replaces accepted `0 25 * * *` and prose, which failed later as a policy
 * violation that never named the key.
 */

const DAY_SECONDS = 86400;

/** The macros Kubernetes' cron parser (robfig/cron) accepts, as the five fields they stand for. */
const MACROS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

/**
 * What Kubernetes accepts in a field: numbers, `*`, `?`, ranges, lists, steps and three-letter month
 * or day names. cron-parser also reads Quartz and Jenkins extensions (`L`, `W`, `#`, `H`) that the
 * CronJob controller refuses, so they are refused here first.
 */
const KUBERNETES_FIELD = /^[0-9A-Za-z*?,/-]+$/;
const NAMES = /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$/i;

/** A schedule Kubernetes would run, as five fields, or why it is not one. */
export function parseCronSchedule(schedule: string): { fields: string[] } | { problem: string } {
    const text = schedule.trim();
    const expanded = MACROS[text.toLowerCase()] ?? text;
    const fields = expanded.split(/\s+/).filter((f) => f !== "");
    if (fields.length !== 5) return { problem: `has ${fields.length} field${fields.length === 1 ? "" : "s"}, but a CronJob schedule has five (minute hour day-of-month month day-of-week), such as '0 2 * * *'` };
    for (const f of fields) {
        const words = f.split(/[-,/]/).filter((w) => w !== "" && w !== "*" && w !== "?");
        if (!KUBERNETES_FIELD.test(f) || words.some((w) => !/^\d+$/.test(w) && !NAMES.test(w))) {
            return { problem: `field '${f}' is not one Kubernetes reads (numbers, *, ranges, lists, steps and month or day names only)` };
        }
    }
    try {
        CronExpressionParser.parse(fields.join(" "), { tz: "UTC" });
    } catch (e) {
        return { problem: `is not a valid cron schedule: ${(e as Error).message}` };
    }
    return { fields };
}

/** The fields of a valid schedule; throws for anything else (the config check refuses those first). */
function fieldsOf(schedule: string): string[] {
    const parsed = parseCronSchedule(schedule);
    if ("problem" in parsed) throw new Error(`cron schedule '${schedule}' ${parsed.problem}`);
    return parsed.fields;
}

type ParsedFields = ReturnType<typeof CronExpressionParser.parse>["fields"];

/**
 * The days (counted from 2024-01-01, UTC) on which a schedule runs at all, over eight years (two
 * leap-year cycles), from cron-parser's parsed day fields. As in cron (and Kubernetes), a schedule
 * that restricts both day of month and day of week runs on either; a `*` or `?` matches every day.
 */
function runDays(fields: ParsedFields): number[] | "every day" {
    const dom = fields.dayOfMonth;
    const dow = fields.dayOfWeek;
    const month = fields.month;
    if (dom.isWildcard && dow.isWildcard && month.isWildcard) return "every day";
    const doms = new Set(dom.values.map(Number));
    // cron-parser lists Sunday as 0 and, where written so, 7.
    const dows = new Set(dow.values.map((d) => Number(d) % 7));
    const months = new Set(month.values.map(Number));
    const days: number[] = [];
    const start = Date.UTC(2024, 0, 1);
    for (let day = 0; day < 2922; day++) {
        const date = new Date(start + day * DAY_SECONDS * 1000);
        if (!months.has(date.getUTCMonth() + 1)) continue;
        const byDom = doms.has(date.getUTCDate());
        const byDow = dows.has(date.getUTCDay());
        const runs = dom.isWildcard ? byDow : dow.isWildcard ? byDom : byDom || byDow;
        if (runs) days.push(day);
    }
    return days;
}

/**
 * The longest time between two runs of a cron schedule, in seconds: `0 2 * * *` is a day,
 * `15 * * * *` an hour, `0 5 * * 1` a week, `0 5 1 1,4,7,10 *` a quarter (92 days, October to
 * January). The times of day come from the parsed minute and hour fields, the days from cron-parser's
 * own iteration, so day-of-month and day-of-week combine as cron combines them.
 */
export function cronPeriodSeconds(schedule: string): number {
    const fields = fieldsOf(schedule);
    const parsed = CronExpressionParser.parse(fields.join(" "), { tz: "UTC" }).fields;
    const times = parsed.hour.values.flatMap((h) => parsed.minute.values.map((m) => Number(h) * 3600 + Number(m) * 60)).sort((a, b) => a - b);
    let longest = 0;
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
    const wrap = DAY_SECONDS - times[times.length - 1] + times[0];
    const days = runDays(parsed);
    if (days === "every day") return Math.max(longest, wrap);
    for (let i = 1; i < days.length; i++) longest = Math.max(longest, (days[i] - days[i - 1] - 1) * DAY_SECONDS + wrap);
    return longest;
}
