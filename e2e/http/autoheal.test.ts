import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlertmanagerClient } from "@/lib/autoheal/alertmanager-client";
import { startTarget } from "@/lib/testing/autoheal-target";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { alertStates, postAlerts, startAlertmanager, type StartedAlertmanager } from "../support/alertmanager";
import { adminToken, agentWithCredential, api, tokenFor } from "../support/client";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/**
 * Autoheal end to end, with Debian's Alertmanager 0.25 sending its webhooks (bearer token in
 * http_config) to the production build, and a node:http server as the remediation target.
 * Every wait is on a visible state (a request at the target, an event in the audit log,
 * Alertmanager's own view), never a fixed sleep.
 */
const ALERT_TOKEN = "e2e-alertmanager-webhook-token-0123456789";
const adminUrl = process.env.TEST_DATABASE_URL;

type AuditView = { kind: string; rule: string | null; outcome: string; request_id: string | null; actor: string; labels: Record<string, string> | null; metadata: Record<string, unknown> };

let am: StartedAlertmanager;
let vigil: VigilProcess;
let second: VigilProcess | null = null;
let target: Awaited<ReturnType<typeof startTarget>>;
let admin: ReturnType<typeof api>;
const cleanups: Array<() => Promise<unknown>> = [];
let env: Record<string, string>;

const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
let web1StartsAt = "";

async function events(q: string): Promise<AuditView[]> {
  const res = await admin("GET", `/api/v1/audit?n=100&q=${encodeURIComponent(q)}`);
  expect(res.status).toBe(200);
  return res.json.events as AuditView[];
}

/** Waits until the audit log holds `n` events for `q`, and returns them. */
async function eventually(q: string, n = 1): Promise<AuditView[]> {
  await expect.poll(async () => (await events(q)).length, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(n);
  return events(q);
}

const hits = (prefix: string) => target.received.filter((r) => r.url.startsWith(prefix));

beforeAll(async () => {
  target = await startTarget((req, _n, res) => res.writeHead(req.url.startsWith("/fail/") ? 500 : 200).end(req.url.startsWith("/fail/") ? "target broken" : "healed"));
  cleanups.push(target.close);
  const dir = mkdtempSync(path.join(tmpdir(), "vigil-autoheal-e2e-"));
  const rule = (name: string, alertname: string, pathPrefix: string, cooldown = "1h") => `
  - name: ${name}
    match: { alertname: ${alertname}, labels: ['severity!="info"'] }
    action:
      kind: webhook
      url: ${target.url}/${pathPrefix}/{{ labels.instance }}
      headers: { Authorization: "Bearer e2e-target-secret" }
      retries: 0
      timeout_ms: 3000
    cooldown: ${cooldown}
    blast_radius: { max_actions: 100, window: 1h }`;
  const rulesFile = path.join(dir, "rules.yml");
  writeFileSync(rulesFile, `rules:${rule("heal-web", "E2eWebDown", "heal")}${rule("heal-broken", "E2eBroken", "fail")}${rule("heal-pair", "E2ePair", "pair")}\n`);

  const port = await freePort();
  am = await startAlertmanager({ receiverUrl: `http://127.0.0.1:${port}/api/alert`, bearerToken: ALERT_TOKEN });
  cleanups.push(() => am.stop());
  let database: { url?: string } = {};
  if (adminUrl) {
    const db = await createPostgresDatabase(adminUrl);
    cleanups.push(db.drop);
    database = { url: db.url };
  }
  env = {
    ...productionEnv(port, database),
    AUTOHEAL_RULES: rulesFile,
    AUTOHEAL_ALERT_TOKEN: ALERT_TOKEN,
    AUTOHEAL_DRY_RUN: "false",
    ALERTMANAGER_URL: am.url,
    AUTOHEAL_HEARTBEAT_SECONDS: "1",
    AUTOHEAL_LEASE_SECONDS: "5",
    RATE_LIMIT_API_PER_IP: "0",
    RATE_LIMIT_API_PER_SUBJECT: "0",
  };
  vigil = await startVigil("autoheal", env);
  cleanups.push(() => vigil.stop());
  admin = api(vigil.baseUrl, await adminToken(vigil.baseUrl));
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("autoheal with a real Alertmanager", () => {
  it("takes Alertmanager's credentials only, and refuses bad payloads with the reason", async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${vigil.baseUrl}/api/alert`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    expect((await post({}, "{}")).status).toBe(401);
    expect((await post({ authorization: "Bearer wrong-token-wrong-token-wrong" }, "{}")).status).toBe(401);
    expect((await post({ authorization: `Basic ${Buffer.from(`am:${ALERT_TOKEN}`).toString("base64")}` }, "{}")).status).toBe(401);
    const auth = { authorization: `Bearer ${ALERT_TOKEN}` };
    const notJson = await post(auth, "{not json");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { detail: string }).detail).toContain("not valid JSON");
    const wrongShape = await post(auth, JSON.stringify({ version: "3", alerts: [] }));
    expect(wrongShape.status).toBe(400);
    expect(((await wrongShape.json()) as { detail: string }).detail).toMatch(/version: must be "4"/);
  });

  it("takes a 1000-alert webhook, far over MAX_BODY_BYTES, in one transaction", async () => {
    const alerts = Array.from({ length: 1000 }, (_, i) => ({
      status: "firing",
      labels: { alertname: "E2eBulk", instance: `bulk-${i}`, region: "eu-west-1", team: "platform" },
      annotations: { summary: `bulk alert ${i} for the body-limit test` },
      startsAt: ago(10),
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.test/graph?g0.expr=up%3D%3D0",
      fingerprint: (0xb000 + i).toString(16),
    }));
    const body = JSON.stringify({ version: "4", groupKey: "bulk", status: "firing", receiver: "vigil", alerts, truncatedAlerts: 0 });
    expect(body.length).toBeGreaterThan(Number(env.MAX_BODY_BYTES) * 3);
    const res = await fetch(`${vigil.baseUrl}/api/alert`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${ALERT_TOKEN}` }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ alerts: 1000, new: 1000, repeats: 0, resolved: 0, jobs: 0 });
    const received = await admin("GET", `/api/v1/audit?n=1000&q=${encodeURIComponent("kind=alert_received alertname=E2eBulk")}`);
    expect((received.json.events as unknown[]).length).toBe(1000);
  });

  it("runs a firing alert's webhook action at the target and records alert_received and action_ok", async () => {
    const arrived = target.nextRequest();
    web1StartsAt = ago(10);
    await postAlerts(am.url, [{ labels: { alertname: "E2eWebDown", instance: "web-1", severity: "critical" }, startsAt: web1StartsAt }]);
    const request = await arrived;
    expect(request.url).toBe("/heal/web-1");
    const [received] = await eventually("kind=alert_received alertname=E2eWebDown");
    expect(received).toMatchObject({ actor: "system:alertmanager", labels: { alertname: "E2eWebDown", instance: "web-1", severity: "critical" } });
    expect(received?.metadata).toMatchObject({ rules: ["heal-web"], repeat: false, fingerprint: expect.any(String) });
    const [ok] = await eventually("kind=action_ok alertname=E2eWebDown");
    expect(ok).toMatchObject({ rule: "heal-web", outcome: "success", request_id: received?.request_id });
    expect(request.headers["x-request-id"]).toBe(received?.request_id);
    expect(ok?.metadata).toMatchObject({ status: 200, attempts: 1, fingerprint: received?.metadata.fingerprint });
  });

  it("records a failing action with the target's answer", async () => {
    await postAlerts(am.url, [{ labels: { alertname: "E2eBroken", instance: "db-1", severity: "page" }, startsAt: ago(10) }]);
    const [failed] = await eventually("kind=action_fail alertname=E2eBroken");
    expect(failed).toMatchObject({ rule: "heal-broken", outcome: "failure" });
    expect(failed?.metadata).toMatchObject({ status: 500, error: "HTTP 500: target broken" });
    expect(hits("/fail/db-1")).toHaveLength(1);
  });

  it("in dry run records action_dry_run and sends nothing, while a later live action arrives", async () => {
    const off = await admin("PATCH", "/api/v1/autoheal", { dry_run: true });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ enabled: true, dry_run: true });
    expect((await fetch(`${vigil.baseUrl}/api/autoheal/status`).then((r) => r.json())) as object).toMatchObject({ dry_run: true });
    await postAlerts(am.url, [{ labels: { alertname: "E2eWebDown", instance: "web-dry", severity: "critical" }, startsAt: ago(10) }]);
    const [dry] = await eventually("kind=action_dry_run alertname=E2eWebDown");
    const plan = dry?.metadata.plan as { request: { url: string; method: string; headers: Record<string, string> } };
    expect(plan.request).toMatchObject({ method: "POST", url: `${target.url}/heal/web-dry` });
    expect(JSON.stringify(dry)).not.toContain("e2e-target-secret");

    expect((await admin("PATCH", "/api/v1/autoheal", { dry_run: false })).status).toBe(200);
    const later = target.nextRequest();
    await postAlerts(am.url, [{ labels: { alertname: "E2eWebDown", instance: "web-live", severity: "critical" }, startsAt: ago(10) }]);
    expect((await later).url).toBe("/heal/web-live");
    // The dry run finished before the live alert was even posted: had it sent, it would be here.
    expect(hits("/heal/web-dry")).toHaveLength(0);
    const toggles = await events("kind=autoheal_toggled");
    expect(toggles.map((e) => e.metadata.after)).toEqual([{ enabled: true, dry_run: false }, { enabled: true, dry_run: true }]);
  });

  it("skips a new episode of the same alert inside the cooldown, after recording the resolve", async () => {
    const labels = { alertname: "E2eWebDown", instance: "web-1", severity: "critical" };
    await postAlerts(am.url, [{ labels, startsAt: web1StartsAt, endsAt: ago(2) }]);
    const [resolved] = await eventually("kind=alert_resolved alertname=E2eWebDown");
    expect(resolved?.metadata).toMatchObject({ repeat: false, starts_at: new Date(web1StartsAt).toISOString() });
    // A new episode starts after the last one ended (Alertmanager would merge overlapping ones).
    await postAlerts(am.url, [{ labels, startsAt: new Date().toISOString() }]);
    const [skipped] = await eventually("kind=action_skipped_cooldown alertname=E2eWebDown");
    expect(skipped).toMatchObject({ rule: "heal-web", labels });
    expect(skipped?.metadata).toMatchObject({ reason: "cooldown", result: "skipped_cooldown" });
    expect(hits("/heal/web-1")).toHaveLength(1);
    const status = (await fetch(`${vigil.baseUrl}/api/autoheal/status`).then((r) => r.json())) as { active_cooldowns: { rule: string }[]; last_heartbeat: string | null };
    expect(status.active_cooldowns.some((c) => c.rule === "heal-web")).toBe(true);
    expect(status.last_heartbeat).not.toBeNull();
  });

  it("acks: scope checked, input checked, a silence Alertmanager lists as active that suppresses the next notification", async () => {
    const noScope = await agentWithCredential(vigil.baseUrl, { allowed_scopes: ["audit:read"] });
    const denied = await api(vigil.baseUrl, await tokenFor(vigil.baseUrl, noScope.clientId, noScope.secret))("GET", "/api/ack?labels=%7B%22alertname%22%3A%22E2eAcked%22%7D&duration=1h");
    expect(denied.status).toBe(403);
    const acker = await agentWithCredential(vigil.baseUrl, { allowed_scopes: ["autoheal:ack"] });
    const ack = api(vigil.baseUrl, await tokenFor(vigil.baseUrl, acker.clientId, acker.secret));
    expect((await ack("GET", "/api/ack?labels=not-json&duration=1h")).status).toBe(400);
    expect((await ack("GET", `/api/ack?labels=${encodeURIComponent("{}")}&duration=1h`)).status).toBe(400);
    expect((await ack("GET", `/api/ack?labels=${encodeURIComponent('{"alertname":"E2eAcked"}')}&duration=soon`)).status).toBe(400);

    const res = await ack("GET", `/api/ack?labels=${encodeURIComponent('{"alertname":"E2eAcked"}')}&duration=1h&comment=${encodeURIComponent("looking at it")}`);
    expect(res.status).toBe(201);
    const silenceId = res.json.silence_id as string;
    const silence = await createAlertmanagerClient({ url: am.url }).getSilence(silenceId);
    expect(silence).toMatchObject({ state: "active", comment: "looking at it", createdBy: `agent:${acker.id}` });
    expect(silence.matchers).toEqual([{ name: "alertname", value: "E2eAcked", isRegex: false, isEqual: true }]);
    const [acked] = await eventually("kind=ack alertname=E2eAcked");
    expect(acked).toMatchObject({ actor: `agent:${acker.id}`, outcome: "success" });
    expect(acked?.metadata).toMatchObject({ silence_id: silenceId });

    const form = await fetch(`${vigil.baseUrl}/api/ack`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor(vigil.baseUrl, acker.clientId, acker.secret)}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ labels: '{"alertname":"E2eFormAck"}', duration: "30m" }),
    });
    expect(form.status).toBe(201);

    await postAlerts(am.url, [{ labels: { alertname: "E2eAcked", instance: "x" }, startsAt: ago(10) }]);
    await expect.poll(() => alertStates(am.url, ['alertname="E2eAcked"']), { timeout: 10_000, interval: 100 }).toEqual(["suppressed"]);
    // A control alert posted after it does reach Vigil; the silenced one never does.
    await postAlerts(am.url, [{ labels: { alertname: "E2eAckControl", instance: "x" }, startsAt: ago(10) }]);
    await eventually("kind=alert_received alertname=E2eAckControl");
    expect(await events("kind=alert_received alertname=E2eAcked")).toHaveLength(0);
  });

  if (adminUrl) {
    it("runs each action once with two Vigil instances on one PostgreSQL database", async () => {
      const port = await freePort();
      second = await startVigil("autoheal-2", { ...env, PORT: String(port) }, undefined, `http://127.0.0.1:${port}`);
      cleanups.push(() => second?.stop() ?? Promise.resolve());
      const alerts = Array.from({ length: 10 }, (_, i) => ({
        status: "firing",
        labels: { alertname: "E2ePair", instance: `pair-${i}` },
        annotations: {},
        startsAt: ago(10),
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "",
        fingerprint: `e2e0${i.toString(16).padStart(3, "0")}`,
      }));
      const body = JSON.stringify({ version: "4", groupKey: "pair", status: "firing", receiver: "vigil", groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: am.url, alerts, truncatedAlerts: 0 });
      // An Alertmanager HA pair delivers the same webhook to both instances at once.
      const answers = await Promise.all(
        [vigil.baseUrl, `http://127.0.0.1:${port}`].map((base) =>
          fetch(`${base}/api/alert`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${ALERT_TOKEN}` }, body }).then(async (r) => ({ status: r.status, json: (await r.json()) as { jobs: number } })),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers.reduce((n, a) => n + a.json.jobs, 0)).toBe(10);
      await eventually("kind=action_ok alertname=E2ePair", 10);
      const jobs = await admin("GET", "/api/v1/autoheal/actions?n=100");
      const pair = (jobs.json.actions as { rule: string; status: string }[]).filter((j) => j.rule === "heal-pair");
      expect(pair.map((j) => j.status)).toEqual(Array(10).fill("done"));
      const urls = hits("/pair/").map((r) => r.url);
      expect(urls).toHaveLength(10);
      expect(new Set(urls).size).toBe(10);
      const heartbeats = await events("kind=heartbeat");
      expect(new Set(heartbeats.map((e) => e.metadata.instance)).size).toBeGreaterThanOrEqual(2);
    });
  }

  it("lists the rules, and answers 502 with Alertmanager's error when it is down, recording no ack", async () => {
    const rules = await admin("GET", "/api/v1/autoheal/rules");
    expect((rules.json.rules as { name: string }[]).map((r) => r.name)).toEqual(["heal-web", "heal-broken", "heal-pair"]);
    expect((rules.json.rules as { target: string }[])[0]?.target).toBe(`POST ${target.url}/heal/{{ labels.instance }}`);
    await am.stop();
    const res = await admin("GET", `/api/ack?labels=${encodeURIComponent('{"alertname":"E2eDown"}')}&duration=1h`);
    expect(res.status).toBe(502);
    expect(res.json.detail).toContain("Alertmanager");
    expect(await events("kind=ack alertname=E2eDown")).toHaveLength(0);
    const [failed] = await eventually("kind=ack_failed alertname=E2eDown");
    expect(failed?.outcome).toBe("failure");
  });
});
