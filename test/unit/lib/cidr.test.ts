import * as assert from "assert";
import { cidrWithin, cidrsOverlap, formatCidr, parseCidr } from "../../../lib/cidr";

describe("unit: IPv4 CIDR maths (DB-2)", () => {
    it("parses /0 as the whole address space", () => {
        assert.deepStrictEqual(parseCidr("0.0.0.0/0"), { network: 0, prefix: 0 });
        assert.throws(() => parseCidr("10.0.0.0/0"), /host bits set; use 0\.0\.0\.0\/0/);
    });

    it("handles addresses above 2^31 without sign errors", () => {
        assert.strictEqual(formatCidr(parseCidr("255.255.255.240/28")), "255.255.255.240/28");
        assert.strictEqual(formatCidr(parseCidr("200.100.16.0/20")), "200.100.16.0/20");
    });

    it("rejects host bits, bad octets and bad prefixes, naming the key and the fix", () => {
        assert.throws(() => parseCidr("10.20.1.0/16", "network.vpcCidr"), /network\.vpcCidr: '10\.20\.1\.0\/16' has host bits set; use 10\.20\.0\.0\/16/);
        assert.throws(() => parseCidr("10.300.0.0/16"), /octet above 255/);
        assert.throws(() => parseCidr("10.0.0.0/33"), /prefix above \/32/);
        assert.throws(() => parseCidr("10.20.0.0"), /is not an IPv4 CIDR/);
    });

    it("tells overlap from containment", () => {
        const vpc = parseCidr("10.20.0.0/16");
        const subnet = parseCidr("10.20.16.0/20");
        const other = parseCidr("10.21.0.0/16");
        assert.ok(cidrsOverlap(vpc, subnet) && cidrsOverlap(subnet, vpc));
        assert.ok(!cidrsOverlap(vpc, other));
        assert.ok(cidrWithin(subnet, vpc));
        assert.ok(!cidrWithin(vpc, subnet), "a wider block is not inside a narrower one");
        assert.ok(!cidrWithin(other, vpc));
    });
});
