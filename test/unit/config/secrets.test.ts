import * as assert from "assert";
import { findPlaintextSecrets, keyWords, looksSecret } from "../../../config/secrets";
import { maskedNamespaces, rawConfigFromEngine, rawConfigFromStackFile } from "../../../config/source";

describe("unit: secret handling in config (SC-1)", () => {
    it("splits keys into words across naming styles", () => {
        assert.deepStrictEqual(keyWords("pagerdutyRoutingKey"), ["pagerduty", "routing", "key"]);
        assert.deepStrictEqual(keyWords("JWT_SECRET"), ["jwt", "secret"]);
        assert.deepStrictEqual(keyWords("api-token"), ["api", "token"]);
    });

    it("flags password, token, secret and key words, but not look-alikes", () => {
        for (const k of ["password", "dbPassword", "apiToken", "JWT_SECRET", "accessKey", "slackWebhookUrl"]) assert.ok(looksSecret(k), k);
        for (const k of ["keyboard", "monkey", "tokenizerName", "zoneId"]) assert.ok(!looksSecret(k), k);
    });

    it("replaces secure: values with placeholders and records their paths", () => {
        const raw = rawConfigFromStackFile("config:\n  runbook:secrets:\n    JWT_SECRET:\n      secure: v1:abc\n  aws:region: us-east-1\n");
        assert.deepStrictEqual([...raw.securePaths], ["runbook:secrets.JWT_SECRET"]);
        const value = (raw.namespaces.runbook.secrets as Record<string, string>).JWT_SECRET;
        assert.notStrictEqual(value, "v1:abc");
        assert.strictEqual((maskedNamespaces(raw).runbook.secrets as Record<string, string>).JWT_SECRET, "[secret]");
        assert.deepStrictEqual(findPlaintextSecrets(raw), []);
    });

    it("under the CLI, reads which nested leaves are secure from the stack file", () => {
        const stackFile = "config:\n  runbook:alerts:\n    routes:\n      pagerdutyRoutingKey:\n        secure: v1:x\n      slackWebhookUrl: https://hooks.slack.test/plain\n";
        const raw = rawConfigFromEngine(
            { "runbook:alerts": JSON.stringify({ routes: { pagerdutyRoutingKey: "decrypted", slackWebhookUrl: "https://hooks.slack.test/plain" } }) },
            (k) => k === "runbook:alerts",
            stackFile,
        );
        const problems = findPlaintextSecrets(raw);
        assert.deepStrictEqual(problems.map((p) => p.path), ["alerts.routes.slackWebhookUrl"]);
    });

    it("under the CLI without a stack file, treats a whole secret key as secure", () => {
        const raw = rawConfigFromEngine({ "runbook:secrets": JSON.stringify({ JWT_SECRET: "decrypted" }), "cloudflare:apiToken": "plain" }, (k) => k === "runbook:secrets");
        assert.deepStrictEqual(findPlaintextSecrets(raw).map((p) => p.path), ["cloudflare:apiToken"]);
    });
});
