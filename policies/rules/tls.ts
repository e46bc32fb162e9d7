import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { cannotCheckYet, guidance, isProductionStack, outsideProductionSchema, reportAt, requirement } from "./meta";
import { UNKNOWN, at, knownNumber, knownString, listAt } from "./props";
import { K8S_CERTIFICATE, K8S_CLIENT_TRAFFIC_POLICY, K8S_CLUSTER_ISSUER, K8S_GATEWAY, K8S_ISSUER } from "./vocabulary";

/*
 * The TLS chain behind the Gateway (ED-2, ED-5; issue 19 (2)): every HTTPS listener serves a Secret
 * that a cert-manager Certificate of the stack writes and renews, from an issuer browsers trust in
 * production (ACME's production directory, never its staging one, a self-signed or a private CA),
 * renewed well before it expires, for the names the stack configures (no wildcard it did not ask
 * for); and the Gateway refuses clients below TLS 1.2. The expiry alert is judged by
 * alerts-fire-at-runbook-thresholds.
 */

/** cert-manager's default Certificate duration (90 days) and renewal (a third of it): https://cert-manager.io/docs/usage/certificate/#renewal */
const DEFAULT_DURATION_SECONDS = 90 * 86400;

/** Seconds of a Go duration as cert-manager reads it (`720h`, `2160h0m0s`, `90m`), or undefined. */
export function goDurationSeconds(text: unknown): number | undefined {
    if (typeof text !== "string") return undefined;
    const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) return undefined;
    return parts.reduce((sum, p) => sum + Number(p[1]) * { h: 3600, m: 60, s: 1, ms: 0.001 }[p[2] as "h" | "m" | "s" | "ms"], 0);
}

const namespaceOf = (r: PolicyResource): string | undefined => knownString(at(r.props, "metadata", "namespace"));

/** Why an issuer is not one a public site may present in production, or undefined. */
function untrustedIssuer(issuer: PolicyResource, stagingPattern: RegExp): string | undefined {
    const spec = at(issuer.props, "spec");
    if (at(spec, "selfSigned") !== undefined) return "a self-signed issuer, which no browser trusts";
    if (at(spec, "ca") !== undefined) return "a private CA issuer, which no browser trusts";
    const server = at(spec, "acme", "server");
    if (typeof server === "string" && stagingPattern.test(server)) return `ACME's staging directory (${server}), whose certificates no browser trusts`;
    if (at(spec, "acme") === undefined && at(spec, "vault") === undefined && at(spec, "venafi") === undefined) return "an issuer of no kind cert-manager can sign with";
    return undefined;
}

interface TlsConfig {
    minimumRenewBeforeDays: number;
    allowedWildcards: string[];
    stagingDirectoryPattern: string;
    outsideProduction?: "mandatory" | "advisory" | "disabled";
}

const TLS_VERSIONS: Record<string, number> = { "1.0": 1.0, "1.1": 1.1, "1.2": 1.2, "1.3": 1.3 };

export const tlsCertificatesRenewed: StackValidationPolicy = {
    name: "tls-certificates-renewed",
    description:
        "ED-2: every HTTPS listener of a Gateway serves a Secret that a cert-manager Certificate of the stack renews, for the hostnames configured (no unrequested wildcard), at least 15 days before expiry, from a trusted issuer in production (not ACME staging, self-signed or a private CA); the Gateway's client policy refuses TLS below 1.2.",
    enforcementLevel: "mandatory",
    ...requirement(["ED-2", "ED-5"], "TLS everywhere; certificates renew automatically and their expiry is monitored"),
    ...guidance(
        "critical",
        "Serve each HTTPS listener from the Secret of a Certificate (the Certificates component declares one per edge host, from the ACME production issuer, renewBefore 720h); keep the ClientTrafficPolicy's tls.minVersion at 1.2 or 1.3; list a wildcard in edge.hosts only if you mean it, and in this policy's allowedWildcards.",
    ),
    configSchema: {
        properties: {
            minimumRenewBeforeDays: { type: "number", minimum: 1, default: 15, description: "Fewest days before expiry a Certificate may renew: more than the 14 days at which the expiry alert fires, so the alert means renewal failed. Defaults to 15." },
            allowedWildcards: { type: "array", items: { type: "string" }, default: [], description: "Wildcard names (*.example.com) a listener or Certificate may carry. Defaults to none." },
            stagingDirectoryPattern: { type: "string", default: "staging", description: "A regular expression an ACME server URL of a test directory matches. Defaults to 'staging' (https://acme-staging-v02.api.letsencrypt.org/directory)." },
            outsideProduction: outsideProductionSchema("advisory"),
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<TlsConfig>();
        const production = isProductionStack(args.resources);
        const policy = "tls-certificates-renewed";
        const stagingPattern = new RegExp(config.stagingDirectoryPattern ?? "staging", "i");
        const wildcardsAllowed = new Set(config.allowedWildcards ?? []);
        const certificates = args.resources.filter((r) => r.type === K8S_CERTIFICATE);
        const issuers = args.resources.filter((r) => r.type === K8S_ISSUER || r.type === K8S_CLUSTER_ISSUER);
        const certificatesUnknown = certificates.filter((c) => at(c.props, "spec") === UNKNOWN || at(c.props, "spec", "secretName") === UNKNOWN || at(c.props, "metadata", "namespace") === UNKNOWN);
        for (const c of certificatesUnknown) cannotCheckYet(reportViolation, policy, c.urn, `the Secret and namespace of Certificate '${c.name}'`);
        /** `<namespace>/<secret>` → the Certificate that writes it. */
        const renewed = new Map<string, PolicyResource>();
        for (const c of certificates) {
            const secret = knownString(at(c.props, "spec", "secretName"));
            if (secret !== undefined) renewed.set(`${namespaceOf(c) ?? "default"}/${secret}`, c);
        }
        const wildcard = (name: unknown) => typeof name === "string" && name.startsWith("*") && !wildcardsAllowed.has(name);

        for (const gw of args.resources.filter((r) => r.type === K8S_GATEWAY)) {
            const gwNamespace = namespaceOf(gw) ?? "default";
            const gatewayName = knownString(at(gw.props, "metadata", "name")) ?? gw.name;
            const listeners = listAt(gw.props, "spec", "listeners");
            listeners.forEach((l, i) => {
                if (l === UNKNOWN) return cannotCheckYet(reportViolation, policy, gw.urn, `listener ${i} of Gateway '${gatewayName}'`);
                const name = knownString(at(l, "name")) ?? String(i);
                const protocol = at(l, "protocol");
                if (protocol === UNKNOWN) return cannotCheckYet(reportViolation, policy, gw.urn, `the protocol of listener '${name}' of Gateway '${gatewayName}'`);
                const hostname = at(l, "hostname");
                if (hostname === UNKNOWN) cannotCheckYet(reportViolation, policy, gw.urn, `the hostname of listener '${name}' of Gateway '${gatewayName}'`);
                else if (wildcard(hostname)) {
                    reportViolation(`Gateway '${gatewayName}' listener '${name}' accepts the wildcard ${String(hostname)}, which no edge host asks for: every name under it reaches the apps. List the hosts one by one (edge.hosts), or allow it in allowedWildcards.`, gw.urn);
                }
                if (protocol !== "HTTPS" && protocol !== "TLS") return;
                if (at(l, "tls", "mode") === "Passthrough") return;
                const refs = listAt(l, "tls", "certificateRefs");
                if (refs.length === 0) {
                    reportViolation(`Gateway '${gatewayName}' listener '${name}' serves ${String(protocol)} without a certificate (tls.certificateRefs is empty). Serve the Secret of the host's Certificate.`, gw.urn);
                    return;
                }
                for (const ref of refs) {
                    const secret = at(ref, "name");
                    const ns = at(ref, "namespace");
                    const kind = at(ref, "kind") ?? "Secret";
                    if (ref === UNKNOWN || secret === UNKNOWN || ns === UNKNOWN || kind === UNKNOWN) {
                        cannotCheckYet(reportViolation, policy, gw.urn, `the certificate Secret of listener '${name}' of Gateway '${gatewayName}'`);
                        continue;
                    }
                    if (kind !== "Secret") continue;
                    const key = `${knownString(ns) ?? gwNamespace}/${String(secret)}`;
                    if (renewed.has(key) || certificatesUnknown.length > 0) continue;
                    reportViolation(
                        `Gateway '${gatewayName}' listener '${name}' serves TLS Secret '${key}', which no Certificate of the stack writes: nothing renews it, so it expires and the host goes dark. Declare a cert-manager Certificate with secretName '${String(secret)}' (the Certificates component does for every edge host).`,
                        gw.urn,
                    );
                }
            });
        }

        const outside = config.outsideProduction ?? "advisory";
        for (const c of certificates) {
            const spec = at(c.props, "spec");
            if (spec === UNKNOWN) continue;
            const cname = knownString(at(c.props, "metadata", "name")) ?? c.name;
            for (const dns of listAt(spec, "dnsNames")) {
                if (dns === UNKNOWN) cannotCheckYet(reportViolation, policy, c.urn, `the dnsNames of Certificate '${cname}'`);
                else if (wildcard(dns)) reportViolation(`Certificate '${cname}' is issued for the wildcard ${String(dns)}, which no edge host asks for: its key would serve every name under it. Issue it for the hosts one by one, or allow it in allowedWildcards.`, c.urn);
            }
            // renewBefore (or renewBeforePercentage), else a third of the duration, as cert-manager defaults.
            const durationRaw = at(spec, "duration");
            const renewRaw = at(spec, "renewBefore");
            const percentRaw = at(spec, "renewBeforePercentage");
            if ([durationRaw, renewRaw, percentRaw].includes(UNKNOWN)) cannotCheckYet(reportViolation, policy, c.urn, `the renewal time of Certificate '${cname}'`);
            else {
                const duration = durationRaw === undefined ? DEFAULT_DURATION_SECONDS : goDurationSeconds(durationRaw);
                const percent = knownNumber(percentRaw);
                const renew = renewRaw !== undefined ? goDurationSeconds(renewRaw) : percent !== undefined && duration !== undefined ? (duration * percent) / 100 : duration !== undefined ? duration / 3 : undefined;
                const floor = (config.minimumRenewBeforeDays ?? 15) * 86400;
                if (duration === undefined || renew === undefined) {
                    reportViolation(`Certificate '${cname}' has a duration or renewBefore (${JSON.stringify(durationRaw ?? null)}, ${JSON.stringify(renewRaw ?? null)}) that is no Go duration cert-manager reads, so it never renews. Write them as hours, such as 2160h and 720h.`, c.urn);
                } else if (renew < floor) {
                    reportViolation(`Certificate '${cname}' renews ${Math.round((renew / 86400) * 10) / 10} days before it expires, under the ${config.minimumRenewBeforeDays ?? 15} days the runbook asks: a failed renewal has no time left to be fixed, and the expiry alert fires on every healthy renewal. Set renewBefore to 720h (30 days).`, c.urn);
                } else if (renew >= duration) {
                    reportViolation(`Certificate '${cname}' renews ${Math.round(renew / 86400)} days before expiry but lasts only ${Math.round(duration / 86400)}: cert-manager refuses it. Keep renewBefore below the duration.`, c.urn);
                }
            }
            // ED-2: in production the certificate is one a browser trusts.
            if (!production && outside === "disabled") continue;
            const report = reportAt(reportViolation, production ? undefined : outside, policy);
            const issuerKind = at(spec, "issuerRef", "kind") ?? "Issuer";
            const issuerName = at(spec, "issuerRef", "name");
            const issuerGroup = at(spec, "issuerRef", "group") ?? "cert-manager.io";
            if ([issuerKind, issuerName, issuerGroup].includes(UNKNOWN)) {
                cannotCheckYet(reportViolation, policy, c.urn, `the issuer of Certificate '${cname}'`);
                continue;
            }
            if (issuerGroup !== "cert-manager.io") {
                cannotCheckYet(reportViolation, policy, c.urn, `whether issuer '${String(issuerName)}' of group ${String(issuerGroup)} (outside cert-manager) is trusted, for Certificate '${cname}'`);
                continue;
            }
            const issuer = issuers.find(
                (i) => (issuerKind === "ClusterIssuer" ? i.type === K8S_CLUSTER_ISSUER : i.type === K8S_ISSUER && (namespaceOf(i) ?? "default") === (namespaceOf(c) ?? "default")) && knownString(at(i.props, "metadata", "name")) === issuerName,
            );
            if (!issuer) {
                report(`Certificate '${cname}' is issued by ${String(issuerKind)} '${String(issuerName)}', which the stack does not declare: nothing shows it is a trusted, renewing issuer. Issue it from the stack's ACME issuer (the Certificates component declares it).`, c.urn);
                continue;
            }
            if (at(issuer.props, "spec") === UNKNOWN || at(issuer.props, "spec", "acme", "server") === UNKNOWN) {
                cannotCheckYet(reportViolation, policy, issuer.urn, `the kind and server of issuer '${String(issuerName)}'`);
                continue;
            }
            const why = untrustedIssuer(issuer, stagingPattern);
            if (why) report(`Certificate '${cname}' is issued by ${String(issuerKind)} '${String(issuerName)}', ${why}: visitors get a certificate error in ${production ? "production" : "this stack"}. Use the ACME production directory (https://acme-v02.api.letsencrypt.org/directory).`, c.urn);
        }

        // The Gateway's client side: Envoy Gateway refuses TLS below minVersion (its default is 1.2).
        for (const p of args.resources.filter((r) => r.type === K8S_CLIENT_TRAFFIC_POLICY)) {
            const targetsGateway = [...listAt(p.props, "spec", "targetRefs"), ...(at(p.props, "spec", "targetRef") !== undefined ? [at(p.props, "spec", "targetRef")] : [])].some((t) => t === UNKNOWN || at(t, "kind") === "Gateway" || at(t, "kind") === UNKNOWN);
            if (!targetsGateway) continue;
            const min = at(p.props, "spec", "tls", "minVersion");
            if (min === UNKNOWN) cannotCheckYet(reportViolation, policy, p.urn, `the TLS floor (tls.minVersion) of ClientTrafficPolicy '${p.name}'`);
            else if (min !== undefined && min !== null && min !== "Auto" && !((TLS_VERSIONS[String(min)] ?? 0) >= 1.2)) {
                reportViolation(`ClientTrafficPolicy '${p.name}' lets clients connect to the Gateway with TLS ${JSON.stringify(min)}, below 1.2 (ED-2). Set tls.minVersion to "1.2" or "1.3".`, p.urn);
            }
        }
    },
};
