import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminToken, agentWithCredential, api, basic, tokenFor } from "../support/client";
import { echoService } from "../support/echo-service";
import { startGateway } from "../support/nginx";
import { freePort, INVOICES_AUDIENCE, ORDERS_AUDIENCE } from "../support/vigil-process";

const POLICIES = `@id("issue-without-delete")
permit (principal, action == Vigil::Action::"IssueToken", resource)
unless { context.scopes.contains("invoices:delete") };

@id("finance-tenant-42")
permit (principal is Vigil::Agent, action == Vigil::Action::"Call", resource)
when {
  principal.owner == "finance" &&
  resource.template == "/api/tenants/{tenant}/invoices" &&
  resource.hasTag("tenant") && resource.getTag("tenant") == "42"
};

@id("no-deletes")
forbid (principal, action == Vigil::Action::"Call", resource)
when { resource.method == "DELETE" };
`;

/**
 * Runtime policy at the gateway (issue 15): the real nginx asks Vigil's validator, which
 * makes a Cedar `Call` decision for tokens whose audience has a policy set.
 */
describe.each(inject("servers"))("runtime policy at the gateway of $name", ({ baseUrl }) => {
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

  it("lets through what a policy permits, refuses the rest with the deciding policy ids, and only records refusals in shadow mode", async () => {
    const admin = api(baseUrl, await adminToken(baseUrl));
    const setName = `invoices-${new URL(baseUrl).port}`;
    const saved = await admin("POST", `/api/v1/policies/${setName}/versions`, { audience: INVOICES_AUDIENCE, text: POLICIES, routes: ["/api/tenants/{tenant}/invoices"], comment: "finance writes tenant 42 only" });
    expect(saved.status).toBe(201);
    expect(saved.json).toMatchObject({ version: 1, mode: "enforce", policies: ["issue-without-delete", "finance-tenant-42", "no-deletes"] });

    const finance = await agentWithCredential(baseUrl, { owner: "finance", allowed_scopes: ["invoices:read", "invoices:delete"], allowed_resources: [INVOICES_AUDIENCE, ORDERS_AUDIENCE] });
    // IssueToken: the forbidden scope is removed from what is issued; asked alone, it is refused.
    const issued = await fetch(`${baseUrl}/api/v1/token`, { method: "POST", headers: { authorization: basic(finance.clientId, finance.secret), "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "client_credentials", resource: INVOICES_AUDIENCE }) });
    expect(issued.status).toBe(200);
    expect(await issued.json()).toMatchObject({ scope: "invoices:read" });
    const deleteOnly = await fetch(`${baseUrl}/api/v1/token`, { method: "POST", headers: { authorization: basic(finance.clientId, finance.secret), "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "client_credentials", resource: INVOICES_AUDIENCE, scope: "invoices:delete" }) });
    expect(deleteOnly.status).toBe(400);
    expect(await deleteOnly.json()).toMatchObject({ error: "invalid_scope", error_description: `Refused by policy set ${setName} (reason: no-permit).` });
    const token = await tokenFor(baseUrl, finance.clientId, finance.secret, { resource: INVOICES_AUDIENCE, scope: "invoices:read" });
    const call = (method: string, path: string, bearer = token) => fetch(`${gateway.base}${path}`, { method, headers: { authorization: `Bearer ${bearer}` } });

    const seen = service.seen.length;
    expect((await call("GET", "/api/tenants/42/invoices")).status).toBe(200);
    expect((await call("POST", "/api/tenants/42/invoices")).status).toBe(200);
    const otherTenant = await call("GET", "/api/tenants/43/invoices");
    expect(otherTenant.status).toBe(403);
    expect(otherTenant.headers.get("x-vigil-policy")).toBe(`${setName}@1; reason=no-permit`);
    const deleting = await call("DELETE", "/api/tenants/42/invoices");
    expect(deleting.status).toBe(403);
    expect(deleting.headers.get("x-vigil-policy")).toBe(`${setName}@1; reason=no-deletes`);
    const unmatched = await call("GET", "/api/other");
    expect(unmatched.status).toBe(403);
    // A path no route template matches is said apart.
    expect(unmatched.headers.get("x-vigil-policy")).toBe(`${setName}@1; reason=no-permit; route=none`);
    // Only what was allowed reached the service.
    expect(service.seen.length - seen).toBe(2);

    // Another agent, same audience: not in finance.
    const other = await agentWithCredential(baseUrl, { owner: "marketing", allowed_scopes: ["invoices:read"], allowed_resources: [INVOICES_AUDIENCE] });
    expect((await call("GET", "/api/tenants/42/invoices", await tokenFor(baseUrl, other.clientId, other.secret, { resource: INVOICES_AUDIENCE }))).status).toBe(403);
    // An audience with no set is not governed.
    expect((await call("GET", "/api/tenants/43/invoices", await tokenFor(baseUrl, finance.clientId, finance.secret, { resource: ORDERS_AUDIENCE }))).status).toBe(200);

    // Shadow mode: the same refusal is recorded, not enforced.
    const shadow = await admin("POST", `/api/v1/policies/${setName}/versions`, { audience: INVOICES_AUDIENCE, text: POLICIES, routes: ["/api/tenants/{tenant}/invoices"], mode: "shadow", comment: "canary", base_version: 1 });
    expect(shadow.status).toBe(201);
    await expect.poll(async () => (await call("DELETE", "/api/tenants/42/invoices")).status).toBe(200);
    const denied = await admin("GET", `/api/v1/audit?q=${encodeURIComponent(`kind = policy.denied and meta.set = "${setName}"`)}`);
    const events = denied.json.events as { outcome: string; metadata: Record<string, unknown> }[];
    expect(events.some((e) => e.metadata.enforced === false && e.metadata.reason === "no-deletes" && e.metadata.version === 2)).toBe(true);
    expect(events.some((e) => e.metadata.enforced === true && e.metadata.reason === "no-permit" && e.metadata.action === "Call")).toBe(true);
    // Never the policy text in the log.
    expect(JSON.stringify(events)).not.toContain("principal.owner");

    // Rollback to version 1 enforces again.
    expect((await admin("POST", `/api/v1/policies/${setName}/rollback`, { version: 1 })).status).toBe(200);
    await expect.poll(async () => (await call("DELETE", "/api/tenants/42/invoices")).status).toBe(403);
  });

  it("refuses a set that does not validate with the line and column of each problem, and a viewer's change", async () => {
    const admin = api(baseUrl, await adminToken(baseUrl));
    const bad = await admin("POST", "/api/v1/policies/broken/versions", { audience: "https://broken.example/", text: 'permit (principal is Vigil::Agent, action, resource)\nwhen { principal.ownr == "x" };', comment: "typo" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    expect(bad.json).toMatchObject({ errors: [{ path: "text", line: 2, column: 8, message: expect.stringMatching(/^2:8: .*ownr/) }] });
    expect((await admin("GET", "/api/v1/policies/broken")).status).toBe(404);
  });

  it("refuses 10,000 policies, text over 1 MiB and a body over the limit, and the version before keeps serving", async () => {
    const admin = api(baseUrl, await adminToken(baseUrl));
    const name = `big-${new URL(baseUrl).port}`;
    const audience = "https://big.example/";
    expect((await admin("POST", `/api/v1/policies/${name}/versions`, { audience, text: '@id("all") permit (principal, action, resource);', comment: "first" })).status).toBe(201);
    const many = Array.from({ length: 10_000 }, (_, i) => `@id("p${i}") permit (principal, action, resource);`).join("\n");
    const tooMany = await admin("POST", `/api/v1/policies/${name}/versions`, { audience, text: many, comment: "ten thousand", base_version: 1 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.detail).toMatch(/at most 5000 policies; this one has 10000/);
    const megabyte = `// ${"x".repeat(1024 * 1024)}\n@id("all") permit (principal, action, resource);`;
    const tooLong = await admin("POST", `/api/v1/policies/${name}/versions`, { audience, text: megabyte, comment: "a megabyte", base_version: 1 });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.json)).toMatch(/text/);
    const tooBig = await fetch(`${baseUrl}/api/v1/policies/${name}/versions`, { method: "POST", headers: { authorization: `Bearer ${await adminToken(baseUrl)}`, "content-type": "application/json" }, body: JSON.stringify({ audience, text: "x".repeat(3 * 1024 * 1024), comment: "huge" }) });
    expect(tooBig.status).toBe(413);
    const current = await admin("GET", `/api/v1/policies/${name}`);
    expect(current.json).toMatchObject({ version: 1, policies: ["all"] });
    expect((current.json.versions as unknown[]).length).toBe(1);
    // Drafts are checked without saving, every problem at its line and column.
    const checked = await admin("POST", "/api/v1/policy-validations", { text: 'permit (principal, action, resource);\npermit (principal is Vigil::Robot, action, resource);' });
    expect(checked.status).toBe(200);
    expect(checked.json).toMatchObject({ valid: false, problems: [{ line: 2, column: expect.any(Number), message: expect.stringMatching(/Robot/) }] });
    expect((await admin("POST", "/api/v1/policy-validations", { text: many })).json).toMatchObject({ valid: false, problems: [{ message: expect.stringMatching(/at most 5000/) }] });
  });
});
