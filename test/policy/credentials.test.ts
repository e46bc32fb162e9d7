import * as assert from "assert";
import { credentialShape, noInlineCredentials } from "../../policies/rules/secrets";
import { UNKNOWN } from "../../plan/model";
import { check, resource } from "../helpers/policy";

/*
 * Issue 19 (3): credential shapes in every string input of every resource, not in chosen fields.
 */

const ALERTMANAGER_CONFIG = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const R2_BUCKET = "cloudflare:index/r2Bucket:R2Bucket";

const receivers = (extra: Record<string, unknown> = {}) =>
    resource(ALERTMANAGER_CONFIG, "observability-alertmanager-config", {
        metadata: { name: "runbook-routing", namespace: "runbook" },
        spec: {
            route: { receiver: "slack" },
            receivers: [
                { name: "slack", slackConfigs: [{ apiURL: { name: "runbook-alert-routing", key: "slack-webhook-url" }, channel: "#ops", text: "{{ .CommonAnnotations.summary }}" }] },
                { name: "pagerduty", pagerdutyConfigs: [{ routingKey: { name: "runbook-alert-routing", key: "pagerduty-routing-key" }, ...extra }] },
            ],
        },
    });
const run = (rs: ReturnType<typeof resource>[]) => check([noInlineCredentials], rs);

describe("policy: no-inline-credentials (SC-1; issue 19 (3))", () => {
    it("SC-1: compliant: receivers that reference their secrets, scripts that name variables, a Secret's own data", async () => {
        const script = resource(CONFIG_MAP, "backups-scripts", { metadata: { name: "scripts" }, data: { "lib.sh": 'aws s3 cp - "s3://$S3_BUCKET/x" --endpoint-url "$S3_ENDPOINT_URL"\npsql "postgres://drill@127.0.0.1:5432/postgres"\nage -r "$AGE_RECIPIENT"\n# AGE-SECRET-KEY- lines are never logged\n' } });
        const secret = resource(SECRET, "app-secrets", { metadata: { name: "app" }, stringData: { DATABASE_URL: "postgres://app:hunter2@db:5432/app" } });
        assert.deepStrictEqual(await run([receivers(), script, secret]), []);
    });

    it("SC-1: violating: a Slack webhook URL and a PagerDuty routing key written into an AlertmanagerConfig, never echoed", async () => {
        const slack = resource(ALERTMANAGER_CONFIG, "amc", { spec: { receivers: [{ name: "x", webhookConfigs: [{ url: "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx" }] }] } });
        const v1 = await run([slack]);
        assert.strictEqual(v1.length, 1);
        assert.match(v1[0].message, /a Slack webhook URL in spec.receivers\[0\].webhookConfigs\[0\].url/);
        assert.doesNotMatch(v1[0].message, /abcdefghij/, "the value is never printed");
        const v2 = await run([receivers({ routingKey: "0123456789abcdef0123456789abcdef" })]);
        assert.match(v2[0].message, /a literal value under the credential field 'routingKey'/);
    });

    it("SC-1: violating: provider keys, a private key, an age identity and a URL with a password, wherever they sit", async () => {
        const shapes: Array<[string, RegExp]> = [
            ["export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", /an AWS access key ID/],
            ["token: ghp_0123456789abcdefghijklmnopqrstuvwxyz", /a GitHub token/],
            ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----", /a private key/],
            [`AGE-SECRET-KEY-1${"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".repeat(2).slice(0, 58)}`, /an age identity/],
            ["redis://default:s3cret@redis:6379", /a URL with a password/],
            ["xoxb-123456789012-abcdefghijkl", /a Slack token/],
            ["sk_live_0123456789abcdefABCD", /a Stripe secret key/],
        ];
        for (const [value, what] of shapes) {
            for (const r of [
                resource(CONFIG_MAP, "cm", { data: { "run.sh": `#!/bin/sh\n${value}\n` } }),
                resource(DEPLOYMENT, "app", { metadata: { annotations: { note: value } } }),
                resource(R2_BUCKET, "bucket", { name: "b", location: value }),
            ]) {
                const v = await run([r]);
                assert.strictEqual(v.length, 1, `${value} in ${r.type}`);
                assert.match(v[0].message, what);
            }
            assert.ok(credentialShape(value), value);
        }
    });

    it("SC-1: a value only known after 'pulumi up' is no inline text; a known credential beside it still counts", async () => {
        const r = resource(CONFIG_MAP, "cm", { data: { "a.sh": UNKNOWN, "b.sh": "curl https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx" } });
        const v = await run([r]);
        assert.strictEqual(v.length, 1);
        assert.match(v[0].message, /data\.b\.sh/);
    });

    it("SC-1: references and templates are not credentials", () => {
        for (const value of ["postgres://user:$(DB_PASSWORD)@db/app", "https://user:${TOKEN}@git", "{{ .Values.password }}", "ghp_short", "https://hooks.slack.com/"]) assert.strictEqual(credentialShape(value), undefined, value);
    });
});
