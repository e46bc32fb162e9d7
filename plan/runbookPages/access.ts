import { code, fence, page, table } from "../markdown";
import type { DatastoreFacts, RunbookFacts } from "../runbookModel";
import { PAGES, PageInput, datastoreTitle, docsLink, header, kubectlSetup } from "./common";

/**
 * A throwaway pod that may reach the datastores: the restricted Pod Security profile of the
 * namespace (non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp) and the app
 * tier's label, which the NetworkPolicies admit to the data ports.
 */
function debugPod(name: string, image: string, user: number, command: string[], env: Array<{ name: string; secret: string; key: string }>): string {
    const overrides = {
        spec: {
            securityContext: { runAsNonRoot: true, runAsUser: user, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    name,
                    image,
                    stdin: true,
                    tty: true,
                    command,
                    env: env.map((e) => ({ name: e.name, valueFrom: { secretKeyRef: { name: e.secret, key: e.key } } })),
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
            ],
        },
    };
    // A shell variable in the JSON is let out of the single quotes, so the shell expands it.
    const json = JSON.stringify(overrides).replace(/"\$([A-Z_]+)"/g, `"'"$$$1"'"`);
    return `kubectl run ${name} --rm -it --restart=Never --image=${image} --labels=runbook.dev/tier=app --overrides='${json}'`;
}

/** The apps' Secret is named by its content; this finds the generation an app runs with now. */
function currentSecret(facts: RunbookFacts, key: string): string[] {
    const app = facts.apps.find((a) => a.secretEnv.includes(key)) ?? facts.apps[0];
    return [`# The generation of the apps' Secret that ${app.name} runs with now:`, `SECRET=$(kubectl get deployment ${app.name} -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="${key}")].valueFrom.secretKeyRef.name}')`];
}

function datastoreAccess(facts: RunbookFacts, d: DatastoreFacts): string[][] {
    const title = datastoreTitle(d);
    switch (d.kind) {
        case "postgres-rds":
            return [
                [`## ${title}`],
                [
                    `RDS is private (DB-2): it admits the cluster only, so connect from a pod. As the apps' role (${code("runbook_app")}: reads and writes rows, no DDL):`,
                ],
                fence("bash", [...currentSecret(facts, "DATABASE_URL"), debugPod(`psql-${facts.stack}`, `postgres:${d.engineVersion.split(".")[0]}`, 999, ["psql", "$(DATABASE_URL)"], [{ name: "DATABASE_URL", secret: "$SECRET", key: "DATABASE_URL" }])]),
                [
                    `The instance is auto-named: ${code(`pulumi stack output databaseInstanceIdentifier --stack ${facts.stack}`)} prints it, and ${code(`aws rds describe-db-instances --region ${facts.location.aws?.region ?? "<region>"} --db-instance-identifier <id> --query 'DBInstances[0].Endpoint.Address'`)} its endpoint (port ${d.port}, database ${code(d.dbName)}, TLS required). The master user ${code(d.masterUser)} is for break-glass only; its password is the generated ${code("database-postgres-password")} in the stack's state, and the role Jobs alone receive it ([the apps' and migrations' roles](${docsLink("operations.md", "postgresql-the-apps-and-migrations-own-roles")})).`,
                ],
            ];
        case "mongodb":
            return [
                [`## ${title}`],
                [`Each member runs ${code("mongosh")}; the root user's password is in the replica set's root Secret (never printed here):`],
                fence("bash", [
                    `ROOT_PASSWORD=$(kubectl get "$(kubectl get secrets -o name | grep '^secret/${d.statefulSet}-root')" -o jsonpath='{.data.password}' | base64 -d)`,
                    `kubectl exec -it ${d.statefulSet}-0 -c mongod -- mongosh --quiet -u root -p "$ROOT_PASSWORD" --authenticationDatabase admin`,
                ]),
                [`The apps connect with ${code("MONGODB_URI")} (the ${code("app")} user) from the apps' Secret; the service is ${code(`${d.service}:${d.port}`)}.`],
            ];
        case "redis-elasticache":
            return [
                [`## ${title}`],
                [`ElastiCache is private and needs TLS and the AUTH token, both in ${code("REDIS_URL")} of the apps' Secret. From a pod:`],
                fence("bash", [
                    ...currentSecret(facts, "REDIS_URL"),
                    debugPod(`redis-cli-${facts.stack}`, "redis:7.2", 999, ["sh", "-c", 'u="${REDIS_URL#rediss://:}"; export REDISCLI_AUTH="${u%%@*}"; h="${u#*@}"; exec redis-cli --tls -h "${h%%:*}" -p 6379'], [{ name: "REDIS_URL", secret: "$SECRET", key: "REDIS_URL" }]),
                ]),
                [`${code(`aws elasticache describe-replication-groups --region ${facts.location.aws?.region ?? "<region>"}`)} lists the group and its primary endpoint (port ${d.port}).`],
            ];
        case "redis-in-cluster":
            return [
                [`## ${title}`],
                [`The ${code(d.container)} container has the password in ${code("REDISCLI_AUTH")}, so ${code("redis-cli")} authenticates without it on the command line:`],
                fence("bash", [`kubectl exec -it ${d.statefulSet}-0 -c ${d.container} -- redis-cli -p ${d.port}`, `kubectl exec ${d.statefulSet}-0 -c ${d.container} -- redis-cli -p ${d.port} INFO memory`]),
                [`The apps connect with ${code("REDIS_URL")} to the Service ${code(`${d.service}:${d.port}`)}.`],
            ];
    }
}

export function accessPage(input: PageInput): string {
    const { facts } = input;
    const l = facts.location;
    const backupsBucket = facts.backups.bucket;
    return page([
        ...header(input, PAGES.access.title, `How an on-call engineer reaches each part of ${code(facts.stack)}, with the commands for this stack. No secret is printed here: each command reads it from where it lives.`),
        ["## Cluster"],
        [`Point kubectl at this stack's cluster and namespace first; every command on these pages assumes it.${l.eks ? " The first line writes the EKS cluster's kubeconfig entry under the context name the stack uses." : ""}`],
        kubectlSetup(facts),
        fence("bash", ["kubectl get deployments,statefulsets,cronjobs", `kubectl get pods -l runbook.dev/tier=app`]),
        ...(l.aws
            ? [
                  ["## AWS"],
                  [`The stack's AWS provider accepts only account ${l.aws.accounts.map(code).join(", ") || "(any)"} in ${code(l.aws.region)}. Check which account your shell uses before any ${code("aws")} command:`],
                  fence("bash", [`aws sts get-caller-identity --query Account --output text   # must print ${l.aws.accounts[0] ?? "the stack's account"}`, `export AWS_REGION=${l.aws.region}`]),
              ]
            : []),
        ...facts.datastores.flatMap((d) => datastoreAccess(facts, d)),
        ["## Buckets"],
        [
            `R2 speaks S3 at ${code(l.r2Endpoint)}. Each token below is scoped to named buckets; read its keys from the Secret that holds it, never into shell history. To list the backups with the backup jobs' token (read and write on ${code(backupsBucket)} only):`,
        ],
        fence("bash", [
            "export AWS_ACCESS_KEY_ID=$(kubectl get secret runbook-backup-credentials -o jsonpath='{.data.AWS_ACCESS_KEY_ID}' | base64 -d)",
            "export AWS_SECRET_ACCESS_KEY=$(kubectl get secret runbook-backup-credentials -o jsonpath='{.data.AWS_SECRET_ACCESS_KEY}' | base64 -d)",
            `aws --endpoint-url ${l.r2Endpoint} --region auto s3 ls s3://${backupsBucket}/ --recursive | tail`,
        ]),
        ["## Monitoring"],
        [
            `Prometheus, Alertmanager and Grafana run in ${code(l.monitoringNamespace)}${l.platform === "install" ? " (kube-prometheus-stack, installed by this stack)" : ""}. Port-forward to them from the cluster context above:`,
        ],
        fence("bash", [
            `kubectl -n ${l.monitoringNamespace} get svc   # the Prometheus, Alertmanager and Grafana Services`,
            `kubectl -n ${l.monitoringNamespace} port-forward svc/<alertmanager service> 9093`,
            `kubectl get prometheusrules,alertmanagerconfigs   # ${code(facts.alerting.prometheusRule ?? "runbook-alerts")}, ${code(facts.alerting.alertmanagerConfig ?? "runbook-routing")}`,
        ]),
        [facts.alerting.dashboardTitle ? `The Grafana dashboard is ${code(facts.alerting.dashboardTitle)}.` : "The stack's Grafana dashboard is the ConfigMap labelled `grafana_dashboard: \"1\"`."],
        ["## Credentials"],
        [
            `Every credential the stack makes, the Kubernetes Secret that holds it and who reads it. Generated passwords and R2 tokens rotate with ${code("pulumi up --replace")} or their rotation label ([rotations](${docsLink("operations.md", "rotating-credentials")})); stack-file secrets with ${code("pulumi config set --secret")}. The stack's Cloudflare API token (${code("runbook:providers.cloudflare.apiToken")}) stays in the stack's config and reaches no Secret.`,
        ],
        table(
            ["Secret", "Namespace", "Holds values from", "Read by"],
            facts.credentials.map((c) => [code(c.secret), code(c.namespace), c.sources.join("; "), c.readers.join(", ")]),
        ),
    ]);
}
