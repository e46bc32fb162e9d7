import { bullets, code, fence, numbered, page, table } from "../markdown";
import type { GuidanceSection } from "../runbookGuidance";
import type { RunbookFacts } from "../runbookModel";
import { PAGES, PageInput, REPO_ROOT, docsLink, header, kubectlSetup } from "./common";

/** Whether a section of docs/operations.md concerns this stack, from what its title names. */
export function operationApplies(section: GuidanceSection, parent: string | undefined, facts: RunbookFacts): boolean {
    const title = section.title.toLowerCase();
    const has = (kind: RunbookFacts["datastores"][number]["kind"]) => facts.datastores.some((d) => d.kind === kind);
    if (title.includes("tearing down staging")) return !facts.production;
    if (title.includes("kubernetes.platform: install")) return facts.location.platform === "install";
    if (title.includes("reading from the replica")) return facts.datastores.some((d) => d.kind === "postgres-rds" && d.replica !== undefined);
    const wants: Array<RunbookFacts["datastores"][number]["kind"]> = [];
    if (title.includes("mongodb")) wants.push("mongodb");
    if (title.includes("postgresql")) wants.push("postgres-rds");
    if (title.includes("elasticache")) wants.push("redis-elasticache");
    if (title.includes("in-cluster redis")) wants.push("redis-in-cluster");
    if (wants.length > 0) return wants.some(has);
    if (title === "network" || parent?.toLowerCase() === "network") return facts.location.network !== undefined;
    return true;
}

function manualSteps(input: PageInput): string[] {
    const items: string[] = [];
    let parent: string | undefined;
    let parentApplies = true;
    for (const section of input.guidance.operations) {
        if (section.level === 2) {
            parent = section.title;
            parentApplies = operationApplies(section, undefined, input.facts);
        }
        // A subsection of a section that does not apply (MongoDB replica set) does not either.
        if (!parentApplies || !operationApplies(section, section.level === 2 ? undefined : parent, input.facts)) continue;
        const link = `[${section.title.replace(/`/g, "")}](${docsLink("operations.md", section.anchor)})`;
        items.push(section.level === 2 ? `- ${link}` : `  - ${link}`);
    }
    return items;
}

export function deployPage(input: PageInput): string {
    const { facts } = input;
    const stack = facts.stack;
    const rds = facts.datastores.find((d) => d.kind === "postgres-rds");
    const migrating = facts.apps.filter((a) => a.migrate);
    const policyFlags = `--policy-pack policies --policy-pack-config policies/config/${stack}.json`;
    return page([
        ...header(input, PAGES.deploy.title, `How a change reaches ${code(stack)}, how to take it back, and which changes need a person.`),
        ["## How a change reaches this stack"],
        table(
            ["Workflow", "When", "What it does for this stack"],
            [
                [`[${code("pull-request")}](${REPO_ROOT}/.github/workflows/pull-request.yml)`, "every pull request to `main`", `the offline plan of ${code(stack)}, the desired-state diff against the base branch and the runbook sections it alters, in one comment; ${code(`pulumi preview --stack ${stack}`)} with the policy pack for branches of this repository`],
                [
                    `[${code("deploy")}](${REPO_ROOT}/.github/workflows/deploy.yml)`,
                    "push to `main`, or by hand with a commit",
                    facts.production
                        ? `after staging is up and its smoke checks pass, waits for a reviewer of the ${code("production")} environment${rds ? ", takes an RDS snapshot (BK-5)" : ""}, then ${code(`pulumi up --stack ${stack}`)} with the policy pack and smoke checks`
                        : `${code(`pulumi up --stack ${stack}`)} with the policy pack, then smoke checks in the cluster and through the public hosts; production follows only if they pass`,
                ],
                [`[${code("drift")}](${REPO_ROOT}/.github/workflows/drift.yml)`, "daily", `${code(`pulumi preview --refresh --expect-no-changes --stack ${stack}`)}; on drift, the ${code("drift")} issue`],
            ],
        ),
        ["## Deploy by hand"],
        ["Break glass only, two people present; the same gates as the workflow:"],
        fence("bash", [
            `npm ci && (cd policies && npm ci) && npm run build`,
            `node dist/cli/runbook.js plan --stack ${stack}   # offline: config and policies`,
            ...(facts.production && rds ? [`scripts/deploy/rds-snapshot.sh "$(pulumi stack output databaseInstanceIdentifier --stack ${stack})" manual-$(date +%s)`] : []),
            `pulumi preview --stack ${stack} ${policyFlags}`,
            `pulumi up --stack ${stack} ${policyFlags}`,
            `node dist/cli/smoke.js --stack ${stack} --in-cluster`,
        ]),
        ["## Releasing an app"],
        [
            `An app's release is its image tag in ${code(input.stackFile)} (${code("apps[].image")}, pinned, never ${code("latest")}). ${code("pulumi up")} rolls each Deployment with a new pod ready before an old one stops (WL-3)${migrating.length > 0 ? "; an app with a migration runs it as a Job first, once per image version, and the Deployment waits for it (WL-5)" : ""}.`,
        ],
        table(
            ["App", "Image now", "Migration before rollout"],
            facts.apps.map((a) => [code(a.name), code(a.image), a.migrate ? `${code(a.migrate.command)}, up to ${a.migrate.timeoutSeconds} s, ${a.migrate.backoffLimit} ${a.migrate.backoffLimit === 1 ? "retry" : "retries"}` : "none"]),
        ),
        ["## kubectl on this stack"],
        [
            `Every object carries the recommended labels: ${code("app.kubernetes.io/name")} (the app it is or serves), ${code("app.kubernetes.io/component")} (its role, ${code("migrate")} for migration Jobs, ${code("route")} for HTTPRoutes), ${code("app.kubernetes.io/part-of=runbook")}. There is no ${code("app")} label: a runbook's ${code("-l app=<app>")} is ${code("-l app.kubernetes.io/name=<app>")} here. Each Deployment's container is named after its app. Selectors never change, so these keep working across releases:`,
        ],
        fence("bash", [
            ...facts.apps.flatMap((a) => [
                `kubectl get pods -l app.kubernetes.io/name=${a.name}   # ${a.role}`,
                `kubectl logs -l app.kubernetes.io/name=${a.name} --tail=100 --prefix`,
            ]),
            "kubectl get deployment,service,httproute,networkpolicy -l app.kubernetes.io/name=<app>   # what runs and serves an app",
            "kubectl rollout restart deployment/<app>   # new pods, same release",
            "kubectl set image deployment/<app> <app>=<image>:<tag>   # break glass only: the next pulumi up sets the stack's image again",
        ]),
        ["## Roll back an app"],
        [`A Deployment keeps its previous ReplicaSets, and the Secret generations they read, so going back one release is one command. Do it first, then make the stack agree, or the next ${code("pulumi up")} rolls forward again:`],
        kubectlSetup(facts),
        fence("bash", [...facts.apps.map((a) => `kubectl rollout undo deployment/${a.name}   # ${a.role}`), "kubectl rollout status deployment/<app>", "kubectl rollout history deployment/<app>"]),
        bullets([
            `Then revert the image change on ${code("main")} with a pull request, or run the ${code("deploy")} workflow with the last good commit ([DL-3](${REPO_ROOT}/README.md#5-rolling-back-dl-3)).`,
            `A rollback across a credential rotation brings the old credential back; roll back the rotation with ${code("pulumi up")} instead ([Secret generations](${docsLink("operations.md", "rolling-back-after-a-rotation-secret-generations")})).`,
        ]),
        ["## Roll back a migration"],
        [
            migrating.length > 0
                ? `Migrations run as Jobs before the rollout (${migrating.map((a) => code(`${a.name}-migrate-<hash>`)).join(", ")}): ${code(`kubectl get jobs -l app.kubernetes.io/component=migrate`)} lists them, ${code("kubectl logs job/<job>")} shows the output. A failed migration stops the deploy and leaves the running version untouched.`
                : `No app of ${code(stack)} declares a migration (${code("apps[].migrate")}); schema changes ship with the app.`,
        ],
        numbered([
            "Prefer a forward fix: a new migration that undoes the change, released like any other; migrations stay backward-compatible (add before use, remove after).",
            ...(rds
                ? [
                      facts.production
                          ? `If a migration damaged data, restore the snapshot the deploy took before it (${code("predeploy-<instance>-<commit>-run-<id>")}) into a new instance: ${code(`aws rds restore-db-instance-from-db-snapshot --region ${facts.location.aws?.region ?? "<region>"} --db-instance-identifier <new> --db-snapshot-identifier <snapshot>`)}, or use point-in-time recovery to the minute before it ran ([restore](${PAGES.backups.file}#restore-postgresql)).`
                          : `If a migration damaged data, restore to the minute before it ran with point-in-time recovery ([restore](${PAGES.backups.file}#restore-postgresql)); non-production deploys take no snapshot first.`,
                  ]
                : facts.datastores.some((d) => d.kind === "mongodb")
                  ? [`If a migration damaged data, restore MongoDB to the time before it ran ([restore](${PAGES.backups.file}#restore-mongodb)).`]
                  : []),
            `To run an unchanged migration again: ${code(`pulumi up --stack ${stack} --replace '<urn of app-<name>-migrate>'`)} (${code("pulumi stack --show-urns | grep migrate")}).`,
        ]),
        ["## Manual steps"],
        [`Changes that need more than ${code("pulumi up")} and apply to this stack, from ${code("docs/operations.md")}:`],
        manualSteps(input),
    ]);
}
