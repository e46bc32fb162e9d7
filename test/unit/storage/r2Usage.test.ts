import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { storageAlerts } from "../../../components/observability/alerts/storage";
import { R2_USAGE_METRICS, R2_USAGE_PUSH_JOB } from "../../../components/observability/r2UsageMetrics";
import { BACKUP_ROLE, R2_USAGE_ROLE, ROLE_LABEL } from "../../../components/k8s/labels";
import {
    CLOUDFLARE_GRAPHQL_URL,
    R2_USAGE_QUERY,
    R2_USAGE_SCRIPT,
    accountResource,
    analyticsTokenPolicy,
    r2UsageCronJobSpec,
    r2UsageEgressSpec,
} from "../../../components/storage/r2UsageSpec";
import { r2UsageAlerting } from "../../../config/alerting";
import { ALERT_DEFAULTS, R2_USAGE_SCHEDULE, resolveBucket } from "../../../config/resolve";
import { MONGODB_ALERT_INPUT } from "../../helpers/alertInputs";

/*
 * The R2 usage job's pure parts (ST-1, ST-2): the query it sends, its token's scope, its CronJob and
 * egress, the alerts that read what it pushes, and the script's own parsing of Cloudflare's answer
 * (scripts/backup/r2-usage.sh, sourced: its functions run without a server).
 */

const SCRIPT = path.resolve(__dirname, "../../../../scripts/backup", R2_USAGE_SCRIPT);
const ACCOUNT = "0123456789abcdef0123456789abcdef";

/** Runs `snippet` in bash with the script's functions loaded; stdin is `input`. */
function sourced(snippet: string, input: string, env: Record<string, string> = {}) {
    return spawnSync("bash", ["-c", `. "${SCRIPT}"; ${snippet}`], { input, encoding: "utf8", env: { PATH: process.env.PATH, ...env } });
}

const rows = (answer: unknown, buckets: string[]) => sourced(`json_flatten | r2_usage_rows ${buckets.join(" ")}`, typeof answer === "string" ? answer : JSON.stringify(answer, null, 2));

const sample = (bucketName: string, datetime: string, payloadSize: number, metadataSize: number, objectCount: number) => ({
    dimensions: { bucketName, datetime },
    max: { objectCount, payloadSize, metadataSize },
});
const answer = (groups: unknown[]) => ({ data: { viewer: { accounts: [{ r2StorageAdaptiveGroups: groups }] } }, errors: null });

describe("unit: R2 usage job (ST-1, ST-2)", () => {
    describe("the GraphQL query", () => {
        it("reads the storage dataset of the stack's account, newest sample first, with the fields the script parses", () => {
            assert.ok(!/[\n"\\]/.test(R2_USAGE_QUERY), "one line without quotes or backslashes: the script embeds it in a JSON string");
            assert.match(R2_USAGE_QUERY, /^query R2Usage\(\$accountTag: string!, \$since: Time!, \$until: Time!\)/);
            assert.match(R2_USAGE_QUERY, /viewer \{ accounts\(filter: \{ accountTag: \$accountTag \}\) \{ r2StorageAdaptiveGroups\(/);
            assert.match(R2_USAGE_QUERY, /filter: \{ datetime_geq: \$since, datetime_leq: \$until \}/);
            assert.match(R2_USAGE_QUERY, /orderBy: \[datetime_DESC\]/);
            assert.match(R2_USAGE_QUERY, /dimensions \{ bucketName datetime \} max \{ objectCount payloadSize metadataSize \}/);
            const opened = [...R2_USAGE_QUERY].filter((c) => c === "{").length;
            assert.strictEqual(opened, [...R2_USAGE_QUERY].filter((c) => c === "}").length, "braces balance");
        });

        it("the script sends it as JSON with the account and the window as variables", () => {
            const r = sourced('r2_usage_body 2026-12-04T21:00:00Z 2026-12-05T21:00:00Z', "", { R2_USAGE_QUERY, CLOUDFLARE_ACCOUNT_ID: ACCOUNT });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.deepStrictEqual(JSON.parse(r.stdout), { query: R2_USAGE_QUERY, variables: { accountTag: ACCOUNT, since: "2026-12-04T21:00:00Z", until: "2026-12-05T21:00:00Z" } });
        });
    });

    describe("parsing Cloudflare's answer", () => {
        it("takes each listed bucket's newest sample, payload plus metadata, whatever the keys' order and spacing; other buckets are left out", () => {
            const groups = [
                sample("menu-images", "2026-12-05T20:00:00Z", 5000, 100, 12),
                { max: { metadataSize: 200, payloadSize: 7000, objectCount: 15 }, dimensions: { datetime: "2026-12-05T21:00:00Z", bucketName: "menu-images" } },
                sample("someone-elses", "2026-12-05T21:00:00Z", 1, 1, 1),
                sample("menu-backups", "2026-12-05T19:00:00Z", 123456789012345, 0, 3),
            ];
            const r = rows(answer(groups), ["menu-images", "menu-backups"]);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stdout, "menu-backups 123456789012345 3\nmenu-images 7200 15\n");
            const compact = rows(JSON.stringify(answer(groups)), ["menu-images"]);
            assert.strictEqual(compact.stdout, "menu-images 7200 15\n");
        });

        it("a bucket without a sample prints nothing (the script then fails the run naming it)", () => {
            const r = rows(answer([sample("menu-images", "2026-12-05T20:00:00Z", 10, 0, 1)]), ["menu-images", "menu-backups"]);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stdout, "menu-images 10 1\n");
        });

        it("GraphQL errors (answered with HTTP 200) fail, with Cloudflare's messages", () => {
            const r = rows({ data: null, errors: [{ message: "not authorized for that account", path: ["viewer", "accounts", "0"] }, { message: "quota exceeded" }] }, ["menu-images"]);
            assert.strictEqual(r.status, 1);
            assert.strictEqual(r.stdout, "");
            assert.match(r.stderr, /GraphQL errors: not authorized for that account;quota exceeded/);
        });

        it("text that is not JSON, or a count that is not a whole number, fails", () => {
            for (const bad of ["<html>502 Bad Gateway</html>", '{"data": {"viewer": ', ""]) {
                const r = rows(bad, ["menu-images"]);
                assert.notStrictEqual(r.status, 0, `${JSON.stringify(bad)} is refused`);
                assert.strictEqual(r.stdout, "");
            }
            const r = rows(answer([{ dimensions: { bucketName: "menu-images", datetime: "x" }, max: { objectCount: "many", payloadSize: 1, metadataSize: 0 } }]), ["menu-images"]);
            assert.strictEqual(r.status, 1);
            assert.match(r.stderr, /not a count/);
        });
    });

    describe("the CronJob and its reach", () => {
        const spec = r2UsageCronJobSpec({
            schedule: R2_USAGE_SCHEDULE,
            image: "ghcr.io/acme/runbook-backup:1.0.0",
            scriptsConfigMap: "backup-scripts-abc",
            accountId: ACCOUNT,
            buckets: ["menu-images", "menu-backups"],
            pushgatewayUrl: "http://prometheus-pushgateway.monitoring.svc:9091",
            stack: "production",
            tokenSecret: "runbook-r2-usage-credentials",
            tokenKey: "CLOUDFLARE_API_TOKEN",
        });
        const pod = (spec.jobTemplate as any).spec.template;
        const container = pod.spec.containers[0];
        const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

        it("runs the script hourly with the query, the buckets and the account; the token only from its Secret", () => {
            assert.strictEqual(spec.schedule, "40 * * * *");
            assert.strictEqual(spec.concurrencyPolicy, "Forbid");
            assert.deepStrictEqual(container.command, ["/bin/bash", `/opt/runbook/backup/${R2_USAGE_SCRIPT}`]);
            assert.strictEqual(env.R2_USAGE_QUERY, R2_USAGE_QUERY);
            assert.strictEqual(env.R2_BUCKETS, "menu-images menu-backups");
            assert.strictEqual(env.CLOUDFLARE_ACCOUNT_ID, ACCOUNT);
            assert.strictEqual(env.CLOUDFLARE_GRAPHQL_URL, CLOUDFLARE_GRAPHQL_URL);
            assert.strictEqual(env.STACK_NAME, "production");
            assert.deepStrictEqual(env.CLOUDFLARE_API_TOKEN, { secretKeyRef: { name: "runbook-r2-usage-credentials", key: "CLOUDFLARE_API_TOKEN" } });
            assert.strictEqual(pod.spec.automountServiceAccountToken, false);
            assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
            assert.deepStrictEqual(container.resources.limits, { cpu: "500m", memory: "256Mi" });
        });

        it("SC-5: its pods carry their own role, not the backups' (which the data tier admits), and reach only HTTPS and the Pushgateway", () => {
            assert.strictEqual(pod.metadata.labels[ROLE_LABEL], R2_USAGE_ROLE);
            assert.notStrictEqual(pod.metadata.labels[ROLE_LABEL], BACKUP_ROLE);
            const egress = r2UsageEgressSpec("http://prometheus-pushgateway.monitoring.svc:9091");
            assert.deepStrictEqual(egress.podSelector, { matchLabels: { [ROLE_LABEL]: R2_USAGE_ROLE } });
            assert.deepStrictEqual(egress.egress.map((e: any) => e.ports.map((p: any) => p.port)), [[443], [9091]]);
            const https = egress.egress[0] as any;
            assert.deepStrictEqual(https.to[0].ipBlock.except, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]);
            assert.deepStrictEqual((egress.egress[1] as any).to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
        });

        it("ST-2: its token reads the analytics of the one account, nothing else", () => {
            const policy = analyticsTokenPolicy(ACCOUNT, "b89a480218d04ceb98b4fe57ca29dc1f");
            assert.deepStrictEqual(JSON.parse(policy.resources), { [accountResource(ACCOUNT)]: "*" });
            assert.deepStrictEqual(policy.permissionGroups, [{ id: "b89a480218d04ceb98b4fe57ca29dc1f" }]);
        });
    });

    describe("the alerts on what it pushes", () => {
        it("ST-2: budgets in GB become bytes; a bucket without one is measured but has no budget alert", () => {
            const buckets = [resolveBucket({ name: "menu-images", purpose: "assets", budgetGb: 50 }, 30, false), resolveBucket({ name: "menu-backups", purpose: "backups" }, 30, true)];
            assert.deepStrictEqual(r2UsageAlerting({ accountId: ACCOUNT, buckets, usage: { schedule: R2_USAGE_SCHEDULE } }), {
                schedule: R2_USAGE_SCHEDULE,
                buckets: [{ bucket: "menu-images", budgetBytes: 50e9 }, { bucket: "menu-backups" }],
            });
        });

        it("ST-2: R2BucketOverBudget per budgeted bucket at alerts.r2BudgetPercent of its budget; R2UsageStale after three missed runs", () => {
            const input = { ...MONGODB_ALERT_INPUT, thresholds: { ...ALERT_DEFAULTS, r2BudgetPercent: 90 } };
            const specs = storageAlerts(input);
            assert.deepStrictEqual(specs.map((s) => s.rule.alert), ["R2UsageStale", "R2BucketOverBudget"]);
            const over = specs[1].rule;
            assert.strictEqual(over.expr, `max by (bucket) (${R2_USAGE_METRICS.sizeBytes}{job="${R2_USAGE_PUSH_JOB}", stack="staging", bucket="runbook-images"}) / 50000000000 >= 0.9`);
            assert.strictEqual(over.labels.bucket, "runbook-images");
            assert.strictEqual(over.labels.category, "storage");
            const stale = specs[0].rule;
            assert.strictEqual(stale.expr, `(time() - (max(${R2_USAGE_METRICS.lastSuccessTimestamp}{job="${R2_USAGE_PUSH_JOB}", stack="staging"}) or vector(0))) / 3600 > 3`);
            assert.strictEqual(stale.for, "1h");
            assert.deepStrictEqual(storageAlerts({ ...input, r2Usage: undefined }), [], "no usage job, no storage alerts");
        });
    });
});
