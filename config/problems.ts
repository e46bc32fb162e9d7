/** One thing wrong with a stack's config. */
export interface ConfigProblem {
    /** Key path, such as `database.backupRetentionDays` or `apps[1].replicas`. */
    path: string;
    /** The offending value, when there is one. Secret values are never kept here. */
    value?: unknown;
    /** What is wrong, phrased to follow the value: "is below the minimum of 7". */
    message: string;
    /** What to do instead: "set 7–35". */
    fix?: string;
    /** Runbook requirement ID, such as BK-2. */
    requirement?: string;
}

/** Placeholder shown wherever a secret value would otherwise be printed. */
export const SECRET_MASK = "[secret]";

/**
 * Runbook requirement behind each key. Array indices are written `[]`; a trailing `.*` covers
 * every key below.
 */
const REQUIREMENTS: Record<string, string> = {
    "apps[].image": "WL-3",
    "apps[].replicas": "WL-1",
    "apps[].autoscaling.*": "WL-1",
    "apps[].startupPath": "WL-2",
    "apps[].websocketPaths.*": "WL-7",
    "apps[].migrate.*": "WL-5",
    "apps[].runAsUser": "SC-5",
    "apps[].writablePaths.*": "SC-5",
    "apps[].expectsTraffic": "OB-1",
    "apps[].healthPath": "WL-2",
    "apps[].readinessPath": "WL-2",
    "apps[].resources.*": "WL-4",
    "apps[].secretRefs.*": "SC-1",
    "apps[].r2Env.*": "ST-1",
    "apps[].readerUrlEnv": "DB-5",
    "database.engine": "DB-1",
    "database.members": "DB-1",
    "database.multiAz": "DB-1",
    "database.readReplica": "DB-5",
    "database.replicaMultiAz": "DB-5",
    "database.slowQueryMs": "DB-4",
    "database.backupRetentionDays": "BK-2",
    "database.backupWindow": "BK-1",
    "redis.mode": "RD-1",
    "redis.maxmemoryPolicy": "RD-2",
    "redis.snapshotRetentionDays": "BK-2",
    "redis.multiAz": "RD-1",
    "redis.replicas": "RD-1",
    "storage.buckets[].lifecycle.*": "ST-2",
    "storage.buckets[].publicHost": "ST-3",
    "storage.buckets[].budgetGb": "ST-2",
    "backups.bucket": "BK-3",
    "backups.schedule": "BK-1",
    "backups.retentionDays": "BK-2",
    "backups.encryptionRecipient": "BK-3",
    "backups.restoreDrillSchedule": "BK-6",
    "backups.oplogSchedule": "BK-1",
    "backups.prefixRetentionDays.*": "BK-2",
    "backups.monthlyRetentionDays": "BK-2",
    "backups.image": "WL-3",
    "backups.rotation.*": "SC-2",
    "backups.drill.*": "BK-6",
    "backups.drill.ageSecretKey": "BK-3",
    "backups.replica.*": "BK-3",
    "edge.loginRateLimit.*": "ED-4",
    "edge.loginPath": "ED-4",
    "edge.zonePlan": "ED-4",
    "edge.origin": "ED-2",
    "edge.hstsMaxAgeSeconds": "ED-3",
    "edge.websocketTimeoutSeconds": "WL-7",
    "edge.cache.*": "ED-1",
    "edge.waf.*": "ED-4",
    "edge.gateway.*": "ED-5",
    "edge.tls.*": "ED-2",
    "alerts.p95LatencyMs": "OB-1",
    "alerts.errorRatePercent": "OB-1",
    "alerts.availabilityPercent": "OB-1",
    "alerts.minRequestsPerMinute": "OB-1",
    "alerts.highResponseTimeMs": "OB-2",
    "alerts.latencyRegressionPercent": "OB-2",
    "alerts.authFailurePercent": "OB-3",
    "alerts.routeServerErrorPercent": "OB-3",
    "alerts.routeClientErrorPercent": "OB-3",
    "alerts.websocketDropPercent": "OB-3",
    "alerts.queueFailedJobsPerMinute": "OB-3",
    "alerts.queueBacklogJobs": "OB-3",
    "alerts.podRestartsPer15m": "OB-7",
    "alerts.cpuThrottlingPercent": "OB-7",
    "alerts.memoryLimitPercent": "OB-7",
    "alerts.dbConnectionsPercent": "DB-4",
    "alerts.replicationLagSeconds": "OB-3",
    "alerts.redisMemoryPercent": "RD-2",
    "alerts.r2BudgetPercent": "ST-2",
    "alerts.diskFullWithinHours": "OB-3",
    "alerts.backupMarginHours": "OB-6",
    "alerts.backupSizeDropPercent": "OB-6",
    "alerts.backupReplicaLagHours": "OB-6",
    "alerts.rtoTargetMinutes": "BK-7",
    "alerts.rpoTargetHours": "BK-7",
    "alerts.certificateExpiryDays": "ED-2",
    "alerts.monitoringNamespace": "OB-3",
    "alerts.selectorLabels": "OB-3",
    "alerts.runbookBaseUrl": "OB-4",
    "alerts.routes.*": "OB-4",
    "kubernetes.dnsEgress.*": "SC-5",
    "network.appCidrs": "DB-2",
    "network.clusterSecurityGroupIds": "DB-2",
    "network.peering.*": "DB-2",
    "providers.cloudflare.apiToken": "SC-1",
    "redis": "RD-1",
    "secrets.*": "SC-1",
};

export function requirementFor(path: string): string | undefined {
    const normalized = path.replace(/\[\d+\]/g, "[]");
    if (REQUIREMENTS[normalized]) return REQUIREMENTS[normalized];
    for (const [pattern, id] of Object.entries(REQUIREMENTS)) {
        if (pattern.endsWith(".*") && (normalized === pattern.slice(0, -2) || normalized.startsWith(pattern.slice(0, -1)))) {
            return id;
        }
    }
    return undefined;
}

export function renderValue(value: unknown): string {
    if (value === undefined) return "(missing)";
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function formatProblem(p: ConfigProblem): string {
    const requirement = p.requirement ? ` (${p.requirement})` : "";
    const value = "value" in p ? `${renderValue(p.value)} ` : "";
    const fix = p.fix ? `; ${p.fix}` : "";
    return `${p.path}: ${value}${p.message}${requirement}${fix}`;
}

export function formatReport(stack: string, problems: ConfigProblem[]): string {
    const lines = problems.map((p) => `  - ${formatProblem(p)}`);
    const noun = problems.length === 1 ? "problem" : "problems";
    return [`Stack config for '${stack}' has ${problems.length} ${noun}; nothing was planned:`, ...lines].join("\n");
}

/** Thrown by `loadConfig` when a stack's config is invalid. Its message is the whole report. */
export class ConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: ConfigProblem[],
    ) {
        super(formatReport(stack, problems));
        this.name = "ConfigError";
    }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
    const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = previous[0];
        previous[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = previous[j];
            previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return previous[b.length];
}

export function nearest(candidate: string, known: string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const k of known) {
        const d = editDistance(candidate.toLowerCase(), k.toLowerCase());
        if (d < bestDistance) {
            best = k;
            bestDistance = d;
        }
    }
    return best !== undefined && bestDistance <= Math.max(2, Math.floor(candidate.length / 3)) ? best : undefined;
}

export function joinPath(path: ReadonlyArray<PropertyKey>): string {
    let out = "";
    for (const segment of path) {
        if (typeof segment === "number") out += `[${segment}]`;
        else out += out === "" ? String(segment) : `.${String(segment)}`;
    }
    return out;
}
