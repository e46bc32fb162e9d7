import { UNKNOWN, at, keysAt, knownNumber, knownString, listAt, stringMap } from "./props";
import { DATA_TIER, K8S_CRON_JOB, K8S_DAEMON_SET, K8S_DEPLOYMENT, K8S_JOB, K8S_POD, K8S_REPLICATION_CONTROLLER, K8S_REPLICA_SET, K8S_STATEFUL_SET, TIER_LABEL } from "./vocabulary";

/*
 * What a Kubernetes workload is and runs, read from its spec. A data-tier workload is recognised by
 * its `runbook.dev/tier: data` label OR by what it runs (a database image, a server command, a
 * database port), so moving Redis into a Deployment or dropping a label does not take it out of
 * the data-tier rules. The label names are the pack's vocabulary (./vocabulary.ts).
 */

/** Ports of PostgreSQL, MySQL, MongoDB and Redis. */
export const DATA_PORTS = [5432, 3306, 27017, 6379];

/** Where each workload kind keeps its pod template. */
export const POD_TEMPLATE_PATHS: Record<string, string[]> = {
    [K8S_STATEFUL_SET]: ["spec", "template"],
    [K8S_DEPLOYMENT]: ["spec", "template"],
    [K8S_DAEMON_SET]: ["spec", "template"],
    [K8S_REPLICA_SET]: ["spec", "template"],
    [K8S_REPLICATION_CONTROLLER]: ["spec", "template"],
    [K8S_JOB]: ["spec", "template"],
    [K8S_CRON_JOB]: ["spec", "jobTemplate", "spec", "template"],
    [K8S_POD]: [],
};

/** Every type token that runs pods. */
export const WORKLOAD_TYPES = Object.keys(POD_TEMPLATE_PATHS);

export function isWorkload(type: string): boolean {
    return POD_TEMPLATE_PATHS[type] !== undefined;
}

/** The pod template (metadata + spec) of a workload, or undefined for other types. */
export function podTemplate(type: string, props: unknown): unknown {
    const path = POD_TEMPLATE_PATHS[type];
    return path === undefined ? undefined : path.length === 0 ? props : at(props, ...path);
}

export function podSpec(type: string, props: unknown): unknown {
    return at(podTemplate(type, props), "spec");
}

/** Labels of the pods a workload runs. */
export function podLabels(type: string, props: unknown): Record<string, string> {
    return stringMap(at(podTemplate(type, props), "metadata", "labels"));
}

export function namespaceOf(props: unknown): string {
    const ns = at(props, "metadata", "namespace");
    return typeof ns === "string" && ns !== "" ? ns : "default";
}

export interface Container {
    kind: "container" | "init container" | "ephemeral container";
    value: unknown;
    name: string;
}

/** Every container of a pod spec, init and ephemeral ones included. */
export function containersOf(spec: unknown): Container[] {
    const take = (key: string, kind: Container["kind"]) =>
        listAt(spec, key).map((value) => ({ kind, value, name: knownString(at(value, "name")) ?? "(unnamed)" }));
    return [...take("initContainers", "init container"), ...take("containers", "container"), ...take("ephemeralContainers", "ephemeral container")];
}

/** command and args as separate words; a `sh -c "redis-server … --requirepass …"` string is split too. */
export function tokensOf(container: unknown): string[] {
    return [...listAt(container, "command"), ...listAt(container, "args")]
        .filter((t): t is string => typeof t === "string")
        .flatMap((t) => t.split(/\s+/))
        .filter((t) => t !== "");
}

/** The repository's last path segment of an image: `docker.io/bitnami/redis:7@sha256:…` → `redis`. */
export function imageName(image: unknown): string | undefined {
    if (typeof image !== "string") return undefined;
    const withoutDigest = image.split("@")[0];
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    const repository = colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
    return repository.slice(lastSlash + 1).toLowerCase();
}

export type Datastore = "postgres" | "mysql" | "mongodb" | "redis";

const IMAGES: Record<string, Datastore> = {
    postgres: "postgres",
    postgresql: "postgres",
    postgis: "postgres",
    timescaledb: "postgres",
    mysql: "mysql",
    mariadb: "mysql",
    mongo: "mongodb",
    mongodb: "mongodb",
    "mongodb-community-server": "mongodb",
    "mongodb-enterprise-server": "mongodb",
    "percona-server-mongodb": "mongodb",
    redis: "redis",
    valkey: "redis",
    "redis-stack-server": "redis",
    keydb: "redis",
};

const SERVERS: Record<string, Datastore> = {
    postgres: "postgres",
    mysqld: "mysql",
    mariadbd: "mysql",
    mongod: "mongodb",
    "redis-server": "redis",
    "valkey-server": "redis",
    "keydb-server": "redis",
};

const CLIENTS = new Set(["mongosh", "mongo", "mongodump", "mongorestore", "redis-cli", "valkey-cli", "psql", "pg_dump", "pg_restore", "pg_dumpall", "mysql", "mysqldump"]);

const PORTS: Record<number, Datastore> = { 5432: "postgres", 3306: "mysql", 27017: "mongodb", 6379: "redis" };

function basename(word: string): string {
    return word.replace(/^["']|["']$/g, "").split("/").pop() ?? word;
}

/** The datastore an image holds (its server or its client tools), if any. */
export function datastoreOfImage(image: unknown): Datastore | undefined {
    const name = imageName(image);
    return name === undefined ? undefined : IMAGES[name];
}

/** The datastore server a container runs, judged by its image, command and ports; undefined for clients and apps. */
export function serverOf(container: unknown, dataPorts: number[] = DATA_PORTS): Datastore | undefined {
    const tokens = tokensOf(container).map(basename);
    const fromImage = datastoreOfImage(at(container, "image"));
    for (const t of tokens) {
        if (t === "docker-entrypoint.sh") continue;
        if (SERVERS[t]) return SERVERS[t];
    }
    // A database image with no command runs its server (the image's entrypoint); a client command does not.
    const command = listAt(container, "command").filter((t): t is string => typeof t === "string");
    const runsClient = tokens.some((t) => CLIENTS.has(t));
    if (fromImage && (command.length === 0 || command.some((c) => basename(c) === "docker-entrypoint.sh")) && !runsClient) return fromImage;
    for (const port of listAt(container, "ports")) {
        const number = knownNumber(at(port, "containerPort"));
        if (number !== undefined && dataPorts.includes(number)) return PORTS[number] ?? fromImage ?? "postgres";
    }
    return undefined;
}

/** True when the workload or its pods carry `runbook.dev/tier: data`, or any container runs or uses a datastore image or server. */
export function isDataTier(type: string, props: unknown, dataPorts: number[] = DATA_PORTS): boolean {
    if (at(props, "metadata", "labels", TIER_LABEL) === DATA_TIER || podLabels(type, props)[TIER_LABEL] === DATA_TIER) return true;
    return containersOf(podSpec(type, props)).some((c) => serverOf(c.value, dataPorts) !== undefined || datastoreOfImage(at(c.value, "image")) !== undefined);
}

/** True when the workload runs a datastore server (not only its client tools). */
export function runsDataServer(type: string, props: unknown, dataPorts: number[] = DATA_PORTS): boolean {
    return containersOf(podSpec(type, props)).some((c) => c.kind !== "init container" && serverOf(c.value, dataPorts) !== undefined);
}

/** The named container ports of a workload's datastore servers (name → number). */
export function dataServerPorts(type: string, props: unknown, dataPorts: number[] = DATA_PORTS): Map<string, number> {
    const ports = new Map<string, number>();
    for (const c of containersOf(podSpec(type, props))) {
        if (serverOf(c.value, dataPorts) === undefined) continue;
        for (const p of listAt(c.value, "ports")) {
            const number = knownNumber(at(p, "containerPort"));
            if (number === undefined) continue;
            ports.set(knownString(at(p, "name")) ?? String(number), number);
        }
    }
    return ports;
}

/** Where a datastore server keeps its data inside the container. */
export function dataDirectoryOf(store: Datastore, container: unknown): string {
    const tokens = tokensOf(container);
    const option = (flag: string) => {
        const i = tokens.findIndex((t) => t === flag || t.startsWith(`${flag}=`));
        if (i < 0) return undefined;
        return tokens[i].includes("=") ? tokens[i].split("=").slice(1).join("=") : tokens[i + 1];
    };
    const env = (name: string) => knownString(at(listAt(container, "env").find((e) => at(e, "name") === name), "value"));
    switch (store) {
        case "mongodb":
            return option("--dbpath") ?? "/data/db";
        case "redis":
            return option("--dir") ?? "/data";
        case "postgres":
            return env("PGDATA") ?? "/var/lib/postgresql/data";
        case "mysql":
            return option("--datadir") ?? "/var/lib/mysql";
    }
}

/** True when `value` is the unknown marker. */
export function isUnknown(value: unknown): boolean {
    return value === UNKNOWN;
}

export { keysAt };
