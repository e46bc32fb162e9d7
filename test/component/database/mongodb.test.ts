import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { INIT_JOB_DEADLINE_SECONDS, INIT_JOB_TIMEOUT, MongoDB, MongoDBArgs } from "../../../components/database/mongodb";
import { initJobName, timeoutSeconds } from "../../../components/database/mongodbInit";
import { CHECKSUM_ANNOTATION } from "../../../components/k8s/contentHash";
import { VOLUME_SIZE_PATH } from "../../../components/k8s/volumeGrowth";
import { APP_TIER, BACKUP_ROLE, ROLE_LABEL, TIER_LABEL } from "../../../components/k8s/labels";
import { PlanResource, SECRET } from "../../../plan/model";
import { mockRun, ofType, one, staging, production } from "../../helpers/harness";
import { kubernetesObjects, kubernetesSchemaErrors } from "../../helpers/k8sSchema";
import { K8S_STATEFUL_SET as STS, K8S_SERVICE as SERVICE, K8S_SECRET as SECRET_TYPE, K8S_POD_DISRUPTION_BUDGET as PDB, K8S_NETWORK_POLICY as NETPOL, K8S_JOB as JOB, K8S_CONFIG_MAP as CONFIGMAP, RANDOM_RANDOM_PASSWORD as PASSWORD, K8S_PVC_PATCH as PVC_PATCH } from "../../helpers/types";



function args(stack: "staging" | "production", overrides: Partial<MongoDBArgs> = {}, database: Partial<MongoDBArgs["database"]> = {}): MongoDBArgs {
    const environment = stack === "production" ? production : staging;
    return {
        database: { engine: "mongodb", engineVersion: "7.0", backupRetentionDays: environment.isProduction ? 30 : 7, protect: environment.isProduction, replicaMultiAz: false, ...database },
        environment,
        namespace: "runbook",
        ...overrides,
    };
}

async function plan(stack: "staging" | "production", overrides: Partial<MongoDBArgs> = {}, database: Partial<MongoDBArgs["database"]> = {}): Promise<PlanResource[]> {
    return mockRun(() => {
        new MongoDB("mongodb", args(stack, overrides, database));
    }, stack);
}

const podSpec = (r: PlanResource): any => (r.inputs as any).spec.template.spec;
const podLabels = (r: PlanResource): Record<string, string> => (r.inputs as any).spec.template.metadata.labels;
const mongod = (r: PlanResource): any => podSpec(r).containers.find((c: any) => c.name === "mongod");
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("component: database MongoDB (DB-1, DB-2, DB-3, DB-6, BK-1, SC-5)", () => {
    let stagingPlan: PlanResource[];
    let productionPlan: PlanResource[];
    before(async () => {
        stagingPlan = await plan("staging");
        productionPlan = await plan("production");
    });

    it("DB-1 / BK-1: staging runs a one-member replica set rs0, so the oplog exists for point-in-time backups", () => {
        const sts = one(stagingPlan, STS);
        assert.strictEqual((sts.inputs as any).spec.replicas, 1);
        const args: string[] = mongod(sts).args;
        assert.strictEqual(args[args.indexOf("--replSet") + 1], "rs0");
        assert.strictEqual(mongod(sts).image, "mongo:7.0.14");
        const job = one(stagingPlan, JOB);
        assert.strictEqual((job.inputs as any).metadata.annotations["runbook.dev/members"], "mongodb-0.mongodb-headless.runbook.svc.cluster.local:27017");
    });

    it("DB-1: production runs three members, one per zone and per node", () => {
        const sts = one(productionPlan, STS);
        const spec = podSpec(sts);
        assert.strictEqual((sts.inputs as any).spec.replicas, 3);
        assert.strictEqual((sts.inputs as any).spec.podManagementPolicy, "Parallel");
        const spread = spec.topologySpreadConstraints[0];
        assert.strictEqual(spread.topologyKey, "topology.kubernetes.io/zone");
        assert.strictEqual(spread.whenUnsatisfiable, "DoNotSchedule");
        assert.ok(matches(spread.labelSelector.matchLabels, podLabels(sts)));
        const anti = spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
        assert.strictEqual(anti.topologyKey, "kubernetes.io/hostname");
        assert.ok(matches(anti.labelSelector.matchLabels, podLabels(sts)));
        assert.strictEqual(podSpec(one(stagingPlan, STS)).topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
        assert.ok(spec.terminationGracePeriodSeconds >= 30, "a primary gets time to step down");
    });

    it("DB-1: production's budget lets one member be evicted at a time; single-member staging gets none", async () => {
        const pdb = one(productionPlan, PDB);
        assert.strictEqual((pdb.inputs as any).spec.maxUnavailable, 1);
        assert.ok(matches((pdb.inputs as any).spec.selector.matchLabels, podLabels(one(productionPlan, STS))));
        assert.deepStrictEqual(ofType(stagingPlan, PDB), []);
        assert.strictEqual(ofType(await plan("staging", {}, { members: 3 }), PDB).length, 1, "any multi-member set gets one");
    });

    it("DB-6: member volumes are retained when the StatefulSet is deleted or scaled down", () => {
        for (const resources of [stagingPlan, productionPlan]) {
            const spec = (one(resources, STS).inputs as any).spec;
            assert.deepStrictEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
            assert.strictEqual(spec.volumeClaimTemplates[0].spec.resources.requests.storage, "50Gi");
        }
    });

    it("DB-6: production protects and retains the StatefulSet and protects the generated keys; staging protects nothing", () => {
        const sts = one(productionPlan, STS);
        assert.deepStrictEqual([sts.protect, sts.retainOnDelete], [true, true]);
        assert.ok(ofType(productionPlan, PASSWORD).every((r) => r.protect), "the keyfile and passwords are the source of truth");
        for (const r of [one(stagingPlan, STS), ...ofType(stagingPlan, SECRET_TYPE), ...ofType(stagingPlan, PASSWORD)]) {
            assert.strictEqual(r.protect, false, `${r.name} can be torn down in staging`);
        }
    });

    it("SC-3, DB-6: the Secrets are named by their content and replaceable (never protected, never deleted first), so a rotation can update them", () => {
        const secrets = ofType(productionPlan, SECRET_TYPE);
        assert.strictEqual(secrets.length, 5, "keyfile, root, app, backup and monitor");
        for (const s of secrets) {
            assert.deepStrictEqual([s.protect, s.deleteBeforeReplace], [false, false], `${s.name}: a protected object cannot be replaced; deleting first would leave pods without it`);
            assert.strictEqual((s.inputs as any).metadata.name, "[unknown]", `${s.name}: named by the hash of generated content`);
        }
        const keyfile = one(productionPlan, SECRET_TYPE, "keyfile");
        const sts = one(productionPlan, STS);
        assert.ok(sts.propertyDependencies.spec.includes(keyfile.urn), "the members' template follows the keyfile Secret's name");
        assert.strictEqual(typeof (sts.inputs as any).spec.template.metadata.annotations[CHECKSUM_ANNOTATION], "string", "and carries its checksum, so members roll");
    });

    it("DB-6: a bigger volume never replaces the StatefulSet: the template's size is ignored and each member's claim is patched", async () => {
        const grown = await plan("production", {}, { storageGb: 200 });
        const sts = one(grown, STS);
        assert.deepStrictEqual(sts.ignoreChanges, [VOLUME_SIZE_PATH]);
        const patches = ofType(grown, PVC_PATCH);
        assert.deepStrictEqual(patches.map((p) => (p.inputs as any).metadata.name).sort(), ["data-mongodb-0", "data-mongodb-1", "data-mongodb-2"]);
        for (const p of patches) {
            assert.strictEqual((p.inputs as any).spec.resources.requests.storage, "200Gi");
            assert.strictEqual((p.inputs as any).metadata.namespace, "runbook");
            assert.ok(p.dependencies.includes(sts.urn), "patched after the StatefulSet, once the claim exists");
            assert.strictEqual(p.protect, false, "a patch owns one field; removing it never deletes the claim");
        }
    });

    it("DB-3: member volumes come from the configured StorageClass, which provides encryption at rest", async () => {
        const resources = await plan("production", { storageClass: "gp3-encrypted" }, { storageGb: 200 });
        const claim = (one(resources, STS).inputs as any).spec.volumeClaimTemplates[0];
        assert.strictEqual(claim.spec.storageClassName, "gp3-encrypted");
        assert.strictEqual(claim.spec.resources.requests.storage, "200Gi");
        assert.deepStrictEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
        assert.ok(!("storageClassName" in (one(stagingPlan, STS).inputs as any).spec.volumeClaimTemplates[0].spec), "the cluster default when unset");
    });

    it("DB-2: members are reachable through a headless service for their DNS names and a ClusterIP service, never from outside", () => {
        const sts = one(productionPlan, STS);
        const headless = one(productionPlan, SERVICE, "headless");
        const client = one(productionPlan, SERVICE, "service");
        assert.strictEqual((sts.inputs as any).spec.serviceName, (headless.inputs as any).metadata.name);
        assert.strictEqual((headless.inputs as any).spec.clusterIP, "None");
        assert.strictEqual((headless.inputs as any).spec.publishNotReadyAddresses, true);
        assert.strictEqual((client.inputs as any).spec.type, "ClusterIP");
        for (const service of [headless, client]) {
            assert.ok(matches((service.inputs as any).spec.selector, podLabels(sts)));
            assert.deepStrictEqual(
                (service.inputs as any).spec.ports.map((p: any) => p.port),
                [27017],
            );
        }
        assert.ok(ofType(productionPlan, SERVICE).every((s) => !["LoadBalancer", "NodePort"].includes((s.inputs as any).spec.type)));
    });

    it("DB-2 / SC-5: the NetworkPolicy admits only the app tier, backup jobs, the members and the init Job, on 27017", () => {
        const policy = (one(productionPlan, NETPOL, "network-policy").inputs as any).spec;
        const sts = one(productionPlan, STS);
        assert.ok(matches(policy.podSelector.matchLabels, podLabels(sts)), "applies to the members");
        assert.deepStrictEqual(policy.policyTypes, ["Ingress"]);
        assert.strictEqual(policy.ingress.length, 1);
        const rule = policy.ingress[0];
        assert.deepStrictEqual(rule.ports, [{ protocol: "TCP", port: 27017 }]);
        const selectors: Array<Record<string, string>> = rule.from.map((f: any) => f.podSelector.matchLabels);
        assert.ok(rule.from.every((f: any) => f.namespaceSelector === undefined && f.ipBlock === undefined), "same namespace, no CIDRs");
        const admitted = (labels: Record<string, string>) => selectors.some((s) => matches(s, labels));
        assert.ok(admitted({ [TIER_LABEL]: APP_TIER, "app.kubernetes.io/name": "api" }), "application pods");
        assert.ok(admitted({ [ROLE_LABEL]: BACKUP_ROLE }), "backup jobs");
        assert.ok(admitted(podLabels(sts)), "members replicate from each other");
        assert.ok(admitted(podLabels(one(productionPlan, JOB))), "the init Job");
        assert.ok(!admitted({ [TIER_LABEL]: "data", "app.kubernetes.io/name": "redis" }), "other data-tier pods are not admitted");
        assert.ok(!admitted({ "app.kubernetes.io/name": "debug" }), "unlabelled pods are not admitted");
    });

    it("SC-5: under the namespace's default deny, members reach each other and the init Job reaches the members, on 27017 only", () => {
        const egress = (one(productionPlan, NETPOL, "egress").inputs as any).spec;
        assert.deepStrictEqual(egress.policyTypes, ["Egress"]);
        const selects = (labels: Record<string, string>) =>
            matches(egress.podSelector.matchLabels, labels) &&
            egress.podSelector.matchExpressions.every((e: any) => e.operator === "In" && e.values.includes(labels[e.key]));
        const members = podLabels(one(productionPlan, STS));
        assert.ok(selects(members), "applies to the members");
        assert.ok(selects(podLabels(one(productionPlan, JOB))), "applies to the init Job");
        assert.ok(!selects({ [TIER_LABEL]: "data", "app.kubernetes.io/component": "cache" }), "not to Redis");
        assert.strictEqual(egress.egress.length, 1);
        assert.deepStrictEqual(egress.egress[0].ports, [{ protocol: "TCP", port: 27017 }]);
        assert.ok(matches(egress.egress[0].to[0].podSelector.matchLabels, members), "to the members");
    });

    it("WL-2 / WL-4: mongod has startup, readiness and liveness pings, and requests and limits", () => {
        const container = mongod(one(productionPlan, STS));
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            assert.ok(container[probe].exec.command.includes('db.adminCommand("ping")'), `${probe} pings`);
            assert.ok(container[probe].timeoutSeconds >= 5);
        }
        assert.deepStrictEqual(container.resources, { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } });
        const args: string[] = container.args;
        assert.strictEqual(args[args.indexOf("--wiredTigerCacheSizeGB") + 1], "1.5", "the cache fits the memory limit");
        const custom = mongod(one(stagingPlan, STS)).resources;
        assert.deepStrictEqual(custom.limits, { cpu: "1", memory: "1Gi" });
        for (const c of [...podSpec(one(productionPlan, STS)).initContainers, ...podSpec(one(productionPlan, JOB)).containers]) {
            assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory, `${c.name} has requests and limits`);
        }
    });

    it("SC-5: members and the init Job run as the mongodb user with the restricted security context", () => {
        for (const workload of [one(productionPlan, STS), one(productionPlan, JOB), one(stagingPlan, STS)]) {
            const spec = podSpec(workload);
            assert.deepStrictEqual(spec.securityContext, {
                runAsNonRoot: true,
                seccompProfile: { type: "RuntimeDefault" },
                runAsUser: 999,
                runAsGroup: 999,
                fsGroup: 999,
                fsGroupChangePolicy: "OnRootMismatch",
            });
            assert.strictEqual(spec.automountServiceAccountToken, false);
            for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false, c.name);
                assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true, c.name);
                assert.strictEqual(c.securityContext.runAsNonRoot, true, c.name);
                assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] }, c.name);
            }
            const tmp = spec.volumes.find((v: any) => v.name === "tmp");
            assert.ok(tmp.emptyDir, "a writable /tmp on the read-only root");
            // The exporter sidecar writes nothing; every MongoDB tool gets a writable /tmp.
            const mongoTools = spec.containers.filter((c: any) => c.name !== "mongodb-exporter");
            assert.ok(mongoTools.length > 0 && mongoTools.every((c: any) => c.volumeMounts.some((m: any) => m.name === "tmp" && m.mountPath === "/tmp")));
        }
    });

    it("SC-5: the keyfile Secret is mounted read-only with mode 0400, and mongod reads an in-memory copy it owns", () => {
        const sts = one(productionPlan, STS);
        const spec = podSpec(sts);
        const keyfileSecret = one(productionPlan, SECRET_TYPE, "keyfile");
        const secretVolume = spec.volumes.find((v: any) => v.secret);
        assert.strictEqual(secretVolume.secret.secretName, (keyfileSecret.inputs as any).metadata.name);
        assert.strictEqual(secretVolume.secret.defaultMode, 0o400);
        const install = spec.initContainers[0];
        assert.ok(install.volumeMounts.some((m: any) => m.name === secretVolume.name && m.readOnly === true));
        assert.deepStrictEqual(install.command.slice(0, 3), ["install", "-m", "0400"]);
        const copy = spec.volumes.find((v: any) => v.name === "keyfile");
        assert.strictEqual(copy.emptyDir.medium, "Memory", "the key never reaches a disk");
        const container = mongod(sts);
        const args: string[] = container.args;
        const keyFile = args[args.indexOf("--keyFile") + 1];
        const mount = container.volumeMounts.find((m: any) => keyFile.startsWith(`${m.mountPath}/`));
        assert.strictEqual(mount.name, "keyfile");
        assert.strictEqual(mount.readOnly, true);
        assert.ok(args.includes("--auth"));
        assert.ok(!container.volumeMounts.some((m: any) => m.name === secretVolume.name), "mongod never sees the group-readable Secret file");
    });

    it("SC-1 / SC-3: credentials are generated, secret in the plan, and reach the Job only by reference", async () => {
        for (const secret of ofType(productionPlan, SECRET_TYPE)) assert.strictEqual((secret.inputs as any).stringData, SECRET, secret.name);
        const keyfile = one(productionPlan, PASSWORD, "keyfile");
        assert.strictEqual(keyfile.inputs.length, 756);
        assert.strictEqual(keyfile.inputs.special, false, "base64-alphabet characters only, as mongod requires");
        assert.ok(ofType(productionPlan, PASSWORD).every((p) => (p.inputs.length as number) >= 32));
        const env: any[] = podSpec(one(productionPlan, JOB)).containers[0].env;
        const secretEnv = env.filter((e) => e.name !== "HOME");
        assert.deepStrictEqual(
            secretEnv.map((e) => e.name),
            ["MONGODB_KEYFILE", "MONGODB_ROOT_PASSWORD", "MONGODB_APP_PASSWORD", "MONGODB_BACKUP_PASSWORD", "MONGODB_MONITOR_PASSWORD"],
        );
        assert.ok(secretEnv.every((e) => e.value === undefined && e.valueFrom.secretKeyRef.name));
        const script = (one(productionPlan, CONFIGMAP).inputs as any).data["init.js"] as string;
        assert.ok(!script.includes(SECRET) && !/pwd:\s*"/.test(script), "the script reads passwords from the environment");

        let db!: MongoDB;
        await mockRun(() => {
            db = new MongoDB("mongodb", args("production"));
        }, "production");
        assert.strictEqual(await pulumi.isSecret(db.connectionUrl), true);
        assert.strictEqual(await pulumi.isSecret(db.backupConnectionUrl), true);
    });

    it("DB-4: every member runs a pinned Percona mongodb_exporter sidecar as a monitoring user with only clusterMonitor and read on local, from its Secret", () => {
        const sts = one(productionPlan, STS);
        const exporter = podSpec(sts).containers.find((c: any) => c.name === "mongodb-exporter");
        assert.ok(exporter, "a mongodb-exporter container beside mongod");
        assert.match(exporter.image, /^percona\/mongodb_exporter:\d+\.\d+\.\d+$/);
        assert.deepStrictEqual(exporter.ports, [{ name: "metrics", containerPort: 9216, protocol: "TCP" }]);
        assert.ok(exporter.args.includes("--collector.diagnosticdata") && exporter.args.includes("--collector.replicasetstatus"), "the ss_ and rs_ metrics the alerts read");
        const env = Object.fromEntries(exporter.env.map((e: any) => [e.name, e]));
        assert.strictEqual(env.MONGODB_URI.value, "mongodb://127.0.0.1:27017/admin", "its own member, over the pod's loopback, without credentials in the URI");
        const monitorSecret = one(productionPlan, SECRET_TYPE, "monitor");
        for (const [name, key] of [["MONGODB_USER", "username"], ["MONGODB_PASSWORD", "password"]]) {
            assert.deepStrictEqual(env[name].valueFrom.secretKeyRef, { name: (monitorSecret.inputs as any).metadata.name, key }, name);
        }
        assert.deepStrictEqual(exporter.securityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(exporter.securityContext.readOnlyRootFilesystem, true);
        assert.ok(exporter.resources.requests.memory && exporter.resources.limits.memory && exporter.livenessProbe && exporter.readinessProbe);
        // The members roll when the monitoring password rotates: the checksum follows the monitor Secret.
        assert.ok(sts.propertyDependencies["spec"]?.includes(monitorSecret.urn));
        const script = (one(productionPlan, CONFIGMAP).inputs as any).data["init.js"] as string;
        const params = JSON.parse(/const params = (\{[\s\S]*?\n\});/.exec(script)![1]);
        const monitor = params.users.find((u: any) => u.user === "monitor");
        assert.deepStrictEqual(monitor, { user: "monitor", passwordEnv: "MONGODB_MONITOR_PASSWORD", roles: [{ role: "clusterMonitor", db: "admin" }, { role: "read", db: "local" }] });
    });

    it("DB-1: the init Job and its script share one name, derived from what the Job runs with; it waits for the members and is never garbage-collected", async () => {
        const job = one(stagingPlan, JOB);
        const configMap = one(stagingPlan, CONFIGMAP);
        // Unknown at preview: the Secrets it reads are named by their generated content.
        assert.strictEqual((job.inputs as any).metadata.name, "[unknown]");
        assert.strictEqual((configMap.inputs as any).metadata.name, "[unknown]");
        assert.strictEqual((configMap.inputs as any).immutable, true);
        const secrets = ofType(stagingPlan, SECRET_TYPE).map((s) => s.urn);
        assert.deepStrictEqual(job.propertyDependencies["metadata"]?.filter((u) => secrets.includes(u)).sort(), secrets.sort(), "the name follows every Secret it reads");
        assert.ok(job.dependencies.includes(one(stagingPlan, STS).urn), "runs after the members are up");
        const spec = (job.inputs as any).spec;
        assert.ok(spec.backoffLimit > 0 && spec.activeDeadlineSeconds > 0);
        assert.ok(!("ttlSecondsAfterFinished" in spec), "a Job the cluster deletes itself would be re-created (and re-run) by the next pulumi up after a refresh");
        assert.strictEqual(spec.template.spec.restartPolicy, "Never");
    });

    it("DB-1: the init Job's name is stable for the same inputs and changes with the members, the image or a rotated Secret", () => {
        const base = initJobName("mongodb-init", "script", "mongo:7.0.14", ["mongodb-keyfile-aaaa", "mongodb-app-bbbb"]);
        assert.match(base, /^mongodb-init-[0-9a-f]{10}$/);
        assert.strictEqual(initJobName("mongodb-init", "script", "mongo:7.0.14", ["mongodb-keyfile-aaaa", "mongodb-app-bbbb"]), base);
        assert.notStrictEqual(initJobName("mongodb-init", "script with 3 members", "mongo:7.0.14", ["mongodb-keyfile-aaaa", "mongodb-app-bbbb"]), base);
        assert.notStrictEqual(initJobName("mongodb-init", "script", "mongo:8.0.4", ["mongodb-keyfile-aaaa", "mongodb-app-bbbb"]), base);
        assert.notStrictEqual(initJobName("mongodb-init", "script", "mongo:7.0.14", ["mongodb-keyfile-aaaa", "mongodb-app-cccc"]), base);
    });

    it("DB-1: Pulumi waits for the init Job longer than the Job's own deadline, so the Job's reason is what fails an update", () => {
        assert.ok(timeoutSeconds(INIT_JOB_TIMEOUT) > INIT_JOB_DEADLINE_SECONDS);
        assert.strictEqual((one(stagingPlan, JOB).inputs as any).spec.activeDeadlineSeconds, INIT_JOB_DEADLINE_SECONDS);
        // The script retries each wait 60 times 5 seconds; the deadline leaves room for several such steps.
        assert.ok(INIT_JOB_DEADLINE_SECONDS >= 5 * 60 * 5);
    });

    it("puts every object in the given namespace", () => {
        for (const r of kubernetesObjects(productionPlan)) assert.strictEqual((r.inputs as any).metadata.namespace, "runbook", r.name);
    });

    it("refuses a postgres database config before creating anything", async () => {
        await assert.rejects(plan("staging", {}, { engine: "postgres" }), /database\.engine: "postgres" is not mongodb/);
    });

    it("every Kubernetes object it emits, in staging and production, passes the Kubernetes schema", async () => {
        assert.ok(kubernetesObjects(stagingPlan).length >= 9);
        assert.deepStrictEqual(await kubernetesSchemaErrors(stagingPlan), []);
        assert.deepStrictEqual(await kubernetesSchemaErrors(productionPlan), []);
        const custom = await plan("production", { storageClass: "gp3-encrypted", databaseName: "shop", resources: { memoryLimit: "8Gi", memoryRequest: "8Gi" } }, { members: 5 });
        assert.deepStrictEqual(await kubernetesSchemaErrors(custom), []);
    });
});
