import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanFile, PlanResource, UNKNOWN, Violation } from "../../plan/model";
import { checkResources } from "../../plan/pipeline";
import { runbook } from "../helpers/cli";

/*
 * Issue 19 on the shipped plans: workload isolation (4), deploys (5), values in another type (7),
 * roles recognised by what resources do (8), and unknowns (9, 10). Each case edits a copy of the
 * staging or production plan and checks it with the whole pack, as `runbook check` does.
 */

type Json = Record<string, any>;
let tmp: string;
const plans = {} as Record<"staging" | "production", PlanFile>;


function copy(stack: "staging" | "production"): PlanResource[] {
    return structuredClone(plans[stack].resources);
}
function find(rs: PlanResource[], type: string, nameIncludes = ""): PlanResource {
    const r = rs.find((x) => x.custom && x.type.endsWith(`:${type}`) && x.name.includes(nameIncludes));
    assert.ok(r, `no ${type} *${nameIncludes}*`);
    return r;
}
const inputs = (r: PlanResource) => r.inputs as Json;
const podOf = (r: PlanResource) => (r.type.endsWith(":CronJob") ? inputs(r).spec.jobTemplate.spec.template.spec : inputs(r).spec.template.spec);
async function violations(stack: "staging" | "production", rs: PlanResource[]): Promise<Violation[]> {
    return (await checkResources(rs, stack)).violations;
}
const of = (vs: Violation[], policy: string, level = "mandatory") => vs.filter((v) => v.policy === policy && v.enforcementLevel === level);
/** Every leaf of every resource's inputs replaced by a preview unknown (or only those under labels). */
const allUnknown = (v: unknown): unknown => (Array.isArray(v) ? v.map(allUnknown) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, allUnknown(x)])) : UNKNOWN);
const labelsUnknown = (v: unknown, inside = false): unknown =>
    Array.isArray(v) ? v.map((x) => labelsUnknown(x)) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, inside ? UNKNOWN : labelsUnknown(x, ["labels", "matchLabels", "annotations", "selector"].includes(k))])) : v;

describe("policy, issue 19 on the shipped plans", function () {
    this.timeout(300000);
    before(function () {
        this.timeout(300000);
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-planned-"));
        for (const stack of ["staging", "production"] as const) {
            const out = path.join(tmp, `${stack}.json`);
            const r = runbook("plan", "--stack", stack, "--json", out);
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
            plans[stack] = JSON.parse(fs.readFileSync(out, "utf8"));
        }
    });
    after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

    it("the shipped plans pass every new policy with no mandatory violation", async () => {
        for (const stack of ["staging", "production"] as const) assert.deepStrictEqual((await violations(stack, copy(stack))).filter((v) => v.enforcementLevel === "mandatory"), [], stack);
    });

    describe("k8s-network-isolation and k8s-service-account-token-not-mounted (SC-5; issue 19 (4))", () => {
        it("SC-5: k8s-network-isolation violating: app egress open to every destination on every port", async () => {
            const rs = copy("production");
            inputs(find(rs, "NetworkPolicy", "app-egress")).spec.egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] });
            const v = of(await violations("production", rs), "k8s-network-isolation");
            assert.strictEqual(v.length, 1);
            assert.match(v[0].message, /egress\[4\] lets its pods reach ipBlock 0\.0\.0\.0\/0 on every port/);
        });

        it("SC-5: k8s-network-isolation violating: every namespace or address let in to pods only the Gateway should reach", async () => {
            for (const from of [[{ namespaceSelector: {} }], [{ ipBlock: { cidr: "0.0.0.0/0" } }]]) {
                const rs = copy("staging");
                inputs(find(rs, "NetworkPolicy", "allow-gateway-web")).spec.ingress[0].from = from;
                const v = of(await violations("staging", rs), "k8s-network-isolation");
                assert.strictEqual(v.length, 1, JSON.stringify(from));
                assert.match(v[0].message, /reach pods that only the Gateway should reach/);
            }
        });

        it("SC-5: k8s-network-isolation compliant: the monitoring namespace by label, and egress to the internet on 443", async () => {
            const rs = copy("production");
            assert.deepStrictEqual(of(await violations("production", rs), "k8s-network-isolation"), []);
        });

        it("SC-5: k8s-service-account-token-not-mounted violating: a pod that mounts its token, or runs as an account that does", async () => {
            const rs = copy("production");
            podOf(find(rs, "Deployment", "app-api")).automountServiceAccountToken = true;
            delete podOf(find(rs, "Deployment", "app-web")).automountServiceAccountToken;
            delete inputs(find(rs, "ServiceAccount", "app-web")).automountServiceAccountToken;
            podOf(find(rs, "CronJob", "backups-postgres")).automountServiceAccountToken = "yes";
            const v = of(await violations("production", rs), "k8s-service-account-token-not-mounted");
            assert.strictEqual(v.length, 3, v.map((x) => x.message).join("\n"));
            assert.ok(v.some((x) => /app-web-deployment' leaves automountServiceAccountToken unset and runs as ServiceAccount 'runbook\/web', which does not set it false/.test(x.message)));
        });
    });

    describe("k8s-migrations-before-traffic, k8s-workload-probes, backup-cronjob-per-database (WL-5, WL-2, BK-1; issue 19 (5))", () => {
        it("WL-5: k8s-migrations-before-traffic violating: the migration Job missing, in another image, or not waited for", async () => {
            const missing = copy("production");
            missing.splice(missing.indexOf(find(missing, "Job", "migrate")), 1);
            assert.match(of(await violations("production", missing), "k8s-migrations-before-traffic")[0].message, /declares the migrate command 'npx prisma migrate deploy', but no Job of the stack runs it/);
            const image = copy("production");
            podOf(find(image, "Job", "migrate")).containers[0].image = "ghcr.io/acme/retail-api:1.3.0";
            assert.match(of(await violations("production", image), "k8s-migrations-before-traffic")[0].message, /runs 'npx prisma migrate deploy' in image ghcr.io\/acme\/retail-api:1\.3\.0/);
            const order = copy("staging");
            const d = find(order, "Deployment", "app-api");
            d.dependencies = d.dependencies.filter((u) => !u.includes("migrate"));
            assert.match(of(await violations("staging", order), "k8s-migrations-before-traffic")[0].message, /does not wait for its migration Job/);
        });

        it("WL-2: k8s-workload-probes violating: an app's readiness probe that is its liveness probe (timings aside)", async () => {
            const rs = copy("staging");
            const c = podOf(find(rs, "Deployment", "app-api")).containers[0];
            c.readinessProbe = { ...c.livenessProbe, periodSeconds: 2, httpGet: { ...c.livenessProbe.httpGet, path: `${c.livenessProbe.httpGet.path}/` } };
            const v = of(await violations("staging", rs), "k8s-workload-probes");
            assert.strictEqual(v.length, 1);
            assert.match(v[0].message, /probes readiness exactly as it probes liveness/);
        });

        it("BK-1: backup-cronjob-per-database violating: a backup or drill CronJob that lets runs overlap", async () => {
            const rs = copy("staging");
            inputs(find(rs, "CronJob", "backups-postgres")).spec.concurrencyPolicy = "Allow";
            delete inputs(find(rs, "CronJob", "drill-staging-redis")).spec.concurrencyPolicy;
            const v = of(await violations("staging", rs), "backup-cronjob-per-database");
            assert.strictEqual(v.length, 2);
            assert.ok(v.some((x) => /dumps a database with concurrencyPolicy "Allow"/.test(x.message)));
            assert.ok(v.some((x) => /restores a backup with concurrencyPolicy unset \(Allow\)/.test(x.message)));
        });
    });

    describe("roles by what resources do (BK-8, BK-3, BK-1; issue 19 (8))", () => {
        it("BK-8: backups-access-scoped violating: a restore drill with its label removed is still a drill, in production too", async () => {
            const rs = copy("staging");
            const drill = find(rs, "CronJob", "drill-production-postgres");
            delete inputs(drill).metadata.labels["runbook.dev/restore-drill"];
            for (const e of podOf(drill).containers[0].env) if (e.valueFrom?.secretKeyRef) e.valueFrom.secretKeyRef.name = "runbook-backup-credentials";
            const v = of(await violations("staging", rs), "backups-access-scoped");
            assert.ok(v.some((x) => x.urn === drill.urn && /reads AWS_ACCESS_KEY_ID from Secret 'runbook-backup-credentials', which the backup jobs use/.test(x.message)), v.map((x) => x.message).join("\n"));
            const prod = copy("production");
            const base = find(prod, "CronJob", "backups-postgres");
            prod.push({ ...structuredClone(base), urn: `${base.urn}-check`, name: "nightly-check" });
            const added = prod[prod.length - 1];
            podOf(added).volumes.push({ name: "key", secret: { secretName: "k", items: [{ key: "AGE_SECRET_KEY", path: "identity" }] } });
            assert.ok(of(await violations("production", prod), "backups-access-scoped").some((x) => x.urn === added.urn && /Restore drill 'nightly-check' is in the production stack/.test(x.message)));
        });

        it("BK-3: backups-offsite-encrypted violating: a backup CronJob without its label is still a backup", async () => {
            const rs = copy("production");
            const backup = find(rs, "CronJob", "backups-postgres");
            delete inputs(backup).metadata.labels["runbook.dev/backup-datastore"];
            podOf(backup).containers[0].env.find((e: Json) => e.name === "S3_ENDPOINT_URL").value = "http://storage.internal";
            assert.ok(of(await violations("production", rs), "backups-offsite-encrypted").some((x) => x.urn === backup.urn));
        });
    });

    describe("values in another type than the engine's (issue 19 (7))", () => {
        it("SC-5: k8s-restricted-security violating: privileged and hostNetwork written as strings are read as the booleans they spell", async () => {
            const rs = copy("production");
            const spec = podOf(find(rs, "Deployment", "app-api"));
            spec.hostNetwork = "true";
            spec.containers[0].securityContext.privileged = "True";
            const v = of(await violations("production", rs), "k8s-restricted-security");
            assert.strictEqual(v.length, 2, v.map((x) => x.message).join("\n"));
        });

        it("BK-1: backup-cronjob-per-database violating: suspend: \"true\" suspends the backup", async () => {
            const rs = copy("production");
            inputs(find(rs, "CronJob", "backups-postgres")).spec.suspend = "true";
            assert.strictEqual(of(await violations("production", rs), "backup-cronjob-per-database").length, 1);
        });

        it("WL-1: k8s-production-replicas violating: a replica count written as a string is read as that number; one no engine reads is refused", async () => {
            for (const floor of ["1", "two"]) {
                const rs = copy("production");
                inputs(find(rs, "HorizontalPodAutoscaler", "app-web")).spec.minReplicas = floor;
                const v = of(await violations("production", rs), "k8s-production-replicas");
                assert.strictEqual(v.length, 1, floor);
                assert.match(v[0].message, floor === "1" ? /autoscaler floor of 1/ : /"two", which is no number/);
            }
        });

        it("DB-2: security-group-no-public-data-ports violating: a single CIDR where a list belongs is read as that CIDR", async () => {
            const rs = copy("production");
            inputs(find(rs, "SecurityGroup", "postgres")).ingress[0].cidrBlocks = "0.0.0.0/0";
            assert.strictEqual(of(await violations("production", rs), "security-group-no-public-data-ports").length, 1);
        });
    });

    describe("unknowns (issue 19 (9, 10))", () => {
        it("every leaf, or every label, only known after 'pulumi up': no policy is switched off and none reports a mandatory violation", async () => {
            for (const stack of ["staging", "production"] as const) {
                for (const transform of [allUnknown, labelsUnknown]) {
                    const rs = copy(stack).map((r) => ({ ...r, inputs: transform(r.inputs) as Record<string, unknown> }));
                    const vs = await violations(stack, rs);
                    assert.deepStrictEqual(vs.filter((v) => v.message.startsWith("can't run policy")).map((v) => v.policy), [], `${stack}: whole policies switched off`);
                    assert.deepStrictEqual(vs.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`), [], `${stack}: an unknown counted as a violation`);
                }
            }
        });

        it("a known violation is reported beside an unknown label in the same stack policy (k8s-network-isolation, backup-cronjob-per-database)", async () => {
            const rs = copy("staging");
            inputs(find(rs, "NetworkPolicy", "dns")).metadata.labels = { "app.kubernetes.io/part-of": UNKNOWN };
            inputs(find(rs, "Deployment", "app-worker")).spec.template.metadata.labels["runbook.dev/tier"] = UNKNOWN;
            inputs(find(rs, "NetworkPolicy", "app-egress")).spec.egress.push({});
            inputs(find(rs, "NetworkPolicy", "redis-in-cluster")).spec.ingress[0].from.push(UNKNOWN);
            inputs(find(rs, "CronJob", "backups-redis")).spec.concurrencyPolicy = "Allow";
            inputs(find(rs, "CronJob", "drill-staging-postgres")).spec.concurrencyPolicy = UNKNOWN;
            const vs = await violations("staging", rs);
            assert.deepStrictEqual(vs.filter((v) => v.message.startsWith("can't run policy")), []);
            assert.strictEqual(of(vs, "k8s-network-isolation").length, 1);
            assert.ok(of(vs, "k8s-network-isolation", "advisory").some((v) => /a source of NetworkPolicy 'redis-in-cluster-netpol'/.test(v.message)));
            assert.strictEqual(of(vs, "backup-cronjob-per-database").length, 1);
            assert.ok(of(vs, "backup-cronjob-per-database", "advisory").some((v) => /concurrencyPolicy of CronJob 'backups-drill-staging-postgres'/.test(v.message)));
        });

        it("unknowns that passed in silence are advisories naming them: an HPA's minReplicas, container resources, the zone's ssl mode, the HSTS value, the Gateway's listeners", async () => {
            const rs = copy("production");
            inputs(find(rs, "HorizontalPodAutoscaler", "app-web")).spec.minReplicas = UNKNOWN;
            podOf(find(rs, "Deployment", "app-worker")).containers[0].resources.limits.memory = UNKNOWN;
            inputs(find(rs, "ZoneSetting", "ssl")).value = UNKNOWN;
            inputs(find(rs, "ZoneSetting", "security_header")).value = UNKNOWN;
            const route = find(rs, "HTTPRoute", "api.");
            inputs(route).spec.rules[0].filters[0].responseHeaderModifier.set[0].value = UNKNOWN;
            inputs(find(rs, "Gateway", "gateway")).spec.listeners[1] = UNKNOWN;
            const vs = await violations("production", rs);
            const advisory = (policy: string, what: RegExp) => assert.ok(of(vs, policy, "advisory").some((v) => what.test(v.message)), `${policy}: ${what}\n${vs.filter((v) => v.policy === policy).map((v) => v.message).join("\n")}`);
            advisory("k8s-production-replicas", /minReplicas\) of 'app-web-hpa'/);
            advisory("k8s-workload-resources", /resources\.limits\.memory of container 'worker'/);
            advisory("cloudflare-zone-tls", /'ssl' setting/);
            advisory("cloudflare-hsts", /'security_header' value/);
            advisory("gateway-security-headers", /strict-transport-security/);
            advisory("gateway-http-redirect-only", /the listeners of Gateway/);
            advisory("tls-certificates-renewed", /listener 1 of Gateway 'public'/);
            assert.deepStrictEqual(vs.filter((v) => v.enforcementLevel === "mandatory"), []);
        });
    });
});
