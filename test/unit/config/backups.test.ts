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
});
