import * as cloudflare from "../providers/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { R2_PERMISSION_GROUPS, r2SecretAccessKey, r2TokenPolicy } from "./backupSpec";

export interface R2TokenArgs {
    accountId: string;
    /** Buckets the token reaches; nothing else. */
    buckets: string[];
    /** `write` is Cloudflare's object read-and-write group (R2 has no write-only group); `read` is read-only. */
    access: "read" | "write";
    /** Rotation label, such as 2026-Q4: a new label replaces the token (ST-1, SC-2). */
    rotation: string;
    /** Token name prefix; the rotation label is appended. */
    tokenName: string;
    /** ID of the permission group for `access`. Defaults to looking it up by name in Cloudflare's list. */
    permissionGroupId?: pulumi.Input<string>;
}

/** Finds a permission group's ID by its name in Cloudflare's list. */
export function permissionGroupId(name: string, opts?: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    return cloudflare.getApiTokenPermissionGroupsListOutput({}, opts).results.apply((groups) => {
        const found = groups.find((g) => g.name === name);
        if (!found) throw new Error(`Cloudflare has no API token permission group named '${name}'`);
        return found.id;
    });
}

/**
 * A Cloudflare API token scoped to object access in a few R2 buckets (ST-1, BK-8), and the S3
 * credentials it stands for. Changing `rotation` renames the token, which replaces it: the new one is
 * created, the Secrets that hold it are updated, then the old one is deleted (SC-2).
 */
export class R2Token extends pulumi.ComponentResource {
    /** S3 access key ID (the token's ID). Secret. */
    public readonly accessKeyId: pulumi.Output<string>;
    /** S3 secret access key (SHA-256 of the token's value). Secret. */
    public readonly secretAccessKey: pulumi.Output<string>;

    constructor(name: string, args: R2TokenArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:backup:R2Token", name, {}, opts);
        const groupId = args.permissionGroupId ?? permissionGroupId(R2_PERMISSION_GROUPS[args.access], { parent: this });
        const token = new cloudflare.ApiToken(
            `${name}-token`,
            {
                name: `${args.tokenName}-${args.rotation}`,
                policies: [pulumi.output(groupId).apply((id) => r2TokenPolicy(args.accountId, args.buckets, id))],
            },
            { parent: this, replaceOnChanges: ["name"], additionalSecretOutputs: ["value"] },
        );
        this.accessKeyId = pulumi.secret(token.id);
        this.secretAccessKey = pulumi.secret(token.value.apply((v) => r2SecretAccessKey(v ?? "")));
        this.registerOutputs({ accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey });
    }
}
