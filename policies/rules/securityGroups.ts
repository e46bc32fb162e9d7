import type * as aws from "@pulumi/aws";
import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PRIVATE_CIDRS, reachesBeyond } from "./cidr";
import { cannotCheckYet, guidance, requirement, resourceClass, validateResourceOfType } from "./meta";
import { UNKNOWN, at, knownNumber, knownString, listAt } from "./props";
import { AWS_DOCDB_CLUSTER, AWS_EC2_DEFAULT_SECURITY_GROUP, AWS_EC2_SECURITY_GROUP, AWS_EC2_SECURITY_GROUP_RULE, AWS_ELASTICACHE_CLUSTER, AWS_ELASTICACHE_REPLICATION_GROUP, AWS_RDS_CLUSTER, AWS_RDS_INSTANCE, AWS_VPC_SECURITY_GROUP_EGRESS_RULE, AWS_VPC_SECURITY_GROUP_INGRESS_RULE } from "./vocabulary";

/** Resource classes by type token; the provider SDK is imported for its types only (see resourceClass). */
export const SecurityGroup = resourceClass<aws.ec2.SecurityGroup, aws.ec2.SecurityGroupArgs>(AWS_EC2_SECURITY_GROUP);
export const SecurityGroupRule = resourceClass<aws.ec2.SecurityGroupRule, aws.ec2.SecurityGroupRuleArgs>(AWS_EC2_SECURITY_GROUP_RULE);
export const SecurityGroupIngressRule = resourceClass<aws.vpc.SecurityGroupIngressRule, aws.vpc.SecurityGroupIngressRuleArgs>(AWS_VPC_SECURITY_GROUP_INGRESS_RULE);
export const SecurityGroupEgressRule = resourceClass<aws.vpc.SecurityGroupEgressRule, aws.vpc.SecurityGroupEgressRuleArgs>(AWS_VPC_SECURITY_GROUP_EGRESS_RULE);

/*
 * Security-group policies. A rule can be written four ways: inline in aws.ec2.SecurityGroup or
 * aws.ec2.DefaultSecurityGroup, as an aws.ec2.SecurityGroupRule, or as an
 * aws.vpc.SecurityGroupIngressRule / EgressRule. Each is turned into the same `Rule` shape so the
 * checks are written once.
 */

/** Ports of the data tier: PostgreSQL, MySQL, MongoDB, Redis. The stack's own data resources add theirs. */
export const DATA_PORTS = [5432, 3306, 27017, 6379];
const PORT_NAMES: Record<number, string> = { 5432: "PostgreSQL", 3306: "MySQL", 27017: "MongoDB", 6379: "Redis" };

interface Rule {
    /** Where the rule sits, for messages: "ingress[0]" or "the rule". */
    label: string;
    protocol: unknown;
    fromPort: unknown;
    toPort: unknown;
    sources: unknown[];
    description: unknown;
}

function inlineRules(rules: unknown, direction: "ingress" | "egress"): Rule[] {
    return listAt(rules).map((r, i) => ({
        label: `${direction}[${i}]`,
        protocol: at(r, "protocol"),
        fromPort: at(r, "fromPort"),
        toPort: at(r, "toPort"),
        sources: r === UNKNOWN ? [UNKNOWN] : [...listAt(r, "cidrBlocks"), ...listAt(r, "ipv6CidrBlocks")],
        description: at(r, "description"),
    }));
}

/** Inline rules at a path of props (listAt on a list value). */
function inlineAt(props: unknown, key: "ingress" | "egress"): Rule[] {
    const value = at(props, key);
    if (value === UNKNOWN) return [{ label: key, protocol: UNKNOWN, fromPort: UNKNOWN, toPort: UNKNOWN, sources: [UNKNOWN], description: UNKNOWN }];
    return inlineRules(value, key);
}

/**
 * The TCP port range a rule opens, or undefined when it opens no TCP port. Protocol "-1" (or "all")
 * opens every port whatever the port fields say.
 */
export function tcpPortRange(protocol: unknown, fromPort: unknown, toPort: unknown): [number, number] | undefined {
    const p = String(protocol ?? "").trim().toLowerCase();
    if (p === "-1" || p === "all") return [0, 65535];
    if (p !== "tcp" && p !== "6") return undefined;
    const fromNumber = knownNumber(fromPort);
    const toNumber = knownNumber(toPort);
    const from = fromNumber !== undefined && fromNumber >= 0 ? fromNumber : 0;
    const to = toNumber !== undefined && toNumber >= 0 ? toNumber : 65535;
    return [Math.min(from, to), Math.max(from, to)];
}

function describePorts(ports: number[]): string {
    return ports.map((p) => `${PORT_NAMES[p] ?? "port"} ${p}`).join(", ");
}

/** The rules a security-group resource declares for inbound traffic; none for other types or egress rules. */
function ingressRules(r: PolicyResource): Rule[] | undefined {
    switch (r.type) {
        case AWS_EC2_SECURITY_GROUP:
        case AWS_EC2_DEFAULT_SECURITY_GROUP:
            return inlineAt(r.props, "ingress");
        case AWS_EC2_SECURITY_GROUP_RULE: {
            const type = at(r.props, "type");
            if (type === UNKNOWN) return [{ label: "the rule", protocol: UNKNOWN, fromPort: UNKNOWN, toPort: UNKNOWN, sources: [UNKNOWN], description: undefined }];
            if (type !== "ingress") return [];
            return [
                {
                    label: "the rule",
                    protocol: at(r.props, "protocol"),
                    fromPort: at(r.props, "fromPort"),
                    toPort: at(r.props, "toPort"),
                    sources: [...listAt(r.props, "cidrBlocks"), ...listAt(r.props, "ipv6CidrBlocks")],
                    description: at(r.props, "description"),
                },
            ];
        }
        case AWS_VPC_SECURITY_GROUP_INGRESS_RULE:
            return [
                {
                    label: "the rule",
                    protocol: at(r.props, "ipProtocol"),
                    fromPort: at(r.props, "fromPort"),
                    toPort: at(r.props, "toPort"),
                    sources: [at(r.props, "cidrIpv4"), at(r.props, "cidrIpv6")].filter((s) => s !== undefined && s !== null),
                    description: at(r.props, "description"),
                },
            ];
        default:
            return undefined;
    }
}

/** Default ports of the engines RDS runs, for instances that do not set `port`. */
const ENGINE_PORTS: Array<[RegExp, number]> = [
    [/postgres/i, 5432],
    [/mysql|maria/i, 3306],
    [/sqlserver/i, 1433],
    [/oracle/i, 1521],
];

/** Ports the stack's own data resources listen on: each RDS instance's and ElastiCache group's `port`, or its engine's default. */
function stackDataPorts(resources: PolicyResource[]): number[] {
    const ports: number[] = [];
    for (const r of resources) {
        if (r.type === AWS_RDS_INSTANCE || r.type === AWS_RDS_CLUSTER || r.type === AWS_DOCDB_CLUSTER) {
            const port = knownNumber(at(r.props, "port"));
            const engine = knownString(at(r.props, "engine")) ?? "";
            ports.push(port ?? ENGINE_PORTS.find(([re]) => re.test(engine))?.[1] ?? 5432);
        } else if (r.type === AWS_ELASTICACHE_REPLICATION_GROUP || r.type === AWS_ELASTICACHE_CLUSTER) {
            ports.push(knownNumber(at(r.props, "port")) ?? 6379);
        }
    }
    return ports;
}

function kindOf(type: string): string {
    return type === AWS_EC2_SECURITY_GROUP ? "Security group" : type === AWS_EC2_DEFAULT_SECURITY_GROUP ? "Default security group" : type === AWS_VPC_SECURITY_GROUP_INGRESS_RULE ? "Security group ingress rule" : "Security group rule";
}

export const securityGroupNoPublicDataPorts: StackValidationPolicy = {
    name: "security-group-no-public-data-ports",
    description:
        "DB-2: no security-group rule (inline, default security group, SecurityGroupRule or vpc.SecurityGroupIngressRule) admits a source outside the private ranges and network.appCidrs, in IPv4 or IPv6 however it is split, on a data-tier port: the configured ports and every port the stack's databases and caches listen on.",
    enforcementLevel: "mandatory",
    ...requirement("DB-2", "The database is reachable only from the application tier, never publicly"),
    ...guidance("critical", "Admit only the application tier's CIDRs (network.appCidrs) or its security group on data ports; never a public range, however split."),
    configSchema: {
        properties: {
            ports: { type: "array", items: { type: "integer", minimum: 0, maximum: 65535 }, default: DATA_PORTS, description: "Ports never to open to the internet, besides the ports of the stack's own databases and caches." },
            appCidrs: { type: "array", items: { type: "string" }, default: [], description: "The application tier's CIDRs (network.appCidrs), allowed on data ports even when they are public addresses." },
            privateCidrs: { type: "array", items: { type: "string" }, default: PRIVATE_CIDRS, description: "Ranges that are not the internet." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { ports = DATA_PORTS, appCidrs = [], privateCidrs = PRIVATE_CIDRS } = args.getConfig<{ ports?: number[]; appCidrs?: string[]; privateCidrs?: string[] }>();
        const dataPorts = [...new Set([...ports, ...stackDataPorts(args.resources)])].sort((a, b) => a - b);
        const allowed = [...privateCidrs, ...appCidrs];
        for (const r of args.resources) {
            const rules = ingressRules(r);
            if (rules === undefined) continue;
            for (const rule of rules) checkRule(r, rule, dataPorts, allowed, reportViolation);
        }
    },
};

function checkRule(r: PolicyResource, rule: Rule, dataPorts: number[], allowed: string[], report: ReportViolation): void {
    const where = `${kindOf(r.type)} '${r.name}'${rule.label === "the rule" ? "" : ` ${rule.label}`}`;
    if ([rule.protocol, rule.fromPort, rule.toPort].includes(UNKNOWN)) {
        if (rule.sources.some((s) => s === UNKNOWN || (typeof s === "string" && reachesBeyond(s, allowed)))) {
            cannotCheckYet(report, "security-group-no-public-data-ports", r.urn, `the ports of ${where}`);
        }
        return;
    }
    const range = tcpPortRange(rule.protocol, rule.fromPort, rule.toPort);
    if (!range) return;
    const hit = dataPorts.filter((port) => port >= range[0] && port <= range[1]);
    if (hit.length === 0) return;
    const publicSources = rule.sources.filter((s): s is string => typeof s === "string" && reachesBeyond(s, allowed));
    if (publicSources.length > 0) {
        report(`${where} admits ${publicSources.join(", ")} (beyond the private ranges and the app tier) on ${describePorts(hit)}. Admit only the application tier's CIDRs or security group.`, r.urn);
    } else if (rule.sources.includes(UNKNOWN)) {
        cannotCheckYet(report, "security-group-no-public-data-ports", r.urn, `the sources of ${where}`);
    }
}

function isBlank(description: unknown): boolean {
    return description !== UNKNOWN && (typeof description !== "string" || description.trim() === "");
}

const DESCRIBE = "Say in each rule's description who it admits and why, so a reviewer can tell a needed rule from a leftover one.";

export const securityGroupRuleDescriptions: ResourceValidationPolicy = {
    name: "security-group-rule-descriptions",
    description: "DB-2: every security-group rule, inline or separate, has a description saying what it admits and why.",
    enforcementLevel: "advisory",
    ...requirement("DB-2", "The database is reachable only from the application tier, never publicly"),
    ...guidance("low", DESCRIBE),
    validateResource: [
        validateResourceOfType(SecurityGroup, (_group, args, reportViolation) => {
            const rules = [...inlineAt(args.props, "ingress"), ...inlineAt(args.props, "egress")];
            const blank = rules.filter((r) => isBlank(r.description)).map((r) => r.label);
            if (blank.length > 0) reportViolation(`Security group '${args.name}' has rules without a description: ${blank.join(", ")}. ${DESCRIBE}`);
        }),
        validateResourceOfType(SecurityGroupRule, (_rule, args, reportViolation) => {
            if (isBlank(at(args.props, "description"))) reportViolation(`Security group rule '${args.name}' has no description. ${DESCRIBE}`);
        }),
        validateResourceOfType(SecurityGroupIngressRule, (_rule, args, reportViolation) => {
            if (isBlank(at(args.props, "description"))) reportViolation(`Security group ingress rule '${args.name}' has no description. ${DESCRIBE}`);
        }),
        validateResourceOfType(SecurityGroupEgressRule, (_rule, args, reportViolation) => {
            if (isBlank(at(args.props, "description"))) reportViolation(`Security group egress rule '${args.name}' has no description. ${DESCRIBE}`);
        }),
    ],
};
