import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ageRecipientProblem } from "../../../config/age";
import { formatProblem } from "../../../config/problems";
import { rawConfigFromStackFile, StackFileError } from "../../../config/source";
import { runbook } from "../../helpers/cli";
import { problemAt, problemsOf } from "../../helpers/configProblems";

/*
 * Issue 19, config check: schedules parsed by cron-parser (11), age recipients checked against
 * their Bech32 checksum (12), and malformed stack files refused with one clear line (13). Each is
 * refused before anything is planned, exit 2, naming the key or the file.
 */


/** A valid recipient (age's documentation key) with one character changed: same shape, wrong checksum. */
const GOOD_RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
const MISTYPED_RECIPIENT = `${GOOD_RECIPIENT.slice(0, -1)}q`;

describe("unit: config refuses schedules cron-parser does not read (BK-1, BK-6, OB-6, issue 19 (11); the parsing itself: test/unit/lib/cron.test.ts)", () => {
    it("BK-1: '0 25 * * *' and prose in backups.schedule are refused, naming the key", () => {
        const hour = problemAt(problemsOf("production", (c) => (c["runbook:backups"].schedule = "0 25 * * *")), "backups.schedule");
        assert.match(formatProblem(hour), /backups\.schedule: "0 25 \* \* \*" is not a valid cron schedule/);
        assert.strictEqual(hour.requirement, "BK-1");
        const prose = problemAt(problemsOf("staging", (c) => (c["runbook:backups"].schedule = "every night at two")), "backups.schedule");
        assert.match(prose.message, /has 4 fields, but a CronJob schedule has five/);
    });

    it("BK-6: a drill target's schedule and the restore drill schedule are parsed too", () => {
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].drill.targets[0].schedule = "0 5 32 1 *")), "backups.drill.targets[0].schedule");
        problemAt(problemsOf("staging", (c) => (c["runbook:backups"].restoreDrillSchedule = "weekly")), "backups.restoreDrillSchedule");
    });
});

describe("unit: the age recipient's checksum is checked up front (BK-3, issue 19 (12))", () => {
    it("BK-3: the documentation key passes; one mistyped character fails its Bech32 checksum", () => {
        assert.strictEqual(ageRecipientProblem(GOOD_RECIPIENT), undefined);
        assert.match(ageRecipientProblem(MISTYPED_RECIPIENT) ?? "", /fails its Bech32 checksum/);
        assert.match(ageRecipientProblem("age1short") ?? "", /62 in all/);
        assert.match(ageRecipientProblem(GOOD_RECIPIENT.toUpperCase()) ?? "", /must be an age X25519 recipient/);
    });

    it("BK-3: backups.encryptionRecipient with a bad checksum is a config error naming the key, in either stack", () => {
        for (const stack of ["production", "staging"]) {
            const p = problemAt(problemsOf(stack, (c) => (c["runbook:backups"].encryptionRecipient = MISTYPED_RECIPIENT)), "backups.encryptionRecipient");
            assert.strictEqual(p.requirement, "BK-3");
            assert.match(formatProblem(p), /checksum/);
        }
    });

    it("BK-3: runbook plan exits 2 on it, naming the key, and plans nothing", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-age-"));
        try {
            const text = fs.readFileSync(path.join(__dirname, "..", "..", "..", "..", "Pulumi.staging.yaml"), "utf8").replace(GOOD_RECIPIENT, MISTYPED_RECIPIENT);
            const file = path.join(dir, "Pulumi.staging.yaml");
            fs.writeFileSync(file, text);
            const r = runbook("plan", "--stack", "staging", "--config", file);
            assert.strictEqual(r.status, 2, r.stdout + r.stderr);
            assert.match(r.stderr, /backups\.encryptionRecipient: .*checksum/);
            assert.match(r.stderr, /nothing was planned/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("unit: malformed stack files get one clear line (issue 19 (13))", () => {
    const cases: Array<{ what: string; text: string; message: RegExp }> = [
        { what: "YAML that does not parse", text: "config:\n  runbook:apps: [\n", message: /Pulumi\.staging\.yaml: is not valid YAML: .*line \d+, column \d+/ },
        { what: "config: given as a list", text: "config:\n  - runbook:apps\n", message: /Pulumi\.staging\.yaml: 'config' is a list, but it must be a map of keys to values/ },
        { what: "config: given as a string", text: "config: runbook\n", message: /'config' is a string \("runbook"\), but it must be a map/ },
        { what: "a top-level list", text: "- config:\n    runbook:apps: []\n", message: /Pulumi\.staging\.yaml: the file is a list, but a stack file is a map with a 'config:' key/ },
        { what: "a top-level scalar", text: "just words\n", message: /the file is a string \("just words"\)/ },
    ];

    for (const c of cases) {
        it(`${c.what}: a StackFileError naming the file and the problem`, () => {
            assert.throws(
                () => rawConfigFromStackFile(c.text, "Pulumi.staging.yaml"),
                (e: unknown) => e instanceof StackFileError && c.message.test((e as Error).message),
            );
        });
    }

    it("runbook plan exits 2 with that one line, no stack trace, and plans nothing", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-malformed-"));
        try {
            for (const c of cases) {
                const file = path.join(dir, "Pulumi.staging.yaml");
                fs.writeFileSync(file, c.text);
                const out = path.join(dir, "plan.json");
                const r = runbook("plan", "--stack", "staging", "--config", file, "--json", out);
                assert.strictEqual(r.status, 2, `${c.what}: ${r.stdout}${r.stderr}`);
                assert.match(r.stderr, c.message, c.what);
                assert.match(r.stderr, /nothing was planned/, c.what);
                assert.doesNotMatch(r.stderr, /\n\s+at /, `${c.what}: no stack trace`);
                assert.strictEqual(r.stderr.trim().split("\n").length, 1, `${c.what}: one line`);
                assert.ok(!fs.existsSync(out), `${c.what}: no plan written`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
