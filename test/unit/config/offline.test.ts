import * as assert from "assert";
import { fillAbsentSecrets, placeholderNote } from "../../../config/offline";
import { rawConfigFromStackFile, valueAtPath } from "../../../config/source";
import { validateConfig } from "../../../config/validate";
import { isSecurePath } from "../../../config/secrets";
import { stackRawAsFiled } from "../../helpers/stacks";

describe("unit: offline placeholders for secrets the stack file leaves out (SC-1)", () => {
    for (const stack of ["staging", "production"]) {
        it(`SC-1: the committed ${stack} file carries no secure: value, and the offline plan fills each required secret with a marked placeholder`, () => {
            const filed = stackRawAsFiled(stack);
            assert.strictEqual(filed.securePaths.size, 0, "no ciphertext is committed: only the stack's own key can make it");
            const { raw, filled } = fillAbsentSecrets(filed, stack);
            const paths = filled.map((f) => f.path);
            for (const p of ["alerts.routes.pagerdutyRoutingKey", "alerts.routes.slackWebhookUrl", "secrets.JWT_SECRET"]) {
                assert.ok(paths.includes(p), `${p} filled; got ${paths.join(", ")}`);
                assert.ok(isSecurePath(raw.securePaths, `runbook:${p}`), `${p} stays marked secret`);
                assert.match(String(valueAtPath(raw, `runbook:${p}`)), /^offline-placeholder-for-/);
            }
            const result = validateConfig(raw, stack);
            assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.problems));
        });
    }

    it("SC-1: leaves given secrets alone and fills nothing when nothing is missing", () => {
        const given = fillAbsentSecrets(stackRawAsFiled("staging"), "staging").raw;
        assert.deepStrictEqual(fillAbsentSecrets(given, "staging").filled, []);
    });

    it("SC-1: does not stand in for required keys that are not secrets", () => {
        const raw = rawConfigFromStackFile("config:\n  runbook:alerts:\n    routes:\n      slackChannel: '#x'\n");
        const { filled } = fillAbsentSecrets(raw, "staging");
        const paths = filled.map((f) => f.path);
        assert.ok(paths.includes("alerts.routes.pagerdutyRoutingKey") && paths.includes("alerts.routes.slackWebhookUrl"));
        assert.ok(paths.includes("providers.cloudflare.apiToken"), "a section of secrets only is filled whole");
        assert.ok(!paths.some((p) => /^(apps|database|storage|network|kubernetes)\b/.test(p)), "apps, database and the other sections stay missing, and are reported as such");
    });

    it("SC-1: the note names every filled key and the exact command that sets it", () => {
        const { filled } = fillAbsentSecrets(stackRawAsFiled("production"), "production");
        const note = placeholderNote("production", filled);
        assert.match(note, /has no value for \d+ required secret\(s\); this plan used marked placeholders/);
        assert.match(note, /pulumi config set --secret --path 'runbook:secrets\.JWT_SECRET' <value>/);
        assert.match(note, /pulumi config set --secret --path 'runbook:alerts\.routes\.slackWebhookUrl' <value>/);
    });
});
