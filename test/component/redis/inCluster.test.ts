import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { InCluster, InClusterArgs } from "../../../components/redis/inCluster";
import { RedisConfig, configChecksum } from "../../../components/redis/redisSettings";
import { memoryMiB } from "../../../lib/quantities";
import { PlanResource } from "../../../plan/model";
import { mockRun, ofType, one, staging, production } from "../../helpers/harness";
import { kubernetesObjects, kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { K8S_STATEFUL_SET as STATEFULSET, K8S_SECRET as SECRET, K8S_CONFIG_MAP as CONFIGMAP, K8S_SERVICE as SERVICE, K8S_NETWORK_POLICY as NETPOL, RANDOM_RANDOM_PASSWORD as PASSWORD, K8S_PVC_PATCH as PVC_PATCH } from "../../helpers/types";
import { CHECKSUM_ANNOTATION, contentHash, hashedName } from "../../../components/k8s/contentHash";
import { VOLUME_SIZE_PATH } from "../../../components/k8s/volumeGrowth";


const redis = (extra: Partial<RedisConfig> = {}): RedisConfig => ({ mode: "in-cluster", snapshotRetentionDays: 7, maxmemoryPolicy: "noeviction", ...extra });
const args = (environment = staging, extra: Partial<InClusterArgs> = {}): InClusterArgs => ({ redis: redis(), environment, namespace: "runbook-staging", ...extra });

async function plan(a: InClusterArgs): Promise<{ resources: PlanResource[]; component: InCluster }> {
    let component!: InCluster;
    const resources = await mockRun(() => {
        component = new InCluster("redis", a);
    }, a.environment.stack);
    return { resources, component };
}

type Obj = Record<string, any>;
const spec = (r: PlanResource) => r.inputs.spec as Obj;
const podSpec = (r: PlanResource) => spec(r).template.spec as Obj;
const container = (r: PlanResource) => podSpec(r).containers[0] as Obj;
const envVar = (c: Obj, name: string) => (c.env as Obj[]).find((e) => e.name === name);

describe("component: redis InCluster (RD-1, RD-2, RD-3, DB-2, SC-5, DB-6)", () => {
    it("RD-1: runs one pinned redis 8.0 replica (the release of the drill's redis-server) on a volume of the configured size that outlives the StatefulSet", async () => {
        const { resources } = await plan(args(staging, { redis: redis({ storageGb: 5 }), storageClass: "gp3" }));
        const sts = one(resources, STATEFULSET);
        assert.strictEqual(spec(sts).replicas, 1);
        assert.match(container(sts).image, /^redis:8\.0\.\d+$/);
        const [claim] = spec(sts).volumeClaimTemplates as Obj[];
        assert.strictEqual(claim.spec.resources.requests.storage, "5Gi");
        assert.strictEqual(claim.spec.storageClassName, "gp3");
        assert.deepStrictEqual(spec(sts).persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.ok((container(sts).volumeMounts as Obj[]).some((m) => m.name === claim.metadata.name && m.mountPath === "/data"));
    });

    it("defaults the volume to 10 GB", async () => {
        const { resources } = await plan(args(staging));
        assert.strictEqual(spec(one(resources, STATEFULSET)).volumeClaimTemplates[0].spec.resources.requests.storage, "10Gi");
    });

    it("RD-2: redis.conf persists to an AOF on /data and never evicts, with maxmemory below the memory limit", async () => {
        const { resources } = await plan(args(production));
        const conf = (one(resources, CONFIGMAP).inputs.data as Obj)["redis.conf"] as string;
        const lines = conf.split("\n");
        for (const line of ["appendonly yes", "appendfsync everysec", "maxmemory-policy noeviction", "dir /data"]) assert.ok(lines.includes(line), line);
        const maxmemory = Number(/^maxmemory (\d+)$/m.exec(conf)![1]);
        const limitBytes = memoryMiB(container(one(resources, STATEFULSET)).resources.limits.memory) * 1024 * 1024;
        assert.ok(maxmemory > 0 && maxmemory < limitBytes, `${maxmemory} < ${limitBytes}`);
        // The pod rolls when the config changes.
        assert.strictEqual(spec(one(resources, STATEFULSET)).template.metadata.annotations["runbook.dev/config-sha256"], configChecksum(conf));
    });

    it("RD-3: the server and its probes get a generated password from the Secret; no password is in the ConfigMap or the pod spec", async () => {
        const { resources } = await plan(args(staging));
        const secret = one(resources, SECRET);
        assert.strictEqual(secret.inputs.stringData, "[secret]");
        assert.deepStrictEqual(secret.propertyDependencies.stringData, [one(resources, PASSWORD).urn]);
        assert.strictEqual(one(resources, PASSWORD).inputs.special, false);
        const c = container(one(resources, STATEFULSET));
        const secretName = (secret.inputs.metadata as Obj).name;
        const passwordEnv = envVar(c, "REDIS_PASSWORD");
        assert.deepStrictEqual(passwordEnv?.valueFrom, { secretKeyRef: { name: secretName, key: "password" } });
        assert.deepStrictEqual(envVar(c, "REDISCLI_AUTH")?.valueFrom, passwordEnv?.valueFrom);
        const argv = [...c.command, ...c.args].join(" ");
        assert.match(argv, /--requirepass \$\(REDIS_PASSWORD\)/);
        assert.doesNotMatch((one(resources, CONFIGMAP).inputs.data as Obj)["redis.conf"], /requirepass/);
        for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
            assert.deepStrictEqual(probe.exec.command.slice(0, 2), ["redis-cli", "-e"], "redis-cli -e fails the probe on NOAUTH");
            assert.ok(probe.exec.command.includes("ping"));
        }
    });

    it("WL-4, SC-5: sets requests and limits and runs restricted as uid 999 with only /data and /tmp writable", async () => {
        const { resources } = await plan(args(staging));
        const sts = one(resources, STATEFULSET);
        const c = container(sts);
        for (const kind of ["requests", "limits"]) assert.ok(c.resources[kind].cpu && c.resources[kind].memory, kind);
        assert.strictEqual(c.resources.requests.memory, c.resources.limits.memory, "memory is guaranteed, so Redis is not evicted first");
        const pod = podSpec(sts).securityContext;
        assert.deepStrictEqual([pod.runAsNonRoot, pod.runAsUser, pod.fsGroup, pod.seccompProfile.type], [true, 999, 999, "RuntimeDefault"]);
        const sc = c.securityContext;
        assert.deepStrictEqual([sc.allowPrivilegeEscalation, sc.readOnlyRootFilesystem, sc.runAsNonRoot, sc.capabilities.drop], [false, true, true, ["ALL"]]);
        const writable = (c.volumeMounts as Obj[]).filter((m) => !m.readOnly).map((m) => m.mountPath).sort();
        assert.deepStrictEqual(writable, ["/data", "/tmp"]);
        assert.strictEqual(podSpec(sts).automountServiceAccountToken, false);
    });

    it("RD-2: a pinned redis_exporter sidecar reads the server over the pod's loopback with the server's own password, restricted and sized", async () => {
        const { resources, component } = await plan(args(production));
        const sts = one(resources, STATEFULSET);
        const exporter = (podSpec(sts).containers as Obj[]).find((c) => c.name === "redis-exporter")!;
        assert.ok(exporter, "a redis-exporter container beside redis");
        assert.match(exporter.image, /^oliver006\/redis_exporter:v1\.\d+\.\d+$/);
        assert.strictEqual(envVar(exporter, "REDIS_ADDR")!.value, "redis://127.0.0.1:6379");
        assert.deepStrictEqual(envVar(exporter, "REDIS_PASSWORD")!.valueFrom, envVar(container(sts), "REDIS_PASSWORD")!.valueFrom, "the same Secret key as the server");
        assert.deepStrictEqual(exporter.ports, [{ name: "metrics", containerPort: 9121, protocol: "TCP" }]);
        const sc = exporter.securityContext as Obj;
        assert.deepStrictEqual([sc.runAsNonRoot, sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation, sc.capabilities, sc.seccompProfile], [true, true, false, { drop: ["ALL"] }, { type: "RuntimeDefault" }]);
        assert.ok(exporter.resources.requests.cpu && exporter.resources.limits.memory && exporter.livenessProbe && exporter.readinessProbe);
        assert.deepStrictEqual(component.metricsPodSelector, spec(sts).selector.matchLabels);
    });

    it("DB-2: is reachable through a ClusterIP Service only, and only from app and backup pods on 6379", async () => {
        const { resources } = await plan(args(staging));
        const service = one(resources, SERVICE);
        assert.strictEqual(spec(service).type, "ClusterIP");
        for (const svc of ofType(resources, SERVICE)) assert.ok(!["LoadBalancer", "NodePort"].includes(spec(svc).type));
        const podLabels = spec(one(resources, STATEFULSET)).template.metadata.labels as Record<string, string>;
        const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v);
        assert.ok(selects(spec(service).selector), "the Service selects the Redis pod");
        assert.ok(podLabels["runbook.dev/tier"] === "data");

        const policy = one(resources, NETPOL);
        assert.ok(selects(spec(policy).podSelector.matchLabels), "the NetworkPolicy covers the Redis pod");
        assert.deepStrictEqual(spec(policy).policyTypes, ["Ingress"]);
        assert.deepStrictEqual(spec(policy).ingress, [
            {
                from: [{ podSelector: { matchLabels: { "runbook.dev/tier": "app" } } }, { podSelector: { matchLabels: { "runbook.dev/role": "backup" } } }],
                ports: [{ protocol: "TCP", port: 6379 }],
            },
        ]);
    });

    it("DB-6: production protects and retains the StatefulSet and protects the generated password; the Secret derived from it stays replaceable", async () => {
        const { resources } = await plan(args(production, { namespace: "runbook" }));
        const protectedTypes = resources.filter((r) => r.protect).map((r) => r.type).sort();
        assert.deepStrictEqual(protectedTypes, [STATEFULSET, PASSWORD].sort());
        assert.ok(one(resources, STATEFULSET).retainOnDelete);
        const secret = one(resources, SECRET);
        assert.deepStrictEqual([secret.protect, secret.deleteBeforeReplace], [false, false], "a protected Secret could not be replaced by a rotation; deleting it first would leave the pod without it");
    });

    it("RD-3: the Secret and the ConfigMap are named by their content, referenced by the pod, and summed up in a checksum annotation, so a rotated password or new config rolls the pod", async () => {
        const { resources } = await plan(args(production, { namespace: "runbook" }));
        const sts = one(resources, STATEFULSET);
        const secret = one(resources, SECRET);
        const configMap = one(resources, CONFIGMAP);
        const conf = (configMap.inputs.data as Obj)["redis.conf"] as string;
        assert.strictEqual((configMap.inputs.metadata as Obj).name, hashedName("redis-config", contentHash({ "redis.conf": conf })));
        assert.strictEqual(configMap.inputs.immutable, true);
        assert.strictEqual((secret.inputs.metadata as Obj).name, "[unknown]", "named by the hash of the generated password, known once it exists");
        assert.ok(sts.propertyDependencies.spec.includes(secret.urn) && sts.propertyDependencies.spec.includes(configMap.urn));
        assert.strictEqual((podSpec(sts).volumes as Obj[]).find((v) => v.name === "config")!.configMap.name, (configMap.inputs.metadata as Obj).name);
        assert.ok(CHECKSUM_ANNOTATION in spec(sts).template.metadata.annotations);
    });

    it("RD-3: REDIS_URL waits for the server: it changes only after the StatefulSet has rolled onto a rotated password", async () => {
        let url: pulumi.Output<string> | undefined;
        const resources = await mockRun(() => {
            url = new InCluster("redis", args(staging)).connectionUrl;
            new (require("@pulumi/kubernetes").core.v1.ConfigMap)("consumer", { data: { url } });
        });
        assert.ok(url);
        const consumer = resources.find((r) => r.name === "consumer")!;
        assert.ok(consumer.dependencies.includes(one(resources, STATEFULSET).urn), "whatever reads REDIS_URL is updated after the StatefulSet");
    });

    it("DB-6: a bigger volume never replaces the StatefulSet: the template's size is ignored and the claim is patched", async () => {
        const { resources } = await plan(args(production, { namespace: "runbook", redis: redis({ storageGb: 40 }) }));
        const sts = one(resources, STATEFULSET);
        assert.deepStrictEqual(sts.ignoreChanges, [VOLUME_SIZE_PATH]);
        const patch = one(resources, PVC_PATCH);
        assert.deepStrictEqual([(patch.inputs.metadata as Obj).name, (patch.inputs.spec as Obj).resources.requests.storage], ["data-redis-0", "40Gi"]);
        assert.strictEqual((patch.inputs.metadata as Obj).annotations["pulumi.com/patchForce"], "true");
        assert.ok(patch.dependencies.includes(sts.urn));
    });

    it("DB-6: staging protects nothing, so the stack can be torn down", async () => {
        const { resources } = await plan(args(staging));
        assert.deepStrictEqual(resources.filter((r) => r.protect || r.retainOnDelete), []);
    });

    it("RD-3: REDIS_URL is a secret output", async () => {
        const { component } = await plan(args(staging));
        assert.strictEqual(await pulumi.isSecret(component.connectionUrl), true);
        assert.strictEqual(component.serviceName, "redis");
    });

    it("refuses a name that cannot be a Service's DNS name, and an unpinnable version, before creating anything", async () => {
        await assert.rejects(
            mockRun(() => {
                new InCluster("Redis_Cache", { ...args(staging), redis: redis({ engineVersion: "7.4" }) });
            }),
            (e: Error) => /name: Redis_Cache is not a lowercase DNS label/.test(e.message) && /redis\.engineVersion: 7\.4/.test(e.message),
        );
    });
});

describe("schema: redis InCluster Kubernetes objects", () => {
    for (const environment of [staging, production]) {
        it(`every object is valid against the Kubernetes OpenAPI schema (${environment.stack})`, async () => {
            const { resources } = await plan(args(environment, { storageClass: "standard" }));
            assert.strictEqual(kubernetesObjects(resources).length, 6, "Secret, ConfigMap, StatefulSet, claim patch, Service, NetworkPolicy");
            assert.deepStrictEqual(await kubernetesSchemaErrors(resources), []);
        });
    }
});
