import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { SECRET_MASK } from "./problems";
import { PROJECT, RawConfig, isSecurePath } from "./secrets";

/**
 * Where a stack's raw config comes from.
 * - Under the Pulumi CLI: the engine's config map, with `secure:` values already decrypted. Which
 *   leaves were `secure:` is read from the stack file beside the program when there is one;
 *   otherwise every key the engine marks secret counts as secure as a whole.
 * - In the offline plan: the stack file itself. There is no key to decrypt `secure:` values, so each
 *   is replaced by a placeholder that stays marked secret.
 */

/** What the offline plan puts where a `secure:` value would be decrypted. */
export function offlineSecretPlaceholder(fullPath: string): string {
    return `offline-placeholder-for-${fullPath.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

function splitKey(key: string): [string, string] {
    const i = key.indexOf(":");
    return i < 0 ? [PROJECT, key] : [key.slice(0, i), key.slice(i + 1)];
}

function isSecureNode(v: unknown): v is { secure: string } {
    return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";
}

/** Replaces `secure:` nodes, recording their paths. */
function collectSecure(value: unknown, fullPath: string, securePaths: Set<string>, replace: (p: string) => unknown): unknown {
    if (isSecureNode(value)) {
        securePaths.add(fullPath);
        return replace(fullPath);
    }
    if (Array.isArray(value)) return value.map((v, i) => collectSecure(v, `${fullPath}[${i}]`, securePaths, replace));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, collectSecure(v, `${fullPath}.${k}`, securePaths, replace)]));
    }
    return value;
}

/** A stack file that cannot be read as one (issue 19): the message names the file and what is wrong. */
export class StackFileError extends Error {}

function describeYamlType(v: unknown): string {
    if (Array.isArray(v)) return "a list";
    if (v === null) return "empty";
    return typeof v === "object" ? "a map" : `a ${typeof v} (${JSON.stringify(v)})`;
}

/** Reads a stack file's `config:` block, replacing each `secure:` value with a placeholder. */
export function rawConfigFromStackFile(text: string, file = "stack file"): RawConfig {
    let doc: unknown;
    try {
        doc = YAML.parse(text);
    } catch (e) {
        // The yaml package appends a code frame; its first line says what and where.
        const first = (e as Error).message.split("\n")[0].trim().replace(/:$/, "");
        throw new StackFileError(`${file}: is not valid YAML: ${first}`);
    }
    if (doc !== null && doc !== undefined && (typeof doc !== "object" || Array.isArray(doc))) {
        throw new StackFileError(`${file}: the file is ${describeYamlType(doc)}, but a stack file is a map with a 'config:' key (config: {runbook:apps: [...], ...})`);
    }
    const config = (doc as { config?: unknown } | null)?.config ?? {};
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new StackFileError(`${file}: 'config' is ${describeYamlType(config)}, but it must be a map of keys to values (runbook:apps: [...], runbook:database: {...})`);
    }
    const namespaces: Record<string, Record<string, unknown>> = {};
    const securePaths = new Set<string>();
    for (const [key, value] of Object.entries(config)) {
        const [namespace, name] = splitKey(key);
        namespaces[namespace] ??= {};
        namespaces[namespace][name] = collectSecure(value, `${namespace}:${name}`, securePaths, offlineSecretPlaceholder);
    }
    return { namespaces, securePaths };
}

/** Paths of `secure:` leaves in a stack file, without their values. */
export function securePathsInStackFile(text: string): Set<string> {
    return new Set(rawConfigFromStackFile(text).securePaths);
}

function parseEngineValue(v: string): unknown {
    const t = v.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(t);
        } catch {
            return v;
        }
    }
    return v;
}

/** Reads the config the Pulumi engine handed to this program. */
export function rawConfigFromEngine(all: Record<string, string>, isSecretKey: (k: string) => boolean, stackFileText?: string): RawConfig {
    const namespaces: Record<string, Record<string, unknown>> = {};
    const fromFile = stackFileText !== undefined ? securePathsInStackFile(stackFileText) : undefined;
    const securePaths = new Set<string>();
    for (const [key, value] of Object.entries(all)) {
        const [namespace, name] = splitKey(key);
        namespaces[namespace] ??= {};
        namespaces[namespace][name] = parseEngineValue(value);
        if (!isSecretKey(key)) continue;
        const fullKey = `${namespace}:${name}`;
        const leaves = fromFile ? [...fromFile].filter((p) => p === fullKey || p.startsWith(`${fullKey}.`) || p.startsWith(`${fullKey}[`)) : [];
        if (leaves.length === 0) securePaths.add(fullKey);
        for (const leaf of leaves) securePaths.add(leaf);
    }
    return { namespaces, securePaths };
}

export function stackFilePath(projectRoot: string, stack: string): string {
    return path.join(projectRoot, `Pulumi.${stack}.yaml`);
}

export function readStackFileIfPresent(projectRoot: string, stack: string): string | undefined {
    const file = stackFilePath(projectRoot, stack);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** A copy of the config's values with every secure leaf replaced by the mask, for validation and display. */
export function maskedNamespaces(raw: RawConfig): Record<string, Record<string, unknown>> {
    const mask = (value: unknown, fullPath: string): unknown => {
        if (isSecurePath(raw.securePaths, fullPath)) return SECRET_MASK;
        if (Array.isArray(value)) return value.map((v, i) => mask(v, `${fullPath}[${i}]`));
        if (value !== null && typeof value === "object") {
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, `${fullPath}.${k}`)]));
        }
        return value;
    };
    return Object.fromEntries(
        Object.entries(raw.namespaces).map(([ns, keys]) => [ns, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, mask(v, `${ns}:${k}`)]))]),
    );
}

/** The plain value at a `namespace:key.path`, or undefined. */
export function valueAtPath(raw: RawConfig, fullPath: string): unknown {
    const [namespace, rest] = splitKey(fullPath);
    const segments = rest.match(/[^.[\]]+/g) ?? [];
    let v: unknown = raw.namespaces[namespace];
    for (const s of segments) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[s];
    }
    return v;
}
