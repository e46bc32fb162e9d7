import * as assert from "assert";
import * as vm from "vm";
import {
    APP_PASSWORD_ENV,
    BACKUP_PASSWORD_ENV,
    InitScriptParams,
    KEYFILE_ENV,
    ROOT_PASSWORD_ENV,
    initScriptHash,
    initUsers,
    renderInitScript,
} from "../../../components/database/mongodbInit";
import { memberHosts } from "../../../components/database/mongodbSettings";

/*
 * The init script runs in Node's vm against a fake replica set that answers the commands the script
 * sends the way mongod does (including MongoDB 4.4's one-voting-member-per-reconfig rule), so its
 * behaviour is proven without a MongoDB server.
 */

interface Member {
    _id: number;
    host: string;
    [setting: string]: unknown;
}
interface ReplicaSetConfig {
    _id: string;
    version: number;
    term?: number;
    protocolVersion?: number;
    members: Member[];
    settings?: Record<string, unknown>;
}
type Command = Record<string, any>;

class ServerError extends Error {
    constructor(
        public code: number,
        public codeName: string,
        message: string,
    ) {
        super(message);
    }
}

const KEYFILE = "a1B2c3".repeat(126);

class FakeReplicaSet {
    config: ReplicaSetConfig | null = null;
    primary: string | null = null;
    users = new Map<string, { pwd: string; roles: unknown }>();
    calls: Array<{ host: string; command: Command }> = [];
    connections: string[] = [];
    /** Hosts that refuse connections, for this many more attempts (Infinity: always). */
    down = new Map<string, number>();

    commands(name: string): Array<{ host: string; command: Command }> {
        return this.calls.filter((c) => Object.keys(c.command)[0] === name);
    }

    private isDown(host: string): boolean {
        return (this.down.get(host) ?? 0) > 0;
    }

    private member(host: string): boolean {
        return this.config !== null && this.config.members.some((m) => m.host === host);
    }

    run(host: string, cmd: Command): unknown {
        this.calls.push({ host, command: structuredClone(cmd) });
        const name = Object.keys(cmd)[0];
        switch (name) {
            case "replSetGetStatus":
                // A member outside the config (fresh, or never added) has no config: NotYetInitialized.
                if (!this.member(host)) throw new ServerError(94, "NotYetInitialized", "no replset config has been received");
                return { ok: 1, set: this.config!._id };
            case "replSetInitiate": {
                if (this.member(host)) throw new ServerError(23, "AlreadyInitialized", "already initialized");
                const config = cmd.replSetInitiate as ReplicaSetConfig;
                const missing = config.members.filter((m) => this.isDown(m.host));
                if (missing.length > 0) throw new ServerError(74, "NodeNotFound", `quorum check failed: ${missing[0].host} did not respond`);
                this.config = { ...structuredClone(config), term: 1, protocolVersion: 1, settings: { chainingAllowed: true } };
                this.primary = host;
                return { ok: 1 };
            }
            case "hello":
                return { ok: 1, isWritablePrimary: this.member(host) && host === this.primary, primary: this.member(host) ? this.primary : undefined };
            case "replSetGetConfig":
                if (!this.member(host)) throw new ServerError(94, "NotYetInitialized", "no replset config has been received");
                return { ok: 1, config: structuredClone(this.config) };
            case "replSetReconfig": {
                if (host !== this.primary) throw new ServerError(10107, "NotWritablePrimary", "not primary");
                const next = cmd.replSetReconfig as ReplicaSetConfig;
                const current = this.config!;
                if (next.version !== current.version + 1) throw new ServerError(103, "NewReplicaSetConfigurationIncompatible", `version ${next.version} is not ${current.version + 1}`);
                const before = new Set(current.members.map((m) => m.host));
                const after = new Set(next.members.map((m) => m.host));
                const changed = [...after].filter((h) => !before.has(h)).length + [...before].filter((h) => !after.has(h)).length;
                if (changed > 1) throw new ServerError(103, "NewReplicaSetConfigurationIncompatible", "only one voting member may be added or removed at a time");
                for (const m of next.members) {
                    const old = current.members.find((o) => o.host === m.host);
                    if (old && old._id !== m._id) throw new ServerError(103, "NewReplicaSetConfigurationIncompatible", `member ${m.host} changed _id`);
                }
                if (new Set(next.members.map((m) => m._id)).size !== next.members.length) throw new ServerError(93, "InvalidReplicaSetConfig", "duplicate _id");
                this.config = { ...structuredClone(next), term: current.term };
                return { ok: 1 };
            }
            case "usersInfo": {
                const user = this.users.get(cmd.usersInfo.user);
                return { ok: 1, users: user ? [{ user: cmd.usersInfo.user, db: "admin", roles: user.roles }] : [] };
            }
            case "updateUser": {
                if (host !== this.primary) throw new ServerError(10107, "NotWritablePrimary", "not primary");
                if (!this.users.has(cmd.updateUser)) throw new ServerError(11, "UserNotFound", `User "${cmd.updateUser}@admin" not found`);
                this.users.set(cmd.updateUser, { pwd: cmd.pwd, roles: structuredClone(cmd.roles) });
                return { ok: 1 };
            }
            case "createUser":
                if (host !== this.primary) throw new ServerError(10107, "NotWritablePrimary", "not primary");
                if (this.users.has(cmd.createUser)) throw new ServerError(51003, "Location51003", `User "${cmd.createUser}@admin" already exists`);
                this.users.set(cmd.createUser, { pwd: cmd.pwd, roles: structuredClone(cmd.roles) });
                return { ok: 1 };
            default:
                throw new Error(`fake: unexpected command ${name}`);
        }
    }

    /** mongosh's Mongo: connects to one host as the URI's user, or fails like the driver does. */
    mongoClass(): unknown {
        const fake = this;
        return class Mongo {
            private readonly host: string;
            constructor(uri: string) {
                fake.connections.push(uri);
                const m = /^mongodb:\/\/([^:@]+):([^@]+)@([^/]+)\/\?(.*)$/.exec(uri);
                if (!m) throw new Error(`fake: unparseable URI ${uri}`);
                const [, user, password, host, query] = m;
                const remaining = fake.down.get(host) ?? 0;
                if (remaining > 0) {
                    fake.down.set(host, remaining - 1);
                    throw new ServerError(6, "HostUnreachable", `connect ECONNREFUSED ${host}`);
                }
                if (user !== "__system" || decodeURIComponent(password) !== KEYFILE || !query.split("&").includes("authSource=local")) {
                    throw new ServerError(18, "AuthenticationFailed", "Authentication failed.");
                }
                this.host = host;
            }
            getDB(name: string) {
                if (name !== "admin") throw new Error(`fake: the script should only use admin, not ${name}`);
                return { runCommand: (cmd: Command) => fake.run(this.host, cmd) };
            }
        };
    }
}

const hosts = (members: number) => memberHosts({ statefulSet: "mongodb", headlessService: "mongodb-headless", namespace: "runbook", members });
const users = initUsers({ rootUser: "root", appUser: "app", backupUser: "backup", database: "shop" });
const ENV = { [KEYFILE_ENV]: KEYFILE, [ROOT_PASSWORD_ENV]: "root-pw", [APP_PASSWORD_ENV]: "app-pw", [BACKUP_PASSWORD_ENV]: "backup-pw" };

function script(members: number, extra: Partial<InitScriptParams> = {}): string {
    return renderInitScript({ replicaSetName: "rs0", members: hosts(members), users, ...extra });
}

/** Runs the script as mongosh would, against the fake; returns what it printed and how long it slept. */
function run(source: string, fake: FakeReplicaSet, env: Record<string, string> = ENV): { logs: string[]; sleeps: number[] } {
    const logs: string[] = [];
    const sleeps: number[] = [];
    vm.runInNewContext(source, { Mongo: fake.mongoClass(), sleep: (ms: number) => sleeps.push(ms), print: (m: unknown) => logs.push(String(m)), process: { env } }, { timeout: 5000 });
    return { logs, sleeps };
}

describe("unit: MongoDB replica-set init script (DB-1)", () => {
    it("DB-1: initiates a fresh set once with every member, _ids 0..n-1, then creates the three users", () => {
        const fake = new FakeReplicaSet();
        run(script(3), fake);
        const initiates = fake.commands("replSetInitiate");
        assert.strictEqual(initiates.length, 1);
        assert.strictEqual(initiates[0].host, hosts(3)[0], "member 0 initiates");
        assert.deepStrictEqual(initiates[0].command.replSetInitiate, {
            _id: "rs0",
            version: 1,
            members: hosts(3).map((host, i) => ({ _id: i, host })),
        });
        assert.deepStrictEqual([...fake.users.keys()], ["root", "app", "backup"]);
        assert.deepStrictEqual(fake.users.get("root"), { pwd: "root-pw", roles: [{ role: "root", db: "admin" }] });
        assert.deepStrictEqual(fake.users.get("app"), { pwd: "app-pw", roles: [{ role: "readWrite", db: "shop" }] });
        assert.deepStrictEqual(fake.users.get("backup")!.roles, [
            { role: "backup", db: "admin" },
            { role: "clusterMonitor", db: "admin" },
        ]);
        assert.ok(fake.commands("createUser").every((c) => c.command.writeConcern.w === "majority"));
        assert.strictEqual(fake.commands("replSetReconfig").length, 0);
    });

    it("SC-3: a rotated password reaches the server: a re-run sets each existing user's password from its Secret", () => {
        const fake = new FakeReplicaSet();
        run(script(3), fake);
        fake.calls = [];
        run(script(3), fake, { ...ENV, [APP_PASSWORD_ENV]: "rotated-app-pw" });
        assert.strictEqual(fake.users.get("app")!.pwd, "rotated-app-pw");
        assert.deepStrictEqual(fake.users.get("app")!.roles, [{ role: "readWrite", db: "shop" }]);
        assert.deepStrictEqual(fake.commands("createUser"), []);
        assert.ok(fake.commands("updateUser").every((c) => c.command.writeConcern.w === "majority"));
    });

    it("DB-1: a second run with the same members changes nothing but re-setting the same passwords", () => {
        const fake = new FakeReplicaSet();
        run(script(3), fake);
        const configBefore = structuredClone(fake.config);
        fake.calls = [];
        const { logs } = run(script(3), fake);
        assert.deepStrictEqual(fake.commands("replSetInitiate"), []);
        assert.deepStrictEqual(fake.commands("replSetReconfig"), []);
        assert.deepStrictEqual(fake.commands("createUser"), []);
        assert.deepStrictEqual(fake.config, configBefore);
        assert.ok(logs.some((l) => /user root exists; password and roles set from its Secret/.test(l)));
    });

    it("DB-1: added members join one reconfig at a time, each with a bumped version, existing members untouched", () => {
        const fake = new FakeReplicaSet();
        run(script(1), fake);
        // An operator's tuning of member 0 must survive the reconfig.
        fake.config!.members[0].priority = 2;
        fake.calls = [];
        run(script(3), fake);
        const reconfigs = fake.commands("replSetReconfig").map((c) => c.command.replSetReconfig as ReplicaSetConfig);
        assert.deepStrictEqual(
            reconfigs.map((c) => c.version),
            [2, 3],
        );
        assert.ok(reconfigs.every((c) => !("term" in c)), "term is the server's to set");
        assert.deepStrictEqual(fake.config!.members, [
            { _id: 0, host: hosts(3)[0], priority: 2 },
            { _id: 1, host: hosts(3)[1] },
            { _id: 2, host: hosts(3)[2] },
        ]);
        assert.strictEqual(fake.config!.settings!.chainingAllowed, true, "other config fields are carried over");
        assert.deepStrictEqual(fake.commands("replSetInitiate"), []);
        assert.deepStrictEqual(fake.commands("createUser"), [], "users were created by the first run");
    });

    it("DB-1: removed members leave the set; the others keep their _ids", () => {
        const fake = new FakeReplicaSet();
        run(script(3), fake);
        run(script(2), fake);
        assert.strictEqual(fake.config!.version, 2);
        assert.deepStrictEqual(fake.config!.members, [
            { _id: 0, host: hosts(3)[0] },
            { _id: 1, host: hosts(3)[1] },
        ]);
        // Growing again gives the returning host the next free _id.
        run(script(3), fake);
        assert.strictEqual(fake.config!.version, 3);
        assert.deepStrictEqual(
            fake.config!.members.map((m) => m._id),
            [0, 1, 2],
        );
    });

    it("DB-1: with member 0 down after a failover, it finds the set through another member and reconfigures on the primary", () => {
        const fake = new FakeReplicaSet();
        run(script(3), fake);
        fake.primary = hosts(3)[2];
        fake.down.set(hosts(3)[0], Infinity);
        fake.calls = [];
        run(script(4), fake);
        assert.deepStrictEqual(fake.commands("replSetInitiate"), [], "never starts a second set");
        const reconfigs = fake.commands("replSetReconfig");
        assert.strictEqual(reconfigs.length, 1);
        assert.strictEqual(reconfigs[0].host, hosts(3)[2]);
        assert.deepStrictEqual(fake.config!.members[3], { _id: 3, host: hosts(4)[3] });
    });

    it("DB-1: creates only the users that are missing, and sets an existing user's password back to its Secret's", () => {
        const fake = new FakeReplicaSet();
        fake.users.set("root", { pwd: "rotated-by-hand", roles: [{ role: "root", db: "admin" }] });
        run(script(1), fake);
        assert.deepStrictEqual(
            fake.commands("createUser").map((c) => c.command.createUser),
            ["app", "backup"],
        );
        assert.deepStrictEqual(fake.commands("updateUser").map((c) => c.command.updateUser), ["root"]);
        assert.strictEqual(fake.users.get("root")!.pwd, ENV[ROOT_PASSWORD_ENV], "the Secret is the truth: the apps and the backup job read it");
    });

    it("DB-1: waits for members that are still starting instead of failing the Job", () => {
        const fake = new FakeReplicaSet();
        fake.down.set(hosts(3)[1], 2);
        const { sleeps } = run(script(3, { retryDelayMs: 250 }), fake);
        const initiates = fake.commands("replSetInitiate");
        assert.strictEqual(initiates.length, 2, "the first initiate fails its quorum check, the second succeeds");
        assert.ok(sleeps.length >= 1 && sleeps.every((ms) => ms === 250));
        assert.strictEqual(fake.config!.members.length, 3);
    });

    it("gives up after the configured attempts when member 0 never answers", () => {
        const fake = new FakeReplicaSet();
        fake.down.set(hosts(1)[0], Infinity);
        const sleeps: number[] = [];
        assert.throws(
            () =>
                vm.runInNewContext(script(1, { attempts: 3, retryDelayMs: 10 }), {
                    Mongo: fake.mongoClass(),
                    sleep: (ms: number) => sleeps.push(ms),
                    print: () => undefined,
                    process: { env: ENV },
                }),
            /member mongodb-0\.mongodb-headless\.runbook\.svc\.cluster\.local:27017 is not reachable yet/,
        );
        assert.deepStrictEqual(sleeps, [10, 10], "a pause between tries, none after the last");
        assert.strictEqual(fake.connections.length, 3, "one connection attempt per try");
        assert.strictEqual(fake.config, null);
    });

    it("SC-1: authenticates with the keyfile as the members' internal user, never with a password in the script", () => {
        const fake = new FakeReplicaSet();
        run(script(1), fake);
        assert.ok(fake.connections.length > 0);
        for (const uri of fake.connections) {
            assert.match(uri, /^mongodb:\/\/__system:[^@]+@mongodb-0\.mongodb-headless\.runbook\.svc\.cluster\.local:27017\/\?directConnection=true&authSource=local/);
        }
        const source = script(3);
        for (const secret of Object.values(ENV)) assert.ok(!source.includes(secret), "the script holds no secret value");
        assert.throws(() => run(source, new FakeReplicaSet(), { ...ENV, [KEYFILE_ENV]: "wrong-key" }), /not reachable yet/);
    });

    it("SC-1: refuses to run without its Secrets, naming every missing variable, before touching the set", () => {
        const fake = new FakeReplicaSet();
        const env: Record<string, string> = { ...ENV };
        delete env[APP_PASSWORD_ENV];
        delete env[BACKUP_PASSWORD_ENV];
        assert.throws(() => run(script(1), fake, env), /environment variables not set: MONGODB_APP_PASSWORD, MONGODB_BACKUP_PASSWORD/);
        assert.deepStrictEqual(fake.calls, []);
        assert.deepStrictEqual(fake.connections, []);
    });

    it("renders the same text for the same desired state and a new hash when the members change", () => {
        assert.strictEqual(script(3), script(3));
        assert.strictEqual(initScriptHash(script(3)), initScriptHash(script(3)));
        assert.notStrictEqual(initScriptHash(script(3)), initScriptHash(script(4)));
        assert.match(initScriptHash(script(1)), /^[0-9a-f]{10}$/);
        assert.throws(() => renderInitScript({ replicaSetName: "rs0", members: [], users }), /at least one member/);
        assert.throws(() => renderInitScript({ replicaSetName: "rs0", members: [hosts(1)[0], hosts(1)[0]], users }), /members repeat/);
    });
});
