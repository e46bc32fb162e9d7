import * as assert from "assert";
import { EXPORTERS, exporterContainer, monitorDsn, mongodbExporterSidecar, redisExporterSidecar } from "../../../components/observability/exporters";
import { unpinnedReason } from "../../../policies/rules/workloads";

describe("unit: data exporters (DB-4, RD-2)", () => {
    it("DB-4: the monitoring DSN keeps the admin URL's host, port and database, swaps in the role, and never weakens TLS below require", () => {
        const dsn = new URL(monitorDsn("postgres://runbook_admin:admin-pw@db.example.internal:5432/app?sslmode=require", "runbook_monitor", "p@ss/word"));
        assert.deepStrictEqual([dsn.username, decodeURIComponent(dsn.password), dsn.hostname, dsn.port, dsn.pathname], ["runbook_monitor", "p@ss/word", "db.example.internal", "5432", "/app"]);
        assert.strictEqual(dsn.searchParams.get("sslmode"), "require");
        for (const weak of ["disable", "allow", "prefer"]) {
            assert.strictEqual(new URL(monitorDsn(`postgres://a:b@h:5432/app?sslmode=${weak}`, "m", "p")).searchParams.get("sslmode"), "require", weak);
        }
        assert.strictEqual(new URL(monitorDsn("postgres://a:b@h:5432/app", "m", "p")).searchParams.get("sslmode"), "require");
        assert.strictEqual(new URL(monitorDsn("postgres://a:b@h:5432/app?sslmode=verify-full", "m", "p")).searchParams.get("sslmode"), "verify-full");
    });

    it("WL-3: every exporter image is pinned to a release tag", () => {
        for (const [kind, e] of Object.entries(EXPORTERS)) {
            assert.strictEqual(unpinnedReason(e.image), undefined, kind);
            assert.match(e.image, /:v?\d+\.\d+\.\d+$/, `${kind}: an exact release`);
        }
    });

    it("SC-5, WL-2, WL-4: an exporter container is restricted, non-root, sized and probed on its metrics port", () => {
        for (const kind of ["postgres", "redis", "mongodb"] as const) {
            const c = exporterContainer(kind, [], []) as any;
            assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
            assert.strictEqual(c.securityContext.runAsNonRoot, true);
            assert.notStrictEqual(c.securityContext.runAsUser, 0);
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
            assert.deepStrictEqual(c.securityContext.seccompProfile, { type: "RuntimeDefault" });
            assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory);
            assert.deepStrictEqual(c.livenessProbe.tcpSocket, { port: "metrics" }, "a TCP probe: a datastore outage never restarts its exporter");
            assert.strictEqual(c.ports[0].containerPort, EXPORTERS[kind].port);
        }
    });

    it("SC-1: the sidecars take their passwords only from Secrets", () => {
        const redis = redisExporterSidecar({ name: "redis-auth-abc", key: "password" }, 6379) as any;
        const mongo = mongodbExporterSidecar({ name: "mongo-monitor-abc", key: "username" }, { name: "mongo-monitor-abc", key: "password" }, 27017) as any;
        for (const c of [redis, mongo]) {
            for (const e of c.env) {
                if (/PASSWORD|USER/.test(e.name)) assert.ok(e.valueFrom?.secretKeyRef && e.value === undefined, `${c.name} ${e.name}`);
                else assert.doesNotMatch(String(e.value), /@/, `${c.name} ${e.name} carries no credentials`);
            }
        }
    });
});
