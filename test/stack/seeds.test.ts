import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { PlanFile, PlanResource } from "../../plan/model";
import { runbook } from "../helpers/cli";
import { ROOT } from "../helpers/harness";
import { kubernetesSchemaErrors } from "../helpers/k8sSchema";
import { K8S_CRON_JOB, K8S_DEPLOYMENT, K8S_HTTP_ROUTE, K8S_JOB, K8S_SERVICE, K8S_STATEFUL_SET } from "../helpers/types";

/*
 * The five seed runbooks as stack files (examples/seeds/), each planned as staging and as
 * production through the CLI, as a user would after copying the template to Pulumi.<stack>.yaml.
 */

const SEEDS_DIR = path.join(ROOT, "examples", "seeds");
const K8S_HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-seeds-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A template as the user's staging stack file: the blocks it says to uncomment in staging (the drill,
 * which production refuses) uncommented.
 */
function asStaging(template: string): string {
    const lines = template.split("\n");
    const start = lines.findIndex((l) => /uncomment this in Pulumi\.staging\.yaml/.test(l));
    if (start < 0) return template;
    let i = start + 1;
    while (i < lines.length && /^\s*#/.test(lines[i]) && !/^\s*# [a-z]+:/.test(lines[i])) i++;
    while (i < lines.length && /^(\s*)# ( *[a-zA-Z-])/.test(lines[i])) {
        lines[i] = lines[i].replace(/^(\s*)# /, "$1");
        i++;
    }
    return lines.join("\n");
}

function plan(seed: string, stack: string): PlanFile {
    const file = path.join(tmp, `Pulumi.${stack}.${seed}.yaml`);
    const template = fs.readFileSync(path.join(SEEDS_DIR, `${seed}.yaml`), "utf8");
    fs.writeFileSync(file, stack === "staging" ? asStaging(template) : template);
    const out = `${file}.json`;
    const r = runbook("plan", "--stack", stack, "--config", file, "--json", out);
    assert.strictEqual(r.status, 0, `plan of ${seed} as ${stack} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(fs.readFileSync(out, "utf8"));
}

const ofType = (p: PlanFile, type: string) => p.resources.filter((r) => r.type === type);
const named = (rs: PlanResource[]) => rs.map((r) => (r.inputs.metadata as any).name).sort();
const containerOf = (r: PlanResource) => (r.inputs as any).spec.template.spec.containers[0];
/** The first app's Deployment (the plan lists resources in the order they are registered, not declared). */
const appDeployment = (p: PlanFile) => ofType(p, K8S_DEPLOYMENT).find((r) => (r.inputs.metadata as any).labels?.["runbook.dev/tier"] === "app")!;
const inAws = (p: PlanFile) => p.resources.some((r) => r.type.startsWith("aws:"));
const hasRedis = (p: PlanFile) => p.resources.some((r) => r.type.startsWith("runbook:redis:"));

/**
 * OB-5 (000, 001, 004: centralized JSON logs, secrets redacted): Grafana Alloy ships every pod's logs
 * to the seed's Loki, masking secrets on the way, and the log-shipping alerts watch it.
 */
function shipsRedactedLogs(p: PlanFile): void {
    const alloy = p.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "alloy");
    assert.ok(alloy, "OB-5: Alloy ships the logs");
    const pipeline: string = (alloy.inputs.values as any).alloy.configMap.content;
    assert.ok(pipeline.includes('url = "http://loki-gateway.logging.svc/loki/api/v1/push"'));
    assert.ok(pipeline.includes("stage.replace"), "OB-5: secrets masked before shipping");
    const rule = p.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
    assert.match(JSON.stringify(rule.inputs.spec), /LogShippingStopped/);
}

/** What each seed's runbook asks for, checked in both environments. */
const expectations: Record<string, (p: PlanFile, production: boolean) => void> = {
    "000-nearbybazaar": (p, production) => {
        shipsRedactedLogs(p);
        assert.ok(!inAws(p), "MongoDB and Redis in the cluster: nothing in AWS");
        // BK-3: geo-replication: every backup job also copies to the second site, with its own credentials.
        const backupCrons = p.resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob" && (r.inputs.metadata as any).name.startsWith("backup-"));
        assert.deepStrictEqual(named(backupCrons), ["backup-mongodb", "backup-mongodb-oplog", "backup-redis"]);
        for (const cron of backupCrons) {
            const env: any[] = (cron.inputs.spec as any).jobTemplate.spec.template.spec.containers[0].env;
            assert.strictEqual(env.find((e) => e.name === "REPLICA_S3_BUCKET")?.value, "nearbybazaar-backups-replica", `${(cron.inputs.metadata as any).name} copies to the replica`);
            assert.strictEqual(env.find((e) => e.name === "REPLICA_AWS_SECRET_ACCESS_KEY")?.valueFrom?.secretKeyRef?.name, "runbook-backup-replica-credentials");
        }
        const rules = JSON.stringify(p.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")?.inputs);
        for (const name of ["BackupReplicaLagging", "BackupReplicaNeverSucceeded", "BackupReplicaFailed"]) assert.ok(rules.includes(`"alert":"${name}"`), `${name} watches the replica`);
        assert.ok(hasRedis(p), "Redis for BullMQ");
        assert.deepStrictEqual(named(ofType(p, K8S_DEPLOYMENT)), ["admin", "api", "vendor", "web", "worker"]);
        assert.deepStrictEqual(named(ofType(p, K8S_SERVICE)).filter((n) => !n.startsWith("database") && !n.startsWith("redis")), ["admin", "api", "vendor", "web"], "front ends share port 3000, each with its own Service; the worker has none");
        for (const app of ["web", "vendor", "admin"]) {
            const d = ofType(p, K8S_DEPLOYMENT).find((r) => (r.inputs.metadata as any).name === app)!;
            assert.strictEqual(containerOf(d).ports[0].containerPort, 3000);
        }
        assert.ok(ofType(p, K8S_STATEFUL_SET).some((r) => (r.inputs.metadata as any).name.includes("mongodb")));
        const workerHpa = ofType(p, K8S_HPA).find((r) => (r.inputs.spec as any).scaleTargetRef.name === "worker");
        assert.ok(workerHpa, "WL-6: the workers scale on their own autoscaler");
        assert.strictEqual((workerHpa.inputs.spec as any).maxReplicas, 10);
        assert.strictEqual(ofType(p, K8S_HPA).length, production ? 5 : 1);
        // The worker runs the API's image with its own program; the API keeps the image's.
        const deployment = (name: string) => containerOf(ofType(p, K8S_DEPLOYMENT).find((r) => (r.inputs.metadata as any).name === name)!);
        assert.strictEqual(deployment("worker").image, deployment("api").image);
        assert.deepStrictEqual(deployment("worker").command, ["node", "dist/worker.js"]);
        assert.strictEqual(deployment("api").command, undefined);
    },
    "001-nextjs-prisma": (p) => {
        shipsRedactedLogs(p);
        assert.ok(inAws(p) && !hasRedis(p), "RDS, no Redis");
        const job = ofType(p, K8S_JOB).find((r) => (r.inputs.metadata as any).name.startsWith("app-migrate-"));
        assert.ok(job, "WL-5: a migration Job");
        assert.deepStrictEqual(containerOf(job).command, ["npx", "prisma", "migrate", "deploy"]);
        const env = containerOf(appDeployment(p)).env;
        assert.ok(!env.some((e: any) => e.name === "REDIS_URL"), "no REDIS_URL without Redis");
        assert.ok(env.some((e: any) => e.name === "FLAG_NEW_DASHBOARD" && e.value === "false"), "WL-8 flags as env");
        assert.ok(env.some((e: any) => e.name === "REQUEST_TIMEOUT_MS" && e.value === "10000"), "WL-8: the request timeout, in milliseconds");
        const routeTimeouts = ofType(p, K8S_HTTP_ROUTE).flatMap((r) => ((r.inputs.spec as any).rules as any[]).filter((rule) => rule.backendRefs?.length > 0).map((rule) => rule.timeouts?.request));
        assert.deepStrictEqual([...new Set(routeTimeouts)], ["10s"], "WL-8: the app's routes time out as the app does");
        const jobEnv: any[] = containerOf(job).env;
        assert.ok(!jobEnv.some((e) => e.name.startsWith("FLAG_") || e.name === "REQUEST_TIMEOUT_MS"), "a flag flip never reruns the migration");
    },
    "002-nestjs-mongodb": (p) => {
        assert.ok(!inAws(p) && !hasRedis(p), "nothing in AWS and no Redis");
        assert.deepStrictEqual(named(ofType(p, K8S_DEPLOYMENT)), ["api"]);
        assert.strictEqual(ofType(p, K8S_JOB).filter((r) => (r.inputs.metadata as any).name.startsWith("api-migrate")).length, 0);
        // WL-7: the realtime namespace reaches the api Service through the Gateway with long timeouts.
        const sockets = ofType(p, K8S_HTTP_ROUTE).flatMap((r) => (r.inputs.spec as any).rules as any[]).filter((rule) => rule.matches?.some((m: any) => m.path?.value === "/events"));
        assert.strictEqual(sockets.length, 1, "one route for /events");
        assert.deepStrictEqual(sockets[0].backendRefs.map((b: any) => [b.name, b.port]), [["api", 3000]]);
        assert.ok(parseInt(sockets[0].timeouts.request, 10) >= 3600, "long request timeout");
    },
    "003-retail-super-app": (p) => {
        assert.ok(p.resources.some((r) => r.type === "aws:elasticache/replicationGroup:ReplicationGroup"), "ElastiCache");
        const hpa = ofType(p, K8S_HPA).find((r) => (r.inputs.spec as any).scaleTargetRef.name === "retail-api");
        assert.ok(hpa, "WL-1: the API autoscales in every environment");
        assert.deepStrictEqual([(hpa.inputs.spec as any).minReplicas, (hpa.inputs.spec as any).maxReplicas], [3, 5]);
        const job = ofType(p, K8S_JOB).find((r) => (r.inputs.metadata as any).name.startsWith("retail-api-migrate-"));
        assert.deepStrictEqual(containerOf(job!).command, ["pnpm", "prisma", "migrate", "deploy"]);
        const api = ofType(p, K8S_DEPLOYMENT).find((r) => (r.inputs.metadata as any).name === "retail-api")!;
        assert.deepStrictEqual(containerOf(api).resources.limits, { cpu: "1000m", memory: "2Gi" });
        // BK-1, BK-2, BK-3: ElastiCache's daily snapshot is exported and written, encrypted, to the backups
        // bucket's redis/ prefix, kept and locked 7 days (003), through an export bucket that keeps nothing.
        const redisJob = p.resources.find((r) => r.type === "kubernetes:batch/v1:CronJob" && (r.inputs.metadata as any).name === "backup-redis");
        assert.ok(redisJob, "a daily backup-redis CronJob");
        const redisContainer = (redisJob.inputs.spec as any).jobTemplate.spec.template.spec.containers[0];
        assert.deepStrictEqual(redisContainer.command, ["/bin/bash", "/opt/runbook/backup/backup-elasticache.sh"]);
        assert.ok(redisContainer.env.some((e: any) => e.name === "BACKUP_PREFIX" && e.value === "redis"));
        const lock = p.resources.find((r) => r.type === "cloudflare:index/r2BucketLock:R2BucketLock")!;
        const redisLock = (lock.inputs.rules as any[]).find((r) => r.prefix === "redis/");
        assert.ok(redisLock, `the backups bucket locks redis/: ${JSON.stringify(lock.inputs.rules)}`);
        assert.strictEqual(redisLock.condition.maxAgeSeconds, 7 * 86400);
        const exportExpiry = p.resources.find((r) => r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")!;
        assert.strictEqual((exportExpiry.inputs.rules as any[])[0].expiration.days, 1);
    },
    "004-nextjs-r2": (p, production) => {
        shipsRedactedLogs(p);
        assert.ok(inAws(p) && !hasRedis(p), "RDS, no Redis");
        const web = appDeployment(p);
        const env = containerOf(web).env;
        for (const name of ["ADMIN_PASSWORD", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_ENDPOINT", "DATABASE_URL"]) {
            assert.ok(env.some((e: any) => e.name === name && e.valueFrom?.secretKeyRef), `SC-3: ${name} through secretKeyRef`);
        }
        // ST-1: the R2 keys are the stack's own rotated token, not secrets typed into runbook:secrets.
        const token = p.resources.find((r) => r.name === "backups-assets-credentials")!;
        assert.ok(Object.values(web.propertyDependencies).flat().includes(token.urn), "the app reads the token's Secret");
        assert.deepStrictEqual(env.filter((e: any) => e.name.startsWith("R2_") && e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.key), ["R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_ENDPOINT"]);
        assert.ok(ofType(p, K8S_JOB).some((r) => (r.inputs.metadata as any).name.startsWith("web-migrate-")));
        // Monitoring "Storage size: R2 bucket stats" (ST-2): the hourly usage job reads both buckets,
        // and each bucket's budget is an alert at 80 % of it.
        const usage = ofType(p, K8S_CRON_JOB).find((r) => (r.inputs.metadata as any).name === "r2-usage");
        assert.ok(usage, "the R2 usage CronJob");
        const usageEnv: any[] = (usage.inputs.spec as any).jobTemplate.spec.template.spec.containers[0].env;
        assert.strictEqual(usageEnv.find((e) => e.name === "R2_BUCKETS")?.value, "menu-images menu-backups");
        const rules = p.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule").flatMap((r) => (r.inputs.spec as any).groups.flatMap((g: any) => g.rules));
        const budgets = rules.filter((r: any) => r.alert === "R2BucketOverBudget").map((r: any) => [r.labels.bucket, r.expr]);
        assert.deepStrictEqual(budgets, [
            ["menu-images", 'max by (bucket) (runbook_r2_bucket_size_bytes{job="runbook-r2-usage", stack="' + stackOf(p) + '", bucket="menu-images"}) / 50000000000 >= 0.8'],
            ["menu-backups", 'max by (bucket) (runbook_r2_bucket_size_bytes{job="runbook-r2-usage", stack="' + stackOf(p) + '", bucket="menu-backups"}) / 200000000000 >= 0.8'],
        ]);
        assert.ok(rules.some((r: any) => r.alert === "R2UsageStale"), "and an alert when the sizes stop arriving");
        // BK-6: the quarterly drill, in staging only: the migrations checked in the app's own image against the restored copy.
        const drill = ofType(p, K8S_CRON_JOB).find((r) => (r.inputs.metadata as any).name === "restore-drill-staging-postgres");
        if (production) {
            assert.strictEqual(drill, undefined, "BK-3: no drill in production");
            return;
        }
        assert.ok(drill, "the staging stack drills its database");
        const pod = (drill.inputs.spec as any).jobTemplate.spec.template.spec;
        const check = pod.containers.find((c: any) => c.name === "app-check");
        assert.ok(check, "the drill pod runs the app check");
        assert.strictEqual(check.image, containerOf(web).image, "in the app's own image");
        assert.deepStrictEqual(check.args, ["npx", "prisma", "migrate", "status"]);
        assert.ok(check.env.every((e: any) => e.valueFrom === undefined), "no Secret reaches the check");
        assert.match(check.env.find((e: any) => e.name === "DATABASE_URL").value, /^postgresql:\/\/drill@127\.0\.0\.1:5432\/runbook_drill\b/);
        const jobEnv = pod.containers[0].env;
        assert.ok(jobEnv.some((e: any) => e.name === "DRILL_ASSET_URLS" && e.value === "https://images.menu.example.com/health.png"), "a sample of the images in R2");
    },
};

/** The stack a plan is of (the `stack` label of every pushed metric). */
const stackOf = (p: PlanFile): string => {
    const usage = ofType(p, K8S_CRON_JOB).find((r) => (r.inputs.metadata as any).name === "r2-usage")!;
    return (usage.inputs.spec as any).jobTemplate.spec.template.spec.containers[0].env.find((e: any) => e.name === "STACK_NAME").value;
};

describe("stack: every seed runbook as a stack file (examples/seeds)", function () {
    this.timeout(120000);

    it("there is one template per seed, 000 to 004, each a stack file with a config map", () => {
        const files = fs.readdirSync(SEEDS_DIR).filter((f) => f.endsWith(".yaml")).sort();
        assert.deepStrictEqual(files.map((f) => f.slice(0, 3)), ["000", "001", "002", "003", "004"]);
        assert.deepStrictEqual(files.map((f) => f.replace(/\.yaml$/, "")), Object.keys(expectations));
        for (const f of files) assert.ok(YAML.parse(fs.readFileSync(path.join(SEEDS_DIR, f), "utf8")).config["runbook:apps"].length > 0);
    });

    for (const seed of Object.keys(expectations)) {
        for (const stack of ["staging", "production"]) {
            it(`WL-1…8, DB-1, RD-1: seed ${seed} plans as ${stack} with zero mandatory violations and schema-valid Kubernetes objects`, async () => {
                const p = plan(seed, stack);
                assert.deepStrictEqual(p.violations.filter((v) => v.enforcementLevel === "mandatory"), []);
                assert.deepStrictEqual(await kubernetesSchemaErrors(p.resources), []);
                expectations[seed](p, stack === "production");
            });
        }
    }
});
