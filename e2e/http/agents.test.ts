import { describe, expect, inject, it } from "vitest";
import { adminToken, agentInput, agentWithCredential, api, tokenFor } from "../support/client";
import { DPOP_CHALLENGE } from "../support/dpop";

describe.each(inject("servers"))("agents API on $name", ({ baseUrl }) => {
  it("creates, reads, updates, lists and walks the status of an agent", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    const created = await call("POST", "/api/v1/agents", agentInput({ owner: "team-x" }));
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect((await call("GET", `/api/v1/agents/${id}`)).json).toMatchObject({ id, status: "active", owner: "team-x" });
    expect((await call("PATCH", `/api/v1/agents/${id}`, { deployment_env: "prod" })).json).toMatchObject({ deployment_env: "prod" });
    const list = await call("GET", `/api/v1/agents?owner=team-x&limit=1`);
    expect(list.status).toBe(200);
    expect((list.json.agents as { id: string }[])[0]?.id).toBe(id);
    expect((await call("POST", `/api/v1/agents/${id}/suspend`)).json).toMatchObject({ status: "suspended" });
    expect((await call("POST", `/api/v1/agents/${id}/reactivate`)).json).toMatchObject({ status: "active" });
    expect((await call("POST", `/api/v1/agents/${id}/decommission`)).json).toMatchObject({ status: "decommissioned" });
    const again = await call("POST", `/api/v1/agents/${id}/reactivate`);
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(again.json).toMatchObject({ status: 409, title: "Conflict", detail: "Cannot reactivate an agent that is decommissioned." });
  });

  it.each([
    ["malformed JSON", "{not json", 400, /not valid JSON/],
    ["an unknown field", JSON.stringify({ ...agentInput(), colour: "blue" }), 400, /unknown field: colour/],
    ["a wrong type", JSON.stringify({ ...agentInput(), allowed_scopes: "svc:read" }), 400, /allowed_scopes/],
    ["a JSON array", "[]", 400, /must be a JSON object/],
    ["a NUL character in a field", JSON.stringify({ ...agentInput(), owner: "a\u0000b" }), 400, /NUL character/],
    ["an oversized body", JSON.stringify({ ...agentInput(), name: "x".repeat(70_000) }), 413, /limit/],
  ])("answers %s with problem+json saying what is wrong", async (_label, body, status, detail) => {
    const call = api(baseUrl, await adminToken(baseUrl));
    const res = await call("POST", "/api/v1/agents", body);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.json.detail).toMatch(detail);
    expect(res.json.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("answers unknown ids with 404, wrong methods with 405, and a JSON body of another type with 415", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    expect((await call("GET", "/api/v1/agents/4f0c0000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await call("GET", "/api/v1/agents/not-a-uuid")).status).toBe(404);
    const wrong = await call("DELETE", "/api/v1/agents");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, POST");
    const text = await call("POST", "/api/v1/agents", "name=x", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
    const nul = await call("GET", "/api/v1/agents?search=%00");
    expect(nul.status).toBe(400);
    expect(nul.json.detail).toMatch(/NUL character/);
  });

  it("refuses anonymous callers (401, naming the cause) and callers without the scope (403)", async () => {
    const anonymous = await api(baseUrl, null)("GET", "/api/v1/agents");
    expect(anonymous.status).toBe(401);
    // RFC 6750 §3.1: no credentials, no error code; RFC 9728: where to learn how to get a token.
    expect(anonymous.headers.get("www-authenticate")).toBe(`Bearer realm="vigil", resource_metadata="${baseUrl}/.well-known/oauth-protected-resource", ${DPOP_CHALLENGE}`);
    expect(anonymous.json.detail).toMatch(/missing bearer token/);
    const garbage = await api(baseUrl, "abc.def.ghi")("GET", "/api/v1/agents");
    expect(garbage.headers.get("www-authenticate")).toMatch(/error_description="malformed token"/);

    const plain = await agentWithCredential(baseUrl);
    const weak = api(baseUrl, await tokenFor(baseUrl, plain.clientId, plain.secret));
    const denied = await weak("POST", "/api/v1/agents", agentInput());
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toBe('Bearer realm="vigil", error="insufficient_scope", scope="agents:write"');

    const reader = await agentWithCredential(baseUrl, { allowed_scopes: ["agents:read"] });
    const readerCall = api(baseUrl, await tokenFor(baseUrl, reader.clientId, reader.secret));
    expect((await readerCall("GET", "/api/v1/agents")).status).toBe(200);
    expect((await readerCall("POST", "/api/v1/agents", agentInput())).status).toBe(403);
  });

  it("refuses a token for another audience on the admin API", async () => {
    const admin = await agentWithCredential(baseUrl, { allowed_scopes: ["agents:read"], allowed_resources: [baseUrl, "https://other.example.com/"] });
    const foreign = await tokenFor(baseUrl, admin.clientId, admin.secret, { resource: "https://other.example.com/" });
    const res = await api(baseUrl, foreign)("GET", "/api/v1/agents");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/wrong audience/);
  });

  it("manages credentials: the secret is shown once, never listed, rotation and revocation work", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    const agent = await agentWithCredential(baseUrl);
    const listed = await call("GET", `/api/v1/agents/${agent.id}/credentials`);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.json)).not.toContain(agent.secret);
    expect(JSON.stringify(listed.json)).not.toMatch(/secret_hash|client_secret"/);

    const rotated = await call("POST", `/api/v1/agents/${agent.id}/credentials/${agent.credentialId}/rotate`, { grace_seconds: 30 });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get("cache-control")).toBe("no-store");
    const newSecret = rotated.json.client_secret as string;
    expect(await tokenFor(baseUrl, agent.clientId, agent.secret)).toBeTruthy();
    expect(await tokenFor(baseUrl, agent.clientId, newSecret)).toBeTruthy();

    expect((await call("POST", `/api/v1/agents/${agent.id}/credentials/${agent.credentialId}/revoke`)).json).toMatchObject({ status: "revoked" });
    await expect(tokenFor(baseUrl, agent.clientId, newSecret)).rejects.toThrow(/401/);
    expect((await call("POST", `/api/v1/agents/${agent.id}/credentials/nope/revoke`)).status).toBe(404);
    expect((await call("POST", `/api/v1/agents/${agent.id}/credentials/${agent.credentialId}/rotate`, { grace_seconds: -1 })).status).toBe(400);
  });

  it("lists audit events newest first with filters, and never shows a secret", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    const agent = await agentWithCredential(baseUrl);
    await tokenFor(baseUrl, agent.clientId, agent.secret);
    const res = await call("GET", `/api/v1/audit?agentId=${agent.id}&n=10`);
    expect(res.status).toBe(200);
    const events = res.json.events as { id: string; kind: string; ts: string }[];
    expect(events.map((e) => e.kind)).toEqual(["token.issued", "credential.generated", "agent.created"]);
    expect(Number(events[0]?.id)).toBeGreaterThan(Number(events[1]?.id));
    expect(JSON.stringify(res.json)).not.toContain(agent.secret);

    const page = await call("GET", `/api/v1/audit?agentId=${agent.id}&n=2`);
    const next = await call("GET", `/api/v1/audit?agentId=${agent.id}&n=2&cursor=${String(page.json.next_cursor)}`);
    expect((next.json.events as { kind: string }[]).map((e) => e.kind)).toEqual(["agent.created"]);
    expect(next.json.next_cursor).toBeNull();
    expect((await call("GET", "/api/v1/audit?startDate=yesterday")).status).toBe(400);
    expect((await call("GET", "/api/v1/audit?n=abc")).status).toBe(400);
    const clamped = await call("GET", "/api/v1/audit?n=5000");
    expect(clamped.status).toBe(200);
    expect((clamped.json.events as unknown[]).length).toBeLessThanOrEqual(1000);
  });
});
