import * as assert from "assert";
import { secretEnv, secretKeys } from "../../../components/secrets/secretEnv";

describe("unit: app secret references (SC-1)", () => {
    it("SC-1: apps read each secret through a secretKeyRef, never a value", () => {
        assert.deepStrictEqual(secretEnv(["DATABASE_URL", "JWT_SECRET"], "runbook-env"), [
            { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "runbook-env", key: "DATABASE_URL" } } },
            { name: "JWT_SECRET", valueFrom: { secretKeyRef: { name: "runbook-env", key: "JWT_SECRET" } } },
        ]);
    });

    it("SC-1: the Secret holds the built connection strings, then the config secrets", () => {
        assert.deepStrictEqual(secretKeys({ DATABASE_URL: 1, REDIS_URL: 2 }, { JWT_SECRET: 3 }), ["DATABASE_URL", "REDIS_URL", "JWT_SECRET"]);
    });

    it("refuses a config secret that would shadow a built connection string", () => {
        assert.throws(() => secretKeys({ REDIS_URL: 1 }, { REDIS_URL: 2 }), /runbook:secrets\.REDIS_URL clashes/);
    });
});
