import * as k8s from "../k8s/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PinnedChart } from "./charts";

/** One pinned chart as a Helm release (the platform's and the log stack's). */
export function release(logicalName: string, releaseName: string, chart: PinnedChart, namespace: string, values: Record<string, unknown>, opts: pulumi.CustomResourceOptions) {
    return new k8s.helm.v3.Release(
        logicalName,
        {
            name: releaseName,
            chart: chart.chart,
            version: chart.version,
            ...(chart.repo ? { repositoryOpts: { repo: chart.repo } } : {}),
            namespace,
            createNamespace: true,
            values,
            // A failed install or upgrade rolls back instead of leaving half a controller.
            atomic: true,
            timeout: 600,
        },
        opts,
    );
}
