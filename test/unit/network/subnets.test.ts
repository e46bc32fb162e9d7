import * as assert from "assert";
import { cidrsOverlap, formatCidr, parseCidr } from "../../../lib/cidr";
import { privateSubnetCidrs, zoneFor } from "../../../components/network/subnets";

describe("unit: private subnet maths (DB-2)", () => {
    it("carves one /20 per AZ from the start of a /16 VPC", () => {
        assert.deepStrictEqual(privateSubnetCidrs("10.20.0.0/16", 3), ["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"]);
        assert.deepStrictEqual(privateSubnetCidrs("10.30.0.0/16", 2), ["10.30.0.0/20", "10.30.16.0/20"]);
    });

    it("scales with the VPC size: a /24 VPC gets /28 subnets", () => {
        assert.deepStrictEqual(privateSubnetCidrs("192.168.7.0/24", 2), ["192.168.7.0/28", "192.168.7.16/28"]);
    });

    it("keeps existing subnets when azCount grows, so no subnet (or database in it) is replaced", () => {
        const two = privateSubnetCidrs("10.20.0.0/16", 2);
        const six = privateSubnetCidrs("10.20.0.0/16", 6);
        assert.deepStrictEqual(six.slice(0, 2), two);
    });

    it("produces disjoint subnets inside the VPC", () => {
        const vpc = parseCidr("172.16.0.0/16");
        const subnets = privateSubnetCidrs("172.16.0.0/16", 16).map((c) => parseCidr(c));
        subnets.forEach((s, i) => {
            assert.ok(cidrsOverlap(vpc, s) && s.prefix > vpc.prefix, `${formatCidr(s)} is inside the VPC`);
            subnets.slice(i + 1).forEach((t) => assert.ok(!cidrsOverlap(s, t), `${formatCidr(s)} and ${formatCidr(t)} are disjoint`));
        });
    });

    it("handles addresses above 2^31 without sign errors", () => {
        assert.deepStrictEqual(privateSubnetCidrs("200.100.0.0/16", 2), ["200.100.0.0/20", "200.100.16.0/20"]);
        assert.strictEqual(formatCidr(parseCidr("255.255.255.240/28")), "255.255.255.240/28");
    });

    it("rejects CIDRs with host bits, bad octets or a bad size, naming the key and the fix", () => {
        assert.throws(() => privateSubnetCidrs("10.20.1.0/16", 2), /network\.vpcCidr: '10\.20\.1\.0\/16' has host bits set; use 10\.20\.0\.0\/16/);
        assert.throws(() => privateSubnetCidrs("10.300.0.0/16", 2), /octet above 255/);
        assert.throws(() => privateSubnetCidrs("10.0.0.0/8", 2), /is a \/8; use a \/16 to \/24/);
        assert.throws(() => privateSubnetCidrs("10.20.0.0/26", 2), /is a \/26/);
        assert.throws(() => privateSubnetCidrs("10.20.0.0", 2), /is not an IPv4 CIDR/);
        assert.throws(() => privateSubnetCidrs("10.20.0.0/16", 0), /network\.azCount: 0/);
        assert.throws(() => privateSubnetCidrs("10.20.0.0/16", 17), /network\.azCount: 17/);
    });

    it("picks zones in order and refuses more AZs than the region has", () => {
        const zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
        assert.deepStrictEqual([0, 1, 2].map((i) => zoneFor(zones, 3, i)), zones);
        assert.throws(() => zoneFor(zones, 4, 0), /network\.azCount: 4 exceeds the 3 availability zone\(s\) of the region \(us-east-1a, us-east-1b, us-east-1c\); set network\.azCount to 3 or fewer/);
    });
});
