import { isProductionStack } from "./resolve";
import { generatedSecretNames } from "./rules";
import { conditionallyRequiredSecrets } from "./rulesAlerts";
import { stackConfigSchema } from "./schema";
import { PROJECT, RawConfig, setSecretCommand } from "./secrets";
import { offlineSecretPlaceholder } from "./source";
import { isSecretLeaf, requiredSecretLeaves, schemaAt } from "./validate";

/*
 * Stack files in the repository carry no secret values: `pulumi config set --secret` writes real
 * ciphertext only with the stack's own key, and a made-up `secure:` value breaks `pulumi preview`
 * before the program runs. The offline plan still needs every required secret to build the program,
 * so it fills each absent one with a placeholder that stays marked secret, and says which. Under the
 * real CLI nothing is filled: an absent secret is a config error naming the command that sets it.
 */

/** A required secret the offline plan filled with a placeholder. */
export interface FilledSecret {
    /** Key path under `runbook:`, such as `alerts.routes.pagerdutyRoutingKey` or `secrets.JWT_SECRET`. */
    path: string;
    /** The command that sets the real value. */
    command: string;
}

/** Names the data tier builds; an app asking for one the stack does not build has a config problem. */
const CONNECTION_NAMES = new Set(["DATABASE_URL", "MONGODB_URI", "REDIS_URL"]);

function isRecord(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}


/**
 * Fills every required secret that the stack file leaves out with a marked placeholder: required
 * secret-looking keys of the schema (`alerts.routes.pagerdutyRoutingKey`, a Cloudflare API token)
 * and every `secrets.<NAME>` an app lists in `secretRefs` that the stack does not generate. Returns
 * the completed config and what was filled, in key order. Values already present are left alone.
 */
export function fillAbsentSecrets(raw: RawConfig, stack: string): { raw: RawConfig; filled: FilledSecret[] } {
    const values: Record<string, unknown> = structuredClone(raw.namespaces[PROJECT] ?? {});
    const securePaths = new Set(raw.securePaths);
    const filled: string[] = [];
    const setAt = (path: PropertyKey[], value: unknown) => {
        let node: Record<string, unknown> = values;
        for (const segment of path.slice(0, -1)) {
            const key = String(segment);
            if (!isRecord(node[key])) node[key] = {};
            node = node[key] as Record<string, unknown>;
        }
        node[String(path[path.length - 1])] = value;
    };

    const parsed = stackConfigSchema.safeParse(values);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            if (issue.code !== "invalid_type" || issue.path.some((p) => typeof p === "number")) continue;
            const path = [...issue.path];
            let v: unknown = values;
            for (const p of path) v = isRecord(v) ? v[String(p)] : undefined;
            if (v !== undefined) continue;
            const leaves = isSecretLeaf(path, schemaAt(stackConfigSchema, path)) ? [path] : requiredSecretLeaves(path);
            for (const leaf of leaves ?? []) {
                const dotted = leaf.map(String).join(".");
                setAt(leaf, offlineSecretPlaceholder(`${PROJECT}:${dotted}`));
                filled.push(dotted);
            }
        }
    }

    // Secrets a rule requires only for some configs (OB-4: the PagerDuty CloudWatch key in production).
    for (const path of conditionallyRequiredSecrets(values, isProductionStack(stack))) {
        let v: unknown = values;
        for (const p of path) v = isRecord(v) ? v[p] : undefined;
        if (v !== undefined) continue;
        setAt(path, offlineSecretPlaceholder(`${PROJECT}:${path.join(".")}`));
        filled.push(path.join("."));
    }

    // Secrets the apps reference: the stack builds the connection strings; every other name must be
    // set with `pulumi config set --secret`.
    const database = isRecord(values.database) ? values.database : {};
    const generated = new Set(typeof database.engine === "string" ? generatedSecretNames({ database, redis: values.redis } as never) : []);
    const given = isRecord(values.secrets) ? values.secrets : {};
    const apps = Array.isArray(values.apps) ? values.apps : [];
    for (const app of apps) {
        const refs = isRecord(app) && Array.isArray(app.secretRefs) ? app.secretRefs : [];
        for (const ref of refs) {
            // Connection strings are the stack's to build; a missing one is a config error, never a placeholder.
            if (typeof ref !== "string" || !/^[A-Z_][A-Z0-9_]*$/.test(ref) || generated.has(ref) || CONNECTION_NAMES.has(ref) || ref in given) continue;
            setAt(["secrets", ref], offlineSecretPlaceholder(`${PROJECT}:secrets.${ref}`));
            filled.push(`secrets.${ref}`);
            given[ref] = true;
        }
    }

    for (const path of filled) securePaths.add(`${PROJECT}:${path}`);
    return {
        raw: { namespaces: { ...raw.namespaces, [PROJECT]: values }, securePaths },
        filled: filled.sort().map((path) => ({ path, command: setSecretCommand(path) })),
    };
}

/** The note `runbook plan` prints when it filled placeholders. */
export function placeholderNote(stack: string, filled: FilledSecret[]): string {
    return [
        `Note: the stack file of '${stack}' has no value for ${filled.length} required secret(s); this plan used marked placeholders for them.`,
        `Before 'pulumi preview' or 'pulumi up' on this stack, set each:`,
        ...filled.map((f) => `  ${f.command}`),
    ].join("\n");
}
