import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { requirement } from "./meta";

/*
 * Security-group policies. A rule can be written three ways: inline in aws.ec2.SecurityGroup,
 * as an aws.ec2.SecurityGroupRule, or as an aws.vpc.SecurityGroupIngressRule / EgressRule. Each
 * is turned into the same `Rule` shape so the checks are written once.
 */

/** Ports of the data tier: PostgreSQL, MongoDB, Redis. */
export const DATA_PORTS = [5432, 27017, 6379];
const PORT_NAMES: Record<number, string> = { 5432: "PostgreSQL", 27017: "MongoDB", 6379: "Redis" };
const INTERNET = new Set(["0.0.0.0/0", "::/0"]);

interface Rule {
    /** Where the rule sits, for messages: "ingress[0]" or "the rule". */
    label: string;
    protocol: unknown;
    fromPort: unknown;
    toPort: unknown;
    sources: unknown[];
    description: unknown;
}

interface InlineRule {
    protocol?: unknown;
    fromPort?: unknown;
    toPort?: unknown;
    cidrBlocks?: unknown[];
    ipv6CidrBlocks?: unknown[];
    description?: unknown;
}

function inlineRules(rules: InlineRule[] | undefined, direction: "ingress" | "egress"): Rule[] {
    return (rules ?? []).map((r, i) => ({
        label: `${direction}[${i}]`,
        protocol: r.protocol,
        fromPort: r.fromPort,
        toPort: r.toPort,
        sources: [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])],
        description: r.description,
    }));
}

/**
 * The TCP port range a rule opens, or undefined when it opens no TCP port. Protocol "-1" (or "all")
 * opens every port whatever the port fields say.
 */
export function tcpPortRange(protocol: unknown, fromPort: unknown, toPort: unknown): [number, number] | undefined {
    const p = String(protocol ?? "").toLowerCase();
    if (p === "-1" || p === "all") return [0, 65535];
    if (p !== "tcp" && p !== "6") return undefined;
    const from = typeof fromPort === "number" && fromPort >= 0 ? fromPort : 0;
    const to = typeof toPort === "number" && toPort >= 0 ? toPort : 65535;
    return [from, to];
}

function exposedDataPorts(rule: Rule, ports: number[]): { source: string; ports: number[] } | undefined {
    const source = rule.sources.map((s) => String(s).trim()).find((s) => INTERNET.has(s));
    if (source === undefined) return undefined;
    const range = tcpPortRange(rule.protocol, rule.fromPort, rule.toPort);
    if (!range) return undefined;
    const hit = ports.filter((port) => port >= range[0] && port <= range[1]);
    return hit.length > 0 ? { source, ports: hit } : undefined;
}

function describePorts(ports: number[]): string {
    return ports.map((p) => `${PORT_NAMES[p] ?? "port"} ${p}`).join(", ");
}

export const securityGroupNoPublicDataPorts: ResourceValidationPolicy = {
    name: "security-group-no-public-data-ports",
    description: "DB-2: no security group admits the internet (0.0.0.0/0 or ::/0) on a data-tier port (PostgreSQL 5432, MongoDB 27017, Redis 6379), directly or through a port range or an all-traffic rule.",
    enforcementLevel: "mandatory",
    ...requirement("DB-2", "The database is reachable only from the application tier, never publicly"),
    configSchema: {
        properties: {
            ports: { type: "array", items: { type: "integer", minimum: 0, maximum: 65535 }, default: DATA_PORTS, description: "Ports never to open to the internet." },
        },
    },
    validateResource: [
        validateResourceOfType(aws.ec2.SecurityGroup, (group, args, reportViolation) => {
            const { ports } = args.getConfig<{ ports: number[] }>();
            for (const rule of inlineRules(group.ingress as InlineRule[] | undefined, "ingress")) {
                const exposed = exposedDataPorts(rule, ports);
                if (exposed) {
                    reportViolation(
                        `Security group '${args.name}' ${rule.label} admits ${exposed.source} on ${describePorts(exposed.ports)}. Admit only the application tier's CIDRs or security group.`,
                    );
                }
            }
        }),
        validateResourceOfType(aws.ec2.SecurityGroupRule, (rule, args, reportViolation) => {
            if (rule.type !== "ingress") return;
            const { ports } = args.getConfig<{ ports: number[] }>();
            const sources = [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])];
            const exposed = exposedDataPorts({ label: "the rule", protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, sources, description: rule.description }, ports);
            if (exposed) {
                reportViolation(`Security group rule '${args.name}' admits ${exposed.source} on ${describePorts(exposed.ports)}. Admit only the application tier's CIDRs or security group.`);
            }
        }),
        validateResourceOfType(aws.vpc.SecurityGroupIngressRule, (rule, args, reportViolation) => {
            const { ports } = args.getConfig<{ ports: number[] }>();
            const sources = [rule.cidrIpv4, rule.cidrIpv6].filter((s) => s !== undefined);
            const exposed = exposedDataPorts({ label: "the rule", protocol: rule.ipProtocol, fromPort: rule.fromPort, toPort: rule.toPort, sources, description: rule.description }, ports);
            if (exposed) {
                reportViolation(`Security group ingress rule '${args.name}' admits ${exposed.source} on ${describePorts(exposed.ports)}. Admit only the application tier's CIDR or security group.`);
            }
        }),
    ],
};

function isBlank(description: unknown): boolean {
    return typeof description !== "string" || description.trim() === "";
}

const DESCRIBE = "Say in each rule's description who it admits and why, so a reviewer can tell a needed rule from a leftover one.";

export const securityGroupRuleDescriptions: ResourceValidationPolicy = {
    name: "security-group-rule-descriptions",
    description: "DB-2: every security-group rule, inline or separate, has a description saying what it admits and why.",
    enforcementLevel: "advisory",
    ...requirement("DB-2", "The database is reachable only from the application tier, never publicly"),
    validateResource: [
        validateResourceOfType(aws.ec2.SecurityGroup, (group, args, reportViolation) => {
            const rules = [...inlineRules(group.ingress as InlineRule[] | undefined, "ingress"), ...inlineRules(group.egress as InlineRule[] | undefined, "egress")];
            const blank = rules.filter((r) => isBlank(r.description)).map((r) => r.label);
            if (blank.length > 0) reportViolation(`Security group '${args.name}' has rules without a description: ${blank.join(", ")}. ${DESCRIBE}`);
        }),
        validateResourceOfType(aws.ec2.SecurityGroupRule, (rule, args, reportViolation) => {
            if (isBlank(rule.description)) reportViolation(`Security group rule '${args.name}' has no description. ${DESCRIBE}`);
        }),
        validateResourceOfType(aws.vpc.SecurityGroupIngressRule, (rule, args, reportViolation) => {
            if (isBlank(rule.description)) reportViolation(`Security group ingress rule '${args.name}' has no description. ${DESCRIBE}`);
        }),
        validateResourceOfType(aws.vpc.SecurityGroupEgressRule, (rule, args, reportViolation) => {
            if (isBlank(rule.description)) reportViolation(`Security group egress rule '${args.name}' has no description. ${DESCRIBE}`);
        }),
    ],
};
