import { ResourceValidationPolicy } from "@pulumi/policy";
import { guidance, isProductionUrn, outsideProductionSchema, reportAt, requirement } from "./meta";
import { at, isSet } from "./props";
import { AWS_ELASTICACHE_CLUSTER, AWS_ELASTICACHE_REPLICATION_GROUP, AWS_KMS_KEY, AWS_RDS_CLUSTER, AWS_RDS_INSTANCE, CLOUDFLARE_R2_BUCKET, K8S_PERSISTENT_VOLUME_CLAIM, K8S_STATEFUL_SET } from "./vocabulary";

/** Resource types that hold data a stack must never delete by accident. */
export const STATEFUL_TYPES = [
    CLOUDFLARE_R2_BUCKET,
    AWS_RDS_INSTANCE,
    AWS_RDS_CLUSTER,
    AWS_ELASTICACHE_REPLICATION_GROUP,
    AWS_ELASTICACHE_CLUSTER,
    AWS_KMS_KEY,
    K8S_PERSISTENT_VOLUME_CLAIM,
    K8S_STATEFUL_SET,
];

type OutsideProduction = "mandatory" | "advisory" | "disabled";

/** The level to report at: the policy's own in production, `outsideProduction` elsewhere (undefined = skip). */
function levelFor(urn: string, outsideProduction: OutsideProduction): "default" | "mandatory" | "advisory" | undefined {
    if (isProductionUrn(urn)) return "default";
    return outsideProduction === "disabled" ? undefined : outsideProduction;
}

export const statefulResourcesProtected: ResourceValidationPolicy = {
    name: "stateful-resources-protected",
    description: "DB-6: stateful resources (databases, caches, buckets, volumes, keys) are declared with `protect: true` in production, so `pulumi destroy` or a removed line cannot delete them.",
    enforcementLevel: "mandatory",
    ...requirement("DB-6", "Production databases cannot be deleted by accident; a final snapshot is taken on decommission"),
    ...guidance("critical", "Set the resource option protect: true (the program does so in production through the stack's protect setting)."),
    configSchema: {
        properties: {
            types: { type: "array", items: { type: "string" }, default: STATEFUL_TYPES, description: "Resource types that must be protected." },
            outsideProduction: outsideProductionSchema("disabled"),
        },
    },
    validateResource: (args, reportViolation) => {
        const { types = STATEFUL_TYPES, outsideProduction = "disabled" } = args.getConfig<{ types?: string[]; outsideProduction?: OutsideProduction }>();
        if (!types.includes(args.type)) args.notApplicable(`${args.type} is not a stateful type`);
        const level = levelFor(args.urn, outsideProduction);
        if (level === undefined) args.notApplicable("not production");
        if (!args.opts.protect) {
            reportAt(reportViolation, level === "default" ? undefined : level, "stateful-resources-protected")(
                `${args.type} '${args.name}' is not protected. Set the resource option protect: true.`,
                args.urn,
            );
        }
    },
};

/**
 * `retainOnDelete` keeps the cloud resource when Pulumi deletes it (a removed line, a replacement,
 * `pulumi destroy`). The Pulumi engine does not send it to policy packs, so CrossGuard cannot see
 * it; the offline `runbook plan` and `runbook check` record it and pass it to this policy.
 */
export const statefulResourcesRetained: ResourceValidationPolicy = {
    name: "stateful-resources-retained",
    description:
        "DB-6: (offline only) in production, stateful resources are declared with `retainOnDelete: true`, so even a deletion Pulumi performs leaves the data in place. Checked by `runbook plan` and `runbook check`; `pulumi preview` cannot see this option and skips the policy.",
    enforcementLevel: "mandatory",
    ...requirement("DB-6", "Production databases cannot be deleted by accident; a final snapshot is taken on decommission"),
    ...guidance("critical", "Set the resource option retainOnDelete: true on the resource (the program does so in production)."),
    configSchema: {
        properties: {
            types: { type: "array", items: { type: "string" }, default: STATEFUL_TYPES, description: "Resource types that must be retained on delete." },
            outsideProduction: outsideProductionSchema("disabled"),
        },
    },
    validateResource: (args, reportViolation) => {
        const { types = STATEFUL_TYPES, outsideProduction = "disabled" } = args.getConfig<{ types?: string[]; outsideProduction?: OutsideProduction }>();
        if (!types.includes(args.type)) args.notApplicable(`${args.type} is not a stateful type`);
        const retain = (args.opts as { retainOnDelete?: unknown }).retainOnDelete;
        if (typeof retain !== "boolean") args.notApplicable("the engine does not pass retainOnDelete to policy packs; runbook check enforces it offline");
        // A read replica's data lives in its source, which is retained; deleting the replica loses nothing.
        if (args.type === AWS_RDS_INSTANCE && isSet(at(args.props, "replicateSourceDb"))) args.notApplicable("a read replica holds a copy of its source's data");
        const level = levelFor(args.urn, outsideProduction);
        if (level === undefined) args.notApplicable("not production");
        if (retain !== true) {
            reportAt(reportViolation, level === "default" ? undefined : level, "stateful-resources-retained")(
                `${args.type} '${args.name}' is not retained on delete (offline-only check: pulumi preview cannot see retainOnDelete). Set the resource option retainOnDelete: true.`,
                args.urn,
            );
        }
    },
};
