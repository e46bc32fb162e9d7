#!/usr/bin/env node
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import { fillAbsentSecrets } from "../config/offline";
import { formatReport } from "../config/problems";
import { rawConfigFromStackFile } from "../config/source";
import { validateConfig } from "../config/validate";
import type { StackConfig } from "../config";

/**
 * Smoke checks after a deploy (DL-2): every app's health and readiness endpoints answer 2xx, and
 * every configured WebSocket path completes the WebSocket handshake (101 with the right
 * Sec-WebSocket-Accept). Targets come from the stack file: `apps[].healthPath`, `readinessPath`,
 * `websocketPaths`, and `edge.hosts` for the public address of api and web apps.
 */

const USAGE = `Usage:
  smoke --stack <name> [--in-cluster] [--url <app>=<base url>]... [--timeout <seconds>] [--interval <seconds>] [--config <stack file>]

Checks each app's health and readiness endpoints and WebSocket paths from the stack config.
  default       through the public hosts in edge.hosts (api and web apps; workers have no route)
  --in-cluster  through \`kubectl port-forward\` to each app's Deployment (every app, workers too)
  --url         use this base URL for one app (repeatable), e.g. --url api=http://127.0.0.1:3001
  --timeout     keep retrying a failing check for this long (default 120)
  --interval    wait this long between attempts (default 5)

Exit codes: 0 every check passed, 1 a check failed, 2 bad usage or config.`;

export interface SmokeCheck {
    app: string;
    kind: "health" | "readiness" | "websocket";
    url: string;
}

export interface SmokeTarget {
    app: string;
    /** Base URL (scheme, host, port) the app answers on. */
    baseUrl: string;
    /** Absent when the app's liveness probe checks its port: the smoke test then asks readiness only. */
    healthPath?: string;
    readinessPath: string;
    websocketPaths: string[];
}

export interface CheckResult extends SmokeCheck {
    ok: boolean;
    detail: string;
    attempts: number;
}

/** Apps and their public base URLs: the first edge host that routes to each app. */
export function publicTargets(config: Pick<StackConfig, "apps" | "edge">): { targets: SmokeTarget[]; skipped: string[] } {
    const targets: SmokeTarget[] = [];
    const skipped: string[] = [];
    for (const app of config.apps) {
        const host = config.edge.hosts.find((h) => h.app === app.name)?.host;
        if (!host) {
            skipped.push(`${app.name}: no edge host routes to it${app.role === "worker" ? " (a worker)" : ""}; check it with --in-cluster`);
            continue;
        }
        targets.push({ app: app.name, baseUrl: `https://${host}`, healthPath: app.healthPath, readinessPath: app.readinessPath, websocketPaths: app.websocketPaths ?? [] });
    }
    return { targets, skipped };
}

export function checksFor(target: SmokeTarget): SmokeCheck[] {
    const url = (p: string) => new URL(p, target.baseUrl).toString();
    const ws = (p: string) => url(p).replace(/^http/, "ws");
    return [
        ...(target.healthPath !== undefined ? [{ app: target.app, kind: "health", url: url(target.healthPath) } as SmokeCheck] : []),
        { app: target.app, kind: "readiness", url: url(target.readinessPath) },
        ...target.websocketPaths.map((p): SmokeCheck => ({ app: target.app, kind: "websocket", url: ws(p) })),
    ];
}

function client(url: URL): typeof http | typeof https {
    return url.protocol === "https:" || url.protocol === "wss:" ? https : http;
}

/** One GET; passes on a 2xx status. */
export function httpCheck(target: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
    const url = new URL(target);
    return new Promise((resolve) => {
        const started = Date.now();
        // A fresh connection per check, as a new client would open: no reuse of a socket the server closed.
        const req = client(url).get(url, { agent: false, timeout: timeoutMs, headers: { "user-agent": "runbook-smoke" } }, (res) => {
            res.resume();
            const status = res.statusCode ?? 0;
            resolve({ ok: status >= 200 && status < 300, detail: `HTTP ${status} in ${Date.now() - started} ms` });
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e) => resolve({ ok: false, detail: e.message }));
    });
}

const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The RFC 6455 opening handshake: passes on 101 Switching Protocols with the matching accept key. */
export function websocketCheck(target: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
    const url = new URL(target);
    const httpUrl = new URL(url.toString().replace(/^ws/, "http"));
    const key = crypto.randomBytes(16).toString("base64");
    const expected = crypto.createHash("sha1").update(key + WEBSOCKET_GUID).digest("base64");
    return new Promise((resolve) => {
        const started = Date.now();
        const req = client(url).request(httpUrl, {
            agent: false,
            timeout: timeoutMs,
            headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key, "user-agent": "runbook-smoke" },
        });
        req.on("upgrade", (res, socket) => {
            socket.destroy();
            const accept = res.headers["sec-websocket-accept"];
            resolve(accept === expected ? { ok: true, detail: `101 Switching Protocols in ${Date.now() - started} ms` } : { ok: false, detail: `101 but Sec-WebSocket-Accept is ${JSON.stringify(accept)}, expected ${expected}` });
        });
        req.on("response", (res) => {
            res.resume();
            resolve({ ok: false, detail: `HTTP ${res.statusCode} instead of 101 Switching Protocols (is the route passing the Upgrade header?)` });
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e) => resolve({ ok: false, detail: e.message }));
        req.end();
    });
}

/** Runs every check, retrying each failing one until `deadlineMs` has passed since the start. */
export async function runChecks(checks: SmokeCheck[], options: { deadlineMs: number; intervalMs?: number; requestTimeoutMs?: number }): Promise<CheckResult[]> {
    const start = Date.now();
    const interval = options.intervalMs ?? 5000;
    const requestTimeout = options.requestTimeoutMs ?? 10000;
    return Promise.all(
        checks.map(async (check) => {
            for (let attempts = 1; ; attempts++) {
                const r = check.kind === "websocket" ? await websocketCheck(check.url, requestTimeout) : await httpCheck(check.url, requestTimeout);
                if (r.ok || Date.now() - start + interval > options.deadlineMs) return { ...check, ...r, attempts };
                await new Promise((res) => setTimeout(res, interval));
            }
        }),
    );
}

/** `kubectl port-forward deployment/<app> :<port>`; resolves with the local base URL. */
function portForward(namespace: string, app: string, port: number): Promise<{ baseUrl: string; child: ChildProcess }> {
    return new Promise((resolve, reject) => {
        const child = spawn("kubectl", ["--namespace", namespace, "port-forward", `deployment/${app}`, `:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        const onData = (d: Buffer) => {
            output += d.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
            if (m) resolve({ baseUrl: `http://127.0.0.1:${m[1]}`, child });
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
        child.on("error", (e) => reject(new Error(`kubectl: ${e.message}`)));
        child.on("exit", (code) => reject(new Error(`kubectl port-forward deployment/${app} exited ${code}: ${output.trim()}`)));
    });
}

class UsageError extends Error {}

interface Args {
    stack: string;
    inCluster: boolean;
    urls: Map<string, string>;
    timeoutSeconds: number;
    intervalSeconds: number;
    configFile?: string;
}

export function parseArgs(argv: string[]): Args {
    const args: Partial<Args> & { urls: Map<string, string> } = { inCluster: false, urls: new Map(), timeoutSeconds: 120, intervalSeconds: 5 };
    for (let i = 0; i < argv.length; i++) {
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${argv[i - 1]} needs a value`);
            return v;
        };
        switch (argv[i]) {
            case "--stack":
                args.stack = value();
                break;
            case "--in-cluster":
                args.inCluster = true;
                break;
            case "--url": {
                const m = /^([a-z][-a-z0-9]*)=(https?:\/\/.+)$/.exec(value());
                if (!m) throw new UsageError("--url takes <app>=<http(s) base URL>");
                args.urls.set(m[1], m[2]);
                break;
            }
            case "--timeout":
                args.timeoutSeconds = Number(value());
                if (!Number.isFinite(args.timeoutSeconds) || args.timeoutSeconds < 0) throw new UsageError("--timeout takes a number of seconds");
                break;
            case "--interval":
                args.intervalSeconds = Number(value());
                if (!Number.isFinite(args.intervalSeconds) || args.intervalSeconds < 0) throw new UsageError("--interval takes a number of seconds");
                break;
            case "--config":
                args.configFile = value();
                break;
            case "--help":
            case "-h":
                throw new UsageError("");
            default:
                throw new UsageError(`unexpected argument '${argv[i]}'`);
        }
    }
    if (!args.stack) throw new UsageError("smoke needs --stack <name>");
    return args as Args;
}

export async function main(argv: string[]): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(argv);
    } catch (e) {
        process.stderr.write(`${(e as Error).message ? `smoke: ${(e as Error).message}\n\n` : ""}${USAGE}\n`);
        return (e as Error).message ? 2 : 0;
    }
    const file = args.configFile ?? path.resolve(__dirname, "..", "..", `Pulumi.${args.stack}.yaml`);
    if (!fs.existsSync(file)) {
        process.stderr.write(`smoke: no stack file ${file}\n`);
        return 2;
    }
    // Only apps and edge hosts matter here: secrets the stack file does not carry get placeholders.
    const { raw } = fillAbsentSecrets(rawConfigFromStackFile(fs.readFileSync(file, "utf8"), path.basename(file)), args.stack);
    const validation = validateConfig(raw, args.stack);
    if (!validation.ok) {
        process.stderr.write(`${formatReport(args.stack, validation.problems)}\n`);
        return 2;
    }
    const config = validation.config;
    for (const app of args.urls.keys()) {
        if (!config.apps.some((a) => a.name === app)) {
            process.stderr.write(`smoke: --url names '${app}', which is not an app in Pulumi.${args.stack}.yaml\n`);
            return 2;
        }
    }
    const forwards: ChildProcess[] = [];
    try {
        let targets: SmokeTarget[];
        let skipped: string[] = [];
        if (args.inCluster) {
            targets = [];
            for (const app of config.apps) {
                let baseUrl = args.urls.get(app.name);
                if (baseUrl === undefined) {
                    const forward = await portForward(config.kubernetes.namespace, app.name, app.port);
                    forwards.push(forward.child);
                    baseUrl = forward.baseUrl;
                }
                targets.push({ app: app.name, baseUrl, healthPath: app.healthPath, readinessPath: app.readinessPath, websocketPaths: app.websocketPaths ?? [] });
            }
        } else {
            ({ targets, skipped } = publicTargets(config));
            targets = targets.map((t) => ({ ...t, baseUrl: args.urls.get(t.app) ?? t.baseUrl }));
            for (const [app, baseUrl] of args.urls) {
                if (targets.some((t) => t.app === app)) continue;
                const a = config.apps.find((x) => x.name === app)!;
                targets.push({ app, baseUrl, healthPath: a.healthPath, readinessPath: a.readinessPath, websocketPaths: a.websocketPaths ?? [] });
                skipped = skipped.filter((s) => !s.startsWith(`${app}:`));
            }
        }
        const results = await runChecks(targets.flatMap(checksFor), { deadlineMs: args.timeoutSeconds * 1000, intervalMs: args.intervalSeconds * 1000 });
        for (const r of results) process.stdout.write(`${r.ok ? "✓" : "✗"} ${r.app} ${r.kind} ${r.url}  ${r.detail}${r.attempts > 1 ? ` (attempt ${r.attempts})` : ""}\n`);
        for (const s of skipped) process.stdout.write(`- skipped ${s}\n`);
        const failed = results.filter((r) => !r.ok).length;
        process.stdout.write(failed ? `FAIL: ${failed} of ${results.length} smoke checks failed on stack '${args.stack}'.\n` : `PASS: ${results.length} smoke checks on stack '${args.stack}'.\n`);
        return failed ? 1 : 0;
    } catch (e) {
        process.stderr.write(`smoke: ${(e as Error).message}\n`);
        return 2;
    } finally {
        forwards.forEach((c) => c.kill());
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`smoke: unexpected error: ${(e as Error).stack ?? e}\n`);
            process.exit(2);
        },
    );
}
