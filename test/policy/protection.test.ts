import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policies/rules";
import { statefulResourcesProtected } from "../../policies/rules/protection";
import { ROOT } from "../helpers/harness";
import { check, resource } from "../helpers/policy";

const stackPolicyConfig = (stack: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", `${stack}.json`), "utf8"));

describe("policy: stateful-resources-protected (DB-6)", () => {
    const bucket = (protect: boolean) => resource("cloudflare:index/r2Bucket:R2Bucket", "data", { name: "data" }, { protect });

    it("DB-6 compliant: a protected bucket passes", async () => {
        assert.deepStrictEqual(await check([statefulResourcesProtected], [bucket(true)]), []);
    });

    it("DB-6 violating: an unprotected bucket is a mandatory violation naming it", async () => {
        const vs = await check([statefulResourcesProtected], [bucket(false)]);
        assert.strictEqual(vs.length, 1);
        assert.strictEqual(vs[0].enforcementLevel, "mandatory");
        assert.match(vs[0].message, /'data' is not protected/);
        assert.deepStrictEqual(vs[0].requirements, ["DB-6"]);
    });

    it("DB-6: does not apply to stateless types", async () => {
        const lifecycle = resource("cloudflare:index/r2BucketLifecycle:R2BucketLifecycle", "lc", {});
        assert.deepStrictEqual(await check([statefulResourcesProtected], [lifecycle]), []);
    });

    it("DB-6: mandatory in the production stack, off in staging and any other stack, with each stack's policy config", async () => {
        const unprotected = (stack: string) => resource("cloudflare:index/r2Bucket:R2Bucket", "data", { name: "data" }, { protect: false, stack });
        const db6 = async (stack: string, config: Record<string, unknown>) =>
            (await check(policies, [unprotected(stack)], config)).filter((v) => v.policy === "stateful-resources-protected");
        assert.strictEqual((await db6("production", stackPolicyConfig("production")))[0].enforcementLevel, "mandatory");
        assert.deepStrictEqual(await db6("staging", stackPolicyConfig("staging")), []);
        assert.deepStrictEqual(await db6("pr-123", {}), [], "a preview stack with no policy config file gets the non-production setting");
        const overridden = await db6("pr-123", { "stateful-resources-protected": { outsideProduction: "mandatory" } });
        assert.strictEqual(overridden[0].enforcementLevel, "mandatory", "the stack's policy config still overrides");
    });

    it("DB-6: the list of stateful types comes from policy config", async () => {
        const vs = await check([statefulResourcesProtected], [bucket(false)], { "stateful-resources-protected": { types: ["aws:rds/instance:Instance"] } });
        assert.deepStrictEqual(vs, []);
    });
});
