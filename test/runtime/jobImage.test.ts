import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PINNED_REDIS_TAGS } from "../../components/redis/redisSettings";
import { JOB_IMAGE_POSTGRES_MAJOR, JOB_IMAGE_REDIS, majorMinor, newerThan } from "../../config/jobImage";
import { ROOT } from "../helpers/harness";
import { JOB_IMAGE_DIR, buildJobImage, ensureBase, runtimeTools } from "../helpers/images";

/*
 * The job image, built from scripts/backup/Dockerfile on the Debian base exactly as published but for
 * its BASE (and without MongoDB's tools, which are not Debian packages): every tool the scripts call
 * is in it, at the version the stacks need.
 */

const TAG = "localhost/runbook-job:test";
const DATABASE_DIR = path.join(ROOT, "scripts", "database");

/** Every command the scripts check for with `require_cmd` before they run it. */
function requiredCommands(): string[] {
    const files = [...fs.readdirSync(JOB_IMAGE_DIR).filter((f) => f.endsWith(".sh")).map((f) => path.join(JOB_IMAGE_DIR, f)), path.join(DATABASE_DIR, "create-roles.sh")];
    const found = new Set<string>();
    for (const f of files) {
        for (const line of fs.readFileSync(f, "utf8").split("\n")) {
            const m = /(?:^|[;)]\s*)require_cmd ([a-z0-9_ -]+?)\s*(?:;|$)/.exec(line.trim());
            if (m && !line.trim().startsWith("#")) m[1].split(/\s+/).forEach((c) => found.add(c));
        }
    }
    return [...found].sort();
}

/** The highest PostgreSQL major any stack file or example stack runs. */
function highestPostgresMajor(): number {
    const files = [...fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => path.join(ROOT, f)), ...fs.readdirSync(path.join(ROOT, "examples", "seeds")).map((f) => path.join(ROOT, "examples", "seeds", f))];
    let highest = 0;
    for (const f of files) {
        const db = YAML.parse(fs.readFileSync(f, "utf8"))?.config?.["runbook:database"];
        if (db?.engine === "postgres" && db.engineVersion !== undefined) highest = Math.max(highest, Number(String(db.engineVersion).split(".")[0]));
    }
    assert.ok(highest > 0, "some stack runs PostgreSQL with an engineVersion");
    return highest;
}

function inImage(script: string): Promise<{ status: number | null; out: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("podman", ["run", "--rm", "--pull", "never", "--read-only", "--read-only-tmpfs=false", TAG, "bash", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, out }));
    });
}

/** major.minor.patch of the first version in a tool's output. */
function version(text: string): number[] {
    const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
    assert.ok(m, `a version in: ${text}`);
    return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

const atLeast = (v: number[], min: number[]) => {
    for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
    return true;
};

describe("runtime: the job image has every tool its scripts call (BK-1, BK-6)", function () {
    this.timeout(45 * 60000);

    before(async function () {
        const { missing } = runtimeTools();
        if (missing.length > 0) {
            const message = `the job image build needs ${missing.join(", ")} (see .ci/run)`;
            if (process.env.CI === "true") throw new Error(message);
            console.log(`      skipped: ${message}`);
            this.skip();
        }
        await buildJobImage(await ensureBase((l) => console.log(`      ${l}`)), [TAG]);
    });

    it("every command a script requires is on the image's PATH, but MongoDB's tools, which only the published build downloads", async () => {
        const commands = requiredCommands();
        for (const c of ["pg_dump", "pg_restore", "psql", "initdb", "postgres", "redis-server", "redis-cli", "aws", "age", "zstd", "mongodump"]) assert.ok(commands.includes(c), `the scripts require ${c}`);
        const r = await inImage(commands.map((c) => `command -v ${c} >/dev/null || echo "missing ${c}"`).join("; "));
        const missing = [...r.out.matchAll(/missing (\S+)/g)].map((m) => m[1]).sort();
        assert.deepStrictEqual(missing, ["mongodump", "mongorestore"]);
        const dockerfile = fs.readFileSync(path.join(JOB_IMAGE_DIR, "Dockerfile"), "utf8");
        assert.match(dockerfile, /ARG MONGODB_TOOLS_VERSION=\d+\.\d+\.\d+/, "the published build installs a pinned release of MongoDB's tools");
    });

    it("BK-1, BK-6: pg_dump is the PostgreSQL major the config check allows (at least the newest any stack runs), and the scratch server is the same major", async () => {
        const r = await inImage("pg_dump --version; pg_restore --version; psql --version; postgres --version; initdb --version");
        assert.strictEqual(r.status, 0, r.out);
        const majors = r.out.trim().split("\n").map((l) => version(l)[0]);
        assert.deepStrictEqual([...new Set(majors)], [JOB_IMAGE_POSTGRES_MAJOR], `one PostgreSQL major, JOB_IMAGE_POSTGRES_MAJOR, for client and scratch server: ${r.out}`);
        assert.ok(JOB_IMAGE_POSTGRES_MAJOR >= highestPostgresMajor(), `pg_dump ${JOB_IMAGE_POSTGRES_MAJOR} can dump PostgreSQL ${highestPostgresMajor()}`);
        assert.match(fs.readFileSync(path.join(JOB_IMAGE_DIR, "Dockerfile"), "utf8"), new RegExp(`ARG PG_MAJOR=${JOB_IMAGE_POSTGRES_MAJOR}\\b`), "the Dockerfile's PG_MAJOR puts that server on PATH");
    });

    it("BK-6: the drill's redis-server is JOB_IMAGE_REDIS, and no in-cluster Redis the program pins is newer (it reads their snapshots)", async () => {
        const r = await inImage("redis-server --version");
        assert.strictEqual(r.status, 0, r.out);
        const [major, minor] = version(r.out.replace(/^.*v=/s, ""));
        assert.deepStrictEqual([major, minor], majorMinor(JOB_IMAGE_REDIS), r.out);
        for (const tag of Object.values(PINNED_REDIS_TAGS)) assert.ok(!newerThan(tag, JOB_IMAGE_REDIS), `in-cluster Redis ${tag} is not newer than the drill's ${JOB_IMAGE_REDIS}`);
    });

    it("BK-3: age, zstd, the AWS CLI and curl are releases the pipeline relies on", async () => {
        const r = await inImage("age --version; zstd --version; aws --version; curl --version | head -n 1; bash --version | head -n 1");
        assert.strictEqual(r.status, 0, r.out);
        const [age, zstd, aws, curl, bash] = r.out.trim().split("\n");
        assert.ok(atLeast(version(age), [1, 0, 0]), `age ${age}: X25519 recipients and identity files as age 1.0 defined them`);
        assert.ok(atLeast(version(zstd), [1, 3, 4]), `zstd ${zstd}: -T0 multithreading`);
        assert.ok(atLeast(version(aws.replace(/^aws-cli\//, "")), [2, 0, 0]), `aws ${aws}: the CLI v2 streams uploads from stdin`);
        assert.ok(atLeast(version(curl), [7, 76, 0]), `curl ${curl}`);
        assert.ok(atLeast(version(bash), [5, 0, 0]), `bash ${bash}: PIPESTATUS and [[ =~ ]] as the scripts use them`);
    });

    it("SC-5: the image runs as 10001, the user the jobs' pods declare, with its home on the pods' scratch volume", async () => {
        const r = await inImage("id -u; id -g; getent passwd 10001 | cut -d: -f1,6");
        assert.strictEqual(r.status, 0, r.out);
        assert.deepStrictEqual(r.out.trim().split("\n"), ["10001", "10001", "runbook:/work"]);
    });
});
