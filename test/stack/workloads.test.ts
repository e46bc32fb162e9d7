import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runbook } from "../helpers/cli";
import { writeStackVariant } from "../helpers/stacks";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-workloads-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("stack: workload config errors through the CLI", function () {
    this.timeout(60000);

    it("WL-3: an image tagged latest exits 2, naming the key, and plans nothing", () => {
        const file = writeStackVariant("production", tmp, (c) => (c["runbook:apps"][0].image = "ghcr.io/acme/retail-api:latest"));
        const r = runbook("plan", "--stack", "production", "--config", file);
        assert.strictEqual(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr + r.stdout, /apps\[0\]\.image: "ghcr.io\/acme\/retail-api:latest" is tagged latest/);
        assert.doesNotMatch(r.stdout, /kubernetes:Deployment/);
    });

    it("RD-1: REDIS_URL without a redis section exits 2, naming the app and the key", () => {
        const file = writeStackVariant("staging", tmp, (c) => delete c["runbook:redis"]);
        const r = runbook("plan", "--stack", "staging", "--config", file);
        assert.strictEqual(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr + r.stdout, /apps\[0\]\.secretRefs\[1\]: "REDIS_URL" asks app 'api' for REDIS_URL, but the stack declares no redis/);
    });
});
