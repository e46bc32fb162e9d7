import { spawn, spawnSync, SpawnSyncReturns } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { requireTool } from "./tools";

/*
 * Throwaway servers on loopback for the integration tier: PostgreSQL 15 (password auth), s3rver (an
 * S3 API in this process), a Pushgateway stand-in that records what it receives, and the real
 * Pushgateway. Each is started by the test that needs it and stopped in its `after`.
 */

export const PG_BIN = "/usr/lib/postgresql/15/bin";

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export interface RunResult {
    status: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/**
 * Runs a command without blocking the event loop (the S3 server and the Pushgateway stand-in live in
 * this process). `onStart` receives the child's PID.
 */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string; onStart?: (pid: number) => void } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120000);
        child.on("close", (status, signal) => {
            clearTimeout(timer);
            resolve({ status, signal, stdout, stderr });
        });
        if (child.pid !== undefined) opts.onStart?.(child.pid);
        // A command that exits without reading its stdin (`--help`, a missing variable) closes the pipe
        // first; the EPIPE that follows is not the command's result, which "close" reports.
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.input ?? "");
    });
}

export function ok(r: SpawnSyncReturns<string> | RunResult, what: string): string {
    if ("error" in r && r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

/** A PostgreSQL 15 server on 127.0.0.1 with scram-sha-256 password auth. */
export class TestPostgres {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-pg-"));
    readonly dataDir = path.join(this.dir, "data");
    port = 0;
    private started = false;
    private asOwner!: (cmd: string, args: string[]) => SpawnSyncReturns<string>;
    private pgCtl!: string;
    psql!: string;

    constructor(readonly superuser = "runbook_admin", readonly password = "admin-pw") {}

    /** Finds the tools (skipping or failing the suite when absent) and starts the server. */
    async start(ctx: Mocha.Context, conf: string[] = []): Promise<void> {
        const initdb = requireTool(ctx, "initdb", "postgresql-15", [PG_BIN]);
        this.pgCtl = requireTool(ctx, "pg_ctl", "postgresql-15", [PG_BIN]);
        requireTool(ctx, "postgres", "postgresql-15", [PG_BIN]);
        this.psql = requireTool(ctx, "psql", "postgresql-client-15", [PG_BIN]);
        this.port = await freePort();
        // PostgreSQL refuses to run as root: run it as `postgres` (or `nobody`), owning the temp dir.
        if (process.getuid?.() === 0) {
            const runuser = requireTool(ctx, "runuser", "util-linux");
            const user = spawnSync("id", ["-u", "postgres"]).status === 0 ? "postgres" : "nobody";
            const uid = Number(spawnSync("id", ["-u", user], { encoding: "utf8" }).stdout.trim());
            const gid = Number(spawnSync("id", ["-g", user], { encoding: "utf8" }).stdout.trim());
            fs.chownSync(this.dir, uid, gid);
            this.asOwner = (cmd, args) => spawnSync(runuser, ["-u", user, "--", cmd, ...args], { encoding: "utf8", timeout: 60000, cwd: this.dir });
        } else {
            this.asOwner = (cmd, args) => spawnSync(cmd, args, { encoding: "utf8", timeout: 60000, cwd: this.dir });
        }
        const pwFile = path.join(this.dir, "pwfile");
        fs.writeFileSync(pwFile, `${this.password}\n`, { mode: 0o644 });
        ok(this.asOwner(initdb, ["-D", this.dataDir, "-U", this.superuser, "--auth=scram-sha-256", `--pwfile=${pwFile}`, "-E", "UTF8", "--locale=C"]), "initdb");
        fs.rmSync(pwFile);
        fs.appendFileSync(
            path.join(this.dataDir, "postgresql.conf"),
            ["", `listen_addresses = '127.0.0.1'`, `port = ${this.port}`, `unix_socket_directories = '${this.dir}'`, "fsync = off", ...conf, ""].join("\n"),
        );
        ok(this.asOwner(this.pgCtl, ["-D", this.dataDir, "-l", path.join(this.dir, "postgres.log"), "-w", "-t", "60", "start"]), "pg_ctl start");
        this.started = true;
    }

    /** Switches TLS on with a throwaway self-signed certificate, as RDS requires TLS (rds.force_ssl). */
    async enableTls(ctx: Mocha.Context): Promise<void> {
        const openssl = requireTool(ctx, "openssl", "openssl");
        const owner = fs.statSync(this.dataDir);
        const cert = path.join(this.dataDir, "server.crt");
        const key = path.join(this.dataDir, "server.key");
        ok(spawnSync(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert], { encoding: "utf8" }), "openssl req");
        for (const f of [cert, key]) fs.chownSync(f, owner.uid, owner.gid);
        fs.chmodSync(key, 0o600);
        this.sql("postgres", "ALTER SYSTEM SET ssl = on; SELECT pg_reload_conf();");
        for (let i = 0; i < 300; i++) {
            if (this.sql("postgres", "SHOW ssl").trim() === "on") return;
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error("PostgreSQL did not switch TLS on");
    }

    url(database = "postgres", user = this.superuser, password = this.password): string {
        return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
    }

    /** Runs SQL (a script on stdin) and returns unaligned, tuples-only output. */
    sql(database: string, sql: string): string {
        const r = spawnSync(this.psql, ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", this.url(database)], {
            encoding: "utf8",
            input: sql,
            timeout: 300000,
            maxBuffer: 64 * 1024 * 1024,
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir },
        });
        return ok(r, `psql ${sql.slice(0, 80)}`);
    }

    stop(): void {
        if (this.started) {
            const stop = this.asOwner(this.pgCtl, ["-D", this.dataDir, "-m", "immediate", "-w", "-t", "30", "stop"]);
            if (stop.status !== 0) {
                // Stop our postmaster (and only ours) by the PID it recorded.
                const pidFile = path.join(this.dataDir, "postmaster.pid");
                if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]), "SIGKILL");
            }
            this.started = false;
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/**
 * The S3 server that implements multipart copy (UploadPartCopy with x-amz-copy-source-range), which
 * s3rver 3.7.1 answers NotImplemented: @20minutes/s3rver, a maintained fork with the same options
 * (its 4.x runs on Node.js 20). Undefined when it is not installed.
 */
export function multipartCopyS3rver(): unknown {
    try {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        return require("@20minutes/s3rver");
    } catch {
        return undefined;
    }
}

/**
 * s3rver, an S3 API on loopback backed by a temp directory. It accepts the key pair S3RVER/S3RVER.
 * `server` picks another implementation with s3rver's options (multipartCopyS3rver()).
 */
export class TestS3 {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-s3-"));
    readonly accessKeyId = "S3RVER";
    readonly secretAccessKey = "S3RVER";
    endpoint = "";
    private server: { run(): Promise<net.AddressInfo>; close(): Promise<void> } | undefined;

    constructor(private readonly implementation?: unknown) {}

    async start(buckets: string[]): Promise<void> {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const S3rver = (this.implementation ?? require("s3rver")) as new (options: object) => { run(): Promise<net.AddressInfo>; close(): Promise<void> };
        const port = await freePort();
        this.server = new S3rver({ address: "127.0.0.1", port, silent: true, directory: this.dir, configureBuckets: buckets.map((name) => ({ name })) });
        await this.server!.run();
        this.endpoint = `http://127.0.0.1:${port}`;
    }

    /** Where s3rver keeps an object's bytes, to damage them on purpose. */
    objectFile(bucket: string, key: string): string {
        return path.join(this.dir, bucket, `${key}._S3rver_object`);
    }

    /**
     * A loopback proxy in front of the server that cuts every upload whose request line matches
     * `pathPrefix` once `afterBytes` of it went through, calling `onCut` first. Returns its endpoint.
     */
    cuttingProxy(pathPrefix: string, afterBytes: number, onCut: () => void): Promise<{ endpoint: string; cuts: () => number; close: () => void }> {
        const upstream = new URL(this.endpoint);
        let cuts = 0;
        const proxy = net.createServer((client) => {
            const server = net.connect(Number(upstream.port), upstream.hostname);
            let seen = -1;
            client.on("data", (chunk: Buffer) => {
                if (seen < 0 && chunk.toString("latin1").includes(`PUT ${pathPrefix}`)) seen = 0;
                if (seen >= 0) {
                    seen += chunk.length;
                    if (seen >= afterBytes) {
                        cuts++;
                        onCut();
                        client.destroy();
                        server.destroy();
                        return;
                    }
                }
                server.write(chunk);
            });
            server.on("data", (d) => client.write(d));
            client.on("error", () => server.destroy());
            server.on("error", () => client.destroy());
            client.on("close", () => server.destroy());
            server.on("close", () => client.destroy());
        });
        return new Promise((resolve) =>
            proxy.listen(0, "127.0.0.1", () =>
                resolve({ endpoint: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`, cuts: () => cuts, close: () => proxy.close() }),
            ),
        );
    }

    /**
     * A loopback proxy in front of the server that verifies every request's AWS Signature Version 4
     * against this server's key pair, as S3 and R2 do, and answers 403 SignatureDoesNotMatch (or
     * InvalidAccessKeyId) otherwise; s3rver itself only checks the access key ID. The payload is taken
     * at its signed hash (`x-amz-content-sha256`), not re-hashed: what this proves is the secret.
     */
    verifyingProxy(onRequest?: (req: http.IncomingMessage) => void): Promise<{ endpoint: string; rejected: () => number; close: () => void }> {
        const upstream = new URL(this.endpoint);
        let rejected = 0;
        const server = http.createServer((req, res) => {
            onRequest?.(req);
            const problem = sigV4Problem(req, this.accessKeyId, this.secretAccessKey);
            if (problem !== undefined) {
                rejected++;
                req.resume();
                res.writeHead(403, { "Content-Type": "application/xml" }).end(
                    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${problem.code}</Code><Message>${problem.message}</Message></Error>`,
                );
                return;
            }
            const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
            });
            forward.on("error", () => res.destroy());
            req.pipe(forward);
        });
        return new Promise((resolve) =>
            server.listen(0, "127.0.0.1", () =>
                resolve({ endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, rejected: () => rejected, close: () => server.close() }),
            ),
        );
    }

    async stop(): Promise<void> {
        await this.server?.close();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** RFC 3986 encoding, as SigV4 canonicalises query parameters. */
function sigV4Encode(s: string): string {
    return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Why a request's AWS Signature Version 4 (Authorization header) is not valid for this key pair, or
 * undefined when it is. https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
export function sigV4Problem(req: http.IncomingMessage, accessKeyId: string, secretAccessKey: string): { code: string; message: string } | undefined {
    const auth = req.headers.authorization ?? "";
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return { code: "AccessDenied", message: "no AWS Signature Version 4 in the Authorization header" };
    const [, keyId, date, region, service, signedHeaders, signature] = m;
    if (keyId !== accessKeyId) return { code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records." };
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = (q < 0 ? "" : url.slice(q + 1))
        .split("&")
        .filter((p) => p !== "")
        .map((p) => {
            const eq = p.indexOf("=");
            const [k, v] = eq < 0 ? [p, ""] : [p.slice(0, eq), p.slice(eq + 1)];
            return [sigV4Encode(decodeURIComponent(k)), sigV4Encode(decodeURIComponent(v))];
        })
        .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join("&");
    const headerValue = (name: string) => {
        const v = req.headers[name];
        return (Array.isArray(v) ? v.join(",") : (v ?? "")).trim().replace(/\s+/g, " ");
    };
    const names = signedHeaders.split(";");
    const canonical = [req.method, rawPath, query, names.map((n) => `${n}:${headerValue(n)}\n`).join(""), signedHeaders, headerValue("x-amz-content-sha256") || "UNSIGNED-PAYLOAD"].join("\n");
    const amzDate = headerValue("x-amz-date");
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, crypto.createHash("sha256").update(canonical).digest("hex")].join("\n");
    const hmac = (key: Buffer | string, data: string) => crypto.createHmac("sha256", key).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request");
    const expected = crypto.createHmac("sha256", signingKey).update(toSign).digest("hex");
    if (expected !== signature) {
        return { code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided. Check your key and signing method." };
    }
    return undefined;
}

/** Records every request, as a Pushgateway would receive it. */
export class TestPushgateway {
    readonly pushes: Array<{ method: string; url: string; body: string }> = [];
    url = "";
    private server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            this.pushes.push({ method: req.method ?? "", url: req.url ?? "", body });
            res.writeHead(200).end();
        });
    });

    start(): Promise<void> {
        return new Promise((resolve) =>
            this.server.listen(0, "127.0.0.1", () => {
                this.url = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
                resolve();
            }),
        );
    }

    /** The gauges of the last push whose URL contains `match`, by metric name. */
    lastMetrics(match: string): Record<string, number> {
        const push = [...this.pushes].reverse().find((p) => p.url.includes(match));
        if (!push) throw new Error(`no push to a URL containing ${match}; got ${this.pushes.map((p) => p.url).join(", ")}`);
        const out: Record<string, number> = {};
        for (const line of push.body.split("\n")) {
            const m = /^([a-z_]+) (\S+)$/.exec(line);
            if (m) out[m[1]] = Number(m[2]);
        }
        return out;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}

/**
 * The real Prometheus Pushgateway (Debian `prometheus-pushgateway`) on loopback, without
 * persistence, for tests that need what Prometheus would scrape from it.
 */
export class RealPushgateway {
    url = "";
    private child: ReturnType<typeof spawn> | undefined;
    private log = "";

    async start(ctx: Mocha.Context): Promise<void> {
        const bin = requireTool(ctx, "prometheus-pushgateway", "prometheus-pushgateway");
        const port = await freePort();
        this.url = `http://127.0.0.1:${port}`;
        this.child = spawn(bin, [`--web.listen-address=127.0.0.1:${port}`, "--persistence.file=", "--log.level=warn"], { stdio: ["ignore", "pipe", "pipe"] });
        this.child.stdout?.on("data", (d) => (this.log += d));
        this.child.stderr?.on("data", (d) => (this.log += d));
        for (let i = 0; i < 100; i++) {
            if (this.child.exitCode !== null) throw new Error(`prometheus-pushgateway exited ${this.child.exitCode}: ${this.log}`);
            const ready = await new Promise<boolean>((resolve) =>
                http.get(`${this.url}/-/ready`, (res) => (res.resume(), resolve(res.statusCode === 200))).on("error", () => resolve(false)),
            );
            if (ready) return;
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`prometheus-pushgateway did not become ready: ${this.log}`);
    }

    /** What Prometheus would scrape: GET /metrics. */
    scrape(): Promise<string> {
        return new Promise((resolve, reject) =>
            http
                .get(`${this.url}/metrics`, (res) => {
                    let body = "";
                    res.on("data", (d) => (body += d));
                    res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics: ${res.statusCode}`))));
                })
                .on("error", reject),
        );
    }

    stop(): void {
        if (this.child && this.child.exitCode === null) this.child.kill("SIGTERM");
    }
}

/** Samples of a Prometheus text exposition: metric name, labels, value. */
export function parseExposition(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
    const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
    for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
        if (!m || line.startsWith("#")) continue;
        const labels: Record<string, string> = {};
        for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
        samples.push({ name: m[1], labels, value: Number(m[3]) });
    }
    return samples;
}

/**
 * Cloudflare's GraphQL Analytics API on loopback, for the R2 usage job: checks the bearer token and
 * the request's shape (a JSON body with `query` and `variables`), records every request, and answers
 * what the test sets: by default r2StorageAdaptiveGroups rows from `samples`, newest first.
 */
export class FakeCloudflareGraphql {
    url = "";
    readonly requests: Array<{ authorization: string; contentType: string; body: { query: string; variables: Record<string, string> } }> = [];
    samples: Array<{ bucketName: string; datetime: string; payloadSize: number; metadataSize: number; objectCount: number }> = [];
    /** When set, the answer instead of the samples: a status and a body. */
    answer: { status: number; body: string } | undefined;
    /** How long to wait before answering, so a test can look at the client while it waits. */
    delayMs = 0;
    private server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (d) => (raw += d));
        req.on("end", () => {
            const authorization = String(req.headers.authorization ?? "");
            let body: { query: string; variables: Record<string, string> };
            try {
                body = JSON.parse(raw);
            } catch {
                res.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ errors: [{ message: "the body is not JSON" }] }));
                return;
            }
            this.requests.push({ authorization, contentType: String(req.headers["content-type"] ?? ""), body });
            setTimeout(() => this.respond(req, res, authorization, body), this.delayMs);
        });
    });

    private respond(req: http.IncomingMessage, res: http.ServerResponse, authorization: string, body: { query: string; variables: Record<string, string> }): void {
        if (req.method !== "POST" || authorization !== `Bearer ${this.token}`) {
            res.writeHead(403, { "Content-Type": "application/json" }).end(JSON.stringify({ success: false, errors: [{ code: 10000, message: "Authentication error" }] }));
            return;
        }
        if (this.answer) {
            res.writeHead(this.answer.status, { "Content-Type": "application/json" }).end(this.answer.body);
            return;
        }
        const since = body.variables?.since ?? "";
        const until = body.variables?.until ?? "";
        const rows = this.samples
            .filter((s) => s.datetime >= since && s.datetime <= until)
            .sort((a, b) => (a.datetime < b.datetime ? 1 : -1))
            .map((s) => ({ max: { objectCount: s.objectCount, payloadSize: s.payloadSize, metadataSize: s.metadataSize }, dimensions: { bucketName: s.bucketName, datetime: s.datetime } }));
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ data: { viewer: { accounts: [{ r2StorageAdaptiveGroups: rows }] } }, errors: null }));
    }

    constructor(readonly token = "analytics-token-for-tests") {}

    start(): Promise<void> {
        return new Promise((resolve) =>
            this.server.listen(0, "127.0.0.1", () => {
                this.url = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}/client/v4/graphql`;
                resolve();
            }),
        );
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}
