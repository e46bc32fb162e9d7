import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import { randomInt } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { PASSWORD_ENV, probeCommand, redisServerArgs, redisUrl, renderRedisConf } from "../../components/redis/redisSettings";
import { freePort } from "../helpers/servers";
import { requireTool } from "../helpers/tools";

/*
 * The in-cluster Redis config, run by a real redis-server the way the container runs it: the
 * rendered redis.conf, the password in REDIS_PASSWORD expanded into `--requirepass $(REDIS_PASSWORD)`
 * as the kubelet does, and the probes' own redis-cli command. Only port, bind and dir differ, so the
 * server runs on 127.0.0.1 in a temp dir.
 */

type Reply = string | number | null | Error | Reply[];

/** A minimal RESP2 client: one command at a time, replies parsed as they arrive. */
class RespClient {
    private buffer = Buffer.alloc(0);
    private pending: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];

    private constructor(private readonly socket: net.Socket) {
        socket.on("data", (chunk) => {
            this.buffer = Buffer.concat([this.buffer, chunk]);
            for (let parsed = parseReply(this.buffer, 0); parsed && this.pending.length > 0; parsed = parseReply(this.buffer, 0)) {
                this.buffer = this.buffer.subarray(parsed.end);
                this.pending.shift()!.resolve(parsed.value);
            }
        });
        socket.on("error", (e) => this.pending.splice(0).forEach((p) => p.reject(e)));
    }

    static connect(port: number): Promise<RespClient> {
        return new Promise((resolve, reject) => {
            const socket = net.connect(port, "127.0.0.1", () => resolve(new RespClient(socket)));
            socket.once("error", reject);
        });
    }

    command(...args: string[]): Promise<Reply> {
        const body = args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");
        return new Promise((resolve, reject) => {
            this.pending.push({ resolve, reject });
            this.socket.write(`*${args.length}\r\n${body}`);
        });
    }

    close(): void {
        this.socket.destroy();
    }
}

function parseReply(buf: Buffer, start: number): { value: Reply; end: number } | undefined {
    const eol = buf.indexOf("\r\n", start);
    if (eol < 0) return undefined;
    const line = buf.toString("utf8", start + 1, eol);
    switch (String.fromCharCode(buf[start])) {
        case "+":
            return { value: line, end: eol + 2 };
        case "-":
            return { value: new Error(line), end: eol + 2 };
        case ":":
            return { value: Number(line), end: eol + 2 };
        case "$": {
            const length = Number(line);
            if (length < 0) return { value: null, end: eol + 2 };
            if (buf.length < eol + 2 + length + 2) return undefined;
            return { value: buf.toString("utf8", eol + 2, eol + 2 + length), end: eol + 2 + length + 2 };
        }
        case "*": {
            const count = Number(line);
            if (count < 0) return { value: null, end: eol + 2 };
            const items: Reply[] = [];
            let end = eol + 2;
            for (let i = 0; i < count; i++) {
                const item = parseReply(buf, end);
                if (!item) return undefined;
                items.push(item.value);
                end = item.end;
            }
            return { value: items, end };
        }
        default:
            throw new Error(`unexpected RESP reply: ${line}`);
    }
}


/** What RandomPassword({ special: false }) yields: letters and digits. */
function generatedPassword(length = 48): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

/** The kubelet's expansion of `$(VAR)` in a container's command and args. */
function expandLikeKubelet(args: string[], env: Record<string, string>): string[] {
    return args.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("integration: the in-cluster redis.conf on a real redis-server (RD-2, RD-3)", function () {
    this.timeout(60000);
    // Small enough to fill in a moment; the container's own maxmemory is hundreds of MiB.
    const MAXMEMORY = 4 * 1024 * 1024;
    let redisServer: string;
    let redisCli: string;
    let dir: string;
    let port: number;
    let password: string;
    let confPath: string;
    let server: ChildProcess | undefined;
    let serverLog = "";

    /** redis-cli as the probes run it, with REDISCLI_AUTH from the Secret. */
    function cli(args: string[], auth?: string) {
        const env = { ...process.env, REDISCLI_AUTH: auth };
        if (auth === undefined) delete env.REDISCLI_AUTH;
        return spawnSync(redisCli, args, { env, encoding: "utf8", timeout: 10000 });
    }
    const probe = (auth?: string) => cli(probeCommand(port).slice(1), auth);

    async function start(): Promise<void> {
        // The container's env and args, with the kubelet's expansion: the password reaches the server
        // only through REDIS_PASSWORD.
        const env = { [PASSWORD_ENV]: password };
        const argv = expandLikeKubelet(redisServerArgs(confPath), env);
        serverLog = "";
        const child = spawn(redisServer, argv, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout!.on("data", (d) => (serverLog += d));
        child.stderr!.on("data", (d) => (serverLog += d));
        server = child;
        const deadline = Date.now() + 15000;
        while (Date.now() < deadline) {
            if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}:\n${serverLog}`);
            if (probe(password).status === 0) return;
            await sleep(100);
        }
        throw new Error(`redis-server did not become ready:\n${serverLog}`);
    }

    async function stop(signal: NodeJS.Signals): Promise<void> {
        const child = server;
        server = undefined;
        if (!child || child.exitCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill(signal);
        await Promise.race([exited, sleep(10000).then(() => child.kill("SIGKILL"))]);
        await exited;
    }

    before(async function () {
        redisServer = requireTool(this, "redis-server", "redis-server");
        redisCli = requireTool(this, "redis-cli", "redis-tools");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-redis-"));
        port = await freePort();
        password = generatedPassword();
        confPath = path.join(dir, "redis.conf");
        fs.writeFileSync(confPath, renderRedisConf({ maxmemoryBytes: MAXMEMORY, port, bind: "127.0.0.1", dir }));
        await start();
    });

    // A test that fails while the server is down must not take the later tests with it.
    beforeEach(async () => {
        if (server === undefined) await start();
    });

    after(async () => {
        await stop("SIGTERM");
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("RD-3: refuses unauthenticated commands with NOAUTH, and the probe fails without the password", () => {
        const anonymous = cli(["-p", String(port), "SET", "intruder", "1"]);
        assert.match(anonymous.stdout + anonymous.stderr, /NOAUTH Authentication required/);
        assert.notStrictEqual(probe(undefined).status, 0, "the probe fails on NOAUTH");
        assert.notStrictEqual(probe("wrong-password").status, 0, "the probe fails on a wrong password");
        const ok = probe(password);
        assert.strictEqual(ok.status, 0, ok.stderr);
        assert.strictEqual(ok.stdout.trim(), "PONG");
    });

    it("RD-2: CONFIG GET shows append-only persistence and maxmemory-policy noeviction", async () => {
        const client = await RespClient.connect(port);
        try {
            assert.strictEqual(await client.command("AUTH", password), "OK");
            assert.deepStrictEqual(await client.command("CONFIG", "GET", "appendonly"), ["appendonly", "yes"]);
            assert.deepStrictEqual(await client.command("CONFIG", "GET", "appendfsync"), ["appendfsync", "everysec"]);
            assert.deepStrictEqual(await client.command("CONFIG", "GET", "maxmemory-policy"), ["maxmemory-policy", "noeviction"]);
            assert.deepStrictEqual(await client.command("CONFIG", "GET", "maxmemory"), ["maxmemory", String(MAXMEMORY)]);
        } finally {
            client.close();
        }
    });

    it("RD-2: data written before a crash is there after restarting from the append-only file", async () => {
        let client = await RespClient.connect(port);
        await client.command("AUTH", password);
        for (let i = 0; i < 50; i++) assert.strictEqual(await client.command("RPUSH", "bull:email:wait", `job-${i}`), i + 1);
        assert.strictEqual(await client.command("SET", "bull:email:id", "50"), "OK");
        client.close();
        // appendfsync everysec: give the fsync its second, then kill without a clean shutdown, so no
        // RDB snapshot is written and only the AOF can bring the data back.
        await sleep(1500);
        await stop("SIGKILL");
        assert.ok(fs.existsSync(path.join(dir, "appendonlydir")), "the AOF lives in the data dir");
        assert.strictEqual(fs.existsSync(path.join(dir, "dump.rdb")), false, "no RDB snapshot to restore from");

        await start();
        client = await RespClient.connect(port);
        try {
            await client.command("AUTH", password);
            const jobs = (await client.command("LRANGE", "bull:email:wait", "0", "-1")) as string[];
            assert.deepStrictEqual(jobs, Array.from({ length: 50 }, (_, i) => `job-${i}`));
            assert.strictEqual(await client.command("GET", "bull:email:id"), "50");
        } finally {
            client.close();
        }
    });

    it("RD-2: past maxmemory, writes fail with OOM and every key written before survives (no eviction)", async () => {
        const client = await RespClient.connect(port);
        try {
            await client.command("AUTH", password);
            const value = (i: number) => `job-${i}:`.padEnd(16 * 1024, "x");
            let written = 0;
            let refusal: Error | undefined;
            for (let i = 0; i < 10000 && refusal === undefined; i++) {
                const reply = await client.command("SET", `bull:erp-sync:${i}`, value(i));
                if (reply instanceof Error) refusal = reply;
                else {
                    assert.strictEqual(reply, "OK");
                    written++;
                }
            }
            assert.ok(refusal, "writes must eventually be refused");
            assert.match(refusal.message, /^OOM command not allowed when used memory > 'maxmemory'/);
            assert.ok(written > 20, `only ${written} keys fitted in ${MAXMEMORY} bytes`);

            // Nothing was evicted to make room: every acknowledged job is still there, intact.
            for (let i = 0; i < written; i++) assert.strictEqual(await client.command("GET", `bull:erp-sync:${i}`), value(i), `key ${i}`);
            assert.deepStrictEqual(await client.command("LRANGE", "bull:email:wait", "0", "0"), ["job-0"]);
            const stats = String(await client.command("INFO", "stats"));
            assert.match(stats, /^evicted_keys:0\r?$/m);
            // The refusal is loud and recoverable: reads still work, and freeing memory lets writes resume.
            const freed = Array.from({ length: 20 }, (_, i) => `bull:erp-sync:${i}`);
            assert.strictEqual(await client.command("DEL", ...freed), freed.length);
            assert.strictEqual(await client.command("SET", "bull:erp-sync:retry", "1"), "OK");
        } finally {
            client.close();
        }
    });

    /**
     * Connects the way BullMQ's client (ioredis) reads REDIS_URL: WHATWG-parse it, then AUTH with the
     * decoded password and no username. redis-cli gets the same parts; its own `-u` is not used,
     * because redis-cli 7 reads `:<password>@` as the empty username "" and sends `AUTH "" <password>`,
     * which Redis refuses (https://github.com/redis/redis-rb/issues/1204).
     */
    function connectWithUrl(url: string) {
        const parsed = new URL(url);
        return cli(["-e", "-h", parsed.hostname, "-p", parsed.port, "PING"], decodeURIComponent(parsed.password));
    }

    it("RD-3: the REDIS_URL the builder produces parses to this server's host, port and password, which authenticate", () => {
        const url = redisUrl({ scheme: "redis", password, host: "127.0.0.1", port });
        const parsed = new URL(url);
        assert.deepStrictEqual(
            [parsed.protocol, parsed.username, parsed.hostname, parsed.port, decodeURIComponent(parsed.password)],
            ["redis:", "", "127.0.0.1", String(port), password],
        );
        const ping = connectWithUrl(url);
        assert.strictEqual(ping.status, 0, ping.stdout + ping.stderr);
        assert.strictEqual(ping.stdout.trim(), "PONG");
        assert.notStrictEqual(connectWithUrl(redisUrl({ scheme: "redis", password: "not-the-password", host: "127.0.0.1", port })).status, 0);
    });

    it("RD-3: a password with URL-reserved characters survives the builder's encoding", async () => {
        const special = "p@ss:w/rd?#%&+ =";
        const client = await RespClient.connect(port);
        try {
            await client.command("AUTH", password);
            assert.strictEqual(await client.command("CONFIG", "SET", "requirepass", special), "OK");
            const ping = connectWithUrl(redisUrl({ scheme: "redis", password: special, host: "127.0.0.1", port }));
            assert.strictEqual(ping.stdout.trim(), "PONG", ping.stdout + ping.stderr);
        } finally {
            await client.command("CONFIG", "SET", "requirepass", password);
            client.close();
        }
    });
});
