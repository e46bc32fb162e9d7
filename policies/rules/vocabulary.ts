/*
 * The pack's vocabulary: the type tokens of the resources its rules read and the label names it
 * recognises, each spelled once (issue 18, item 4). The pack imports nothing of the program, so the
 * labels restate components/k8s/labels.ts and components/backup/backupSpec.ts; test/policy tests keep
 * the two in step, and test/unit/policyVocabulary.test.ts checks each provider token against its SDK.
 */

// Kubernetes: workloads.
export const K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const K8S_STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
export const K8S_DAEMON_SET = "kubernetes:apps/v1:DaemonSet";
export const K8S_REPLICA_SET = "kubernetes:apps/v1:ReplicaSet";
export const K8S_REPLICATION_CONTROLLER = "kubernetes:core/v1:ReplicationController";
export const K8S_JOB = "kubernetes:batch/v1:Job";
export const K8S_CRON_JOB = "kubernetes:batch/v1:CronJob";
export const K8S_POD = "kubernetes:core/v1:Pod";

// Kubernetes: everything else the rules read.
export const K8S_SERVICE = "kubernetes:core/v1:Service";
export const K8S_SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
export const K8S_SECRET = "kubernetes:core/v1:Secret";
export const K8S_CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
export const K8S_NAMESPACE = "kubernetes:core/v1:Namespace";
export const K8S_PERSISTENT_VOLUME_CLAIM = "kubernetes:core/v1:PersistentVolumeClaim";
export const K8S_NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const K8S_POD_DISRUPTION_BUDGET = "kubernetes:policy/v1:PodDisruptionBudget";
export const K8S_HORIZONTAL_POD_AUTOSCALER = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
export const K8S_PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
export const K8S_ALERTMANAGER_CONFIG = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";
export const K8S_SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
export const K8S_POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
export const K8S_GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
export const K8S_HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
export const K8S_CLIENT_TRAFFIC_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy";
export const K8S_CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
export const K8S_ISSUER = "kubernetes:cert-manager.io/v1:Issuer";
export const K8S_CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";

// AWS.
export const AWS_RDS_INSTANCE = "aws:rds/instance:Instance";
export const AWS_RDS_CLUSTER = "aws:rds/cluster:Cluster";
export const AWS_RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";
export const AWS_DOCDB_CLUSTER = "aws:docdb/cluster:Cluster";
export const AWS_ELASTICACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
export const AWS_ELASTICACHE_CLUSTER = "aws:elasticache/cluster:Cluster";
export const AWS_ELASTICACHE_PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup";
export const AWS_KMS_KEY = "aws:kms/key:Key";
export const AWS_KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";
export const AWS_KMS_ALIAS = "aws:kms/alias:Alias";
export const AWS_EC2_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const AWS_EC2_DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
export const AWS_EC2_SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const AWS_VPC_SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const AWS_VPC_SECURITY_GROUP_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
export const AWS_CLOUDWATCH_METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

// Cloudflare.
export const CLOUDFLARE_R2_BUCKET = "cloudflare:index/r2Bucket:R2Bucket";
export const CLOUDFLARE_R2_BUCKET_LOCK = "cloudflare:index/r2BucketLock:R2BucketLock";
export const CLOUDFLARE_R2_BUCKET_LIFECYCLE = "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle";
export const CLOUDFLARE_R2_CUSTOM_DOMAIN = "cloudflare:index/r2CustomDomain:R2CustomDomain";
export const CLOUDFLARE_R2_MANAGED_DOMAIN = "cloudflare:index/r2ManagedDomain:R2ManagedDomain";
export const CLOUDFLARE_ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting";
export const CLOUDFLARE_RULESET = "cloudflare:index/ruleset:Ruleset";
export const CLOUDFLARE_DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
export const CLOUDFLARE_API_TOKEN = "cloudflare:index/apiToken:ApiToken";
export const CLOUDFLARE_ACCOUNT_TOKEN = "cloudflare:index/accountToken:AccountToken";

// Random.
export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

// Labels and annotations the program puts on its objects (components/k8s/labels.ts, components/backup/backupSpec.ts).
/** A workload's tier: `app` or `data`. */
export const TIER_LABEL = "runbook.dev/tier";
export const APP_TIER = "app";
export const DATA_TIER = "data";
/** A Job's or CronJob's role; backup and drill jobs carry `backup`. */
export const ROLE_LABEL = "runbook.dev/role";
export const BACKUP_ROLE = "backup";
/** The datastore a backup CronJob dumps. */
export const BACKUP_DATASTORE_LABEL = "runbook.dev/backup-datastore";
/** The datastore a restore drill restores. */
export const DRILL_LABEL = "runbook.dev/restore-drill";
/** On an app's Deployment: the migration command its migrate Job must run. */
export const MIGRATE_COMMAND_ANNOTATION = "runbook.dev/migrate-command";
/** Kubernetes' recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const APP_NAME_LABEL = "app.kubernetes.io/name";
export const APP_COMPONENT_LABEL = "app.kubernetes.io/component";
/** Pod Security Admission's enforced level on a Namespace. */
export const PSA_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
