import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels } from "../k8s/labels";
import {
    ENVOY_GATEWAY_API_VERSION,
    GATEWAY_API_VERSION,
    GATEWAY_NAME,
    HostRoute,
    REDIRECT_ROUTE_NAME,
    RouteSettings,
    bodyLimitPolicySpec,
    clientPolicySpec,
    gatewayIngressPolicySpec,
    gatewaySpec,
    hostRouteSpec,
    redirectRouteSpec,
    routeName,
    websocketPolicySpec,
    websocketRouteName,
    websocketRouteSpec,
} from "./gatewaySpec";

export interface GatewayArgs {
    /** Namespace of the apps; the Gateway, its routes and certificates live there too. */
    namespace: pulumi.Input<string>;
    /** Every host with the app that serves it (see `hostRoutes`). */
    routes: HostRoute[];
    /** GatewayClass name (`edge.gateway.className`). */
    className: string;
    /** `envoy-gateway` adds Envoy Gateway's traffic policies; `generic` only standard objects. */
    implementation: "envoy-gateway" | "generic";
    /** Namespace of the Gateway's proxy pods (`edge.gateway.namespace`). */
    proxyNamespace: string;
    /** HSTS max-age for the security-header filter (ED-3). */
    hstsMaxAgeSeconds: number;
    /** Ordinary routes' request timeout. */
    requestTimeoutSeconds: number;
    /** WebSocket routes' request and idle timeout (WL-7). */
    websocketTimeoutSeconds: number;
    /** Request body limit, through Envoy Gateway's BackendTrafficPolicy. */
    maxRequestBodyMb: number;
}

/** The object's metadata; `serves` is the app it serves, or the Gateway itself. */
function metadata(name: string, namespace: pulumi.Input<string>, component: string, serves = GATEWAY_NAME) {
    return { name, namespace, labels: objectLabels(serves, component) };
}

/**
 * How traffic enters the cluster (ED-2, ED-3, ED-5, WL-7): one Gateway API `Gateway` whose HTTPS
 * listeners terminate TLS with cert-manager's certificates and whose port 80 only redirects, one
 * `HTTPRoute` per host to the app's Service with the security headers, WebSocket routes with long
 * timeouts, and the NetworkPolicy that lets the Gateway's proxies reach the web-facing apps.
 */
export class Gateway extends pulumi.ComponentResource {
    /** The Gateway's name, in the apps' namespace. */
    public readonly gatewayName: pulumi.Output<string>;
    /** Names of the HTTPRoutes, host routes and WebSocket routes alike. */
    public readonly routeNames: pulumi.Output<string[]>;

    constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:edge:Gateway", name, {}, opts);
        const settings: RouteSettings = {
            hstsMaxAgeSeconds: args.hstsMaxAgeSeconds,
            requestTimeoutSeconds: args.requestTimeoutSeconds,
            websocketTimeoutSeconds: args.websocketTimeoutSeconds,
        };
        const hosts = args.routes.map((r) => r.host);
        const gateway = new k8s.apiextensions.CustomResource(
            `${name}-gateway`,
            { apiVersion: GATEWAY_API_VERSION, kind: "Gateway", metadata: metadata(GATEWAY_NAME, args.namespace, "gateway"), spec: gatewaySpec(args.className, hosts) },
            // The component's own dependencies (certificates, the platform's CRDs) reach the Gateway;
            // routes and policies follow it.
            { parent: this, dependsOn: opts?.dependsOn },
        );
        const routeOpts = { parent: this, dependsOn: [gateway] };
        const route = (logical: string, objectName: string, spec: object, serves?: string) =>
            new k8s.apiextensions.CustomResource(logical, { apiVersion: GATEWAY_API_VERSION, kind: "HTTPRoute", metadata: metadata(objectName, args.namespace, "route", serves), spec }, routeOpts);

        route(`${name}-route-${REDIRECT_ROUTE_NAME}`, REDIRECT_ROUTE_NAME, redirectRouteSpec(hosts));
        const hostRouteNames: string[] = [];
        const websocketRouteNames: string[] = [];
        for (const r of args.routes) {
            route(`${name}-route-${r.host}`, routeName(r.host), hostRouteSpec(r, settings), r.app);
            hostRouteNames.push(routeName(r.host));
            const ws = websocketRouteSpec(r, settings);
            if (ws) {
                route(`${name}-websocket-${r.host}`, websocketRouteName(r.host), ws, r.app);
                websocketRouteNames.push(websocketRouteName(r.host));
            }
        }

        if (args.implementation === "envoy-gateway") {
            const policy = (logical: string, kind: string, objectName: string, spec: object) =>
                new k8s.apiextensions.CustomResource(logical, { apiVersion: ENVOY_GATEWAY_API_VERSION, kind, metadata: metadata(objectName, args.namespace, "traffic-policy"), spec }, routeOpts);
            policy(`${name}-client-policy`, "ClientTrafficPolicy", GATEWAY_NAME, clientPolicySpec(args.websocketTimeoutSeconds));
            policy(`${name}-body-limit`, "BackendTrafficPolicy", "body-limit", bodyLimitPolicySpec(hostRouteNames, args.maxRequestBodyMb));
            if (websocketRouteNames.length > 0) {
                policy(`${name}-websocket-timeouts`, "BackendTrafficPolicy", "websocket-timeouts", websocketPolicySpec(websocketRouteNames, args.websocketTimeoutSeconds));
            }
        }

        // SC-5: the namespace denies ingress by default; only the Gateway's proxies reach web-facing apps.
        for (const app of [...new Set(args.routes.map((r) => r.app))]) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-allow-gateway-${app}`,
                {
                    metadata: metadata(`allow-gateway-to-${app}`, args.namespace, "network-policy", app),
                    spec: pulumi.output(args.namespace).apply((ns) => gatewayIngressPolicySpec(app, args.proxyNamespace, args.implementation, ns)),
                },
                { parent: this },
            );
        }

        this.gatewayName = gateway.metadata.name;
        this.routeNames = pulumi.output([...hostRouteNames, ...websocketRouteNames]);
        this.registerOutputs({ gatewayName: this.gatewayName, routeNames: this.routeNames });
    }
}
