import { EnforcementLevel, Policies } from "@pulumi/policy";
import { statefulResourcesProtected } from "./protection";
import { r2BackupsNeverPublic, r2BackupsWriteOnce, r2BucketLifecycle } from "./storage";

export { PACK_NAME } from "./meta";

/** Level for any policy that sets none. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

/** Every rule of the runbook policy pack, in the order they are reported. */
export const policies: Policies = [statefulResourcesProtected, r2BucketLifecycle, r2BackupsNeverPublic, r2BackupsWriteOnce];
