import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/*
 * A small kubelet on podman: it runs one pod spec, as a kubelet would, in real containers, so that
 * a pod the plan emits is proven to start, not only to validate. It exists because `podman kube
 * play` (4.3) differs from a kubelet exactly where our pods need it to match, as measured here: it
 * runs a native sidecar (an initContainer with `restartPolicy: Always`) to completion before the
 * main containers (the drill's scratch server would block its pod), ignores `defaultMode` and
 * `fsGroup` on ConfigMap, Secret and emptyDir volumes, does not expand `$(VAR)` in `command`/`args`,
 * and ignores startup and readiness probes.
 *
 * What it implements of the Pod API (anything else in a spec is refused, never ignored):
 * - `securityContext` of the pod and each container: runAsUser, runAsGroup, fsGroup (a supplementary
 *   group, and the group that owns every volume), supplementalGroups, runAsNonRoot (checked against
 *   the image's user, as the kubelet does), readOnlyRootFilesystem (no tmpfs on /tmp),
 *   allowPrivilegeEscalation, capabilities, seccompProfile RuntimeDefault;
 * - `command`/`args` with Kubernetes' rules (command replaces the entrypoint and drops the image's
 *   CMD) and `$(VAR)` expansion; `env` (value, secretKeyRef, configMapKeyRef, fieldRef) and `envFrom`;
 *   `workingDir`; memory and CPU limits;
 * - volumes: emptyDir (0777), configMap and secret (files at `defaultMode`/`mode`, read-only
 *   mounts), and claims (volumeClaimTemplates or persistentVolumeClaim: a fresh root-owned
 *   directory), each owned by fsGroup as the kubelet sets it; `subPath`;
 * - init containers in order, native sidecars started and held to their startup probe before the
 *   next container, then the main containers; startup, readiness and liveness probes (exec,
 *   httpGet, tcpSocket), with their periods and thresholds; a job pod ends when its main containers
 *   have exited, and its sidecars are then stopped.
 * The only change a test makes to a pod is `hostNetwork: true`, so that it reaches servers the test
 * runs on loopback; probes then connect to the host's own address, as a kubelet connects to a
 * host-network pod's IP (a server that listens on loopback only fails an httpGet or tcpSocket probe
 * here as it would in a cluster).
 */

type Spec = Record<string, any>;

/** The Secrets and ConfigMaps a pod may reference, by name, with their (test) values. */
export interface PodObjects {
    configMaps: Record<string, Record<string, string>>;
    secrets: Record<string, Record<string, string>>;
}

export interface PodToPlay {
    /** The pod's name (unique on this machine while it runs). */
    name: string;
    namespace: string;
    /** The pod template's spec, exactly as planned. */
    spec: Spec;
    /** A StatefulSet's claim templates: each becomes a fresh volume. */
    volumeClaimTemplates?: Spec[];
}

export interface PlayOptions {
    objects: PodObjects;
    /**
     * Test values for plain settings that point at the outside world (a cloud endpoint, the Pushgateway
     * of a cluster): applied to every `value` of `env` and to ConfigMap values read into env. Each value
     * it changes is listed in the pod's `changes`.
     */
    rewriteValue?: (value: string) => string;
    /** "completed": a job pod, which ends. "ready": a server pod, left running once every container is ready. */
    until: "completed" | "ready";
    timeoutMs: number;
}

/** Why a pod did not do what it declares, naming the container and what it could not do. */
export class PodFailure extends Error {
    constructor(
        readonly pod: string,
        readonly container: string,
        readonly reason: string,
        readonly logTail: string,
    ) {
        super(`pod ${pod}, container ${container}: ${reason}${logTail ? `\n--- last lines of ${container} ---\n${logTail}` : ""}`);
    }
}

interface CommandResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

function command(cmd: string, args: string[], timeoutMs = 120000, input?: string): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
        child.stdin.on("error", () => undefined);
        child.stdin.end(input ?? "");
    });
}

async function podman(args: string[], timeoutMs = 120000): Promise<string> {
    const r = await command("podman", args, timeoutMs);
    if (r.status !== 0) throw new Error(`podman ${args.slice(0, 3).join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A reference as a kubelet resolves it: a Docker Hub short name means docker.io/library/…. */
export function normalizeImage(image: string): string {
    const first = image.split("/")[0];
    const hasRegistry = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    if (hasRegistry) return image;
    return image.includes("/") ? `docker.io/${image}` : `docker.io/library/${image}`;
}

/** Bytes of a Kubernetes quantity ("512Mi", "2Gi", "1G"). */
export function quantityBytes(q: string | number): number {
    if (typeof q === "number") return q;
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
    if (!m) throw new Error(`not a memory quantity: ${q}`);
    const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] as "Ki"] ?? 1;
    return Math.round(Number(m[1]) * unit);
}

/** CPUs of a Kubernetes quantity ("500m", "2"). */
export function quantityCpus(q: string | number): number {
    if (typeof q === "number") return q;
    const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(q);
    if (!m) throw new Error(`not a CPU quantity: ${q}`);
    return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

/**
 * Kubernetes' `$(VAR)` expansion (command, args and env values): a defined variable is replaced,
 * `$$` is a literal `$`, and an undefined reference stays as written.
 */
export function expandVariables(text: string, vars: Record<string, string>): string {
    let out = "";
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c !== "$" || i === text.length - 1) {
            out += c;
            continue;
        }
        const next = text[i + 1];
        if (next === "$") {
            out += "$";
            i++;
        } else if (next === "(") {
            const close = text.indexOf(")", i + 2);
            if (close < 0) {
                out += text.slice(i);
                break;
            }
            const name = text.slice(i + 2, close);
            out += Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : text.slice(i, close + 1);
            i = close;
        } else {
            out += c;
        }
    }
    return out;
}

const POD_FIELDS = new Set([
    "containers", "initContainers", "volumes", "securityContext", "restartPolicy", "automountServiceAccountToken", "enableServiceLinks",
    "terminationGracePeriodSeconds", "serviceAccountName", "nodeSelector", "affinity", "tolerations", "topologySpreadConstraints",
    "priorityClassName", "hostNetwork", "dnsPolicy", "hostAliases", "activeDeadlineSeconds",
]);
const CONTAINER_FIELDS = new Set([
    "name", "image", "imagePullPolicy", "command", "args", "env", "envFrom", "workingDir", "ports", "resources", "securityContext",
    "volumeMounts", "startupProbe", "readinessProbe", "livenessProbe", "restartPolicy", "terminationMessagePolicy", "terminationMessagePath", "lifecycle",
]);

function refuseUnknown(what: string, obj: Spec, known: Set<string>): void {
    for (const k of Object.keys(obj)) if (!known.has(k)) throw new Error(`${what}: this harness does not implement '${k}'; add it before trusting a run of this pod`);
}

/** The host's own non-loopback IPv4 address: where a kubelet's probes reach a host-network pod. */
function podIp(): string {
    for (const addrs of Object.values(os.networkInterfaces())) {
        for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
    }
    return "127.0.0.1";
}

interface Resolved {
    name: string;
    sidecar: boolean;
    init: boolean;
    spec: Spec;
    ctr: string;
}

/** A pod the harness started. */
export class RunningPod {
    readonly changes: string[] = [];
    readonly containers: Resolved[] = [];
    private stopped = false;

    constructor(
        readonly name: string,
        readonly dir: string,
        private readonly grace: number,
    ) {}

    /** Everything a container wrote, stdout and stderr. */
    async logs(container: string): Promise<string> {
        const c = this.containers.find((x) => x.name === container);
        if (!c) throw new Error(`pod ${this.name} has no container ${container}`);
        const r = await command("podman", ["logs", c.ctr]);
        return r.stdout + r.stderr;
    }

    async tail(container: string, lines = 25): Promise<string> {
        try {
            return (await this.logs(container)).trimEnd().split("\n").slice(-lines).join("\n");
        } catch {
            return "";
        }
    }

    /** Runs a command in a container, as `kubectl exec` does. */
    exec(container: string, argv: string[], input?: string): Promise<CommandResult> {
        const c = this.containers.find((x) => x.name === container);
        if (!c) throw new Error(`pod ${this.name} has no container ${container}`);
        return command("podman", ["exec", ...(input !== undefined ? ["-i"] : []), c.ctr, ...argv], 120000, input);
    }

    async state(container: string): Promise<{ status: string; exitCode: number }> {
        const c = this.containers.find((x) => x.name === container)!;
        const out = await podman(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", c.ctr]);
        const [status, code] = out.trim().split(" ");
        return { status, exitCode: Number(code) };
    }

    async stop(): Promise<void> {
        if (this.stopped) return;
        this.stopped = true;
        await command("podman", ["pod", "stop", "-t", String(this.grace), this.name], (this.grace + 30) * 1000);
        await command("podman", ["pod", "rm", "-f", this.name], 60000);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Plays pod specs in real containers with podman. */
export class PodmanKubelet {
    private readonly ip = podIp();

    async play(pod: PodToPlay, options: PlayOptions): Promise<RunningPod> {
        const spec = pod.spec;
        refuseUnknown(`pod ${pod.name}`, spec, POD_FIELDS);
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) refuseUnknown(`pod ${pod.name}, container ${c.name}`, c, CONTAINER_FIELDS);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `runbook-pod-${pod.name}-`));
        const running = new RunningPod(pod.name, dir, spec.terminationGracePeriodSeconds ?? 30);
        try {
            await podman(["pod", "create", "--name", pod.name, "--network", "host", "--hostname", pod.name.slice(0, 63)]);
            const volumes = this.prepareVolumes(pod, options.objects, dir);
            const inits = (spec.initContainers ?? []) as Spec[];
            const mains = spec.containers as Spec[];
            for (const c of inits) {
                const sidecar = c.restartPolicy === "Always";
                const r = await this.create(pod, running, c, { sidecar, init: true }, volumes, options);
                await podman(["start", r.ctr]);
                if (sidecar) {
                    await this.awaitStarted(running, r);
                } else {
                    const code = await this.waitExit(running, r, options.timeoutMs);
                    if (code !== 0) throw new PodFailure(pod.name, c.name, `init container exited ${code}`, await running.tail(c.name));
                }
            }
            const created: Resolved[] = [];
            for (const c of mains) created.push(await this.create(pod, running, c, { sidecar: false, init: false }, volumes, options));
            for (const r of created) await podman(["start", r.ctr]);
            if (options.until === "ready") {
                await Promise.all(created.map((r) => this.awaitReady(running, r, options.timeoutMs)));
                return running;
            }
            await this.awaitCompletion(running, created, options.timeoutMs);
            return running;
        } catch (e) {
            if (!(e instanceof PodFailure)) {
                await running.stop().catch(() => undefined);
                throw e;
            }
            // Keep the logs readable for the caller's message, then clean up.
            const failure = e;
            await running.stop().catch(() => undefined);
            throw failure;
        }
    }

    /** Host directories for the pod's volumes, owned and moded as the kubelet makes them. */
    private prepareVolumes(pod: PodToPlay, objects: PodObjects, dir: string): Map<string, { hostPath: string; readOnly: boolean }> {
        const fsGroup: number | undefined = pod.spec.securityContext?.fsGroup;
        const volumes = new Map<string, { hostPath: string; readOnly: boolean }>();
        const own = (p: string, mode: number, isDir: boolean) => {
            // SetVolumeOwnership: group fsGroup, group read (and write for a writable volume), setgid on directories.
            if (fsGroup === undefined) {
                fs.chmodSync(p, mode);
                return;
            }
            fs.chownSync(p, 0, fsGroup);
            fs.chmodSync(p, isDir ? mode | 0o2000 : mode);
        };
        const writeFiles = (name: string, source: Record<string, string>, what: string, vol: Spec) => {
            const root = path.join(dir, "volumes", name);
            fs.mkdirSync(root, { recursive: true });
            const defaultMode: number = vol.defaultMode ?? 0o644;
            const items: Array<{ key: string; path: string; mode?: number }> = vol.items ?? Object.keys(source).map((key) => ({ key, path: key }));
            for (const item of items) {
                if (!(item.key in source)) {
                    if (vol.optional) continue;
                    throw new PodFailure(pod.name, "(volumes)", `volume ${name}: ${what} has no key ${item.key}`, "");
                }
                const file = path.join(root, item.path);
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, source[item.key]);
                // A read-only volume: group read is added for fsGroup, never write.
                own(file, (item.mode ?? defaultMode) | (fsGroup !== undefined ? 0o440 : 0), false);
            }
            own(root, 0o777, true);
            volumes.set(name, { hostPath: root, readOnly: true });
        };
        for (const vol of (pod.spec.volumes ?? []) as Spec[]) {
            if (vol.emptyDir !== undefined) {
                const root = path.join(dir, "volumes", vol.name);
                fs.mkdirSync(root, { recursive: true });
                own(root, fsGroup !== undefined ? 0o777 : 0o777, true);
                volumes.set(vol.name, { hostPath: root, readOnly: false });
            } else if (vol.configMap !== undefined) {
                const data = objects.configMaps[vol.configMap.name];
                if (data === undefined && !vol.configMap.optional) throw new PodFailure(pod.name, "(volumes)", `volume ${vol.name}: ConfigMap ${vol.configMap.name} does not exist`, "");
                writeFiles(vol.name, data ?? {}, `ConfigMap ${vol.configMap.name}`, vol.configMap);
            } else if (vol.secret !== undefined) {
                const data = objects.secrets[vol.secret.secretName];
                if (data === undefined && !vol.secret.optional) throw new PodFailure(pod.name, "(volumes)", `volume ${vol.name}: Secret ${vol.secret.secretName} does not exist`, "");
                writeFiles(vol.name, data ?? {}, `Secret ${vol.secret.secretName}`, vol.secret);
            } else if (vol.persistentVolumeClaim !== undefined) {
                volumes.set(vol.name, this.claim(dir, vol.name, own));
            } else {
                throw new Error(`pod ${pod.name}: volume ${vol.name} is of a kind this harness does not implement: ${Object.keys(vol).join(", ")}`);
            }
        }
        for (const claim of pod.volumeClaimTemplates ?? []) volumes.set(claim.metadata.name, this.claim(dir, claim.metadata.name, own));
        return volumes;
    }

    /** A fresh volume from a storage class: the root directory of a new filesystem, root-owned 0755. */
    private claim(dir: string, name: string, own: (p: string, mode: number, isDir: boolean) => void) {
        const root = path.join(dir, "claims", name);
        fs.mkdirSync(root, { recursive: true });
        own(root, 0o755 | 0o070, true);
        return { hostPath: root, readOnly: false };
    }

    /** Resolves a container's env as the kubelet does, and creates it. */
    private async create(pod: PodToPlay, running: RunningPod, c: Spec, kind: { sidecar: boolean; init: boolean }, volumes: Map<string, { hostPath: string; readOnly: boolean }>, options: PlayOptions): Promise<Resolved> {
        const podSec = pod.spec.securityContext ?? {};
        const sec = c.securityContext ?? {};
        const fail = (reason: string) => new PodFailure(pod.name, c.name, reason, "");
        const image = normalizeImage(c.image);
        if ((await command("podman", ["image", "exists", image])).status !== 0) throw fail(`ErrImageNeverPull: image ${c.image} (${image}) is not on this machine`);

        // User and groups: the container's settings over the pod's, then the image's USER.
        const uid: number | undefined = sec.runAsUser ?? podSec.runAsUser;
        const gid: number | undefined = sec.runAsGroup ?? podSec.runAsGroup;
        const runAsNonRoot: boolean | undefined = sec.runAsNonRoot ?? podSec.runAsNonRoot;
        if (runAsNonRoot) {
            if (uid === 0) throw fail("CreateContainerConfigError: runAsNonRoot and runAsUser is 0");
            if (uid === undefined) {
                const user = (await podman(["image", "inspect", "--format", "{{.Config.User}}", image])).trim().split(":")[0];
                if (user === "" || user === "0" || user === "root") throw fail("CreateContainerConfigError: container has runAsNonRoot and image will run as root");
                if (!/^\d+$/.test(user)) throw fail(`CreateContainerConfigError: container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root`);
            }
        }

        // Environment: in order, each value expanded with those before it.
        const env: Record<string, string> = {};
        const change = (where: string, before: string): string => {
            const after = options.rewriteValue ? options.rewriteValue(before) : before;
            if (after !== before) running.changes.push(`${c.name} ${where}: ${before} -> ${after}`);
            return after;
        };
        for (const from of (c.envFrom ?? []) as Spec[]) {
            const source = from.secretRef ? options.objects.secrets[from.secretRef.name] : options.objects.configMaps[from.configMapRef?.name];
            if (source === undefined) {
                if ((from.secretRef ?? from.configMapRef)?.optional) continue;
                throw fail(`CreateContainerConfigError: envFrom ${JSON.stringify(from)} names an object that does not exist`);
            }
            for (const [k, v] of Object.entries(source)) env[`${from.prefix ?? ""}${k}`] = from.configMapRef ? change(`envFrom ${k}`, v) : v;
        }
        for (const e of (c.env ?? []) as Spec[]) {
            if (e.value !== undefined) env[e.name] = change(`env ${e.name}`, expandVariables(String(e.value), env));
            else if (e.valueFrom?.secretKeyRef) {
                const ref = e.valueFrom.secretKeyRef;
                const value = options.objects.secrets[ref.name]?.[ref.key];
                if (value === undefined) {
                    if (ref.optional) continue;
                    throw fail(`CreateContainerConfigError: env ${e.name}: secret "${ref.name}" has no key "${ref.key}"`);
                }
                env[e.name] = value;
            } else if (e.valueFrom?.configMapKeyRef) {
                const ref = e.valueFrom.configMapKeyRef;
                const value = options.objects.configMaps[ref.name]?.[ref.key];
                if (value === undefined) {
                    if (ref.optional) continue;
                    throw fail(`CreateContainerConfigError: env ${e.name}: configmap "${ref.name}" has no key "${ref.key}"`);
                }
                env[e.name] = change(`env ${e.name}`, value);
            } else if (e.valueFrom?.fieldRef) {
                const field = e.valueFrom.fieldRef.fieldPath;
                const fields: Record<string, string> = { "metadata.name": pod.name, "metadata.namespace": pod.namespace, "status.podIP": this.ip, "status.hostIP": this.ip, "spec.nodeName": os.hostname() };
                if (!(field in fields)) throw new Error(`pod ${pod.name}, container ${c.name}: fieldRef ${field} is not implemented`);
                env[e.name] = fields[field];
            } else {
                throw new Error(`pod ${pod.name}, container ${c.name}: env ${e.name} has a source this harness does not implement`);
            }
        }

        const ctr = `${pod.name}-${c.name}`;
        const args = ["create", "--pod", pod.name, "--name", ctr, "--pull", "never", "--init=false"];
        if (uid !== undefined) args.push("--user", gid !== undefined ? `${uid}:${gid}` : String(uid));
        else if (gid !== undefined) throw new Error(`pod ${pod.name}, container ${c.name}: runAsGroup without runAsUser is not implemented`);
        for (const g of [...(podSec.fsGroup !== undefined ? [podSec.fsGroup] : []), ...(podSec.supplementalGroups ?? [])]) args.push("--group-add", String(g));
        if (sec.privileged) throw fail("privileged containers are not run by this harness");
        if (sec.readOnlyRootFilesystem) args.push("--read-only", "--read-only-tmpfs=false");
        if (sec.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
        for (const cap of sec.capabilities?.drop ?? []) args.push("--cap-drop", String(cap).toLowerCase());
        for (const cap of sec.capabilities?.add ?? []) args.push("--cap-add", String(cap).toLowerCase());
        const seccomp = sec.seccompProfile?.type ?? podSec.seccompProfile?.type;
        if (seccomp !== undefined && seccomp !== "RuntimeDefault") throw new Error(`pod ${pod.name}, container ${c.name}: seccompProfile ${seccomp} is not implemented`);
        const limits = c.resources?.limits ?? {};
        if (limits.memory !== undefined) args.push("--memory", String(quantityBytes(limits.memory)), "--memory-swap", String(quantityBytes(limits.memory)));
        if (limits.cpu !== undefined) args.push("--cpus", String(quantityCpus(limits.cpu)));
        if (c.workingDir !== undefined) args.push("--workdir", c.workingDir);
        for (const [k, v] of Object.entries(env)) args.push("--env", `${k}=${v}`);
        for (const m of (c.volumeMounts ?? []) as Spec[]) {
            const vol = volumes.get(m.name);
            if (!vol) throw fail(`CreateContainerConfigError: volumeMount ${m.name} names no volume of the pod`);
            const source = m.subPath ? path.join(vol.hostPath, m.subPath) : vol.hostPath;
            if (m.subPath) fs.mkdirSync(source, { recursive: true });
            args.push("--volume", `${source}:${m.mountPath}${m.readOnly || vol.readOnly ? ":ro" : ""}`);
        }
        for (const alias of (pod.spec.hostAliases ?? []) as Spec[]) for (const h of alias.hostnames ?? []) args.push("--add-host", `${h}:${alias.ip}`);
        // command replaces the entrypoint and drops the image's CMD; args alone replace the CMD.
        const expand = (list: string[]) => list.map((a) => expandVariables(String(a), env));
        if (c.command !== undefined) args.push("--entrypoint", JSON.stringify(expand(c.command)));
        args.push(image);
        if (c.args !== undefined) args.push(...expand(c.args));
        else if (c.command !== undefined) {
            // nothing: Kubernetes runs the command with no arguments
        }
        await podman(args);
        const resolved: Resolved = { name: c.name, sidecar: kind.sidecar, init: kind.init, spec: c, ctr };
        running.containers.push(resolved);
        return resolved;
    }

    /** One probe attempt: exec in the container, or a connection to the pod's address. */
    private async probeOnce(running: RunningPod, r: Resolved, probe: Spec): Promise<{ ok: boolean; output: string }> {
        // Seconds of podman's own overhead per exec on a busy 2-core machine, beyond the probe's timeout.
        const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000 + 3000;
        const port = (p: number | string): number => {
            if (typeof p === "number") return p;
            const found = (r.spec.ports ?? []).find((x: Spec) => x.name === p);
            if (!found) throw new PodFailure(running.name, r.name, `probe names port ${p}, which the container does not declare`, "");
            return found.containerPort;
        };
        if (probe.exec) {
            const res = await command("podman", ["exec", r.ctr, ...probe.exec.command], timeoutMs);
            return { ok: res.status === 0, output: `exec ${probe.exec.command.join(" ")}: exit ${res.status} ${(res.stdout + res.stderr).trim().slice(-300)}` };
        }
        if (probe.httpGet) {
            const host = probe.httpGet.host ?? this.ip;
            const p = port(probe.httpGet.port);
            if ((probe.httpGet.scheme ?? "HTTP") !== "HTTP") throw new Error(`httpGet scheme ${probe.httpGet.scheme} is not implemented`);
            return new Promise((resolve) => {
                const req = http.get({ host, port: p, path: probe.httpGet.path ?? "/", timeout: timeoutMs }, (res) => {
                    res.resume();
                    const code = res.statusCode ?? 0;
                    resolve({ ok: code >= 200 && code < 400, output: `GET http://${host}:${p}${probe.httpGet.path ?? "/"}: ${code}` });
                });
                req.on("timeout", () => req.destroy(new Error("timeout")));
                req.on("error", (e) => resolve({ ok: false, output: `GET http://${host}:${p}${probe.httpGet.path ?? "/"}: ${e.message}` }));
            });
        }
        if (probe.tcpSocket) {
            const host = probe.tcpSocket.host ?? this.ip;
            const p = port(probe.tcpSocket.port);
            return new Promise((resolve) => {
                const sock = net.connect({ host, port: p });
                const timer = setTimeout(() => (sock.destroy(), resolve({ ok: false, output: `tcp ${host}:${p}: timeout` })), timeoutMs);
                sock.on("connect", () => (clearTimeout(timer), sock.destroy(), resolve({ ok: true, output: `tcp ${host}:${p}: open` })));
                sock.on("error", (e) => (clearTimeout(timer), resolve({ ok: false, output: `tcp ${host}:${p}: ${e.message}` })));
            });
        }
        throw new Error(`container ${r.name}: a probe kind this harness does not implement: ${Object.keys(probe).join(", ")}`);
    }

    /**
     * Runs a probe until it succeeds (resolve) or fails `failureThreshold` times in a row (PodFailure),
     * at its period; fails at once when the container exits.
     */
    private async probeUntil(running: RunningPod, r: Resolved, kind: string, probe: Spec, deadline: number): Promise<void> {
        const period = (probe.periodSeconds ?? 10) * 1000;
        const threshold = probe.failureThreshold ?? 3;
        const successes = probe.successThreshold ?? 1;
        await sleep((probe.initialDelaySeconds ?? 0) * 1000);
        let failures = 0;
        let passed = 0;
        let last = "";
        for (;;) {
            const state = await running.state(r.name);
            if (state.status === "exited") throw new PodFailure(running.name, r.name, `exited ${state.exitCode} before its ${kind} probe passed (${last || "no attempt yet"})`, await running.tail(r.name));
            const attempt = await this.probeOnce(running, r, probe);
            last = attempt.output;
            if (attempt.ok) {
                if (++passed >= successes) return;
            } else {
                passed = 0;
                if (++failures >= threshold) throw new PodFailure(running.name, r.name, `${kind} probe failed ${failures} times: ${last}`, await running.tail(r.name));
            }
            if (Date.now() > deadline) throw new PodFailure(running.name, r.name, `${kind} probe still not passing at the test's deadline: ${last}`, await running.tail(r.name));
            await sleep(period);
        }
    }

    /** A started container: its startup probe passed, or it runs (when it has none). */
    private async awaitStarted(running: RunningPod, r: Resolved, deadline = Date.now() + 600000): Promise<void> {
        if (r.spec.startupProbe) return this.probeUntil(running, r, "startup", r.spec.startupProbe, deadline);
        const state = await running.state(r.name);
        if (state.status === "exited") throw new PodFailure(running.name, r.name, `exited ${state.exitCode} as it started`, await running.tail(r.name));
    }

    /** Started, then ready (readiness probe), then alive (liveness probe, once). */
    private async awaitReady(running: RunningPod, r: Resolved, timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        await this.awaitStarted(running, r, deadline);
        if (r.spec.readinessProbe) await this.probeUntil(running, r, "readiness", r.spec.readinessProbe, deadline);
        if (r.spec.livenessProbe) await this.probeUntil(running, r, "liveness", { ...r.spec.livenessProbe, initialDelaySeconds: 0 }, deadline);
        const state = await running.state(r.name);
        if (state.status !== "running") throw new PodFailure(running.name, r.name, `is ${state.status} (exit ${state.exitCode}) after its probes`, await running.tail(r.name));
    }

    private async waitExit(running: RunningPod, r: Resolved, timeoutMs: number): Promise<number> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const state = await running.state(r.name);
            if (state.status === "exited") return state.exitCode;
            if (Date.now() > deadline) throw new PodFailure(running.name, r.name, `still running at the test's deadline (${timeoutMs / 1000}s)`, await running.tail(r.name));
            await sleep(300);
        }
    }

    /** A job pod: every main container exits 0 while the sidecars keep running; then the sidecars stop. */
    private async awaitCompletion(running: RunningPod, mains: Resolved[], timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        const sidecars = running.containers.filter((c) => c.sidecar);
        for (;;) {
            for (const s of sidecars) {
                const st = await running.state(s.name);
                if (st.status === "exited") throw new PodFailure(running.name, s.name, `sidecar exited ${st.exitCode} while the job ran`, await running.tail(s.name));
            }
            const states = await Promise.all(mains.map((m) => running.state(m.name)));
            if (states.every((s) => s.status === "exited")) {
                const failed = mains.find((_, i) => states[i].exitCode !== 0);
                if (failed) throw new PodFailure(running.name, failed.name, `exited ${states[mains.indexOf(failed)].exitCode}`, await running.tail(failed.name));
                for (const s of sidecars) await podman(["stop", "-t", "10", s.ctr]);
                return;
            }
            if (Date.now() > deadline) {
                const still = mains.filter((_, i) => states[i].status !== "exited")[0];
                throw new PodFailure(running.name, still.name, `still running at the test's deadline (${timeoutMs / 1000}s)`, await running.tail(still.name));
            }
            await sleep(500);
        }
    }
}
