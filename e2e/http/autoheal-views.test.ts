import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAlertmanagerClient } from "@/lib/autoheal/alertmanager-client";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { postAlerts, startAlertmanager, type StartedAlertmanager } from "../support/alertmanager";
import { adminToken, agentWithCredential, api, tokenFor } from "../support/client";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/**
 * The autoheal console's data: the silences Vigil created in Debian's Alertmanager 0.25
 * (listed, expired, someone else's refused) and the alerts it received with their jobs.
 * Alertmanager sends its webhooks to the production build; every wait is on a visible state.
 */
const ALERT_TOKEN = "e2e-alertmanager-views-token-0123456789";
const adminUrl = process.env.TEST_DATABASE_URL;

type SilenceView = { id: string; state: string; created_by: string; comment: string; origin: { via: string; actor: string; rule: string | null } };
type AlertView = { id: string; alertname: string; status: string; labels: Record<string, string>; jobs: { rule: string; status: string; result: string | null; detail: Record<string, unknown> | null }[] };

let am: StartedAlertmanager;
let vigil: VigilProcess;
let admin: ReturnType<typeof api>;
let operator: ReturnType<typeof api>;
let viewer: ReturnType<typeof api>;
const cleanups: Array<() => Promise<unknown>> = [];
const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
const ids: { acked: string; rule: string; foreign: string } = { acked: "", rule: "", foreign: "" };

async function audit(q: string): Promise<{ kind: string; outcome: string; actor: string; metadata: Record<string, unknown> }[]> {
  const res = await admin("GET", `/api/v1/audit?n=100&q=${encodeURIComponent(q)}`);
  expect(res.status).toBe(200);
  return res.json.events as never;
}

async function silences(query = ""): Promise<SilenceView[]> {
  const res = await viewer("GET", `/api/v1/autoheal/silences${query}`);
  expect(res.status).toBe(200);
  return res.json.silences as SilenceView[];
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "vigil-autoheal-views-"));
  const rulesFile = path.join(dir, "rules.yml");
  writeFileSync(
    rulesFile,
    `rules:
  - name: silence-views
    match: { alertname: E2eSilenceMe }
    action: { kind: alertmanager_silence, duration: 1h, labels: [alertname, instance], comment: "Vigil silences {{ labels.instance }}" }
    cooldown: 1m
    blast_radius: { max_actions: 10, window: 1h }
  - name: broken-views
    match: { alertname: E2eViewsBroken }
    action: { kind: webhook, url: "http://127.0.0.1:9/heal", retries: 0, timeout_ms: 2000 }
    cooldown: 1m
    blast_radius: { max_actions: 10, window: 1h }
`,
  );
  const port = await freePort();
  am = await startAlertmanager({ receiverUrl: `http://127.0.0.1:${port}/api/alert`, bearerToken: ALERT_TOKEN });
  cleanups.push(() => am.stop());
  let database: { url?: string } = {};
  if (adminUrl) {
    const db = await createPostgresDatabase(adminUrl);
    cleanups.push(db.drop);
    database = { url: db.url };
  }
  vigil = await startVigil("autoheal-views", {
    ...productionEnv(port, database),
    AUTOHEAL_RULES: rulesFile,
    AUTOHEAL_ALERT_TOKEN: ALERT_TOKEN,
    AUTOHEAL_DRY_RUN: "false",
    ALERTMANAGER_URL: am.url,
    AUTOHEAL_HEARTBEAT_SECONDS: "1",
    AUTOHEAL_LEASE_SECONDS: "5",
    RATE_LIMIT_API_PER_IP: "0",
    RATE_LIMIT_API_PER_SUBJECT: "0",
  });
  cleanups.push(() => vigil.stop());
  admin = api(vigil.baseUrl, await adminToken(vigil.baseUrl));
  const op = await agentWithCredential(vigil.baseUrl, { allowed_scopes: ["autoheal:ack", "audit:read"] });
  operator = api(vigil.baseUrl, await tokenFor(vigil.baseUrl, op.clientId, op.secret));
  const read = await agentWithCredential(vigil.baseUrl, { allowed_scopes: ["audit:read"] });
  viewer = api(vigil.baseUrl, await tokenFor(vigil.baseUrl, read.clientId, read.secret));
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("autoheal silences and alerts with a real Alertmanager", () => {
  it("lists only the silences Vigil created (an ack, a rule's action), active first", async () => {
    const ack = await operator("POST", "/api/ack", { labels: JSON.stringify({ alertname: "E2eViewsAcked" }), duration: "2h", comment: "on it" });
    expect(ack.status).toBe(201);
    ids.acked = ack.json.silence_id as string;
    await postAlerts(am.url, [{ labels: { alertname: "E2eSilenceMe", instance: "web-7" }, startsAt: ago(5) }]);
    await expect.poll(async () => (await audit("kind=action_ok rule=silence-views")).length, { timeout: 15_000, interval: 100 }).toBe(1);
    ids.rule = (await audit("kind=action_ok rule=silence-views"))[0]?.metadata.silence_id as string;
    expect(ids.rule).toMatch(/^[0-9a-f-]{36}$/);
    // Someone else's silence, made in Alertmanager directly: even naming Vigil's createdBy does not make it Vigil's.
    const now = Date.now();
    ids.foreign = await createAlertmanagerClient({ url: am.url }).createSilence({
      matchers: [{ name: "alertname", value: "E2eViewsForeign", isRegex: false, isEqual: true }],
      startsAt: new Date(now),
      endsAt: new Date(now + 3_600_000),
      createdBy: "vigil-autoheal",
      comment: "made by hand",
    });

    const listed = await silences();
    expect(listed.map((s) => s.id).sort()).toEqual([ids.acked, ids.rule].sort());
    const acked = listed.find((s) => s.id === ids.acked);
    expect(acked).toMatchObject({ state: "active", comment: "on it", origin: { via: "ack", rule: null } });
    expect(acked?.origin.actor).toBe(acked?.created_by);
    expect(listed.find((s) => s.id === ids.rule)).toMatchObject({ state: "active", created_by: "vigil-autoheal", origin: { via: "rule", rule: "silence-views", actor: "system:autoheal" } });
  });

  it("checks the list's input and scope", async () => {
    const bad = await viewer("GET", "/api/v1/autoheal/silences?state=sleeping");
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain("state is active, pending or expired");
    const plain = await agentWithCredential(vigil.baseUrl, { allowed_scopes: ["svc:read"] });
    const nobody = api(vigil.baseUrl, await tokenFor(vigil.baseUrl, plain.clientId, plain.secret));
    expect((await nobody("GET", "/api/v1/autoheal/silences")).status).toBe(403);
    expect((await nobody("GET", "/api/v1/autoheal/alerts")).status).toBe(403);
  });

  it("expires a Vigil silence in Alertmanager, audited, and lists it after the active ones", async () => {
    expect((await viewer("DELETE", `/api/v1/autoheal/silences/${ids.acked}`)).status).toBe(403);
    expect((await operator("DELETE", "/api/v1/autoheal/silences/not-a-silence")).status).toBe(400);
    const unknown = await operator("DELETE", "/api/v1/autoheal/silences/4f0c0000-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(404);

    const res = await operator("DELETE", `/api/v1/autoheal/silences/${ids.acked}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: ids.acked, state: "expired" });
    expect((await createAlertmanagerClient({ url: am.url }).getSilence(ids.acked)).state).toBe("expired");
    const [expired] = await audit("kind=autoheal.silence.expired outcome=success");
    expect(expired?.metadata).toMatchObject({ silence_id: ids.acked, origin: "ack", state_before: "active" });
    expect((await silences()).map((s) => [s.id, s.state])).toEqual([
      [ids.rule, "active"],
      [ids.acked, "expired"],
    ]);
    expect((await silences("?state=expired")).map((s) => s.id)).toEqual([ids.acked]);

    const again = await operator("DELETE", `/api/v1/autoheal/silences/${ids.acked}`);
    expect(again.status).toBe(409);
    expect(again.json.detail).toContain("already expired");
  });

  it("refuses to expire a silence Vigil did not create, and records the refusal", async () => {
    const res = await operator("DELETE", `/api/v1/autoheal/silences/${ids.foreign}`);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.json.detail).toContain("not created by Vigil");
    expect((await createAlertmanagerClient({ url: am.url }).getSilence(ids.foreign)).state).toBe("active");
    const [denied] = await audit("kind=autoheal.silence.expired outcome=denied");
    expect(denied?.metadata).toMatchObject({ silence_id: ids.foreign, reason: "not created by Vigil" });
  });

  it("lists received alerts newest first, each with its jobs and their outcomes, in pages", async () => {
    await postAlerts(am.url, [{ labels: { alertname: "E2eViewsBroken", instance: "db-2" }, startsAt: ago(5) }]);
    await expect.poll(async () => (await audit("kind=action_fail rule=broken-views")).length, { timeout: 15_000, interval: 100 }).toBe(1);
    const res = await viewer("GET", "/api/v1/autoheal/alerts");
    expect(res.status).toBe(200);
    const alerts = res.json.alerts as AlertView[];
    expect(alerts.map((a) => a.alertname)).toEqual(["E2eViewsBroken", "E2eSilenceMe"]);
    expect(alerts[0]).toMatchObject({ status: "firing", labels: { alertname: "E2eViewsBroken", instance: "db-2" } });
    expect(alerts[0]?.jobs).toMatchObject([{ rule: "broken-views", status: "failed", result: "fail" }]);
    expect(alerts[1]?.jobs).toMatchObject([{ rule: "silence-views", status: "done", result: "ok", detail: { silence_id: ids.rule } }]);

    const first = await viewer("GET", "/api/v1/autoheal/alerts?n=1");
    expect((first.json.alerts as AlertView[]).map((a) => a.alertname)).toEqual(["E2eViewsBroken"]);
    const next = await viewer("GET", `/api/v1/autoheal/alerts?n=1&cursor=${first.json.next_cursor as string}`);
    expect((next.json.alerts as AlertView[]).map((a) => a.alertname)).toEqual(["E2eSilenceMe"]);
    expect(next.json.next_cursor).toBeNull();
    const named = await viewer("GET", "/api/v1/autoheal/alerts?alertname=E2eSilenceMe&status=firing");
    expect((named.json.alerts as AlertView[]).map((a) => a.alertname)).toEqual(["E2eSilenceMe"]);
    expect((await viewer("GET", "/api/v1/autoheal/alerts?n=0")).status).toBe(400);
    expect((await viewer("GET", "/api/v1/autoheal/alerts?cursor=garbage")).status).toBe(400);
  });

  it("keeps heartbeats in the audit API by default, and leaves them out with heartbeats=false", async () => {
    await expect.poll(async () => (await audit("kind=heartbeat")).length, { timeout: 15_000, interval: 200 }).toBeGreaterThanOrEqual(2);
    const everything = await viewer("GET", "/api/v1/audit?n=1000");
    expect((everything.json.events as { kind: string }[]).some((e) => e.kind === "heartbeat")).toBe(true);
    const quiet = await viewer("GET", "/api/v1/audit?n=1000&heartbeats=false");
    const kinds = (quiet.json.events as { kind: string }[]).map((e) => e.kind);
    expect(kinds).not.toContain("heartbeat");
    expect(kinds).toContain("autoheal.silence.expired");
    const csv = await fetch(`${vigil.baseUrl}/api/v1/audit?format=csv&heartbeats=false`, { headers: { authorization: `Bearer ${await adminToken(vigil.baseUrl)}` } });
    expect(await csv.text()).not.toContain(",heartbeat,");
    expect((await viewer("GET", "/api/v1/audit?heartbeats=maybe")).status).toBe(400);
  });

  it("answers 502 naming Alertmanager when it is down, never a 500", async () => {
    await am.stop();
    const list = await viewer("GET", "/api/v1/autoheal/silences");
    expect(list.status).toBe(502);
    expect(list.json.detail).toContain("Alertmanager");
    const expire = await operator("DELETE", `/api/v1/autoheal/silences/${ids.rule}`);
    expect(expire.status).toBe(502);
    expect(expire.json.detail).toContain("Alertmanager");
    // Alerts are Vigil's own records: still there.
    expect((await viewer("GET", "/api/v1/autoheal/alerts")).status).toBe(200);
  });
});

describe.each(inject("servers"))("autoheal silences without Alertmanager on $name", ({ baseUrl }) => {
  it("says how to configure it (503)", async () => {
    const res = await api(baseUrl, await adminToken(baseUrl))("GET", "/api/v1/autoheal/silences");
    expect(res.status).toBe(503);
    expect(res.json.detail).toContain("ALERTMANAGER_URL");
  });
});
