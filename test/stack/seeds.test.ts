import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { PlanFile, PlanResource } from "../../plan/model";
import { runbook } from "../helpers/cli";
import { ROOT } from "../helpers/harness";
import { kubernetesSchemaErrors } from "../helpers/k8sSchema";
import { K8S_DEPLOYMENT, K8S_HTTP_ROUTE, K8S_JOB, K8S_SERVICE, K8S_STATEFUL_SET } from "../helpers/types";

/*
 * The five seed runbooks as stack files (examples/seeds/), each planned as staging and as
 * production through the CLI, as a user would after copying the template to Pulumi.<stack>.yaml.
 */

const SEEDS_DIR = path.join(ROOT, "examples", "seeds");
const K8S_HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-seeds-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function plan(seed: string, stack: string): PlanFile {
    const file = path.join(tmp, `Pulumi.${stack}.${seed}.yaml`);
    fs.copyFileSync(path.join(SEEDS_DIR, `${seed}.yaml`), file);
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
    },
    "004-nextjs-r2": (p) => {
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
    },
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
