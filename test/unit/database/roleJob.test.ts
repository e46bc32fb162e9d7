import * as assert from "assert";
import { POSTGRES_APP_ROLE, POSTGRES_MIGRATE_ROLE, roleUrl } from "../../../components/database/postgresRoles";
import { ROLE_SCRIPT, ROLE_SCRIPT_MOUNT, RoleJobRun, roleJobName, roleJobSpec, rolePasswordKey, roleScripts, rolesEnv } from "../../../components/database/roleJob";

const run: RoleJobRun = {
    baseName: "postgres-app-roles",
    image: "ghcr.io/acme/runbook-backup:1.0.0",
    uid: 10001,
    scripts: { "create-roles.sh": "psql ...", "lib.sh": "log() { :; }" },
    script: "create-roles.sh",
    env: { APP_ROLE: "runbook_app", MIGRATE_ROLE: "runbook_migrate" },
};

describe("unit: the one role-Job builder (BK-8, DB-4, SC-5)", () => {
    it("issue 16 item 3: the Job is named by every input it runs with: script, image, user, role names and its Secret's content", () => {
        const name = roleJobName(run, "secret-hash-1");
        assert.match(name, /^postgres-app-roles-[0-9a-f]{10}$/);
        assert.strictEqual(roleJobName({ ...run, env: { MIGRATE_ROLE: "runbook_migrate", APP_ROLE: "runbook_app" } }, "secret-hash-1"), name, "the order of keys changes nothing");
        const changed: Array<[string, string]> = [
            ["a new password or admin URL (a new or restored RDS instance)", roleJobName(run, "secret-hash-2")],
            ["a new script", roleJobName({ ...run, scripts: { ...run.scripts, "create-roles.sh": "psql -1 ..." } }, "secret-hash-1")],
            ["a new lib.sh", roleJobName({ ...run, scripts: { ...run.scripts, "lib.sh": "log() { echo; }" } }, "secret-hash-1")],
            ["a new image", roleJobName({ ...run, image: "ghcr.io/acme/runbook-backup:1.0.1" }, "secret-hash-1")],
            ["another role name", roleJobName({ ...run, env: { ...run.env, APP_ROLE: "other_app" } }, "secret-hash-1")],
            ["another user", roleJobName({ ...run, uid: 10002 }, "secret-hash-1")],
        ];
        for (const [what, other] of changed) assert.notStrictEqual(other, name, `${what} runs the Job again`);
    });

    it("SC-1, SC-5: the script from its ConfigMap under bash, restricted, every credential through secretKeyRef, bounded in time", () => {
        const spec = roleJobSpec({ ...run, secretName: "postgres-app-roles-abc", secretKeys: ["ADMIN_URL", "APP_ROLE_PASSWORD"], configMapName: "postgres-app-roles-def", labels: { a: "b" } }) as any;
        const pod = spec.template.spec;
        const c = pod.containers[0];
        assert.deepStrictEqual(c.command, ["/bin/bash", `${ROLE_SCRIPT_MOUNT}/create-roles.sh`]);
        assert.deepStrictEqual(
            c.env.map((e: any) => [e.name, e.value ?? `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`]),
            [
                ["APP_ROLE", "runbook_app"],
                ["MIGRATE_ROLE", "runbook_migrate"],
                ["ADMIN_URL", "postgres-app-roles-abc/ADMIN_URL"],
                ["APP_ROLE_PASSWORD", "postgres-app-roles-abc/APP_ROLE_PASSWORD"],
                ["HOME", "/work"],
            ],
        );
        assert.deepStrictEqual([c.securityContext.readOnlyRootFilesystem, c.securityContext.allowPrivilegeEscalation, pod.securityContext.runAsUser, pod.automountServiceAccountToken], [true, false, 10001, false]);
        assert.strictEqual(pod.volumes.find((v: any) => v.name === "scripts").configMap.name, "postgres-app-roles-def");
        assert.deepStrictEqual(spec.template.metadata.labels, { a: "b" });
        assert.ok(spec.activeDeadlineSeconds > 0 && spec.backoffLimit > 0);
        assert.throws(() => roleJobSpec({ ...run, script: "missing.sh", secretName: "s", secretKeys: [], configMapName: "c", labels: {} }), /missing\.sh is not among its scripts/);
    });

    it("issue 18: every role Job runs the one role script, told its roles and their kinds, each kind's password under its own key", () => {
        assert.strictEqual(rolesEnv([{ name: POSTGRES_MIGRATE_ROLE, kind: "migrate" }, { name: POSTGRES_APP_ROLE, kind: "app" }]), "runbook_migrate:migrate runbook_app:app");
        assert.deepStrictEqual((["migrate", "app", "backup", "monitor"] as const).map(rolePasswordKey), ["MIGRATE_ROLE_PASSWORD", "APP_ROLE_PASSWORD", "BACKUP_ROLE_PASSWORD", "MONITOR_ROLE_PASSWORD"]);
        const script = roleScripts()[ROLE_SCRIPT];
        for (const kind of ["migrate", "app", "backup", "monitor"]) assert.match(script, new RegExp(`^    ${kind}\\)`, "m"), `the script gives kind ${kind} its attributes and grants`);
        // Every role, whatever its kind, loses what a login role must not have (SC-5).
        assert.match(script, /NOREPLICATION/);
        assert.match(script, /NOSUPERUSER/);
        assert.match(script, /NOCREATEDB NOCREATEROLE/);
    });

    it("SC-5: the role script with the lib.sh it sources, and URLs that keep TLS required", () => {
        const scripts = roleScripts();
        assert.deepStrictEqual(Object.keys(scripts).sort(), [ROLE_SCRIPT, "lib.sh"]);
        assert.match(scripts[ROLE_SCRIPT], /\. "\$\(dirname "\$0"\)\/lib\.sh"/);
        assert.match(scripts["lib.sh"], /^no_arguments\(\)/m);
        assert.notStrictEqual(POSTGRES_APP_ROLE, POSTGRES_MIGRATE_ROLE);
        assert.strictEqual(roleUrl(POSTGRES_APP_ROLE, "p/w@x", "db.internal"), "postgres://runbook_app:p%2Fw%40x@db.internal:5432/runbook?sslmode=require");
    });
});
