import { defaultLogRetentionDays } from "./model";
import { ConfigProblem } from "./problems";
import type { Environment } from "./resolve";
import type { RawStackConfig } from "./schema";

/*
 * Rules of `kubernetes.logs` (OB-5): settings that would do nothing in the chosen mode are refused
 * rather than ignored, and production keeps a week of logs at least. Runs on schema-valid config,
 * from `crossFieldProblems`.
 */

/** OB-5: an incident noticed after a weekend still finds its logs. */
export const PRODUCTION_MIN_LOG_RETENTION_DAYS = 7;

export function logProblems(raw: RawStackConfig, env: Environment): ConfigProblem[] {
    const logs = raw.kubernetes.logs;
    if (logs === undefined) return [];
    const problems: ConfigProblem[] = [];
    const installsLoki = (raw.kubernetes.platform ?? "existing") === "install" && logs.lokiUrl === undefined;
    for (const key of ["retentionDays", "volumeGb"] as const) {
        if (logs[key] === undefined || installsLoki) continue;
        problems.push({
            path: `kubernetes.logs.${key}`,
            value: logs[key],
            message:
                logs.lokiUrl !== undefined
                    ? "applies to the Loki the stack installs, but kubernetes.logs.lokiUrl ships to an existing Loki, whose own settings decide it"
                    : "applies to the Loki that kubernetes.platform: install installs, and this stack installs none",
            requirement: "OB-5",
            fix: logs.lokiUrl !== undefined ? `remove kubernetes.logs.${key} and set it on that Loki (limits_config.retention_period for retention)` : `remove kubernetes.logs.${key}, or set kubernetes.platform: install`,
        });
    }
    if (env.isProduction && logs.retentionDays !== undefined && logs.retentionDays < PRODUCTION_MIN_LOG_RETENTION_DAYS) {
        problems.push({
            path: "kubernetes.logs.retentionDays",
            value: logs.retentionDays,
            message: `is below the minimum of ${PRODUCTION_MIN_LOG_RETENTION_DAYS} days for production: an incident noticed after a weekend would have lost its logs`,
            requirement: "OB-5",
            fix: `set ${PRODUCTION_MIN_LOG_RETENTION_DAYS} or more, or remove it for the default of ${defaultLogRetentionDays(env)}`,
        });
    }
    return problems;
}
