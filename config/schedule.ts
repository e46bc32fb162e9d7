/*
 * How often a five-field cron schedule runs, so an alert can tell "late" from "not due yet"
 * (OB-6: 26 h for a daily backup, 2 h for an hourly one).
 */

const HOUR = 3600;
const DAY = 24 * HOUR;

/** The values a cron field lists within [min, max], or undefined for `*`. */
function fieldValues(field: string, min: number, max: number): number[] | undefined {
    if (field === "*" || field === "?") return undefined;
    const values = new Set<number>();
    for (const part of field.split(",")) {
        const [range, stepText] = part.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        const [from, to] = range === "*" ? [min, max] : range.includes("-") ? range.split("-").map(Number) : [Number(range), stepText === undefined ? Number(range) : max];
        if (![from, to, step].every(Number.isFinite) || step < 1) return undefined;
        for (let v = from; v <= to; v += step) values.add(v);
    }
    return [...values].sort((a, b) => a - b);
}

/** The longest gap between consecutive values on a circle of `period`. */
function longestGap(values: number[], period: number): number {
    if (values.length <= 1) return period;
    let gap = values[0] + period - values[values.length - 1];
    for (let i = 1; i < values.length; i++) gap = Math.max(gap, values[i] - values[i - 1]);
    return gap;
}

/**
 * The longest time between two runs of a cron schedule, in seconds: `0 2 * * *` is a day,
 * `15 * * * *` an hour, `0 5 * * 1` a week, `0 5 1 1,4,7,10 *` a quarter (93 days: three months of 31 days, rounded up).
 */
export function cronPeriodSeconds(schedule: string): number {
    const [minute, hour, dayOfMonth, month, dayOfWeek] = schedule.trim().split(/\s+/);
    const hours = fieldValues(hour, 0, 23);
    if (hours === undefined || hours.length > 1) {
        const minutes = fieldValues(minute, 0, 59);
        const minuteGap = minutes === undefined ? 60 : longestGap(minutes, 60);
        if (hours === undefined) return Math.min(minuteGap, 60) * 60;
        return longestGap(hours, 24) * HOUR;
    }
    const months = fieldValues(month, 1, 12);
    if (months !== undefined) return Math.ceil(longestGap(months, 12) * 30.7) * DAY;
    if (fieldValues(dayOfMonth, 1, 31) !== undefined) return 31 * DAY;
    const weekdays = fieldValues(dayOfWeek, 0, 6);
    if (weekdays !== undefined) return longestGap(weekdays.map((d) => d % 7), 7) * DAY;
    return DAY;
}
