import type { ResourceChange } from "./resourceChange";

/*
 * Changes that `pulumi up` carries out but that leave an operator something to do, each named in
 * the diff with the section of docs/operations.md that says what. A reviewer sees the step in the
 * pull request, before the change is merged, not at the maintenance window.
 */

export interface ManualStep {
    urn: string;
    /** `Type name` of the resource the step is about. */
    resource: string;
    message: string;
    /** The section of docs/operations.md with the commands. */
    docs: string;
}

interface Rule {
    types: string[];
    docs: string;
    /** The step's message for this change, or undefined when the rule does not apply. */
    step(change: ResourceChange): string | undefined;
}

function changed(change: ResourceChange, path: string): { old: unknown; new: unknown } | undefined {
    const c = change.changes.find((p) => p.path === path);
    return c && !c.secret ? { old: c.old, new: c.new } : undefined;
}

const RULES: Rule[] = [
    {
        types: ["aws:rds/parameterGroup:ParameterGroup"],
        docs: "docs/operations.md#major-upgrade-of-postgresql-16-to-17",
        step: (c) => {
            const family = changed(c, "family");
            if (c.action !== "replace" || family === undefined) return undefined;
            return `the parameter group's family changes from ${family.old} to ${family.new}: RDS attaches the new group only at the instance's next maintenance window, so the old group is kept in AWS (retainOnDelete) rather than deleted while still attached; delete it after the window`;
        },
    },
    {
        types: ["aws:elasticache/parameterGroup:ParameterGroup"],
        docs: "docs/operations.md#major-upgrade-of-elasticache-redis-7-to-valkey-8-or-a-new-redis-family",
        step: (c) => {
            const family = changed(c, "family");
            if (c.action !== "replace" || family === undefined) return undefined;
            return `the parameter group's family changes from ${family.old} to ${family.new}: the replication group switches to the new group at its maintenance window (unless changes apply immediately), so the old group is kept in AWS (retainOnDelete); delete it once the switch is done`;
        },
    },
    {
        types: ["aws:rds/instance:Instance"],
        docs: "docs/operations.md#major-upgrade-of-postgresql-16-to-17",
        step: (c) => {
            const version = changed(c, "engineVersion");
            if (version === undefined) return undefined;
            const major = (v: unknown) => String(v ?? "").split(".")[0];
            if (major(version.old) === major(version.new)) return undefined;
            return `a major upgrade of PostgreSQL from ${version.old} to ${version.new}: take a manual snapshot first, check the upgrade target, and expect the instance to be unavailable during the upgrade at its maintenance window`;
        },
    },
];

export function manualSteps(changes: ResourceChange[]): ManualStep[] {
    const steps: ManualStep[] = [];
    for (const c of changes) {
        for (const rule of RULES) {
            if (!rule.types.includes(c.type)) continue;
            const message = rule.step(c);
            if (message !== undefined) steps.push({ urn: c.urn, resource: `${c.type.split(":").pop()} ${c.name}`, message, docs: rule.docs });
        }
    }
    return steps;
}
