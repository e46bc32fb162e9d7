import * as assert from "assert";
import { MongoDB } from "../../components/database/mongodb";
import * as labels from "../../components/k8s/labels";
import { k8sRestrictedSecurity, k8sDataVolumesRetained, k8sNoPublicDataService } from "../../policies/rules/kubernetes";
import { DATA_TIER, TIER_LABEL } from "../../policies/rules/vocabulary";
import { PlanResource } from "../../plan/model";
import { mockRun } from "../helpers/harness";
import { check, resource } from "../helpers/policy";
import { K8S_STATEFUL_SET as STS, K8S_SERVICE as SERVICE, K8S_JOB as JOB, K8S_CRON_JOB as CRONJOB } from "../helpers/types";


const dataLabels = { "app.kubernetes.io/name": "mongodb", [TIER_LABEL]: DATA_TIER };
const restrictedContainer = (name: string) => ({
    name,
    image: "mongo:7.0.14",
    // runAsNonRoot comes from the pod, as in the component.
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    volumeMounts: [{ name: "data", mountPath: "/data/db" }],
});
const podTemplate = (podLabels: Record<string, string>, spec: Record<string, unknown> = {}) => ({
    metadata: { labels: podLabels },
    spec: { securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: "RuntimeDefault" } }, containers: [restrictedContainer("mongod")], ...spec },
});
const claim = { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } } };

function statefulSet(name: string, spec: Record<string, unknown> = {}, podLabels: Record<string, string> = dataLabels, namespace = "runbook"): PlanResource {
    return resource(STS, name, {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name, namespace, labels: podLabels },
        spec: {
            replicas: 3,
            serviceName: `${name}-headless`,
            selector: { matchLabels: { "app.kubernetes.io/name": podLabels["app.kubernetes.io/name"] } },
            template: podTemplate(podLabels),
            volumeClaimTemplates: [claim],
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            ...spec,
        },
    });
}

function service(name: string, spec: Record<string, unknown>, namespace = "runbook"): PlanResource {
    return resource(SERVICE, name, { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec });
}

async function componentPlan(stack: "staging" | "production"): Promise<PlanResource[]> {
    const isProduction = stack === "production";
    return mockRun(() => {
        new MongoDB("mongodb", {
            database: { engine: "mongodb", engineVersion: "7.0", backupRetentionDays: 7, protect: isProduction, replicaMultiAz: false },
            environment: { stack, isProduction },
            namespace: "runbook",
        });
    }, stack);
}

describe("policy: k8s-data-volumes-retained (DB-6)", () => {
    it("DB-6 compliant: a data-tier StatefulSet that retains its claims passes", async () => {
        assert.deepStrictEqual(await check([k8sDataVolumesRetained], [statefulSet("mongodb")]), []);
    });

    it("DB-6 compliant: an unset retention policy is Kubernetes' default, Retain", async () => {
        const sts = statefulSet("mongodb");
        delete (sts.inputs.spec as Record<string, unknown>).persistentVolumeClaimRetentionPolicy;
        assert.deepStrictEqual(await check([k8sDataVolumesRetained], [sts]), []);
    });

    it("DB-6 violating: whenDeleted Delete is a mandatory violation naming the StatefulSet and the fix", async () => {
        const sts = statefulSet("mongodb", { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" } });
        const vs = await check([k8sDataVolumesRetained], [sts]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, sts.urn);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory");
        assert.deepStrictEqual(vs[0].requirements, ["DB-6"]);
        assert.match(vs[0].message, /'mongodb' sets persistentVolumeClaimRetentionPolicy\.whenDeleted: "Delete".*Set whenDeleted: Retain/);
    });

    it("DB-6 violating: whenScaled Delete loses a removed member's data too", async () => {
        const vs = await check([k8sDataVolumesRetained], [statefulSet("mongodb", { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" } })]);
        assert.deepStrictEqual(
            vs.map((v) => /\.(when\w+):/.exec(v.message)?.[1]),
            ["whenDeleted", "whenScaled"],
        );
    });

    it("DB-6 violating: a data-tier StatefulSet with no volume keeps its data on the node", async () => {
        const vs = await check([k8sDataVolumesRetained], [statefulSet("redis", { volumeClaimTemplates: [] })]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /'redis' container 'mongod' keeps its mongodb data in \/data\/db on an undeclared volume 'data'/);
        const withClaim = statefulSet("redis", { volumeClaimTemplates: [], template: podTemplate(dataLabels, { volumes: [{ name: "data", persistentVolumeClaim: { claimName: "redis-data" } }] }) });
        assert.deepStrictEqual(await check([k8sDataVolumesRetained], [withClaim]), [], "a mounted claim is persistent");
    });

    it("DB-6: does not apply to application StatefulSets", async () => {
        const appLabels = { "app.kubernetes.io/name": "w", [TIER_LABEL]: "app" };
        const app = statefulSet(
            "cache-warmer",
            { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" }, template: podTemplate(appLabels, { containers: [{ ...restrictedContainer("warmer"), image: "ghcr.io/acme/cache-warmer:1.4.0" }] }) },
            appLabels,
        );
        assert.deepStrictEqual(await check([k8sDataVolumesRetained], [app]), []);
    });
});

describe("policy: k8s-no-public-data-service (DB-2)", () => {
    const mongo = statefulSet("mongodb");

    it("DB-2 compliant: ClusterIP services for the data tier, and a LoadBalancer for the app tier, pass", async () => {
        const resources = [
            mongo,
            service("mongodb", { type: "ClusterIP", selector: { "app.kubernetes.io/name": "mongodb" }, ports: [{ port: 27017 }] }),
            service("mongodb-headless", { clusterIP: "None", selector: dataLabels, ports: [{ port: 27017 }] }),
            service("web", { type: "LoadBalancer", selector: { "app.kubernetes.io/name": "web", [TIER_LABEL]: "app" }, ports: [{ port: 443, targetPort: 3000 }] }),
        ];
        assert.deepStrictEqual(await check([k8sNoPublicDataService], resources), []);
    });

    it("DB-2 violating: a LoadBalancer selecting runbook.dev/tier: data is named in a mandatory violation", async () => {
        const lb = service("mongodb-public", { type: "LoadBalancer", selector: { [TIER_LABEL]: DATA_TIER }, ports: [{ port: 443 }] });
        const vs = await check([k8sNoPublicDataService], [lb]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, lb.urn);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory");
        assert.deepStrictEqual(vs[0].requirements, ["DB-2"]);
        assert.match(vs[0].message, /'mongodb-public' is reachable from outside the cluster \(type LoadBalancer\) and selects data-tier pods\. Use type ClusterIP/);
    });

    it("DB-2 violating: a NodePort exposing a database port, whatever it selects", async () => {
        const vs = await check([k8sNoPublicDataService], [service("pg", { type: "NodePort", selector: { app: "pgbouncer" }, ports: [{ port: 6432, targetPort: 5432 }] })]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /type NodePort\) and exposes database port 5432/);
    });

    it("DB-2 violating: a LoadBalancer that reaches data-tier pods through other labels, on another port", async () => {
        const lb = service("sneaky", { type: "LoadBalancer", selector: { "app.kubernetes.io/name": "mongodb" }, ports: [{ port: 8443, targetPort: 27018 }] });
        const vs = await check([k8sNoPublicDataService], [mongo, lb]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /selects data-tier pods/);
        // The same selector in another namespace selects other pods.
        const elsewhere = service("sneaky", { type: "LoadBalancer", selector: { "app.kubernetes.io/name": "mongodb" }, ports: [{ port: 8443 }] }, "tools");
        assert.deepStrictEqual(await check([k8sNoPublicDataService], [mongo, elsewhere]), []);
    });

    it("DB-2 violating: externalIPs expose even a ClusterIP service", async () => {
        const vs = await check([k8sNoPublicDataService], [service("redis", { selector: { app: "redis" }, externalIPs: ["203.0.113.7"], ports: [{ port: 6379 }] })]);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /\(externalIPs\) and exposes database port 6379/);
    });

    it("DB-2: the database ports come from policy config", async () => {
        const lb = service("search", { type: "LoadBalancer", selector: { app: "search" }, ports: [{ port: 9200 }] });
        assert.deepStrictEqual(await check([k8sNoPublicDataService], [lb]), []);
        const vs = await check([k8sNoPublicDataService], [lb], { "k8s-no-public-data-service": { dataPorts: [9200] } });
        assert.strictEqual(vs.length, 1);
    });
});

describe("policy: k8s-restricted-security (SC-5)", () => {
    it("SC-5 compliant: a data-tier StatefulSet whose containers are all restricted passes", async () => {
        const sts = statefulSet("mongodb", { template: podTemplate(dataLabels, { initContainers: [restrictedContainer("install-keyfile")] }) });
        assert.deepStrictEqual(await check([k8sRestrictedSecurity], [sts]), []);
    });

    it("SC-5 violating: each container that can escalate or keeps capabilities is named with what to set", async () => {
        const loose = { name: "sidecar", image: "busybox:1.36", securityContext: { runAsNonRoot: true } };
        const sts = statefulSet("mongodb", { template: podTemplate(dataLabels, { containers: [restrictedContainer("mongod"), loose] }) });
        const vs = await check([k8sRestrictedSecurity], [sts]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].urn, sts.urn);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory");
        assert.deepStrictEqual(vs[0].requirements, ["SC-5"]);
        assert.match(vs[0].message, /StatefulSet 'mongodb' container 'sidecar': allowPrivilegeEscalation is not false; capabilities\.drop does not include ALL\. The restricted Pod Security profile/);
    });

    it("SC-5 violating: root, by pod default or by an init container's override", async () => {
        const rootPod = statefulSet("a", { template: podTemplate(dataLabels, { securityContext: {} }) });
        const rootInit = statefulSet("b", {
            template: podTemplate(dataLabels, { initContainers: [{ ...restrictedContainer("chown"), securityContext: { ...restrictedContainer("x").securityContext, runAsUser: 0 } }] }),
        });
        const [a, b] = [await check([k8sRestrictedSecurity], [rootPod]), await check([k8sRestrictedSecurity], [rootInit])];
        assert.match(a[0].message, /container 'mongod': runAsNonRoot is not true/);
        assert.match(b[0].message, /init container 'chown': runAsUser is 0 \(root\)/);
    });

    it("SC-5 violating: data-tier Jobs and CronJobs are checked too", async () => {
        const privileged = { name: "dump", image: "mongo:7.0.14", securityContext: { ...restrictedContainer("x").securityContext, privileged: true } };
        const job = resource(JOB, "restore", { metadata: { labels: dataLabels }, spec: { template: podTemplate(dataLabels, { containers: [privileged] }) } });
        const cron = resource(CRONJOB, "dump", { metadata: {}, spec: { jobTemplate: { spec: { template: podTemplate(dataLabels, { containers: [privileged] }) } } } });
        const vs = await check([k8sRestrictedSecurity], [job, cron]);
        assert.deepStrictEqual(
            vs.map((v) => v.urn),
            [job.urn, cron.urn],
        );
        assert.ok(vs.every((v) => /privileged is true/.test(v.message)));
    });

    it("SC-5 violating: the application tier is held to the same profile", async () => {
        const appLabels = { "app.kubernetes.io/name": "api", [TIER_LABEL]: "app" };
        const app = statefulSet("api", { template: podTemplate(appLabels, { securityContext: {}, containers: [{ name: "api", image: "x:1" }] }) }, appLabels);
        const vs = await check([k8sRestrictedSecurity], [app]);
        assert.match(vs[0].message, /container 'api': runAsNonRoot is not true.*no seccompProfile/);
    });
});

describe("policy: Kubernetes data tier against the MongoDB component (DB-2, DB-6, SC-5)", () => {
    it("the policy pack and the components agree on the tier label", () => {
        assert.strictEqual(TIER_LABEL, labels.TIER_LABEL);
        assert.strictEqual(DATA_TIER, labels.DATA_TIER);
    });

    for (const stack of ["staging", "production"] as const) {
        it(`DB-2, DB-6, SC-5: the MongoDB component's ${stack} plan passes all three policies`, async () => {
            const resources = await componentPlan(stack);
            assert.ok(resources.some((r) => r.type === STS) && resources.some((r) => r.type === JOB));
            assert.deepStrictEqual(await check([k8sDataVolumesRetained, k8sNoPublicDataService, k8sRestrictedSecurity], resources), []);
        });
    }

    it("DB-2: the same plan with its client Service switched to LoadBalancer is caught", async () => {
        const resources = (await componentPlan("production")).map((r) =>
            r.type === SERVICE && r.name === "mongodb-service" ? { ...r, inputs: { ...r.inputs, spec: { ...(r.inputs.spec as object), type: "LoadBalancer" } } } : r,
        );
        const vs = await check([k8sNoPublicDataService], resources);
        assert.strictEqual(vs.length, 1);
        assert.match(vs[0].message, /'mongodb-service'.*selects data-tier pods and exposes database port 27017/);
    });
});
