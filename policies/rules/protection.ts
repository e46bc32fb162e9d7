import { ResourceValidationPolicy } from "@pulumi/policy";
import { requirement } from "./meta";

/** Resource types that hold data a stack must never delete by accident. */
export const STATEFUL_TYPES = [
    "cloudflare:index/r2Bucket:R2Bucket",
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:kms/key:Key",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:apps/v1:StatefulSet",
];

export const statefulResourcesProtected: ResourceValidationPolicy = {
    name: "stateful-resources-protected",
    description: "DB-6: stateful resources (databases, caches, buckets, volumes, keys) are declared with `protect: true`, so `pulumi destroy` or a removed line cannot delete them.",
    enforcementLevel: "mandatory",
    ...requirement("DB-6", "Production databases cannot be deleted by accident; a final snapshot is taken on decommission"),
    configSchema: {
        properties: {
            types: { type: "array", items: { type: "string" }, default: STATEFUL_TYPES, description: "Resource types that must be protected." },
        },
    },
    validateResource: (args, reportViolation) => {
        const { types } = args.getConfig<{ types: string[] }>();
        if (!types.includes(args.type)) {
            args.notApplicable(`${args.type} is not a stateful type`);
        }
        if (!args.opts.protect) {
            reportViolation(`${args.type} '${args.name}' is not protected. Set the resource option protect: true.`);
        }
    },
};
