import * as assert from "assert";
import { spawnSync } from "child_process";
import { RuntimeWorld, assertR2Usage, listing, playedOrListed } from "./world";
import { PodFailure } from "../helpers/kubelet";
import { PlannedPod } from "./plannedPods";

/*
 * The runtime tier: every pod template the staging, production and MongoDB-with-in-cluster-Redis
 * plans emit is taken from the plan itself and run in real containers (podman), exactly as declared
 * but for `hostNetwork: true`, against real servers the test starts on loopback: PostgreSQL 15 with
 * TLS (standing in for RDS), s3rver behind the SigV4-checking proxy (standing in for R2), the real
 * Pushgateway, and the in-cluster Redis pod itself. Each pod must start, pass its probes and end the
 * way its job intends. A pod that cannot run here is listed with its reason.
 */

describe("runtime: the pods the plans emit run in real containers (podman)", function () {
    this.timeout(45 * 60000);
    const world = new RuntimeWorld();

    before(async function () {
        await world.start(this);
    });

    after(async () => {
        await world.stop();
    });

    describe("staging", () => {
        let redis: Awaited<ReturnType<RuntimeWorld["play"]>> | undefined;
        after(async () => {
            await redis?.stop();
        });

        it("RD-1, SC-5: the in-cluster Redis pod serves with AUTH from the plan's redis.conf, as its user, on a read-only root; its exporter serves the metrics the alerts read", async () => {
            const pod = world.pod("staging", "redis-in-cluster-statefulset");
            redis = await world.play("staging", pod, "ready");
            const cli = (args: string[], auth?: string) =>
                spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", "6379", ...args], { encoding: "utf8", env: { PATH: process.env.PATH, ...(auth ? { REDISCLI_AUTH: auth } : {}) } });
            assert.match(cli(["PING"]).stdout + cli(["PING"]).stderr, /NOAUTH/, "Redis refuses a client without the password");
            assert.strictEqual(cli(["PING"], world.values.redisPassword).stdout.trim(), "PONG");
            const conf = world.plannedConfigMap("staging", pod, "config")["redis.conf"];
            const maxmemory = /^maxmemory (\S+)/m.exec(conf)?.[1];
            assert.ok(maxmemory, "the planned redis.conf sets maxmemory");
            assert.notStrictEqual(cli(["CONFIG", "GET", "maxmemory"], world.values.redisPassword).stdout.split("\n")[1], "0", "the server runs with the planned redis.conf");
            const id = await redis.exec("redis", ["id", "-u"]);
            assert.strictEqual(id.stdout.trim(), "999");
            const write = await redis.exec("redis", ["touch", "/etc/write-test"]);
            assert.match(write.stderr, /Read-only file system/);
            world.seedRedis();
            const metrics = await world.httpText("http://127.0.0.1:9121/metrics");
            for (const name of world.alertMetrics("staging", /^redis_/)) assert.ok(metrics.includes(`${name}`), `redis_exporter serves ${name}`);
            assert.match(metrics, /^redis_up 1$/m);
        });

        it("BK-8: the backup-role Job creates its role; run again, it changes nothing", async () => {
            const before = world.roles();
            await (await world.play("staging", world.pod("staging", "backups-postgres-role"), "completed")).stop();
            const first = world.roles();
            assert.notDeepStrictEqual(first, before, "the Job created its role");
            assert.match(first, /runbook_backup\|/);
            await (await world.play("staging", world.pod("staging", "backups-postgres-role"), "completed")).stop();
            assert.strictEqual(world.roles(), first, "a second run changes no role, membership or setting");
        });

        it("SC-5: the apps' role Job creates the migration and app roles; run again, it changes nothing", async () => {
            await (await world.play("staging", world.pod("staging", "database-postgres-roles"), "completed")).stop();
            const first = world.roles();
            assert.match(first, /runbook_app\|/);
            assert.match(first, /runbook_migrate\|/);
            await (await world.play("staging", world.pod("staging", "database-postgres-roles"), "completed")).stop();
            assert.strictEqual(world.roles(), first);
        });

        it("OB-3: the monitor-role Job creates its role; run again, it changes nothing; postgres_exporter then serves the metrics the alerts read", async () => {
            await (await world.play("staging", world.pod("staging", "observability-postgres-exporter-role"), "completed")).stop();
            const first = world.roles();
            assert.match(first, /runbook_monitor\|/);
            await (await world.play("staging", world.pod("staging", "observability-postgres-exporter-role"), "completed")).stop();
            assert.strictEqual(world.roles(), first);
            const exporter = await world.play("staging", world.pod("staging", "observability-postgres-exporter-deployment"), "ready");
            try {
                const port = world.containerPort(world.pod("staging", "observability-postgres-exporter-deployment"), "postgres-exporter");
                const metrics = await world.eventually("pg_up 1", async () => {
                    const t = await world.httpText(`http://127.0.0.1:${port}/metrics`);
                    return /^pg_up 1$/m.test(t) ? t : undefined;
                });
                for (const name of world.alertMetrics("staging", /^pg_/)) assert.ok(metrics.includes(name), `postgres_exporter serves ${name}`);
            } finally {
                await exporter.stop();
            }
        });

        it("BK-1, BK-3: each backup CronJob's pod leaves a verified, encrypted object in the bucket", async () => {
            for (const resource of ["backups-postgres", "backups-redis"]) {
                const pod = world.pod("staging", resource);
                await (await world.play("staging", pod, "completed")).stop();
                await world.assertVerifiedBackup(pod);
            }
        });

        it("BK-6, BK-7: each restore-drill pod restores the newest backup of its datastore in its own containers, checks it, and pushes its RTO and RPO", async () => {
            for (const resource of ["backups-drill-staging-postgres", "backups-drill-staging-redis"]) {
                await world.assertDrill("staging", resource);
            }
        });

        it("ST-2: the R2 usage pod reads every bucket's size from Cloudflare's API (a loopback fake) with its token and pushes it", async () => {
            await assertR2Usage(world, "staging");
        });

        it("the tier can fail: a drill pod without its socket volume, or run as root, is reported naming the container and what it could not do", async () => {
            const pod = world.pod("staging", "backups-drill-staging-postgres");
            const noSocket: PlannedPod = JSON.parse(JSON.stringify(pod));
            const sidecar = noSocket.spec.initContainers[0];
            sidecar.volumeMounts = sidecar.volumeMounts.filter((m: { name: string }) => m.name !== "run");
            await assert.rejects(world.play("staging", noSocket, "completed"), (e: unknown) => {
                assert.ok(e instanceof PodFailure, String(e));
                assert.strictEqual(e.container, "scratch-postgres");
                assert.match(e.message, /could not create lock file "\/var\/run\/postgresql\/\.s\.PGSQL\.5432\.lock"/);
                return true;
            });
            // The same pod as root: the kubelet refuses it before any container starts (runAsNonRoot)...
            const root: PlannedPod = JSON.parse(JSON.stringify(pod));
            root.spec.securityContext.runAsUser = 0;
            await assert.rejects(world.play("staging", root, "completed"), (e: unknown) => {
                assert.ok(e instanceof PodFailure, String(e));
                assert.strictEqual(e.container, "scratch-postgres");
                assert.match(e.message, /runAsNonRoot and runAsUser is 0/);
                return true;
            });
            // ...and without runAsNonRoot, PostgreSQL itself refuses to run as root (initdb first).
            delete root.spec.securityContext.runAsNonRoot;
            for (const c of [...root.spec.initContainers, ...root.spec.containers]) delete c.securityContext.runAsNonRoot;
            await assert.rejects(world.play("staging", root, "completed"), (e: unknown) => {
                assert.ok(e instanceof PodFailure, String(e));
                assert.strictEqual(e.container, "scratch-postgres");
                assert.match(e.message, /initdb: error: cannot be run as root/);
                return true;
            });
        });
    });

    describe("production", () => {
        it("BK-8, OB-3, SC-5: the role Jobs and postgres_exporter run as planned", async () => {
            for (const resource of ["backups-postgres-role", "observability-postgres-exporter-role", "database-postgres-roles"]) {
                await (await world.play("production", world.pod("production", resource), "completed")).stop();
            }
            await (await world.play("production", world.pod("production", "observability-postgres-exporter-deployment"), "ready")).stop();
        });

        it("BK-1, BK-3: the PostgreSQL backup pod leaves a verified object in production's bucket", async () => {
            const pod = world.pod("production", "backups-postgres");
            await (await world.play("production", pod, "completed")).stop();
            await world.assertVerifiedBackup(pod);
        });

        it("ST-2: the R2 usage pod pushes production's bucket sizes", async () => {
            await assertR2Usage(world, "production");
        });

        it("BK-6: staging's drill of production restores the backup production's own backup pod made", async () => {
            await world.assertDrill("staging", "backups-drill-production-postgres");
        });
    });

    describe("MongoDB with in-cluster Redis", () => {
        it("RD-1, BK-1, BK-3, BK-6: the Redis pod, its backup (copied to the replica) and its drill run as planned", async () => {
            const redis = await world.play("mongodb", world.pod("mongodb", "redis-in-cluster-statefulset"), "ready");
            try {
                world.seedRedis();
                const pod = world.pod("mongodb", "backups-redis");
                await (await world.play("mongodb", pod, "completed")).stop();
                await world.assertVerifiedBackup(pod);
                await world.assertReplicated(pod);
            } finally {
                await redis.stop();
            }
            await world.assertDrill("mongodb", "backups-drill-staging-redis");
            await world.assertDrill("mongodb", "backups-drill-production-postgres");
            await assertR2Usage(world, "mongodb");
        });
    });

    describe("all plans", () => {
        it("every pod template of the three plans was played, or is listed with the reason it cannot run here", () => {
        const { unplayed, table } = listing(world);
        console.log(table);
        assert.deepStrictEqual(unplayed, [], `pods neither played nor listed with a reason: ${unplayed.join(", ")}`);
            assert.ok(playedOrListed(world).played >= 12, "the tier played the pods it can run");
        });
    });
});
