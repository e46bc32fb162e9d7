import * as assert from "assert";
import { formatProblem } from "../../../config/problems";
import { validateConfig } from "../../../config/validate";
import { problemAt, problemsOf } from "../../helpers/configProblems";
import { stackRaw, stackRawAsFiled } from "../../helpers/stacks";

describe("unit: stack config validation", () => {
    for (const stack of ["staging", "production"]) {
        it(`accepts the committed ${stack} stack file`, () => {
            const result = validateConfig(stackRaw(stack), stack);
            assert.ok(result.ok, result.ok ? "" : result.problems.map(formatProblem).join("\n"));
        });
    }

    it("BK-2: production defaults to 30-day retention, staging to 7", () => {
        const prod = validateConfig(stackRaw("production"), "production");
        const staging = validateConfig(stackRaw("staging"), "staging");
        assert.ok(prod.ok && staging.ok);
        assert.strictEqual(prod.config.database.backupRetentionDays, 30);
        assert.strictEqual(prod.config.backups.retentionDays, 30);
        assert.strictEqual(staging.config.database.backupRetentionDays, 7);
        assert.strictEqual(staging.config.backups.retentionDays, 7);
    });

    it("treats any stack other than production as non-production", () => {
        const result = validateConfig(stackRaw("staging"), "feature-xyz");
        assert.ok(result.ok);
        assert.strictEqual(result.config.environment.isProduction, false);
        assert.strictEqual(result.config.database.protect, false);
        assert.strictEqual(result.config.apps[0].replicas, 1);
    });

    it("BK-2: retention 3 in production names the key, the value, the range and the requirement", () => {
        const p = problemAt(
            problemsOf("production", (c) => {
                c["runbook:database"].backupRetentionDays = 3;
            }),
            "database.backupRetentionDays",
        );
        assert.strictEqual(formatProblem(p), "database.backupRetentionDays: 3 is below the minimum of 7 (BK-2); set 7–35");
    });

    it("rejects retention above the RDS ceiling of 35", () => {
        const p = problemAt(problemsOf("staging", (c) => (c["runbook:database"].backupRetentionDays = 40)), "database.backupRetentionDays");
        assert.match(formatProblem(p), /40 is above the maximum of 35 \(BK-2\); set 7–35/);
    });

    it("suggests the nearest valid key for an unknown key, at any depth", () => {
        const problems = problemsOf("staging", (c) => {
            c["runbook:databse"] = {};
            c["runbook:apps"][0].replica = 2;
        });
        assert.match(problemAt(problems, "databse").fix!, /did you mean database\?/);
        assert.match(problemAt(problems, "apps[0].replica").fix!, /did you mean apps\[0\]\.replicas\?/);
    });

    it("reports wrong types with the type expected", () => {
        const p = problemAt(problemsOf("staging", (c) => (c["runbook:apps"][0].port = "3001")), "apps[0].port");
        assert.match(formatProblem(p), /"3001" is a string, but must be a number/);
    });

    it("DB-1: mongodb together with an RDS instance class is a contradiction", () => {
        const p = problemAt(
            problemsOf("staging", (c) => {
                c["runbook:database"].engine = "mongodb";
            }),
            "database.instanceClass",
        );
        assert.match(formatProblem(p), /only applies to engine postgres, but database\.engine is mongodb; remove database\.instanceClass/);
    });

    it("RD-1: in-cluster Redis with a Multi-AZ flag is a contradiction, reported with other errors at once", () => {
        const problems = problemsOf("staging", (c) => {
            c["runbook:redis"].multiAz = true;
            c["runbook:database"].backupRetentionDays = 3;
        });
        problemAt(problems, "redis.multiAz");
        problemAt(problems, "database.backupRetentionDays");
    });

    it("RD-2: an evicting maxmemory policy is rejected", () => {
        const p = problemAt(problemsOf("staging", (c) => (c["runbook:redis"].maxmemoryPolicy = "allkeys-lru")), "redis.maxmemoryPolicy");
        assert.strictEqual(p.requirement, "RD-2");
    });

    it("WL-1: production needs at least two replicas of every app", () => {
        const p = problemAt(problemsOf("production", (c) => (c["runbook:apps"][1].replicas = 1)), "apps[1].replicas");
        assert.strictEqual(p.requirement, "WL-1");
    });

    it("SC-1: a secret-looking key in plain text is rejected, without echoing the value", () => {
        const problems = problemsOf("staging", (c) => {
            (c["runbook:secrets"] ??= {}).JWT_SECRET = "hunter2-plain";
            c["cloudflare:apiToken"] = "cf-plain-token";
            c["runbook:alerts"].routes.pagerdutyRoutingKey = "pd-plain";
        });
        for (const path of ["secrets.JWT_SECRET", "cloudflare:apiToken", "alerts.routes.pagerdutyRoutingKey"]) {
            const p = problemAt(problems, path);
            assert.strictEqual(p.requirement, "SC-1");
            assert.match(p.fix!, /pulumi config set --secret/);
        }
        const text = problems.map(formatProblem).join("\n");
        assert.doesNotMatch(text, /hunter2|cf-plain|pd-plain/);
    });

    it("SC-1: every value under runbook:secrets must be secure, whatever its name", () => {
        problemAt(problemsOf("staging", (c) => ((c["runbook:secrets"] ??= {}).STRIPE_PUBLISHABLE = "pk_live_x")), "secrets.STRIPE_PUBLISHABLE");
    });

    it("SC-1: an app cannot reference a secret that does not exist", () => {
        const withAlertSecrets = (c: Record<string, any>) => {
            c["runbook:alerts"].routes.pagerdutyRoutingKey = { secure: "v1:pd" };
            c["runbook:alerts"].routes.slackWebhookUrl = { secure: "v1:slack" };
            c["runbook:edge"].tls.dnsApiToken = { secure: "v1:dns" };
            c["runbook:providers"].cloudflare = { apiToken: { secure: "v1:cf" } };
            c["runbook:backups"].drill.ageSecretKey = { secure: "v1:age" };
        };
        const p = problemAt(
            problemsOf("staging", (c) => (withAlertSecrets(c), c["runbook:apps"][0].secretRefs.push("MISSING_SECRET")), stackRawAsFiled),
            "apps[0].secretRefs[3]",
        );
        assert.match(p.fix!, /pulumi config set --secret --path 'runbook:secrets\.MISSING_SECRET'/);
    });

    for (const stack of ["staging", "production"]) {
        it(`SC-1: under the real CLI, ${stack}'s required secrets that were never set are config errors naming the command that sets them`, () => {
            const problems = problemsOf(stack, () => {}, stackRawAsFiled);
            const p = problemAt(problems, "alerts.routes.pagerdutyRoutingKey");
            assert.strictEqual(formatProblem(p), "alerts.routes.pagerdutyRoutingKey: is required and is a secret (OB-4); set it with: pulumi config set --secret --path 'runbook:alerts.routes.pagerdutyRoutingKey' <value>");
            problemAt(problems, "alerts.routes.slackWebhookUrl");
            assert.match(formatProblem(problemAt(problems, "providers.cloudflare.apiToken")), /is required and is a secret \(SC-1\); set it with: pulumi config set --secret --path 'runbook:providers\.cloudflare\.apiToken'/);
            assert.match(formatProblem(problemAt(problems, "edge.tls.dnsApiToken")), /is required and is a secret \(ED-2\); set it with: pulumi config set --secret --path 'runbook:edge\.tls\.dnsApiToken'/);
            // With the alert routes and the DNS token set, the app secret that was never set is next.
            const rest = problemsOf(
                stack,
                (c) => {
                    c["runbook:alerts"].routes.pagerdutyRoutingKey = { secure: "v1:pd" };
                    c["runbook:alerts"].routes.slackWebhookUrl = { secure: "v1:slack" };
                    c["runbook:edge"].tls.dnsApiToken = { secure: "v1:dns" };
                    c["runbook:providers"].cloudflare = { apiToken: { secure: "v1:cf" } };
                    // Staging also holds the restore drill's key (BK-6).
                    if (c["runbook:backups"].drill) c["runbook:backups"].drill.ageSecretKey = { secure: "v1:age" };
                },
                stackRawAsFiled,
            );
            assert.match(formatProblem(problemAt(rest, "apps[0].secretRefs[2]")), /names no secret.*pulumi config set --secret --path 'runbook:secrets\.JWT_SECRET'/);
        });
    }

    it("ST-3: a backups bucket cannot have a public host", () => {
        const p = problemAt(problemsOf("staging", (c) => (c["runbook:storage"].buckets[1].publicHost = "backups.example.com")), "storage.buckets[1].publicHost");
        assert.strictEqual(p.requirement, "ST-3");
    });

    it("BK-2: the backups bucket cannot expire dumps before the retention", () => {
        const p = problemAt(problemsOf("production", (c) => (c["runbook:storage"].buckets[2].lifecycle = { expireAfterDays: 10 })), "storage.buckets[2].lifecycle.expireAfterDays");
        assert.match(formatProblem(p), /deletes backups before backups\.retentionDays \(30\)/);
    });

    it("BK-1: the backup and maintenance windows may not overlap", () => {
        const p = problemAt(
            problemsOf("staging", (c) => {
                c["runbook:database"].backupWindow = "04:30-05:30";
                c["runbook:database"].maintenanceWindow = "sun:05:00-sun:06:00";
            }),
            "database.maintenanceWindow",
        );
        assert.match(p.message, /overlaps the backup window 04:30-05:30/);
    });

    it("needs every required section, naming each one", () => {
        const problems = problemsOf("staging", (c) => {
            delete c["runbook:backups"];
            delete c["runbook:edge"];
        });
        problemAt(problems, "backups");
        problemAt(problems, "edge");
    });

    it("edge hosts must point at an existing app that takes traffic", () => {
        const problems = problemsOf("staging", (c) => {
            c["runbook:edge"].hosts.push({ host: "jobs.staging.example.com", app: "worker" }, { host: "x.staging.example.com", app: "nope" });
        });
        assert.match(problemAt(problems, "edge.hosts[2].app").message, /worker/);
        assert.match(problemAt(problems, "edge.hosts[3].app").message, /names no app/);
    });
});
