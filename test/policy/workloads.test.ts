import * as assert from "assert";
import { App } from "../../components/app/app";
import * as labels from "../../components/k8s/labels";
import { NetworkPolicies } from "../../components/k8s/networkPolicies";
import { DNS_EGRESS_DEFAULTS } from "../../config/resolve";
import { PlanResource, UNKNOWN, Violation } from "../../plan/model";
import { stackOf } from "../../policies/rules/meta";
import { APP_TIER, DATA_TIER, TIER_LABEL } from "../../policies/rules/vocabulary";
import {
    k8sEnvNoLiteralSecret,
    k8sImagePinned,
    k8sNamespaceNetworkPolicy,
    k8sNoExposedAppService,
    k8sProductionReplicas,
    k8sWorkloadProbes,
    k8sWorkloadResources,
    k8sReadOnlyRootFilesystem,
    looksSecretName,
    unpinnedReason,
} from "../../policies/rules/workloads";
import { k8sRestrictedSecurity } from "../../policies/rules/kubernetes";
import { resolvedApp } from "../helpers/apps";
import { mockRun, production, staging } from "../helpers/harness";
import { check } from "../helpers/policy";
import { K8S_DEPLOYMENT, K8S_JOB, K8S_NETWORK_POLICY, K8S_POD_DISRUPTION_BUDGET, K8S_SERVICE } from "../helpers/types";

const ALL = [
    k8sWorkloadProbes,
    k8sWorkloadResources,
    k8sReadOnlyRootFilesystem,
    k8sRestrictedSecurity,
    k8sImagePinned,
    k8sEnvNoLiteralSecret,
    k8sProductionReplicas,
    k8sNamespaceNetworkPolicy,
    k8sNoExposedAppService,
];

/** What the program plans for an API with a migration, a web app and a worker, with the namespace's policies. */
async function appsPlan(env = production): Promise<PlanResource[]> {
    return mockRun(() => {
        const apps = [
            resolvedApp({ name: "api", role: "api", secretRefs: ["DATABASE_URL"], migrate: { command: ["npx", "prisma", "migrate", "deploy"] } }, env),
            resolvedApp({ name: "web", role: "web" }, env),
            resolvedApp({ name: "worker", role: "worker" }, env),
        ];
        for (const app of apps) new App(`app-${app.name}`, { app, environment: env, namespace: "runbook", secretName: "runbook-env", migrationSecretName: "runbook-migrate" });
        new NetworkPolicies("network-policies", { namespace: "runbook", appPorts: [3000, 3001], awsData: { cidrs: [], ports: [] }, dns: DNS_EGRESS_DEFAULTS });
    }, env.stack);
}

const clone = (rs: PlanResource[]) => JSON.parse(JSON.stringify(rs)) as PlanResource[];
const find = (rs: PlanResource[], type: string, name: string) => {
    const r = rs.find((x) => x.type === type && x.name === name);
    assert.ok(r, `no ${type} ${name}`);
    return r;
};
const deployment = (rs: PlanResource[], app: string) => find(rs, K8S_DEPLOYMENT, `app-${app}-deployment`);
const container = (r: PlanResource) => (r.inputs as any).spec.template.spec.containers[0];
const only = (vs: Violation[], policy: string) => vs.filter((v) => v.policy === policy);

function assertOneViolation(vs: Violation[], policy: string, urn: string, message: RegExp): void {
    assert.deepStrictEqual(
        vs.map((v) => v.policy),
        [policy],
        vs.map((v) => v.message).join("\n"),
    );
    assert.strictEqual(vs[0].urn, urn);
    assert.match(vs[0].message, message);
}

describe("policy: workloads (WL-1…4, SC-1, SC-5, ED-5)", function () {
    this.timeout(30000);
    let prod: PlanResource[];
    let stag: PlanResource[];
    before(async () => {
        prod = await appsPlan(production);
        stag = await appsPlan(staging);
    });

    it("the pack's labels and stack parsing agree with the program", () => {
        assert.deepStrictEqual([TIER_LABEL, APP_TIER, DATA_TIER], [labels.TIER_LABEL, labels.APP_TIER, labels.DATA_TIER]);
        assert.strictEqual(stackOf(prod[0].urn), "production");
        assert.strictEqual(stackOf("not-a-urn"), undefined);
    });

    it("every workload policy passes what the App and NetworkPolicies components plan, in both environments", async () => {
        assert.deepStrictEqual(await check(ALL, prod), []);
        assert.deepStrictEqual(await check(ALL, stag), []);
    });

    it("k8s-workload-probes WL-2 violating: a Deployment container without a readiness probe", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "web");
        delete container(d).readinessProbe;
        assertOneViolation(await check([k8sWorkloadProbes], rs), "k8s-workload-probes", d.urn, /container 'web' has no readinessProbe/);
    });

    it("k8s-workload-probes WL-2 violating: a probe on a Job (a liveness probe can kill a migration)", async () => {
        const rs = clone(prod);
        const job = rs.find((r) => r.type === K8S_JOB)!;
        container(job).livenessProbe = { httpGet: { path: "/", port: 80 } };
        assertOneViolation(await check([k8sWorkloadProbes], rs), "k8s-workload-probes", job.urn, /has livenessProbe: a Job runs to completion/);
    });

    it("k8s-workload-resources WL-4 violating: a container without a memory limit", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "worker");
        delete container(d).resources.limits.memory;
        assertOneViolation(await check([k8sWorkloadResources], rs), "k8s-workload-resources", d.urn, /sets no resources\.limits\.memory/);
    });

    it("k8s-read-only-root-filesystem SC-5 violating: a writable root filesystem on an app, or on an init container", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "api");
        container(d).securityContext.readOnlyRootFilesystem = false;
        assertOneViolation(await check([k8sReadOnlyRootFilesystem], rs), "k8s-read-only-root-filesystem", d.urn, /container 'api': readOnlyRootFilesystem is not true/);
        const again = clone(prod);
        const w = deployment(again, "worker");
        const pod = (w.inputs as any).spec.template.spec;
        pod.initContainers = [{ ...container(w), name: "warm-cache", securityContext: { ...container(w).securityContext } }];
        delete pod.initContainers[0].securityContext.readOnlyRootFilesystem;
        assertOneViolation(await check([k8sReadOnlyRootFilesystem], again), "k8s-read-only-root-filesystem", w.urn, /init container 'warm-cache': readOnlyRootFilesystem is not true/);
    });

    it("k8s-restricted-security SC-5 violating: a root migration Job is reported once, by the restricted-profile policy alone", async () => {
        const rs = clone(prod);
        const job = rs.find((r) => r.type === K8S_JOB)!;
        (job.inputs as any).spec.template.spec.securityContext.runAsNonRoot = false;
        delete container(job).securityContext.runAsNonRoot;
        container(job).securityContext.runAsUser = 0;
        const vs = await check(ALL, rs);
        assertOneViolation(vs, "k8s-restricted-security", job.urn, /runAsNonRoot is not true; runAsUser is 0/);
        assert.deepStrictEqual(vs.filter((v) => v.urn === job.urn).map((v) => v.policy), ["k8s-restricted-security"]);
    });

    it("k8s-restricted-security SC-5 violating: privileged containers, host namespaces, hostPath and hostPort on an app, each reported once", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "worker");
        const pod = (d.inputs as any).spec.template.spec;
        pod.hostNetwork = true;
        pod.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
        container(d).securityContext.privileged = true;
        container(d).ports[0].hostPort = 8080;
        const vs = await check(ALL, rs);
        const mine = vs.filter((v) => v.urn === d.urn);
        assert.deepStrictEqual(mine.map((v) => v.policy), ["k8s-restricted-security", "k8s-restricted-security"], mine.map((v) => v.message).join("\n"));
        assert.match(mine[0].message, /pod: hostNetwork is true; volume 'docker' is a hostPath/);
        assert.match(mine[1].message, /container 'worker': privileged is true; hostPort 8080/);
    });

    it("k8s-image-pinned WL-3 violating: an image tagged latest, or untagged", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "api");
        container(d).image = "ghcr.io/acme/api:latest";
        assertOneViolation(await check([k8sImagePinned], rs), "k8s-image-pinned", d.urn, /image ghcr.io\/acme\/api:latest is tagged latest/);
        assert.strictEqual(unpinnedReason("registry:5000/app"), "has no tag, which means latest");
        assert.strictEqual(unpinnedReason("registry:5000/app:1.2"), undefined);
    });

    it("k8s-env-no-literal-secret SC-1 violating: a literal value under a secret-looking env name; a secretKeyRef is not", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "api");
        container(d).env.push({ name: "ADMIN_PASSWORD", value: "hunter2" });
        assertOneViolation(await check([k8sEnvNoLiteralSecret], rs), "k8s-env-no-literal-secret", d.urn, /sets ADMIN_PASSWORD to a literal value/);
        assert.ok(looksSecretName("R2_SECRET_ACCESS_KEY") && looksSecretName("jwtSecret") && !looksSecretName("LOG_LEVEL") && !looksSecretName("MONKEY_COUNT"));
    });

    it("k8s-env-no-literal-secret SC-1 violating: a database URL with a password, or a secret written into the pod spec, under a name that looks harmless", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "web");
        container(d).env.push({ name: "DATABASE_URL", value: "postgres://app:hunter2@db:5432/app" });
        assertOneViolation(await check([k8sEnvNoLiteralSecret], rs), "k8s-env-no-literal-secret", d.urn, /sets DATABASE_URL to a literal credential/);
        const marked = clone(prod);
        const w = deployment(marked, "worker");
        container(w).env.push({ name: "REDIS_URL", value: "[secret]" });
        assertOneViolation(await check([k8sEnvNoLiteralSecret], marked), "k8s-env-no-literal-secret", w.urn, /sets REDIS_URL to a secret value written into the pod spec/);
        assert.ok(looksSecretName("REDISCLI_AUTH") && !looksSecretName("AUTH_URL") && !looksSecretName("NEXTAUTH_URL"));
    });

    it("k8s-env-no-literal-secret SC-1 violating: an env value only known after up is an advisory naming it, never a silent pass", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "api");
        container(d).env.push({ name: "CACHE_URL", value: UNKNOWN });
        const vs = await check([k8sEnvNoLiteralSecret], rs);
        assert.deepStrictEqual(vs.map((v) => [v.enforcementLevel, v.urn]), [["advisory", d.urn]]);
        assert.match(vs[0].message, /can't check env CACHE_URL of container 'api'/);
    });

    it("k8s-production-replicas WL-1 violating: in production, a web-facing app with 1 replica or without a PDB; a worker is not checked", async () => {
        const rs = clone(prod).filter((r) => !(r.type === K8S_POD_DISRUPTION_BUDGET && r.name === "app-web-pdb"));
        rs.splice(rs.findIndex((r) => r.name === "app-web-hpa"), 1);
        const web = deployment(rs, "web");
        (web.inputs as any).spec.replicas = 1;
        const worker = deployment(rs, "worker");
        (worker.inputs as any).spec.replicas = 1;
        const vs = await check([k8sProductionReplicas], rs);
        assert.deepStrictEqual(vs.map((v) => [v.urn, v.message.replace(/:.*/, "")]), [
            [web.urn, "Deployment 'app-web-deployment' takes traffic in production with replicas of 1"],
            [web.urn, "Deployment 'app-web-deployment' takes traffic in production without a PodDisruptionBudget"],
        ]);
    });

    it("k8s-production-replicas WL-1 violating: an autoscaler floor of 1 in production; the same plan in staging is not checked", async () => {
        const rs = clone(prod);
        (find(rs, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "app-api-hpa").inputs as any).spec.minReplicas = 1;
        assertOneViolation(await check([k8sProductionReplicas], rs), "k8s-production-replicas", deployment(rs, "api").urn, /autoscaler floor of 1/);
        const staged = clone(stag);
        for (const d of staged.filter((r) => r.type === K8S_DEPLOYMENT)) (d.inputs as any).spec.replicas = 1;
        assert.deepStrictEqual(only(await check([k8sProductionReplicas], staged), "k8s-production-replicas"), []);
    });

    it("k8s-namespace-network-policy SC-5 violating: a namespace of app workloads without a default-deny NetworkPolicy (reported once)", async () => {
        const rs = clone(prod);
        const deny = find(rs, K8S_NETWORK_POLICY, "network-policies-default-deny");
        (deny.inputs as any).spec.policyTypes = ["Ingress"];
        const vs = await check([k8sNamespaceNetworkPolicy], rs);
        assert.strictEqual(vs.length, 1, vs.map((v) => v.message).join("\n"));
        assert.match(vs[0].message, /Namespace 'runbook' runs app workloads .* but has no default-deny NetworkPolicy/);
        const withoutAny = clone(prod).filter((r) => r.type !== K8S_NETWORK_POLICY);
        assert.strictEqual((await check([k8sNamespaceNetworkPolicy], withoutAny)).length, 1);
    });

    it("k8s-no-exposed-app-service ED-5 violating: an app Service of type LoadBalancer or NodePort", async () => {
        const rs = clone(prod);
        const web = find(rs, K8S_SERVICE, "app-web-service");
        (web.inputs as any).spec.type = "LoadBalancer";
        const api = find(rs, K8S_SERVICE, "app-api-service");
        (api.inputs as any).spec.type = "NodePort";
        const vs = await check([k8sNoExposedAppService], rs);
        assert.deepStrictEqual(vs.map((v) => v.urn).sort(), [api.urn, web.urn].sort());
        assert.match(vs.find((v) => v.urn === web.urn)!.message, /exposes app pods as type LoadBalancer, bypassing the Gateway/);
    });
    it("k8s-restricted-security SC-5 violating: a preview-unknown setting is an advisory naming it, never a silent pass, and a known violation beside it still counts", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "api");
        container(d).securityContext.runAsNonRoot = UNKNOWN;
        container(d).securityContext.allowPrivilegeEscalation = true;
        const vs = await check([k8sRestrictedSecurity], rs);
        const advisory = vs.filter((v) => v.enforcementLevel === "advisory");
        assert.strictEqual(advisory.length, 1, vs.map((v) => v.message).join("\n"));
        assert.match(advisory[0].message, /can't check container 'api' runAsNonRoot during preview/);
        assert.strictEqual(advisory[0].urn, d.urn);
        const mandatory = vs.filter((v) => v.enforcementLevel === "mandatory");
        assert.strictEqual(mandatory.length, 1);
        assert.match(mandatory[0].message, /allowPrivilegeEscalation is not false/);
    });

    it("k8s-workload-probes WL-2 violating: an unknown pod template cannot pass silently", async () => {
        const rs = clone(prod);
        const d = deployment(rs, "web");
        (d.inputs as any).spec.template.spec = UNKNOWN;
        const vs = await check([k8sWorkloadProbes, k8sImagePinned], rs);
        assert.deepStrictEqual(vs.map((v) => [v.policy, v.enforcementLevel, v.urn]).sort(), [
            ["k8s-image-pinned", "advisory", d.urn],
            ["k8s-workload-probes", "advisory", d.urn],
        ]);
        assert.ok(vs.every((v) => /can't check the pod template during preview/.test(v.message)));
    });
});
