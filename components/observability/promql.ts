/*
 * Small pure helpers for the rule generator: label matchers, synthetic series in promtool's
 * expanding notation, and the subset of Prometheus' Go templating the annotations use, so the
 * expected annotations of each unit test are computed rather than copied.
 */

/** A PromQL label-matcher list: `{namespace="runbook", job=~"api|web"}`. */
export function matchers(labels: Record<string, string | RegExp | undefined>): string {
    const parts = Object.entries(labels)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => (v instanceof RegExp ? `${k}=~${JSON.stringify(v.source)}` : `${k}=${JSON.stringify(v)}`));
    return `{${parts.join(", ")}}`;
}

/** A regex matching exactly one of the names. */
export function oneOf(names: string[]): RegExp {
    return new RegExp(names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));
}

/** A series selector in promtool's input format: `metric{a="b"}`. */
export function series(metric: string, labels: Record<string, string>): string {
    return `${metric}${matchers(labels)}`;
}

/**
 * A counter that grows by `perStep` for `steps` steps, segment after segment, starting at 0, in
 * promtool's expanding notation (`0+100x60 6000+0x10`).
 */
export function counter(segments: Array<[perStep: number, steps: number]>): string {
    const parts: string[] = [];
    let last = 0;
    segments.forEach(([perStep, steps], i) => {
        if (i === 0) {
            parts.push(`0+${num(perStep)}x${steps}`);
            last = perStep * steps;
        } else {
            const first = last + perStep;
            parts.push(`${num(first)}+${num(perStep)}x${steps - 1}`);
            last = first + perStep * (steps - 1);
        }
    });
    return parts.join(" ");
}

/** A gauge holding each value for the given number of steps (`200x40 80x20`). */
export function gauge(segments: Array<[value: number, steps: number]>): string {
    return segments.map(([value, steps], i) => `${num(value)}x${i === 0 ? steps : steps - 1}`).join(" ");
}

function num(n: number): string {
    return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

/** Go's `%.4g`, as Prometheus' `humanizePercentage` uses it, for values between 1e-4 and 1e4. */
function goG4(x: number): string {
    return String(Number(x.toPrecision(4)));
}

/**
 * Renders the template forms the annotations use: `{{ $labels.name }}`, `{{ $value | humanizePercentage }}`
 * and `{{ printf "%.Nf" $value }}`. Anything else is an error, so an annotation cannot silently
 * differ from its expectation.
 */
export function renderTemplate(template: string, labels: Record<string, string>, value: number): string {
    return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_m, inner: string) => {
        const label = /^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
        if (label) return labels[label[1]] ?? "";
        if (/^\$value \| humanizePercentage$/.test(inner)) return `${goG4(value * 100)}%`;
        const printf = /^printf "%\.(\d)f" \$value$/.exec(inner);
        if (printf) return value.toFixed(Number(printf[1]));
        throw new Error(`template form not supported by the test renderer: {{ ${inner} }}`);
    });
}
