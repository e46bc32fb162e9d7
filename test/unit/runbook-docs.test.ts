import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { slug, table } from "../../plan/markdown";
import { parseSections } from "../../plan/runbookGuidance";
import { BACKUP_EXTENSIONS } from "../../plan/runbookModel";
import { describeCron } from "../../plan/runbookPages/common";
import { compareRunbooks, renderSectionChanges, runbookSections } from "../../plan/runbookSections";
import { ROOT } from "../helpers/harness";

describe("unit: the generated runbook's building blocks (issue 21)", () => {
    it("anchors are GitHub's: every in-page link of the hand-written docs finds its heading by slug", () => {
        for (const file of ["alerts.md", "operations.md", "recovery.md"]) {
            const text = fs.readFileSync(path.join(ROOT, "docs", file), "utf8");
            const anchors = new Set(parseSections(text).map((s) => s.anchor));
            const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
            assert.ok(links.length > 0 || file !== "alerts.md", `${file} has in-page links to check`);
            for (const link of links) assert.ok(anchors.has(link), `${file}: #${link} matches no heading's slug`);
        }
        assert.strictEqual(slug("CloudWatch: memory"), "cloudwatch-memory");
        assert.strictEqual(slug("The R2 token in an app (`apps[].r2Env`)"), "the-r2-token-in-an-app-appsr2env");
        assert.strictEqual(slug("ContainerOOMKilled"), "containeroomkilled");
        assert.strictEqual(slug("5. Rolling back (DL-3)"), "5-rolling-back-dl-3");
    });

    it("tables escape pipes, never leave a cell empty, and refuse a row of the wrong width", () => {
        assert.deepStrictEqual(table(["A", "B"], [["x | y", ""]]), ["| A | B |", "| --- | --- |", "| x \\| y | — |"]);
        assert.throws(() => table(["A", "B"], [["only one"]]), /1 cells for 2 columns/);
    });

    it("says the stacks' cron schedules in words, in UTC, and leaves other shapes as cron", () => {
        assert.strictEqual(describeCron("0 2 * * *"), "daily at 02:00 UTC");
        assert.strictEqual(describeCron("15 * * * *"), "hourly at minute 15");
        assert.strictEqual(describeCron("0 5 * * 1"), "every Monday at 05:00 UTC");
        assert.strictEqual(describeCron("0 5 1 1,4,7,10 *"), "05:00 UTC on day 1 of Jan, Apr, Jul, Oct");
        assert.strictEqual(describeCron("*/10 * * * *"), "cron `*/10 * * * *`, UTC");
    });

    it("reads a guidance section's numbered steps (with continuation lines) and paragraphs, skipping code", () => {
        const [s] = parseSections(["## QueueBacklog", "", "**sev3.** More than", "1000 jobs.", "", "1. Are workers running?", "   Check their logs.", "2. Scale them.", "", "```bash", "## not a heading", "```"].join("\n"));
        assert.deepStrictEqual([s.title, s.anchor, s.paragraphs, s.steps], ["QueueBacklog", "queuebacklog", ["**sev3.** More than 1000 jobs."], ["Are workers running? Check their logs.", "Scale them."]]);
    });

    it("the restore commands list objects by the extension each backup script gives them (scripts/backup/backup-*.sh)", () => {
        const fromScripts: Record<string, string> = {};
        for (const file of fs.readdirSync(path.join(ROOT, "scripts", "backup")).filter((f) => /^backup-.*\.sh$/.test(f))) {
            const call = /^run_backup (\S+) (\S+) /m.exec(fs.readFileSync(path.join(ROOT, "scripts", "backup", file), "utf8"));
            if (call) fromScripts[call[1]] = call[2];
        }
        assert.deepStrictEqual(fromScripts, BACKUP_EXTENSIONS);
    });

    it("finds the sections a change alters, adds and removes, by page and anchor, and says so for the pull request", () => {
        const base = { "backups.md": "# Backups\n\nintro\n\n## Summary\n\nkept 30 days\n\n## Restore Redis\n\nold\n", "index.md": "# Runbook\n\nsame\n" };
        const head = { "backups.md": "# Backups\n\nintro\n\n## Summary\n\nkept 45 days\n\n## Restore drills\n\nnew\n", "index.md": "# Runbook\n\nsame\n" };
        assert.deepStrictEqual(
            runbookSections(base).map((s) => `${s.page}#${s.anchor}`),
            ["backups.md#backups", "backups.md#summary", "backups.md#restore-redis", "index.md#runbook"],
        );
        const changes = compareRunbooks(base, head);
        assert.deepStrictEqual(
            [changes.changed, changes.added, changes.removed].map((list) => list.map((s) => `${s.page}#${s.anchor}`)),
            [["backups.md#summary"], ["backups.md#restore-drills"], ["backups.md#restore-redis"]],
        );
        const md = renderSectionChanges("production", changes, { baseRef: "origin/main", pagesDir: "docs/runbooks/production", stale: true });
        assert.match(md, /^### Runbook sections: `production` 📝/);
        assert.match(md, /- Changed: `backups\.md#summary` \(Summary\)/);
        assert.match(md, /- Added: `backups\.md#restore-drills` \(Restore drills\)/);
        assert.match(md, /- Removed: `backups\.md#restore-redis` \(Restore Redis\)/);
        assert.match(md, /\[!WARNING\][\s\S]*runbook docs --stack production/);
        const none = renderSectionChanges("staging", compareRunbooks(base, base), { baseRef: "origin/main", pagesDir: "docs/runbooks/staging", stale: false });
        assert.match(none, /^### Runbook sections: `staging` ✅\n\nNo section of the generated runbook changes against `origin\/main`\.\n$/);
    });
});
