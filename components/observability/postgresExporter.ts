import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "../providers/random";
import { postgresRoleJob } from "../database/roleJob";
import { CHECKSUM_ANNOTATION, combinedChecksum, contentHashOutput, hashedName } from "../k8s/contentHash";
import { RESTRICTED_POD_SECURITY, ROLE_LABEL } from "../k8s/labels";
import { DATA_PORTS } from "../k8s/networkPolicySpecs";
import { EXPORTERS, EXPORTER_PORT_NAME, POSTGRES_MONITOR_ROLE, monitorDsn, postgresExporterContainer } from "./exporters";

/** `runbook.dev/role` of the exporter and its role Job: their egress policy selects it. */
export const MONITORING_ROLE = "monitoring";
/** The exporter's name: its Deployment, Service, and the `job` label of what it reports. */
export const POSTGRES_EXPORTER_NAME = "postgres-exporter";
export function monitoringLabels(name: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "runbook",
        "app.kubernetes.io/managed-by": "pulumi",
        [ROLE_LABEL]: MONITORING_ROLE,
    };
}

export interface PostgresExporterArgs {
    /** Namespace of the exporter (the apps'). */
    namespace: pulumi.Input<string>;
    /** The RDS master user's URL (a secret), used only by the Job that creates the monitoring role. */
    adminUrl: pulumi.Output<string>;
    /** The database's URL without credentials: the exporter's DSN is made from it and the role's password. */
    serverUrl: pulumi.Input<string>;
    /** An image with bash and psql for the role Job, pinned (the backup image). */
    jobImage: string;
    /** Non-root user the role Job runs as: the job image's user. */
    jobUid: number;
    /** Where RDS lives: the only destinations of the exporter's egress, on 5432. */
    databaseCidrs: string[];
    /** The namespace whose Prometheus may scrape the exporter. Defaults to `monitoring`. */
    monitoringNamespace?: string;
}

/**
 * postgres_exporter for RDS PostgreSQL (DB-4): a login role that is a member of `pg_monitor` only,
 * created by a Job (the master user's URL never reaches the exporter); one exporter replica that
 * connects with TLS (`sslmode=require`) and rolls when its credentials change; a ClusterIP Service
 * for the ServiceMonitor; egress to the database port only and ingress from Prometheus only.
 */
export class PostgresExporter extends pulumi.ComponentResource {
    /** Name of the Service the ServiceMonitor selects. */
    public readonly serviceName: string;
    /** Labels of the Service, for the ServiceMonitor's selector. */
    public readonly serviceLabels: Record<string, string>;

    constructor(name: string, args: PostgresExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:observability:PostgresExporter", name, {}, opts);
        const child = { parent: this };
        const ns = args.namespace;
        const labels = monitoringLabels(POSTGRES_EXPORTER_NAME, "exporter");
        const jobLabels = monitoringLabels("postgres-monitor-role", "exporter-setup");
        const meta = (objectName: pulumi.Input<string>, objectLabels = labels) => ({ name: objectName, namespace: ns, labels: objectLabels });

        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, child);
        const dsn = pulumi.secret(pulumi.all([args.serverUrl, password.result]).apply(([url, pw]) => monitorDsn(url, POSTGRES_MONITOR_ROLE, pw)));
        // Content-hash names: a rotated password is a new Secret, and the Job and the Deployment move to it.
        const dsnHash = contentHashOutput({ DATA_SOURCE_NAME: dsn });
        const dsnSecret = new k8s.core.v1.Secret(
            `${name}-dsn`,
            { metadata: { ...meta(POSTGRES_EXPORTER_NAME), name: dsnHash.apply((h) => hashedName(POSTGRES_EXPORTER_NAME, h)) }, type: "Opaque", stringData: { DATA_SOURCE_NAME: dsn } },
            child,
        );
        // The role exists, with the current password, before the exporter starts: `pulumi up` waits
        // for this Job, which is named by everything it runs with (script, image, role, admin URL, password).
        const roleJob = postgresRoleJob(
            `${name}-role`,
            {
                baseName: "postgres-monitor-role",
                namespace: ns,
                labels: jobLabels,
                image: args.jobImage,
                uid: args.jobUid,
                roles: [{ name: POSTGRES_MONITOR_ROLE, kind: "monitor", password: password.result }],
                adminUrl: args.adminUrl,
            },
            child,
        );

        const selector = { "app.kubernetes.io/name": POSTGRES_EXPORTER_NAME, "app.kubernetes.io/component": "exporter" };
        new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(POSTGRES_EXPORTER_NAME),
                spec: {
                    // One scraper is enough: a second would double every series. Prometheus' `up` and
                    // `pg_up` show when it is gone (DatastoreMetricsMissing).
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        // Rolls when the DSN (the password) changes.
                        metadata: { labels, annotations: { [CHECKSUM_ANNOTATION]: combinedChecksum([dsnHash]) } },
                        spec: {
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: { ...RESTRICTED_POD_SECURITY, runAsUser: EXPORTERS.postgres.uid, runAsGroup: EXPORTERS.postgres.uid },
                            containers: [postgresExporterContainer({ name: dsnSecret.metadata.name, key: "DATA_SOURCE_NAME" })],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [roleJob] },
        );
        new k8s.core.v1.Service(
            `${name}-service`,
            { metadata: meta(POSTGRES_EXPORTER_NAME), spec: { type: "ClusterIP", selector, ports: [{ name: EXPORTER_PORT_NAME, port: EXPORTERS.postgres.port, targetPort: EXPORTER_PORT_NAME, protocol: "TCP" }] } },
            child,
        );

        // The namespace denies everything by default: the exporter and its role Job reach RDS on
        // 5432 and nothing else (DNS is allowed namespace-wide); only Prometheus reaches the exporter.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-egress`,
            {
                metadata: meta(`${POSTGRES_EXPORTER_NAME}-egress`),
                spec: {
                    podSelector: { matchLabels: { [ROLE_LABEL]: MONITORING_ROLE, "app.kubernetes.io/part-of": "runbook" }, matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: [POSTGRES_EXPORTER_NAME, "postgres-monitor-role"] }] },
                    policyTypes: ["Egress"],
                    egress: [{ to: args.databaseCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: DATA_PORTS.postgres }] }],
                },
            },
            child,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress`,
            {
                metadata: meta(`${POSTGRES_EXPORTER_NAME}-scrape`),
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.monitoringNamespace ?? "monitoring" } } }],
                            ports: [{ protocol: "TCP", port: EXPORTER_PORT_NAME }],
                        },
                    ],
                },
            },
            child,
        );
        this.serviceName = POSTGRES_EXPORTER_NAME;
        this.serviceLabels = labels;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
