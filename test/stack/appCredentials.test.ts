import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanFile, PlanResource, UNKNOWN } from "../../plan/model";
import { rdsMasterPasswordRoleJobsOnly } from "../../policies/rules/rds";
import { runbook } from "../helpers/cli";
import { check } from "../helpers/policy";
import { planStackVariant, writeStackVariant } from "../helpers/stacks";
import { AWS_RDS_INSTANCE, K8S_DEPLOYMENT, K8S_JOB, K8S_SECRET } from "../helpers/types";

/*
 * What credentials the apps of the committed stack files get, planned through the CLI: their own
 * PostgreSQL role, never the master user (SC-5); the R2 token under the names they choose (ST-1); the
 * read replica's URL when they ask for it (DB-5).
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-app-credentials-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const planVariant = (stack: string, edit: (c: Record<string, any>) => void): PlanFile => planStackVariant(stack, tmp, edit);

function configError(stack: string, edit: (c: Record<string, any>) => void): string {
    const file = writeStackVariant(stack, tmp, edit);
    const r = runbook("plan", "--stack", stack, "--config", file);
    assert.strictEqual(r.status, 2, `expected a config error, got ${r.status}\n${r.stdout}\n${r.stderr}`);
    return r.stderr;
}

const metaName = (r: PlanResource) => (r.inputs.metadata as any)?.name;
const deployment = (p: PlanFile, app: string) => p.resources.find((r) => r.type === K8S_DEPLOYMENT && metaName(r) === app)!;
const containerEnv = (r: PlanResource): any[] => (r.inputs.spec as any).template.spec.containers[0].env;
const app = (c: Record<string, any>, name: string) => c["runbook:apps"].find((a: any) => a.name === name);

/**
 * The Secret a workload's env entry reads. A name only known after up is resolved as the engine wires
 * it: among the workload's dependencies, the R2 token's Secret holds the R2_ keys, the apps' Secret the rest.
 */
function secretOf(p: PlanFile, workload: PlanResource, env: string): PlanResource {
    const ref = containerEnv(workload).find((e) => e.name === env)?.valueFrom?.secretKeyRef;
    assert.ok(ref, `${workload.name} reads ${env} from a Secret`);
    if (ref.name !== UNKNOWN) return p.resources.find((r) => r.type === K8S_SECRET && metaName(r) === ref.name)!;
    const deps = new Set(Object.values(workload.propertyDependencies).flat());
    const candidates = p.resources.filter((r) => r.type === K8S_SECRET && deps.has(r.urn) && (r.name === "backups-assets-credentials") === ref.key.startsWith("R2_"));
    assert.strictEqual(candidates.length, 1, `${workload.name} ${env}: ${candidates.map((c) => c.name).join(", ")}`);
    return candidates[0];
}

describe("stack: the apps' credentials (SC-5, ST-1, DB-5)", function () {
    this.timeout(180000);

    for (const stack of ["staging", "production"]) {
        it(`SC-5: in ${stack}, apps, migrations, backups and the exporter log in as their own roles; only the role Jobs read the master password`, async () => {
            const plan = planVariant(stack, () => undefined);
            assert.deepStrictEqual(await check([rdsMasterPasswordRoleJobsOnly], plan.resources), []);
            const master = plan.resources.find((r) => r.type === AWS_RDS_INSTANCE && !("replicateSourceDb" in r.inputs))!.propertyDependencies.password;
            const holders = plan.resources.filter((r) => r.type === K8S_SECRET && (r.propertyDependencies.stringData ?? []).some((u) => master.includes(u)));
            assert.deepStrictEqual(holders.map((h) => h.name).sort(), ["backups-postgres-role-setup", "database-postgres-roles-setup", "observability-postgres-exporter-role-setup"], "the master URL is in the role Jobs' Secrets only");
            const readers = plan.resources.filter((r) => Object.values(r.propertyDependencies).flat().some((u) => holders.some((h) => h.urn === u)));
            assert.deepStrictEqual([...new Set(readers.map((r) => r.type))], [K8S_JOB], "read by Jobs alone");
            // The apps' DATABASE_URL is the app role's, made once the role Job ran.
            const appsSecret = secretOf(plan, deployment(plan, "api"), "DATABASE_URL");
            const rolesJob = plan.resources.find((r) => r.type === K8S_JOB && r.name === "database-postgres-roles")!;
            assert.ok(appsSecret.propertyDependencies.stringData.includes(rolesJob.urn), "DATABASE_URL waits for the role Job");
            assert.ok(!appsSecret.propertyDependencies.stringData.some((u) => master.includes(u)), "and holds nothing made from the master password");
            const migration = plan.resources.find((r) => r.type === K8S_JOB && r.name === "app-api-migrate")!;
            assert.strictEqual(containerEnv(migration).find((e) => e.name === "DATABASE_URL").valueFrom.secretKeyRef.name, "runbook-migrate");
        });
    }

    it("ST-1: an app that sets r2Env gets the rotated R2 token from its Secret under those names; the others get nothing", () => {
        const plan = planVariant("staging", (c) => {
            app(c, "web").r2Env = { accessKeyId: "S3_ACCESS_KEY_ID", secretAccessKey: "S3_SECRET_ACCESS_KEY", endpoint: "S3_ENDPOINT" };
        });
        const web = deployment(plan, "web");
        for (const [name, key] of [["S3_ACCESS_KEY_ID", "R2_ACCESS_KEY_ID"], ["S3_SECRET_ACCESS_KEY", "R2_SECRET_ACCESS_KEY"], ["S3_ENDPOINT", "R2_ENDPOINT"]]) {
            assert.strictEqual(containerEnv(web).find((e) => e.name === name).valueFrom.secretKeyRef.key, key);
            assert.strictEqual(secretOf(plan, web, name).name, "backups-assets-credentials", `${name} comes from the token's Secret`);
        }
        const assets = plan.resources.find((r) => r.name === "backups-assets-credentials")!;
        assert.strictEqual(assets.retainOnDelete, true, "WL-3: the previous token's Secret stays for rollout undo");
        for (const other of ["api", "worker"]) {
            assert.ok(!Object.values(deployment(plan, other).propertyDependencies).flat().includes(assets.urn), `${other} does not get the token`);
        }
    });

    it("ST-1: r2Env without an assets or uploads bucket, or under a name the app already uses, exits 2 naming the key", () => {
        const noBucket = configError("staging", (c) => {
            app(c, "web").r2Env = { accessKeyId: "S3_ACCESS_KEY_ID", secretAccessKey: "S3_SECRET_ACCESS_KEY" };
            c["runbook:storage"].buckets = c["runbook:storage"].buckets.filter((b: any) => b.purpose === "backups");
        });
        assert.match(noBucket, /apps\[1\]\.r2Env: asks for the apps' R2 token.*storage\.buckets has neither.*add a bucket with purpose: assets or uploads/);
        const clash = configError("staging", (c) => {
            app(c, "api").r2Env = { accessKeyId: "REDIS_URL", secretAccessKey: "S3_SECRET_ACCESS_KEY" };
        });
        assert.match(clash, /apps\[0\]\.r2Env\.accessKeyId: "REDIS_URL" is also set by apps\[0\]\.secretRefs\[1\]/);
    });

    it("DB-5: an app that sets readerUrlEnv reads the replica as the app role; production's replica then runs Multi-AZ unless the stack says otherwise", () => {
        const plan = planVariant("production", (c) => {
            app(c, "api").readerUrlEnv = "DATABASE_READER_URL";
        });
        const api = deployment(plan, "api");
        const reader = containerEnv(api).find((e) => e.name === "DATABASE_READER_URL");
        assert.strictEqual(reader.valueFrom.secretKeyRef.key, "DATABASE_READER_URL");
        const secret = secretOf(plan, api, "DATABASE_READER_URL");
        const replica = plan.resources.find((r) => r.type === AWS_RDS_INSTANCE && "replicateSourceDb" in r.inputs)!;
        assert.ok(secret.propertyDependencies.stringData.includes(replica.urn), "the URL points at the replica");
        assert.strictEqual(replica.inputs.multiAz, true, "read from, the replica gets a standby in a second zone");
        assert.ok(!containerEnv(deployment(plan, "web")).some((e) => e.name === "DATABASE_READER_URL"), "only the app that asks reads the replica");

        const single = planVariant("production", (c) => {
            app(c, "api").readerUrlEnv = "DATABASE_READER_URL";
            c["runbook:database"].replicaMultiAz = false;
        });
        assert.strictEqual(single.resources.find((r) => r.type === AWS_RDS_INSTANCE && "replicateSourceDb" in r.inputs)!.inputs.multiAz, false);
        const unread = planVariant("production", () => undefined);
        assert.strictEqual(unread.resources.find((r) => r.type === AWS_RDS_INSTANCE && "replicateSourceDb" in r.inputs)!.inputs.multiAz, false, "a replica nobody reads stays single-AZ");
    });

    it("DB-5: readerUrlEnv without a read replica, or replicaMultiAz without one, exits 2 naming the key and the fix", () => {
        const noReplica = configError("staging", (c) => {
            app(c, "api").readerUrlEnv = "DATABASE_READER_URL";
        });
        assert.match(noReplica, /apps\[0\]\.readerUrlEnv: "DATABASE_READER_URL" asks for the read replica's URL, but database\.readReplica is not true \(DB-5\); set database\.readReplica: true, or remove apps\[0\]\.readerUrlEnv/);
        const multiAz = configError("staging", (c) => {
            c["runbook:database"].replicaMultiAz = true;
        });
        assert.match(multiAz, /database\.replicaMultiAz: true applies to the read replica, but database\.readReplica is not true/);
    });
});
