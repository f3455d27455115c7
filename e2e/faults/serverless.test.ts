import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTarget } from "@/lib/testing/autoheal-target";
import { SseReader } from "@/lib/testing/sse-reader";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { adminToken, agentInput, agentWithCredential, api, basic, tokenFor } from "../support/client";
import { spawnUntilReady, type Child } from "../support/child";
import { freePort, productionEnv, ROOT } from "../support/vigil-process";
import { figure } from "./figures";

/**
 * Serverless mode (issue 16 §5), run as Vercel runs it: Next's own standalone server (no fast
 * lane), two instances on one PostgreSQL, nothing in the background. No LISTEN connection, no
 * runner, no sealing or retention timers: the cron routes do that work when called with
 * CRON_SECRET, other instances' changes are seen through views re-read when a second old,
 * and the live stream polls and ends itself in time for the client to resume.
 */
const adminUrl = process.env.TEST_DATABASE_URL;
const CRON_SECRET = "e2e-cron-secret-0123456789abcdef";
const ALERT_TOKEN = "e2e-serverless-alert-token-0123456789";
const STREAM_SECONDS = 3;

/** `publicUrl`: the one issuer both instances answer for (as behind a load balancer, or Vercel's domain). */
function serverlessEnv(port: number, databaseUrl: string, rules: string, publicUrl = `http://127.0.0.1:${port}`): Record<string, string> {
  return {
    ...productionEnv(port, { url: databaseUrl }),
    AUTH_URL: publicUrl,
    VALIDATOR_AUDIENCES: publicUrl,
    VIGIL_SERVERLESS: "true",
    CRON_SECRET,
    AUTOHEAL_RULES: rules,
    AUTOHEAL_ALERT_TOKEN: ALERT_TOKEN,
    AUTOHEAL_DRY_RUN: "false",
    SSE_MAX_STREAM_SECONDS: String(STREAM_SECONDS),
    RATE_LIMIT_API_PER_IP: "0",
    RATE_LIMIT_API_PER_SUBJECT: "0",
  };
}

/** Next's standalone server, as Vercel's launcher runs the app: instrumentation starts Vigil. */
async function startStandalone(name: string, env: Record<string, string>): Promise<Child & { baseUrl: string }> {
  const baseUrl = `http://127.0.0.1:${env.PORT}`;
  const child = await spawnUntilReady({
    name,
    command: process.execPath,
    args: [path.join(ROOT, ".next", "standalone", "server.js")],
    options: { env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env } },
    ready: () => fetch(`${baseUrl}/api/ready`).then((r) => r.ok),
    timeoutMs: 60_000,
    pollMs: 100,
  });
  return { ...child, baseUrl };
}

describe("serverless mode refuses what cannot work there", () => {
  it.each([
    ["no DATABASE_URL (the embedded database)", { DATABASE_URL: "" }, /DATABASE_URL: serverless mode .* needs PostgreSQL/],
    ["no CRON_SECRET in production", { CRON_SECRET: "" }, /CRON_SECRET: required in serverless mode/],
  ])("%s: one line, exit 1", async (_name, change, message) => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { NODE_ENV: "production", PATH: process.env.PATH ?? "", ...serverlessEnv(port, "postgres://postgres@127.0.0.1:5432/unused", "/nonexistent"), ...change };
    const run = spawnSync(process.execPath, ["dist/server.mjs"], { cwd: ROOT, env, encoding: "utf8", timeout: 20_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
  });
});

describe.runIf(adminUrl)("serverless mode on Next's standalone server", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  let a: Child & { baseUrl: string };
  let b: Child & { baseUrl: string };
  let target: Awaited<ReturnType<typeof startTarget>>;
  let sql: postgres.Sql;

  beforeAll(async () => {
    if (!adminUrl) return;
    const db = await createPostgresDatabase(adminUrl);
    cleanups.push(db.drop);
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
    cleanups.push(() => sql.end());
    target = await startTarget((_req, _n, res) => res.writeHead(200).end("healed"));
    cleanups.push(target.close);
    const rules = path.join(mkdtempSync(path.join(tmpdir(), "vigil-serverless-")), "rules.yml");
    writeFileSync(rules, `rules:\n  - name: restart\n    match: { alertname: ServerlessE2eDown }\n    action: { kind: webhook, url: "${target.url}/restart/{{ labels.instance }}", retries: 0, timeout_ms: 3000 }\n    cooldown: 1h\n    blast_radius: { max_actions: 100, window: 1h }\n`);
    // One after the other: the first applies the migrations.
    const portA = await freePort();
    const publicUrl = `http://127.0.0.1:${portA}`;
    a = await startStandalone("serverless-a", serverlessEnv(portA, db.url, rules, publicUrl));
    cleanups.push(() => a.stop());
    b = await startStandalone("serverless-b", serverlessEnv(await freePort(), db.url, rules, publicUrl));
    cleanups.push(() => b.stop());
  }, 180_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  const cron = (base: string, job: string, headers: Record<string, string> = { authorization: `Bearer ${CRON_SECRET}` }, method = "GET") =>
    fetch(`${base}/api/cron/${job}`, { method, headers }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => null)) as Record<string, unknown> | null }));

  it("holds no LISTEN connection and starts no runner: no heartbeat until the cron calls", async () => {
    const admin = api(a.baseUrl, await adminToken(a.baseUrl));
    await admin("GET", "/api/v1/agents");
    const listening = await sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen%'`;
    expect(listening[0]?.n).toBe(0);
    expect(a.output()).toContain('"serverless":true');
    const heartbeats = await admin("GET", "/api/v1/audit?q=kind=heartbeat&n=10");
    expect(heartbeats.status).toBe(200);
    expect(heartbeats.json.events).toEqual([]);
  });

  it.each([
    ["no credentials", {}, "GET", 401],
    ["a wrong secret", { authorization: "Bearer not-the-cron-secret-at-all" }, "GET", 401],
    ["the secret as basic auth", { authorization: basic("cron", CRON_SECRET) }, "GET", 401],
    ["the secret, but POST", { authorization: `Bearer ${CRON_SECRET}` }, "POST", 405],
  ])("refuses a cron call with %s", async (_name, headers, method, status) => {
    for (const job of ["autoheal", "seal", "retention"]) expect((await cron(a.baseUrl, job, headers, method)).status).toBe(status);
  });

  it("leaves an alert's job queued until the autoheal cron runs it, once, and writes the heartbeat", async () => {
    const sent = await fetch(`${a.baseUrl}/api/alert`, {
      method: "POST",
      headers: { authorization: `Bearer ${ALERT_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        version: "4",
        status: "firing",
        receiver: "vigil",
        groupKey: "{}:{alertname=\"ServerlessE2eDown\"}",
        alerts: [{ status: "firing", labels: { alertname: "ServerlessE2eDown", instance: "db-1" }, annotations: {}, startsAt: new Date().toISOString(), fingerprint: "5e7e41e55e2e0001" }],
      }),
    });
    expect(sent.status, await sent.clone().text()).toBe(200);
    const admin = api(b.baseUrl, await adminToken(b.baseUrl));
    const queued = await admin("GET", "/api/v1/autoheal/actions?n=5");
    expect((queued.json.actions as { status: string; rule: string }[]).map((j) => [j.rule, j.status])).toEqual([["restart", "queued"]]);
    expect(target.received).toHaveLength(0);

    const ran = await cron(b.baseUrl, "autoheal");
    expect(ran.status).toBe(200);
    expect(ran.body).toMatchObject({ jobs_claimed: 1, finished: true });
    expect(target.received.map((r) => r.url)).toEqual(["/restart/db-1"]);
    figure("serverless autoheal cron", { ms: Number(ran.body?.ms) });

    const again = await cron(a.baseUrl, "autoheal");
    expect(again.body).toMatchObject({ jobs_claimed: 0, finished: true });
    expect(target.received).toHaveLength(1);
    const heartbeats = await admin("GET", "/api/v1/audit?q=kind=heartbeat&n=10");
    expect((heartbeats.json.events as unknown[]).length).toBe(2);
  });

  it("seals the log into checkpoints when the seal cron calls, and keeps retention", async () => {
    const admin = api(b.baseUrl, await adminToken(b.baseUrl));
    const sealed = await cron(a.baseUrl, "seal");
    expect(sealed.status).toBe(200);
    const seqs = sealed.body?.checkpoints as number[];
    expect(seqs.length).toBeGreaterThan(0);
    // Nothing committed since: the next call has nothing to seal.
    expect((await cron(b.baseUrl, "seal")).body).toEqual({ checkpoints: [] });
    const listed = await admin("GET", "/api/v1/audit/checkpoints");
    expect((listed.json.checkpoints as { seq: number }[]).map((c) => c.seq)).toEqual(expect.arrayContaining(seqs));
    const verified = await admin("GET", "/api/v1/audit/verify");
    expect(verified.status).toBe(200);
    expect(verified.json.ok).toBe(true);

    const retained = await cron(b.baseUrl, "retention");
    expect(retained.status).toBe(200);
    expect(retained.body).toHaveProperty("retention");
  });

  it("refuses on B a token revoked on A within a second, with no LISTEN", async () => {
    const agent = await agentWithCredential(a.baseUrl);
    const token = await tokenFor(a.baseUrl, agent.clientId, agent.secret);
    const validate = () => fetch(`${b.baseUrl}/api/auth/validate`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await validate()).toBe(200);
    const revoked = await fetch(`${a.baseUrl}/api/v1/revoke`, {
      method: "POST",
      headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }),
    });
    expect(revoked.status).toBe(200);
    const started = performance.now();
    // A view is re-read when a request finds it a second old: the bound plus one reload.
    await expect.poll(validate, { timeout: 2_000, interval: 25 }).toBe(401);
    figure("serverless revocation seen by another instance", { ms: Math.round(performance.now() - started) });
  });

  it("streams B's subscribers what A writes, ends the stream in time and resumes after it without a gap", async () => {
    const token = await adminToken(b.baseUrl);
    const writer = api(a.baseUrl, await adminToken(a.baseUrl));
    const open = async (last?: string) => {
      const res = await fetch(`${b.baseUrl}/api/v1/events?q=${encodeURIComponent("kind=agent.created")}`, {
        headers: { authorization: `Bearer ${token}`, accept: "text/event-stream", ...(last ? { "last-event-id": last } : {}) },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toContain("no-transform");
      return new SseReader(res.body as ReadableStream<Uint8Array>);
    };
    const stream = await open();
    expect((await stream.next())?.event).toBe("ready");
    const opened = performance.now();
    const first = await writer("POST", "/api/v1/agents", agentInput());
    const live = await stream.nextEvent();
    expect(JSON.parse(live?.data ?? "{}").agent_id).toBe(first.json.id);

    // The stream ends by itself after SSE_MAX_STREAM_SECONDS, naming where to resume.
    const resume = await stream.nextEvent();
    const lasted = (performance.now() - opened) / 1000;
    expect(resume?.event).toBe("resume");
    expect(resume?.id).toBe(live?.id);
    expect(await stream.next()).toBeNull();
    expect(lasted).toBeGreaterThan(STREAM_SECONDS - 1);
    figure("serverless stream lifetime", { configured_s: STREAM_SECONDS, lasted_s: Number(lasted.toFixed(2)) });

    // Written while no stream was open: the resumed stream replays it, and nothing twice.
    const second = await writer("POST", "/api/v1/agents", agentInput());
    const resumed = await open(resume?.id);
    expect((await resumed.next())?.event).toBe("ready");
    const replayed = await resumed.nextEvent();
    expect(JSON.parse(replayed?.data ?? "{}").agent_id).toBe(second.json.id);
    await resumed.cancel();
  });
});
