import * as assert from "assert";
import { imageProblem, parseImage } from "../../../config/images";

describe("unit: image references (WL-3)", () => {
    it("WL-3: accepts images pinned to a release tag or a digest, with or without a registry port", () => {
        for (const image of [
            "ghcr.io/acme/retail-api:1.4.2",
            "node:20.11-alpine",
            "registry.example.com:5000/team/app:v2",
            "localhost:5000/app:2024-01-01",
            `ghcr.io/acme/api@sha256:${"a".repeat(64)}`,
            `ghcr.io/acme/api:1.4.2@sha256:${"b".repeat(64)}`,
        ]) {
            assert.strictEqual(imageProblem(image), undefined, image);
        }
    });

    it("WL-3: refuses latest, untagged images and malformed references", () => {
        assert.match(imageProblem("ghcr.io/acme/api:latest")!, /tagged latest, which is not pinned/);
        assert.match(imageProblem("ghcr.io/acme/api:LATEST")!, /tagged latest/);
        assert.match(imageProblem("ghcr.io/acme/api")!, /no tag, which means latest/);
        assert.match(imageProblem("registry.example.com:5000/team/app")!, /no tag/, "a registry port is not a tag");
        assert.match(imageProblem("ghcr.io/acme/api@sha256:abc")!, /invalid digest/);
        assert.match(imageProblem("Ghcr.io/Acme/API:1")!, /not a valid image name/);
        assert.match(imageProblem("api: 1")!, /not an image reference/);
    });

    it("splits name, tag and digest, leaving a registry port in the name", () => {
        assert.deepStrictEqual(parseImage("registry:5000/app:1.2"), { name: "registry:5000/app", tag: "1.2", digest: undefined });
        assert.deepStrictEqual(parseImage("app@sha256:00"), { name: "app", digest: "sha256:00" });
    });
});
