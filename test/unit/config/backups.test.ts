import * as assert from "assert";
import { formatProblem } from "../../../config/problems";
import { backupPrefixRetention } from "../../../config/resolve";
import { validateConfig } from "../../../config/validate";
import { problemAt, problemsOf } from "../../helpers/configProblems";
import { stackRaw } from "../../helpers/stacks";

function validate(stack: string, mutate: (c: Record<string, any>) => void) {
    return validateConfig(stackRaw(stack, mutate), stack);
}

describe("unit: backups config (BK-1, BK-2, BK-3, BK-6, SC-2)", () => {
    it("BK-1: ElastiCache in GovCloud or China is refused at providers.aws.region (its export cannot be granted there); a default or opt-in region is accepted", () => {
        const gov = problemAt(problemsOf("production", (c) => (c["runbook:providers"].aws.region = "us-gov-west-1")), "providers.aws.region");
        assert.strictEqual(gov.requirement, "BK-1");
        assert.match(formatProblem(gov), /cannot take the ElastiCache backup: us-gov-west-1 is outside the commercial AWS partition/);
        assert.match(gov.fix ?? "", /redis\.mode: in-cluster/);
        for (const region of ["eu-west-1", "af-south-1"]) {
            assert.ok(validate("production", (c) => (c["runbook:providers"].aws.region = region)).ok, region);
        }
    });

    it("BK-1, BK-2: defaults: 02:00 UTC daily, hourly oplog, primary data 30 days in production, Redis 7, the Pushgateway", () => {
        const r = validate("production", () => undefined);
        assert.ok(r.ok);
        const b = r.config.backups;
        assert.strictEqual(b.schedule, "0 2 * * *");
        assert.strictEqual(b.oplogSchedule, "15 * * * *");
        assert.deepStrictEqual(b.prefixRetentionDays, { postgres: 30, mongodb: 30, "mongodb-oplog": 30, redis: 7 });
        assert.strictEqual(b.pushgatewayUrl, "http://prometheus-pushgateway.monitoring.svc:9091");
        assert.strictEqual(b.restoreDrillSchedule, "0 5 1 1,4,7,10 *");
        assert.strictEqual(b.drill, undefined, "production holds no drill");
        const s = validate("staging", () => undefined);
        assert.ok(s.ok);
        assert.deepStrictEqual(s.config.backups.prefixRetentionDays, { postgres: 7, mongodb: 7, "mongodb-oplog": 7, redis: 7 });
    });

    it("issue 17 #10, BK-2: the monthly generation keeps the first full backup of each month 365 days in production, 60 elsewhere, each beside its datastore's prefix (never under it)", () => {
        const r = validate("production", () => undefined);
        assert.ok(r.ok);
        assert.strictEqual(r.config.backups.monthlyRetentionDays, 365);
        assert.deepStrictEqual(backupPrefixRetention(r.config.backups, ["postgres"]), { postgres: 30, "monthly/postgres": 365 });
        assert.deepStrictEqual(backupPrefixRetention(r.config.backups, ["mongodb", "mongodb-oplog", "redis"]), { mongodb: 30, "mongodb-oplog": 30, redis: 7, "monthly/mongodb": 365 }, "no monthly copy of oplog captures or Redis");
        const s = validate("staging", () => undefined);
        assert.ok(s.ok);
        assert.strictEqual(s.config.backups.monthlyRetentionDays, 60);
        const long = validate("production", (c) => (c["runbook:backups"].prefixRetentionDays = { postgres: 400 }));
        assert.ok(long.ok);
        assert.strictEqual(long.config.backups.monthlyRetentionDays, 431, "the default outlives a longer daily retention by a month");
        const none = validate("staging", (c) => (c["runbook:backups"].monthlyRetentionDays = 0));
        assert.ok(none.ok);
        assert.deepStrictEqual(backupPrefixRetention(none.config.backups, ["postgres"]), { postgres: 7 });
    });

    it("issue 17 #10, BK-2: production keeps a monthly generation, and it outlives the daily backups by a month", () => {
        const zero = problemAt(problemsOf("production", (c) => (c["runbook:backups"].monthlyRetentionDays = 0)), "backups.monthlyRetentionDays");
        assert.strictEqual(zero.requirement, "BK-2");
        assert.match(formatProblem(zero), /keeps no monthly backup in production: if the backups stop, the last good one expires with the daily retention.*set at least 61/);
        const short = problemAt(problemsOf("staging", (c) => (c["runbook:backups"].monthlyRetentionDays = 20)), "backups.monthlyRetentionDays");
        assert.match(formatProblem(short), /does not outlive the daily backups \(7 days\) by a month.*set at least 38/);
    });

    it("issue 17 #2, #7: the drill's app role, tables, row-count fraction and newest row; the row's age limit is the RPO target", () => {
        const r = validate("staging", (c) => {
            Object.assign(c["runbook:backups"].drill, { appRole: "runbook_app", appTables: ["public.orders"], rowCountFraction: 0.8, newestRow: "public.orders.created_at" });
            c["runbook:alerts"] = { ...(c["runbook:alerts"] ?? {}), rpoTargetHours: 36 };
        });
        assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
        const d = r.config.backups.drill!;
        assert.deepStrictEqual([d.appRole, d.appTables, d.rowCountFraction, d.newestRow, d.maxRowAgeSeconds], ["runbook_app", ["public.orders"], 0.8, "public.orders.created_at", 36 * 3600]);
        const defaults = validate("staging", () => undefined);
        assert.ok(defaults.ok);
        assert.deepStrictEqual([defaults.config.backups.drill!.rowCountFraction, defaults.config.backups.drill!.maxRowAgeSeconds], [0.9, 24 * 3600]);
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].drill.newestRow = "created_at")), "backups.drill.newestRow");
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].drill.rowCountFraction = 1.5)), "backups.drill.rowCountFraction");
    });

    it("BK-6, 004: the drill's app check resolves to its app's pinned image, user, writable paths and connection variables, with a 300-second default timeout", () => {
        const r = validate("staging", (c) => {
            c["runbook:backups"].drill.appCheck = { app: "web", command: ["npx", "prisma", "migrate", "status"], args: ["--schema", "prisma/schema.prisma"] };
        });
        assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
        const web = r.config.apps.find((a) => a.name === "web")!;
        assert.deepStrictEqual(r.config.backups.drill!.appCheck, {
            app: "web",
            image: web.image,
            runAsUser: web.runAsUser,
            writablePaths: web.writablePaths,
            resources: web.resources,
            command: ["npx", "prisma", "migrate", "status", "--schema", "prisma/schema.prisma"],
            timeoutSeconds: 300,
            connectionEnv: ["DATABASE_URL"],
        });
        const timed = validate("staging", (c) => (c["runbook:backups"].drill.appCheck = { app: "api", command: ["true"], timeoutSeconds: 60 }));
        assert.ok(timed.ok);
        assert.strictEqual(timed.config.backups.drill!.appCheck!.timeoutSeconds, 60);
        const none = validate("staging", (c) => delete c["runbook:backups"].drill.appCheck);
        assert.ok(none.ok);
        assert.strictEqual(none.config.backups.drill!.appCheck, undefined, "no app check unless asked for");
    });

    it("BK-6: an app check naming no app, an app that does not read the database, an empty command, a bad timeout or a MongoDB stack is refused at its key", () => {
        const unknown = problemAt(problemsOf("staging", (c) => (c["runbook:backups"].drill.appCheck = { app: "shop", command: ["true"] })), "backups.drill.appCheck.app");
        assert.strictEqual(unknown.requirement, "BK-6");
        assert.match(formatProblem(unknown), /names no app in apps.*api, web, worker/);
        const elsewhere = problemAt(
            problemsOf("staging", (c) => {
                c["runbook:apps"].find((a: any) => a.name === "web").secretRefs = [];
                c["runbook:backups"].drill.appCheck = { app: "web", command: ["true"] };
            }),
            "backups.drill.appCheck.app",
        );
        assert.match(formatProblem(elsewhere), /does not read this stack's PostgreSQL \(DATABASE_URL is not in its secretRefs\).*name an app that reads it: api, worker/);
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].drill.appCheck = { app: "web", command: [] })), "backups.drill.appCheck.command");
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].drill.appCheck = { app: "web", command: [""] })), "backups.drill.appCheck.command[0]");
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].drill.appCheck = { app: "web", command: ["true"], timeoutSeconds: 0 })), "backups.drill.appCheck.timeoutSeconds");
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].drill.appCheck = { app: "web", command: ["true"], network: "none" })), "backups.drill.appCheck.network");
        const mongo = problemAt(
            problemsOf("staging", (c) => {
                c["runbook:database"].engine = "mongodb";
                c["runbook:backups"].drill.appCheck = { app: "web", command: ["true"] };
            }),
            "backups.drill.appCheck",
        );
        assert.match(formatProblem(mongo), /runs against the drill's restored PostgreSQL, and this stack's database is mongodb/);
    });

    it("BK-6: staging drills its own database and in-cluster Redis weekly, and production's backups quarterly", () => {
        const r = validate("staging", () => undefined);
        assert.ok(r.ok);
        assert.deepStrictEqual(
            r.config.backups.drill!.targets.map((t) => `${t.name} ${t.stack} ${t.bucket} ${t.datastore} ${t.schedule}`),
            [
                "staging-postgres staging retail-staging-backups postgres 0 5 * * 1",
                "staging-redis staging retail-staging-backups redis 0 5 * * 1",
                "production-postgres production retail-backups postgres 0 5 1 1,4,7,10 *",
            ],
        );
    });

    it("BK-3: the drill's private key is refused in production", () => {
        const p = problemAt(problemsOf("production", (c) => (c["runbook:backups"].drill = { ageSecretKey: { secure: "v1:age" } })), "backups.drill");
        assert.strictEqual(p.requirement, "BK-3");
        assert.match(formatProblem(p), /puts the key that decrypts every backup into the production cluster/);
    });

    it("SC-1: the drill's key must be secure:", () => {
        const p = problemAt(problemsOf("staging", (c) => (c["runbook:backups"].drill.ageSecretKey = "AGE-SECRET-KEY-1PLAIN")), "backups.drill.ageSecretKey");
        assert.match(formatProblem(p), /looks like a secret but is given as plain text/);
    });

    it("BK-1, BK-6: a PostgreSQL newer than the job image's pg_dump, or an in-cluster Redis newer than its redis-server, exits 2 naming the key", () => {
        const pg = problemAt(problemsOf("staging", (c) => (c["runbook:database"].engineVersion = "18")), "database.engineVersion");
        assert.match(formatProblem(pg), /newer than the PostgreSQL 17 client of the backup job image/);
        const redis = problemAt(problemsOf("staging", (c) => (c["runbook:redis"].engineVersion = "8.2.1")), "redis.engineVersion");
        assert.match(formatProblem(redis), /newer than the redis-server 8.0 of the backup job image/);
        assert.ok(validate("staging", (c) => (c["runbook:redis"].engineVersion = "7.2")).ok, "an older in-cluster Redis is restorable");
    });

    it("BK-2: production keeps primary data at least 14 days", () => {
        const ps = problemsOf("production", (c) => {
            c["runbook:backups"].retentionDays = 10;
            c["runbook:backups"].prefixRetentionDays = { postgres: 7 };
        });
        assert.match(formatProblem(problemAt(ps, "backups.retentionDays")), /less than 14 days \(BK-2\)/);
        assert.match(formatProblem(problemAt(ps, "backups.prefixRetentionDays.postgres")), /less than 14 days/);
    });

    it("BK-6: a drill target may not repeat the stack's own bucket or a name", () => {
        const ps = problemsOf("staging", (c) => c["runbook:backups"].drill.targets.push({ name: "staging-postgres", bucket: "retail-staging-backups", datastore: "postgres" }));
        problemAt(ps, "backups.drill.targets[1].name");
        problemAt(ps, "backups.drill.targets[1].bucket");
    });

    it("BK-2: the backups bucket's lifecycle comes from the prefixes' retention, not a bucket-wide expiry", () => {
        const p = problemAt(problemsOf("staging", (c) => (c["runbook:storage"].buckets[1].lifecycle = { expireAfterDays: 90 })), "storage.buckets[1].lifecycle.expireAfterDays");
        assert.match(formatProblem(p), /does not apply to the backups bucket/);
    });

    it("WL-3, SC-2: the jobs' image must be pinned, and rotation labels are short labels", () => {
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].image = "ghcr.io/acme/runbook-backup:latest")), "backups.image");
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].rotation.drill = "next quarter")), "backups.rotation.drill");
    });

    describe("the replica: a second copy of every backup at another site (BK-3, BK-4, BK-8)", () => {
        const REPLICA = { endpoint: "https://s3.eu-central-1.amazonaws.com/", bucket: "acme-backups-replica", accessKeyId: { secure: "v1:id" }, secretAccessKey: { secure: "v1:key" } };
        const withReplica = (extra: Record<string, unknown> = {}) => (c: Record<string, any>) => (c["runbook:backups"].replica = { ...REPLICA, ...extra });

        it("BK-3: resolved with its endpoint (no trailing slash), bucket and region (default auto); none by default", () => {
            const r = validate("production", withReplica());
            assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
            assert.deepStrictEqual(r.config.backups.replica, { endpoint: "https://s3.eu-central-1.amazonaws.com", bucket: "acme-backups-replica", region: "auto" });
            assert.ok(!JSON.stringify(r.config).includes("v1:key"), "the credentials stay out of the model");
            const regional = validate("staging", withReplica({ region: "eu-central-1" }));
            assert.ok(regional.ok);
            assert.strictEqual(regional.config.backups.replica?.region, "eu-central-1");
            const none = validate("production", () => undefined);
            assert.ok(none.ok);
            assert.strictEqual(none.config.backups.replica, undefined);
        });

        it("BK-3: the endpoint must be https, with no path or credentials; refused at its key with the fix", () => {
            for (const endpoint of ["http://s3.eu-central-1.amazonaws.com", "https://user:pw@s3.example.com", "https://s3.example.com/bucket", "s3.example.com"]) {
                const p = problemAt(problemsOf("production", withReplica({ endpoint })), "backups.replica.endpoint");
                assert.match(formatProblem(p), /must be an https URL of an S3 endpoint/, endpoint);
                assert.strictEqual(p.requirement, "BK-3");
            }
            assert.ok(validate("production", withReplica({ endpoint: "https://minio.backup.example.net:9443" })).ok, "a port is allowed");
        });

        it("BK-3: the bucket follows S3's naming rules", () => {
            for (const bucket of ["Backups", "ab", "a..b", "192.168.1.1", "-backups", "backups-", "xn--backups", `b${"a".repeat(63)}`]) {
                const p = problemAt(problemsOf("production", withReplica({ bucket })), "backups.replica.bucket");
                assert.match(formatProblem(p), /must be an S3 bucket name/, bucket);
            }
            assert.ok(validate("production", withReplica({ bucket: "acme.backups-2" })).ok);
        });

        it("BK-3: a replica in the primary's own Cloudflare account (any bucket, any jurisdiction) is no second site", () => {
            for (const endpoint of ["https://{account}.r2.cloudflarestorage.com", "https://{account}.eu.r2.cloudflarestorage.com"]) {
                const problems = problemsOf("production", (c) => withReplica({ endpoint: endpoint.replace("{account}", c["runbook:storage"].accountId) })(c));
                const p = problemAt(problems, "backups.replica.endpoint");
                assert.strictEqual(p.requirement, "BK-3");
                assert.match(formatProblem(p), /is the primary backups bucket's own Cloudflare account .*shares its account, tokens and outages.*another account or provider/);
            }
            assert.ok(validate("production", withReplica({ endpoint: `https://${"f".repeat(32)}.r2.cloudflarestorage.com` })).ok, "another R2 account is another site");
        });

        it("SC-1: its credentials must be secure:", () => {
            const problems = problemsOf("production", withReplica({ accessKeyId: "AKIAPLAIN", secretAccessKey: "plain" }));
            for (const key of ["accessKeyId", "secretAccessKey"]) {
                assert.match(formatProblem(problemAt(problems, `backups.replica.${key}`)), /looks like a secret but is given as plain text/);
            }
        });

        it("OB-6: alerts.backupReplicaLagHours without a replica is refused; with one it is taken", () => {
            const lag = (c: Record<string, any>) => (c["runbook:alerts"] = { ...(c["runbook:alerts"] ?? {}), backupReplicaLagHours: 6 });
            const p = problemAt(problemsOf("production", lag), "alerts.backupReplicaLagHours");
            assert.match(formatProblem(p), /backups.replica is not set.*set backups.replica, or remove alerts.backupReplicaLagHours/);
            const r = validate("production", (c) => {
                lag(c);
                withReplica()(c);
            });
            assert.ok(r.ok, r.ok ? "" : r.problems.map(formatProblem).join("\n"));
            assert.strictEqual(r.config.alerts.backupReplicaLagHours, 6);
        });
    });
});
