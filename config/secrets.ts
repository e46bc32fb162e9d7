import { ConfigProblem } from "./problems";

export const PROJECT = "runbook";

/**
 * Stack config as read, before validation: each namespace's keys with their values, plus which
 * values came from `secure:` entries. A path is `namespace:key.sub[0].leaf`.
 */
export interface RawConfig {
    namespaces: Record<string, Record<string, unknown>>;
    /** Paths whose value (and everything below it) was given as `secure:`. */
    securePaths: ReadonlySet<string>;
}

/** Words that mark a key as holding a secret (SC-1). */
const SECRET_WORDS = new Set(["password", "passwd", "pwd", "token", "secret", "key", "apikey", "webhook", "credential", "credentials", "privatekey"]);
/** Keys whose values name secrets rather than hold them: `secretRefs`, and the env names of `apps[].r2Env`. */
const REFERENCE_KEYS = new Set(["secretRefs", "r2Env"]);

/** Splits camelCase, snake_case and kebab-case into lowercase words. */
export function keyWords(key: string): string[] {
    return key
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .split(/[^A-Za-z0-9]+/)
        .filter((w) => w !== "")
        .map((w) => w.toLowerCase());
}

export function looksSecret(key: string): boolean {
    return keyWords(key).some((w) => SECRET_WORDS.has(w));
}

export function isSecurePath(securePaths: ReadonlySet<string>, fullPath: string): boolean {
    for (const p of securePaths) {
        if (fullPath === p || fullPath.startsWith(`${p}.`) || fullPath.startsWith(`${p}[`)) return true;
    }
    return false;
}

/** The command that stores a secret at a `runbook:` key path. */
export function setSecretCommand(path: string): string {
    const pathFlag = path.includes(".") || path.includes("[") ? "--path " : "";
    return `pulumi config set --secret ${pathFlag}'${PROJECT}:${path}' <value>`;
}

/** How a path is shown to users: keys of this project without the namespace, others with it. */
export function displayPath(namespace: string, path: string): string {
    return namespace === PROJECT ? path : `${namespace}:${path}`;
}

/**
 * Every secret-looking value given as plain text (SC-1). A value counts as secret-looking when its
 * key contains a word such as password, token, secret or key, or when it sits under
 * `runbook:secrets`, where every value is a secret.
 */
export function findPlaintextSecrets(raw: RawConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const visit = (namespace: string, path: string, key: string, value: unknown, underSecrets: boolean) => {
        if (REFERENCE_KEYS.has(key)) return;
        if (Array.isArray(value)) {
            value.forEach((v, i) => visit(namespace, `${path}[${i}]`, key, v, underSecrets));
            return;
        }
        if (value !== null && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) visit(namespace, `${path}.${k}`, k, v, underSecrets);
            return;
        }
        if (typeof value !== "string" || value === "") return;
        if (!underSecrets && !looksSecret(key)) return;
        if (isSecurePath(raw.securePaths, `${namespace}:${path}`)) return;
        const pathFlag = path.includes(".") || path.includes("[") ? "--path " : "";
        problems.push({
            path: displayPath(namespace, path),
            message: "looks like a secret but is given as plain text",
            requirement: "SC-1",
            fix: `remove it from the stack file and run: pulumi config set --secret ${pathFlag}'${namespace}:${path}' <value>`,
        });
    };
    for (const [namespace, keys] of Object.entries(raw.namespaces)) {
        for (const [key, value] of Object.entries(keys)) {
            visit(namespace, key, key, value, namespace === PROJECT && key === "secrets");
        }
    }
    return problems;
}
