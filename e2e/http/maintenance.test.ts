import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { adminToken, agentWithCredential, api, basic } from "../support/client";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/**
 * Maintenance mode (issue 16 §7) on its own instances: switched by an admin through the API
 * (and by MAINTENANCE_MODE at start), refusing agents and gateways with 503 + Retry-After on
 * every instance of one database, keeping the console's API up, audited each time.
 */
const adminUrl = process.env.TEST_DATABASE_URL;
let database: { url?: string; dataDir?: string } = {};
let a: VigilProcess;
let b: VigilProcess | null = null;
const cleanups: Array<() => Promise<unknown>> = [];
let admin: ReturnType<typeof api>;
let agent: Awaited<ReturnType<typeof agentWithCredential>>;
let agentToken = "";
let adminBearer = "";

const tokenRequest = (base: string) =>
  fetch(`${base}/api/v1/token`, { method: "POST", headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials" });
const validate = (base: string) => fetch(`${base}/api/auth/validate`, { headers: { authorization: `Bearer ${agentToken}` } });
const kinds = async (q: string) => ((await admin("GET", `/api/v1/audit?q=${encodeURIComponent(q)}`)).json.events as { kind: string; actor: string; metadata: Record<string, unknown> }[]);

async function start(name: string, extra: Record<string, string> = {}, port?: number) {
  port ??= await freePort();
  const vigil = await startVigil(name, { ...productionEnv(port, database), RATE_LIMIT_TOKEN_PER_IP: "0", RATE_LIMIT_TOKEN_PER_CLIENT: "0", MAINTENANCE_RETRY_AFTER_SECONDS: "120", ...extra });
  cleanups.push(() => vigil.stop());
  return vigil;
}

beforeAll(async () => {
  if (adminUrl) {
    const db = await createPostgresDatabase(adminUrl);
    cleanups.push(db.drop);
    database = { url: db.url };
  } else database = { dataDir: mkdtempSync(path.join(tmpdir(), "vigil-maintenance-")) };
  a = await start("maintenance-a");
  if (adminUrl) b = await start("maintenance-b");
  adminBearer = await adminToken(a.baseUrl);
  admin = api(a.baseUrl, adminBearer);
  agent = await agentWithCredential(a.baseUrl);
  agentToken = ((await (await tokenRequest(a.baseUrl)).json()) as { access_token: string }).access_token;
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("maintenance mode", () => {
  it("refuses bad switches with the reason: a viewer's, a wrong type, an unknown field", async () => {
    const viewer = await agentWithCredential(a.baseUrl, { allowed_scopes: ["audit:read"] });
    const viewerToken = ((await (await fetch(`${a.baseUrl}/api/v1/token`, { method: "POST", headers: { authorization: basic(viewer.clientId, viewer.secret), "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials" })).json()) as { access_token: string }).access_token;
    expect((await api(a.baseUrl, viewerToken)("PATCH", "/api/v1/maintenance", { enabled: true })).status).toBe(403);
    const wrong = await admin("PATCH", "/api/v1/maintenance", { enabled: "yes" });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.json)).toContain("enabled is true or false");
    expect((await admin("PATCH", "/api/v1/maintenance", { enabled: true, until: "soon" })).status).toBe(400);
    expect((await admin("GET", "/api/v1/maintenance")).json).toMatchObject({ enabled: false, environment: false });
  });

  it("on: agents and gateways get 503 with Retry-After on every instance; the admin API and probes stay up; audited", async () => {
    const on = await admin("PATCH", "/api/v1/maintenance", { enabled: true, reason: "database upgrade" });
    expect(on.status).toBe(200);
    expect(on.json).toMatchObject({ enabled: true, reason: "database upgrade" });

    const token = await tokenRequest(a.baseUrl);
    expect(token.status).toBe(503);
    expect(token.headers.get("retry-after")).toBe("120");
    expect(await token.json()).toMatchObject({ error: "temporarily_unavailable" });
    const gate = await validate(a.baseUrl);
    expect(gate.status).toBe(503);
    expect(gate.headers.get("retry-after")).toBe("120");
    const introspect = await fetch(`${a.baseUrl}/api/v1/introspect`, { method: "POST", headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" }, body: `token=${agentToken}` });
    expect(introspect.status).toBe(503);
    expect((await fetch(`${a.baseUrl}/api/v1/authorize?client_id=x`, { redirect: "manual" })).status).toBe(503);

    // Operators keep working, and probes keep the instance in rotation while reporting it.
    expect((await admin("GET", "/api/v1/agents")).status).toBe(200);
    const ready = await fetch(`${a.baseUrl}/api/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", maintenance: { enabled: true, reason: "database upgrade" } });

    if (b) {
      const other = b.baseUrl;
      await expect.poll(async () => (await tokenRequest(other)).status, { timeout: 1_000, interval: 50 }).toBe(503);
    }
    const [started] = await kinds("kind=maintenance.started");
    expect(started).toMatchObject({ kind: "maintenance.started", actor: expect.stringMatching(/^agent:/), metadata: { reason: "database upgrade", source: "admin" } });
  });

  it("off: served again everywhere, audited; switching to the state it is in records nothing", async () => {
    expect((await admin("PATCH", "/api/v1/maintenance", { enabled: false })).json).toMatchObject({ enabled: false });
    expect((await tokenRequest(a.baseUrl)).status).toBe(200);
    expect((await validate(a.baseUrl)).status).toBe(200);
    if (b) {
      const other = b.baseUrl;
      await expect.poll(async () => (await tokenRequest(other)).status, { timeout: 1_000, interval: 50 }).toBe(200);
    }
    expect((await admin("PATCH", "/api/v1/maintenance", { enabled: false })).status).toBe(200);
    expect(await kinds("kind=maintenance.ended")).toHaveLength(1);
    expect((await fetch(`${a.baseUrl}/api/ready`).then((r) => r.json())) as object).not.toHaveProperty("maintenance");
  });

  it("MAINTENANCE_MODE=true holds it on from the start (audited as the environment); the API cannot end it; a start without it does", async () => {
    // Restarted on the same address and database: the same issuer, so the admin's token holds.
    const port = Number(new URL(a.baseUrl).port);
    await a.stop();
    if (b) await b.stop();
    a = await start("maintenance-env", { MAINTENANCE_MODE: "true" }, port);
    admin = api(a.baseUrl, adminBearer);
    expect((await tokenRequest(a.baseUrl)).status).toBe(503);
    const ready = (await (await fetch(`${a.baseUrl}/api/ready`)).json()) as { maintenance?: { reason: string } };
    expect(ready.maintenance?.reason).toBe("MAINTENANCE_MODE=true");
    expect((await admin("GET", "/api/v1/maintenance")).json).toMatchObject({ enabled: true, environment: true, by: "system:environment" });
    const refused = await admin("PATCH", "/api/v1/maintenance", { enabled: false });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.json)).toContain("unset it and restart");
    await a.stop();
    a = await start("maintenance-after", {}, port);
    expect((await admin("GET", "/api/v1/maintenance")).json).toMatchObject({ enabled: false, environment: false });
    expect((await tokenRequest(a.baseUrl)).status).toBe(200);
    const trail = await kinds("kind~maintenance");
    expect(trail.map((e) => [e.kind, e.metadata.source])).toEqual([
      ["maintenance.ended", "environment"],
      ["maintenance.started", "environment"],
      ["maintenance.ended", "admin"],
      ["maintenance.started", "admin"],
    ]);
    expect(trail[0]?.actor).toBe("system:environment");
  });
});
