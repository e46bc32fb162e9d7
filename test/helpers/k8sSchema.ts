import Ajv, { ValidateFunction } from "ajv";
import * as fs from "fs";
import * as path from "path";
import { PlanResource, SECRET, UNKNOWN } from "../../plan/model";

/**
 * Validates Kubernetes objects against the Kubernetes OpenAPI schema (the `kubernetes-models`
 * validators, generated from the upstream OpenAPI document). Unknown fields are caught earlier, by
 * the compiler: components build objects from @pulumi/kubernetes' typed inputs.
 */

// kubernetes-models is ESM-only; a real dynamic import keeps it out of the CommonJS require path.
const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<Record<string, unknown>>;

interface AjvError {
    instancePath: string;
    message?: string;
}

function valueAt(obj: unknown, pointer: string): unknown {
    let v: unknown = obj;
    for (const part of pointer.split("/").slice(1)) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    return v;
}

/**
 * The models package for an API group: the core Kubernetes schema, or the CRD schemas of the Gateway
 * API, cert-manager and the Prometheus operator.
 */
export function modelPackage(apiVersion: string): string {
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    if (group.startsWith("gateway.networking.")) return "@kubernetes-models/gateway-api";
    if (group.endsWith("cert-manager.io")) return "@kubernetes-models/cert-manager";
    if (group === "monitoring.coreos.com") return "@kubernetes-models/prometheus-operator";
    return "kubernetes-models";
}

/**
 * CRDs no models package covers (Envoy Gateway's policies): their OpenAPI schemas, copied verbatim
 * from the CRDs of the pinned release into test/fixtures/crds, keyed `group/version/Kind`.
 */
const CRD_SCHEMA_FILES = ["envoy-gateway.json"];
let crdValidators: Map<string, ValidateFunction> | undefined;

function crdValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
    if (!crdValidators) {
        crdValidators = new Map();
        // CRD schemas carry Kubernetes extensions (x-kubernetes-*) and formats such as int32.
        const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
        for (const file of CRD_SCHEMA_FILES) {
            const { schemas } = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "test", "fixtures", "crds", file), "utf8")) as { schemas: Record<string, object> };
            for (const [key, schema] of Object.entries(schemas)) crdValidators.set(key, ajv.compile(schema));
        }
    }
    return crdValidators.get(`${apiVersion}/${kind}`);
}

/** Schema errors for one object, ignoring values the plan could not know (`[unknown]`, `[secret]`). */
export async function validateK8sObject(obj: Record<string, unknown>): Promise<string[]> {
    const apiVersion = String(obj.apiVersion);
    const kind = String(obj.kind);
    const known = (err: AjvError) => {
        const v = valueAt(obj, err.instancePath);
        return v !== UNKNOWN && v !== SECRET;
    };
    const crd = crdValidator(apiVersion, kind);
    if (crd) {
        if (crd(obj)) return [];
        return ((crd.errors ?? []) as AjvError[]).filter(known).map((err) => `${apiVersion}/${kind} ${err.instancePath || "/"}: ${err.message}`);
    }
    let mod: Record<string, unknown>;
    try {
        mod = await importEsm(`${modelPackage(apiVersion)}/${apiVersion}/${kind}`);
    } catch {
        return [`${apiVersion}/${kind} is not a Kubernetes kind this schema knows`];
    }
    const Model = mod[kind] as new (o: unknown) => { validate(): void };
    try {
        new Model(obj).validate();
        return [];
    } catch (e) {
        const errors = ((e as { errors?: AjvError[] }).errors ?? [{ instancePath: "", message: (e as Error).message }]).filter((err) => {
            const v = valueAt(obj, err.instancePath.replace(/^\/?data/, ""));
            return v !== UNKNOWN && v !== SECRET;
        });
        return errors.map((err) => `${apiVersion}/${kind} ${err.instancePath || "/"}: ${err.message}`);
    }
}

/**
 * The Kubernetes objects among planned resources (inputs are the object). Providers and Helm
 * releases are not objects: a release's inputs are its chart and values.
 */
export function kubernetesObjects(resources: PlanResource[]): PlanResource[] {
    return resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers") && !r.type.startsWith("kubernetes:helm.sh/"));
}

/** Every schema error among the planned Kubernetes objects, each prefixed with the resource's URN. */
export async function kubernetesSchemaErrors(resources: PlanResource[]): Promise<string[]> {
    const errors: string[] = [];
    for (const r of kubernetesObjects(resources)) {
        for (const e of await validateK8sObject(r.inputs)) errors.push(`${r.urn}: ${e}`);
    }
    return errors;
}
