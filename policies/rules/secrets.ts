import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, guidance, requirement } from "./meta";
import { UNKNOWN, at, knownNumber } from "./props";
import { AWS_ELASTICACHE_REPLICATION_GROUP, K8S_SECRET, RANDOM_PASSWORD } from "./vocabulary";

const GENERATORS = [RANDOM_PASSWORD];

/** Inputs that carry a credential the stack must generate, by resource type. */
const CREDENTIAL_INPUTS: Record<string, string[]> = {
    [AWS_ELASTICACHE_REPLICATION_GROUP]: ["authToken", "authTokenWo"],
};

export const generatedCredentials: StackValidationPolicy = {
    name: "generated-credentials",
    description:
        "SC-3: credentials the stack sets (ElastiCache AUTH tokens) come from a password generator, never a literal, and every generated password or token (random.RandomPassword) is at least the configured length.",
    enforcementLevel: "mandatory",
    ...requirement(["SC-3", "SC-1"], "No plain-text admin password; hashed or generated and stored as a secret"),
    ...guidance("critical", "Pass a random.RandomPassword's result as the token, with length of at least the configured minimum (32 by default)."),
    configSchema: {
        properties: {
            minimumLength: { type: "integer", minimum: 16, default: 32, description: "Shortest random.RandomPassword allowed, in characters." },
            generatorTypes: { type: "array", items: { type: "string" }, default: GENERATORS, description: "Resource types whose output counts as a generated credential." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { minimumLength = 32, generatorTypes = GENERATORS } = args.getConfig<{ minimumLength?: number; generatorTypes?: string[] }>();
        const generators = new Set(generatorTypes);
        for (const r of args.resources) {
            if (r.type === RANDOM_PASSWORD) {
                const length = at(r.props, "length");
                if (length === UNKNOWN) cannotCheckYet(reportViolation, "generated-credentials", r.urn, `the length of generated password '${r.name}'`);
                else if ((knownNumber(length) ?? 0) < minimumLength) {
                    reportViolation(`Generated password '${r.name}' is ${JSON.stringify(length ?? null)} characters long; at least ${minimumLength} required. Set length: ${minimumLength} or more.`, r.urn);
                }
                continue;
            }
            for (const key of CREDENTIAL_INPUTS[r.type] ?? []) {
                if (at(r.props, key) === undefined || at(r.props, key) === null) continue;
                const generated = (r.propertyDependencies[key] ?? []).some((d) => generators.has(d.type));
                if (!generated) {
                    // Never print the value: it is the credential.
                    reportViolation(`'${r.name}' sets ${key} from a value no password generator produced (a literal, or a secret someone typed). Pass a random.RandomPassword's result.`, r.urn);
                }
            }
        }
    },
};

/**
 * Credential shapes, recognised in any string wherever it sits (issue 19 (3)): a webhook URL that is
 * its own secret, a provider's key format, a URL with a password, a private key, an age identity.
 * Sources for the formats: each provider's documentation of its token prefixes (GitHub, GitLab, Slack,
 * Stripe, Google, SendGrid, npm, OpenAI, Anthropic, AWS access key IDs) and age's Bech32 identity.
 */
const CREDENTIAL_SHAPES: Array<{ what: string; pattern: RegExp }> = [
    { what: "a URL with a password", pattern: /[a-z][a-z0-9+.-]*:\/\/[^\s/@:'"]*:(?![$({])[^\s/@'"]+@/i },
    { what: "a Slack webhook URL", pattern: /https:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/[A-Za-z0-9]+\/[A-Za-z0-9_/-]+/ },
    { what: "a Discord webhook URL", pattern: /https:\/\/(ptb\.|canary\.)?discord(app)?\.com\/api\/webhooks\/\d+\/[\w-]+/ },
    { what: "a Microsoft Teams webhook URL", pattern: /https:\/\/[\w.-]+\.webhook\.office\.com\/webhookb2\/\S+|https:\/\/outlook\.office\.com\/webhook\/\S+/ },
    { what: "a Google Chat webhook URL", pattern: /https:\/\/chat\.googleapis\.com\/v1\/spaces\/[^\s/]+\/messages\?[^\s]*key=/ },
    { what: "a PagerDuty integration URL with its key", pattern: /events\.pagerduty\.com\/integration\/[a-z0-9]{32}\/enqueue/i },
    { what: "a private key", pattern: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/ },
    { what: "an age identity", pattern: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/ },
    { what: "an AWS access key ID", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
    { what: "an AWS secret access key", pattern: /aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+]{40}\b/i },
    { what: "a GitHub token", pattern: /\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,})\b/ },
    { what: "a GitLab token", pattern: /\bglpat-[\w-]{20,}/ },
    { what: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
    { what: "a Stripe secret key", pattern: /\b[sr]k_live_[0-9A-Za-z]{16,}/ },
    { what: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
    { what: "a SendGrid API key", pattern: /\bSG\.[\w-]{22}\.[\w-]{43}\b/ },
    { what: "an npm token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
    { what: "an OpenAI or Anthropic API key", pattern: /\bsk-(proj-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{32,}/ },
    { what: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
];
/** One cheap test before the shapes: every shape contains one of these. */
const CREDENTIAL_HINT = /:\/\/|-----BEGIN|AGE-SECRET-KEY-1|AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|k_live_|AIza|SG\.|npm_|sk-|eyJ|[Aa][Ww][Ss]_[Ss][Ee][Cc][Rr][Ee][Tt]_/;
/** Field names whose literal value is a credential (a routing key, an API key, a password), in any resource. */
const CREDENTIAL_FIELD = /^(routing_?key|service_?key|integration_?key|api_?key|apikey|auth_?token|access_?token|bearer_?token|token|secret_?key|secret_?access_?key|client_?secret|password|passwd|webhook_?url)$/i;
/** How the offline plan writes secret and unknown values. */
const MARKERS = new Set(["[secret]", "[unknown]", ""]);

/** Verdicts on long strings (scripts, dashboards), which a stack repeats; bounded so a huge plan cannot grow it without end. */
const shapeCache = new Map<string, string | undefined>();
const fieldCache = new Map<string, boolean>();

function credentialField(key: string): boolean {
    let verdict = fieldCache.get(key);
    if (verdict === undefined) fieldCache.set(key, (verdict = CREDENTIAL_FIELD.test(key)));
    return verdict;
}

/** The credential shape a string has, or undefined. */
export function credentialShape(value: string): string | undefined {
    if (value.length < 256) return CREDENTIAL_HINT.test(value) ? CREDENTIAL_SHAPES.find((s) => s.pattern.test(value))?.what : undefined;
    if (shapeCache.has(value)) return shapeCache.get(value);
    const shape = CREDENTIAL_HINT.test(value) ? CREDENTIAL_SHAPES.find((s) => s.pattern.test(value))?.what : undefined;
    if (shapeCache.size > 1000) shapeCache.clear();
    shapeCache.set(value, shape);
    return shape;
}

/** A path of keys and list indexes. */
type Path = Array<string | number>;
type Visit = (path: Path, key: string, value: string) => void;

/**
 * Every string leaf of props, in one pass: each property is read inside a try, because the policy
 * server's proxy throws on a value only known after `pulumi up` (not inline text, so skipped). The
 * path is one array, pushed and popped, joined only for a finding.
 */
function walkStrings(value: unknown, path: Path, key: string, visit: Visit): void {
    if (value === null || value === undefined || value === UNKNOWN || path.length > 32) return;
    if (typeof value === "string") return visit(path, key, value);
    if (typeof value !== "object") return;
    if (Array.isArray(value)) {
        let length = 0;
        try {
            length = value.length;
        } catch {
            return;
        }
        for (let i = 0; i < length; i++) {
            let item: unknown;
            try {
                item = value[i];
            } catch {
                continue;
            }
            path.push(i);
            walkStrings(item, path, key, visit);
            path.pop();
        }
        return;
    }
    let keys: string[];
    try {
        keys = Object.keys(value);
    } catch {
        return;
    }
    for (const k of keys) {
        let item: unknown;
        try {
            item = (value as Record<string, unknown>)[k];
        } catch {
            continue;
        }
        path.push(k);
        walkStrings(item, path, k, visit);
        path.pop();
    }
}

/** A path as text: spec.receivers[0].url. */
function joinPath(path: Path): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

export const noInlineCredentials: ResourceValidationPolicy = {
    name: "no-inline-credentials",
    description:
        "SC-1: no string input of any resource (outside a Kubernetes Secret's data) holds a credential: no webhook URL that is its own secret (Slack, Discord, Teams, Google Chat, PagerDuty), no provider key format (AWS, GitHub, GitLab, Slack, Stripe, Google, SendGrid, npm, OpenAI, Anthropic, JWT), no URL with a password, no private key, no age identity, and no literal under a credential's field name (routingKey, apiKey, password, token…) — in an AlertmanagerConfig, a ConfigMap's script or anywhere else.",
    enforcementLevel: "mandatory",
    ...requirement("SC-1", "Secrets live in a secrets store, never in git or plain config, never logged"),
    ...guidance("critical", "Move the value into runbook:secrets or the alerts.routes secrets (pulumi config set --secret) and reference it: a secretKeyRef, a Secret volume, or the provider's secret input; rotate the credential, since it is in the stack's state and history."),
    validateResource: (args, reportViolation) => {
        const found = new Map<string, string>();
        const isSecret = args.type === K8S_SECRET;
        const checkField: Visit = (path, key, value) => {
            if (MARKERS.has(value) || found.size >= 20) return;
            // Kubernetes Secrets hold credentials by design (their values: k8s-secret-values-not-literal).
            if (isSecret && (path[0] === "data" || path[0] === "stringData")) return;
            const shape = credentialShape(value) ?? (credentialField(key) && !/^\$[({]/.test(value) && !/^\{\{.*\}\}$/.test(value) ? `a literal value under the credential field '${key}'` : undefined);
            if (shape !== undefined) found.set(joinPath(path), shape);
        };
        walkStrings(args.props, [], "", checkField);
        if (found.size === 0) return;
        // Never print the value: it is the credential.
        reportViolation(
            `${args.type.split(":").pop()} '${args.name}' holds ${[...found].map(([path, shape]) => `${shape} in ${path}`).join("; ")}: it is stored in the plan, the stack's state and anything that reads this resource. Put it in a secret (pulumi config set --secret) and reference it (secretKeyRef, a Secret volume, the provider's secret input), then rotate it.`,
        );
    },
};
