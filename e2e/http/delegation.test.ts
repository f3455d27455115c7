import { createRemoteJWKSet, decodeJwt, importJWK, jwtVerify, SignJWT } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminToken, agentWithCredential, api, basic } from "../support/client";
import { echoService } from "../support/echo-service";
import { startGateway } from "../support/nginx";
import { personToken } from "../support/person-token";
import { freePort, ORDERS_AUDIENCE, PEOPLE_AUDIENCE } from "../support/vigil-process";

const idp = inject("idp");
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const AT = "urn:ietf:params:oauth:token-type:access_token";
const ALICE = "viewer-finance-alice";
const personIdOf = (sub: string) => `${idp.issuer}#${encodeURIComponent(sub)}`;

/**
 * Delegation end to end with real parts: the organisation's provider (oidc-provider) issues
 * people's tokens through its login and consent pages, the agent exchanges them with
 * openid-client (RFC 8693 generic grant, discovered from Vigil's RFC 8414 metadata), and
 * Debian's nginx hands the chain to the service behind it.
 */
describe.each(inject("servers"))("delegation on $name", ({ baseUrl }) => {
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

  /** An invoices agent registered for the orders service and Vigil's API. */
  const invoiceAgent = () =>
    agentWithCredential(baseUrl, { allowed_scopes: ["invoices:read", "invoices:write", "agents:read", "agents:write"], allowed_resources: [ORDERS_AUDIENCE, baseUrl] });
  /** The agent as openid-client sees Vigil: discovered, client_secret_basic. */
  const clientOf = (agent: { clientId: string; secret: string }) =>
    oidc.discovery(new URL(baseUrl), agent.clientId, agent.secret, oidc.ClientSecretBasic(agent.secret), { execute: [oidc.allowInsecureRequests], algorithm: "oauth2" });
  /** A person grants through Vigil's API with their own provider token (or the console). */
  const grantAs = async (personTokenValue: string, body: Record<string, unknown>) => {
    const res = await api(baseUrl, personTokenValue)("POST", "/api/v1/delegations", body);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.json as { id: string };
  };
  const exchangeRaw = (agent: { clientId: string; secret: string }, fields: Record<string, string>) =>
    fetch(`${baseUrl}/api/v1/token`, {
      method: "POST",
      headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: EXCHANGE, subject_token_type: AT, ...fields }),
    });

  it("publishes RFC 8414 metadata with the token-exchange grant and an issuer equal to the tokens' iss", async () => {
    const agent = await invoiceAgent();
    const config = await clientOf(agent);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(baseUrl);
    expect(metadata.grant_types_supported).toContain(EXCHANGE);
    const openid = (await (await fetch(`${baseUrl}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(openid.issuer).toBe(metadata.issuer);
  });

  it("lets Alice delegate invoices:read; the agent's exchanged token reaches the service through nginx with every hop named", async () => {
    const agent = await invoiceAgent();
    const alice = await personToken(idp, ALICE, "invoices:read invoices:write");
    const grant = await grantAs(alice, { agent_id: agent.id, scopes: ["invoices:read"], resources: [ORDERS_AUDIENCE], expires_in: 3600 });

    const tokens = await oidc.genericGrantRequest(await clientOf(agent), EXCHANGE, { subject_token: alice, subject_token_type: AT, resource: ORDERS_AUDIENCE });
    expect(tokens).toMatchObject({ token_type: "bearer", issued_token_type: AT, scope: "invoices:read" });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`)), {
      issuer: baseUrl,
      audience: ORDERS_AUDIENCE,
      typ: "at+jwt",
    });
    expect(payload).toMatchObject({ sub: personIdOf(ALICE), act: { sub: agent.id, client_id: agent.clientId }, delegation_ids: [grant.id] });
    // Never outlives the person's own token.
    expect(payload.exp).toBeLessThanOrEqual(decodeJwt(alice).exp ?? 0);

    const res = await fetch(`${gateway.base}/api/invoices`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, "x-actor-chain": "forged", "x-delegation-id": "forged" },
    });
    expect(res.status).toBe(200);
    const seen = ((await res.json()) as { headers: Record<string, string> }).headers;
    expect(seen).toMatchObject({ "x-user-id": personIdOf(ALICE), "x-actor-chain": agent.id, "x-scopes": "invoices:read", "x-delegation-id": grant.id });

    // Introspection names the actor and the grant; revoking the grant refuses the token at once.
    const introspect = async () =>
      (await (
        await fetch(`${baseUrl}/api/v1/introspect`, {
          method: "POST",
          headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ token: tokens.access_token }),
        })
      ).json()) as Record<string, unknown>;
    expect(await introspect()).toMatchObject({ active: true, sub: personIdOf(ALICE), act: { sub: agent.id }, delegation_id: grant.id });
    const revoked = await api(baseUrl, alice)("DELETE", `/api/v1/delegations/${grant.id}`);
    expect(revoked.status).toBe(200);
    const refused = await fetch(`${gateway.base}/api/invoices`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain("delegation revoked");
    expect(await introspect()).toEqual({ active: false });
  });

  it("decides a delegated token at the gateway as the person it names, by the groups their provider's token carried", async () => {
    const admin = api(baseUrl, await adminToken(baseUrl));
    const set = `people-${new URL(baseUrl).port}`;
    const saved = await admin("POST", `/api/v1/policies/${set}/versions`, {
      audience: PEOPLE_AUDIENCE,
      text: `@id("tokens") permit (principal, action in [Vigil::Action::"IssueToken", Vigil::Action::"ExchangeToken"], resource);
@id("finance-through-agents") permit (principal is Vigil::Person, action == Vigil::Action::"Call", resource) when { principal.groups.contains("finance") && context has actor };`,
      comment: "finance people, through an agent",
    });
    expect(saved.status).toBe(201);
    const agent = await agentWithCredential(baseUrl, { allowed_scopes: ["invoices:read"], allowed_resources: [PEOPLE_AUDIENCE] });
    const through = async (login: string) => {
      const person = await personToken(idp, login, "invoices:read");
      expect((await grantAs(person, { agent_id: agent.id, scopes: ["invoices:read"], resources: [PEOPLE_AUDIENCE] })).id).toEqual(expect.any(String));
      const tokens = await oidc.genericGrantRequest(await clientOf(agent), EXCHANGE, { subject_token: person, subject_token_type: AT, resource: PEOPLE_AUDIENCE });
      return fetch(`${gateway.base}/api/invoices`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    };
    // The refusal first: it proves the set is in force, so the allow after it is the groups' doing.
    const sales = await through("viewer-sales-sam");
    expect(sales.status).toBe(403);
    expect(sales.headers.get("x-vigil-policy")).toBe(`${set}@1; reason=no-permit`);
    const finance = await through("viewer-finance-dana");
    expect(finance.status).toBe(200);
  });

  it("records a delegated caller's writes as the person, with the agent chain in a field the query language filters on", async () => {
    const agent = await invoiceAgent();
    const carol = await personToken(idp, "operator-finance-carol", "invoices:read");
    await grantAs(carol, { agent_id: agent.id, scopes: ["agents:read", "agents:write"], resources: [baseUrl] });
    const tokens = await oidc.genericGrantRequest(await clientOf(agent), EXCHANGE, { subject_token: carol, subject_token_type: AT, resource: baseUrl });
    expect(tokens.scope).toBe("agents:read agents:write");
    const asCarol = api(baseUrl, tokens.access_token);
    // The intersection: what Carol (operator) and the agent both hold, nothing of admin's.
    expect((await asCarol("GET", "/api/v1/agents")).status).toBe(200);
    expect((await asCarol("POST", "/api/v1/audit/checkpoints")).status).toBe(403);
    const patched = await asCarol("PATCH", `/api/v1/agents/${agent.id}`, { owner: "carol's team" });
    expect(patched.status).toBe(200);
    const admin = api(baseUrl, await adminToken(baseUrl));
    const found = await admin("GET", `/api/v1/audit?q=${encodeURIComponent(`actor_chain=agent:${agent.id} kind=agent.updated`)}`);
    expect(found.json.events).toMatchObject([{ kind: "agent.updated", actor: `user:${personIdOf("operator-finance-carol")}`, actor_chain: [`agent:${agent.id}`] }]);
    const exchanged = await admin("GET", `/api/v1/audit?q=${encodeURIComponent(`kind=token.exchanged agent=${agent.id}`)}`);
    expect(exchanged.json.events).toMatchObject([{ metadata: { person: personIdOf("operator-finance-carol"), chain: [`agent:${agent.id}`], scope: "agents:read agents:write" } }]);
  });

  it("accepts may_act in the provider's token naming the agent, without a grant", async () => {
    const agent = await invoiceAgent();
    const key = await importJWK(idp.signingJwk, "RS256");
    const now = Math.floor(Date.now() / 1000);
    const subject = await new SignJWT({ scope: "invoices:read", may_act: { sub: agent.id } })
      .setProtectedHeader({ alg: "RS256", kid: idp.signingJwk.kid, typ: "at+jwt" })
      .setIssuer(idp.issuer)
      .setAudience(idp.audience)
      .setSubject("dave")
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .sign(key);
    const tokens = await oidc.genericGrantRequest(await clientOf(agent), EXCHANGE, { subject_token: subject, subject_token_type: AT, resource: ORDERS_AUDIENCE });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: personIdOf("dave"), act: { sub: agent.id }, scope: "invoices:read" });
  });

  it.each([
    ["no grant and no may_act", "invalid_grant", async () => ({ subject_token: await personToken(idp, "viewer-finance-erin") }), false],
    ["a subject token for another audience", "invalid_request", async () => ({ subject_token: await personToken(idp, ALICE, "invoices:read", ORDERS_AUDIENCE) }), true],
    ["scope escalation beyond the grant", "invalid_scope", async () => ({ subject_token: await personToken(idp, ALICE), scope: "invoices:write" }), true],
    ["a resource the agent is not registered for", "invalid_target", async () => ({ subject_token: await personToken(idp, ALICE), resource: "https://payroll.example.com/" }), true],
  ] as const)("refuses %s with %s over HTTP, and openid-client surfaces it", async (_label, code, fields, withGrant) => {
    const agent = await invoiceAgent();
    if (withGrant) await grantAs(await personToken(idp, ALICE), { agent_id: agent.id, scopes: ["invoices:read"] });
    const sent = { resource: ORDERS_AUDIENCE, ...(await fields()) };
    const res = await exchangeRaw(agent, sent);
    expect(res.status).toBe(400);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toMatchObject({ error: code, error_description: expect.any(String) });
    const error = await oidc.genericGrantRequest(await clientOf(agent), EXCHANGE, { subject_token_type: AT, ...sent }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oidc.ResponseBodyError);
    expect((error as oidc.ResponseBodyError).error).toBe(code);
  });

  it("refuses a grant of scopes the person does not hold, and one to a suspended agent", async () => {
    const agent = await invoiceAgent();
    const bob = await personToken(idp, "viewer-sales-bob", "invoices:read");
    // Bob's token carries invoices:read (the provider granted it), but not invoices:write.
    const lacking = await api(baseUrl, bob)("POST", "/api/v1/delegations", { agent_id: agent.id, scopes: ["invoices:write"] });
    expect(lacking.status).toBe(403);
    expect(lacking.json.detail).toMatch(/invoices:write/);
    const admin = api(baseUrl, await adminToken(baseUrl));
    expect((await admin("POST", `/api/v1/agents/${agent.id}/suspend`)).status).toBe(200);
    const suspended = await api(baseUrl, bob)("POST", "/api/v1/delegations", { agent_id: agent.id, scopes: ["invoices:read"] });
    expect(suspended.status).toBe(409);
  });
});
