/*
 * The Cloudflare resources the program declares, each loaded from its own module of
 * @pulumi/cloudflare rather than through the package's root, which defines every resource as it
 * loads. The classes are the package's own; `types` is the package's, for type positions only.
 */
import * as apiToken from "@pulumi/cloudflare/apiToken";
import * as dnsRecord from "@pulumi/cloudflare/dnsRecord";
import * as permissionGroups from "@pulumi/cloudflare/getApiTokenPermissionGroupsList";
import * as provider from "@pulumi/cloudflare/provider";
import * as r2Bucket from "@pulumi/cloudflare/r2bucket";
import * as r2BucketLifecycle from "@pulumi/cloudflare/r2bucketLifecycle";
import * as r2BucketLock from "@pulumi/cloudflare/r2bucketLock";
import * as r2CustomDomain from "@pulumi/cloudflare/r2customDomain";
import * as ruleset from "@pulumi/cloudflare/ruleset";
import * as zoneSetting from "@pulumi/cloudflare/zoneSetting";

export type { types } from "@pulumi/cloudflare";

export import Provider = provider.Provider;
export type ProviderArgs = provider.ProviderArgs;
export import ApiToken = apiToken.ApiToken;
export import DnsRecord = dnsRecord.DnsRecord;
export import R2Bucket = r2Bucket.R2Bucket;
export import R2BucketLifecycle = r2BucketLifecycle.R2BucketLifecycle;
export import R2BucketLock = r2BucketLock.R2BucketLock;
export import R2CustomDomain = r2CustomDomain.R2CustomDomain;
export import Ruleset = ruleset.Ruleset;
export import ZoneSetting = zoneSetting.ZoneSetting;
export const getApiTokenPermissionGroupsListOutput = permissionGroups.getApiTokenPermissionGroupsListOutput;
