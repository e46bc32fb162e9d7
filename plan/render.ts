import { PlanFile, PlanResource, Violation } from "./model";

/** Inputs worth showing in the tree, by resource type. Other types show their first few scalar inputs. */
const KEY_PROPS: Record<string, string[]> = {
    "cloudflare:index/r2Bucket:R2Bucket": ["name", "location", "storageClass"],
    "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle": ["bucketName", "rules.length"],
    "cloudflare:index/r2BucketLock:R2BucketLock": ["bucketName", "rules.length"],
    "cloudflare:index/r2CustomDomain:R2CustomDomain": ["domain", "bucketName", "minTls"],
    "cloudflare:index/dnsRecord:DnsRecord": ["name", "type", "proxied"],
    "cloudflare:index/zoneSetting:ZoneSetting": ["settingId", "value"],
    "cloudflare:index/ruleset:Ruleset": ["phase", "rules.length"],
    "aws:rds/instance:Instance": ["engine", "engineVersion", "instanceClass", "multiAz", "storageEncrypted", "publiclyAccessible", "backupRetentionPeriod", "deletionProtection"],
    "aws:elasticache/replicationGroup:ReplicationGroup": ["engine", "nodeType", "numCacheClusters", "multiAzEnabled", "atRestEncryptionEnabled", "transitEncryptionEnabled", "snapshotRetentionLimit"],
    "aws:elasticache/parameterGroup:ParameterGroup": ["family", "parameters.length"],
    "aws:rds/parameterGroup:ParameterGroup": ["family", "parameters.length"],
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
    "aws:ec2/subnet:Subnet": ["cidrBlock", "availabilityZone", "mapPublicIpOnLaunch"],
    "aws:ec2/securityGroup:SecurityGroup": ["ingress.length", "egress.length"],
    "aws:kms/key:Key": ["enableKeyRotation", "deletionWindowInDays"],
    "kubernetes:core/v1:Namespace": ["metadata.name"],
    "kubernetes:core/v1:Service": ["metadata.name", "spec.type", "spec.clusterIP"],
    "kubernetes:core/v1:Secret": ["metadata.name", "type"],
    "kubernetes:core/v1:ConfigMap": ["metadata.name"],
    "kubernetes:apps/v1:StatefulSet": ["metadata.name", "spec.replicas", "spec.persistentVolumeClaimRetentionPolicy.whenDeleted"],
    "kubernetes:apps/v1:Deployment": ["metadata.name", "spec.replicas"],
    "kubernetes:batch/v1:Job": ["metadata.name"],
    "kubernetes:batch/v1:CronJob": ["metadata.name", "spec.schedule"],
    "kubernetes:policy/v1:PodDisruptionBudget": ["metadata.name", "spec.minAvailable", "spec.maxUnavailable"],
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": ["metadata.name"],
    "kubernetes:gateway.networking.k8s.io/v1:Gateway": ["metadata.name", "spec.gatewayClassName", "spec.listeners.length"],
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": ["metadata.name", "spec.hostnames"],
    "kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy": ["metadata.name", "spec.requestBuffer.limit", "spec.timeout.http.streamIdleTimeout"],
    "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy": ["metadata.name", "spec.tls.minVersion"],
    "kubernetes:cert-manager.io/v1:ClusterIssuer": ["metadata.name", "spec.acme.server"],
    "kubernetes:cert-manager.io/v1:Certificate": ["metadata.name", "spec.secretName", "spec.renewBefore"],
};

function lookup(value: unknown, path: string): unknown {
    let v: unknown = value;
    for (const segment of path.split(".")) {
        if (segment === "length" && Array.isArray(v)) return v.length;
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[segment];
    }
    return v;
}

function show(v: unknown): string {
    if (typeof v === "string") return v.length > 48 ? `${v.slice(0, 45)}...` : v;
    return JSON.stringify(v);
}

/** The first few scalar inputs of a type without KEY_PROPS. */
function scalarKeys(inputs: Record<string, unknown>): string[] {
    const keys: string[] = [];
    for (const k in inputs) {
        const t = typeof inputs[k];
        if (t === "string" || t === "number" || t === "boolean") keys.push(k);
        if (keys.length === 4) break;
    }
    return keys;
}

export function keyProperties(r: PlanResource): string {
    let out = "";
    for (const p of KEY_PROPS[r.type] ?? scalarKeys(r.inputs)) {
        const v = lookup(r.inputs, p);
        if (v !== undefined) out += `${out === "" ? "" : " "}${p}=${show(v)}`;
    }
    return out;
}

/** `aws:rds/instance:Instance` → `aws:Instance`, once per type (a plan has few types and many resources). */
const shortTypes = new Map<string, string>();
function shortType(type: string): string {
    let short = shortTypes.get(type);
    if (short === undefined) {
        const parts = type.split(":");
        shortTypes.set(type, (short = parts.length === 3 ? `${parts[0]}:${parts[2]}` : type));
    }
    return short;
}

/**
 * The provider that manages a resource: its logical name (`aws`, `kubernetes`, ...), or
 * `default` when the resource falls back to an ambient default provider. Components have none.
 */
export function providerLabel(r: PlanResource): string | undefined {
    if (!r.custom || r.type.startsWith("pulumi:")) return undefined;
    if (r.provider === null) return "default";
    const name = r.provider.slice(r.provider.lastIndexOf("::") + 2);
    return name.startsWith("default") ? "default" : name;
}

function flags(r: PlanResource): string {
    const f: string[] = [];
    if (r.protect) f.push("protect");
    if (r.retainOnDelete) f.push("retain");
    return f.length ? ` [${f.join(", ")}]` : "";
}

export function renderTree(resources: PlanResource[]): string[] {
    const children = new Map<string | null, PlanResource[]>();
    const urns = new Set(resources.map((r) => r.urn));
    for (const r of resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : null;
        const siblings = children.get(parent);
        if (siblings) siblings.push(r);
        else children.set(parent, [r]);
    }
    const lines: string[] = [];
    const walk = (parent: string | null, prefix: string) => {
        const list = children.get(parent) ?? [];
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            const props = keyProperties(r);
            const provider = providerLabel(r);
            lines.push(`${prefix}${last ? "└─ " : "├─ "}${shortType(r.type)} ${r.name}${flags(r)}${provider ? ` via ${provider}` : ""}${props ? `  ${props}` : ""}`);
            walk(r.urn, prefix + (last ? "   " : "│  "));
        });
    };
    walk(null, "");
    return lines;
}

function resourceLabel(urn: string | null, byUrn: Map<string, PlanResource>): string {
    if (urn === null) return "(stack)";
    const r = byUrn.get(urn);
    return r ? `${shortType(r.type)} ${r.name}` : urn;
}

function requirementTag(v: Violation): string {
    return v.requirements.length ? ` (${v.requirements.join(", ")})` : "";
}

export function renderText(plan: PlanFile): string {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const lines = [`Plan for stack '${plan.stack}': ${plan.summary.resources} resources`, "", ...renderTree(plan.resources), ""];
    for (const level of ["mandatory", "advisory"] as const) {
        const vs = plan.violations.filter((v) => v.enforcementLevel === level);
        lines.push(`${level === "mandatory" ? "Mandatory" : "Advisory"} violations: ${vs.length}`);
        for (const v of vs) {
            lines.push(`  ✗ ${v.policy}${requirementTag(v)}  ${resourceLabel(v.urn, byUrn)}`);
            lines.push(`      ${v.message.replace(/\n/g, "\n      ")}`);
            if (v.urn) lines.push(`      ${v.urn}`);
        }
        lines.push("");
    }
    const pack = `${plan.policyPack.name}@${plan.policyPack.version}${plan.policyPack.config ? ` with ${plan.policyPack.config}` : ""}`;
    lines.push(
        plan.summary.mandatory > 0
            ? `FAIL: ${plan.summary.mandatory} mandatory violation(s) from policy pack ${pack}. 'pulumi up' would be blocked.`
            : `PASS: no mandatory violations from policy pack ${pack}.`,
    );
    return lines.join("\n");
}

function cell(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
}

export function renderMarkdown(plan: PlanFile): string {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const status = plan.summary.mandatory > 0 ? "❌ blocked by policy" : "✅ passes policy";
    const lines = [
        `### Runbook plan: \`${plan.stack}\` ${status}`,
        "",
        `| Resources | Mandatory violations | Advisory violations | Policy pack |`,
        `|---:|---:|---:|---|`,
        `| ${plan.summary.resources} | ${plan.summary.mandatory} | ${plan.summary.advisory} | \`${plan.policyPack.name}@${plan.policyPack.version}\`${plan.policyPack.config ? ` (\`${plan.policyPack.config}\`)` : ""} |`,
        "",
    ];
    if (plan.violations.length > 0) {
        lines.push("| Level | Policy | Requirement | Resource | Message |", "|---|---|---|---|---|");
        for (const v of [...plan.violations].sort((a, b) => (a.enforcementLevel === b.enforcementLevel ? 0 : a.enforcementLevel === "mandatory" ? -1 : 1))) {
            lines.push(`| ${v.enforcementLevel} | \`${v.policy}\` | ${v.requirements.join(", ")} | \`${cell(resourceLabel(v.urn, byUrn))}\` | ${cell(v.message)} |`);
        }
        lines.push("");
    }
    lines.push("<details><summary>Resources</summary>", "", "```", ...renderTree(plan.resources), "```", "", "</details>");
    return lines.join("\n");
}
