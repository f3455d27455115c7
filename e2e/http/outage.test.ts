import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { adminToken, agentWithCredential, api, basic } from "../support/client";
import { TcpRelay } from "../support/tcp-relay";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

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

  beforeAll(async () => {
    if (!adminUrl) return;
    const db = await createPostgresDatabase(adminUrl);
    dropDb = db.drop;
    const direct = new URL(db.url);
    relay = await TcpRelay.start(`http://${direct.hostname}:${direct.port || "5432"}`);
    const viaRelay = new URL(db.url);
    viaRelay.host = new URL(relay.url).host;
    vigil = await startVigil("outage", productionEnv(await freePort(), { url: viaRelay.toString() }));
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

    // Known to be down now: the next requests are refused before trying, saying since when.
    const listed = await api(vigil.baseUrl, admin)("GET", "/api/v1/agents");
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
});
