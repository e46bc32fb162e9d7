import * as assert from "assert";
import { R2Usage } from "../../../components/storage/r2Usage";
import { SECRET } from "../../../plan/model";
import { mockRun, ofType, one } from "../../helpers/harness";
import { kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { CLOUDFLARE_API_TOKEN, K8S_CRON_JOB, K8S_SECRET } from "../../helpers/types";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

function build(rotation = "initial") {
    return mockRun(() => {
        new R2Usage("r2-usage", {
            stack: "production",
            accountId: ACCOUNT,
            buckets: ["menu-images", "menu-backups"],
            schedule: "40 * * * *",
            namespace: "menu",
            image: "ghcr.io/acme/runbook-backup:1.0.0",
            scriptsConfigMap: "backup-scripts-abc123",
            pushgatewayUrl: "http://prometheus-pushgateway.monitoring.svc:9091",
            rotation,
            permissionGroupId: "analytics-group",
        });
    }, "production");
}

describe("component: R2Usage (ST-1, ST-2, SC-1, SC-5)", () => {
    it("ST-2: one token reading the account's analytics, its value only in a Secret the CronJob reads; the job's egress; schema-valid objects", async () => {
        const resources = await build();
        const token = one(resources, CLOUDFLARE_API_TOKEN, "r2-usage");
        assert.strictEqual(token.inputs.name, "runbook-production-r2-usage-initial");
        const policy = (token.inputs.policies as any[])[0];
        assert.deepStrictEqual(policy.permissionGroups, [{ id: "analytics-group" }]);
        assert.deepStrictEqual(JSON.parse(policy.resources), { [`com.cloudflare.api.account.${ACCOUNT}`]: "*" });
        const secret = one(resources, K8S_SECRET, "r2-usage");
        assert.strictEqual(secret.inputs.stringData, SECRET, "the token's value stays secret");
        const cron = one(resources, K8S_CRON_JOB, "r2-usage");
        assert.strictEqual((cron.inputs.metadata as any).name, "r2-usage");
        const env: any[] = (cron.inputs.spec as any).jobTemplate.spec.template.spec.containers[0].env;
        assert.deepStrictEqual(env.find((e) => e.name === "CLOUDFLARE_API_TOKEN").valueFrom.secretKeyRef, { name: "runbook-r2-usage-credentials", key: "CLOUDFLARE_API_TOKEN" });
        assert.ok(env.every((e) => e.value === undefined || !String(e.value).includes("offline")), "no credential as a literal");
        const egress = one(resources, NETWORK_POLICY, "r2-usage");
        assert.deepStrictEqual((egress.inputs.spec as any).egress.map((e: any) => e.ports[0].port), [443, 9091]);
        assert.strictEqual(ofType(resources, K8S_CRON_JOB).length, 1);
        assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
    });

    it("SC-2: a new rotation label is a new token name (replaceOnChanges: name replaces the token)", async () => {
        const resources = await build("2027-Q1");
        const token = one(resources, CLOUDFLARE_API_TOKEN, "r2-usage");
        assert.strictEqual(token.inputs.name, "runbook-production-r2-usage-2027-Q1");
    });
});
