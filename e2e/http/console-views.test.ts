import { describe, expect, inject, it } from "vitest";
import { adminToken, agentWithCredential, api, tokenFor } from "../support/client";

describe.each(inject("servers"))("console views API on $name", ({ baseUrl }) => {
  it("counts a token issued and a refused one in the overview and the agent's usage", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    const before = (await call("GET", "/api/v1/overview")).json as { tokens_issued: number; auth_failures: number; active_agents: number };
    const agent = await agentWithCredential(baseUrl);
    await tokenFor(baseUrl, agent.clientId, agent.secret);
    await expect(tokenFor(baseUrl, agent.clientId, "wrong-secret")).rejects.toThrow(/401/);

    const after = await call("GET", "/api/v1/overview");
    expect(after.status).toBe(200);
    expect(after.json).toMatchObject({
      // The admin token for this test is itself a token.issued event.
      tokens_issued: before.tokens_issued + 2,
      auth_failures: before.auth_failures + 1,
      active_agents: before.active_agents + 1,
      actions: { target: 0.95 },
      autoheal: { enabled: expect.any(Boolean), dry_run: expect.any(Boolean) },
    });
    expect(after.json.hours).toHaveLength(25);

    const usage = await call("GET", `/api/v1/agents/${agent.id}/usage`);
    expect(usage.status).toBe(200);
    const days = usage.json.days as { day: string; tokens: number }[];
    expect(days).toHaveLength(14);
    expect(days.at(-1)).toEqual({ day: new Date().toISOString().slice(0, 10), tokens: 1 });
    expect(usage.json).toMatchObject({ quota: null, last_seen_at: expect.any(String) });
  });

  it("answers 404 for an agent that does not exist or an id that is not one", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    for (const id of ["4f0c0000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const res = await call("GET", `/api/v1/agents/${id}/usage`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  it("refuses a caller holding agents:read but not audit:read", async () => {
    const reader = await agentWithCredential(baseUrl, { allowed_scopes: ["agents:read"] });
    const call = api(baseUrl, await tokenFor(baseUrl, reader.clientId, reader.secret));
    const usage = await call("GET", `/api/v1/agents/${reader.id}/usage`);
    expect(usage.status).toBe(403);
    expect(usage.json.detail).toMatch(/audit:read/);
    expect((await call("GET", "/api/v1/overview")).status).toBe(403);
  });
});
