import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { jobCronJobSpec, publicHttpsEgress, pushgatewayEgress } from "../backup/backupSpec";
import { R2_USAGE_ROLE, ROLE_LABEL } from "../k8s/labels";

/*
 * Pure builders of the R2 usage job (ST-1, ST-2): the GraphQL query it sends, the token policy that
 * lets it send it and nothing else, its CronJob and its egress. The R2Usage component only registers
 * what these return; scripts/backup/r2-usage.sh does the asking, parsing and pushing.
 */

/** Cloudflare's GraphQL Analytics API (https://developers.cloudflare.com/analytics/graphql-api/). */
export const CLOUDFLARE_GRAPHQL_URL = "https://api.cloudflare.com/client/v4/graphql";
/** The permission group the job's token holds: read the account's analytics, R2 storage among them. */
export const ANALYTICS_PERMISSION_GROUP = "Account Analytics Read";
/** The script the CronJob runs, from the backup scripts' ConfigMap. */
export const R2_USAGE_SCRIPT = "r2-usage.sh";
/** The CronJob's name; also the `app.kubernetes.io/name` of its pods. */
export const R2_USAGE_NAME = "r2-usage";
/**
 * How far back the job looks for each bucket's newest storage sample: a day, so a bucket Cloudflare
 * samples rarely still has one (the storage dataset keeps 31 days).
 */
export const R2_USAGE_WINDOW_SECONDS = 86400;

/**
 * The query (one line: the script puts it in a JSON string as it is). r2StorageAdaptiveGroups is R2's
 * storage dataset (https://developers.cloudflare.com/r2/platform/metrics-analytics/): one row per
 * bucket and sample time, newest first, with the sample's object count, payload and metadata bytes.
 * The limit is the API's largest: a day of samples of every bucket in the account, whose newest ones
 * come first.
 */
export const R2_USAGE_QUERY = [
    "query R2Usage($accountTag: string!, $since: Time!, $until: Time!) {",
    "viewer { accounts(filter: { accountTag: $accountTag }) {",
    "r2StorageAdaptiveGroups(limit: 10000, filter: { datetime_geq: $since, datetime_leq: $until }, orderBy: [datetime_DESC]) {",
    "dimensions { bucketName datetime } max { objectCount payloadSize metadataSize }",
    "} } } }",
].join(" ");

/** The resource key of a whole account in a token policy. */
export function accountResource(accountId: string): string {
    return `com.cloudflare.api.account.${accountId}`;
}

/** One token policy granting `permissionGroupId` (Account Analytics Read) on exactly one account. */
export function analyticsTokenPolicy(accountId: string, permissionGroupId: string) {
    return {
        effect: "allow",
        permissionGroups: [{ id: permissionGroupId }],
        resources: JSON.stringify({ [accountResource(accountId)]: "*" }),
    };
}

/** Labels of the job and its pods: its own role, so neither the data tier nor the backups' egress admits it. */
export function r2UsageLabels(): Record<string, string> {
    return {
        "app.kubernetes.io/name": R2_USAGE_NAME,
        "app.kubernetes.io/component": "storage-usage",
        "app.kubernetes.io/part-of": "runbook",
        "app.kubernetes.io/managed-by": "pulumi",
        [ROLE_LABEL]: R2_USAGE_ROLE,
    };
}

export interface R2UsageJobSettings {
    schedule: string;
    image: string;
    scriptsConfigMap: pulumi.Input<string>;
    accountId: string;
    buckets: string[];
    pushgatewayUrl: string;
    stack: string;
    /** Secret and key of the Cloudflare token. */
    tokenSecret: pulumi.Input<string>;
    tokenKey: string;
}

/**
 * The usage CronJob (ST-2): the backup jobs' image and scripts, the same restricted pod (no service
 * account token, non-root, read-only root), never two at once, skipped rather than run late, a small
 * container: it runs curl and awk for seconds.
 */
export function r2UsageCronJobSpec(s: R2UsageJobSettings): k8s.types.input.batch.v1.CronJobSpec {
    return jobCronJobSpec({
        name: R2_USAGE_NAME,
        schedule: s.schedule,
        image: s.image,
        script: R2_USAGE_SCRIPT,
        scriptsConfigMap: s.scriptsConfigMap,
        env: {
            CLOUDFLARE_GRAPHQL_URL,
            CLOUDFLARE_ACCOUNT_ID: s.accountId,
            R2_BUCKETS: s.buckets.join(" "),
            R2_USAGE_QUERY,
            R2_USAGE_WINDOW_SECONDS: String(R2_USAGE_WINDOW_SECONDS),
            PUSHGATEWAY_URL: s.pushgatewayUrl,
            STACK_NAME: s.stack,
        },
        secretEnv: { CLOUDFLARE_API_TOKEN: { secret: s.tokenSecret, key: s.tokenKey } },
        labels: r2UsageLabels(),
        // An hourly job: a run not started within 10 minutes waits for the next; one stuck for 10 is stopped.
        startingDeadlineSeconds: 600,
        activeDeadlineSeconds: 600,
        workSizeLimit: "64Mi",
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    });
}


/**
 * The usage pods' egress (SC-5): HTTPS to api.cloudflare.com (anycast, so the public internet on 443,
 * never the private ranges) and the Pushgateway; DNS comes from the namespace-wide policy. Nothing
 * else: no data store, no other port.
 */
export function r2UsageEgressSpec(pushgatewayUrl: string) {
    return {
        podSelector: { matchLabels: { [ROLE_LABEL]: R2_USAGE_ROLE } },
        policyTypes: ["Egress"],
        egress: [publicHttpsEgress(), pushgatewayEgress(pushgatewayUrl)],
    };
}
