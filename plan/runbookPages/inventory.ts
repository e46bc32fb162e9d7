import { code, fence, page, table } from "../markdown";
import type { DatastoreFacts, RunbookFacts } from "../runbookModel";
import { PAGES, PageInput, datastoreTitle, datastoreWhere, days, header, protection, schedule, yesNo } from "./common";

export function inventoryPage(input: PageInput): string {
    const { facts } = input;
    return page([
        ...header(input, PAGES.inventory.title, "Everything this stack runs, where it lives and what protects it. The tables compare like with like; the diagram shows how traffic, data, backups and alerts flow."),
        ["## Where it lives"],
        table(["What", "Where"], whereRows(facts)),
        ["## Diagram"],
        ["Users reach the apps through Cloudflare and the Gateway; arrows into a datastore or bucket are reads and writes, dotted ones are backups and drills."],
        fence("mermaid", diagram(facts)),
        ["## Apps"],
        table(
            ["App", "Role", "Image", "Port", "Pods", "Public hosts", "Liveness / readiness", "Migration"],
            facts.apps.map((a) => [
                code(a.name),
                a.role,
                code(a.image),
                String(a.port),
                a.maxReplicas !== undefined ? `${a.replicas}–${a.maxReplicas} (autoscaled)` : String(a.replicas),
                [a.hosts.map(code).join(", ") || "none", a.websocketPaths.length > 0 ? `WebSocket ${a.websocketPaths.map(code).join(", ")}` : ""].filter((x) => x !== "").join("; "),
                `${a.healthPath !== undefined ? code(a.healthPath) : "port open"} / ${code(a.readinessPath)}`,
                a.migrate ? code(a.migrate.command) : "none",
            ]),
        ),
        ["## Datastores"],
        table(["Datastore", "Runs as", "Size", "High availability", "Encrypted", "Protected against deletion"], facts.datastores.flatMap(datastoreRows)),
        ["## Buckets"],
        table(
            ["Bucket", "Purpose", "Location", "Public host", "Lifecycle", "Lock", "Budget", "Protected"],
            facts.buckets.map((b) => [
                code(b.name),
                b.purpose,
                b.location ? code(b.location) : "automatic",
                b.publicHost ? code(b.publicHost) : "none (never public)",
                lifecycle(b),
                b.prefixes.filter((p) => p.lockDays !== undefined).map((p) => `${code(p.prefix)} ${days(p.lockDays)}`).join(", ") || "none",
                b.budgetGb !== undefined ? `${b.budgetGb} GB, alerts at ${facts.storageUsage?.budgetPercent ?? "—"} %` : "none",
                protection(b),
            ]),
        ),
        ...(facts.storageUsage
            ? [
                  [`Each bucket's size and object count are read from Cloudflare's analytics by the CronJob ${code(facts.storageUsage.cronJob)} and pushed to the Pushgateway (${code("runbook_r2_bucket_size_bytes")}, ${code("runbook_r2_bucket_objects")}). Read them now:`],
                  fence("bash", [`kubectl create job --from=cronjob/${facts.storageUsage.cronJob} ${facts.storageUsage.cronJob}-manual-$(date +%s)`]),
              ]
            : []),
        ["## Edge"],
        table(
            ["Host", "App", "Certificate Secret", "DNS"],
            facts.edge.hosts.map((h) => [code(h.host), code(h.app), h.certificateSecret ? code(h.certificateSecret) : "—", `proxied CNAME to ${code(facts.edge.origin)}`]),
        ),
        [
            `Gateway ${code(facts.edge.gateway.name)} (class ${code(facts.edge.gateway.className)}, proxies in ${code(facts.edge.gateway.namespace)}): HTTPS only (port 80 redirects), HSTS for ${facts.edge.hstsMaxAgeSeconds} s, \`X-Frame-Options: DENY\`, requests time out after ${facts.edge.requestTimeoutSeconds} s (WebSocket routes after ${facts.edge.websocketTimeoutSeconds} s), bodies above ${facts.edge.maxRequestBodyMb} MiB are refused; certificates from the ClusterIssuer ${code(facts.edge.certificateIssuer ?? "—")}. ${facts.edge.ownsZone ? `This stack owns the zone's settings and rulesets (plan ${code(facts.edge.zonePlan)}): the login rate limit on ${code(facts.edge.loginPath)} allows ${facts.edge.loginRateLimit.requests} requests per ${facts.edge.loginRateLimit.periodSeconds} s, then blocks for ${facts.edge.loginRateLimit.blockSeconds} s; WAF managed ruleset ${yesNo(facts.edge.waf.managedRuleset)}, OWASP ${yesNo(facts.edge.waf.owaspRuleset)}.` : "Another stack owns the zone's settings and rulesets; this one declares only its DNS records."}`,
        ],
        ["## Scheduled jobs"],
        table(
            ["CronJob", "Schedule", "What it does"],
            [
                ...facts.backups.jobs.map((j) => [code(j.cronJob), schedule(j.schedule), `backs up ${j.datastore} to ${code(`${j.bucket}/${j.prefix}/`)}`]),
                ...facts.backups.drills.map((d) => [code(d.cronJob), schedule(d.schedule), `restores ${d.targetStack}'s ${d.datastore} from ${code(`${d.bucket}/${d.prefix}/`)} and checks it`]),
                ...(facts.storageUsage ? [[code(facts.storageUsage.cronJob), schedule(facts.storageUsage.schedule), "reads every bucket's size and object count from Cloudflare's analytics"]] : []),
            ],
        ),
        ["## Protected resources"],
        [
            `${code("protect")}: Pulumi refuses to delete or replace it. ${code("retainOnDelete")}: Pulumi forgets it instead of deleting it in the cloud. Removing either takes ${code("pulumi state unprotect")} or a code change, reviewed.`,
        ],
        table(
            ["Resource", "Type", "Protection"],
            facts.protectedResources.length > 0 ? facts.protectedResources.map((r) => [code(r.name), r.type, protection(r)]) : [["none", "—", "nothing in this stack is protected"]],
        ),
    ]);
}

function whereRows(facts: RunbookFacts): string[][] {
    const l = facts.location;
    const rows: string[][] = [];
    if (l.aws) rows.push(["AWS account and region", `${l.aws.accounts.map(code).join(", ") || "any"} in ${code(l.aws.region)}`]);
    rows.push(["Kubernetes context", code(l.kubeContext)]);
    if (l.eks) rows.push(["EKS cluster", `${code(l.eks.cluster)} (account ${code(l.eks.account)}, ${code(l.eks.region)})`]);
    rows.push(["Namespace", code(l.namespace)]);
    rows.push(["Monitoring namespace", `${code(l.monitoringNamespace)} (Prometheus, Alertmanager, Pushgateway)`]);
    rows.push(["Cluster platform", l.platform === "install" ? "installed by this stack (cert-manager, Envoy Gateway, kube-prometheus-stack)" : "the cluster's own cert-manager, Gateway and Prometheus operator"]);
    if (l.network) {
        rows.push([
            "Data network",
            l.network.mode === "existing"
                ? `the cluster's VPC ${code(l.network.vpcId ?? "—")}, subnets ${l.network.subnets.map(code).join(", ")}`
                : `a VPC of its own (${code(l.network.vpcCidr ?? "—")}, zones ${l.network.subnets.map(code).join(", ")}) peered with ${code(l.network.peeredVpcId ?? "—")}`,
        ]);
    }
    rows.push(["Cloudflare account", code(l.cloudflareAccountId)]);
    rows.push(["Cloudflare zone", `${code(facts.edge.zone)} (${code(facts.edge.zoneId)})`]);
    rows.push(["Gateway origin", code(facts.edge.origin)]);
    return rows;
}

function datastoreRows(d: DatastoreFacts): string[][] {
    const title = datastoreTitle(d);
    switch (d.kind) {
        case "postgres-rds": {
            const rows = [
                [
                    `${title} ${d.engineVersion} (${code(d.resource)})`,
                    `${datastoreWhere(d)} ${code(d.instanceClass)}, database ${code(d.dbName)}`,
                    `${d.storageGb} GB gp3${d.maxStorageGb !== undefined ? `, autoscaling to ${d.maxStorageGb} GB` : ""}`,
                    d.multiAz ? "Multi-AZ standby" : "single AZ",
                    yesNo(d.encrypted),
                    [d.deletionProtection ? "deletion protection" : "", d.finalSnapshot ? "final snapshot" : "", protection(d) !== "none" ? protection(d) : ""].filter((x) => x !== "").join(", ") || "none",
                ],
            ];
            if (d.replica) rows.push([`${title} read replica (${code(d.replica.resource)})`, `${datastoreWhere(d)} ${code(d.replica.instanceClass)}`, "as the primary", d.replica.multiAz ? "Multi-AZ standby" : "single AZ", yesNo(d.encrypted), d.replica.protect ? "`protect`" : "none"]);
            return rows;
        }
        case "mongodb":
            return [[`${title} (${code(d.statefulSet)})`, `${datastoreWhere(d)}, ${code(d.image)}`, d.storageGb !== undefined ? `${d.storageGb} GiB per member` : "—", `${d.members} member${d.members === 1 ? "" : "s"}`, "volume encryption of the cluster's StorageClass", protection(d)]];
        case "redis-elasticache":
            return [[`${title} ${d.engineVersion} (${code(d.resource)})`, `${datastoreWhere(d)} ${d.engine} ${code(d.nodeType)}`, `${d.nodes} node${d.nodes === 1 ? "" : "s"}`, [d.multiAz ? "Multi-AZ" : "single AZ", d.failover ? "automatic failover" : ""].filter((x) => x !== "").join(", "), d.encrypted ? "at rest and in transit" : "no", protection(d)]];
        case "redis-in-cluster":
            return [[`${title} (${code(d.statefulSet)})`, `${datastoreWhere(d)}, ${code(d.image)}`, d.storageGb !== undefined ? `${d.storageGb} GiB volume` : "—", "one pod, AOF on its volume", "volume encryption of the cluster's StorageClass", protection(d)]];
    }
}

function lifecycle(b: RunbookFacts["buckets"][number]): string {
    const parts: string[] = [];
    if (b.infrequentAccessAfterDays !== undefined) parts.push(`Infrequent Access after ${days(b.infrequentAccessAfterDays)}`);
    if (b.expireAfterDays !== undefined) parts.push(`deleted after ${days(b.expireAfterDays)}`);
    for (const p of b.prefixes.filter((p) => p.expireDays !== undefined)) parts.push(`${code(p.prefix)} deleted after ${days(p.expireDays)}`);
    if (b.abortMultipartAfterDays !== undefined) parts.push(`unfinished uploads aborted after ${days(b.abortMultipartAfterDays)}`);
    return parts.join("; ") || "none";
}

/** Node ids are positional (`app0`, `bucket1`), so renaming a bucket changes its label only. */
function diagram(facts: RunbookFacts): string[] {
    const label = (text: string) => `"${text.replace(/"/g, "'").replace(/#/g, "#35;")}"`;
    const lines = ["flowchart LR", `  users([${label("Users")}])`];
    const dbIndex = facts.datastores.findIndex((d) => d.kind === "postgres-rds" || d.kind === "mongodb");
    const redisIndex = facts.datastores.findIndex((d) => d.kind === "redis-elasticache" || d.kind === "redis-in-cluster");
    const datastoreNode = (d: DatastoreFacts, i: number) => {
        const text = d.kind === "postgres-rds" ? `RDS PostgreSQL ${d.engineVersion}` : d.kind === "mongodb" ? `MongoDB ${d.statefulSet}` : d.kind === "redis-elasticache" ? `ElastiCache ${d.engine} ${d.engineVersion}` : `Redis ${d.statefulSet}`;
        return `    data${i}[(${label(text)})]`;
    };
    lines.push(`  subgraph cloudflare[${label(`Cloudflare: ${facts.edge.zone}`)}]`);
    facts.edge.hosts.forEach((h, i) => lines.push(`    host${i}[${label(h.host)}]`));
    facts.buckets.forEach((b, i) => lines.push(`    bucket${i}[(${label(`R2 ${b.name}`)})]`));
    lines.push("  end");
    lines.push(`  subgraph kubernetes[${label(`Kubernetes: namespace ${facts.location.namespace}`)}]`);
    lines.push(`    gateway{{${label(`Gateway ${facts.edge.gateway.name}`)}}}`);
    facts.apps.forEach((a, i) => lines.push(`    app${i}[${label(`${a.name} (${a.role})`)}]`));
    facts.datastores.forEach((d, i) => {
        if (d.kind === "mongodb" || d.kind === "redis-in-cluster") lines.push(datastoreNode(d, i));
    });
    facts.backups.jobs.forEach((j, i) => lines.push(`    backup${i}[[${label(j.cronJob)}]]`));
    facts.backups.drills.forEach((d, i) => lines.push(`    drill${i}[[${label(d.cronJob)}]]`));
    lines.push(`    alertmanager[${label("Alertmanager")}]`);
    lines.push("  end");
    const inAws = facts.datastores.map((d, i) => [d, i] as const).filter(([d]) => d.kind === "postgres-rds" || d.kind === "redis-elasticache");
    if (inAws.length > 0) {
        lines.push(`  subgraph amazon[${label(`AWS: ${facts.location.aws?.region ?? ""}`)}]`);
        for (const [d, i] of inAws) lines.push(datastoreNode(d, i));
        if (facts.alerting.cloudwatch.length > 0) lines.push(`    cloudwatch[${label("CloudWatch alarms")}]`);
        lines.push("  end");
    }
    lines.push(`  pagerduty[${label("PagerDuty")}]`, `  slack[${label(`Slack ${facts.alerting.slackChannel}`)}]`);
    facts.edge.hosts.forEach((_, i) => lines.push(`  users --> host${i}`));
    facts.edge.hosts.forEach((h, i) => {
        const app = facts.apps.findIndex((a) => a.name === h.app);
        lines.push(`  host${i} --> gateway`);
        if (app >= 0) lines.push(`  gateway --> app${app}`);
    });
    facts.apps.forEach((a, i) => {
        if (dbIndex >= 0 && a.secretEnv.some((e) => e === "DATABASE_URL" || e === "MONGODB_URI")) lines.push(`  app${i} --> data${dbIndex}`);
        if (redisIndex >= 0 && a.secretEnv.includes("REDIS_URL")) lines.push(`  app${i} --> data${redisIndex}`);
        facts.buckets.forEach((b, j) => {
            if (b.purpose !== "backups" && a.secretEnv.some((e) => /ACCESS_KEY|SECRET_ACCESS/.test(e))) lines.push(`  app${i} --> bucket${j}`);
        });
    });
    facts.buckets.forEach((b, j) => {
        if (b.publicHost) lines.push(`  users --> bucket${j}`);
    });
    const bucketIndex = (name: string) => facts.buckets.findIndex((b) => b.name === name);
    facts.backups.jobs.forEach((job, i) => {
        const source = job.datastore === "redis" ? redisIndex : dbIndex;
        if (source >= 0) lines.push(`  data${source} -.-> backup${i}`);
        if (bucketIndex(job.bucket) >= 0) lines.push(`  backup${i} -.-> bucket${bucketIndex(job.bucket)}`);
    });
    facts.backups.drills.forEach((drill, i) => {
        if (bucketIndex(drill.bucket) >= 0) lines.push(`  bucket${bucketIndex(drill.bucket)} -.-> drill${i}`);
    });
    lines.push("  alertmanager --> pagerduty", "  alertmanager --> slack");
    if (facts.alerting.cloudwatch.length > 0) lines.push("  cloudwatch --> pagerduty");
    return [...new Set(lines)];
}
