/*
 * UTC time windows as AWS writes them: a daily `hh:mm-hh:mm` (RDS backup window, ElastiCache
 * snapshot window) and a weekly `ddd:hh:mm-ddd:hh:mm` (maintenance windows). Pure, so config
 * validation (BK-1: backup and maintenance never overlap) and the Redis settings read the same
 * arithmetic. Inputs are schema-valid (config/schema.ts checks the format first). Unit-tested in
 * test/unit/lib/windows.test.ts.
 */

/** Day names in the order JavaScript's getUTCDay() and AWS's weekly windows count them. */
export const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** Minutes since midnight of an hh:mm time. */
export function minutesOfDay(hhmm: string): number {
    const [h, m] = hhmm.split(":").map(Number);
    return h * 60 + m;
}

/** Minute ranges within a week, [start, end), for a daily or weekly window. Ranges wrap at the boundary. */
export function windowRanges(window: string): Array<[number, number]> {
    const week = 7 * 24 * 60;
    const toRanges = (start: number, end: number, period: number): Array<[number, number]> =>
        end > start ? [[start, end]] : [[start, period], [0, end]];
    if (/^[a-z]{3}:/.test(window)) {
        const [from, to] = window.split("-");
        const at = (s: string) => (DAYS as readonly string[]).indexOf(s.slice(0, 3)) * 24 * 60 + minutesOfDay(s.slice(4));
        return toRanges(at(from), at(to), week);
    }
    const [from, to] = window.split("-").map(minutesOfDay);
    const ranges: Array<[number, number]> = [];
    for (let day = 0; day < 7; day++) {
        for (const [s, e] of toRanges(from, to, 24 * 60)) ranges.push([s + day * 1440, e + day * 1440]);
    }
    return ranges;
}

/** True when the two windows (daily or weekly, in any combination) share a minute of the week. */
export function windowsOverlap(a: string, b: string): boolean {
    return windowRanges(a).some(([s1, e1]) => windowRanges(b).some(([s2, e2]) => s1 < e2 && s2 < e1));
}

/** Minutes a daily hh:mm-hh:mm window lasts, across midnight when it wraps. */
export function windowMinutes(window: string): number {
    const [start, end] = window.split("-").map(minutesOfDay);
    return end > start ? end - start : 1440 - start + end;
}
