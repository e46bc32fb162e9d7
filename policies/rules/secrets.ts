import { StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, guidance, requirement } from "./meta";
import { UNKNOWN, at, knownNumber } from "./props";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const GENERATORS = [RANDOM_PASSWORD];

/** Inputs that carry a credential the stack must generate, by resource type. */
const CREDENTIAL_INPUTS: Record<string, string[]> = {
    "aws:elasticache/replicationGroup:ReplicationGroup": ["authToken", "authTokenWo"],
};

export const generatedCredentials: StackValidationPolicy = {
    name: "generated-credentials",
    description:
        "SC-3: credentials the stack sets (ElastiCache AUTH tokens) come from a password generator, never a literal, and every generated password or token (random.RandomPassword) is at least the configured length.",
    enforcementLevel: "mandatory",
    ...requirement(["SC-3", "SC-1"], "No plain-text admin password; hashed or generated and stored as a secret"),
    ...guidance("critical", "Pass a random.RandomPassword's result as the token, with length of at least the configured minimum (32 by default)."),
    configSchema: {
        properties: {
            minimumLength: { type: "integer", minimum: 16, default: 32, description: "Shortest random.RandomPassword allowed, in characters." },
            generatorTypes: { type: "array", items: { type: "string" }, default: GENERATORS, description: "Resource types whose output counts as a generated credential." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { minimumLength = 32, generatorTypes = GENERATORS } = args.getConfig<{ minimumLength?: number; generatorTypes?: string[] }>();
        const generators = new Set(generatorTypes);
        for (const r of args.resources) {
            if (r.type === RANDOM_PASSWORD) {
                const length = at(r.props, "length");
                if (length === UNKNOWN) cannotCheckYet(reportViolation, "generated-credentials", r.urn, `the length of generated password '${r.name}'`);
                else if ((knownNumber(length) ?? 0) < minimumLength) {
                    reportViolation(`Generated password '${r.name}' is ${JSON.stringify(length ?? null)} characters long; at least ${minimumLength} required. Set length: ${minimumLength} or more.`, r.urn);
                }
                continue;
            }
            for (const key of CREDENTIAL_INPUTS[r.type] ?? []) {
                if (at(r.props, key) === undefined || at(r.props, key) === null) continue;
                const generated = (r.propertyDependencies[key] ?? []).some((d) => generators.has(d.type));
                if (!generated) {
                    // Never print the value: it is the credential.
                    reportViolation(`'${r.name}' sets ${key} from a value no password generator produced (a literal, or a secret someone typed). Pass a random.RandomPassword's result.`, r.urn);
                }
            }
        }
    },
};
