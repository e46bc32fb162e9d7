import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import * as fs from "fs";
import * as path from "path";
import { PlanResource, SECRET, UNKNOWN } from "../../plan/model";
import { CLOUDFLARE_API_TOKEN, CLOUDFLARE_RULESET, CLOUDFLARE_ZONE_SETTING } from "./types";

/*
 * Checks what the program would send to Cloudflare against Cloudflare's API schema, kept trimmed in
 * test/fixtures/cloudflare-api (its README names the sources). Typed SDK inputs are converted to the
 * API's names as the provider converts them; untyped values are checked exactly as written, because
 * the provider sends them as they are (pulumi/pulumi-cloudflare#1579).
 */

const FIXTURES = path.join(__dirname, "..", "..", "..", "test", "fixtures", "cloudflare-api");
const fixture = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));

let validators: { settings: Map<string, ValidateFunction>; ruleset: ValidateFunction; rule: ValidateFunction; tokenPolicy: ValidateFunction } | undefined;

function compiled() {
    if (!validators) {
        const ajv = new Ajv({ allErrors: true, strict: false });
        const settings = fixture("zone-settings.json").settings as Record<string, object>;
        const rulesets = fixture("rulesets.json");
        validators = {
            settings: new Map(Object.entries(settings).map(([id, schema]) => [id, ajv.compile(schema)])),
            ruleset: ajv.compile(rulesets.ruleset),
            rule: ajv.compile(rulesets.rule),
            tokenPolicy: ajv.compile(fixture("api-token.json").policy),
        };
    }
    return validators;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const unknownValue = (v: unknown) => v === UNKNOWN || v === SECRET;

/**
 * A typed SDK input as the provider sends it: each camelCase key becomes the API's snake_case name.
 * A key that is not camelCase names no SDK property, so it would never reach the API; it is reported.
 */
export function toApiNames(value: unknown, at: string, problems: string[]): unknown {
    if (Array.isArray(value)) return value.map((v, i) => toApiNames(v, `${at}[${i}]`, problems));
    if (!isObject(value)) return value;
    return Object.fromEntries(
        Object.entries(value).map(([key, v]) => {
            if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) problems.push(`${at}.${key}: a typed SDK input takes the provider's camelCase names; '${key}' is none, so it never reaches the API`);
            return [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), toApiNames(v, `${at}.${key}`, problems)];
        }),
    );
}

function valueAt(obj: unknown, pointer: string): unknown {
    let v: unknown = obj;
    for (const part of pointer.split("/").slice(1)) {
        if (!isObject(v) && !Array.isArray(v)) return undefined;
        v = (v as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    return v;
}

/** Readable schema errors, leaving out values the plan could not know. */
function schemaErrors(validate: ValidateFunction, value: unknown, at: string): string[] {
    if (validate(value)) return [];
    return ((validate.errors ?? []) as ErrorObject[])
        .filter((e) => !unknownValue(valueAt(value, e.instancePath)))
        .filter((e) => e.keyword !== "if") // each failing `then` is reported on its own
        .map((e) => {
            const where = `${at}${e.instancePath.replace(/\//g, ".")}`;
            if (e.keyword === "additionalProperties") return `${where}: '${(e.params as { additionalProperty: string }).additionalProperty}' is not a key the API defines here`;
            if (e.keyword === "false schema") return `${where}: not an action the fixture knows (add its schema to test/fixtures/cloudflare-api/rulesets.json)`;
            if (e.keyword === "enum") return `${where}: ${JSON.stringify(valueAt(value, e.instancePath))} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
            return `${where}: ${e.message}`;
        });
}

interface RulesLanguage {
    fields: Record<string, string>;
    functions: Record<string, { args: string[]; returns: string }>;
    comparisonOperators: string[];
    logicalOperators: { and: string[]; or: string[]; not: string[] };
}

type Token = { kind: "string" | "word" | "number" | "punct"; text: string };

function tokenize(expression: string): Token[] {
    const tokens: Token[] = [];
    const re = /\s+|("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_.]*)|(\d+)|(==|!=|&&|\|\||[(){},!~])/y;
    let match: RegExpExecArray | null;
    while (re.lastIndex < expression.length) {
        const start = re.lastIndex;
        if (!(match = re.exec(expression))) throw new Error(`unexpected character at ${start}: ${JSON.stringify(expression.slice(start, start + 10))}`);
        if (match[1] !== undefined) {
            const bad = [...match[1].slice(1, -1).matchAll(/\\(.)/g)].find((m) => m[1] !== '"' && m[1] !== "\\");
            if (bad) throw new Error(`string ${match[1]} has the escape \\${bad[1]}; the Rules language only knows \\" and \\\\`);
            tokens.push({ kind: "string", text: match[1] });
        } else if (match[2] !== undefined) tokens.push({ kind: "word", text: match[2] });
        else if (match[3] !== undefined) tokens.push({ kind: "number", text: match[3] });
        else if (match[4] !== undefined) tokens.push({ kind: "punct", text: match[4] });
    }
    return tokens;
}

/**
 * Problems with a Rules-language expression: its grammar (logical operators over comparisons, set
 * membership and function calls, in balanced parentheses), and every field, function and operator
 * checked against test/fixtures/cloudflare-api/rules-language.json, with their types.
 */
export function expressionProblems(expression: string): string[] {
    const lang = fixture("rules-language.json") as RulesLanguage;
    let tokens: Token[];
    try {
        tokens = tokenize(expression);
    } catch (e) {
        return [(e as Error).message];
    }
    let i = 0;
    const peek = () => tokens[i];
    const take = (text?: string): Token => {
        const t = tokens[i];
        if (!t || (text !== undefined && t.text !== text)) throw new Error(`expected ${text ?? "more"} at token ${i}, found ${t ? JSON.stringify(t.text) : "the end"}`);
        i++;
        return t;
    };
    const field = (): string => {
        const t = take();
        if (t.kind !== "word" || lang.fields[t.text] === undefined) throw new Error(`'${t.text}' is not a field the fixture knows`);
        return lang.fields[t.text];
    };
    const operand = (type: string): void => {
        const t = peek();
        if (t?.kind === "string" && type === "String") take();
        else if (t?.kind === "word" && lang.fields[t.text] === type) take();
        else throw new Error(`expected a ${type} at token ${i}, found ${t ? JSON.stringify(t.text) : "the end"}`);
    };
    const primary = (): void => {
        const t = peek();
        if (t?.text === "(") {
            take("(");
            or();
            take(")");
        } else if (t?.text === "true" || t?.text === "false") take();
        else if (t?.kind === "word" && lang.functions[t.text] !== undefined) {
            const fn = lang.functions[take().text];
            take("(");
            fn.args.forEach((type, n) => {
                if (n > 0) take(",");
                operand(type);
            });
            take(")");
            if (fn.returns !== "Boolean") throw new Error(`${t.text}() does not return a Boolean`);
        } else {
            const type = field();
            const op = take();
            if (op.text === "in") {
                take("{");
                do operand(type);
                while (peek() && peek().text !== "}");
                take("}");
            } else if (lang.comparisonOperators.includes(op.text)) operand(type);
            else throw new Error(`'${op.text}' is not a comparison operator`);
        }
    };
    const not = (): void => {
        if (lang.logicalOperators.not.includes(peek()?.text ?? "")) {
            take();
            not();
        } else primary();
    };
    const and = (): void => {
        not();
        while (peek() && lang.logicalOperators.and.includes(peek().text)) {
            take();
            not();
        }
    };
    const or = (): void => {
        and();
        while (peek() && lang.logicalOperators.or.includes(peek().text)) {
            take();
            and();
        }
    };
    try {
        or();
        if (i < tokens.length) throw new Error(`unexpected ${JSON.stringify(tokens[i].text)} at token ${i}`);
    } catch (e) {
        return [(e as Error).message];
    }
    return [];
}

function zoneSettingProblems(r: PlanResource): string[] {
    const id = r.inputs.settingId;
    if (unknownValue(id) || unknownValue(r.inputs.value)) return [];
    const validate = compiled().settings.get(String(id));
    if (!validate) return [`${r.name}: zone setting '${id}' has no schema in test/fixtures/cloudflare-api/zone-settings.json; copy it from the API schema`];
    return schemaErrors(validate, r.inputs.value, `${r.name}.value`);
}

function rulesetProblems(r: PlanResource): string[] {
    const problems = schemaErrors(compiled().ruleset, r.inputs, r.name);
    const rules = r.inputs.rules;
    if (!Array.isArray(rules)) return unknownValue(rules) ? problems : [...problems, `${r.name}.rules: not a list`];
    rules.forEach((rule, n) => {
        const at = `${r.name}.rules[${n}]`;
        if (unknownValue(rule)) return;
        problems.push(...schemaErrors(compiled().rule, toApiNames(rule, at, problems), at));
        const expression = isObject(rule) ? rule.expression : undefined;
        if (typeof expression === "string" && !unknownValue(expression)) problems.push(...expressionProblems(expression).map((p) => `${at}.expression: ${p}`));
        const counting = isObject(rule) && isObject(rule.ratelimit) ? rule.ratelimit.countingExpression : undefined;
        if (typeof counting === "string") problems.push(...expressionProblems(counting).map((p) => `${at}.ratelimit.countingExpression: ${p}`));
    });
    return problems;
}

function apiTokenProblems(r: PlanResource): string[] {
    const policies = r.inputs.policies;
    if (!Array.isArray(policies)) return [];
    const problems: string[] = [];
    policies.forEach((policy, n) => {
        const at = `${r.name}.policies[${n}]`;
        if (!isObject(policy)) return;
        // resources is a JSON string the provider passes through: parsed, never renamed.
        const { resources, ...typed } = policy;
        let parsed: unknown = resources;
        if (typeof resources === "string" && !unknownValue(resources)) {
            try {
                parsed = JSON.parse(resources);
            } catch {
                problems.push(`${at}.resources: not JSON`);
                return;
            }
        }
        problems.push(...schemaErrors(compiled().tokenPolicy, { ...(toApiNames(typed, at, problems) as object), resources: parsed }, at));
    });
    return problems;
}

/** Every way the planned Cloudflare resources depart from the API's schema; empty when none does. */
export function cloudflareApiErrors(resources: PlanResource[]): string[] {
    return resources.flatMap((r) => {
        if (r.type === CLOUDFLARE_ZONE_SETTING) return zoneSettingProblems(r);
        if (r.type === CLOUDFLARE_RULESET) return rulesetProblems(r);
        if (r.type === CLOUDFLARE_API_TOKEN) return apiTokenProblems(r);
        return [];
    });
}
