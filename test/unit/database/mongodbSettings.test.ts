import * as assert from "assert";
import {
    DEFAULT_STORAGE_GB,
    connectionString,
    defaultMemberResources,
    defaultMembers,
    disruptionBudgetSpec,
    memberHosts,
    memberScheduling,
    mongoImage,
    mongoNames,
    mongodArgs,
    probeSettings,
    resolveMongoSettings,
    wiredTigerCacheSizeGb,
} from "../../../components/database/mongodbSettings";
import { production, staging } from "../../helpers/harness";


/** The value after a flag in an argument list. */
function flag(args: string[], name: string): string | undefined {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
}

describe("unit: MongoDB settings (DB-1)", () => {
    describe("members and storage", () => {
        it("DB-1: production defaults to three members, everything else to one", () => {
            assert.strictEqual(defaultMembers(production), 3);
            assert.strictEqual(defaultMembers(staging), 1);
            assert.strictEqual(defaultMembers({ stack: "dev-alice", isProduction: false }), 1);
            assert.strictEqual(resolveMongoSettings({ engine: "mongodb" }, production).members, 3);
            assert.strictEqual(resolveMongoSettings({ engine: "mongodb" }, staging).members, 1);
        });

        it("DB-1: an explicit member count wins over the environment's default", () => {
            assert.strictEqual(resolveMongoSettings({ engine: "mongodb", members: 5 }, production).members, 5);
            assert.strictEqual(resolveMongoSettings({ engine: "mongodb", members: 3 }, staging).members, 3);
        });

        it("BK-1: even a single member is a replica set, so the oplog exists", () => {
            const settings = resolveMongoSettings({ engine: "mongodb" }, staging);
            assert.strictEqual(settings.replicaSetName, "rs0");
            assert.strictEqual(flag(mongodArgs({ replicaSetName: settings.replicaSetName, memoryLimit: "1Gi" }), "--replSet"), "rs0");
        });

        it("volumes default to 50 GB per member and honour storageGb", () => {
            assert.strictEqual(DEFAULT_STORAGE_GB, 50);
            assert.strictEqual(resolveMongoSettings({ engine: "mongodb" }, staging).storageGb, 50);
            assert.strictEqual(resolveMongoSettings({ engine: "mongodb", storageGb: 200 }, production).storageGb, 200);
        });

        it("refuses a config for another engine or an impossible member count, naming the key", () => {
            assert.throws(() => resolveMongoSettings({ engine: "postgres" }, staging), /database\.engine: "postgres" is not mongodb/);
            assert.throws(() => resolveMongoSettings({ engine: "mongodb", members: 0 }, staging), /database\.members: 0/);
            assert.throws(() => resolveMongoSettings({ engine: "mongodb", members: 8 }, staging), /database\.members: 8/);
        });
    });

    describe("image", () => {
        it("pins the default 7.0 to a patch release, and a bare major to its .0 line", () => {
            assert.strictEqual(resolveMongoSettings({ engine: "mongodb" }, staging).image, "mongo:7.0.14");
            assert.strictEqual(mongoImage("7.0"), "mongo:7.0.14");
            assert.strictEqual(mongoImage("7"), "mongo:7.0.14");
            assert.strictEqual(mongoImage("8.0"), "mongo:8.0.4");
        });

        it("uses a full version as given, and rejects lines it has no pinned tag for", () => {
            assert.strictEqual(mongoImage("7.0.12"), "mongo:7.0.12");
            assert.throws(() => mongoImage("5.0"), /MongoDB 5\.0 is not supported; use one of 6\.0, 7\.0, 8\.0/);
            assert.throws(() => mongoImage("latest"), /"latest" is not a MongoDB version/);
        });
    });

    describe("names and hosts", () => {
        it("DB-1: lists every member by its stable DNS name through the headless service", () => {
            const names = mongoNames("mongodb");
            const hosts = memberHosts({ statefulSet: names.statefulSet, headlessService: names.headlessService, namespace: "shop", members: 3 });
            assert.deepStrictEqual(hosts, [
                "mongodb-0.mongodb-headless.shop.svc.cluster.local:27017",
                "mongodb-1.mongodb-headless.shop.svc.cluster.local:27017",
                "mongodb-2.mongodb-headless.shop.svc.cluster.local:27017",
            ]);
            const custom = memberHosts({ statefulSet: "db", headlessService: "db-headless", namespace: "x", members: 1, clusterDomain: "corp.local" });
            assert.deepStrictEqual(custom, ["db-0.db-headless.x.svc.corp.local:27017"]);
        });

        it("rejects a component name that cannot become a host name", () => {
            assert.throws(() => mongoNames("Mongo_DB"), /lowercase DNS label/);
            assert.throws(() => mongoNames("m".repeat(41)), /at most 40 characters/);
            assert.strictEqual(mongoNames("m".repeat(40)).headlessService.length, 49);
        });
    });

    describe("connection string", () => {
        const hosts = memberHosts({ statefulSet: "mongodb", headlessService: "mongodb-headless", namespace: "runbook", members: 3 });

        it("DB-1: names every member, the replica set and the admin auth source", () => {
            const uri = connectionString({ username: "app", password: "secret", hosts, database: "shop", replicaSetName: "rs0" });
            assert.strictEqual(
                uri,
                "mongodb://app:secret@mongodb-0.mongodb-headless.runbook.svc.cluster.local:27017,mongodb-1.mongodb-headless.runbook.svc.cluster.local:27017," +
                    "mongodb-2.mongodb-headless.runbook.svc.cluster.local:27017/shop?replicaSet=rs0&authSource=admin",
            );
        });

        it("percent-encodes credentials so any character survives a driver's URI parser", () => {
            const password = "p@ss:w/rd?#[]%+ é";
            const uri = connectionString({ username: "us:er@x", password, hosts: hosts.slice(0, 1), database: "app", replicaSetName: "rs0" });
            const userinfo = uri.slice("mongodb://".length, uri.lastIndexOf("@"));
            assert.ok(!/[/?#[\]@]/.test(userinfo), `userinfo is encoded: ${userinfo}`);
            const [user, pass] = userinfo.split(":");
            assert.strictEqual(decodeURIComponent(user), "us:er@x");
            assert.strictEqual(decodeURIComponent(pass), password);
            assert.strictEqual(new URL(uri.replace(/@[^/]+\//, "@h/")).searchParams.get("replicaSet"), "rs0");
        });

        it("refuses to build a URI with no members", () => {
            assert.throws(() => connectionString({ username: "a", password: "b", hosts: [], database: "app", replicaSetName: "rs0" }), /at least one host/);
        });
    });

    describe("mongod command line", () => {
        it("runs a keyfile-authenticated replica set reachable on every interface", () => {
            const args = mongodArgs({ replicaSetName: "rs0", memoryLimit: "4Gi" });
            assert.strictEqual(flag(args, "--replSet"), "rs0");
            assert.ok(args.includes("--bind_ip_all"));
            assert.ok(args.includes("--auth"));
            assert.strictEqual(flag(args, "--keyFile"), "/etc/mongodb/keyfile/keyfile");
            assert.strictEqual(flag(args, "--dbpath"), "/data/db");
            assert.strictEqual(flag(args, "--port"), "27017");
        });

        it("BK-1: keeps at least a day of oplog for hourly oplog backups", () => {
            assert.strictEqual(flag(mongodArgs({ replicaSetName: "rs0", memoryLimit: "1Gi" }), "--oplogMinRetentionHours"), "24");
        });

        it("sizes the WiredTiger cache from the container's memory limit, as mongod would from RAM", () => {
            assert.strictEqual(wiredTigerCacheSizeGb("4Gi"), 1.5);
            assert.strictEqual(wiredTigerCacheSizeGb("8Gi"), 3.5);
            assert.strictEqual(wiredTigerCacheSizeGb("1Gi"), 0.25);
            assert.strictEqual(wiredTigerCacheSizeGb("512Mi"), 0.25);
            assert.strictEqual(wiredTigerCacheSizeGb("3072Mi"), 1);
            assert.strictEqual(flag(mongodArgs({ replicaSetName: "rs0", memoryLimit: "4Gi" }), "--wiredTigerCacheSizeGB"), "1.5");
            assert.throws(() => wiredTigerCacheSizeGb("lots"), /memory quantity "lots"/);
        });
    });

    describe("probes, resources and scheduling", () => {
        it("WL-2: every probe pings mongod with mongosh, without credentials", () => {
            const probes = probeSettings();
            for (const probe of [probes.startupProbe, probes.readinessProbe, probes.livenessProbe]) {
                const command = (probe.exec as { command: string[] }).command;
                assert.strictEqual(command[0], "mongosh");
                assert.strictEqual(command[command.length - 1], 'db.adminCommand("ping")');
                assert.ok(!command.some((c) => /password|-p$|--username/.test(c)));
            }
        });

        it("WL-2: liveness waits two minutes before restarting a member; startup allows ten for recovery", () => {
            const { startupProbe, livenessProbe, readinessProbe } = probeSettings();
            const window = (p: { periodSeconds?: unknown; failureThreshold?: unknown }) => Number(p.periodSeconds) * Number(p.failureThreshold);
            assert.ok(window(livenessProbe) >= 120);
            assert.ok(window(startupProbe) >= 600);
            assert.ok(window(readinessProbe) < window(livenessProbe), "a slow member leaves the service before it is restarted");
            assert.ok(Number(livenessProbe.timeoutSeconds) >= 5, "mongosh needs time to start");
        });

        it("WL-4: members have requests and limits, memory guaranteed", () => {
            for (const env of [staging, production]) {
                const r = defaultMemberResources(env);
                assert.ok(r.cpuRequest && r.cpuLimit && r.memoryRequest && r.memoryLimit);
                assert.strictEqual(r.memoryRequest, r.memoryLimit);
            }
            assert.strictEqual(defaultMemberResources(production).memoryLimit, "4Gi");
        });

        it("DB-1: production insists on one member per zone and node; staging only prefers it", () => {
            const selector = { "app.kubernetes.io/name": "mongodb" };
            const prod = memberScheduling(production, selector);
            const stag = memberScheduling(staging, selector);
            const spread = (s: typeof prod) => (s.topologySpreadConstraints as any[])[0];
            assert.strictEqual(spread(prod).topologyKey, "topology.kubernetes.io/zone");
            assert.strictEqual(spread(prod).whenUnsatisfiable, "DoNotSchedule");
            assert.strictEqual(spread(stag).whenUnsatisfiable, "ScheduleAnyway");
            const prodAnti = (prod.affinity as any).podAntiAffinity;
            assert.strictEqual(prodAnti.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");
            assert.deepStrictEqual(prodAnti.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels, selector);
            assert.strictEqual((stag.affinity as any).podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
        });

        it("DB-1: several members allow one eviction at a time; a single member gets no budget", () => {
            const selector = { "app.kubernetes.io/name": "mongodb" };
            assert.strictEqual(disruptionBudgetSpec(1, selector), undefined);
            assert.deepStrictEqual(disruptionBudgetSpec(3, selector), { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" });
        });
    });
});
