import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { adminToken, agentWithCredential, api, basic } from "../support/client";
import { TcpRelay } from "../support/tcp-relay";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";
import { figure } from "./figures";

const adminUrl = process.env.TEST_DATABASE_URL;

/**
 * PostgreSQL going away under a running Vigil (issue 20 item 5): the network between them
 * is a relay the test cuts (open connections closed) and holds (new ones hang, as when the
 * database host is unreachable), then lets through again.
 */
describe.runIf(adminUrl)("a database outage", () => {
  let relay: TcpRelay;
  let vigil: VigilProcess;
  let dropDb: () => Promise<void> = async () => {};
  let directUrl = "";

  beforeAll(async () => {
    if (!adminUrl) return;
    const db = await createPostgresDatabase(adminUrl);
    dropDb = db.drop;
    directUrl = db.url;
    const direct = new URL(db.url);
    relay = await TcpRelay.start(`http://${direct.hostname}:${direct.port || "5432"}`);
    const viaRelay = new URL(db.url);
    viaRelay.host = new URL(relay.url).host;
    // Load without limits: the token test counts every answer.
    vigil = await startVigil("outage", { ...productionEnv(await freePort(), { url: viaRelay.toString() }), RATE_LIMIT_TOKEN_PER_IP: "0", RATE_LIMIT_TOKEN_PER_CLIENT: "0" });
  });
  afterAll(async () => {
    relay?.release();
    await vigil?.stop();
    await relay?.stop();
    await dropDb();
  });

  it("answers 503 with Retry-After in each endpoint's own error shape, reports not ready, and recovers when the database is back", async () => {
    const agent = await agentWithCredential(vigil.baseUrl);
    const token = (body: string) =>
      fetch(`${vigil.baseUrl}/api/v1/token`, { method: "POST", headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" }, body });
    const issued = await token("grant_type=client_credentials");
    expect(issued.status).toBe(200);
    const { access_token: agentToken } = (await issued.json()) as { access_token: string };
    const validate = () => fetch(`${vigil.baseUrl}/api/auth/validate`, { headers: { authorization: `Bearer ${agentToken}` } });
    expect((await validate()).status).toBe(200);
    const admin = await adminToken(vigil.baseUrl);

    relay.hold();
    relay.cut();

    const refused = await token("grant_type=client_credentials");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await refused.json()).toMatchObject({ error: "temporarily_unavailable" });

    // Known to be down once an attempt to connect has failed. The cut may fail the first
    // request on a pooled connection closed under it, which alone does not mark the database
    // down (one dropped connection is not an outage); the next request to connect does. From
    // then on requests are refused before trying, saying since when.
    const list = () => api(vigil.baseUrl, admin)("GET", "/api/v1/agents");
    await expect.poll(async () => String(((await list()).json as { detail?: unknown }).detail), { timeout: 20_000 }).toMatch(/unreachable since/);
    const listed = await list();
    expect(listed.status).toBe(503);
    expect(listed.headers.get("content-type")).toBe("application/problem+json");
    expect(listed.headers.get("retry-after")).toBe("5");
    expect(listed.json).toMatchObject({ detail: expect.stringMatching(/^The database has been unreachable since \d{4}-/) });
    const again = await token("grant_type=client_credentials");
    expect(again.status).toBe(503);
    expect(await again.json()).toMatchObject({ error: "temporarily_unavailable", error_description: expect.stringMatching(/unreachable since/) });

    // The gateway keeps letting known tokens through: the validator reads memory only.
    expect((await validate()).status).toBe(200);

    const ready = await fetch(`${vigil.baseUrl}/api/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: "not_ready", checks: { database: false } });

    relay.release();
    await expect.poll(async () => (await fetch(`${vigil.baseUrl}/api/ready`)).status, { timeout: 15_000 }).toBe(200);
    await expect.poll(async () => (await token("grant_type=client_credentials")).status, { timeout: 15_000 }).toBe(200);
    expect(vigil.output()).not.toMatch(/"msg":"unhandled error"/);
  });

  it("PostgreSQL restarting under token load: only 200s and fast 503s, every 200 audited, tokens again soon after it is back", { timeout: 60_000 }, async () => {
    const agent = await agentWithCredential(vigil.baseUrl);
    const form = { method: "POST", headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials" };
    type Outcome = { status: number; at: number; ms: number; jti?: string; error?: string };
    const outcomes: Outcome[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        const started = performance.now();
        const res = await fetch(`${vigil.baseUrl}/api/v1/token`, form);
        const body = (await res.json()) as { access_token?: string; error?: string };
        const jti = body.access_token ? (JSON.parse(Buffer.from(body.access_token.split(".")[1] ?? "", "base64url").toString()) as { jti: string }).jti : undefined;
        outcomes.push({ status: res.status, at: performance.now(), ms: performance.now() - started, ...(jti ? { jti } : {}), ...(body.error ? { error: body.error } : {}) });
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    const count = (from: number, status: number) => outcomes.filter((o) => o.at >= from && o.status === status).length;

    await expect.poll(() => count(0, 200)).toBeGreaterThanOrEqual(100);
    // Down as a restart is: connections cut, new ones refused. Held until 200 requests were refused.
    const downAt = performance.now();
    await relay.down();
    await expect.poll(() => count(downAt, 503), { timeout: 20_000 }).toBeGreaterThanOrEqual(200);
    const upAt = performance.now();
    await relay.up();
    await expect.poll(() => count(upAt, 200), { timeout: 20_000 }).toBeGreaterThanOrEqual(100);
    running = false;
    await Promise.all(workers);

    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set([200, 503]));
    expect(outcomes.filter((o) => o.status === 503).every((o) => o.error === "temporarily_unavailable")).toBe(true);
    // Every token answered 200 was audited, through the outage too.
    const issued = outcomes.flatMap((o) => (o.jti ? [o.jti] : []));
    const direct = postgres(directUrl, { max: 1, onnotice: () => {} });
    let unaudited: string[];
    try {
      const rows = await direct<{ jti: string }[]>`select metadata->>'jti' as jti from audit_events where kind = 'token.issued' and agent_id = ${agent.id}`;
      const audited = new Set(rows.map((r) => r.jti));
      unaudited = issued.filter((jti) => !audited.has(jti));
    } finally {
      await direct.end();
    }
    expect(unaudited).toEqual([]);

    const refused = outcomes.filter((o) => o.status === 503).map((o) => o.ms).sort((a, b) => a - b);
    const firstBack = outcomes.find((o) => o.at >= upAt && o.status === 200);
    figure("PostgreSQL restart under token load (4 clients)", {
      tokens_200: issued.length,
      refused_503: refused.length,
      other_statuses: outcomes.filter((o) => o.status !== 200 && o.status !== 503).length,
      unaudited_200: unaudited.length,
      refused_p50_ms: Math.round(refused[Math.floor(refused.length / 2)] ?? 0),
      refused_max_ms: Math.round(refused.at(-1) ?? 0),
      first_token_after_back_ms: Math.round((firstBack?.at ?? upAt) - upAt),
    });
  });
});
