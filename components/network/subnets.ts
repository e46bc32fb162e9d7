import { formatCidr, parseCidr } from "../../lib/cidr";

/*
 * Subnet maths for the private network, without any Pulumi: every function here is pure and
 * unit-tested (test/unit/network/subnets.test.ts). The CIDR parsing itself is in lib/cidr.ts.
 */

/**
 * Each private subnet is this many bits longer than the VPC: a /16 VPC gives /20 subnets (4,091
 * usable addresses each) and leaves room for 16 of them. The size never depends on `azCount`, so
 * adding an availability zone later adds a subnet without renumbering the existing ones (a new
 * CIDR would replace a subnet, and every database in it).
 */
export const PRIVATE_SUBNET_NEW_BITS = 4;

/** AWS allows VPCs from /16 to /28; subnets need 4 more bits and can be no smaller than /28. */
export const MIN_VPC_PREFIX = 16;
export const MAX_VPC_PREFIX = 28 - PRIVATE_SUBNET_NEW_BITS;

/**
 * The CIDRs of the private subnets, one per availability zone: the first `azCount` blocks of
 * `PRIVATE_SUBNET_NEW_BITS` more bits than the VPC, in order. 10.20.0.0/16 with 3 AZs gives
 * 10.20.0.0/20, 10.20.16.0/20 and 10.20.32.0/20.
 */
export function privateSubnetCidrs(vpcCidr: string, azCount: number): string[] {
    const vpc = parseCidr(vpcCidr, "network.vpcCidr");
    if (vpc.prefix < MIN_VPC_PREFIX || vpc.prefix > MAX_VPC_PREFIX) {
        throw new Error(`network.vpcCidr: '${vpcCidr}' is a /${vpc.prefix}; use a /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX}, so each AZ gets a subnet of at least /28`);
    }
    const capacity = 2 ** PRIVATE_SUBNET_NEW_BITS;
    if (!Number.isInteger(azCount) || azCount < 1 || azCount > capacity) {
        throw new Error(`network.azCount: ${azCount} is not between 1 and ${capacity}`);
    }
    const prefix = vpc.prefix + PRIVATE_SUBNET_NEW_BITS;
    const size = 2 ** (32 - prefix);
    return Array.from({ length: azCount }, (_, i) => formatCidr({ network: vpc.network + i * size, prefix }));
}

/**
 * The availability zone of the `index`th subnet. Throws when the region has fewer zones than the
 * config asks for, naming the zones there are.
 */
export function zoneFor(zones: string[], azCount: number, index: number): string {
    if (azCount > zones.length) {
        throw new Error(
            `network.azCount: ${azCount} exceeds the ${zones.length} availability zone(s) of the region (${zones.join(", ")}); set network.azCount to ${zones.length} or fewer`,
        );
    }
    return zones[index];
}

/**
 * The zones to use when the config pins none: the region's zones sorted by name, the first `azCount`
 * of them. The list must not depend on zone health, so the caller asks for every zone whatever its
 * state; a name never changes meaning within an account, so the choice is the same on every run.
 */
export function stableZones(zones: string[], azCount: number): string[] {
    const sorted = [...zones].sort();
    zoneFor(sorted, azCount, 0);
    return sorted.slice(0, azCount);
}
