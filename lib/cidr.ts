/*
 * IPv4 CIDR maths, without any Pulumi: config validation (config/rules.ts) and the network
 * components both read it, so it sits on the ground floor and imports nothing of the program.
 * Unit-tested in test/unit/lib/cidr.test.ts.
 */

/** An IPv4 CIDR block: the network address as an unsigned 32-bit number and the prefix length. */
export interface Ipv4Cidr {
    network: number;
    prefix: number;
}

/** Parses a.b.c.d/n, rejecting bad octets, bad prefixes and host bits (AWS rejects those too). */
export function parseCidr(cidr: string, path = "cidr"): Ipv4Cidr {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!match) throw new Error(`${path}: '${cidr}' is not an IPv4 CIDR; use a.b.c.d/n such as 10.20.0.0/16`);
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255)) throw new Error(`${path}: '${cidr}' has an octet above 255`);
    if (prefix > 32) throw new Error(`${path}: '${cidr}' has a prefix above /32`);
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const network = prefix === 0 ? 0 : (address & maskOf(prefix)) >>> 0;
    if (network !== address) {
        throw new Error(`${path}: '${cidr}' has host bits set; use ${formatCidr({ network, prefix })}`);
    }
    return { network, prefix };
}

export function formatCidr(cidr: Ipv4Cidr): string {
    const n = cidr.network;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${cidr.prefix}`;
}

function maskOf(prefix: number): number {
    return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}

/** True when the two blocks share any address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
    const prefix = Math.min(a.prefix, b.prefix);
    const mask = maskOf(prefix);
    return ((a.network & mask) >>> 0) === ((b.network & mask) >>> 0);
}


/** True when `inner` lies entirely inside `outer`. */
export function cidrWithin(inner: Ipv4Cidr, outer: Ipv4Cidr): boolean {
    return inner.prefix >= outer.prefix && cidrsOverlap(inner, outer);
}
