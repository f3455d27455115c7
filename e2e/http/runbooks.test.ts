import { describe, expect, inject, it } from "vitest";
import { adminToken, agentWithCredential, basic } from "../support/client";

/**
 * The seed's agent identity runbook (deployment guide §6), replayed as written: the same
 * methods, paths and bodies its curl commands send, and the fields its reader looks at.
 * The autoheal guide's commands are replayed in runbooks-autoheal.test.ts.
 */
describe.each(inject("servers"))("the agent identity runbook on $name", ({ baseUrl }) => {
  // curl -X <method> http://<host><path> -H "Authorization: Bearer <token>" -H "Content-Type: application/json" -d '<body>'
  const curl = async (method: string, path: string, token: string | null, body?: string) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  it("Health Check: curl http://<host>/health reads status and postgres", async () => {
    for (const path of ["/health", "/api/health"]) {
      const health = await curl("GET", path, null);
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ status: "ok", postgres: "connected" });
    }
  });

  it("Revoke All Tokens for a Compromised Agent: PATCH status, list credentials, DELETE each; audited as the verbs are", async () => {
    const token = await adminToken(baseUrl);
    const agent = await agentWithCredential(baseUrl);
    const issue = () =>
      fetch(`${baseUrl}/api/v1/token`, { method: "POST", headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials" });
    expect((await issue()).status).toBe(200);

    // curl -X PATCH http://<host>/api/v1/agents/<agentId> … -d '{"status": "suspended"}'
    const suspended = await curl("PATCH", `/api/v1/agents/${agent.id}`, token, '{"status": "suspended"}');
    expect(suspended.status).toBe(200);
    expect(suspended.json).toMatchObject({ id: agent.id, status: "suspended" });
    expect((await issue()).status).toBe(401);
    // "active" reactivates; a status with other fields is refused, saying why.
    expect((await curl("PATCH", `/api/v1/agents/${agent.id}`, token, '{"status": "active"}')).json).toMatchObject({ status: "active" });
    const mixed = await curl("PATCH", `/api/v1/agents/${agent.id}`, token, '{"status": "suspended", "owner": "x"}');
    expect(mixed.status).toBe(400);
    expect(JSON.stringify(mixed.json)).toContain("Change status alone");
    const unknown = await curl("PATCH", `/api/v1/agents/${agent.id}`, token, '{"status": "paused"}');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.json)).toContain("status is suspended, active or decommissioned");

    // # List credentials
    // curl http://<host>/api/v1/agents/<agentId>/credentials -H "Authorization: Bearer <token>"
    const listed = await curl("GET", `/api/v1/agents/${agent.id}/credentials`, token);
    expect(listed.status).toBe(200);
    const creds = (listed.json.credentials ?? listed.json.items) as { id: string; status: string }[];
    expect(creds.map((c) => c.id)).toContain(agent.credentialId);
    // # Revoke each active credential
    // curl -X DELETE http://<host>/api/v1/agents/<agentId>/credentials/<credentialId> -H "Authorization: Bearer <token>"
    for (const c of creds.filter((c) => c.status === "active")) {
      const revoked = await curl("DELETE", `/api/v1/agents/${agent.id}/credentials/${c.id}`, token);
      expect(revoked.status).toBe(200);
    }
    expect((await issue()).status).toBe(401);

    expect((await curl("PATCH", `/api/v1/agents/${agent.id}`, token, '{"status": "decommissioned"}')).json).toMatchObject({ status: "decommissioned" });

    // ### Read Audit Logs for an Incident
    // curl "http://<host>/api/v1/audit?agentId=<agentId>&startDate=…&endDate=…" -H "Authorization: Bearer <token>"
    const start = new Date(Date.now() - 3600_000).toISOString();
    const end = new Date(Date.now() + 60_000).toISOString();
    const audit = await curl("GET", `/api/v1/audit?agentId=${agent.id}&startDate=${start}&endDate=${end}`, token);
    expect(audit.status).toBe(200);
    const events = audit.json.events as Record<string, unknown>[];
    // Newest first, each with the fields the runbook names.
    const actions = events.map((e) => e.action);
    expect(actions.indexOf("agent.decommissioned")).toBeLessThan(actions.indexOf("credential.revoked"));
    expect(actions.indexOf("credential.revoked")).toBeLessThan(actions.indexOf("agent.reactivated"));
    expect(actions.indexOf("agent.reactivated")).toBeLessThan(actions.indexOf("agent.suspended"));
    for (const e of events) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(["eventId", "agentId", "action", "outcome", "ipAddress", "userAgent", "metadata", "timestamp"]));
      expect(e.agentId).toBe(agent.id);
      expect(e.eventId).toBe(e.id);
      expect(Date.parse(String(e.timestamp))).toBeGreaterThanOrEqual(Date.parse(start));
    }
  });
});
