/*
 * CIDR arithmetic for "is this source the internet?". The answer must not depend on how a range is
 * written: 0.0.0.0/0, two halves (0.0.0.0/1 + 128.0.0.0/1), a public /8, ::/1 or 0::0/0 all
 * reach beyond the private ranges. A range is public when any address in it lies outside the
 * allowed ranges (the private ranges and the application tier's CIDRs).
 */

export interface Range {
    v6: boolean;
    first: bigint;
    last: bigint;
}

function parseV4(address: string): bigint | undefined {
    const parts = address.split(".");
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    return parts.reduce((acc, p) => (acc << 8n) + BigInt(Number(p)), 0n);
}

function parseV6(address: string): bigint | undefined {
    let text = address.toLowerCase();
    // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
        const n = parseV4(v4[1]);
        if (n === undefined) return undefined;
        text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const halves = text.split("::");
    if (halves.length > 2) return undefined;
    const groups = (s: string) => (s === "" ? [] : s.split(":"));
    const head = groups(halves[0]);
    const tail = halves.length === 2 ? groups(halves[1]) : [];
    const missing = 8 - head.length - tail.length;
    if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
    const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
    if (all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
    return all.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/** The address range of a CIDR (a bare address is a /32 or /128); undefined when it is not one. */
export function parseCidr(cidr: string): Range | undefined {
    const [address, prefixText, extra] = cidr.trim().split("/");
    if (extra !== undefined || address === undefined) return undefined;
    const v6 = address.includes(":");
    const bits = v6 ? 128 : 32;
    const value = v6 ? parseV6(address) : parseV4(address);
    if (value === undefined) return undefined;
    const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText.trim()) ? Number(prefixText.trim()) : NaN;
    if (!(prefix >= 0 && prefix <= bits)) return undefined;
    const size = 1n << BigInt(bits - prefix);
    const first = (value / size) * size;
    return { v6, first, last: first + size - 1n };
}

/** Ranges that are never the internet: RFC 1918, shared address space, loopback, link-local, IPv6 unique-local and link-local. */
export const PRIVATE_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128"];

/**
 * True when some address of `cidr` lies outside every allowed range. An unparseable source counts
 * as public: nothing shows it is private.
 */
export function reachesBeyond(cidr: string, allowed: string[]): boolean {
    const range = parseCidr(cidr);
    if (range === undefined) return true;
    const cover = allowed
        .map(parseCidr)
        .filter((r): r is Range => r !== undefined && r.v6 === range.v6)
        .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = range.first;
    for (const r of cover) {
        if (r.first > next) break;
        if (r.last >= next) next = r.last + 1n;
        if (next > range.last) return false;
    }
    return next <= range.last;
}
