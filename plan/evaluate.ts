import {
    Policies,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { EnforcementLevel, PlanResource, UNKNOWN, Violation } from "./model";
import { PolicyConfig } from "./policyConfig";
import { SPECIAL_SIG_KEY, UNKNOWN_WIRE_VALUE, UnknownValueError, UnknownValueErrorLike, deserializeProperties, getPulumiType, isResourcePolicy, isStackPolicy, previewProxy } from "./policyInternals";

/**
 * Evaluates a policy pack on a plan's resources with the same arguments the policy server builds
 * for `pulumi preview`: props behind the unknown-checking proxy (reading a preview unknown turns the
 * check into an advisory "can't run during preview"), `isType`/`asType` by type token, `getConfig`
 * from the reconciled pack config, `notApplicable`, and the server's enforcement-level precedence.
 */

export interface PackSpec {
    name: string;
    version: string;
    enforcementLevel: EnforcementLevel;
    policies: Policies;
}

/**
 * Thrown by `args.notApplicable()`. Most policies call it for most resources, so it is a plain
 * object: an Error would capture a stack trace on every call, which dominated large checks.
 */
class NotApplicable {
    constructor(readonly reason: string) {}
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicable(reason ?? "Policy does not apply");
}

function toWire(value: unknown): unknown {
    if (value === UNKNOWN) return UNKNOWN_WIRE_VALUE;
    if (Array.isArray(value)) return value.map(toWire);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
    return value;
}


const HAS_UNKNOWN = 1;
const HAS_SIGNATURE = 2;

/**
 * In one walk: whether a value holds an unknown, and anything the deserializer turns into something
 * else (a signature key: secret, asset, archive, resource reference). Stops once it has seen both.
 */
function unknownsAndSignatures(value: unknown): number {
    if (value === UNKNOWN) return HAS_UNKNOWN;
    if (value === null || typeof value !== "object") return 0;
    let found = 0;
    if (Array.isArray(value)) {
        for (let i = 0; i < value.length && found !== (HAS_UNKNOWN | HAS_SIGNATURE); i++) found |= unknownsAndSignatures(value[i]);
        return found;
    }
    if (SPECIAL_SIG_KEY in value) found |= HAS_SIGNATURE;
    for (const k in value) {
        if (found === (HAS_UNKNOWN | HAS_SIGNATURE)) break;
        if (Object.prototype.hasOwnProperty.call(value, k)) found |= unknownsAndSignatures((value as Record<string, unknown>)[k]);
    }
    return found;
}

/** Props already deserialized in this evaluation, per resource. */
type PropsCache = Map<PlanResource, Record<string, any>>;

/**
 * Props as the policy server deserializes them: a plain-JSON copy behind the unknown-checking
 * proxy. The server makes a copy per policy; this evaluator makes one per resource and shares it
 * between policies (no policy of the pack writes to props), which keeps a 10,000-resource check
 * linear in the resources rather than in resources × policies.
 */
function policyProps(r: PlanResource, propsCache: PropsCache): Record<string, any> {
    let props = propsCache.get(r);
    if (!props) {
        // The deserializer turns unknowns and signature objects (secrets, assets) into what the
        // server hands policies, and copies plain JSON as it is. Inputs with neither (nearly all of
        // them) are therefore already what it would return, and are shared instead of copied; no
        // policy of the pack writes to props.
        const found = unknownsAndSignatures(r.inputs);
        const unknown = (found & HAS_UNKNOWN) !== 0;
        if (found !== 0) {
            const wire = toWire(r.inputs) as Record<string, unknown>;
            // Without a signature the deserializer copies plain JSON as it is, which toWire has
            // already done (a fresh copy with the unknowns in their wire form).
            const plain = (found & HAS_SIGNATURE) !== 0 ? deserializeProperties({ toJavaScript: () => wire }, false) : wire;
            // The proxy only ever acts on unknown values; without any, the plain copy reads the same
            // and spares a proxy per property read.
            props = unknown ? previewProxy(plain) : plain;
        } else {
            props = r.inputs;
        }
        propsCache.set(r, props);
    }
    return props;
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = getPulumiType(resourceClass);
    if (pulumiType) return type === pulumiType;
    const isInstance = (resourceClass as { isInstance?: unknown })?.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function resourceOptions(r: PlanResource) {
    return {
        protect: r.protect,
        // Not sent to policy packs by the engine; the offline check passes it so that the
        // offline-only rules (stateful-resources-retained) can see it.
        retainOnDelete: r.retainOnDelete,
        ignoreChanges: r.ignoreChanges,
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: r.additionalSecretOutputs,
        ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

function providerOf(r: PlanResource, byUrn: Map<string, PlanResource>, cache: PropsCache) {
    const provider = r.provider ? byUrn.get(r.provider) : undefined;
    if (!provider) return undefined;
    return { type: provider.type, props: policyProps(provider, cache), urn: provider.urn, name: provider.name };
}

function requirementsOf(p: Policy): string[] {
    return p.tags ?? [];
}

function levelOf(p: Policy, pack: PackSpec, config: PolicyConfig): EnforcementLevel {
    // The server's order: the configured level, then the policy's own, then the pack's.
    return (config[p.name]?.enforcementLevel || p.enforcementLevel || pack.enforcementLevel) as EnforcementLevel;
}

/**
 * The reporter of one policy. The resource it reports on by default is read from `subject` when it
 * reports, so one reporter serves a policy's calls on every resource (they run one after another).
 */
function makeReporter(p: Policy, pack: PackSpec, level: EnforcementLevel, out: Violation[], subject: { urn: string | null }): ReportViolation {
    return (message?: string | object, urn?: string) => {
        const defaultUrn = subject.urn;
        if (message !== null && typeof message === "object") {
            const info = message as { message?: string; description?: string; urn?: string; enforcementLevel?: EnforcementLevel; name?: string };
            out.push({
                policy: info.name || p.name,
                policyPack: pack.name,
                enforcementLevel: info.enforcementLevel || level,
                requirements: requirementsOf(p),
                urn: info.urn ?? defaultUrn,
                message: info.message || info.description || p.description,
            });
            return;
        }
        out.push({ policy: p.name, policyPack: pack.name, enforcementLevel: level, requirements: requirementsOf(p), urn: urn ?? defaultUrn, message: message || p.description });
    };
}

function previewDiagnostic(p: Policy, pack: PackSpec, e: UnknownValueErrorLike, urn: string | null): Violation {
    return {
        policy: p.name,
        policyPack: pack.name,
        enforcementLevel: "advisory",
        requirements: requirementsOf(p),
        urn,
        message: `can't run policy '${p.name}' from policy pack '${pack.name}@v${pack.version}' during preview: ${e.message}`,
    };
}

const configCopies = new WeakMap<PolicyConfig, Map<string, Record<string, unknown>>>();

/** The server hands every call a shallow copy of the policy's properties; the deep copy is made once per policy. */
function configGetter(p: Policy, config: PolicyConfig) {
    return <T extends object>(): T => {
        let copies = configCopies.get(config);
        if (!copies) configCopies.set(config, (copies = new Map()));
        let copy = copies.get(p.name);
        if (!copy) copies.set(p.name, (copy = structuredClone(config[p.name]?.properties ?? {})));
        return { ...copy } as T;
    };
}

/**
 * Runs one validation the way the server does: an unknown read becomes the "can't run during
 * preview" advisory, `notApplicable` ends it quietly, anything else fails the check. Reading a
 * preview unknown throws @pulumi/policy's UnknownValueError, an Error whose stack capture dominated
 * large checks, so stacks are off while a policy runs; a real crash runs once more with them on, for
 * a trace worth reading.
 */
function runGuarded<A>(p: Policy, pack: PackSpec, urn: string | null, out: Violation[], fn: (args: A, report: ReportViolation) => unknown, args: A, report: ReportViolation): void | Promise<void> {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let result: unknown;
    try {
        result = fn(args, report);
    } catch (e) {
        Error.stackTraceLimit = stackTraceLimit;
        return settle(p, pack, urn, out, () => fn(args, report), e);
    }
    Error.stackTraceLimit = stackTraceLimit;
    // Most validations are synchronous; only a returned promise costs a turn of the event loop.
    if (result !== null && typeof (result as Promise<unknown>)?.then === "function") {
        return (async () => {
            Error.stackTraceLimit = 0;
            try {
                await result;
            } catch (e) {
                Error.stackTraceLimit = stackTraceLimit;
                return settle(p, pack, urn, out, () => fn(args, report), e);
            } finally {
                Error.stackTraceLimit = stackTraceLimit;
            }
        })();
    }
}

/** How a validation that threw ends: an advisory for a preview unknown, nothing for notApplicable, else a failed check. */
function settle(p: Policy, pack: PackSpec, urn: string | null, out: Violation[], fn: () => unknown, e: unknown): void | Promise<void> {
    if (e instanceof UnknownValueError) {
        out.push(previewDiagnostic(p, pack, e, urn));
        return;
    }
    if (e instanceof NotApplicable) return;
    return (async () => {
        let detail = e;
        try {
            await Promise.resolve(fn());
        } catch (again) {
            detail = again;
        }
        throw new Error(`Error validating ${urn ?? "the stack"} with policy '${p.name}' from policy pack '${pack.name}@v${pack.version}': ${(detail as Error).stack ?? detail}`);
    })();
}

/** The stack's resources as the server links them for stack policies: parents, dependencies and property dependencies. */
function linkStackResources(resources: PlanResource[], byUrn: Map<string, PlanResource>, cache: PropsCache): PolicyResource[] {
    const policyResources = new Map<string, PolicyResource>();
    for (const r of resources) {
        const props = policyProps(r, cache);
        const resource = {
            type: r.type,
            urn: r.urn,
            name: r.name,
            props,
            opts: resourceOptions(r),
            dependencies: [] as PolicyResource[],
            propertyDependencies: {} as Record<string, PolicyResource[]>,
            isType: ((cls: unknown) => isTypeOf(r.type, cls)) as PolicyResource["isType"],
            asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
        } as PolicyResource;
        const provider = providerOf(r, byUrn, cache);
        if (provider) resource.provider = provider;
        policyResources.set(r.urn, resource);
    }
    for (const r of resources) {
        const resource = policyResources.get(r.urn)!;
        const parent = r.parent ? policyResources.get(r.parent) : undefined;
        if (parent) resource.parent = parent;
        resource.dependencies = r.dependencies.map((d) => policyResources.get(d)).filter((d): d is PolicyResource => d !== undefined);
        for (const [k, urns] of Object.entries(r.propertyDependencies)) {
            resource.propertyDependencies[k] = urns.map((d) => policyResources.get(d)).filter((d): d is PolicyResource => d !== undefined);
        }
    }
    return [...policyResources.values()];
}

export async function evaluatePolicies(resources: PlanResource[], pack: PackSpec, config: PolicyConfig): Promise<Violation[]> {
    const violations: Violation[] = [];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const cache: PropsCache = new Map();
    const stackTags: ReadonlyMap<string, string> = new Map();

    // What does not depend on the resource is worked out once per policy: its level, and which
    // validations can apply to which type (typed ones by token, untyped ones to every resource).
    interface Runnable {
        p: Policy;
        validation: (args: ResourceValidationArgs, report: ReportViolation) => unknown;
        report: ReportViolation;
    }
    const subject = { urn: null as string | null };
    const typed = new Map<string, Runnable[]>();
    const untyped: Runnable[] = [];
    for (const p of pack.policies) {
        const level = levelOf(p, pack, config);
        if (level === "disabled" || !isResourcePolicy(p)) continue;
        const policy = p as ResourceValidationPolicy;
        if (!policy.validateResource) continue;
        const effective = level === "remediate" ? "mandatory" : level;
        const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
        const only = Array.isArray(policy.validateResource) ? undefined : getPulumiType(policy.validateResource);
        for (const validation of validations) {
            // A typed validation of another type is not applicable (validateResourceOfType returns at once).
            const type = getPulumiType(validation) ?? only;
            const runnable = { p, validation: validation as Runnable["validation"], report: makeReporter(p, pack, effective, violations, subject) };
            if (type === undefined) untyped.push(runnable);
            else typed.set(type, [...(typed.get(type) ?? []), runnable]);
        }
    }
    // Each resource's validations run in the pack's order, as the server runs them.
    const order = new Map(pack.policies.map((p, i) => [p, i]));
    const forType = new Map<string, Runnable[]>();
    const runnablesOf = (type: string) => {
        let list = forType.get(type);
        if (!list) {
            const all = [...untyped, ...(typed.get(type) ?? [])];
            list = all.map((x, i) => ({ x, i })).sort((a, b) => order.get(a.x.p)! - order.get(b.x.p)! || a.i - b.i).map(({ x }) => x);
            forType.set(type, list);
        }
        return list;
    };

    const getters = new Map<Policy, ResourceValidationArgs["getConfig"]>();
    const getterOf = (p: Policy) => {
        let getter = getters.get(p);
        if (!getter) getters.set(p, (getter = configGetter(p, config)));
        return getter;
    };
    for (const r of resources) {
        const runnables = runnablesOf(r.type);
        if (runnables.length === 0) continue;
        // What the server builds per call and no policy writes to is built once per resource and
        // shared by its policies' arguments (props as in policyProps; the server's copies read the same).
        const provider = providerOf(r, byUrn, cache);
        const props = policyProps(r, cache);
        const opts = resourceOptions(r);
        const isType = ((cls: unknown) => isTypeOf(r.type, cls)) as ResourceValidationArgs["isType"];
        const asType = ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"];
        subject.urn = r.urn;
        for (const { p, validation, report } of runnables) {
            const args: ResourceValidationArgs = { type: r.type, urn: r.urn, name: r.name, props, opts, stackTags, isType, asType, getConfig: getterOf(p), notApplicable: throwNotApplicable };
            if (provider) args.provider = provider;
            const pending = runGuarded(p, pack, r.urn, violations, validation, args, report);
            if (pending) await pending;
        }
    }

    // Built once, when the first stack policy runs, and shared by all of them (see policyProps).
    let stackResources: PolicyResource[] | undefined;
    for (const p of pack.policies) {
        const level = levelOf(p, pack, config);
        if (level === "disabled" || !isStackPolicy(p)) continue;
        const policy = p as StackValidationPolicy;
        const only = getPulumiType(policy.validateStack);
        if (only && !resources.some((r) => r.type === only)) continue;
        const effective = level === "remediate" ? "mandatory" : level;
        const report = makeReporter(p, pack, effective, violations, { urn: null });
        stackResources ??= linkStackResources(resources, byUrn, cache);
        const args: StackValidationArgs = {
            resources: stackResources,
            getConfig: configGetter(p, config),
            stackTags,
            notApplicable: throwNotApplicable,
        };
        const pending = runGuarded(p, pack, null, violations, (a: StackValidationArgs, r: ReportViolation) => policy.validateStack(a, r), args, report);
        if (pending) await pending;
    }
    return violations;
}
