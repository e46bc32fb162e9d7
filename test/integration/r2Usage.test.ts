import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BUCKET_LABEL, R2_USAGE_METRICS, R2_USAGE_PUSH_JOB } from "../../components/observability/r2UsageMetrics";
import { R2_USAGE_QUERY, R2_USAGE_SCRIPT, R2_USAGE_WINDOW_SECONDS } from "../../components/storage/r2UsageSpec";
import { FakeCloudflareGraphql, RealPushgateway, RunResult, parseExposition, run } from "../helpers/servers";

/*
 * The R2 usage job's script (scripts/backup/r2-usage.sh) against Cloudflare's GraphQL API as a fake
 * on loopback and the real Pushgateway (ST-1, ST-2): what it asks, what arrives for Prometheus, and
 * what a GraphQL error, an HTTP error or a bucket without a sample leave behind: a failure, and the
 * last good reading untouched.
 */

const SCRIPT = path.resolve(__dirname, "../../../scripts/backup", R2_USAGE_SCRIPT);
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const iso = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

describe("integration: the R2 usage job against a GraphQL fake and the real Pushgateway (ST-1, ST-2)", function () {
    this.timeout(120000);
    const api = new FakeCloudflareGraphql();
    const gateway = new RealPushgateway();
    let work: string;

    before(async function () {
        await gateway.start(this);
        await api.start();
        work = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-r2-usage-"));
    });

    after(async () => {
        gateway.stop();
        await api.stop().catch(() => undefined);
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    beforeEach(() => {
        api.answer = undefined;
        api.delayMs = 0;
        api.samples = [
            { bucketName: "menu-images", datetime: iso(7200), payloadSize: 40e9, metadataSize: 1e6, objectCount: 90000 },
            { bucketName: "menu-images", datetime: iso(600), payloadSize: 41e9, metadataSize: 2e6, objectCount: 91000 },
            { bucketName: "menu-backups", datetime: iso(1800), payloadSize: 5e9, metadataSize: 0, objectCount: 42 },
            { bucketName: "another-stacks", datetime: iso(600), payloadSize: 1, metadataSize: 0, objectCount: 1 },
            // Outside the window: never the newest.
            { bucketName: "menu-backups", datetime: iso(R2_USAGE_WINDOW_SECONDS + 3600), payloadSize: 99e9, metadataSize: 0, objectCount: 1 },
        ];
    });

    const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
        PATH: process.env.PATH,
        HOME: work,
        TMPDIR: work,
        CLOUDFLARE_API_TOKEN: api.token,
        CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
        CLOUDFLARE_GRAPHQL_URL: api.url,
        R2_BUCKETS: "menu-images menu-backups",
        R2_USAGE_QUERY,
        R2_USAGE_WINDOW_SECONDS: String(R2_USAGE_WINDOW_SECONDS),
        PUSHGATEWAY_URL: gateway.url,
        STACK_NAME: "it",
        ...extra,
    });
    const usage = (extra: Record<string, string> = {}, onStart?: (pid: number) => void): Promise<RunResult> => run(SCRIPT, [], { env: env(extra), onStart, timeoutMs: 60000 });

    /** What Prometheus would scrape of the job's group. */
    async function scraped(): Promise<{ value: (name: string, bucket?: string) => number | undefined; buckets: (name: string) => string[] }> {
        const samples = parseExposition(await gateway.scrape()).filter((s) => s.labels.job === R2_USAGE_PUSH_JOB && s.labels.stack === "it");
        return {
            value: (name, bucket) => samples.find((s) => s.name === name && (bucket === undefined || s.labels[BUCKET_LABEL] === bucket))?.value,
            buckets: (name) => samples.filter((s) => s.name === name).map((s) => s.labels[BUCKET_LABEL]).sort(),
        };
    }

    it("ST-2: asks for the account's storage samples of the last day with its token, and pushes each listed bucket's newest size and object count", async () => {
        const r = await usage();
        assert.strictEqual(r.status, 0, r.stderr);
        const request = api.requests[api.requests.length - 1];
        assert.strictEqual(request.authorization, `Bearer ${api.token}`);
        assert.match(request.contentType, /^application\/json/);
        assert.strictEqual(request.body.query, R2_USAGE_QUERY);
        assert.strictEqual(request.body.variables.accountTag, ACCOUNT);
        const until = Date.parse(request.body.variables.until);
        assert.ok(Math.abs(until - Date.now()) < 60000, "until is now");
        assert.strictEqual(until - Date.parse(request.body.variables.since), R2_USAGE_WINDOW_SECONDS * 1000);

        const m = await scraped();
        for (const name of Object.values(R2_USAGE_METRICS)) assert.ok(m.value(name) !== undefined, `${name}{job="${R2_USAGE_PUSH_JOB}",stack="it"} is served`);
        assert.strictEqual(m.value(R2_USAGE_METRICS.sizeBytes, "menu-images"), 41e9 + 2e6, "the newest sample: payload plus metadata");
        assert.strictEqual(m.value(R2_USAGE_METRICS.objects, "menu-images"), 91000);
        assert.strictEqual(m.value(R2_USAGE_METRICS.sizeBytes, "menu-backups"), 5e9);
        assert.strictEqual(m.value(R2_USAGE_METRICS.objects, "menu-backups"), 42);
        assert.deepStrictEqual(m.buckets(R2_USAGE_METRICS.sizeBytes), ["menu-backups", "menu-images"], "only the stack's buckets");
        assert.strictEqual(m.value(R2_USAGE_METRICS.lastRunSuccess), 1);
        assert.ok(Math.abs(m.value(R2_USAGE_METRICS.lastSuccessTimestamp)! - Date.now() / 1000) < 60);
    });

    it("SC-1: the token is on no process's command line while the job waits for the API", async () => {
        api.delayMs = 1500;
        let pid = 0;
        const running = usage({}, (p) => (pid = p));
        await new Promise((r) => setTimeout(r, 700));
        assert.ok(pid > 0);
        const seen: string[] = [];
        for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
            let cmdline = "";
            try {
                cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
            } catch {
                continue;
            }
            if (/curl/.test(cmdline)) seen.push(cmdline.replace(/\0/g, " "));
            assert.ok(!cmdline.includes(api.token), `process ${entry} has the token in its arguments: ${cmdline.replace(/\0/g, " ")}`);
        }
        assert.ok(seen.some((c) => c.includes(api.url)), `curl was running during the check: ${seen.join(" | ")}`);
        assert.strictEqual((await running).status, 0);
    });

    /** A failure keeps the last good reading: sizes and success time as they were; only the run's failure is new. */
    async function assertFailureKeptReading(r: RunResult, message: RegExp): Promise<void> {
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stderr, message);
        const m = await scraped();
        assert.strictEqual(m.value(R2_USAGE_METRICS.lastRunSuccess), 0);
        assert.strictEqual(m.value(R2_USAGE_METRICS.lastSuccessTimestamp), good.success, "the last success time stays");
        assert.strictEqual(m.value(R2_USAGE_METRICS.sizeBytes, "menu-images"), good.images, "the last good size stays");
    }
    const good = { success: 0, images: 0 };
    async function goodRun(): Promise<void> {
        const r = await usage();
        assert.strictEqual(r.status, 0, r.stderr);
        const m = await scraped();
        good.success = m.value(R2_USAGE_METRICS.lastSuccessTimestamp)!;
        good.images = m.value(R2_USAGE_METRICS.sizeBytes, "menu-images")!;
        // Pushgateway timestamps are whole seconds; the next push must be distinguishable.
        await new Promise((r) => setTimeout(r, 1100));
    }

    it("ST-2: GraphQL errors, answered with HTTP 200, fail the run with Cloudflare's message and push nothing but the failure", async () => {
        await goodRun();
        api.answer = { status: 200, body: JSON.stringify({ data: null, errors: [{ message: "does not have access to the path", path: ["viewer", "accounts", "0", "r2StorageAdaptiveGroups"], extensions: { code: "authz" } }] }) };
        await assertFailureKeptReading(await usage(), /GraphQL errors: does not have access to the path/);
    });

    it("ST-2: an HTTP 4xx (a wrong or revoked token) fails the run, naming the status, and keeps the last reading", async () => {
        await goodRun();
        await assertFailureKeptReading(await usage({ CLOUDFLARE_API_TOKEN: "revoked-token" }), /answered HTTP 403/);
        api.answer = { status: 429, body: '{"errors":[{"message":"rate limited"}]}' };
        await assertFailureKeptReading(await usage(), /answered HTTP 429/);
    });

    it("ST-2: an answer that is not JSON, or a listed bucket without a sample, fails the run", async () => {
        await goodRun();
        api.answer = { status: 200, body: "<html>upstream timed out</html>" };
        await assertFailureKeptReading(await usage(), /not JSON/);
        api.answer = undefined;
        api.samples = api.samples.filter((s) => s.bucketName !== "menu-backups");
        const r = await usage();
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /no storage sample in the last 86400 s for: menu-backups/);
        const m = await scraped();
        assert.strictEqual(m.value(R2_USAGE_METRICS.lastRunSuccess), 0);
        assert.strictEqual(m.value(R2_USAGE_METRICS.lastSuccessTimestamp), good.success);
    });

    it("ST-2: a good run replaces the whole group: a bucket the stack no longer lists stops being reported", async () => {
        await goodRun();
        const r = await usage({ R2_BUCKETS: "menu-images" });
        assert.strictEqual(r.status, 0, r.stderr);
        const m = await scraped();
        assert.deepStrictEqual(m.buckets(R2_USAGE_METRICS.sizeBytes), ["menu-images"]);
        assert.strictEqual(m.value(R2_USAGE_METRICS.lastRunSuccess), 1);
    });

    it("--help explains it; a missing environment is named; a malformed account is refused before any request", async () => {
        const help = await run(SCRIPT, ["--help"], { env: { PATH: process.env.PATH } });
        assert.strictEqual(help.status, 0, help.stderr);
        assert.match(help.stdout, /^Usage: r2-usage\.sh/);
        const missing = await run(SCRIPT, [], { env: { PATH: process.env.PATH } });
        assert.strictEqual(missing.status, 1);
        assert.match(missing.stderr, /missing required environment: CLOUDFLARE_API_TOKEN CLOUDFLARE_ACCOUNT_ID R2_BUCKETS R2_USAGE_QUERY/);
        const before = api.requests.length;
        const bad = await usage({ CLOUDFLARE_ACCOUNT_ID: "not-an-account" });
        assert.strictEqual(bad.status, 1);
        assert.match(bad.stderr, /CLOUDFLARE_ACCOUNT_ID must be 32 hex digits/);
        assert.strictEqual(api.requests.length, before);
    });
});
