// Writes deploy/k8s/production/prometheusrule.yaml from deploy/prometheus/vigil-alerts.yml:
// the prometheus-operator's PrometheusRule carries the very rules Prometheus loads elsewhere
// (deploy/k8s/k8s.test.ts fails when the two differ). Run after changing the rules:
//   node scripts/k8s-prometheus-rule.mjs
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";

const root = path.resolve(import.meta.dirname, "..");
const rules = parse(readFileSync(path.join(root, "deploy/prometheus/vigil-alerts.yml"), "utf8"));
const rule = {
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PrometheusRule",
  // kube-prometheus' Prometheus selects rules by this label; adjust to yours.
  metadata: { name: "vigil", labels: { release: "prometheus" } },
  spec: { groups: rules.groups },
};
const header = "# Generated from deploy/prometheus/vigil-alerts.yml by scripts/k8s-prometheus-rule.mjs: edit that file, then run the script.\n";
writeFileSync(path.join(root, "deploy/k8s/production/prometheusrule.yaml"), header + stringify(rule, { lineWidth: 0 }));
