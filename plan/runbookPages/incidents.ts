import { code, listing, numbered, page } from "../markdown";
import type { RunbookFacts } from "../runbookModel";
import { DOCS_ROOT, PAGES, PageInput, alertLinks, docsLink, header, kubectlSetup } from "./common";

interface Scenario {
    title: string;
    /** Alerts that announce it, by name; only those this stack emits are listed. */
    alerts: string[];
    steps: string[];
}

function databaseDown(facts: RunbookFacts): Scenario | undefined {
    const d = facts.datastores.find((x) => x.kind === "postgres-rds" || x.kind === "mongodb");
    if (!d) return undefined;
    const region = facts.location.aws?.region ?? "<region>";
    if (d.kind === "postgres-rds") {
        return {
            title: "Database down",
            alerts: ["DatabaseConnectionsNearMax", "DatastoreMetricsMissing", "AppDown", "ErrorBudgetBurnFast"],
            steps: [
                `Is RDS up? ${code(`aws rds describe-db-instances --region ${region} --db-instance-identifier "$(pulumi stack output databaseInstanceIdentifier --stack ${facts.stack})" --query 'DBInstances[0].DBInstanceStatus'`)}, and its recent events: ${code(`aws rds describe-events --region ${region} --source-type db-instance --duration 120`)}.`,
                d.multiAz
                    ? "Multi-AZ: a failover to the standby takes one to two minutes and changes no endpoint; wait for it before acting."
                    : "Single AZ: an instance failure lasts until RDS replaces the host; consider a point-in-time restore if it does not come back.",
                `From a pod, check the path the apps use: the ${code("psql")} pod of [Access](${PAGES.access.file}#postgresql), then ${code("SELECT count(*), state FROM pg_stat_activity GROUP BY state;")}.`,
                `Out of connections ("too many clients"): end idle sessions with ${code("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle' AND state_change < now() - interval '30 minutes';")} and check each app's pool size against ${code("max_connections")}.`,
                `Storage full: raise ${code("database.maxAllocatedStorageGb")} (now ${d.maxStorageGb ?? d.storageGb} GB) and apply.`,
                `Data lost or corrupt: [restore PostgreSQL](${PAGES.backups.file}#restore-postgresql).`,
            ],
        };
    }
    return {
        title: "Database down",
        alerts: ["DatabaseConnectionsNearMax", "MongoReplicationLag", "DatastoreMetricsMissing", "VolumeFillingUp", "AppDown"],
        steps: [
            `${code(`kubectl get pods -l app.kubernetes.io/name=${d.statefulSet}`)}: ${d.members} member${d.members === 1 ? "" : "s"} should be Running and ready.`,
            `Replica set health: ${code("rs.status()")} in ${code("mongosh")} on a member ([Access](${PAGES.access.file}#mongodb)); a primary must exist.`,
            `A member crash-looping: ${code(`kubectl logs ${d.statefulSet}-0 -c mongod --previous`)}; a full volume shows as [VolumeFillingUp](${PAGES.alerts.file}#volumefillingup) first.`,
            `Data lost or corrupt: [restore MongoDB](${PAGES.backups.file}#restore-mongodb).`,
        ],
    };
}

function redisFull(facts: RunbookFacts): Scenario | undefined {
    const r = facts.datastores.find((x) => x.kind === "redis-elasticache" || x.kind === "redis-in-cluster");
    if (!r) return undefined;
    const region = facts.location.aws?.region ?? "<region>";
    return {
        title: "Redis full",
        alerts: r.kind === "redis-in-cluster" ? ["RedisMemoryNearMax", "RedisRejectingWrites", "QueueBacklog"] : ["QueueBacklog", "QueueJobsFailing"],
        steps: [
            `Redis runs ${code("noeviction")} (RD-2): when full it refuses writes, so enqueues fail rather than jobs being dropped silently.`,
            r.kind === "redis-in-cluster"
                ? `Memory now: ${code(`kubectl exec ${r.statefulSet}-0 -c ${r.container} -- redis-cli INFO memory`)}; the biggest keys: ${code(`kubectl exec ${r.statefulSet}-0 -c ${r.container} -- redis-cli --bigkeys`)}.`
                : `Memory now: the CloudWatch alarm [CloudWatch: memory](${PAGES.alerts.file}#cloudwatch-memory), or ${code("INFO memory")} through the ${code("redis-cli")} pod of [Access](${PAGES.access.file}#redis).`,
            `Free cache keys, never queue keys (${code('DEL "cache:products:*"')}-style patterns only); never ${code("FLUSHDB")} a Redis that holds queues.`,
            r.kind === "redis-in-cluster"
                ? `Then give it room: more memory for the container, and ${code("redis.storageGb")} for the AOF ([growing a volume](${docsLink("operations.md", "growing-a-volume-mongodb-members-in-cluster-redis")})).`
                : `Then scale the node type (${code("redis.nodeType")}, now ${code(r.nodeType)}) and apply; ${code(`aws elasticache describe-replication-groups --region ${region}`)} shows the change.`,
            "Afterwards, find the jobs that failed to enqueue in the apps' logs and replay them.",
        ],
    };
}

/** Only where there are queues (RD-1: BullMQ on Redis): their consumers are the workers, else the apps that use Redis. */
function queueBacklog(facts: RunbookFacts): Scenario | undefined {
    const workers = facts.apps.filter((a) => a.role === "worker");
    const consumers = workers.length > 0 ? workers : facts.apps.filter((a) => a.secretEnv.includes("REDIS_URL"));
    if (consumers.length === 0) return undefined;
    const names = listing(consumers.map((a) => code(a.name)), "or");
    const one = consumers.length === 1 ? consumers[0].name : "<app>";
    return {
        title: "Queue backlog",
        alerts: ["QueueBacklog", "QueueJobsFailing", "RedisMemoryNearMax"],
        steps: [
            `Are the consumers (${names}) running? ${code(`kubectl get pods -l app.kubernetes.io/name=${one}`)}; their logs show a stuck job.`,
            `Restart them if they are stuck: ${code(`kubectl rollout restart deployment/${one}`)}; scale them if they are too few: ${code(`kubectl scale deployment/${one} --replicas=<n>`)}, then set ${code("apps[].autoscaling")}.`,
            "Look for a retry storm against a failing external system; pause the queue or raise its backoff.",
        ],
    };
}

function scenarios(facts: RunbookFacts): Scenario[] {
    const api = facts.apps.find((a) => a.role === "api") ?? facts.apps[0];
    const migrating = facts.apps.filter((a) => a.migrate);
    const region = facts.location.aws?.region ?? "<region>";
    const list: Array<Scenario | undefined> = [
        {
            title: "App down or failing",
            alerts: ["AppDown", "ErrorBudgetBurnFast", "PodRestartLoop", "NoTraffic", "RouteServerErrors"],
            steps: [
                `${code("kubectl get pods -l runbook.dev/tier=app")}, then ${code("kubectl describe pod <pod>")} and ${code("kubectl logs <pod> --previous")} on a failing one.`,
                `Boot failures are usually config: an env validation error, a bad connection string, or a rotated secret. The readiness paths: ${facts.apps.map((a) => `${code(a.name)} ${code(a.readinessPath)}`).join(", ")}.`,
                `If the last rollout started it: ${code(`kubectl rollout undo deployment/${api.name}`)} ([Deploy and rollback](${PAGES.deploy.file}#roll-back-an-app)).`,
                `Through the edge: ${facts.edge.hosts.map((h) => code(`curl -sS -o /dev/null -w '%{http_code}' https://${h.host}${facts.apps.find((a) => a.name === h.app)?.readinessPath ?? "/"}`)).join(", ")}.`,
            ],
        },
        {
            title: "Slow responses",
            alerts: ["HighResponseTime", "LatencyBudgetBurnFast", "HighLatencyP95", "HpaAtMaxReplicas", "ContainerCpuThrottled"],
            steps: [
                "One route or all of them? The dashboard's slowest routes.",
                `All routes: the database (${code("pg_stat_statements")} or the MongoDB profiler), CPU throttling and the autoscalers: ${code("kubectl get hpa")}.`,
                `Scale out by hand if the autoscaler is at its maximum: ${code(`kubectl scale deployment/${api.name} --replicas=<n>`)}, then raise ${code("apps[].autoscaling.maxReplicas")}.`,
            ],
        },
        {
            title: "Out of memory",
            alerts: ["ContainerOOMKilled", "ContainerMemoryNearLimit", "PodRestartLoop"],
            steps: [
                `${code("kubectl top pod")} and the dashboard: steady growth is a leak, a spike is a large request or job.`,
                "Take a heap snapshot of a Node.js pod before it dies again (`--heapsnapshot-near-heap-limit`).",
                `Raise ${code("apps[].resources.memoryLimit")} and apply; keep the leak ticket open.`,
            ],
        },
        databaseDown(facts),
        redisFull(facts),
        queueBacklog(facts),
        {
            title: "Certificate expiry",
            alerts: ["CertificateExpiringSoon", "CertificateNotReady"],
            steps: [
                `${code("kubectl get certificates")}: one per host (${facts.edge.hosts.map((h) => code(h.host)).join(", ")}), issued by ${code(facts.edge.certificateIssuer ?? "the ClusterIssuer")} over ACME DNS-01 through Cloudflare.`,
                `${code("kubectl describe certificate <host>")}, then its CertificateRequest, Order and Challenge: the reason is there.`,
                `A DNS-01 failure is usually the Cloudflare token (${code("runbook:edge.tls.dnsApiToken")}): it must edit DNS in ${code(facts.edge.zone)}. Set a new one with ${code(`pulumi config set --stack ${facts.stack} --secret --path 'runbook:edge.tls.dnsApiToken' <token>`)} and apply.`,
                `Once fixed, force a renewal: ${code("cmctl renew <certificate>")}. Cloudflare keeps serving its own edge certificate to visitors; the origin certificate is what expires.`,
            ],
        },
        {
            title: "Leaked credential",
            alerts: [],
            steps: [
                `Find it in the credentials table of [Access](${PAGES.access.file}#credentials): which Secret holds it, which workloads read it.`,
                `A generated password or R2 token: replace it now. ${code(`pulumi up --stack ${facts.stack} --replace '<urn>'`)} for a password (${code("pulumi stack --show-urns | grep RandomPassword")}${facts.production ? "; unprotect it first" : ""}); change its ${code("backups.rotation.<token>")} label for an R2 token ([rotations](${docsLink("operations.md", "rotating-credentials")})).`,
                `A stack-file secret (${code("runbook:secrets.*")}, the alert routes, the DNS token): ${code(`pulumi config set --stack ${facts.stack} --secret --path '<key>' <new value>`)}, then ${code("pulumi up")}; the apps roll onto a new Secret generation.`,
                `Revoke the old value where it was issued (Cloudflare, PagerDuty, Slack), and prune the Secret generations that still hold it once no ReplicaSet names them ([generations](${docsLink("operations.md", "rolling-back-after-a-rotation-secret-generations")})).`,
            ],
        },
        {
            title: migrating.length > 0 ? "Bad migration" : "Bad release",
            alerts: ["ErrorBudgetBurnFast", "RouteServerErrors", "AppDown"],
            steps: [
                `Roll the apps back first: ${facts.apps.map((a) => code(`kubectl rollout undo deployment/${a.name}`)).join(", ")}.`,
                migrating.length > 0
                    ? `The migration itself is not undone by a rollback: ship a migration that reverses it, or restore the data ([Roll back a migration](${PAGES.deploy.file}#roll-back-a-migration)).`
                    : `Revert the release on ${code("main")} so the next deploy does not bring it back ([Deploy and rollback](${PAGES.deploy.file}#roll-back-an-app)).`,
            ],
        },
        {
            title: "Region or account loss",
            alerts: ["Watchdog", "AppDown"],
            steps: [
                "If the cluster went with it, Prometheus and Alertmanager did too: the dead man's switch that the Watchdog feeds is what notices, and a person confirms it.",
                `The dumps in R2 (${code(facts.backups.bucket)}, Cloudflare account ${code(facts.location.cloudflareAccountId)}) survive the loss of ${facts.location.aws ? `AWS account ${facts.location.aws.accounts.map(code).join(", ") || "(any)"} or region ${code(region)}` : "the cluster"}; they are encrypted to the drill key, whose private half you keep offline.`,
                `Never point ${code("providers.aws.region")} or ${code("kubernetes.context")} at the new place in place: create a new stack there ([providers](${docsLink("operations.md", "providers-region-account-cluster")})), copy this stack file, and ${code("pulumi up")} it.`,
                `Restore each datastore into it from the dumps ([Backups and restore](${PAGES.backups.file}#where-the-backups-are)), then move the DNS: the public hosts are Cloudflare records in ${code(facts.edge.zone)} pointing at ${code(facts.edge.origin)}, which the new stack's ${code("edge.origin")} replaces.`,
                `Measure it: the runbook's targets are RTO ${facts.backups.rtoTargetMinutes} min and RPO ${facts.backups.rpoTargetHours} h.`,
            ],
        },
    ];
    return list.filter((s): s is Scenario => s !== undefined);
}

export function incidentsPage(input: PageInput): string {
    const { facts, guidance } = input;
    const first = guidance.alerts.get("First 10 minutes, whatever fired");
    const firstSteps = (first?.steps ?? ["Acknowledge the page and open an incident ticket.", "Assess the blast radius.", "Freeze non-essential deploys and check what changed.", "Roll back or fix forward.", "Communicate status; write the review within 48 hours."]).map((s) =>
        s.replace(/<namespace>/g, facts.location.namespace).replace(/<stack>/g, facts.stack).replace(/\]\(#([a-z0-9-]+)\)/g, `](${DOCS_ROOT}/alerts.md#$1)`),
    );
    return page([
        ...header(input, PAGES.incidents.title, `What to do in ${code(facts.stack)} when something breaks, scenario by scenario. Each names the alerts that announce it; their own sections on [${PAGES.alerts.title}](${PAGES.alerts.file}) have the first steps.`),
        ["## First ten minutes"],
        numbered(firstSteps),
        ["Point kubectl at this stack before any command below:"],
        kubectlSetup(facts),
        ...scenarios(facts).flatMap((s) => {
            const alerts = alertLinks(facts, s.alerts);
            return [[`## ${s.title}`], [alerts ? `Alerts: ${alerts}.` : "No alert announces it: someone reports it."], numbered(s.steps)];
        }),
        [`Who each severity reaches, and how fast: [${PAGES.alerts.title}](${PAGES.alerts.file}#severities-and-routes).`],
    ]);
}
