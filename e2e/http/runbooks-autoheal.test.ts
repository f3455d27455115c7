import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTarget } from "@/lib/testing/autoheal-target";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { postAlerts, startAlertmanager, type StartedAlertmanager } from "../support/alertmanager";
import { adminToken } from "../support/client";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/**
 * The seed's autoheal guide (canary rollout, production switch, quick reference), replayed
 * as written against Vigil: `GET /` for `dry_run`, `GET /audit?n=` with a bearer token read as
 * `.events[] | {ts, kind, alertname, result}`, `/ack` by GET with labels, duration and
 * comment, `/alert` as Alertmanager's webhook URL, `/events` for proxies, `/metrics`.
 * Alertmanager is Debian's, pointed at `/alert` exactly as the guide's compose file would.
 */
const ALERT_TOKEN = "e2e-runbook-webhook-token-0123456789";
const adminUrl = process.env.TEST_DATABASE_URL;
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

let am: StartedAlertmanager;
let vigil: VigilProcess;
let token = "";
const cleanups: Array<() => Promise<unknown>> = [];

type TrailEvent = { ts: string; kind: string; alertname: string | null; result: string; id: string };

// Invoke-RestMethod / curl: no Accept beyond */*, a bearer token where the guide passes $Headers.
async function rest(pathAndQuery: string, opts: { token?: string; method?: string; accept?: string } = {}) {
  const headers: Record<string, string> = { accept: opts.accept ?? "*/*" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(`${vigil.baseUrl}${pathAndQuery}`, { method: opts.method ?? "GET", headers, redirect: "manual" });
  return { status: res.status, type: res.headers.get("content-type") ?? "", location: res.headers.get("location"), text: await res.text() };
}

const trail = async (n: number) => JSON.parse((await rest(`/audit?n=${n}`, { token })).text) as { events: TrailEvent[] };

beforeAll(async () => {
  const target = await startTarget((_req, _n, res) => res.writeHead(200).end("healed"));
  cleanups.push(target.close);
  const dir = mkdtempSync(path.join(tmpdir(), "vigil-runbook-autoheal-"));
  const rules = path.join(dir, "rules.yml");
  writeFileSync(
    rules,
    `rules:
  - name: restart-endpoint
    match: { alertname: TcpEndpointDownFast }
    action: { kind: webhook, url: "${target.url}/restart/{{ labels.instance }}", retries: 0, timeout_ms: 3000 }
    cooldown: 1s
    blast_radius: { max_actions: 100, window: 1h }
`,
  );
  const port = await freePort();
  am = await startAlertmanager({ receiverUrl: `http://127.0.0.1:${port}/alert`, bearerToken: ALERT_TOKEN });
  cleanups.push(() => am.stop());
  let database: { url?: string } = {};
  if (adminUrl) {
    const db = await createPostgresDatabase(adminUrl);
    cleanups.push(db.drop);
    database = { url: db.url };
  }
  // Phase 1 of the guide: AUTOHEAL_DRY_RUN="true" (canary mode).
  vigil = await startVigil("runbook-autoheal", {
    ...productionEnv(port, database),
    AUTOHEAL_RULES: rules,
    AUTOHEAL_ALERT_TOKEN: ALERT_TOKEN,
    AUTOHEAL_DRY_RUN: "true",
    ALERTMANAGER_URL: am.url,
    RATE_LIMIT_API_PER_IP: "0",
    RATE_LIMIT_API_PER_SUBJECT: "0",
  });
  cleanups.push(() => vigil.stop());
  token = await adminToken(vigil.baseUrl);
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("the autoheal guide's commands", () => {
  it("Invoke-RestMethod 'http://localhost:9009/': public health with dry_run; a browser still gets the console", async () => {
    const health = await rest("/");
    expect(health.status).toBe(200);
    expect(health.type).toContain("application/json");
    expect(JSON.parse(health.text)).toMatchObject({ status: "ok", dry_run: true, autoheal: true, postgres: "connected" });
    // A browser asking for a page: the console's sign-in, not JSON.
    const page = await rest("/", { accept: BROWSER_ACCEPT });
    expect(page.status).toBe(307);
    expect(page.location).toContain("/signin");
  });

  it("/audit returns 401 without a valid token and the trail with one; a browser gets the explorer", async () => {
    const anonymous = await rest("/audit?n=10");
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text)).toMatchObject({ status: 401 });
    expect((await rest("/audit?n=10", { token: "not-a-token" })).status).toBe(401);
    const page = await rest("/audit?n=10", { accept: BROWSER_ACCEPT });
    expect(page.status).toBe(307);
    expect(page.location).toContain("/signin");
    const ok = await rest("/audit?n=10", { token });
    expect(ok.status).toBe(200);
    expect(Array.isArray((JSON.parse(ok.text) as { events: unknown }).events)).toBe(true);
    const bad = await rest("/audit?n=ten", { token });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("n must be a number");
  });

  it("canary: an alert through Alertmanager to /alert is logged as action_dry_run, never action_ok or action_fail", async () => {
    await postAlerts(am.url, [{ labels: { alertname: "TcpEndpointDownFast", instance: "db-1", severity: "critical" } }]);
    // jq ".events[] | {ts, kind, alertname, result}"
    await expect
      .poll(async () => (await trail(50)).events.some((e) => e.kind === "action_dry_run" && e.alertname === "TcpEndpointDownFast"), { timeout: 20_000, interval: 200 })
      .toBe(true);
    const { events } = await trail(50);
    const dry = events.find((e) => e.kind === "action_dry_run");
    expect(dry).toMatchObject({ alertname: "TcpEndpointDownFast", result: "dry_run" });
    expect(Date.parse(dry?.ts ?? "")).not.toBeNaN();
    expect(events.some((e) => e.kind === "alert_received" && e.alertname === "TcpEndpointDownFast")).toBe(true);
    expect(events.filter((e) => /action_(ok|fail)/.test(e.kind))).toEqual([]);
    // Newest first, and the heartbeat does not fill the page.
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(events.map((e) => e.kind)).not.toContain("heartbeat");
  });

  it("production rollout: with dry run off, / says dry_run false and actions are action_ok (success rate computed as the guide does)", async () => {
    const off = await fetch(`${vigil.baseUrl}/api/v1/autoheal`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ dry_run: false }),
    });
    expect(off.status).toBe(200);
    expect(JSON.parse((await rest("/")).text)).toMatchObject({ dry_run: false });
    await postAlerts(am.url, [{ labels: { alertname: "TcpEndpointDownFast", instance: "db-2", severity: "critical" } }]);
    await expect.poll(async () => (await trail(1000)).events.some((e) => e.kind === "action_ok"), { timeout: 20_000, interval: 200 }).toBe(true);
    // $actions = $audit.events | Where-Object { $_.kind -match "action_(ok|fail)" }
    const actions = (await trail(1000)).events.filter((e) => /action_(ok|fail)/.test(e.kind));
    const successRate = (actions.filter((e) => e.kind === "action_ok").length / actions.length) * 100;
    expect(successRate).toBe(100);
    expect(actions.every((e) => e.result === "ok")).toBe(true);
  });

  it("Manual silence: Invoke-RestMethod '/ack' -Method Get -Body @{labels; duration; comment} creates an Alertmanager silence", async () => {
    const params = new URLSearchParams({ labels: '{"alertname":"TcpEndpointDownFast"}', duration: "1h", comment: "Manual maintenance window" });
    const ack = await rest(`/ack?${params}`, { token });
    expect(ack.status).toBe(201);
    const { silence_id: silenceId } = JSON.parse(ack.text) as { silence_id: string };
    const silence = (await (await fetch(`${am.url}/api/v2/silence/${silenceId}`)).json()) as { status: { state: string }; comment: string; matchers: { name: string; value: string }[] };
    expect(silence.status.state).toBe("active");
    expect(silence.comment).toContain("Manual maintenance window");
    expect(silence.matchers).toEqual([expect.objectContaining({ name: "alertname", value: "TcpEndpointDownFast" })]);
    expect((await rest(`/ack?${params}`)).status).toBe(401);
    expect((await trail(20)).events.some((e) => e.kind === "ack" && e.alertname === "TcpEndpointDownFast")).toBe(true);
  });

  it("/events streams the log for proxies (with a token); a browser still gets the live page", async () => {
    expect((await rest("/events", { accept: "text/event-stream" })).status).toBe(401);
    const page = await rest("/events", { accept: BROWSER_ACCEPT });
    expect(page.status).toBe(307);
    const controller = new AbortController();
    const res = await fetch(`${vigil.baseUrl}/events?q=${encodeURIComponent("kind=ack")}&since_id=0`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    if (!res.body) throw new Error("the stream has no body");
    const reader = res.body.getReader();
    let seen = "";
    while (!seen.includes('"kind":"ack"')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(seen).toMatch(/^id: \d+$/m);
    expect(seen).toContain('"kind":"ack"');
  });

  it("Invoke-RestMethod '/metrics' | Select-String autoheal", async () => {
    const metrics = await rest("/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^autoheal_event_total\{kind="action_dry_run"\} [1-9]/m);
    expect(metrics.text).toMatch(/^autoheal_event_total\{kind="action_ok"\} [1-9]/m);
  });
});
