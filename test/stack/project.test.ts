import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { policies } from "../../policies/rules";
import { ROOT } from "../helpers/harness";

describe("stack: the project as the Pulumi CLI sees it", function () {
    this.timeout(120000);

    it("Pulumi.yaml names the project runbook on the nodejs runtime", () => {
        const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
        assert.strictEqual(project.name, "runbook");
        assert.strictEqual(project.runtime, "nodejs");
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.strictEqual(pkg.main, "index.ts", "the CLI loads index.ts through package.json main");
    });

    it("the policy pack type-checks on its own, as the CLI compiles it", () => {
        assert.ok(fs.existsSync(path.join(ROOT, "policies", "PulumiPolicy.yaml")));
        const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
        const r = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "policies", "tsconfig.json"), "--noEmit"], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    it("every policy names a runbook requirement ID, and the README lists it", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        for (const p of policies) {
            const ids = p.tags ?? [];
            assert.ok(ids.length > 0 && ids.every((id) => /^[A-Z]{2}-\d+$/.test(id)), `${p.name} has requirement tags`);
            assert.ok(p.description.startsWith(`${ids[0]}:`), `${p.name}'s description starts with its ID`);
            assert.match(readme, new RegExp(`\\| \`${p.name}\` \\| ${ids.join(", ")} \\|`), `README lists ${p.name}`);
        }
    });

    it("every stack's policy config names only policies of the pack", () => {
        const names = new Set(policies.map((p) => p.name));
        for (const file of fs.readdirSync(path.join(ROOT, "policies", "config"))) {
            const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", file), "utf8"));
            for (const key of Object.keys(config)) assert.ok(key === "all" || names.has(key), `${file}: ${key}`);
        }
    });
});
