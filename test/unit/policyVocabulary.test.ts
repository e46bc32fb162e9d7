import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vocabulary from "../../policies/rules/vocabulary";

/*
 * Issue 18, item 4: the pack spells each type token and label name once, in
 * policies/rules/vocabulary.ts. A token spelled wrong there matches no resource and silently turns a
 * rule off, so each provider token is checked against the SDK class that registers it; and a rule
 * module that spells one again is caught here, before the two copies drift.
 */

const ROOT = path.resolve(__dirname, "..", "..", "..");
const RULES = path.join(ROOT, "policies", "rules");
const TOKEN = /^(kubernetes|aws|cloudflare|random):([^:]+):(\w+)$/;
const values: Array<[string, string]> = Object.entries(vocabulary as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string");
const tokens = values.filter(([, v]) => TOKEN.test(v));

/** The provider SDK class a type token names, if the SDK has one (CRDs such as cert-manager's have none). */
function sdkClass(token: string): { __pulumiType?: string } | undefined {
    const [, provider, module, kind] = TOKEN.exec(token)!;
    const sdk = require(`@pulumi/${provider}`) as Record<string, any>;
    if (provider === "kubernetes") {
        const [group, version] = module.split("/");
        const namespace = group === "core" ? "core" : group === "networking.k8s.io" ? "networking" : group.includes(".") ? undefined : group;
        return namespace === undefined ? undefined : sdk[namespace]?.[version]?.[kind];
    }
    const [area] = module.split("/");
    return area === "index" ? sdk[kind] : sdk[area]?.[kind];
}

describe("unit: the policy pack's vocabulary (issue 18)", () => {
    it("each provider type token is the one its SDK class registers", () => {
        const custom = tokens.filter(([, token]) => sdkClass(token) === undefined).map(([name]) => name);
        // Custom resources of operators the program installs: no provider SDK class to compare with.
        assert.deepStrictEqual(custom.sort(), [
            "K8S_ALERTMANAGER_CONFIG",
            "K8S_CERTIFICATE",
            "K8S_CLIENT_TRAFFIC_POLICY",
            "K8S_CLUSTER_ISSUER",
            "K8S_GATEWAY",
            "K8S_HTTP_ROUTE",
            "K8S_ISSUER",
            "K8S_POD_MONITOR",
            "K8S_PROMETHEUS_RULE",
            "K8S_SERVICE_MONITOR",
        ]);
        for (const [name, token] of tokens) {
            const cls = sdkClass(token);
            if (cls) assert.strictEqual(cls.__pulumiType, token, name);
        }
    });

    it("spells each value once", () => {
        const seen = new Map<string, string>();
        for (const [name, value] of values.filter(([, v]) => v.includes(":") || v.includes("/"))) {
            assert.ok(!seen.has(value), `${name} and ${seen.get(value)} are both ${value}`);
            seen.set(value, name);
        }
    });

    it("no rule module spells a type token or a label name again: it imports them from vocabulary.ts", () => {
        const spelled = new Set<string>(values.map(([, v]) => v).filter((v) => v.includes(":") || v.includes("/")));
        const restated: string[] = [];
        for (const file of fs.readdirSync(RULES).filter((f) => f.endsWith(".ts") && f !== "vocabulary.ts")) {
            const source = fs.readFileSync(path.join(RULES, file), "utf8");
            for (const match of source.matchAll(/"([^"\n]*)"/g)) {
                if (spelled.has(match[1]) || TOKEN.test(match[1])) restated.push(`${file}: "${match[1]}"`);
            }
        }
        assert.deepStrictEqual(restated, []);
    });

    it("the check above sees a restated token (it can fail)", () => {
        const line = 'const DEPLOYMENT = "kubernetes:apps/v1:Deployment";';
        assert.ok([...line.matchAll(/"([^"\n]*)"/g)].some((m) => TOKEN.test(m[1])));
    });
});
