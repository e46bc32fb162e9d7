import * as assert from "assert";
import { formatProblem } from "../../../config/problems";
import { validateConfig } from "../../../config/validate";
import { problemAt, problemsOf } from "../../helpers/configProblems";
import { stackRaw } from "../../helpers/stacks";
import { useInClusterRedis, useMongodb } from "../../helpers/variants";

type Mutation = (c: Record<string, any>) => void;
const find = problemAt;

function accepted(stack: string, mutate: Mutation) {
    const result = validateConfig(stackRaw(stack, mutate), stack);
    assert.ok(result.ok, result.ok ? "" : result.problems.map(formatProblem).join("\n"));
    return result.config;
}

const app = (c: Record<string, any>, name: string) => c["runbook:apps"].find((a: any) => a.name === name);
const withoutRedis: Mutation = (c) => {
    delete c["runbook:redis"];
    for (const a of c["runbook:apps"]) a.secretRefs = (a.secretRefs ?? []).filter((r: string) => r !== "REDIS_URL");
};
/** Nothing in AWS: MongoDB and in-cluster Redis. */
const allInCluster: Mutation = (c) => {
    useMongodb(c);
    useInClusterRedis(c);
};

describe("unit: workload config (WL-1…8, RD-1, SC-5)", () => {
    it("WL-8: feature flags and the request timeout are validated up front, naming the key", () => {
        const ok = accepted("staging", (c) => {
            app(c, "api").featureFlags = { NEW_CHECKOUT: false, SEARCH_V2: "beta" };
            app(c, "api").requestTimeoutSeconds = 20;
        });
        assert.deepStrictEqual(ok.apps[0].featureFlags, { FLAG_NEW_CHECKOUT: "false", FLAG_SEARCH_V2: "beta" });
        assert.deepStrictEqual(ok.apps[0].requestTimeout, { seconds: 20, env: "REQUEST_TIMEOUT_MS" });
        assert.match(find(problemsOf("staging", (c) => (app(c, "api").featureFlags = { FLAG_X: true })), "apps[0].featureFlags.FLAG_X").message, /without FLAG_/);
        assert.match(find(problemsOf("staging", (c) => (app(c, "api").featureFlags = { "new-checkout": true })), "apps[0].featureFlags.new-checkout").message, /UPPER_SNAKE_CASE/);
        const clash = find(problemsOf("staging", (c) => {
            app(c, "api").featureFlags = { NEW_CHECKOUT: true };
            app(c, "api").env = { ...app(c, "api").env, FLAG_NEW_CHECKOUT: "false" };
        }), "apps[0].featureFlags.NEW_CHECKOUT");
        assert.match(clash.message, /apps\[0\]\.env\.FLAG_NEW_CHECKOUT/);
        assert.match(find(problemsOf("staging", (c) => { delete app(c, "api").requestTimeoutSeconds; app(c, "api").requestTimeoutEnv = "HTTP_TIMEOUT"; }), "apps[0].requestTimeoutEnv").fix ?? "", /requestTimeoutSeconds/);
        const long = find(
            problemsOf("staging", (c) => {
                c["runbook:edge"].websocketTimeoutSeconds = 120;
                c["runbook:edge"].requestTimeoutSeconds = 60;
                app(c, "api").requestTimeoutSeconds = 300;
            }),
            "apps[0].requestTimeoutSeconds",
        );
        assert.strictEqual(long.requirement, "WL-8");
        assert.match(long.message, /websocketTimeoutSeconds/);
        const taken = find(problemsOf("staging", (c) => {
            app(c, "api").requestTimeoutSeconds = 20;
            app(c, "api").env = { ...app(c, "api").env, REQUEST_TIMEOUT_MS: "1" };
        }), "apps[0].requestTimeoutEnv");
        assert.match(taken.message, /also set by apps\[0\]\.env\.REQUEST_TIMEOUT_MS/);
    });

    it("000: command and args are argv lists; an empty command is refused", () => {
        const ok = accepted("staging", (c) => (app(c, "api").command = ["node", "dist/worker.js"]));
        assert.deepStrictEqual(ok.apps[0].command, ["node", "dist/worker.js"]);
        find(problemsOf("staging", (c) => (app(c, "api").command = [])), "apps[0].command");
        find(problemsOf("staging", (c) => (app(c, "api").command = "node dist/worker.js")), "apps[0].command");
    });

    it("WL-2: a health path that is the readiness path is refused, naming the key; without a health path liveness checks the port (issue 19 (5))", async () => {
        const p = problemAt(problemsOf("production", (c) => (app(c, "api").healthPath = app(c, "api").readinessPath)), "apps[0].healthPath");
        assert.strictEqual(p.requirement, "WL-2");
        assert.match(formatProblem(p), /is the readiness path too: .* remove healthPath \(liveness then checks the app's port\)/);
        const config = accepted("staging", (c) => delete app(c, "web").healthPath);
        const web = config.apps.find((a) => a.name === "web")!;
        assert.strictEqual(web.healthPath, undefined);
        const { deploymentSpec } = await import("../../../components/app/appSpec");
        const spec = deploymentSpec({ app: { ...web, startupPath: undefined }, environment: { stack: "staging", isProduction: false }, serviceAccountName: "web", secretName: "s", secretChecksum: "c" }) as any;
        const container = spec.template.spec.containers[0];
        assert.deepStrictEqual(container.livenessProbe.tcpSocket, { port: "http" });
        assert.deepStrictEqual(container.startupProbe.tcpSocket, { port: "http" });
        assert.strictEqual(container.readinessProbe.httpGet.path, web.readinessPath);
    });


    it("WL-3: an image tagged latest is refused, naming the key and the fix", () => {
        const p = problemAt(problemsOf("staging", (c) => (app(c, "api").image = "ghcr.io/acme/retail-api:latest")), "apps[0].image");
        assert.strictEqual(p.requirement, "WL-3");
        assert.match(formatProblem(p), /^apps\[0\]\.image: "ghcr.io\/acme\/retail-api:latest" is tagged latest, which is not pinned.*use a release tag/);
    });

    it("WL-3: an untagged image is refused as latest", () => {
        assert.match(formatProblem(problemAt(problemsOf("production", (c) => (app(c, "web").image = "ghcr.io/acme/retail-web")), "apps[1].image")), /no tag, which means latest/);
    });

    it("RD-1: redis is optional; without it there is no REDIS_URL", () => {
        const config = accepted("staging", withoutRedis);
        assert.strictEqual(config.redis, undefined);
    });

    it("RD-1: secretRefs REDIS_URL without redis names the app and the key", () => {
        const problems = problemsOf("staging", (c) => delete c["runbook:redis"]);
        const p = problemAt(problems, "apps[0].secretRefs[1]");
        assert.match(formatProblem(p), /"REDIS_URL" asks app 'api' for REDIS_URL, but the stack declares no redis \(RD-1\); add a runbook:redis section/);
        problemAt(problems, "apps[2].secretRefs[1]");
    });

    it("DB-2: network is required when a data store lives in AWS, naming what lives there", () => {
        const p = problemAt(problemsOf("production", (c) => delete c["runbook:network"]), "network");
        assert.match(formatProblem(p), /network: is required because database.engine is postgres \(RDS\) and redis.mode is elasticache \(DB-2\); add a runbook:network section/);
    });

    it("network is refused when nothing lives in AWS, and not needed then", () => {
        const p = problemAt(
            problemsOf("staging", (c) => {
                const network = c["runbook:network"];
                allInCluster(c);
                c["runbook:network"] = network;
            }),
            "network",
        );
        assert.match(formatProblem(p), /nothing in this stack lives in AWS.*remove the runbook:network section/);
        assert.strictEqual(accepted("staging", allInCluster).network, undefined);
    });

    it("WL-5: migrate accepts a command string (split on spaces) or an object, with defaults", () => {
        const config = accepted("staging", (c) => {
            app(c, "api").migrate = "npx prisma migrate deploy";
            app(c, "worker").migrate = { command: ["node", "scripts/migrate.js", "--to", "latest version"], timeoutSeconds: 1200 };
        });
        assert.deepStrictEqual(config.apps[0].migrate, { command: ["npx", "prisma", "migrate", "deploy"], timeoutSeconds: 600, backoffLimit: 1 });
        assert.deepStrictEqual(config.apps[2].migrate, { command: ["node", "scripts/migrate.js", "--to", "latest version"], timeoutSeconds: 1200, backoffLimit: 1 });
        assert.strictEqual(config.apps[1].migrate, undefined);
    });

    it("WL-5: a bad migrate value names the key path and suggests known keys", () => {
        const problems = problemsOf("staging", (c) => (app(c, "api").migrate = { commands: ["x"] }));
        assert.match(formatProblem(problemAt(problems, "apps[0].migrate.commands")), /did you mean apps\[0\]\.migrate\.command\?/);
        const timeout = problemAt(problemsOf("staging", (c) => (app(c, "api").migrate = { command: ["x"], timeoutSeconds: 5 })), "apps[0].migrate.timeoutSeconds");
        assert.match(formatProblem(timeout), /5 is below the minimum of 30 \(WL-5\); set 30–86400/);
    });

    it("WL-7: websocketPaths are kept for api and web, refused on a worker", () => {
        const config = accepted("staging", (c) => (app(c, "api").websocketPaths = ["/events"]));
        assert.deepStrictEqual(config.apps[0].websocketPaths, ["/events"]);
        assert.deepStrictEqual(config.apps[1].websocketPaths, []);
        const p = problemAt(problemsOf("staging", (c) => (app(c, "worker").websocketPaths = ["/events"])), "apps[2].websocketPaths");
        assert.match(formatProblem(p), /is set on a worker, which takes no traffic \(WL-7\)/);
        assert.match(formatProblem(problemAt(problemsOf("staging", (c) => (app(c, "api").websocketPaths = ["events"])), "apps[0].websocketPaths[0]")), /absolute URL path/);
    });

    it("OB-1 (issue 22, 4): api and web apps expect traffic in production, not elsewhere; a worker may not claim it", () => {
        const expects = (stack: string, mutate: Mutation = () => {}) => accepted(stack, mutate).apps.map((a) => [a.name, a.expectsTraffic]);
        assert.deepStrictEqual(expects("production"), [["api", true], ["web", true], ["worker", false]]);
        assert.deepStrictEqual(expects("staging"), [["api", false], ["web", false], ["worker", false]]);
        assert.deepStrictEqual(expects("production", (c) => (app(c, "web").expectsTraffic = false)), [["api", true], ["web", false], ["worker", false]]);
        assert.deepStrictEqual(expects("staging", (c) => (app(c, "api").expectsTraffic = true))[0], ["api", true]);
        const p = problemAt(problemsOf("production", (c) => (app(c, "worker").expectsTraffic = true)), "apps[2].expectsTraffic");
        assert.match(formatProblem(p), /is set on a worker, which serves no HTTP requests to count \(OB-1\); remove it/);
    });

    it("WL-1: production defaults to 3 API pods and 2 of other roles, autoscaled to twice that", () => {
        const config = accepted("production", (c) => {
            for (const a of c["runbook:apps"]) {
                delete a.replicas;
                delete a.autoscaling;
            }
        });
        assert.deepStrictEqual(
            config.apps.map((a) => [a.name, a.replicas, a.autoscaling?.minReplicas, a.autoscaling?.maxReplicas, a.autoscaling?.cpuPercent, a.autoscaling?.memoryPercent]),
            [
                ["api", 3, 3, 6, 70, 80],
                ["web", 2, 2, 4, 70, 80],
                ["worker", 2, 2, 4, 70, 80],
            ],
        );
    });

    it("WL-1: staging autoscales only when asked; bounds 3-5 as in 003", () => {
        const config = accepted("staging", (c) => (app(c, "api").autoscaling = { minReplicas: 3, maxReplicas: 5 }));
        assert.deepStrictEqual(config.apps[0].autoscaling, { minReplicas: 3, maxReplicas: 5, cpuPercent: 70, memoryPercent: 80 });
        assert.strictEqual(config.apps[0].replicas, 3);
        assert.strictEqual(config.apps[1].autoscaling, undefined);
    });

    it("WL-1: contradictory or inverted autoscaling bounds are refused", () => {
        const both = problemAt(problemsOf("staging", (c) => Object.assign(app(c, "api"), { replicas: 2, autoscaling: { minReplicas: 3, maxReplicas: 5 } })), "apps[0].autoscaling.minReplicas");
        assert.match(formatProblem(both), /contradicts apps\[0\]\.replicas \(2\)/);
        const inverted = problemAt(problemsOf("staging", (c) => (app(c, "api").autoscaling = { minReplicas: 6, maxReplicas: 5 })), "apps[0].autoscaling.maxReplicas");
        assert.match(formatProblem(inverted), /5 is below the autoscaling floor of 6 \(WL-1\); set at least 6/);
        const floor = problemAt(problemsOf("production", (c) => (app(c, "api").autoscaling = { maxReplicas: 2 })), "apps[0].autoscaling.maxReplicas");
        assert.match(formatProblem(floor), /below the autoscaling floor of 3/);
    });

    it("WL-1: production refuses a single replica, at the key that sets it", () => {
        assert.match(formatProblem(problemAt(problemsOf("production", (c) => (app(c, "web").replicas = 1)), "apps[1].replicas")), /below the 2 replicas production needs/);
        const p = problemAt(problemsOf("production", (c) => Object.assign(app(c, "web"), { replicas: undefined, autoscaling: { minReplicas: 1, maxReplicas: 3 } })), "apps[1].autoscaling.minReplicas");
        assert.strictEqual(p.requirement, "WL-1");
    });

    it("WL-2, SC-5: startupPath defaults to healthPath; web apps get a writable .next/cache, every app /tmp", () => {
        const config = accepted("staging", (c) => (app(c, "worker").writablePaths = ["/var/cache/app"]));
        assert.strictEqual(config.apps[0].startupPath, "/v1/health");
        assert.deepStrictEqual(config.apps[0].writablePaths, ["/tmp"]);
        assert.deepStrictEqual(config.apps[1].writablePaths, ["/tmp", "/app/.next/cache"]);
        assert.deepStrictEqual(config.apps[2].writablePaths, ["/tmp", "/var/cache/app"]);
        assert.strictEqual(config.apps[0].runAsUser, 1000);
        assert.match(formatProblem(problemAt(problemsOf("staging", (c) => (app(c, "api").writablePaths = ["/"])), "apps[0].writablePaths[0]")), /whole root filesystem writable \(SC-5\)/);
    });

    it("several front ends may share a port, each with its own host", () => {
        const config = accepted("production", (c) => {
            const web = app(c, "web");
            c["runbook:apps"].push({ ...web, name: "vendor", image: "ghcr.io/acme/vendor:1.0.0" }, { ...web, name: "admin", image: "ghcr.io/acme/admin:1.0.0" });
            c["runbook:edge"].hosts.push({ host: "vendor.example.com", app: "vendor" }, { host: "admin.example.com", app: "admin" });
        });
        assert.deepStrictEqual(config.apps.filter((a) => a.port === 3000).map((a) => a.name), ["web", "vendor", "admin"]);
    });

    it("ST-1: r2Env is accepted with an assets or uploads bucket, its names are not taken for secrets, and it resolves onto the app", () => {
        const config = accepted("staging", (c) => (app(c, "web").r2Env = { accessKeyId: "S3_ACCESS_KEY_ID", secretAccessKey: "S3_SECRET_ACCESS_KEY" }));
        assert.deepStrictEqual(config.apps.find((a) => a.name === "web")!.r2Env, { accessKeyId: "S3_ACCESS_KEY_ID", secretAccessKey: "S3_SECRET_ACCESS_KEY" });
        assert.strictEqual(config.apps.find((a) => a.name === "api")!.r2Env, undefined);
    });

    it("ST-1: r2Env without an assets or uploads bucket is refused; so is a name the app already uses or two fields with one name", () => {
        const noBucket = problemAt(
            problemsOf("staging", (c) => {
                app(c, "web").r2Env = { accessKeyId: "S3_ACCESS_KEY_ID", secretAccessKey: "S3_SECRET_ACCESS_KEY" };
                c["runbook:storage"].buckets = c["runbook:storage"].buckets.filter((b: any) => b.purpose === "backups");
            }),
            "apps[1].r2Env",
        );
        assert.strictEqual(noBucket.requirement, "ST-1");
        assert.match(noBucket.fix!, /purpose: assets or uploads.*or remove apps\[1\]\.r2Env/);
        const problems = problemsOf("staging", (c) => {
            app(c, "api").r2Env = { accessKeyId: "LOG_LEVEL", secretAccessKey: "PORT", endpoint: "LOG_LEVEL" };
        });
        assert.match(problemAt(problems, "apps[0].r2Env.accessKeyId").message, /is also set by apps\[0\]\.env\.LOG_LEVEL/);
        assert.match(problemAt(problems, "apps[0].r2Env.secretAccessKey").message, /is also set by PORT/);
        assert.match(problemAt(problems, "apps[0].r2Env.endpoint").message, /is also set by apps\[0\]\.env\.LOG_LEVEL/);
        const twice = problemsOf("staging", (c) => (app(c, "web").r2Env = { accessKeyId: "S3_KEY", secretAccessKey: "S3_KEY" }));
        assert.match(problemAt(twice, "apps[1].r2Env.secretAccessKey").message, /is also set by apps\[1\]\.r2Env\.accessKeyId/);
    });

    it("DB-5: readerUrlEnv needs a PostgreSQL read replica; with MongoDB it names the engine", () => {
        assert.strictEqual(problemAt(problemsOf("staging", (c) => (app(c, "api").readerUrlEnv = "DATABASE_READER_URL")), "apps[0].readerUrlEnv").requirement, "DB-5");
        const mongo = problemAt(
            problemsOf("staging", (c) => {
                allInCluster(c);
                app(c, "api").readerUrlEnv = "DATABASE_READER_URL";
            }),
            "apps[0].readerUrlEnv",
        );
        assert.match(mongo.message, /database\.engine is mongodb/);
        const config = accepted("staging", (c) => {
            c["runbook:database"].readReplica = true;
            app(c, "api").readerUrlEnv = "DATABASE_READER_URL";
        });
        assert.strictEqual(config.apps[0].readerUrlEnv, "DATABASE_READER_URL");
    });

    it("DB-5: the replica runs Multi-AZ by default only in production and only once an app reads from it; the stack can say otherwise", () => {
        const reads = (c: Record<string, any>) => (app(c, "api").readerUrlEnv = "DATABASE_READER_URL");
        assert.strictEqual(accepted("production", reads).database.replicaMultiAz, true);
        assert.strictEqual(accepted("production", () => undefined).database.replicaMultiAz, false, "production's replica is read by no app in the stack file");
        assert.strictEqual(accepted("production", (c) => { reads(c); c["runbook:database"].replicaMultiAz = false; }).database.replicaMultiAz, false);
        assert.strictEqual(accepted("staging", (c) => { c["runbook:database"].readReplica = true; reads(c); }).database.replicaMultiAz, false, "staging stays cheap");
        const p = problemAt(problemsOf("staging", (c) => (c["runbook:database"].replicaMultiAz = true)), "database.replicaMultiAz");
        assert.match(p.fix!, /set database\.readReplica: true, or remove database\.replicaMultiAz/);
        assert.ok(problemsOf("staging", (c) => { allInCluster(c); c["runbook:database"].replicaMultiAz = true; }).some((x) => x.path === "database.replicaMultiAz" && /only applies to engine postgres/.test(x.message)));
    });

    it("DB-5, SC-1: with a read replica, DATABASE_READER_URL is a connection string the stack builds: secretRefs may name it, runbook:secrets may not set it", () => {
        const replica = (c: Record<string, any>) => (c["runbook:database"].readReplica = true);
        accepted("staging", (c) => { replica(c); app(c, "worker").secretRefs.push("DATABASE_READER_URL"); });
        const problems = problemsOf("staging", (c) => { replica(c); c["runbook:secrets"] = { DATABASE_READER_URL: "x" }; });
        const p = problems.find((x) => x.path === "secrets.DATABASE_READER_URL" && /a connection string the stack builds itself/.test(x.message));
        assert.ok(p, problems.map(formatProblem).join("\n"));
        assert.match(p.fix!, /pulumi config rm --path 'runbook:secrets\.DATABASE_READER_URL'/);
    });
});
