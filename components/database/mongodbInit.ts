import { createHash } from "crypto";

/*
 * The replica-set init Job's script (DB-1): mongosh JavaScript that initiates the set once, brings its
 * member list in line with the StatefulSet's, creates the users that are missing and sets the
 * password and roles of those that exist (so a rotated password reaches the server). It is safe to
 * run any number of times, which is what lets the Job re-run whenever its inputs change, or after the
 * cluster has garbage-collected a finished Job.
 */

/** Environment variables of the init Job, each from a Secret; passwords never appear in the script. */
export const KEYFILE_ENV = "MONGODB_KEYFILE";
export const ROOT_PASSWORD_ENV = "MONGODB_ROOT_PASSWORD";
export const APP_PASSWORD_ENV = "MONGODB_APP_PASSWORD";
export const BACKUP_PASSWORD_ENV = "MONGODB_BACKUP_PASSWORD";
export const MONITOR_PASSWORD_ENV = "MONGODB_MONITOR_PASSWORD";

export interface InitRole {
    role: string;
    db: string;
}

export interface InitUser {
    /** User name, created in the admin database. */
    user: string;
    /** Environment variable that holds the user's password. */
    passwordEnv: string;
    roles: InitRole[];
}

export interface InitScriptParams {
    replicaSetName: string;
    /** `host:port` of every member, in ordinal order; member 0 initiates the set. */
    members: string[];
    users: InitUser[];
    /** Environment variable that holds the replica-set keyfile. Defaults to MONGODB_KEYFILE. */
    keyfileEnv?: string;
    /** Attempts for each step that waits on the cluster (members starting, elections). Defaults to 60. */
    attempts?: number;
    /** Pause between attempts. Defaults to 5000 ms, so 5 minutes per step with the default attempts. */
    retryDelayMs?: number;
}

export interface InitUsersArgs {
    rootUser: string;
    appUser: string;
    backupUser: string;
    /** The metrics user of the exporter sidecars. Defaults to none. */
    monitorUser?: string;
    /** Its roles; required with monitorUser. */
    monitorRoles?: InitRole[];
    /** The application database the app user reads and writes. */
    database: string;
}

/**
 * The users: root for operators, the application's user limited to its database, a backup user
 * that can dump every database with the oplog (BK-1) and read replication state, nothing more, and
 * (when given) the exporters' metrics user with only the roles it is given.
 */
export function initUsers(args: InitUsersArgs): InitUser[] {
    if (args.monitorUser !== undefined && (args.monitorRoles ?? []).length === 0) throw new Error(`initUsers: monitor user ${args.monitorUser} needs its roles`);
    const monitor: InitUser[] = args.monitorUser === undefined ? [] : [{ user: args.monitorUser, passwordEnv: MONITOR_PASSWORD_ENV, roles: args.monitorRoles ?? [] }];
    return [
        { user: args.rootUser, passwordEnv: ROOT_PASSWORD_ENV, roles: [{ role: "root", db: "admin" }] },
        { user: args.appUser, passwordEnv: APP_PASSWORD_ENV, roles: [{ role: "readWrite", db: args.database }] },
        {
            user: args.backupUser,
            passwordEnv: BACKUP_PASSWORD_ENV,
            roles: [
                { role: "backup", db: "admin" },
                { role: "clusterMonitor", db: "admin" },
            ],
        },
        ...monitor,
    ];
}

/**
 * The script body. `params` (rendered above it) is the desired state. mongosh provides `Mongo`,
 * `sleep`, `print` and `process`; the unit tests provide fakes of the same names.
 */
export const INIT_SCRIPT = String.raw`
const NOT_YET_INITIALIZED = 94;

function log(message) {
    print("[mongodb-init] " + message);
}

// mongosh throws on { ok: 0 }; other shells return it. Either way the caller sees an error with the server's code.
function command(db, cmd) {
    const reply = db.runCommand(cmd);
    if (reply && reply.ok === 0) {
        const error = new Error(reply.errmsg || "command " + Object.keys(cmd)[0] + " failed");
        error.code = reply.code;
        error.codeName = reply.codeName;
        throw error;
    }
    return reply;
}

function retry(what, action) {
    for (let attempt = 1; ; attempt++) {
        try {
            return action();
        } catch (error) {
            if (attempt >= params.attempts) throw error;
            log(what + " failed (" + (error.codeName || error.message) + "); attempt " + attempt + " of " + params.attempts);
            sleep(params.retryDelayMs);
        }
    }
}

// Before the first user exists, the only identity a remote client can take is the members' internal
// user, whose password is the keyfile: the localhost exception does not reach a Job's pod.
function open(host) {
    const key = process.env[params.keyfileEnv].replace(/\s/g, "");
    const uri = "mongodb://__system:" + encodeURIComponent(key) + "@" + host + "/?directConnection=true&authSource=local&serverSelectionTimeoutMS=10000";
    return new Mongo(uri).getDB("admin");
}

function isInitiated(admin) {
    try {
        command(admin, { replSetGetStatus: 1 });
        return true;
    } catch (error) {
        if (error.code === NOT_YET_INITIALIZED || error.codeName === "NotYetInitialized") return false;
        throw error;
    }
}

// Any member that already belongs to the set wins over initiating: a member that lost its volume, or
// a member 0 that is down, must never start a second set with the same name.
function findReplicaSet() {
    let first = null;
    for (const host of params.members) {
        try {
            const admin = open(host);
            if (isInitiated(admin)) return { initiated: admin };
            if (host === params.members[0]) first = admin;
        } catch (error) {
            log("member " + host + " not usable yet (" + (error.codeName || error.message) + ")");
        }
    }
    return { initiated: null, first: first };
}

function initiate(admin) {
    const members = params.members.map((host, i) => ({ _id: i, host: host }));
    command(admin, { replSetInitiate: { _id: params.replicaSetName, version: 1, members: members } });
    log("initiated " + params.replicaSetName + " with " + params.members.join(", "));
}

function primaryOf(admin) {
    return retry("waiting for a primary", () => {
        const hello = command(admin, { hello: 1 });
        if (hello.isWritablePrimary) return admin;
        if (hello.primary) {
            const primary = open(hello.primary);
            if (command(primary, { hello: 1 }).isWritablePrimary) return primary;
        }
        throw new Error("no primary elected yet");
    });
}

// One member added or removed per reconfig, because MongoDB 4.4+ refuses to change more than one
// voting member at a time. Existing members keep their _id and settings; new ones take the next free _id.
function nextConfig(config) {
    const current = config.members.map((m) => m.host);
    const missing = params.members.filter((host) => current.indexOf(host) < 0);
    const extra = config.members.filter((m) => params.members.indexOf(m.host) < 0);
    if (missing.length === 0 && extra.length === 0) return null;
    const next = Object.assign({}, config, { version: config.version + 1 });
    delete next.term;
    if (missing.length > 0) {
        const nextId = config.members.reduce((max, m) => Math.max(max, m._id), -1) + 1;
        next.members = config.members.concat([{ _id: nextId, host: missing[0] }]);
    } else {
        next.members = config.members.filter((m) => m !== extra[0]);
    }
    return next;
}

function reconcileMembers(primary) {
    // At most 7 additions and 7 removals; anything beyond means the set is changing under us.
    for (let step = 0; step < 15; step++) {
        const config = command(primary, { replSetGetConfig: 1 }).config;
        const next = nextConfig(config);
        if (next === null) return;
        retry("replSetReconfig to version " + next.version, () => command(primary, { replSetReconfig: next }));
        log("reconfigured " + params.replicaSetName + " to version " + next.version + ": " + next.members.map((m) => m.host).join(", "));
    }
    throw new Error("the member list did not converge after 15 reconfigurations");
}

function ensureUsers(primary) {
    for (const user of params.users) {
        const existing = command(primary, { usersInfo: { user: user.user, db: "admin" } }).users;
        if (existing.length > 0) {
            // The Secrets are the truth: a rotated password (a new Secret, so a new Job) reaches the server here.
            command(primary, { updateUser: user.user, pwd: process.env[user.passwordEnv], roles: user.roles, writeConcern: { w: "majority" } });
            log("user " + user.user + " exists; password and roles set from its Secret");
            continue;
        }
        command(primary, { createUser: user.user, pwd: process.env[user.passwordEnv], roles: user.roles, writeConcern: { w: "majority" } });
        log("created user " + user.user);
    }
}

(function main() {
    const required = [params.keyfileEnv].concat(params.users.map((u) => u.passwordEnv));
    const unset = required.filter((name) => !process.env[name]);
    if (unset.length > 0) throw new Error("environment variables not set: " + unset.join(", ") + "; the Job reads them from the MongoDB Secrets");

    const member = retry("finding the replica set", () => {
        const found = findReplicaSet();
        if (found.initiated) return found.initiated;
        if (!found.first) throw new Error("member " + params.members[0] + " is not reachable yet");
        initiate(found.first);
        return found.first;
    });
    const primary = primaryOf(member);
    reconcileMembers(primary);
    ensureUsers(primary);
    log("replica set " + params.replicaSetName + " is ready");
})();
`;

/** The script with its desired state; the same inputs always render the same text. */
export function renderInitScript(input: InitScriptParams): string {
    if (input.members.length === 0) throw new Error("renderInitScript: at least one member is required");
    if (new Set(input.members).size !== input.members.length) throw new Error(`renderInitScript: members repeat: ${input.members.join(", ")}`);
    const params = {
        replicaSetName: input.replicaSetName,
        members: input.members,
        users: input.users,
        keyfileEnv: input.keyfileEnv ?? KEYFILE_ENV,
        attempts: input.attempts ?? 60,
        retryDelayMs: input.retryDelayMs ?? 5000,
    };
    return `// Replica-set init for ${params.replicaSetName}, generated by runbook. Idempotent: safe to re-run.\nconst params = ${JSON.stringify(params, null, 4)};\n${INIT_SCRIPT}`;
}

/** A short content hash, used to name the Job so that a new member list or user set runs it again. */
export function initScriptHash(script: string): string {
    return createHash("sha256").update(script).digest("hex").slice(0, 10);
}

/**
 * The init Job's name: the prefix and a hash of everything the Job runs with (the script, which
 * carries the member list and users; the image; the names of the Secrets it reads, which carry
 * their content hashes). Same inputs, same name, so the Job is never re-created for nothing; a new
 * member list, image or rotated password is a new Job, which runs.
 */
export function initJobName(prefix: string, script: string, image: string, secretNames: string[]): string {
    return `${prefix}-${initScriptHash(`${script}\n${image}\n${secretNames.join(",")}`)}`;
}

/** "35m", "1h", "90s" in seconds, as Pulumi's customTimeouts read them. */
export function timeoutSeconds(timeout: string): number {
    const m = /^(\d+)(s|m|h)$/.exec(timeout);
    if (!m) throw new Error(`'${timeout}' is not a timeout such as 35m`);
    return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
}
