/*
 * Pure builders for the Gateway API objects of the environment: one Gateway, an HTTPRoute per host
 * (plus one per host for its WebSocket paths), the port-80 redirect, Envoy Gateway's traffic
 * policies and the NetworkPolicy that admits the Gateway's proxies. No Pulumi here: each returns the
 * plain object body, and the component adds the namespace.
 */

export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";
export const ENVOY_GATEWAY_API_VERSION = "gateway.envoyproxy.io/v1alpha1";

/** The environment's one Gateway, in the apps' namespace. */
export const GATEWAY_NAME = "public";
/** The plain-HTTP listener: it only redirects to HTTPS (ED-5). */
export const HTTP_LISTENER = "http";
/** The route attached to the HTTP listener. */
export const REDIRECT_ROUTE_NAME = "https-redirect";

/** One host and the app that serves it, as the routes need them. */
export interface HostRoute {
    host: string;
    /** The app's Service name (`apps[].name`). */
    app: string;
    /** The Service's `http` port (`apps[].port`). */
    port: number;
    /** Paths served over WebSocket (`apps[].websocketPaths`); they get long timeouts (WL-7). */
    websocketPaths: string[];
    /** The app's own request timeout (`apps[].requestTimeoutSeconds`, WL-8); the edge's otherwise. */
    requestTimeoutSeconds?: number;
}

export interface RouteSettings {
    hstsMaxAgeSeconds: number;
    requestTimeoutSeconds: number;
    websocketTimeoutSeconds: number;
}

/** The hosts with their apps. Hosts whose app is unknown are left out (config validation rejects them). */
export function hostRoutes(
    hosts: ReadonlyArray<{ host: string; app: string }>,
    apps: ReadonlyArray<{ name: string; port: number; websocketPaths?: string[]; requestTimeout?: { seconds: number } }>,
): HostRoute[] {
    return hosts.flatMap((h) => {
        const app = apps.find((a) => a.name === h.app);
        if (!app) return [];
        const timeout = app.requestTimeout?.seconds;
        return [{ host: h.host, app: app.name, port: app.port, websocketPaths: app.websocketPaths ?? [], ...(timeout !== undefined ? { requestTimeoutSeconds: timeout } : {}) }];
    });
}

/** The HTTPS listener of a host. Listener names allow dots, so the host names it. */
export function httpsListenerName(host: string): string {
    return `https-${host}`;
}

/** The Secret cert-manager writes a host's certificate to. */
export function tlsSecretName(host: string): string {
    return `${host}-tls`;
}

export function routeName(host: string): string {
    return host;
}

export function websocketRouteName(host: string): string {
    return `${host}-websocket`;
}

/** Gateway API durations: at most five digits per unit. */
export function duration(seconds: number): string {
    return seconds <= 99999 ? `${seconds}s` : `${Math.ceil(seconds / 60)}m`;
}

/**
 * One Gateway: an HTTPS listener on 443 per host, terminating TLS with that host's certificate
 * (ED-2), and one HTTP listener on 80 for the redirect. Routes attach only from the same namespace.
 */
export function gatewaySpec(className: string, hosts: readonly string[]) {
    const sameNamespace = { namespaces: { from: "Same" } };
    return {
        gatewayClassName: className,
        listeners: [
            { name: HTTP_LISTENER, protocol: "HTTP", port: 80, allowedRoutes: { ...sameNamespace, kinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }] } },
            ...hosts.map((host) => ({
                name: httpsListenerName(host),
                hostname: host,
                protocol: "HTTPS",
                port: 443,
                tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: tlsSecretName(host) }] },
                allowedRoutes: sameNamespace,
            })),
        ],
    };
}

/** ED-3: the security headers every response carries. CSP stays with the app (it needs a nonce). */
export function securityHeadersFilter(hstsMaxAgeSeconds: number) {
    return {
        type: "ResponseHeaderModifier",
        responseHeaderModifier: {
            set: [
                { name: "Strict-Transport-Security", value: `max-age=${hstsMaxAgeSeconds}; includeSubDomains` },
                { name: "X-Frame-Options", value: "DENY" },
                { name: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
                { name: "X-Content-Type-Options", value: "nosniff" },
            ],
            remove: ["X-Powered-By"],
        },
    };
}

function backendRef(r: HostRoute) {
    return { group: "", kind: "Service", name: r.app, port: r.port, weight: 1 };
}

function parentRef(host: string) {
    return { group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME, sectionName: httpsListenerName(host) };
}

/** The host's route: everything under `/` to the app's Service, with the security headers. */
export function hostRouteSpec(r: HostRoute, s: RouteSettings) {
    return {
        parentRefs: [parentRef(r.host)],
        hostnames: [r.host],
        rules: [
            {
                matches: [{ path: { type: "PathPrefix", value: "/" } }],
                filters: [securityHeadersFilter(s.hstsMaxAgeSeconds)],
                backendRefs: [backendRef(r)],
                timeouts: { request: duration(r.requestTimeoutSeconds ?? s.requestTimeoutSeconds) },
            },
        ],
    };
}

/**
 * WL-7: the host's WebSocket paths, in their own route so they get long timeouts and no request
 * buffering (Envoy Gateway refuses buffering on upgraded connections). A longer path prefix wins over
 * the host route's `/`. Undefined when the app has no WebSocket paths.
 */
export function websocketRouteSpec(r: HostRoute, s: RouteSettings) {
    if (r.websocketPaths.length === 0) return undefined;
    const timeout = duration(s.websocketTimeoutSeconds);
    return {
        parentRefs: [parentRef(r.host)],
        hostnames: [r.host],
        rules: [
            {
                matches: r.websocketPaths.map((value) => ({ path: { type: "PathPrefix", value } })),
                filters: [securityHeadersFilter(s.hstsMaxAgeSeconds)],
                backendRefs: [backendRef(r)],
                timeouts: { request: timeout, backendRequest: timeout },
            },
        ],
    };
}

/** ED-5: port 80 answers every host with a permanent redirect to HTTPS, and nothing else. */
export function redirectRouteSpec(hosts: readonly string[]) {
    return {
        parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME, sectionName: HTTP_LISTENER }],
        hostnames: [...hosts],
        rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
    };
}

function routeTargets(names: readonly string[]) {
    return names.map((name) => ({ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name }));
}

/** Envoy Gateway: requests larger than the limit get 413 before they reach an app. */
export function bodyLimitPolicySpec(routeNames: readonly string[], maxRequestBodyMb: number) {
    return { targetRefs: routeTargets(routeNames), requestBuffer: { limit: `${maxRequestBodyMb}Mi` } };
}

/** Envoy Gateway, WL-7: WebSocket streams may stay open and idle for the whole timeout. */
export function websocketPolicySpec(routeNames: readonly string[], websocketTimeoutSeconds: number) {
    const timeout = duration(websocketTimeoutSeconds);
    return {
        targetRefs: routeTargets(routeNames),
        timeout: { http: { requestTimeout: timeout, streamIdleTimeout: timeout, connectionIdleTimeout: timeout } },
    };
}

/**
 * Envoy Gateway, on the Gateway's listeners: TLS 1.2 at least between Cloudflare and the origin
 * (ED-2), and client connections that may idle as long as a WebSocket.
 */
export function clientPolicySpec(websocketTimeoutSeconds: number) {
    return {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME }],
        tls: { minVersion: "1.2" },
        timeout: { http: { idleTimeout: duration(websocketTimeoutSeconds) } },
    };
}

/**
 * Ingress to one web-facing app's `http` port from the Gateway's proxies only. With Envoy Gateway
 * the proxies are also selected by the Gateway they serve; otherwise any pod of the proxies'
 * namespace is admitted.
 */
export function gatewayIngressPolicySpec(app: string, proxyNamespace: string, implementation: "envoy-gateway" | "generic", gatewayNamespace: string) {
    const from =
        implementation === "envoy-gateway"
            ? {
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": proxyNamespace } },
                  podSelector: {
                      matchLabels: {
                          "gateway.envoyproxy.io/owning-gateway-name": GATEWAY_NAME,
                          "gateway.envoyproxy.io/owning-gateway-namespace": gatewayNamespace,
                      },
                  },
              }
            : { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": proxyNamespace } } };
    return {
        podSelector: { matchLabels: { "app.kubernetes.io/name": app } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [from], ports: [{ protocol: "TCP", port: "http" }] }],
    };
}
