// Before the SDK loads: what it loads only to serialise functions loads on first use (see deferredModules.ts).
import { deferFunctionSerialisation } from "./deferredModules";
deferFunctionSerialisation();
import * as pulumi from "@pulumi/pulumi";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { PlanResource, SECRET, UNKNOWN } from "./model";

/**
 * Runs a Pulumi program on the SDK's mock runtime, as a preview, and records every registration as
 * the engine would receive it: the raw register request carries the resource options (`protect`,
 * `parent`, `retainOnDelete`, dependencies, provider) that a mock's `newResource` never sees.
 */

/** Canned answers for provider functions the program calls, keyed by function token. */
export type InvokeMocks = Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;

export interface CaptureOptions {
    project: string;
    stack: string;
    /** Loads the program (e.g. `() => require("../index")`); its exports become stack outputs. */
    program: () => Promise<Record<string, unknown>> | Record<string, unknown>;
    /** Engine config as `namespace:key` → string, and which keys are secret. */
    config: Record<string, string>;
    secretKeys: string[];
    invokes?: InvokeMocks;
    /** Keep secret values in the recorded inputs (tests only; see `sanitize`). */
    revealSecrets?: boolean;
}

export interface Capture {
    resources: PlanResource[];
    outputs: Record<string, unknown>;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getDependenciesList(): string[];
    getProvider(): string;
    getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
}

interface MockMonitorLike {
    newUrn(parent: string, type: string, name: string): string;
    registerResource(req: RegisterRequest, cb: (err: unknown, resp?: { getUrn(): string }) => void): void;
    registerResourceOutputs(req: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined }, cb: (err: unknown, resp?: unknown) => void): void;
}

/**
 * Turns the wire encoding of a property value into plan-file JSON: secrets masked, unknowns marked.
 * `revealSecrets` keeps secret values (for the runtime tests, which must know a Secret's keys); a plan
 * file never does.
 */
export function sanitize(value: unknown, revealSecrets = false): unknown {
    if (value === rpc.unknownValue) return UNKNOWN;
    if (Array.isArray(value)) return value.map((v) => sanitize(v, revealSecrets));
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        const sig = obj[rpc.specialSigKey];
        if (sig === rpc.specialSecretSig) return revealSecrets ? sanitize(obj.value, true) : SECRET;
        if (sig === rpc.specialResourceSig) {
            // The engine hands analyzers a resource reference as its ID (custom) or URN (component).
            const id = obj.id;
            return typeof id === "string" && id !== "" ? (id === rpc.unknownValue ? UNKNOWN : id) : obj.urn;
        }
        return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined).map(([k, v]) => [k, sanitize(v, revealSecrets)]));
    }
    return value;
}

function providerUrn(ref: string): string | null {
    if (!ref) return null;
    const i = ref.lastIndexOf("::");
    return i < 0 ? ref : ref.slice(0, i);
}

/** The engine's URN: the qualified type chains every ancestor's type except the root stack's. */
function engineUrn(stack: string, project: string, parent: string, type: string, name: string): string {
    let qualified = type;
    if (parent) {
        const parentQualified = parent.split("::")[2];
        if (parentQualified !== "pulumi:pulumi:Stack") qualified = `${parentQualified}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

export async function captureProgram(options: CaptureOptions): Promise<Capture> {
    const records: PlanResource[] = [];
    const outputsByUrn = new Map<string, Record<string, unknown>>();
    const invokes = options.invokes ?? {};

    await pulumi.runtime.setMocks(
        {
            // A preview: outputs that are not inputs stay unknown, as they would before `pulumi up`.
            newResource: (args) => ({ id: undefined, state: args.inputs }),
            call: (args) => {
                const mock = invokes[args.token];
                if (!mock) throw new Error(`the offline plan has no answer for ${args.token}; add one to plan/invokes.ts`);
                return mock(args.inputs);
            },
        },
        options.project,
        options.stack,
        true,
    );
    pulumi.runtime.setAllConfig(options.config, options.secretKeys);

    const monitor = (settings as unknown as { getMonitor(): MockMonitorLike }).getMonitor();
    monitor.newUrn = (parent, type, name) => engineUrn(options.stack, options.project, parent, type, name);
    // The SDK's mock monitor deserializes each request's inputs for `newResource`, then serializes
    // the returned state back (three conversions of every input per resource). Our mock's state is
    // the inputs themselves, so the request's own Struct is echoed: the same answer, at a fraction of
    // the cost, which is what keeps a stack with many apps cheap to plan.
    const resources = (monitor as unknown as { resources?: Map<string, unknown> }).resources;
    monitor.registerResource = (req, cb) => {
        let response: InstanceType<typeof resproto.RegisterResourceResponse>;
        try {
            const object = req.getObject();
            const wire = object?.toJavaScript() ?? {};
            const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
            resources?.set(urn, { urn, id: null, state: wire });
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((v, k) => {
                propertyDependencies[k] = v.getUrnsList();
            });
            records.push({
                urn,
                type: req.getType(),
                name: req.getName(),
                custom: req.getCustom(),
                parent: req.getParent() || null,
                provider: providerUrn(req.getProvider()),
                protect: req.getProtect() ?? false,
                retainOnDelete: req.getRetainondelete() ?? false,
                deleteBeforeReplace: req.getDeletebeforereplace(),
                ignoreChanges: req.getIgnorechangesList(),
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                dependencies: req.getDependenciesList(),
                propertyDependencies,
                inputs: sanitize(wire, options.revealSecrets) as Record<string, unknown>,
            });
            response = new resproto.RegisterResourceResponse();
            response.setUrn(urn);
            // A preview: no ID yet, and outputs that are not inputs stay unknown.
            response.setId("");
            response.setObject((object as unknown as structproto.Struct | undefined) ?? structproto.Struct.fromJavaScript({}));
        } catch (err) {
            cb(err);
            return;
        }
        cb(null, response as unknown as { getUrn(): string });
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, cb) => {
        outputsByUrn.set(req.getUrn(), sanitize(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
        registerOutputs(req, cb);
    };

    // An error inside an apply() surfaces as an unhandled rejection; the engine would fail the
    // preview with it, so the plan does too.
    let rejectRun: (e: unknown) => void = () => {};
    const failed = new Promise<never>((_, reject) => (rejectRun = reject));
    const onUnhandled = (reason: unknown) => rejectRun(reason);
    process.on("unhandledRejection", onUnhandled);
    // The SDK records a stack trace on every internal promise (a leak-debugging aid we never read);
    // with hundreds of resources that is a tenth of the run. Errors keep their messages.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    // Each resource also records where in the program it was declared, from a stack trace of every
    // frame (the SDK lifts the limit for it): the engine shows it in its diagnostics, the plan never
    // reads it, and with hundreds of resources its traces were most of the run's garbage.
    const resourceClass = pulumi.Resource as unknown as { stackTrace: (skip: number) => unknown[] };
    const stackTrace = resourceClass.stackTrace;
    resourceClass.stackTrace = () => [];
    try {
        await Promise.race([
            (async () => {
                await pulumi.runtime.runInPulumiStack(async () => options.program());
                // Every registration is in flight once the program returns; wait until the last one lands.
                await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
            })(),
            failed,
        ]);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
        resourceClass.stackTrace = stackTrace;
        process.off("unhandledRejection", onUnhandled);
    }

    const stackResource = records.find((r) => r.type === "pulumi:pulumi:Stack");
    return { resources: records, outputs: (stackResource && outputsByUrn.get(stackResource.urn)) ?? {} };
}
