import { spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./harness";
import { findTool } from "./tools";

/*
 * The images the runtime tier runs, built here from Debian's packages with no registry: one base
 * made by mmdebstrap (Debian 13, the job image's own distribution) and imported into podman, then
 * the project's own scripts/backup/Dockerfile on top of it, and a stand-in for each upstream image
 * whose pods the tier runs (test/runtime/images/<name>/Dockerfile), each tagged with the exact
 * reference the plan uses so that a pod runs as declared. The base is cached in podman's storage,
 * keyed by the content of its package lists.
 */

export const SUITE = "trixie";
export const MIRROR = "http://deb.debian.org/debian";
export const JOB_IMAGE_DIR = path.join(ROOT, "scripts", "backup");
export const STAND_INS_DIR = path.join(ROOT, "test", "runtime", "images");

/** Packages of a list file: one per line, `#` starts a comment. */
export function readPackageList(file: string): string[] {
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.replace(/#.*/, "").trim())
        .filter((l) => l !== "");
}

export function basePackages(): string[] {
    return [...new Set([...readPackageList(path.join(JOB_IMAGE_DIR, "image-packages.txt")), ...readPackageList(path.join(STAND_INS_DIR, "packages.txt"))])].sort();
}

/** The base's tag: its suite, mirror and packages, hashed. */
export function baseTag(): string {
    const key = createHash("sha256").update(JSON.stringify({ SUITE, MIRROR, packages: basePackages(), hook: CREATECLUSTER_HOOK })).digest("hex").slice(0, 12);
    return `localhost/runbook-base:${key}`;
}

/** No default PostgreSQL cluster in the image (Debian's package would create one at install). */
const CREATECLUSTER_HOOK = `mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo 'create_main_cluster = false' > "$1/etc/postgresql-common/createcluster.d/runbook.conf"`;

interface Result {
    status: number | null;
    out: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Result> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("error", reject);
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, out });
        });
    });
}

async function ok(cmd: string, args: string[], timeoutMs: number, what: string): Promise<string> {
    const r = await run(cmd, args, timeoutMs);
    if (r.status !== 0) throw new Error(`${what} exited ${r.status}:\n${r.out.slice(-4000)}`);
    return r.out;
}

export async function imageExists(ref: string): Promise<boolean> {
    return (await run("podman", ["image", "exists", ref], 60000)).status === 0;
}

/** What the runtime tier needs on the machine; with CI=true its absence fails the run. */
export function runtimeTools(): { missing: string[] } {
    const missing = ["podman", "mmdebstrap", "runc", "catatonit"].filter((t) => findTool(t, ["/usr/libexec/podman", "/usr/bin"]) === undefined);
    return { missing };
}

/** The base image, made with mmdebstrap unless podman already holds it. */
export async function ensureBase(log: (line: string) => void = () => undefined): Promise<string> {
    const tag = baseTag();
    if (await imageExists(tag)) return tag;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-base-"));
    const tar = path.join(dir, "base.tar");
    try {
        log(`building ${tag} with mmdebstrap (${SUITE}, ${basePackages().length} packages); this takes minutes`);
        await ok("mmdebstrap", ["--variant=apt", `--include=${basePackages().join(",")}`, `--essential-hook=${CREATECLUSTER_HOOK}`, SUITE, tar, MIRROR], 40 * 60000, "mmdebstrap");
        await ok("podman", ["import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", tar, tag], 10 * 60000, "podman import");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return tag;
}

/** Builds a Dockerfile's directory on the base, tagged with each of `tags`. */
export async function buildOnBase(dir: string, base: string, tags: string[], buildArgs: Record<string, string> = {}): Promise<void> {
    const args = ["build", "--pull=never", "--network=none", "--build-arg", `BASE=${base}`];
    for (const [k, v] of Object.entries(buildArgs)) args.push("--build-arg", `${k}=${v}`);
    for (const t of tags) args.push("-t", t);
    await ok("podman", [...args, dir], 20 * 60000, `podman build ${path.relative(ROOT, dir)}`);
}

/**
 * The job image from scripts/backup/Dockerfile, without MongoDB's tools (they are not Debian packages
 * and their download site is out of reach). `--network=none` proves the build installs nothing the
 * base lacks.
 */
export async function buildJobImage(base: string, tags: string[]): Promise<void> {
    await buildOnBase(JOB_IMAGE_DIR, base, tags, { MONGODB_TOOLS_VERSION: "" });
}

/** The stand-ins, by the directory name under test/runtime/images. */
export const STAND_INS = ["redis", "redis-exporter", "postgres-exporter", "app"] as const;
export type StandIn = (typeof STAND_INS)[number];
