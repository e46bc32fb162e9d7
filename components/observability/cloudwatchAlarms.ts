import * as aws from "../providers/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Severity } from "./alertRules";

/*
 * CloudWatch alarms for the AWS-managed data stores (OB-3, OB-4): RDS and ElastiCache publish
 * their metrics to CloudWatch only, so Prometheus never sees them. Alarms that page go to one SNS
 * topic, subscribed by PagerDuty's Amazon CloudWatch integration; every alarm also goes to a topic
 * that AWS Chatbot posts to Slack, when a Slack channel is configured.
 */

/** One alarm, before it is bound to a resource's identifier. */
export interface AlarmSpec {
    /** Short role in the resource name, such as `cpu`. */
    role: string;
    metricName: string;
    namespace: "AWS/RDS" | "AWS/ElastiCache";
    statistic: "Average" | "Maximum" | "Minimum" | "Sum";
    comparisonOperator: "GreaterThanThreshold" | "LessThanThreshold";
    threshold: number;
    /** Evaluation periods of 5 minutes. */
    periods: number;
    severity: Severity;
    description: string;
}

const GIB = 1024 ** 3;

/**
 * Memory of an RDS instance class in GiB, from its size (db.m6g.large: 8 GiB; memory-optimized r
 * classes double it, burstable t classes follow m). Sources: the AWS instance class tables,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html
 */
export function rdsClassMemoryGiB(instanceClass: string): number {
    const [, family, size] = instanceClass.split(".");
    const bySize: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128, "12xlarge": 192, "16xlarge": 256, "24xlarge": 384 };
    const base = bySize[size] ?? 8;
    return family.startsWith("r") || family.startsWith("x") ? base * 2 : base;
}

/** RDS PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000). */
export function rdsMaxConnections(instanceClass: string): number {
    return Math.min(Math.floor((rdsClassMemoryGiB(instanceClass) * GIB) / 9531392), 5000);
}

export interface RdsAlarmInput {
    instanceClass: string;
    allocatedStorageGb: number;
    replica: boolean;
    thresholds: { dbConnectionsPercent: number; replicationLagSeconds: number };
}

/** Alarms of one RDS instance: CPU, FreeStorageSpace, DatabaseConnections, FreeableMemory, and ReplicaLag on a replica. */
export function rdsAlarmSpecs(input: RdsAlarmInput): AlarmSpec[] {
    const memoryBytes = rdsClassMemoryGiB(input.instanceClass) * GIB;
    const maxConnections = rdsMaxConnections(input.instanceClass);
    const connections = Math.floor((maxConnections * input.thresholds.dbConnectionsPercent) / 100);
    const specs: AlarmSpec[] = [
        { role: "cpu", metricName: "CPUUtilization", namespace: "AWS/RDS", statistic: "Average", comparisonOperator: "GreaterThanThreshold", threshold: 80, periods: 3, severity: "sev3", description: "CPU above 80 % for 15 minutes: look for slow queries in pg_stat_statements, then scale the instance class (DB-5)" },
        {
            role: "free-storage",
            metricName: "FreeStorageSpace",
            namespace: "AWS/RDS",
            statistic: "Minimum",
            comparisonOperator: "LessThanThreshold",
            threshold: Math.round(input.allocatedStorageGb * GIB * 0.1),
            periods: 1,
            severity: "sev2",
            description: `Less than 10 % of the allocated ${input.allocatedStorageGb} GB free: storage autoscaling is at its ceiling or too slow; raise database.maxAllocatedStorageGb`,
        },
        {
            role: "connections",
            metricName: "DatabaseConnections",
            namespace: "AWS/RDS",
            statistic: "Maximum",
            comparisonOperator: "GreaterThanThreshold",
            threshold: connections,
            periods: 2,
            severity: "sev2",
            description: `More than ${connections} connections (${input.thresholds.dbConnectionsPercent} % of max_connections ${maxConnections}) for 10 minutes: the next clients get "too many clients"`,
        },
        {
            role: "freeable-memory",
            metricName: "FreeableMemory",
            namespace: "AWS/RDS",
            statistic: "Minimum",
            comparisonOperator: "LessThanThreshold",
            threshold: Math.round(memoryBytes * 0.1),
            periods: 3,
            severity: "sev3",
            description: "Less than 10 % of memory freeable for 15 minutes: too many connections or an oversized work_mem; scale the instance class",
        },
    ];
    if (input.replica) {
        specs.push({
            role: "replica-lag",
            metricName: "ReplicaLag",
            namespace: "AWS/RDS",
            statistic: "Maximum",
            comparisonOperator: "GreaterThanThreshold",
            threshold: input.thresholds.replicationLagSeconds,
            periods: 2,
            severity: "sev3",
            description: `The read replica is more than ${input.thresholds.replicationLagSeconds} s behind for 10 minutes: reads from it are stale (DB-5)`,
        });
    }
    return specs;
}

/** Alarms of one ElastiCache node: memory use, evictions (never under noeviction, RD-2), and replication lag on a replica. */
export function elastiCacheAlarmSpecs(input: { replica: boolean; thresholds: { redisMemoryPercent: number; replicationLagSeconds: number } }): AlarmSpec[] {
    const specs: AlarmSpec[] = [
        {
            role: "memory",
            metricName: "DatabaseMemoryUsagePercentage",
            namespace: "AWS/ElastiCache",
            statistic: "Maximum",
            comparisonOperator: "GreaterThanThreshold",
            threshold: input.thresholds.redisMemoryPercent,
            periods: 1,
            severity: "sev2",
            description: `Redis uses more than ${input.thresholds.redisMemoryPercent} % of maxmemory; under noeviction it refuses writes when full and enqueues fail (RD-2)`,
        },
        { role: "evictions", metricName: "Evictions", namespace: "AWS/ElastiCache", statistic: "Sum", comparisonOperator: "GreaterThanThreshold", threshold: 0, periods: 1, severity: "sev1", description: "Redis evicted keys: queued jobs are being lost. The parameter group must keep maxmemory-policy noeviction (RD-2)" },
    ];
    if (input.replica) {
        specs.push({
            role: "replication-lag",
            metricName: "ReplicationLag",
            namespace: "AWS/ElastiCache",
            statistic: "Maximum",
            comparisonOperator: "GreaterThanThreshold",
            threshold: input.thresholds.replicationLagSeconds,
            periods: 2,
            severity: "sev3",
            description: `The replica is more than ${input.thresholds.replicationLagSeconds} s behind the primary for 10 minutes: a failover now would lose writes`,
        });
    }
    return specs;
}

/** Metrics CloudWatch does not report for every node at all times. */
const NOT_ALWAYS_REPORTED = ["Evictions", "ReplicationLag", "ReplicaLag"];

/** The alarm's description: severity first (the routing reads it), then what to do, then where the steps are. */
export function alarmDescription(spec: AlarmSpec): string {
    return `${spec.severity}: ${spec.description}. Runbook: docs/alerts.md#cloudwatch-${spec.role}`;
}

/** Whether an alarm of this severity pages (SEV1, SEV2), as the Alertmanager routing does. */
export function pages(severity: Severity): boolean {
    return severity === "sev1" || severity === "sev2";
}

/** The URL PagerDuty's Amazon CloudWatch integration receives SNS notifications on. */
export function pagerdutyCloudwatchUrl(integrationKey: string): string {
    return `https://events.pagerduty.com/integration/${integrationKey}/enqueue`;
}

export interface CloudWatchAlarmsArgs {
    /** RDS instances to watch, each with its class, storage and whether it is a read replica. */
    rdsInstances: Array<{ role: string; identifier: pulumi.Input<string>; instanceClass: string; allocatedStorageGb: number; replica: boolean }>;
    /** ElastiCache replication group to watch: its ID and number of cache clusters (primary first). */
    elastiCache?: { replicationGroupId: pulumi.Input<string>; numCacheClusters: number };
    thresholds: { dbConnectionsPercent: number; replicationLagSeconds: number; redisMemoryPercent: number };
    /** Integration key of PagerDuty's Amazon CloudWatch integration, a secret. Without it nothing pages. */
    pagerdutyCloudwatchKey?: pulumi.Input<string>;
    /** AWS Chatbot Slack channel for every alarm. Defaults to none. */
    slack?: { workspaceId: string; channelId: string };
    tags?: Record<string, string>;
}

/** CloudWatch alarms on RDS and ElastiCache, to SNS topics that reach PagerDuty and Slack. */
export class CloudWatchAlarms extends pulumi.ComponentResource {
    /** ARN of the topic of paging alarms (SEV1, SEV2). */
    public readonly pageTopicArn: pulumi.Output<string>;
    /** ARN of the topic every alarm notifies, for Slack. */
    public readonly notifyTopicArn: pulumi.Output<string>;
    /** Names (Pulumi resource names) of the alarms, by watched resource. */
    public readonly alarmNames: string[];

    constructor(name: string, args: CloudWatchAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:observability:CloudWatchAlarms", name, {}, opts);
        const tags = args.tags ?? {};
        // No KMS on these topics: CloudWatch cannot publish to a topic encrypted with the AWS-managed
        // SNS key, and alarm notifications carry no data beyond the alarm itself.
        const pageTopic = new aws.sns.Topic(`${name}-page`, { tags }, { parent: this });
        const notifyTopic = new aws.sns.Topic(`${name}-notify`, { tags }, { parent: this });
        for (const [role, topic] of [["page", pageTopic], ["notify", notifyTopic]] as const) {
            new aws.sns.TopicPolicy(
                `${name}-${role}-policy`,
                {
                    arn: topic.arn,
                    policy: topic.arn.apply((arn) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [{ Sid: "CloudWatchAlarms", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: arn }],
                        }),
                    ),
                },
                { parent: this },
            );
        }
        if (args.pagerdutyCloudwatchKey !== undefined) {
            new aws.sns.TopicSubscription(
                `${name}-pagerduty`,
                {
                    topic: pageTopic.arn,
                    protocol: "https",
                    endpoint: pulumi.secret(pulumi.output(args.pagerdutyCloudwatchKey).apply(pagerdutyCloudwatchUrl)),
                    endpointAutoConfirms: true,
                },
                { parent: this },
            );
        }
        if (args.slack) {
            const role = new aws.iam.Role(
                `${name}-chatbot-role`,
                {
                    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "chatbot.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
                    managedPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"],
                    tags,
                },
                { parent: this },
            );
            new aws.chatbot.SlackChannelConfiguration(
                `${name}-slack`,
                {
                    configurationName: `${name}-alarms`,
                    iamRoleArn: role.arn,
                    slackTeamId: args.slack.workspaceId,
                    slackChannelId: args.slack.channelId,
                    snsTopicArns: [pageTopic.arn, notifyTopic.arn],
                    // Chatbot's default guardrail is AdministratorAccess; reading alarms needs far less.
                    guardrailPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"],
                    tags,
                },
                { parent: this },
            );
        }

        this.alarmNames = [];
        const alarm = (resourceName: string, spec: AlarmSpec, dimensions: Record<string, pulumi.Input<string>>, watched: string) => {
            const actions = pages(spec.severity) ? [pageTopic.arn, notifyTopic.arn] : [notifyTopic.arn];
            new aws.cloudwatch.MetricAlarm(
                resourceName,
                {
                    alarmDescription: alarmDescription(spec),
                    namespace: spec.namespace,
                    metricName: spec.metricName,
                    statistic: spec.statistic,
                    comparisonOperator: spec.comparisonOperator,
                    threshold: spec.threshold,
                    period: 300,
                    evaluationPeriods: spec.periods,
                    dimensions,
                    // A store that stops reporting is as alarming as one that reports trouble, except for
                    // metrics only some nodes report: evictions (none reported is none happened) and
                    // replication lag (a node that became primary after a failover stops reporting it).
                    treatMissingData: NOT_ALWAYS_REPORTED.includes(spec.metricName) ? "notBreaching" : "breaching",
                    alarmActions: actions,
                    okActions: actions,
                    tags: { ...tags, "runbook.dev/severity": spec.severity, "runbook.dev/watches": watched },
                },
                { parent: this },
            );
            this.alarmNames.push(resourceName);
        };
        for (const instance of args.rdsInstances) {
            for (const spec of rdsAlarmSpecs({ ...instance, thresholds: args.thresholds })) {
                alarm(`${name}-${instance.role}-${spec.role}`, spec, { DBInstanceIdentifier: instance.identifier }, instance.role);
            }
        }
        if (args.elastiCache) {
            const { replicationGroupId, numCacheClusters } = args.elastiCache;
            for (let i = 1; i <= numCacheClusters; i++) {
                // Members of a non-cluster-mode replication group are named <group>-001, -002, …
                const member = pulumi.interpolate`${replicationGroupId}-${String(i).padStart(3, "0")}`;
                for (const spec of elastiCacheAlarmSpecs({ replica: i > 1, thresholds: args.thresholds })) {
                    alarm(`${name}-redis-${String(i).padStart(3, "0")}-${spec.role}`, spec, { CacheClusterId: member }, `redis-${String(i).padStart(3, "0")}`);
                }
            }
        }
        this.pageTopicArn = pageTopic.arn;
        this.notifyTopicArn = notifyTopic.arn;
        this.registerOutputs({ pageTopicArn: this.pageTopicArn, notifyTopicArn: this.notifyTopicArn });
    }
}
