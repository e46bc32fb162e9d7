import * as cloudflare from "../providers/cloudflare";
import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels } from "../k8s/labels";
import { permissionGroupId } from "../backup/r2Tokens";
import { ANALYTICS_PERMISSION_GROUP, R2_USAGE_NAME, analyticsTokenPolicy, r2UsageCronJobSpec, r2UsageEgressSpec, r2UsageLabels } from "./r2UsageSpec";

/** The Secret key that holds the usage job's Cloudflare token. */
export const R2_USAGE_TOKEN_KEY = "CLOUDFLARE_API_TOKEN";

export interface R2UsageArgs {
    /** This stack's name: the `stack` label of the pushed metrics, and part of the token's name. */
    stack: string;
    /** Cloudflare account of the buckets. */
    accountId: string;
    /** The buckets whose size and object count the job reports. */
    buckets: string[];
    /** The job's schedule (config: `storage.usage.schedule`). */
    schedule: string;
    /** Namespace of the job. */
    namespace: pulumi.Input<string>;
    /** The backup jobs' image, which has bash, curl and awk. */
    image: string;
    /** The backup scripts' ConfigMap, which holds r2-usage.sh. */
    scriptsConfigMap: pulumi.Input<string>;
    /** Where the job pushes its metrics. */
    pushgatewayUrl: string;
    /** Rotation label of the token: a new label replaces it (SC-2). */
    rotation: string;
    /** ID of Account Analytics Read. Defaults to looking it up by name in Cloudflare's list. */
    permissionGroupId?: pulumi.Input<string>;
}

/**
 * R2 storage usage (ST-1, ST-2): a Cloudflare token that reads the account's analytics and nothing
 * else, held only in a Secret; an hourly CronJob that reads every bucket's size and object count from
 * the GraphQL Analytics API and pushes them to the Pushgateway, where R2BucketOverBudget and
 * R2UsageStale read them; and the job's egress: HTTPS and the Pushgateway, nothing else.
 */
export class R2Usage extends pulumi.ComponentResource {
    /** Name of the CronJob. */
    public readonly cronJobName: pulumi.Output<string>;

    constructor(name: string, args: R2UsageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:storage:R2Usage", name, {}, opts);
        const child = { parent: this };
        const groupId = args.permissionGroupId ?? permissionGroupId(ANALYTICS_PERMISSION_GROUP, child);
        const token = new cloudflare.ApiToken(
            `${name}-token`,
            {
                name: `runbook-${args.stack}-r2-usage-${args.rotation}`,
                policies: [pulumi.output(groupId).apply((id) => analyticsTokenPolicy(args.accountId, id))],
            },
            { parent: this, replaceOnChanges: ["name"], additionalSecretOutputs: ["value"] },
        );
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: "runbook-r2-usage-credentials", namespace: args.namespace, labels: objectLabels(R2_USAGE_NAME, "credentials") },
                type: "Opaque",
                stringData: { [R2_USAGE_TOKEN_KEY]: pulumi.secret(token.value.apply((v) => v ?? "")) },
            },
            child,
        );
        const cron = new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            {
                metadata: { name: R2_USAGE_NAME, namespace: args.namespace, labels: r2UsageLabels() },
                spec: r2UsageCronJobSpec({
                    schedule: args.schedule,
                    image: args.image,
                    scriptsConfigMap: args.scriptsConfigMap,
                    accountId: args.accountId,
                    buckets: args.buckets,
                    pushgatewayUrl: args.pushgatewayUrl,
                    stack: args.stack,
                    tokenSecret: secret.metadata.name,
                    tokenKey: R2_USAGE_TOKEN_KEY,
                }),
            },
            child,
        );
        // SC-5: api.cloudflare.com over HTTPS and the Pushgateway; DNS from the namespace-wide policy.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-egress`,
            { metadata: { name: "r2-usage-egress", namespace: args.namespace, labels: objectLabels(R2_USAGE_NAME, "network-policy") }, spec: r2UsageEgressSpec(args.pushgatewayUrl) },
            child,
        );
        this.cronJobName = cron.metadata.name;
        this.registerOutputs({ cronJobName: this.cronJobName });
    }
}
