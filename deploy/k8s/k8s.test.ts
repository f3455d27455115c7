import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";

/**
 * Every Kustomize tree under deploy/k8s is rendered with plain `kubectl kustomize` (no
 * cluster needed) and every object it yields is validated against the Kubernetes schemas
 * (kubernetes-models; the prometheus-operator's kinds with @kubernetes-models/prometheus-operator).
 */
const DIR = import.meta.dirname;
const overlays = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(DIR, d.name, "kustomization.yaml")))
  .map((d) => d.name)
  .sort();

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> } & Record<string, unknown>;

function render(overlay: string): K8sObject[] {
  const kubectl = spawnSync("kubectl", ["kustomize", path.join(DIR, overlay)], { encoding: "utf8" });
  if (kubectl.error) throw new Error(`kubectl is required to render deploy/k8s (.ci/run installs it): ${kubectl.error.message}`);
  expect(kubectl.status, kubectl.stderr).toBe(0);
  expect(kubectl.stderr, "kustomize warns about nothing (no deprecated fields)").toBe("");
  return parseAllDocuments(kubectl.stdout).map((d) => d.toJS() as K8sObject);
}

/** The model class for an object: kubernetes-models by group/version, or the prometheus-operator's. */
async function modelOf(object: K8sObject): Promise<new (data: unknown) => { validate: () => void }> {
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : [null, object.apiVersion];
  const models = (
    group === "monitoring.coreos.com"
      ? await import(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}`)
      : await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`)
  ) as Record<string, new (data: unknown) => { validate: () => void }>;
  const model = models[object.kind];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

type Container = { name: string; securityContext?: Record<string, unknown> };
type PodSpec = { securityContext?: Record<string, unknown>; containers: Container[]; initContainers?: Container[]; hostNetwork?: boolean; volumes?: Record<string, unknown>[] };

const rendered = Object.fromEntries(overlays.map((o) => [o, render(o)]));
const find = (overlay: string, kind: string) => (rendered[overlay] ?? []).filter((o) => o.kind === kind);

describe("deploy/k8s", () => {
  it("has a base and a production overlay", () => {
    expect(overlays).toEqual(["base", "production"]);
  });

  it.each(overlays)("%s: every rendered object is valid against its Kubernetes schema", async (overlay) => {
    const objects = rendered[overlay] ?? [];
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      const Model = await modelOf(object);
      expect(() => new Model(object).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });

  it("the schemas do bite: a wrong type in a Deployment is refused", async () => {
    const [deployment] = find("base", "Deployment");
    const Model = await modelOf(deployment as K8sObject);
    expect(() => new Model({ ...deployment, spec: { ...deployment?.spec, replicas: "three" } }).validate()).toThrow(/replicas/);
  });

  it.each(overlays)("%s: every container meets Pod Security \"restricted\"", (overlay) => {
    for (const deployment of find(overlay, "Deployment")) {
      const pod = (deployment.spec as { template: { spec: PodSpec } }).template.spec;
      expect(pod.hostNetwork ?? false).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      // Restricted allows only these volume kinds; hostPath is the one that matters.
      for (const volume of pod.volumes ?? []) expect(Object.keys(volume).filter((k) => k !== "name")).toEqual([expect.stringMatching(/^(emptyDir|configMap|secret|projected|persistentVolumeClaim|downwardAPI|ephemeral|csi)$/)]);
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(container.securityContext, container.name).toEqual({
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
      }
    }
  });

  it("base: probes on /api/health (startup, liveness) and /api/ready (readiness), config and secrets by reference, its own service account", () => {
    const [deployment] = find("base", "Deployment");
    const pod = (deployment?.spec as { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } }).template.spec;
    const container = pod.containers[0] ?? {};
    expect(container).toMatchObject({
      startupProbe: { httpGet: { path: "/api/health", port: "http" } },
      livenessProbe: { httpGet: { path: "/api/health", port: "http" } },
      readinessProbe: { httpGet: { path: "/api/ready", port: "http" } },
      envFrom: [{ configMapRef: { name: "vigil-config" } }, { secretRef: { name: "vigil-secrets" } }],
    });
    expect(pod).toMatchObject({ serviceAccountName: "vigil", automountServiceAccountToken: false });
    expect(find("base", "ServiceAccount").map((o) => o.metadata.name)).toEqual(["vigil"]);
    expect(find("base", "ConfigMap").map((o) => o.metadata.name)).toEqual(["vigil-config"]);
    // No Secret is shipped: the operator creates it (README).
    expect(find("base", "Secret")).toEqual([]);
    const config = find("base", "ConfigMap")[0]?.data as Record<string, string>;
    expect(Object.keys(config).filter((k) => /SECRET|PASSWORD|TOKEN|DATABASE_URL/.test(k))).toEqual([]);
    // Drain and preStop fit in the grace period: preStop 5 s + drain + 2 s < 30 s.
    expect(5 + Number(config.SHUTDOWN_DRAIN_SECONDS) + 2).toBeLessThan(pod.terminationGracePeriodSeconds as number);
    // The Service is named vigil: Prometheus' job label, which the shipped rules select.
    expect(find("base", "Service").map((o) => o.metadata.name)).toEqual(["vigil"]);
  });

  it("production: 3 replicas spread over zones and nodes, a disruption budget, autoscaling from 3, all in the restricted namespace", () => {
    const objects = rendered.production ?? [];
    const [namespace] = find("production", "Namespace");
    expect(namespace?.metadata).toMatchObject({ name: "vigil", labels: { "pod-security.kubernetes.io/enforce": "restricted" } });
    for (const o of objects.filter((o) => o.kind !== "Namespace")) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe("vigil");
    const [deployment] = find("production", "Deployment");
    const spec = deployment?.spec as { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: { topologySpreadConstraints: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[] } } };
    expect(spec.replicas).toBe(3);
    const spread = spec.template.spec.topologySpreadConstraints;
    expect(spread.map((c) => c.topologyKey)).toEqual(["topology.kubernetes.io/zone", "kubernetes.io/hostname"]);
    const podLabels = (deployment?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    for (const c of spread) expect(podLabels).toMatchObject(c.labelSelector.matchLabels);
    const [pdb] = find("production", "PodDisruptionBudget");
    expect(pdb?.spec).toEqual({ minAvailable: 2, selector: { matchLabels: spec.selector.matchLabels } });
    const [hpa] = find("production", "HorizontalPodAutoscaler");
    expect(hpa?.spec).toMatchObject({ scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "vigil" }, minReplicas: 3 });
  });

  it("production: the network policy admits the gateway and Prometheus (and its Alertmanager) only, and lets out PostgreSQL, Alertmanager, the IdP and DNS", () => {
    const [policy] = find("production", "NetworkPolicy");
    type Peer = { namespaceSelector?: { matchLabels: Record<string, string> }; podSelector?: { matchLabels: Record<string, string> }; ipBlock?: { cidr: string } };
    type Rule = { from?: Peer[]; to?: Peer[]; ports: { port: number | string; protocol: string }[] };
    const spec = policy?.spec as { policyTypes: string[]; podSelector: unknown; ingress: Rule[]; egress: Rule[] };
    expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec.podSelector).toEqual((find("production", "Deployment")[0]?.spec as { selector: unknown }).selector);
    const who = (p: Peer) => p.ipBlock?.cidr ?? `${p.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"]}/${p.podSelector?.matchLabels["app.kubernetes.io/name"] ?? p.podSelector?.matchLabels["k8s-app"] ?? "*"}`;
    expect(spec.ingress.flatMap((r) => (r.from ?? []).map(who))).toEqual(["ingress-nginx/ingress-nginx", "monitoring/prometheus", "monitoring/alertmanager"]);
    for (const rule of spec.ingress) expect(rule.ports).toEqual([{ port: "http", protocol: "TCP" }]);
    // Every peer is named: an empty `from` would admit everyone.
    for (const rule of spec.ingress) expect((rule.from ?? []).length).toBeGreaterThan(0);
    expect(spec.egress.map((r) => [(r.to ?? []).map(who).join(","), r.ports.map((p) => `${p.port}/${p.protocol}`).join(",")])).toEqual([
      ["kube-system/kube-dns", "53/UDP,53/TCP"],
      ["database/*", "5432/TCP"],
      ["monitoring/alertmanager", "9093/TCP"],
      ["0.0.0.0/0", "443/TCP"],
    ]);
  });

  it("production: a ServiceMonitor scraping /metrics with the metrics token, and a PrometheusRule with exactly the shipped rules", () => {
    const [monitor] = find("production", "ServiceMonitor");
    expect(monitor?.spec).toMatchObject({
      selector: { matchLabels: { "app.kubernetes.io/name": "vigil" } },
      endpoints: [{ port: "http", path: "/metrics", authorization: { type: "Bearer", credentials: { name: "vigil-secrets", key: "METRICS_TOKEN" } } }],
    });
    const [rule] = find("production", "PrometheusRule");
    const shipped = parse(readFileSync(path.join(DIR, "..", "prometheus", "vigil-alerts.yml"), "utf8")) as { groups: unknown[] };
    // Out of step: run `node scripts/k8s-prometheus-rule.mjs`.
    expect(rule?.spec).toEqual({ groups: shipped.groups });
  });
});
