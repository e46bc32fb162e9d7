import * as assert from "assert";
import { cloudflareWafAndProxy } from "../../policies/rules/edge";
import { tlsCertificatesRenewed } from "../../policies/rules/tls";
import { PlanResource, UNKNOWN } from "../../plan/model";
import { check, resource } from "../helpers/policy";

/*
 * Issue 19 (2, 6): the TLS chain behind the Gateway, and the edge's protections in production.
 */

const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const CLIENT_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy";
const RULESET = "cloudflare:index/ruleset:Ruleset";
const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting";
const ZONE = "fedcba9876543210fedcba9876543210";

type Json = Record<string, any>;
const listener = (host: string, secret = `${host}-tls`): Json => ({ name: `https-${host}`, hostname: host, port: 443, protocol: "HTTPS", tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: secret }] } });
function gateway(listeners: Json[] = [{ name: "http", port: 80, protocol: "HTTP" }, listener("example.com"), listener("api.example.com")], stack = "production"): PlanResource {
    return resource(GATEWAY, "gateway-gateway", { metadata: { name: "public", namespace: "runbook" }, spec: { gatewayClassName: "eg", listeners } }, { stack });
}
function certificate(host: string, spec: Json = {}, stack = "production"): PlanResource {
    return resource(CERTIFICATE, `certificates-${host}`, { metadata: { name: host, namespace: "runbook" }, spec: { dnsNames: [host], secretName: `${host}-tls`, duration: "2160h", renewBefore: "720h", issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "runbook-acme" }, ...spec } }, { stack });
}
function issuer(spec: Json = { acme: { server: "https://acme-v02.api.letsencrypt.org/directory", email: "ops@example.com", privateKeySecretRef: { name: "acme" }, solvers: [] } }, stack = "production"): PlanResource {
    return resource(CLUSTER_ISSUER, "certificates-issuer", { metadata: { name: "runbook-acme" }, spec }, { stack });
}
function clientPolicy(minVersion: unknown = "1.2", stack = "production"): PlanResource {
    return resource(CLIENT_POLICY, "gateway-client-policy", { metadata: { name: "public", namespace: "runbook" }, spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public" }], tls: { minVersion } } }, { stack });
}
const chain = (stack = "production") => [gateway(undefined, stack), certificate("example.com", {}, stack), certificate("api.example.com", {}, stack), issuer(undefined, stack), clientPolicy("1.2", stack)];
const tls = (rs: PlanResource[]) => check([tlsCertificatesRenewed], rs);
const mandatory = async (rs: PlanResource[], policy = tls) => (await policy(rs)).filter((v) => v.enforcementLevel === "mandatory");

describe("policy: tls-certificates-renewed (ED-2, ED-5; issue 19 (2))", () => {
    it("ED-2: compliant: every listener served by a Certificate of the stack from the ACME production directory, renewed 30 days ahead, TLS 1.2 or better", async () => {
        assert.deepStrictEqual(await tls(chain()), []);
        assert.deepStrictEqual(await tls([...chain().filter((r) => r.type !== CLIENT_POLICY), clientPolicy("1.3")]), []);
        // cert-manager's own default renews a 90-day certificate 30 days ahead.
        assert.deepStrictEqual(await tls([...chain().filter((r) => r.type !== CERTIFICATE), certificate("example.com", { duration: undefined, renewBefore: undefined }), certificate("api.example.com")]), []);
    });

    it("ED-2: violating: a listener's Secret that no Certificate renews (the Certificate deleted, or a hand-made Secret)", async () => {
        const deleted = await mandatory(chain().filter((r) => r.name !== "certificates-api.example.com"));
        assert.strictEqual(deleted.length, 1);
        assert.match(deleted[0].message, /listener 'https-api.example.com' serves TLS Secret 'runbook\/api.example.com-tls', which no Certificate of the stack writes/);
        const handMade = await mandatory([gateway([listener("example.com", "my-own-cert")]), certificate("example.com"), issuer()]);
        assert.match(handMade[0].message, /'runbook\/my-own-cert'/);
    });

    it("ED-2: violating: an ACME staging, self-signed or private-CA issuer in production; advisory in staging", async () => {
        for (const [spec, why] of [
            [{ acme: { server: "https://acme-staging-v02.api.letsencrypt.org/directory" } }, /ACME's staging directory/],
            [{ selfSigned: {} }, /self-signed issuer/],
            [{ ca: { secretName: "root-ca" } }, /private CA issuer/],
        ] as Array<[Json, RegExp]>) {
            const rs = [...chain().filter((r) => r.type !== CLUSTER_ISSUER), issuer(spec)];
            const v = await mandatory(rs);
            assert.strictEqual(v.length, 2, JSON.stringify(v));
            assert.match(v[0].message, why);
            const staging = await tls([...chain("staging").filter((r) => r.type !== CLUSTER_ISSUER), issuer(spec, "staging")]);
            assert.ok(staging.length > 0 && staging.every((x) => x.enforcementLevel === "advisory"));
        }
    });

    it("ED-2: violating: renewBefore under 15 days, or a duration cert-manager cannot read", async () => {
        const short = await mandatory([...chain().filter((r) => r.name !== "certificates-api.example.com"), certificate("api.example.com", { renewBefore: "48h" })]);
        assert.match(short[0].message, /renews 2 days before it expires, under the 15 days/);
        const percent = await mandatory([...chain().filter((r) => r.name !== "certificates-api.example.com"), certificate("api.example.com", { renewBefore: undefined, renewBeforePercentage: 5 })]);
        assert.match(percent[0].message, /renews 4.5 days before/);
        const garbled = await mandatory([...chain().filter((r) => r.name !== "certificates-api.example.com"), certificate("api.example.com", { renewBefore: "thirty days" })]);
        assert.match(garbled[0].message, /no Go duration cert-manager reads/);
    });

    it("ED-2: violating: the Gateway's client TLS floor below 1.2", async () => {
        for (const min of ["1.0", "1.1"]) {
            const v = await mandatory([...chain().filter((r) => r.type !== CLIENT_POLICY), clientPolicy(min)]);
            assert.match(v[0].message, new RegExp(`TLS "${min.replace(".", "\\.")}", below 1.2`));
        }
    });

    it("ED-5: violating: wildcard hostnames nobody configured, on a listener or a Certificate; allowed when listed", async () => {
        const rs = [gateway([listener("*.example.com", "wild-tls")]), certificate("wild", { dnsNames: ["*.example.com"], secretName: "wild-tls" }), issuer()];
        const v = await mandatory(rs);
        assert.strictEqual(v.length, 2);
        assert.ok(v.some((x) => /listener .* accepts the wildcard \*\.example\.com/.test(x.message)));
        assert.ok(v.some((x) => /issued for the wildcard \*\.example\.com/.test(x.message)));
        assert.deepStrictEqual(await check([tlsCertificatesRenewed], rs, { "tls-certificates-renewed": { allowedWildcards: ["*.example.com"] } }), []);
    });

    it("ED-2: unknowns are advisories naming them, and a known violation beside them still counts (issue 19 (9, 10))", async () => {
        const rs = [gateway([{ name: "later", port: 443, protocol: UNKNOWN }, listener("api.example.com", "not-renewed")]), certificate("api.example.com"), issuer(), clientPolicy(UNKNOWN)];
        const v = await tls(rs);
        assert.ok(v.some((x) => x.enforcementLevel === "advisory" && /protocol of listener 'later'/.test(x.message)), JSON.stringify(v));
        assert.ok(v.some((x) => x.enforcementLevel === "advisory" && /tls.minVersion/.test(x.message)));
        assert.ok(v.some((x) => x.enforcementLevel === "mandatory" && /not-renewed/.test(x.message)));
    });
});

function waf(rules: Json[] = [
    { action: "execute", actionParameters: { id: "efb7b8c949ac4650a09736fc376e9aee" }, enabled: true, expression: "true", ref: "cloudflare_managed" },
    { action: "execute", actionParameters: { id: "4814384a9e5d4991b9815dcfc25d2f1f" }, enabled: true, expression: "true", ref: "owasp_core" },
], stack = "production"): PlanResource {
    return resource(RULESET, "cloudflare-waf", { kind: "zone", name: "managed WAF", phase: "http_request_firewall_managed", rules, zoneId: ZONE }, { stack });
}
const ssl = (stack = "production") => resource(ZONE_SETTING, "cloudflare-ssl", { settingId: "ssl", value: "strict", zoneId: ZONE }, { stack });
const record = (name: string, proxied: unknown = true, stack = "production") => resource(DNS, `cloudflare-dns-${name}`, { name, type: "CNAME", content: "lb.example.net", proxied, ttl: 1, zoneId: ZONE }, { stack });
const edge = (rs: PlanResource[]) => check([cloudflareWafAndProxy], rs);

describe("policy: cloudflare-waf-and-proxy (ED-4, ED-1; issue 19 (6))", () => {
    it("ED-4: compliant: both managed rulesets on every request, every app host proxied", async () => {
        assert.deepStrictEqual(await edge([ssl(), waf(), record("example.com"), record("api.example.com")]), []);
    });

    it("ED-4: violating: the managed WAF ruleset removed, disabled, narrowed, or overridden to log", async () => {
        const removed = await mandatory([ssl(), record("example.com")], edge);
        assert.strictEqual(removed.length, 2);
        assert.match(removed[0].message, /does not run the Cloudflare Managed Ruleset .*no http_request_firewall_managed ruleset/);
        const edits: Array<[(r: Json[]) => void, RegExp]> = [
            [(r) => (r[0].enabled = false), /is disabled/],
            [(r) => (r[0].enabled = "false"), /is disabled/],
            [(r) => (r[0].expression = 'http.host eq "admin.example.com"'), /runs only where/],
            [(r) => (r[0].actionParameters.overrides = { action: "log" }), /only logs what it matches/],
            [(r) => (r[0].actionParameters.overrides = { enabled: false }), /turns all of its rules off/],
            [(r) => (r[0].action = "skip"), /acts with "skip"/],
        ];
        for (const [editRules, why] of edits) {
            const rules = (waf().inputs as Json).rules;
            editRules(rules);
            const v = await mandatory([ssl(), waf(rules), record("example.com")], edge);
            assert.strictEqual(v.length, 1, JSON.stringify(v));
            assert.match(v[0].message, why);
        }
    });

    it("ED-1: violating: an app host not proxied (false, absent, or a string no provider reads as true); advisory in staging", async () => {
        for (const proxied of [false, "absent", "no"]) {
            const r = record("api.example.com", proxied);
            if (proxied === "absent") delete (r.inputs as Json).proxied;
            const v = await mandatory([ssl(), waf(), r], edge);
            assert.strictEqual(v.length, 1, String(proxied));
            assert.match(v[0].message, /DNS record api.example.com \(CNAME\) of an app host is/);
        }
        assert.deepStrictEqual(await mandatory([ssl(), waf(), record("api.example.com", "true")], edge), [], "\"true\" is read as the provider reads it");
        const staging = await edge([ssl("staging"), waf(undefined, "staging"), record("api.staging.example.com", false, "staging")]);
        assert.strictEqual(staging[0].enforcementLevel, "advisory");
        assert.deepStrictEqual(await check([cloudflareWafAndProxy], [ssl(), waf(), record("vpn.example.com", false)], { "cloudflare-waf-and-proxy": { unproxiedNames: ["vpn.example.com"] } }), []);
    });

    it("ED-4: a WAF rule only known after 'pulumi up' is an advisory, and a known unproxied host beside it still counts", async () => {
        const v = await edge([ssl(), waf([UNKNOWN as unknown as Json]), record("api.example.com", false)]);
        assert.ok(v.some((x) => x.enforcementLevel === "advisory" && /WAF ruleset or rule is only known after/.test(x.message)));
        assert.ok(v.some((x) => x.enforcementLevel === "mandatory" && /not proxied/.test(x.message)));
    });
});
