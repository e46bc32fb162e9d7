import * as assert from "assert";
import {
    ElastiCacheSettings,
    InClusterSettings,
    RedisConfig,
    configChecksum,
    elastiCacheName,
    elastiCacheSettings,
    inClusterSettings,
    maintenanceWindowAfter,
    maxmemoryBytesFor,
    parameterGroupFamily,
    parameterGroupParameters,
    redisImage,
    redisServerArgs,
    redisUrl,
    renderRedisConf,
    serviceHost,
} from "../../../components/redis/redisSettings";
import { windowsOverlap } from "../../../lib/windows";
import { maxmemoryPolicyOf } from "../../../policies/rules/redis";
import { production, staging } from "../../helpers/harness";

const elasticache = (extra: Partial<RedisConfig> = {}): RedisConfig => ({ mode: "elasticache", snapshotRetentionDays: 7, maxmemoryPolicy: "noeviction", ...extra });
const inCluster = (extra: Partial<RedisConfig> = {}): RedisConfig => ({ mode: "in-cluster", snapshotRetentionDays: 7, maxmemoryPolicy: "noeviction", ...extra });

function settings(redis: RedisConfig, env = staging): ElastiCacheSettings {
    const s = elastiCacheSettings(redis, env);
    if (Array.isArray(s)) throw new Error(`unexpected problems: ${JSON.stringify(s)}`);
    return s;
}
function clusterSettings(redis: RedisConfig, env = staging): InClusterSettings {
    const s = inClusterSettings(redis, env);
    if (Array.isArray(s)) throw new Error(`unexpected problems: ${JSON.stringify(s)}`);
    return s;
}

describe("unit: ElastiCache settings (RD-1, RD-2, BK-2, DB-6)", () => {
    it("RD-1: production defaults to one replica with failover across AZs on cache.m6g.large, protected and changed in the maintenance window", () => {
        const s = settings(elasticache(), production);
        assert.strictEqual(s.nodeType, "cache.m6g.large");
        assert.strictEqual(s.numCacheClusters, 2);
        assert.strictEqual(s.automaticFailoverEnabled, true);
        assert.strictEqual(s.multiAzEnabled, true);
        assert.strictEqual(s.protect, true);
        assert.strictEqual(s.finalSnapshot, true);
        assert.strictEqual(s.applyImmediately, false);
    });

    it("RD-1: staging defaults to a single cache.t4g.small node without failover, unprotected", () => {
        const s = settings(elasticache(), staging);
        assert.strictEqual(s.nodeType, "cache.t4g.small");
        assert.strictEqual(s.numCacheClusters, 1);
        assert.strictEqual(s.automaticFailoverEnabled, false);
        assert.strictEqual(s.multiAzEnabled, false);
        assert.strictEqual(s.protect, false);
        assert.strictEqual(s.finalSnapshot, false);
        assert.strictEqual(s.applyImmediately, true);
    });

    it("RD-1: a staging replica gets failover, and Multi-AZ only when asked", () => {
        const single = settings(elasticache({ replicas: 1 }), staging);
        assert.deepStrictEqual([single.numCacheClusters, single.automaticFailoverEnabled, single.multiAzEnabled], [2, true, false]);
        const multi = settings(elasticache({ replicas: 2, multiAz: true }), staging);
        assert.deepStrictEqual([multi.numCacheClusters, multi.automaticFailoverEnabled, multi.multiAzEnabled], [3, true, true]);
    });

    it("defaults the engine to redis 7.1 and keeps a valkey choice", () => {
        const redis = settings(elasticache());
        assert.deepStrictEqual([redis.engine, redis.engineVersion, redis.family], ["redis", "7.1", "redis7"]);
        const valkey = settings(elasticache({ engine: "valkey" }));
        assert.deepStrictEqual([valkey.engine, valkey.engineVersion, valkey.family], ["valkey", "7.2", "valkey7"]);
    });

    it("RD-1: refuses production without a replica or with Multi-AZ off, naming every key and the fix", () => {
        const problems = elastiCacheSettings(elasticache({ replicas: 0, multiAz: false }), production);
        assert.ok(Array.isArray(problems));
        assert.deepStrictEqual(problems.map((p) => p.propertyPath), ["redis.replicas", "redis.multiAz"]);
        assert.match(problems[0].reason, /set 1 or more/);
    });

    it("refuses Multi-AZ without a replica, which ElastiCache would reject", () => {
        const problems = elastiCacheSettings(elasticache({ multiAz: true }), staging);
        assert.ok(Array.isArray(problems));
        assert.match(problems[0].reason, /needs a replica/);
    });

    it("BK-2: keeps the configured snapshot retention and refuses 0, which turns snapshots off", () => {
        assert.strictEqual(settings(elasticache({ snapshotRetentionDays: 14 })).snapshotRetentionLimit, 14);
        const problems = elastiCacheSettings(elasticache({ snapshotRetentionDays: 0 }), staging);
        assert.ok(Array.isArray(problems));
        assert.strictEqual(problems[0].propertyPath, "redis.snapshotRetentionDays");
    });

    it("refuses a snapshot window shorter than ElastiCache's 60 minutes", () => {
        const problems = elastiCacheSettings(elasticache({ snapshotWindow: "03:00-03:30" }), staging);
        assert.ok(Array.isArray(problems));
        assert.match(problems[0].reason, /shorter than the 60 minutes/);
    });

    it("refuses a mode other than elasticache", () => {
        const problems = elastiCacheSettings(inCluster(), staging);
        assert.ok(Array.isArray(problems));
        assert.strictEqual(problems[0].propertyPath, "redis.mode");
    });

    it("builds ElastiCache-valid names: lowercase, single hyphens, starting with a letter", () => {
        assert.strictEqual(elastiCacheName("runbook", "production", "redis", "redis6.x"), "runbook-production-redis-redis6-x");
        assert.strictEqual(elastiCacheName("9lives", "Stack__A", "x-"), "lives-stack-a-x");
    });
});

describe("unit: ElastiCache parameter group (RD-2)", () => {
    it("maps engine and version to ElastiCache's parameter-group family", () => {
        assert.strictEqual(parameterGroupFamily("redis", "7.1"), "redis7");
        assert.strictEqual(parameterGroupFamily("redis", "7.0"), "redis7");
        assert.strictEqual(parameterGroupFamily("redis", "6.2"), "redis6.x");
        assert.strictEqual(parameterGroupFamily("valkey", "7.2"), "valkey7");
        assert.strictEqual(parameterGroupFamily("valkey", "8.0"), "valkey8");
        assert.throws(() => parameterGroupFamily("redis", "5.0.6"), /redis\.engineVersion: 5\.0\.6 .*set 6\.2 or later/);
    });

    it("RD-2: the parameter group sets maxmemory-policy noeviction", () => {
        assert.deepStrictEqual(parameterGroupParameters(), [{ name: "maxmemory-policy", value: "noeviction" }]);
    });
});

describe("unit: ElastiCache windows", () => {
    it("puts maintenance on Sunday an hour after the snapshot window, never overlapping it", () => {
        assert.strictEqual(maintenanceWindowAfter("03:00-04:00"), "sun:05:00-sun:06:00");
        assert.strictEqual(maintenanceWindowAfter("22:00-23:30"), "sun:00:30-sun:01:30");
        assert.strictEqual(maintenanceWindowAfter("21:00-22:30"), "sun:23:30-mon:00:30");
        for (const snapshot of ["03:00-04:00", "00:00-01:00", "22:00-23:30", "21:00-22:30", "23:00-02:00", "01:00-20:00"]) {
            assert.strictEqual(windowsOverlap(snapshot, maintenanceWindowAfter(snapshot)), false, snapshot);
        }
        assert.strictEqual(settings(elasticache()).maintenanceWindow, "sun:05:00-sun:06:00");
    });

    it("refuses a snapshot window that leaves no hour for maintenance", () => {
        assert.throws(() => maintenanceWindowAfter("00:00-23:30"), /leaves no hour for maintenance/);
    });
});

describe("unit: in-cluster Redis settings and redis.conf (RD-2, RD-3)", () => {
    it("BK-6: defaults per environment: the pinned 8.0 image (the release the drill's redis-server runs), 10 GB, memory requested as limited, more in production", () => {
        const s = clusterSettings(inCluster(), staging);
        assert.strictEqual(s.image, "redis:8.0.2");
        assert.strictEqual(s.storageGb, 10);
        assert.deepStrictEqual([s.resources.memoryRequest, s.resources.memoryLimit], ["512Mi", "512Mi"]);
        assert.strictEqual(s.protect, false);
        const p = clusterSettings(inCluster({ storageGb: 50 }), production);
        assert.deepStrictEqual([p.storageGb, p.resources.memoryLimit, p.protect], [50, "1Gi", true]);
    });

    it("pins the image to a full version and refuses a version that does not pin one", () => {
        assert.strictEqual(redisImage("7.2.4"), "redis:7.2.4");
        assert.deepStrictEqual(["7.2", "7", "8.0", "8"].map(redisImage), ["redis:7.2.7", "redis:7.2.7", "redis:8.0.2", "redis:8.0.2"]);
        assert.throws(() => redisImage("7.4"), /a full version such as 8.0.2/);
        const problems = inClusterSettings(inCluster({ engineVersion: "7.4" }), staging);
        assert.ok(Array.isArray(problems));
        assert.strictEqual(problems[0].propertyPath, "redis.engineVersion");
    });

    it("RD-2: maxmemory stays below the container's memory limit with headroom for the AOF rewrite", () => {
        for (const limit of ["512Mi", "1Gi", "2Gi"]) {
            const bytes = maxmemoryBytesFor(limit);
            const limitBytes = (limit.endsWith("Gi") ? Number(limit.slice(0, -2)) * 1024 : Number(limit.slice(0, -2))) * 1024 * 1024;
            assert.ok(bytes < limitBytes * 0.8 && bytes > limitBytes * 0.5, `${limit}: ${bytes}`);
        }
        const s = clusterSettings(inCluster(), staging);
        const conf = renderRedisConf({ maxmemoryBytes: s.maxmemoryBytes });
        const maxmemory = Number(/^maxmemory (\d+)$/m.exec(conf)![1]);
        assert.ok(maxmemory < 512 * 1024 * 1024);
    });

    it("RD-2: redis.conf persists to an append-only file on /data and never evicts", () => {
        const conf = renderRedisConf({ maxmemoryBytes: 64 * 1024 * 1024 });
        const lines = conf.split("\n");
        for (const line of ["appendonly yes", "appendfsync everysec", "maxmemory-policy noeviction", "dir /data", "protected-mode yes", "port 6379", `maxmemory ${64 * 1024 * 1024}`]) {
            assert.ok(lines.includes(line), `missing '${line}'`);
        }
        // The policy pack reads the same file the same way.
        assert.strictEqual(maxmemoryPolicyOf(conf), "noeviction");
    });

    it("RD-3: redis.conf holds no password; the server gets it from the environment at start-up", () => {
        const conf = renderRedisConf({ maxmemoryBytes: 64 * 1024 * 1024 });
        assert.doesNotMatch(conf, /requirepass|masterauth/);
        assert.deepStrictEqual(redisServerArgs(), ["/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)"]);
    });

    it("overrides port, bind and dir for a local server", () => {
        const conf = renderRedisConf({ maxmemoryBytes: 2 * 1024 * 1024, port: 7000, bind: "127.0.0.1", dir: "/tmp/x" });
        assert.match(conf, /^port 7000$/m);
        assert.match(conf, /^bind 127\.0\.0\.1$/m);
        assert.match(conf, /^dir \/tmp\/x$/m);
    });

    it("refuses a maxmemory below 1 MiB, where Redis could not hold a single queue", () => {
        assert.throws(() => renderRedisConf({ maxmemoryBytes: 1000 }), /at least 1 MiB/);
    });

    it("changes the config checksum when the config changes, so the pod rolls", () => {
        const a = configChecksum(renderRedisConf({ maxmemoryBytes: 2 * 1024 * 1024 }));
        assert.match(a, /^[0-9a-f]{64}$/);
        assert.notStrictEqual(a, configChecksum(renderRedisConf({ maxmemoryBytes: 3 * 1024 * 1024 })));
    });
});

describe("unit: REDIS_URL", () => {
    it("builds rediss:// for ElastiCache and redis:// in the cluster, on port 6379 by default", () => {
        assert.strictEqual(redisUrl({ scheme: "rediss", password: "abc123", host: "master.x.cache.amazonaws.com" }), "rediss://:abc123@master.x.cache.amazonaws.com:6379");
        assert.strictEqual(redisUrl({ scheme: "redis", password: "pw", host: serviceHost("redis", "runbook") }), "redis://:pw@redis.runbook.svc.cluster.local:6379");
    });

    it("URL-encodes the password so that any character survives a URL parser", () => {
        const password = "p@ss:/w?rd#%&+ ü";
        const url = redisUrl({ scheme: "redis", password, host: "localhost", port: 7000 });
        const parsed = new URL(url);
        assert.strictEqual(decodeURIComponent(parsed.password), password);
        assert.strictEqual(parsed.username, "");
        assert.strictEqual(parsed.hostname, "localhost");
        assert.strictEqual(parsed.port, "7000");
    });

    it("RD-3: refuses an empty password, and a host that is not a DNS name", () => {
        assert.throws(() => redisUrl({ scheme: "redis", password: "", host: "h" }), /needs a password/);
        assert.throws(() => redisUrl({ scheme: "redis", password: "p", host: "evil@host" }), /not a DNS name/);
    });
});
