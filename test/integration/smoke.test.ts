import * as assert from "assert";
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { checksFor, publicTargets, websocketCheck } from "../../cli/smoke";
import { ROOT } from "../helpers/harness";
import { stackDocument, writeStackVariant } from "../helpers/stacks";

/**
 * The post-deploy smoke checks (DL-2) against a real HTTP server on loopback that serves the
 * apps' health and readiness paths and answers WebSocket upgrades the way RFC 6455 says.
 */

interface Server {
    url: string;
    hits: string[];
    close: () => Promise<void>;
}

/** `notReadyFor`: how many readiness requests answer 503 before it turns 200, like a pod starting. */
async function appServer(options: { notReadyFor?: number; badAccept?: boolean; refuseUpgrade?: boolean } = {}): Promise<Server> {
    const hits: string[] = [];
    let readinessCalls = 0;
    const server = http.createServer((req, res) => {
        hits.push(`${req.method} ${req.url}`);
        if (/ready/.test(req.url ?? "")) {
            readinessCalls++;
            res.writeHead(readinessCalls > (options.notReadyFor ?? 0) ? 200 : 503).end();
        } else if (/health/.test(req.url ?? "")) res.writeHead(200).end("ok");
        else res.writeHead(404).end();
    });
    server.on("upgrade", (req, socket) => {
        hits.push(`UPGRADE ${req.url}`);
        if (options.refuseUpgrade || req.headers.upgrade !== "websocket") {
            socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        const key = String(req.headers["sec-websocket-key"]);
        const accept = crypto.createHash("sha1").update(`${key}${options.badAccept ? "x" : ""}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        hits,
        close: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

/** Runs the compiled smoke CLI without blocking this process's event loop (the server lives here). */
function smoke(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [path.join(ROOT, "dist", "cli", "smoke.js"), ...args], { cwd: ROOT, encoding: "utf8" }, (error, stdout, stderr) => {
            resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
    });
}

describe("integration: smoke checks after a deploy (DL-2)", function () {
    this.timeout(60000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-smoke-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    // Production's apps, with a WebSocket path on the api.
    const stackFile = writeStackVariant("production", tmp, (config) => {
        config["runbook:apps"][0].websocketPaths = ["/ws"];
    });
    const apps = stackDocument("production").config["runbook:apps"] as { name: string; healthPath: string; readinessPath: string }[];

    it("DL-2: passes when every app's health and readiness answer 2xx and the WebSocket handshake completes, retrying a pod that is still starting", async () => {
        const server = await appServer({ notReadyFor: 2 });
        try {
            const urls = apps.flatMap((a) => ["--url", `${a.name}=${server.url}`]);
            const r = await smoke("--stack", "production", "--config", stackFile, ...urls, "--timeout", "20", "--interval", "0.2");
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
            for (const app of apps) {
                assert.ok(server.hits.includes(`GET ${app.healthPath}`), `${app.name} health was checked`);
                assert.ok(server.hits.includes(`GET ${app.readinessPath}`), `${app.name} readiness was checked`);
            }
            assert.ok(server.hits.includes("UPGRADE /ws"));
            assert.match(r.stdout, /✓ api websocket ws:\/\/127\.0\.0\.1:\d+\/ws {2}101 Switching Protocols/);
            assert.match(r.stdout, /\(attempt [2-9]\)/, "the readiness check was retried until the app was ready");
            assert.match(r.stdout, new RegExp(`PASS: ${apps.length * 2 + 1} smoke checks on stack 'production'`));
        } finally {
            await server.close();
        }
    });

    it("DL-2: fails, naming the check, when readiness never comes or the route refuses the WebSocket upgrade", async () => {
        const server = await appServer({ notReadyFor: 1000, refuseUpgrade: true });
        try {
            const urls = apps.flatMap((a) => ["--url", `${a.name}=${server.url}`]);
            const r = await smoke("--stack", "production", "--config", stackFile, ...urls, "--timeout", "1", "--interval", "0.2");
            assert.strictEqual(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /✗ api readiness http:\/\/127\.0\.0\.1:\d+\/api\/_internal\/ready {2}HTTP 503/);
            assert.match(r.stdout, /✗ api websocket .*HTTP 400 instead of 101 Switching Protocols/);
            assert.match(r.stdout, /✓ api health/);
            assert.match(r.stdout, /FAIL: \d+ of \d+ smoke checks failed/);
        } finally {
            await server.close();
        }
    });

    it("a 101 with the wrong Sec-WebSocket-Accept is not a WebSocket", async () => {
        const server = await appServer({ badAccept: true });
        try {
            const r = await websocketCheck(`${server.url.replace("http", "ws")}/ws`, 2000);
            assert.strictEqual(r.ok, false);
            assert.match(r.detail, /Sec-WebSocket-Accept/);
        } finally {
            await server.close();
        }
    });

    it("exits 2 for an unknown app in --url or a missing stack, and says so", async () => {
        const unknown = await smoke("--stack", "production", "--config", stackFile, "--url", "nope=http://127.0.0.1:9");
        assert.strictEqual(unknown.status, 2);
        assert.match(unknown.stderr, /--url names 'nope', which is not an app/);
        const usage = await smoke();
        assert.strictEqual(usage.status, 2);
        assert.match(usage.stderr, /smoke needs --stack <name>/);
    });

    it("public targets: each web-facing app through its first edge host; workers are left to --in-cluster", () => {
        const config = {
            apps: [
                { name: "api", role: "api", healthPath: "/v1/health", readinessPath: "/ready", websocketPaths: ["/socket"] },
                { name: "worker", role: "worker", healthPath: "/healthz", readinessPath: "/readyz", websocketPaths: [] },
            ],
            edge: { hosts: [{ host: "api.example.com", app: "api" }, { host: "api2.example.com", app: "api" }] },
        } as unknown as Parameters<typeof publicTargets>[0];
        const { targets, skipped } = publicTargets(config);
        assert.deepStrictEqual(targets.flatMap(checksFor).map((c) => `${c.kind} ${c.url}`), [
            "health https://api.example.com/v1/health",
            "readiness https://api.example.com/ready",
            "websocket wss://api.example.com/socket",
        ]);
        assert.deepStrictEqual(skipped, ["worker: no edge host routes to it (a worker); check it with --in-cluster"]);
    });
});
