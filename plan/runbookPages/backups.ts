import { bullets, code, fence, page, table } from "../markdown";
import type { BackupJobFacts, DatastoreFacts, RunbookFacts } from "../runbookModel";
import { PAGES, PageInput, alertLinks, datastoreTitle, days, docsLink, header, hoursText, schedule } from "./common";

const DATASTORE_NAMES: Record<BackupJobFacts["datastore"], string> = { postgres: "PostgreSQL", mongodb: "MongoDB", "mongodb-oplog": "MongoDB oplog", redis: "Redis" };

function summaryRows(facts: RunbookFacts): string[][] {
    const rows = facts.backups.jobs.map((j) => [
        DATASTORE_NAMES[j.datastore],
        `${code(j.cronJob)} to ${code(`${j.bucket}/${j.prefix}/`)}`,
        schedule(j.schedule),
        days(j.retentionDays),
        days(j.lockDays),
        hoursText(j.periodHours),
    ]);
    for (const d of facts.datastores) {
        if (d.kind === "postgres-rds") {
            rows.push(["PostgreSQL", "RDS automated backups and point-in-time recovery", `window ${code(d.automatedBackups.window)} UTC, transaction logs every 5 minutes`, days(d.automatedBackups.retentionDays), "AWS-managed", "about 5 min"]);
        } else if (d.kind === "redis-elasticache") {
            rows.push(["Redis", "ElastiCache daily snapshots", `window ${code(d.snapshots.window)} UTC`, days(d.snapshots.retentionDays), "AWS-managed", "24 h"]);
        }
    }
    return rows;
}

function listBackups(facts: RunbookFacts): string[] {
    return [
        `export S3_ENDPOINT_URL=${facts.location.r2Endpoint} AWS_DEFAULT_REGION=auto`,
        `BUCKET=${facts.backups.bucket}`,
        "# A token that may read the bucket: the backup jobs' (or, where the drill runs, runbook-drill-credentials).",
        "export AWS_ACCESS_KEY_ID=$(kubectl get secret runbook-backup-credentials -o jsonpath='{.data.AWS_ACCESS_KEY_ID}' | base64 -d)",
        "export AWS_SECRET_ACCESS_KEY=$(kubectl get secret runbook-backup-credentials -o jsonpath='{.data.AWS_SECRET_ACCESS_KEY}' | base64 -d)",
        "# Promoted backups of a prefix and of its monthly generation, oldest first, none named in the future (a wrong clock):",
        "list_backups() { # list_backups PREFIX EXT",
        '  for p in "$1" "monthly/$1"; do',
        '    aws --endpoint-url "$S3_ENDPOINT_URL" s3api list-objects-v2 --bucket "$BUCKET" --prefix "$p/" \\',
        "        --query 'Contents[].Key' --output text | tr '\\t' '\\n' \\",
        '      | grep -E "^$p/[0-9]{8}T[0-9]{6}Z(-[0-9a-f]{8})?\\.$2\\.zst\\.age\\$"',
        "  done | awk -v now=\"$(date -u +%Y%m%dT%H%M%SZ)\" '{ n = $0; sub(/^.*\\//, \"\", n) } substr(n, 1, 16) <= now { print n \"\\t\" $0 }' \\",
        "    | sort -s -k1,1 | awk '!seen[$1]++ { print $2 }'",
        "}",
        "fetch() { # fetch KEY FILE: download and check the SHA-256 the job recorded",
        '  aws --endpoint-url "$S3_ENDPOINT_URL" s3 cp "s3://$BUCKET/$1" "$2"',
        '  test "$(sha256sum "$2" | cut -d\' \' -f1)" = "$(aws --endpoint-url "$S3_ENDPOINT_URL" s3api head-object --bucket "$BUCKET" --key "$1" --query Metadata.sha256 --output text)" && echo "checksum ok: $1"',
        "}",
        ...facts.backups.jobs.map((j) => `list_backups ${j.prefix} ${j.extension} | tail -n 3   # ${DATASTORE_NAMES[j.datastore]}`),
    ];
}

function restoreSection(facts: RunbookFacts, d: DatastoreFacts): string[][] {
    const region = facts.location.aws?.region ?? "<region>";
    const jobFor = (datastore: BackupJobFacts["datastore"]) => facts.backups.jobs.find((j) => j.datastore === datastore);
    switch (d.kind) {
        case "postgres-rds": {
            const job = jobFor("postgres");
            return [
                [`## Restore ${datastoreTitle(d)}`],
                [
                    `Two ways back, fastest first. **Point in time** (RDS, within the last ${days(d.automatedBackups.retentionDays)}): a new instance beside the old one, then point the stack at it with the recovery procedure.`,
                ],
                fence("bash", [
                    `ID=$(pulumi stack output databaseInstanceIdentifier --stack ${facts.stack})`,
                    `aws rds restore-db-instance-to-point-in-time --region ${region} --source-db-instance-identifier "$ID" \\`,
                    `  --target-db-instance-identifier "$ID-restored" --restore-time 2026-01-01T00:00:00Z   # or --use-latest-restorable-time`,
                ]),
                job
                    ? [
                          `**From the dumps** (${code(job.cronJob)}, ${schedule(job.schedule)}): the copy that survives losing the AWS account or region. With ${code("list_backups")} and ${code("fetch")} from [where the backups are](#where-the-backups-are), and the drill key's private half (${code("drill.agekey")}, kept offline):`,
                      ]
                    : [],
                job
                    ? fence("bash", [
                          `KEY=$(list_backups ${job.prefix} ${job.extension} | tail -n 1)   # the newest; or name an older one`,
                          `MANIFEST=\${KEY%.${job.extension}.zst.age}.manifest.tar.zst.age   # the roles and row counts beside it`,
                          'fetch "$KEY" backup.age && fetch "$MANIFEST" manifest.age',
                          "age -d -i drill.agekey manifest.age | zstd -d | tar -xf - globals.sql tables.tsv",
                          "age -d -i drill.agekey backup.age | zstd -d -o backup.pgdump",
                          "read -rs PGPASSWORD && export PGPASSWORD   # the new server's master password; never on a command line",
                          `ADMIN=postgres://${d.masterUser}@<new host>:${d.port}`,
                          "# The roles first (those that exist already fail harmlessly), then the database with its owners and privileges:",
                          `psql "$ADMIN/postgres?sslmode=require" -f globals.sql 2>&1 | grep ERROR | grep -v 'already exists'`,
                          `pg_restore --dbname="$ADMIN/postgres?sslmode=require" --create --jobs=4 --exit-on-error backup.pgdump`,
                          "# No backup carries passwords: set each login role's again from the stack's Secret.",
                      ])
                    : [],
                [
                    `Then point ${code("DATABASE_URL")} at it through the stack (the role Jobs create ${code("runbook_app")} and ${code("runbook_migrate")} on a new instance), check ${code("npx prisma migrate status")} or your migration tool, and the apps' readiness before taking traffic. Full procedure and what a drill measured: [recovery](${docsLink("recovery.md", "postgresql")}).`,
                ],
            ];
        }
        case "mongodb": {
            const full = jobFor("mongodb");
            const oplog = jobFor("mongodb-oplog");
            return [
                [`## Restore ${datastoreTitle(d)}`],
                [
                    `To a point in time: the last full backup before it${full ? ` (${code(full.cronJob)}, ${schedule(full.schedule)})` : ""}, then every oplog capture after it${oplog ? ` (${code(oplog.cronJob)}, ${schedule(oplog.schedule)})` : ""}, oldest first, the last one stopped at the target.`,
                ],
                fence("bash", [
                    `FULL=$(list_backups ${full?.prefix ?? "mongodb"} ${full?.extension ?? "archive"} | tail -n 1)`,
                    "fetch \"$FULL\" full.age",
                    'age -d -i drill.agekey full.age | zstd -d | mongorestore --uri="$NEW_MONGODB_URI" --archive --oplogReplay --drop',
                    `list_backups ${oplog?.prefix ?? "mongodb-oplog"} ${oplog?.extension ?? "oplog.bson"}   # each capture after FULL, oldest first, up to the target:`,
                    'mkdir -p empty && fetch "$OPLOG_KEY" oplog.age && age -d -i drill.agekey oplog.age | zstd -d -o oplog.bson',
                    'mongorestore --uri="$NEW_MONGODB_URI" --oplogReplay --oplogFile=oplog.bson --oplogLimit=<unix seconds> --dir=empty',
                ]),
                [`These follow the MongoDB tools' documented options and have not been run end to end in this project's tests ([recovery](${docsLink("recovery.md", "mongodb-to-a-point-in-time")})).`],
            ];
        }
        case "redis-in-cluster": {
            const job = jobFor("redis");
            return [
                [`## Restore ${datastoreTitle(d)}`],
                [`Redis keeps queues and caches; restore it when queued jobs matter more than the minutes since ${job ? `the last snapshot (${code(job.cronJob)}, ${schedule(job.schedule)})` : "the last snapshot"}.`],
                fence("bash", [
                    `KEY=$(list_backups ${job?.prefix ?? "redis"} ${job?.extension ?? "rdb"} | tail -n 1)`,
                    "fetch \"$KEY\" redis.age",
                    "age -d -i drill.agekey redis.age | zstd -d -o dump.rdb",
                    `# Stop the writers, then replace dump.rdb on the volume of ${d.statefulSet}-0 and remove its appendonly directory`,
                    "# (or Redis loads the AOF instead), restart the pod, then: redis-cli CONFIG SET appendonly yes",
                    `kubectl scale deployment -l runbook.dev/tier=app --replicas=0`,
                    `kubectl cp dump.rdb ${d.statefulSet}-0:/data/dump.rdb -c ${d.container}`,
                ]),
            ];
        }
        case "redis-elasticache": {
            const job = jobFor("redis");
            return [
                [`## Restore ${datastoreTitle(d)}`],
                [`ElastiCache restores from its own snapshots (kept ${days(d.snapshots.retentionDays)}): a new replication group from a snapshot, then point ${code("REDIS_URL")} at it through the stack.`],
                fence("bash", [
                    `aws elasticache describe-snapshots --region ${region} --query 'Snapshots[].[SnapshotName,NodeSnapshots[0].SnapshotCreateTime]' --output table`,
                    `aws elasticache create-replication-group --region ${region} --replication-group-id ${facts.stack}-redis-restored \\`,
                    `  --replication-group-description "restore of ${facts.stack}" --snapshot-name <snapshot> --engine ${d.engine} --cache-node-type ${d.nodeType}`,
                ]),
                ...(job
                    ? [
                          [`When the account's snapshots are gone, seed the new group from the RDB ${code(job.cronJob)} exported to the backups bucket ([recovery](${docsLink("recovery.md", "redis-elasticache")})):`],
                          fence("bash", [
                              `KEY=$(list_backups ${job.prefix} ${job.extension} | tail -n 1)`,
                              "fetch \"$KEY\" redis.age",
                              "age -d -i drill.agekey redis.age | zstd -d -o dump.rdb",
                              "# An S3 bucket in the group's region that ElastiCache may read (the stack's export bucket), then:",
                              `aws elasticache create-replication-group --region ${region} --replication-group-id ${facts.stack}-redis-restored \\`,
                              `  --replication-group-description "restore of $KEY" --snapshot-arns arn:aws:s3:::<export bucket>/restore/dump.rdb --engine ${d.engine} --cache-node-type ${d.nodeType}`,
                          ]),
                      ]
                    : []),
            ];
        }
    }
}

function drillSection(facts: RunbookFacts): string[][] {
    const drills = facts.backups.drills;
    const alerts = alertLinks(facts, ["RestoreDrillFailed", "RestoreDrillOverdue", "RestoreDrillNeverSucceeded", "RestoreDrillRtoAboveTarget", "RestoreDrillRpoAboveTarget"]);
    if (drills.length === 0) {
        return [
            ["## Restore drills"],
            [
                `This stack holds no drill key (BK-3: the key that decrypts backups never enters ${facts.production ? "production" : "this cluster"}), so no drill runs here. Its backups are drilled by the stack whose ${code("backups.drill.targets")} names ${code(`stack: ${facts.stack}`)} and bucket ${code(facts.backups.bucket)}; that stack's drill alerts carry ${code(`stack="${facts.stack}"`)}.`,
            ],
        ];
    }
    return [
        ["## Restore drills"],
        [
            `Each drill downloads the newest promoted backup, checks its SHA-256, decrypts it with the drill key, restores it into a scratch server in its own pod, runs the checks and pushes the RTO and RPO it measured. Alerts: ${alerts ?? "none in this stack"}.`,
        ],
        table(
            ["CronJob", "Restores", "Schedule", "Checks"],
            drills.map((d) => [
                code(d.cronJob),
                `${d.targetStack}'s ${d.datastore}, ${code(`${d.bucket}/${d.prefix}/`)}`,
                schedule(d.schedule),
                [d.minRows ? `rows: ${code(d.minRows)}` : "", d.checkCommand ? "the check command" : "", d.appCheck ? `${code(d.appCheck.command.join(" "))} in ${code(d.appCheck.image)}` : "", d.assetUrls.length > 0 ? `${d.assetUrls.length} asset URL${d.assetUrls.length === 1 ? "" : "s"} (${d.assetUrls.map(code).join(", ")})` : ""].filter((x) => x !== "").join("; ") || "restore only",
            ]),
        ),
        ...(drills.some((d) => d.checkCommand) ? [[`The check command, run against the restored database as ${code("DATABASE_URL")}:`], fence("bash", [drills.find((d) => d.checkCommand)!.checkCommand!])] : []),
        ...(drills.some((d) => d.appCheck) ? [[`The app check runs in the app's own image, in the drill's pod, once the restore passed its checks, with ${code("DATABASE_URL")} pointing at the restored copy and no other credential; its exit status decides the drill (${code("runbook_restore_drill_app_check_success")}). Its output: ${code("kubectl logs job/<drill job> -c app-check")}.`]] : []),
        ["Run one now, or drill an older backup:"],
        fence("bash", [
            ...drills.map((d) => `kubectl create job --from=cronjob/${d.cronJob} drill-$(date +%s)`),
            `kubectl create job --from=cronjob/${drills[0].cronJob} drill-$(date +%s) --dry-run=client -o yaml \\`,
            `  | kubectl set env --local -f - -c job DRILL_BACKUP_KEY=<key from list_backups> -o yaml | kubectl create -f -`,
        ]),
    ];
}

export function backupsPage(input: PageInput): string {
    const { facts } = input;
    const b = facts.backups;
    const worst = Math.max(0, ...b.jobs.map((j) => j.periodHours));
    const backupAlerts = alertLinks(facts, ["BackupTooOld", "BackupNeverSucceeded", "BackupFailed"]);
    return page([
        ...header(input, PAGES.backups.title, `What is backed up in ${code(facts.stack)}, how often, for how long, where, and the commands that bring it back.`),
        ["## Summary"],
        table(["Datastore", "Backup", "Schedule", "Kept", "Locked", "Worst-case RPO"], summaryRows(facts)),
        [
            `Dumps are streamed through ${code("zstd")} and encrypted with ${code("age")} to ${code(b.encryptionRecipient)} before they leave the cluster (BK-3), verified after upload, and only then promoted to their final name. Each prefix is locked as long as it is kept (BK-4). Alerts: ${backupAlerts ?? "none"}, when a backup is ${b.backupMarginHours} h later than its schedule allows.`,
        ],
        ["## RTO and RPO"],
        table(
            ["Target", "Configured", "What this stack gives"],
            [
                ["RPO (data you may lose)", `${b.rpoTargetHours} h (${code("alerts.rpoTargetHours")})`, b.jobs.length > 0 ? `at worst ${hoursText(worst)} from the dumps${facts.datastores.some((d) => d.kind === "postgres-rds") ? "; about 5 minutes for PostgreSQL with RDS point-in-time recovery" : ""}` : "no dumps"],
                ["RTO (time to get it back)", `${b.rtoTargetMinutes} min (${code("alerts.rtoTargetMinutes")})`, b.drills.length > 0 ? "measured by every drill (`runbook_restore_drill_rto_seconds`)" : "measured by the drills of the stack that restores these backups"],
            ],
        ),
        ["## Where the backups are"],
        [
            `Bucket ${code(b.bucket)} at ${code(facts.location.r2Endpoint)}, one prefix per datastore; each object is ${code("<prefix>/<UTC time>-<run id>.<ext>.zst.age")} and carries its SHA-256 in its metadata. Set these once per shell; the restore commands below use them.`,
        ],
        fence("bash", listBackups(facts)),
        ...facts.datastores.flatMap((d) => restoreSection(facts, d)),
        ...drillSection(facts),
        ["## Back up now"],
        ["Before a risky change, take a backup by hand; it may run beside the scheduled one, each run writes and cleans up only its own object."],
        fence("bash", b.jobs.map((j) => `kubectl create job --from=cronjob/${j.cronJob} ${j.cronJob}-manual-$(date +%s)`)),
        ...(facts.production && facts.datastores.some((d) => d.kind === "postgres-rds")
            ? [
                  bullets([
                      `Production deploys take an RDS snapshot first (BK-5): ${code("scripts/deploy/rds-snapshot.sh <instance> <label>")}, named ${code("predeploy-<instance>-<label>")}.`,
                      `Listing them: ${code(`aws rds describe-db-snapshots --region ${facts.location.aws?.region ?? "<region>"} --snapshot-type manual --query 'DBSnapshots[].DBSnapshotIdentifier'`)}.`,
                  ]),
              ]
            : []),
    ]);
}
