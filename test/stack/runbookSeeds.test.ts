import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readRunbook } from "../../plan/runbookDocs";
import { RunbookTexts, runbookSections } from "../../plan/runbookSections";
import { runbook } from "../helpers/cli";
import { ROOT } from "../helpers/harness";

/*
 * Issue 21.3: every section of every seed runbook (the hand-kept runbooks this project replaces,
 * copied into test/fixtures/seeds/ so CI needs nothing outside the repository) is covered by a
 * section of the runbook generated from that seed's stack file (examples/seeds/), or says why it
 * does not apply. None is dropped silently: a heading without an entry fails, and so does an entry
 * whose heading is gone or whose section the generator no longer writes.
 */

type Coverage = { page: string; anchor: string } | { reason: string };
const at = (target: string): Coverage => {
    const [page, anchor] = target.split("#");
    return { page, anchor };
};
const why = (reason: string): Coverage => ({ reason });

const APP_LOGS = "OB-5 is the apps' concern (structured JSON, secrets redacted): the stack declares no log pipeline, so there is nothing of this stack to document";

const COVERAGE: Record<string, { stackFile: string; sections: Record<string, Coverage> }> = {
    "000_ee0a891e7c6468d8.txt": {
        stackFile: "000-nearbybazaar.yaml",
        sections: {
            "NearbyBazaar Operations Runbook (OPS.md)": at("index.md#runbook-production"),
            "System overview": at("inventory.md#diagram"),
            Environments: at("index.md#stack-at-a-glance"),
            Deployment: at("deploy.md#how-a-change-reaches-this-stack"),
            Prerequisites: at("inventory.md#where-it-lives"),
            "CI/CD (summary)": at("deploy.md#how-a-change-reaches-this-stack"),
            "Manual deployment (reference)": at("deploy.md#deploy-by-hand"),
            "Environment configuration": at("access.md#credentials"),
            "Scaling strategy": at("inventory.md#apps"),
            API: at("inventory.md#apps"),
            "Next.js apps": at("inventory.md#edge"),
            "MongoDB & Redis": at("inventory.md#datastores"),
            "Backups & disaster recovery": at("backups.md#summary"),
            MongoDB: at("backups.md#restore-mongodb"),
            Redis: at("backups.md#restore-redis"),
            "Scripts (reference)": at("backups.md#where-the-backups-are"),
            "Restore procedure (high level)": at("backups.md#restore-mongodb"),
            "Disaster Recovery & Security": at("incidents.md#region-or-account-loss"),
            "Backup Strategy": at("backups.md#summary"),
            "Geo-Replication": at("backups.md#where-the-backups-are"),
            "Disaster Recovery Drills": at("backups.md#restore-drills"),
            Security: at("access.md#credentials"),
            "Monitoring & Improvement": at("backups.md#restore-drills"),
            Observability: at("alerts.md#all-alerts"),
            "Incident response": at("incidents.md#first-ten-minutes"),
            "Severity levels": at("alerts.md#severities-and-routes"),
            "On-call checklist": at("incidents.md#first-ten-minutes"),
            "Common runbooks": at("incidents.md#app-down-or-failing"),
            "Security operations": at("incidents.md#leaked-credential"),
            "Known issues & gotchas": why("about building and testing that monorepo (type errors, Playwright browsers), not about operating what the stack runs"),
            "Contacts & escalation": at("alerts.md#severities-and-routes"),
            "Change management": at("deploy.md#how-a-change-reaches-this-stack"),
            Appendices: why("links to business, compliance and finance documents that no stack holds"),
        },
    },
    "001_246aba3a633424a8.txt": {
        stackFile: "001-nextjs-prisma.yaml",
        sections: {
            "Operations Runbook": at("index.md#runbook-production"),
            "1. Environment Overview": at("index.md#stack-at-a-glance"),
            "2. Health & Readiness": at("inventory.md#apps"),
            "3. Metrics & Monitoring": at("alerts.md#all-alerts"),
            "4. Logging": why(APP_LOGS),
            "5. Security Controls": at("inventory.md#edge"),
            "6. Backups & Disaster Recovery": at("backups.md#summary"),
            "7. Deployment Checklist": at("deploy.md#how-a-change-reaches-this-stack"),
            "8. Incident Response": at("incidents.md#first-ten-minutes"),
            "Severity Levels (Template)": at("alerts.md#severities-and-routes"),
            "9. Feature Flags Operations": why("flags are the app's FLAG_<NAME> variables in apps[].env (WL-8, support); flipping one is a stack-file change, released as on the deploy page"),
            "10. Performance & Load": at("alerts.md#latencyregression"),
            "11. Database Operations": at("deploy.md#releasing-an-app"),
            "12. Secret Management": at("incidents.md#leaked-credential"),
            "13. Timeouts & Resilience": at("inventory.md#edge"),
            "14. Roadmap (Ops Enhancements)": why("a wish list; what the stack already delivers of it (Prometheus alerts, PagerDuty and Slack, drift detection) is on the alerts and deploy pages"),
            "15. Quick Commands (Reference)": at("deploy.md#deploy-by-hand"),
        },
    },
    "002_89fb15e653385fe4.txt": {
        stackFile: "002-nestjs-mongodb.yaml",
        sections: {
            "Operations Runbook": at("index.md#runbook-production"),
            "Service Facts": at("inventory.md#apps"),
            "Pre-Deploy Checklist": at("deploy.md#how-a-change-reaches-this-stack"),
            "Deploy Procedure": at("deploy.md#releasing-an-app"),
            "Post-Deploy Smoke Tests": at("deploy.md#how-a-change-reaches-this-stack"),
            "Incident Response": at("incidents.md#first-ten-minutes"),
            "Severity Model": at("alerts.md#severities-and-routes"),
            "First 10 Minutes": at("incidents.md#first-ten-minutes"),
            "Common Failure Modes": at("incidents.md#app-down-or-failing"),
            "Rollback Strategy": at("deploy.md#roll-back-an-app"),
            "Data Safety Notes": why("destructive endpoints and their dual approval are the app's and CI's (SC-4, support); production deploys already wait for a second person, as the deploy page says"),
            "Observability Baseline (Recommended)": at("alerts.md#all-alerts"),
        },
    },
    "003_54b4e6bca3523195.txt": {
        stackFile: "003-retail-super-app.yaml",
        sections: {
            "Production Runbook - Retail Super App": at("index.md#runbook-production"),
            "Table of Contents": at("index.md#pages"),
            "Architecture Overview": at("inventory.md#diagram"),
            Services: at("inventory.md#apps"),
            Infrastructure: at("inventory.md#where-it-lives"),
            "Deployment Process": at("deploy.md#how-a-change-reaches-this-stack"),
            "Pre-deployment Checklist": at("deploy.md#how-a-change-reaches-this-stack"),
            "Deployment Steps": at("deploy.md#releasing-an-app"),
            "1. Zero-Downtime Deployment (Rolling Update)": at("deploy.md#releasing-an-app"),
            "2. Kubernetes Deployment": at("deploy.md#releasing-an-app"),
            "Rollback Procedure": at("deploy.md#roll-back-an-app"),
            "Common Operations": at("access.md#cluster"),
            Scaling: at("inventory.md#apps"),
            "Horizontal Scaling (Add more instances)": at("incidents.md#slow-responses"),
            "Vertical Scaling (Increase resources)": at("incidents.md#out-of-memory"),
            "Database Operations": at("access.md#postgresql"),
            "Run Migrations": at("deploy.md#releasing-an-app"),
            "Create Database Backup": at("backups.md#back-up-now"),
            "Restore from Backup": at("backups.md#restore-postgresql"),
            "Cache Management": at("access.md#redis"),
            "Clear Redis Cache": at("incidents.md#redis-full"),
            "Restart Queue Workers": at("incidents.md#queue-backlog"),
            "Incident Response": at("incidents.md#first-ten-minutes"),
            "High Response Time": at("alerts.md#highresponsetime"),
            "Database Connection Errors": at("alerts.md#databaseconnectionsnearmax"),
            "Out of Memory": at("alerts.md#containeroomkilled"),
            "Certificate Expiry": at("incidents.md#certificate-expiry"),
            "Monitoring & Alerts": at("alerts.md#all-alerts"),
            "Key Metrics to Monitor": at("alerts.md#all-alerts"),
            "Access Monitoring Tools": at("access.md#monitoring"),
            "Backup & Recovery": at("backups.md#summary"),
            "Automated Backups": at("backups.md#summary"),
            "Backup Locations": at("backups.md#where-the-backups-are"),
            "Disaster Recovery Plan": at("incidents.md#region-or-account-loss"),
            "RTO (Recovery Time Objective): 1 hour": at("backups.md#rto-and-rpo"),
            "RPO (Recovery Point Objective): 24 hours": at("backups.md#rto-and-rpo"),
            "Contact Information": at("alerts.md#severities-and-routes"),
            "On-Call Rotation": at("alerts.md#severities-and-routes"),
            "Emergency Contacts": at("alerts.md#severities-and-routes"),
            "External Services": at("inventory.md#where-it-lives"),
        },
    },
    "004_33306b680820ea50.txt": {
        stackFile: "004-nextjs-r2.yaml",
        sections: {
            "Operations & Runbook": at("index.md#runbook-production"),
            Environments: at("index.md#stack-at-a-glance"),
            "Provisioning Checklist": at("deploy.md#manual-steps"),
            "Environment Variables": at("access.md#credentials"),
            "Deployment (Generic Node Host)": at("deploy.md#deploy-by-hand"),
            "Zero-Downtime Strategy": at("deploy.md#releasing-an-app"),
            Backups: at("backups.md#summary"),
            Monitoring: at("alerts.md#all-alerts"),
            "Incident Response Outline": at("incidents.md#first-ten-minutes"),
            "Secret Rotation": at("access.md#credentials"),
            Scaling: at("inventory.md#apps"),
            "Performance Tuning Ideas": at("inventory.md#edge"),
            "Logging Conventions": why(APP_LOGS),
            "Security Hardening Backlog": at("inventory.md#edge"),
            "Disaster Recovery Drill (Quarterly)": at("backups.md#restore-drills"),
            Decommissioning: at("inventory.md#protected-resources"),
        },
    },
};

const FIXTURES = path.join(ROOT, "test", "fixtures", "seeds");
/** The shared seeds beside the project, when this checkout has them (not in CI). */
const SHARED = path.resolve(ROOT, "..", "shared", "seeds");

/** A seed's headings outside code fences, as plain ASCII text (one seed's title carries mojibake). */
function seedHeadings(text: string): string[] {
    const headings: string[] = [];
    let inFence = false;
    for (const line of text.split("\n")) {
        if (/^\s*```/.test(line)) inFence = !inFence;
        const m = inFence ? null : /^#{1,6} (.+)$/.exec(line);
        if (m) headings.push(m[1].replace(/[^\x20-\x7e]/g, "").trim());
    }
    return headings;
}

describe("stack: the generated runbook covers every section of the seed runbooks (issue 21)", function () {
    this.timeout(300000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-seed-docs-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("the fixtures are the shared seeds, when those are reachable", function () {
        if (!fs.existsSync(SHARED)) this.skip();
        for (const file of fs.readdirSync(SHARED).filter((f) => f.endsWith(".txt"))) {
            assert.ok(fs.existsSync(path.join(FIXTURES, file)), `test/fixtures/seeds/${file} is missing: copy it from ${SHARED}`);
            assert.strictEqual(fs.readFileSync(path.join(FIXTURES, file), "utf8"), fs.readFileSync(path.join(SHARED, file), "utf8"), `test/fixtures/seeds/${file} differs from ${SHARED}; copy it again`);
        }
    });

    it("every seed has a coverage table", () => {
        assert.deepStrictEqual(Object.keys(COVERAGE).sort(), fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".txt")).sort());
    });

    for (const [seed, { stackFile, sections }] of Object.entries(COVERAGE)) {
        it(`${seed}: each section maps to a section of ${stackFile}'s generated runbook, or to a reason`, () => {
            const headings = seedHeadings(fs.readFileSync(path.join(FIXTURES, seed), "utf8"));
            assert.deepStrictEqual(Object.keys(sections).sort(), [...new Set(headings)].sort(), `${seed}: the coverage table must list exactly the seed's headings`);

            const dir = path.join(tmp, path.basename(stackFile, ".yaml"));
            fs.mkdirSync(dir);
            fs.copyFileSync(path.join(ROOT, "examples", "seeds", stackFile), path.join(dir, "Pulumi.production.yaml"));
            const r = runbook("docs", "--stack", "production", "--config", path.join(dir, "Pulumi.production.yaml"), "--out", path.join(dir, "runbook"));
            assert.strictEqual(r.status, 0, `${stackFile}: ${r.stderr}`);
            const pages: RunbookTexts = readRunbook(path.join(dir, "runbook"));
            const generated = new Map(runbookSections(pages).map((s) => [`${s.page}#${s.anchor}`, s]));

            for (const [heading, coverage] of Object.entries(sections)) {
                if ("reason" in coverage) {
                    assert.ok(coverage.reason.length > 40, `${seed} "${heading}": a reason, in words`);
                    continue;
                }
                const section = generated.get(`${coverage.page}#${coverage.anchor}`);
                assert.ok(section, `${seed} "${heading}": ${coverage.page}#${coverage.anchor} is not a section of ${stackFile}'s runbook`);
                assert.ok(section.text.split("\n").slice(1).join("").trim().length > 40, `${seed} "${heading}": ${coverage.page}#${coverage.anchor} says something`);
            }
            const mapped = Object.values(sections).filter((c) => !("reason" in c)).length;
            assert.ok(mapped / Object.keys(sections).length > 0.8, `${seed}: most sections are covered, not explained away`);
        });
    }
});
