import { EnforcementLevel, Policies } from "@pulumi/policy";
import { cloudflareHsts, cloudflareLoginRateLimit, cloudflareWafAndProxy, cloudflareZoneTls, gatewayHttpRedirectOnly, gatewaySecurityHeaders } from "./edge";
import { backupCronJobPerDatabase, backupsAccessScoped, backupsOffsiteEncrypted } from "./backups";
import {
    k8sDataVolumesRetained,
    k8sNamespaceRestricted,
    k8sNetworkIsolation,
    k8sNoPublicDataService,
    k8sNoSecretsInConfigMaps,
    k8sRestrictedSecurity,
    k8sSecretValuesNotLiteral,
    mongodbRequiresAuth,
} from "./kubernetes";
import { alertsFireAtRunbookThresholds } from "./alertMeaning";
import { alertsCoverApps, alertsHaveSeverityAndRunbook, dataAlertsHaveSource, dataStoreCloudwatchAlarms, pagingAlertsReachPager } from "./observability";
import { statefulResourcesProtected, statefulResourcesRetained } from "./protection";
import { elasticacheEncryption, elasticacheMultiAz, elasticacheSnapshotRetention, redisNoeviction, redisRequiresAuth } from "./redis";
import {
    kmsKeyHardened,
    rdsBackupRetention,
    rdsDeletionProtection,
    rdsForceSsl,
    rdsMasterPasswordRoleJobsOnly,
    rdsMultiAz,
    rdsNotPublic,
    rdsPasswordNotLiteral,
    rdsStorageEncrypted,
} from "./rds";
import { generatedCredentials, noInlineCredentials } from "./secrets";
import { tlsCertificatesRenewed } from "./tls";
import { securityGroupNoPublicDataPorts, securityGroupRuleDescriptions } from "./securityGroups";
import { r2BackupsNeverPublic, r2BackupsWriteOnce, r2BucketLifecycle, r2CustomDomainTls } from "./storage";
import {
    k8sEnvNoLiteralSecret,
    k8sImagePinned,
    k8sMigrationsBeforeTraffic,
    k8sNamespaceNetworkPolicy,
    k8sNoExposedAppService,
    k8sProductionReplicas,
    k8sWorkloadProbes,
    k8sWorkloadResources,
    k8sReadOnlyRootFilesystem,
    k8sServiceAccountTokenNotMounted,
} from "./workloads";

export { PACK_NAME } from "./meta";

/** Level for any policy that sets none. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

/** Every rule of the runbook policy pack, in the order they are reported. */
export const policies: Policies = [
    statefulResourcesProtected,
    statefulResourcesRetained,
    r2BucketLifecycle,
    r2BackupsNeverPublic,
    r2BackupsWriteOnce,
    r2CustomDomainTls,
    rdsStorageEncrypted,
    kmsKeyHardened,
    rdsNotPublic,
    rdsBackupRetention,
    rdsDeletionProtection,
    rdsMultiAz,
    rdsForceSsl,
    rdsPasswordNotLiteral,
    rdsMasterPasswordRoleJobsOnly,
    generatedCredentials,
    noInlineCredentials,
    securityGroupNoPublicDataPorts,
    securityGroupRuleDescriptions,
    k8sDataVolumesRetained,
    k8sNoPublicDataService,
    k8sRestrictedSecurity,
    k8sNamespaceRestricted,
    k8sNetworkIsolation,
    k8sNoSecretsInConfigMaps,
    k8sSecretValuesNotLiteral,
    mongodbRequiresAuth,
    elasticacheEncryption,
    elasticacheSnapshotRetention,
    elasticacheMultiAz,
    redisNoeviction,
    redisRequiresAuth,
    k8sWorkloadProbes,
    k8sWorkloadResources,
    k8sReadOnlyRootFilesystem,
    k8sImagePinned,
    k8sEnvNoLiteralSecret,
    k8sProductionReplicas,
    k8sMigrationsBeforeTraffic,
    k8sServiceAccountTokenNotMounted,
    k8sNamespaceNetworkPolicy,
    k8sNoExposedAppService,
    cloudflareZoneTls,
    cloudflareHsts,
    cloudflareLoginRateLimit,
    cloudflareWafAndProxy,
    gatewayHttpRedirectOnly,
    gatewaySecurityHeaders,
    tlsCertificatesRenewed,
    alertsCoverApps,
    alertsHaveSeverityAndRunbook,
    alertsFireAtRunbookThresholds,
    pagingAlertsReachPager,
    dataStoreCloudwatchAlarms,
    dataAlertsHaveSource,
    backupCronJobPerDatabase,
    backupsOffsiteEncrypted,
    backupsAccessScoped,
];
