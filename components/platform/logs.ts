import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedInstalledLogs, ResolvedShippedLogs } from "../../config/model";
import { CHARTS, alloyValues, lokiValues } from "./charts";
import { alloyPipeline } from "./logPipeline";
import { release } from "./release";

export interface LogsArgs {
    /** The model's `logs` when the stack installs anything: Loki and Alloy (`install`), or Alloy alone (`ship`). */
    logs: ResolvedInstalledLogs | ResolvedShippedLogs;
    /** The stack, every stream's `stack` label. */
    stack: string;
    /** Labels the Prometheus operator selects monitors by (`alerts.selectorLabels`), on Alloy's ServiceMonitor. */
    selectorLabels: Record<string, string>;
    /** What Alloy's ServiceMonitor needs first: the release of the Prometheus operator's CRDs, when the stack installs it. Defaults to none. */
    crdsReady?: pulumi.Resource[];
}

/**
 * Centralized logs (OB-5): Grafana Alloy on every node ships every pod's logs, secrets masked, to
 * Grafana Loki, which this component installs too in `install` mode. Alloy's ServiceMonitor needs
 * the Prometheus operator's CRDs (`crdsReady`).
 */
export class Logs extends pulumi.ComponentResource {
    /** The Loki release, absent when shipping to an existing Loki. */
    public readonly loki?: k8s.helm.v3.Release;
    /** The Alloy release. */
    public readonly shipper: k8s.helm.v3.Release;

    constructor(name: string, args: LogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("runbook:platform:Logs", name, {}, opts);
        const { logs } = args;
        this.loki = logs.mode === "install" ? release(`${name}-loki`, "loki", CHARTS.loki, logs.namespace, lokiValues(logs), { parent: this }) : undefined;
        const pipeline = alloyPipeline({ pushUrl: logs.pushUrl, stack: args.stack });
        this.shipper = release(`${name}-alloy`, "alloy", CHARTS.alloy, logs.namespace, alloyValues(pipeline, args.selectorLabels), {
            parent: this,
            dependsOn: [...(args.crdsReady ?? []), ...(this.loki ? [this.loki] : [])],
        });
        this.registerOutputs({});
    }
}
