import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { adminToken, agentWithCredential, basic, tokenFor } from "../support/client";
import { startPrometheus, type StartedPrometheus } from "../support/prometheus";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/**
 * deploy/grafana/vigil.json against the real thing: Debian's Prometheus scrapes a running
 * Vigil (with its metrics token) while requests, tokens, a refused client, gateway checks, a
 * live-stream subscriber and an alert with its dry-run action happen; every panel's PromQL
 * must then return at least one series. A panel whose metric was renamed or never exported
 * fails here, not on an operator's screen.
 */
type Panel = { id: number; type: string; title: string; gridPos: { x: number; w: number }; datasource?: { uid: string }; targets?: { expr: string; refId: string }[] };
const dashboard = JSON.parse(readFileSync(path.join(process.cwd(), "deploy/grafana/vigil.json"), "utf8")) as { uid: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } };
const graphs = dashboard.panels.filter((p) => p.type !== "row");
const METRICS_TOKEN = "e2e-metrics-token-0123456789abcdef";
const ALERT_TOKEN = "e2e-grafana-alert-token-0123456789";

let vigil: VigilProcess;
let prometheus: StartedPrometheus;
let traffic: NodeJS.Timeout | undefined;
let stream: AbortController | undefined;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "vigil-grafana-"));
  const rules = path.join(dir, "rules.yml");
  writeFileSync(rules, `rules:\n  - name: restart\n    match: { alertname: GrafanaE2eDown }\n    action: { kind: webhook, url: "http://127.0.0.1:9/restart", retries: 0, timeout_ms: 1000 }\n    cooldown: 1s\n    blast_radius: { max_actions: 100, window: 1h }\n`);
  const port = await freePort();
  let database: { url?: string } = {};
  if (process.env.TEST_DATABASE_URL) {
    const db = await createPostgresDatabase(process.env.TEST_DATABASE_URL);
    cleanups.push(db.drop);
    database = { url: db.url };
  }
  vigil = await startVigil("grafana", {
    ...productionEnv(port, database),
    METRICS_TOKEN,
    AUTOHEAL_RULES: rules,
    AUTOHEAL_ALERT_TOKEN: ALERT_TOKEN,
    AUTOHEAL_DRY_RUN: "true",
    AUTOHEAL_HEARTBEAT_SECONDS: "1",
    AUDIT_CHECKPOINT_SECONDS: "5",
    RATE_LIMIT_API_PER_IP: "0",
    RATE_LIMIT_API_PER_SUBJECT: "0",
    RATE_LIMIT_TOKEN_PER_IP: "0",
    RATE_LIMIT_TOKEN_PER_CLIENT: "0",
  });
  cleanups.push(() => vigil.stop());
  const base = vigil.baseUrl;
  const agent = await agentWithCredential(base);
  const admin = await adminToken(base);

  // What the panels show: a refused client, gateway allows and refusals, an alert and its action, a subscriber.
  await fetch(`${base}/api/v1/token`, { method: "POST", headers: { authorization: basic(agent.clientId, "wrong-secret"), "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials" });
  const alert = await fetch(`${base}/api/alert`, {
    method: "POST",
    headers: { authorization: `Bearer ${ALERT_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ version: "4", groupKey: "g", status: "firing", receiver: "vigil", groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: "", alerts: [{ status: "firing", labels: { alertname: "GrafanaE2eDown", instance: "x" }, annotations: {}, startsAt: new Date().toISOString(), endsAt: "0001-01-01T00:00:00Z", generatorURL: "", fingerprint: "f1" }] }),
  });
  expect(alert.status).toBe(200);
  stream = new AbortController();
  const live = await fetch(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${admin}` }, signal: stream.signal });
  expect(live.status).toBe(200);
  void live.body?.pipeTo(new WritableStream()).catch(() => {});
  // Steady traffic while Prometheus scrapes, so every rate has something to measure.
  const tick = async () => {
    const token = await tokenFor(base, agent.clientId, agent.secret);
    await fetch(`${base}/api/auth/validate`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${base}/api/auth/validate`, { headers: { authorization: "Bearer not-a-token" } });
  };
  await tick();
  traffic = setInterval(() => void tick().catch(() => {}), 200);

  prometheus = await startPrometheus({ target: base, bearerToken: METRICS_TOKEN });
  cleanups.push(() => prometheus.stop());
}, 120_000);

afterAll(async () => {
  clearInterval(traffic);
  stream?.abort();
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("the Grafana dashboard (deploy/grafana/vigil.json)", () => {
  it("is a well-formed dashboard: unique panel ids, every panel on the datasource variable, within 24 columns", () => {
    expect(dashboard.uid).toBe("vigil-overview");
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: "datasource", type: "datasource" }));
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of graphs) {
      expect(p.datasource?.uid, p.title).toBe("${datasource}");
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    }
    // What the issue asks the dashboard to show.
    const all = graphs.flatMap((p) => p.targets ?? []).map((t) => t.expr).join("\n");
    for (const metric of ["vigil_http_requests_total", "vigil_http_request_duration_seconds_bucket", "vigil_tokens_issued_total", "vigil_auth_failures_total", "vigil_authorization_decisions_total", "vigil_sse_subscribers", "autoheal_actions_total", "vigil_audit_append_seconds_bucket", "vigil_audit_checkpoint_lag_seconds", "vigil_signing_key_age_seconds"]) {
      expect(all).toContain(metric);
    }
  });

  it.each(graphs.flatMap((p) => (p.targets ?? []).map((t) => ({ name: `${p.title} (${t.refId})`, expr: t.expr }))))(
    "$name returns a series from Prometheus scraping Vigil",
    async ({ expr }) => {
      // Grafana fills $__rate_interval; four scrape intervals is what it would pick here.
      const query = expr.replaceAll("$__rate_interval", "4s");
      await expect.poll(async () => (await prometheus.query(query)).length, { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    },
  );
});
