import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminToken, agentWithCredential, basic, tokenFor } from "../support/client";
import { DPOP_CHALLENGE } from "../support/dpop";
import { echoService } from "../support/echo-service";
import { startGateway } from "../support/nginx";
import { freePort, ORDERS_AUDIENCE } from "../support/vigil-process";

describe.each(inject("servers"))("nginx gateway in front of $name", ({ baseUrl }) => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let service: Awaited<ReturnType<typeof echoService>>;
  beforeAll(async () => {
    service = await echoService();
    gateway = await startGateway({ vigilPort: Number(new URL(baseUrl).port), servicePort: service.port, listenPort: await freePort() });
  });
  afterAll(async () => {
    await gateway?.stop();
    service?.server.close();
  });

  const through = (path: string, headers: Record<string, string> = {}) => fetch(`${gateway.base}${path}`, { headers });

  it("lets a good token through with the identity headers, overwriting forged ones", async () => {
    const agent = await agentWithCredential(baseUrl, { allowed_scopes: ["svc:read", "svc:write"] });
    const token = await tokenFor(baseUrl, agent.clientId, agent.secret);
    const res = await through("/api/orders?x=1", {
      authorization: `Bearer ${token}`,
      "x-user-id": "forged-admin",
      "x-scopes": "admin",
      "x-request-id": "gw-trace-1",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("gw-trace-1");
    const body = (await res.json()) as { path: string; headers: Record<string, string> };
    expect(body.path).toBe("/api/orders?x=1");
    expect(body.headers["x-user-id"]).toBe(agent.id);
    expect(body.headers["x-scopes"]).toBe("svc:read,svc:write");
    expect(body.headers["x-client-id"]).toBe(agent.clientId);
    expect(body.headers["x-request-id"]).toBe("gw-trace-1");
    expect(service.seen.every((h) => h["x-user-id"] !== "forged-admin")).toBe(true);
  });

  it("accepts tokens minted for a service behind it, and only for the configured audiences", async () => {
    // Registered for both services (agents mint tokens only for their registered resources);
    // the gateway accepts only the one in VALIDATOR_AUDIENCES.
    const agent = await agentWithCredential(baseUrl, { allowed_resources: [ORDERS_AUDIENCE, "https://billing.example.com/"] });
    const orders = await tokenFor(baseUrl, agent.clientId, agent.secret, { resource: ORDERS_AUDIENCE });
    expect((await through("/api/orders", { authorization: `Bearer ${orders}` })).status).toBe(200);
    const other = await tokenFor(baseUrl, agent.clientId, agent.secret, { resource: "https://billing.example.com/" });
    const refused = await through("/api/orders", { authorization: `Bearer ${other}` });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error_description="wrong audience"');
    // A token for the orders service is no key to Vigil's own API.
    const api = await fetch(`${baseUrl}/api/v1/agents`, { headers: { authorization: `Bearer ${orders}` } });
    expect(api.status).toBe(401);
  });

  it("mints no token for a service the agent is not registered for (invalid_target), nor by default for anything but Vigil's API", async () => {
    const agent = await agentWithCredential(baseUrl);
    const res = await fetch(`${baseUrl}/api/v1/token`, {
      method: "POST",
      headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", resource: ORDERS_AUDIENCE }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_target", error_description: expect.stringContaining(ORDERS_AUDIENCE) });
    // Registering the resource (audited as agent.updated) is what opens it.
    const admin = await adminToken(baseUrl);
    const patched = await fetch(`${baseUrl}/api/v1/agents/${agent.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ allowed_resources: [ORDERS_AUDIENCE] }),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ allowed_resources: [ORDERS_AUDIENCE] });
    expect((await through("/api/orders", { authorization: `Bearer ${await tokenFor(baseUrl, agent.clientId, agent.secret, { resource: ORDERS_AUDIENCE })}` })).status).toBe(200);
  });

  it("returns the validator's 401 with its challenge, and never reaches the service", async () => {
    const before = service.seen.length;
    const anonymous = await through("/api/orders", { "x-user-id": "forged" });
    expect(anonymous.status).toBe(401);
    // No credentials: a challenge without an error code (RFC 6750 §3.1), naming the service's
    // own protected-resource metadata as nginx told the validator (RFC 9728).
    const metadata = `${gateway.base}/.well-known/oauth-protected-resource`;
    expect(anonymous.headers.get("www-authenticate")).toBe(`Bearer realm="vigil", resource_metadata="${metadata}", ${DPOP_CHALLENGE}`);
    const garbage = await through("/api/orders", { authorization: "Bearer a.b.c" });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get("www-authenticate")).toContain(`error="invalid_token"`);
    expect(garbage.headers.get("www-authenticate")).toContain(`resource_metadata="${metadata}"`);
    expect(service.seen.length).toBe(before);
    // The metadata document itself is public and comes from the service behind the gateway.
    const published = await fetch(metadata);
    expect(published.status).toBe(200);
    expect(((await published.json()) as { path: string }).path).toBe("/.well-known/oauth-protected-resource");
  });

  it("returns 403 where the location requires a scope the token lacks", async () => {
    const agent = await agentWithCredential(baseUrl);
    const token = await tokenFor(baseUrl, agent.clientId, agent.secret);
    expect((await through("/api/admin/users", { authorization: `Bearer ${token}` })).status).toBe(403);
    const admin = await adminToken(baseUrl);
    expect((await through("/api/admin/users", { authorization: `Bearer ${admin}` })).status).toBe(200);
  });

  it("refuses a token revoked in Vigil within one second", async () => {
    const agent = await agentWithCredential(baseUrl);
    const token = await tokenFor(baseUrl, agent.clientId, agent.secret);
    expect((await through("/api/orders", { authorization: `Bearer ${token}` })).status).toBe(200);
    const revoked = await fetch(`${baseUrl}/api/v1/revoke`, {
      method: "POST",
      headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }),
    });
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    // Poll the visible state (no fixed sleep): the first refused answer ends the wait.
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 1000) {
      status = (await through("/api/orders", { authorization: `Bearer ${token}` })).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it("audits a denial with the original method and URI", async () => {
    await through("/api/secret-report?id=7", { authorization: "Bearer x.y.z" });
    const admin = await adminToken(baseUrl);
    // The denial is written by the batcher after the answer; wait for it to be visible.
    const deadline = Date.now() + 5000;
    let found: Record<string, unknown> | undefined;
    while (!found && Date.now() < deadline) {
      const res = await fetch(`${baseUrl}/api/v1/audit?kind=auth.failed&n=20`, { headers: { authorization: `Bearer ${admin}` } });
      const events = ((await res.json()) as { events: { metadata: Record<string, unknown> }[] }).events;
      found = events.find((e) => e.metadata.original_uri === "/api/secret-report?id=7")?.metadata;
    }
    expect(found).toMatchObject({ endpoint: "validate", original_method: "GET", reason: expect.stringContaining("malformed token") });
  });
});
