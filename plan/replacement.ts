/**
 * Which input changes make the engine replace a resource instead of updating it in place, for the
 * resource types this program declares. `pulumi preview` asks each provider's Diff; offline there is
 * no provider, so the answers are copied from the providers' own schemas:
 *
 * - AWS (`@pulumi/aws`, bridged from terraform-provider-aws): the attributes marked `ForceNew` in
 *   the Terraform schema of each resource (internal/service/<service>/<resource>.go).
 * - Kubernetes (`@pulumi/kubernetes` 4.x): `forceNewProperties` in pulumi-kubernetes
 *   provider/pkg/provider/diff.go. Every kind is replaced when `metadata.name` or
 *   `metadata.namespace` changes; Secret `data`/`stringData`/`type` and ConfigMap `data`/`binaryData`
 *   replace unless the provider sets `enableSecretMutable`/`enableConfigMapMutable` (and the object is
 *   not `immutable`).
 * - Cloudflare (`@pulumi/cloudflare` 6.x, plugin-framework resources): attributes with a
 *   `RequiresReplace` plan modifier (the account, zone and bucket identifiers).
 * - random: every input of RandomPassword, RandomString and RandomId replaces.
 *
 * A type that is not listed here is reported as "replacement rules not known": the diff shows its
 * property changes but cannot say whether `pulumi up` updates or replaces it.
 */

export interface ReplacementRules {
    /** Input paths (dot-separated, `[*]` for every list element) whose change forces a replacement. */
    forceNew: string[];
    /** Every input forces a replacement (random resources). */
    allInputs?: boolean;
    /** Where the rule comes from, shown in docs and the JSON output. */
    source: string;
    /** Extra paths that force a replacement only for some values of the inputs. */
    conditional?: (inputs: Record<string, unknown>) => string[];
}

const TF_AWS = "terraform-provider-aws ForceNew";
const K8S = "pulumi-kubernetes forceNewProperties";
const CF = "cloudflare RequiresReplace";

/** ElastiCache can switch in-transit encryption in place only from engine version 7.0.5 on. */
function transitEncryptionReplaces(inputs: Record<string, unknown>): string[] {
    const version = typeof inputs.engineVersion === "string" ? inputs.engineVersion : "";
    const [major, minor, patch] = version.split(".").map((n) => Number(n));
    if (!Number.isFinite(major)) return [];
    const atLeast705 = major > 7 || (major === 7 && ((minor ?? 0) > 0 || (patch ?? 0) >= 5));
    return atLeast705 ? [] : ["transitEncryptionEnabled"];
}

const AWS: Record<string, ReplacementRules> = {
    "aws:rds/instance:Instance": {
        source: TF_AWS,
        forceNew: [
            "identifier",
            "identifierPrefix",
            "engine",
            "dbName",
            "username",
            "kmsKeyId",
            "storageEncrypted",
            "availabilityZone",
            "characterSetName",
            "ncharCharacterSetName",
            "snapshotIdentifier",
            "timezone",
            "customIamInstanceProfile",
            "restoreToPointInTime",
            "s3Import",
        ],
    },
    "aws:rds/parameterGroup:ParameterGroup": { source: TF_AWS, forceNew: ["name", "namePrefix", "family", "description"] },
    "aws:rds/subnetGroup:SubnetGroup": { source: TF_AWS, forceNew: ["name", "namePrefix"] },
    "aws:elasticache/replicationGroup:ReplicationGroup": {
        source: TF_AWS,
        forceNew: [
            "replicationGroupId",
            "atRestEncryptionEnabled",
            "kmsKeyId",
            "port",
            "subnetGroupName",
            "snapshotArns",
            "snapshotName",
            "preferredCacheClusterAzs",
            "dataTieringEnabled",
            "globalReplicationGroupId",
            "networkType",
        ],
        conditional: transitEncryptionReplaces,
    },
    "aws:elasticache/parameterGroup:ParameterGroup": { source: TF_AWS, forceNew: ["name", "family", "description"] },
    "aws:elasticache/subnetGroup:SubnetGroup": { source: TF_AWS, forceNew: ["name"] },
    "aws:ec2/vpc:Vpc": { source: TF_AWS, forceNew: ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"] },
    "aws:ec2/subnet:Subnet": { source: TF_AWS, forceNew: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "outpostArn"] },
    "aws:ec2/securityGroup:SecurityGroup": { source: TF_AWS, forceNew: ["name", "namePrefix", "description", "vpcId"] },
    "aws:ec2/securityGroupRule:SecurityGroupRule": {
        source: TF_AWS,
        forceNew: ["type", "fromPort", "toPort", "protocol", "cidrBlocks", "ipv6CidrBlocks", "prefixListIds", "securityGroupId", "sourceSecurityGroupId", "self"],
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { source: TF_AWS, forceNew: ["securityGroupId"] },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { source: TF_AWS, forceNew: ["securityGroupId"] },
    "aws:ec2/route:Route": { source: TF_AWS, forceNew: ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"] },
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": { source: TF_AWS, forceNew: ["vpcId", "peerVpcId", "peerOwnerId", "peerRegion"] },
    "aws:kms/key:Key": { source: TF_AWS, forceNew: ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"] },
    "aws:kms/alias:Alias": { source: TF_AWS, forceNew: ["name", "namePrefix"] },
    "aws:sns/topic:Topic": { source: TF_AWS, forceNew: ["name", "namePrefix", "fifoTopic"] },
    "aws:sns/topicSubscription:TopicSubscription": { source: TF_AWS, forceNew: ["topic", "protocol", "endpoint"] },
    "aws:cloudwatch/metricAlarm:MetricAlarm": { source: TF_AWS, forceNew: ["name"] },
};

const CLOUDFLARE: Record<string, ReplacementRules> = {
    "cloudflare:index/r2Bucket:R2Bucket": { source: CF, forceNew: ["accountId", "name", "location", "jurisdiction"] },
    "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle": { source: CF, forceNew: ["accountId", "bucketName", "jurisdiction"] },
    "cloudflare:index/r2BucketLock:R2BucketLock": { source: CF, forceNew: ["accountId", "bucketName", "jurisdiction"] },
    "cloudflare:index/r2BucketCors:R2BucketCors": { source: CF, forceNew: ["accountId", "bucketName", "jurisdiction"] },
    "cloudflare:index/r2CustomDomain:R2CustomDomain": { source: CF, forceNew: ["accountId", "bucketName", "domain", "jurisdiction"] },
    "cloudflare:index/r2ManagedDomain:R2ManagedDomain": { source: CF, forceNew: ["accountId", "bucketName", "jurisdiction"] },
    "cloudflare:index/dnsRecord:DnsRecord": { source: CF, forceNew: ["zoneId"] },
    "cloudflare:index/ruleset:Ruleset": { source: CF, forceNew: ["accountId", "zoneId", "kind", "phase"] },
    "cloudflare:index/zoneSetting:ZoneSetting": { source: CF, forceNew: ["zoneId", "settingId"] },
    "cloudflare:index/apiToken:ApiToken": { source: CF, forceNew: [] },
};

const RANDOM: Record<string, ReplacementRules> = {
    "random:index/randomPassword:RandomPassword": { source: "random: every input replaces", forceNew: [], allInputs: true },
    "random:index/randomString:RandomString": { source: "random: every input replaces", forceNew: [], allInputs: true },
    "random:index/randomId:RandomId": { source: "random: every input replaces", forceNew: [], allInputs: true },
    "random:index/randomBytes:RandomBytes": { source: "random: every input replaces", forceNew: [], allInputs: true },
};

const CONTAINER_PROPS = ["args", "command", "env", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "ports", "readinessProbe", "resources", "securityContext", "stdin", "stdinOnce", "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir"];

/** Kind-specific paths, by `group/version:Kind` as in the type token (`core/v1:Service`). */
const KUBERNETES_KINDS: Record<string, string[]> = {
    "apps/v1:Deployment": ["spec.selector"],
    "apps/v1:DaemonSet": ["spec.selector"],
    "apps/v1:StatefulSet": ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.serviceName", "spec.volumeClaimTemplates", "spec.selector"],
    "batch/v1:Job": ["spec.completions", "spec.parallelism", "spec.template", "spec.selector"],
    "core/v1:PersistentVolumeClaim": ["spec.accessModes", "spec.storageClassName", "spec.volumeName", "spec.selector"],
    "core/v1:Pod": [
        "spec.affinity",
        "spec.automountServiceAccountToken",
        "spec.dnsConfig",
        "spec.dnsPolicy",
        "spec.enableServiceLinks",
        "spec.hostAliases",
        "spec.hostIPC",
        "spec.hostNetwork",
        "spec.hostPID",
        "spec.hostname",
        "spec.imagePullSecrets",
        "spec.nodeName",
        "spec.nodeSelector",
        "spec.overhead",
        "spec.preemptionPolicy",
        "spec.priority",
        "spec.priorityClassName",
        "spec.readinessGates",
        "spec.restartPolicy",
        "spec.runtimeClassName",
        "spec.schedulerName",
        "spec.securityContext",
        "spec.serviceAccount",
        "spec.serviceAccountName",
        "spec.shareProcessNamespace",
        "spec.subdomain",
        "spec.terminationGracePeriodSeconds",
        "spec.volumes",
        ...CONTAINER_PROPS.flatMap((p) => [`spec.containers[*].${p}`, `spec.initContainers[*].${p}`]),
    ],
    "core/v1:ResourceQuota": ["spec.scopes"],
    "core/v1:Service": ["spec.clusterIP"],
    "rbac.authorization.k8s.io/v1:RoleBinding": ["roleRef"],
    "rbac.authorization.k8s.io/v1:ClusterRoleBinding": ["roleRef"],
    "storage.k8s.io/v1:StorageClass": ["parameters", "provisioner"],
    "policy/v1beta1:PodDisruptionBudget": ["spec"],
};

/** The Kubernetes provider's switches that make Secret and ConfigMap data updatable in place. */
export interface KubernetesProviderFlags {
    enableSecretMutable: boolean;
    enableConfigMapMutable: boolean;
}

function kubernetesRules(type: string, inputs: Record<string, unknown>, flags: KubernetesProviderFlags): ReplacementRules | undefined {
    const m = /^kubernetes:(.+)$/.exec(type);
    if (!m) return undefined;
    // Helm releases are identified by their release name and namespace.
    if (m[1] === "helm.sh/v3:Release") return { source: K8S, forceNew: ["name", "namespace"] };
    const kindKey = m[1];
    const forceNew = ["metadata.name", "metadata.namespace", ...(KUBERNETES_KINDS[kindKey] ?? [])];
    const immutable = inputs.immutable === true;
    if (kindKey === "core/v1:Secret" && (!flags.enableSecretMutable || immutable)) forceNew.push("type", "stringData", "data");
    if (kindKey === "core/v1:ConfigMap" && (!flags.enableConfigMapMutable || immutable)) forceNew.push("data", "binaryData");
    return { source: K8S, forceNew };
}

/**
 * The replacement rules for one resource, or undefined when they are not known for its type.
 * Provider resources (`pulumi:providers:*`) are never replaced by an input change of their own;
 * the resources that use them are (see diff.ts).
 */
export function replacementRules(type: string, inputs: Record<string, unknown>, flags: KubernetesProviderFlags = { enableSecretMutable: false, enableConfigMapMutable: false }): ReplacementRules | undefined {
    if (type.startsWith("pulumi:providers:")) return { source: "provider resource", forceNew: [] };
    return AWS[type] ?? CLOUDFLARE[type] ?? RANDOM[type] ?? kubernetesRules(type, inputs, flags);
}

/** The force-new paths in effect for these inputs, including conditional ones. */
export function forceNewPaths(rules: ReplacementRules, inputs: Record<string, unknown>): string[] {
    return [...rules.forceNew, ...(rules.conditional?.(inputs) ?? [])];
}

/** Every type with a rule table, for docs and tests (Kubernetes kinds follow the generic rule). */
export const KNOWN_TYPES = [...Object.keys(AWS), ...Object.keys(CLOUDFLARE), ...Object.keys(RANDOM)];

/**
 * The provider settings whose change makes the provider's DiffConfig ask for every resource it
 * manages to be replaced: a different AWS region, a different Kubernetes cluster. The engine asks
 * DiffConfig for explicit and default providers alike (pulumi/pulumi#18509).
 */
export const PROVIDER_REPLACING_KEYS: Record<string, string[]> = {
    "pulumi:providers:aws": ["region"],
    "pulumi:providers:kubernetes": ["kubeconfig", "context", "cluster", "clusterIdentifier"],
};
