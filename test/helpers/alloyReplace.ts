/*
 * Grafana Alloy's `stage.replace` on a log line, for the redaction tests: every match of the
 * expression (FindAllStringSubmatchIndex), each capture group's text replaced by `replace`, the rest
 * kept (grafana/alloy internal/component/loki/process/stages/replace.go, getReplacedEntry). The
 * expression is RE2; the redaction rules keep to what JavaScript reads the same way, except the
 * leading `(?i)`, which becomes the `i` flag here. Alloy itself is not installable on this machine,
 * so this is how the rules are run against sample lines.
 */

/** Constructs RE2 has and JavaScript reads differently, or JavaScript has and RE2 refuses. */
const NOT_RE2 = [/\(\?[=!]/, /\(\?<[=!]/, /\\[1-9]/, /\(\?<[A-Za-z]/, /\\[pP]\{/];

/** The expression as a JavaScript RegExp with group indices; throws on what RE2 would not read alike. */
export function re2AsJs(expression: string): RegExp {
    for (const bad of NOT_RE2) if (bad.test(expression)) throw new Error(`not portable between RE2 and JavaScript (${bad}): ${expression}`);
    let flags = "gd";
    let source = expression;
    if (source.startsWith("(?i)")) {
        flags += "i";
        source = source.slice(4);
    }
    if (source.includes("(?")) {
        const rest = source.replace(/\(\?:/g, "");
        if (rest.includes("(?")) throw new Error(`flags other than a leading (?i) are not portable: ${expression}`);
    }
    return new RegExp(source, flags);
}

/** One stage.replace on `line`. */
export function applyReplace(line: string, expression: string, replace: string): string {
    const re = re2AsJs(expression);
    let result = "";
    let previousEnd = 0;
    for (const m of line.matchAll(re)) {
        const indices = (m as RegExpMatchArray & { indices: Array<[number, number] | undefined> }).indices;
        for (let g = 1; g < indices.length; g++) {
            const span = indices[g];
            if (span === undefined) continue;
            if (previousEnd === 0 || previousEnd <= span[0]) {
                result += line.slice(previousEnd, span[0]) + replace;
                previousEnd = span[1];
            }
        }
    }
    return result + line.slice(previousEnd);
}

/** The stages in order, as loki.process runs them. */
export function applyReplaces(line: string, stages: Array<{ expression: string }>, replace: string): string {
    return stages.reduce((l, s) => applyReplace(l, s.expression, replace), line);
}
