import * as assert from "assert";
import { CHARTS, LOKI_SCHEMA, alloyValues, kubePrometheusStackValues, lokiDatasource, lokiValues } from "../../../components/platform/charts";
import { LOG_SHIPPER, LOKI_SERVICE } from "../../../config/model";

type Obj = Record<string, any>;

describe("unit: the log stack's chart values (OB-5)", () => {
    it("pins Loki to the community chart and Alloy to Grafana's, at exact versions", () => {
        assert.deepStrictEqual(CHARTS.loki, { chart: "loki", repo: "https://grafana-community.github.io/helm-charts", version: "18.11.0" });
        assert.deepStrictEqual(CHARTS.alloy, { chart: "alloy", repo: "https://grafana.github.io/helm-charts", version: "1.11.1" });
    });

    it("retentionDays becomes Loki's retention_period in hours, and the compactor deletes what is older", () => {
        const v: Obj = lokiValues({ retentionDays: 30, volumeGb: 50 });
        assert.strictEqual(v.loki.limits_config.retention_period, "720h");
        assert.deepStrictEqual(v.loki.compactor, { retention_enabled: true, delete_request_store: "filesystem", working_directory: "/var/loki/compactor" });
        assert.strictEqual((lokiValues({ retentionDays: 7, volumeGb: 10 }) as Obj).loki.limits_config.retention_period, "168h");
    });

    it("runs one Loki on a volume of the configured size and class, on filesystem storage with a fixed TSDB schema", () => {
        const v: Obj = lokiValues({ retentionDays: 30, volumeGb: 50, storageClass: "gp3" });
        assert.strictEqual(v.deploymentMode, "Monolithic");
        assert.strictEqual(v.singleBinary.replicas, 1);
        assert.deepStrictEqual(v.singleBinary.persistence, { enabled: true, size: "50Gi", storageClass: "gp3" });
        assert.ok(!("storageClass" in (lokiValues({ retentionDays: 7, volumeGb: 10 }) as Obj).singleBinary.persistence), "the cluster default class when unset");
        assert.deepStrictEqual(v.loki.storage, { type: "filesystem" });
        assert.deepStrictEqual(v.loki.schemaConfig, { configs: [LOKI_SCHEMA] });
        assert.strictEqual(v.loki.commonConfig.replication_factor, 1);
        // The chart refuses a filesystem Loki with scalable targets; the caches would reserve gigabytes.
        for (const target of ["read", "write", "backend"]) assert.strictEqual(v[target].replicas, 0, target);
        for (const off of ["gateway", "chunksCache", "resultsCache", "lokiCanary", "test"]) assert.strictEqual(v[off].enabled, false, off);
    });

    it("names Loki's Service as the model's push and query URLs expect", () => {
        const v: Obj = lokiValues({ retentionDays: 7, volumeGb: 10 });
        assert.strictEqual(v.fullnameOverride, LOKI_SERVICE.name);
        assert.strictEqual(v.loki.server.http_listen_port, LOKI_SERVICE.port);
    });

    it("runs Alloy as a DaemonSet with the pipeline, scraped through a ServiceMonitor carrying the operator's selector labels", () => {
        const v: Obj = alloyValues("// pipeline", { release: "kube-prometheus-stack" });
        assert.strictEqual(v.controller.type, "daemonset");
        assert.deepStrictEqual(v.alloy.configMap, { create: true, content: "// pipeline" });
        assert.deepStrictEqual(v.serviceMonitor, { enabled: true, additionalLabels: { release: "kube-prometheus-stack" } });
        assert.strictEqual(v.fullnameOverride, LOG_SHIPPER.name, "the job the log-shipping alerts select");
        assert.strictEqual(v.alloy.enableReporting, false);
        assert.deepStrictEqual(v.crds, { create: false });
    });

    it("adds Loki to Grafana only when the stack installs it", () => {
        assert.ok(!("grafana" in kubePrometheusStackValues()));
        const v: Obj = kubePrometheusStackValues("http://loki.monitoring.svc:3100");
        assert.deepStrictEqual(v.grafana.additionalDataSources, [lokiDatasource("http://loki.monitoring.svc:3100")]);
        assert.strictEqual(v.grafana.additionalDataSources[0].type, "loki");
    });
});
