import { EnforcementLevel, Policies } from "@pulumi/policy";
import { k8sDataRestrictedSecurity, k8sDataVolumesRetained, k8sNoPublicDataService } from "./kubernetes";
import { statefulResourcesProtected } from "./protection";
import { elasticacheEncryption, elasticacheMultiAz, elasticacheSnapshotRetention, redisNoeviction, redisRequiresAuth } from "./redis";
import { rdsBackupRetention, rdsDeletionProtection, rdsForceSsl, rdsMultiAz, rdsNotPublic, rdsPasswordNotLiteral, rdsStorageEncrypted } from "./rds";
import { securityGroupNoPublicDataPorts, securityGroupRuleDescriptions } from "./securityGroups";
import { r2BackupsNeverPublic, r2BackupsWriteOnce, r2BucketLifecycle } from "./storage";
import {
    k8sEnvNoLiteralSecret,
    k8sImagePinned,
    k8sNamespaceNetworkPolicy,
    k8sNoExposedAppService,
    k8sNoHostAccess,
    k8sProductionReplicas,
    k8sWorkloadProbes,
    k8sWorkloadResources,
    k8sWorkloadRestrictedSecurity,
} from "./workloads";

export { PACK_NAME } from "./meta";

/** Level for any policy that sets none. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

/** Every rule of the runbook policy pack, in the order they are reported. */
export const policies: Policies = [
    statefulResourcesProtected,
    r2BucketLifecycle,
    r2BackupsNeverPublic,
    r2BackupsWriteOnce,
    rdsStorageEncrypted,
    rdsNotPublic,
    rdsBackupRetention,
    rdsDeletionProtection,
    rdsMultiAz,
    rdsForceSsl,
    rdsPasswordNotLiteral,
    securityGroupNoPublicDataPorts,
    securityGroupRuleDescriptions,
    k8sDataVolumesRetained,
    k8sNoPublicDataService,
    k8sDataRestrictedSecurity,
    elasticacheEncryption,
    elasticacheSnapshotRetention,
    elasticacheMultiAz,
    redisNoeviction,
    redisRequiresAuth,
    k8sWorkloadProbes,
    k8sWorkloadResources,
    k8sWorkloadRestrictedSecurity,
    k8sNoHostAccess,
    k8sImagePinned,
    k8sEnvNoLiteralSecret,
    k8sProductionReplicas,
    k8sNamespaceNetworkPolicy,
    k8sNoExposedAppService,
];
