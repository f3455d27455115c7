import { and, count, eq, sql } from "drizzle-orm";
import { calculateThumbprint, generateKeyPair, generateProof, type KeyPair } from "dpop";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, delegationGrants } from "@/drizzle/schema";
import { personId } from "@/lib/access/person";
import { getConfig, setConfig } from "@/lib/config";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { startExternalIssuer, stopExternalIssuer } from "@/lib/keys/external-issuer";
import { jwks } from "@/lib/keys/keyring";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { asClient, basic, oauthError } from "@/lib/testing/oauth";
import { startTestProvider } from "@/lib/testing/provider";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import type { Actor } from "@/lib/access/actor";
import { createAgent } from "../agents/create";
import { suspendAgent } from "../agents/suspend";
import { generateCredential } from "../credentials/generate";
import { issueToken } from "../tokens/issue";
import { tokenInactiveReason } from "../tokens/status";
import { verifyVigilToken } from "../tokens/verify";
import { introspectToken } from "../tokens/introspect";
import { createDelegation } from "./create";
import { listDelegations } from "./list";
import { revokeDelegation } from "./revoke";
import { savePolicySet } from "@/lib/policy/store";
import { startPolicyView } from "@/lib/policy/view";

const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const AT = "urn:ietf:params:oauth:token-type:access_token";
const BILLING = "https://billing.example/";
const API = "urn:vigil:api";
const admin = actorWith("admin");
let seq = 0;

describe.each(testTargets())("delegation (RFC 8693 token exchange) on $name", (target) => {
  let t: TestDatabase;
  let idp: Awaited<ReturnType<typeof startTestProvider>>;
  const original = getConfig();

  /** A person as the console knows them after sign-in: their provider, and what they hold. */
  const personActor = (sub: string, scopes: string[]): Actor => ({
    kind: "user",
    id: sub,
    scopes: new Set(["delegations:read", "delegations:write"]),
    label: `user:${sub}@example.com`,
    person: { issuer: idp.issuer, sub, label: `${sub}@example.com`, scopes: new Set(scopes) },
  });
  const alice = (scopes = ["invoices:read", "invoices:write"]) => personActor("alice", scopes);

  async function agent(extra: Record<string, unknown> = {}) {
    const made = await createAgent(ctxFor(t.handle.db, admin), {
      name: `bot ${++seq}`,
      email: `bot-${seq}-${Math.random().toString(36).slice(2)}@example.com`,
      owner: "finance",
      deployment_env: "prod",
      allowed_scopes: ["invoices:read", "invoices:write"],
      allowed_resources: [BILLING, getConfig().apiAudience],
      ...extra,
    });
    const credential = await generateCredential(ctxFor(t.handle.db, admin), { id: made.id });
    return { id: made.id, clientId: credential.client_id, auth: basic(credential.client_id, credential.client_secret ?? "") };
  }
  const grant = (a: { id: string }, extra: Record<string, unknown> = {}, by = alice()) =>
    createDelegation(ctxFor(t.handle.db, by), { agent_id: a.id, scopes: ["invoices:read"], ...extra });
  const aliceToken = (claims: Record<string, unknown> = {}) => idp.token({ sub: "alice", aud: API, scope: "invoices:read invoices:write", email: "alice@example.com", ...claims });
  const exchange = (a: { auth: string }, fields: Record<string, string>) =>
    asClient(t.handle.db, issueToken, "token", a.auth, { grant_type: EXCHANGE, subject_token_type: AT, ...fields });
  const denied = async (agentId: string) =>
    (await t.handle.db.select({ n: count() }).from(auditEvents).where(and(eq(auditEvents.kind, "delegation.denied"), eq(auditEvents.agentId, agentId))))[0]?.n ?? 0;
  const exchanged = async (agentId: string) =>
    (await t.handle.db.select({ n: count() }).from(auditEvents).where(and(eq(auditEvents.kind, "token.exchanged"), eq(auditEvents.agentId, agentId))))[0]?.n ?? 0;

  beforeAll(async () => {
    idp = await startTestProvider();
    stopExternalIssuer();
    setConfig({ ...original, OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: API, DELEGATION_MAX_DEPTH: 3 });
    await startExternalIssuer();
    t = await openLikeServer(target);
  });
  afterAll(async () => {
    stopExternalIssuer();
    setConfig(original);
    await idp?.close();
    await t?.drop();
  });

  it("issues the person's token through the agent: sub the person, act the agent, the intersection of scopes, audited", async () => {
    const bot = await agent();
    const g = await grant(bot, { scopes: ["invoices:read"], expires_in: 3600 });
    const body = await exchange(bot, { subject_token: await aliceToken(), resource: BILLING });
    expect(body).toMatchObject({ token_type: "Bearer", issued_token_type: AT, scope: "invoices:read" });
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks()), { issuer: getConfig().issuer, audience: BILLING, typ: "at+jwt" });
    expect(payload).toMatchObject({ sub: personId(idp.issuer, "alice"), act: { sub: bot.id, client_id: bot.clientId }, client_id: bot.clientId, delegation_ids: [g.id] });
    // Never longer than the person's own token.
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(300);
    const [event] = await t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.kind, "token.exchanged"), eq(auditEvents.agentId, bot.id)));
    expect(event?.metadata).toMatchObject({ person: personId(idp.issuer, "alice"), chain: [`agent:${bot.id}`], delegation_id: g.id, scope: "invoices:read", dropped: ["invoices:write"] });
    // Introspection names the actor and the grant.
    expect(await asClient(t.handle.db, introspectToken, "introspect", bot.auth, { token: body.access_token })).toMatchObject({
      active: true,
      sub: personId(idp.issuer, "alice"),
      act: { sub: bot.id },
      delegation_id: g.id,
    });
  });

  it("binds the exchanged token to the exchange's DPoP key, and lets only that key's holder exchange a DPoP-bound subject token", async () => {
    const bot = await agent();
    await grant(bot);
    const [key, other] = await Promise.all([generateKeyPair("ES256"), generateKeyPair("ES256")]);
    const jkt = await calculateThumbprint(key.publicKey);
    const tokenUrl = `${getConfig().issuer}/api/v1/token`;
    const withProof = async (keys: KeyPair | null, subject: string) =>
      asClient(t.handle.db, issueToken, "token", bot.auth, { grant_type: EXCHANGE, subject_token_type: AT, subject_token: subject, resource: BILLING }, { proof: keys ? await generateProof(keys, tokenUrl, "POST") : null, method: "POST", url: tokenUrl });
    // An unbound person token exchanged with a proof: the delegated token is bound to the proof's key.
    const bound = await withProof(key, await aliceToken());
    expect(bound.token_type).toBe("DPoP");
    expect(decodeJwt(bound.access_token)).toMatchObject({ cnf: { jkt }, act: { sub: bot.id } });
    // A person token bound to a key (cnf.jkt) is exchanged only by a request proving that key.
    const boundSubject = await aliceToken({ cnf: { jkt } });
    for (const keys of [null, other]) {
      expect(await oauthError(withProof(keys, boundSubject))).toMatchObject({ error: "invalid_request", description: expect.stringMatching(/bound to a DPoP key/) });
    }
    expect(decodeJwt((await withProof(key, boundSubject)).access_token).cnf).toEqual({ jkt });
  });

  it("nests the chain when a second agent exchanges the first one's delegated token, up to the maximum depth", async () => {
    const first = await agent();
    const second = await agent();
    const third = await agent();
    await grant(first);
    await grant(second);
    await grant(third, { max_depth: 2 });
    const a = await exchange(first, { subject_token: await aliceToken(), resource: BILLING });
    const b = await exchange(second, { subject_token: a.access_token, resource: BILLING });
    expect(decodeJwt(b.access_token)).toMatchObject({ sub: personId(idp.issuer, "alice"), act: { sub: second.id, act: { sub: first.id } }, scope: "invoices:read" });
    // A third hop exceeds the third agent's grant (max_depth 2).
    expect(await oauthError(exchange(third, { subject_token: b.access_token, resource: BILLING }))).toMatchObject({ error: "invalid_request", description: expect.stringMatching(/at most 2/) });
    // Suspending an agent anywhere in the chain refuses the chained token at once.
    const claims = await verifyVigilToken(b.access_token);
    expect(await tokenInactiveReason(t.handle.db, claims)).toBeNull();
    await suspendAgent(ctxFor(t.handle.db, admin), { id: first.id });
    expect(await tokenInactiveReason(t.handle.db, claims)).toBe("acting agent suspended");
  });

  it("refuses every token issued under a grant once it is revoked, including further down the chain", async () => {
    const first = await agent();
    const second = await agent();
    const g = await grant(first);
    await grant(second);
    const a = await exchange(first, { subject_token: await aliceToken(), resource: BILLING });
    const b = await exchange(second, { subject_token: a.access_token, resource: BILLING });
    await revokeDelegation(ctxFor(t.handle.db, alice()), { id: g.id });
    expect(await tokenInactiveReason(t.handle.db, await verifyVigilToken(a.access_token))).toBe("delegation revoked");
    expect(await tokenInactiveReason(t.handle.db, await verifyVigilToken(b.access_token))).toBe("delegation revoked");
    expect(await oauthError(exchange(first, { subject_token: await aliceToken(), resource: BILLING }))).toMatchObject({ error: "invalid_grant" });
    await expect(revokeDelegation(ctxFor(t.handle.db, alice()), { id: g.id })).rejects.toBeInstanceOf(ConflictError);
  });

  it("accepts the subject token's may_act naming this agent instead of a grant, and nothing else", async () => {
    const bot = await agent();
    const other = await agent();
    const body = await exchange(bot, { subject_token: await aliceToken({ may_act: { sub: bot.id } }), resource: BILLING });
    expect(decodeJwt(body.access_token)).toMatchObject({ act: { sub: bot.id }, scope: "invoices:read invoices:write" });
    expect(decodeJwt(body.access_token).delegation_ids).toBeUndefined();
    expect(await oauthError(exchange(other, { subject_token: await aliceToken({ may_act: { sub: bot.id } }), resource: BILLING }))).toMatchObject({ error: "invalid_grant" });
  });

  // RFC 8693 §2.2.2 and the issue's list of what must be refused: the error code, a
  // description, nothing issued, and a delegation.denied event.
  it.each([
    ["no grant and no may_act", "invalid_grant", async () => ({ subject_token: await aliceToken() }), { grant: false }],
    ["an expired subject token", "invalid_request", async () => ({ subject_token: await aliceToken({ exp: Math.floor(Date.now() / 1000) - 120 }) }), {}],
    ["a subject token for another audience", "invalid_request", async () => ({ subject_token: await aliceToken({ aud: "urn:someone-else" }) }), {}],
    ["a subject token from an issuer Vigil does not trust", "invalid_request", async () => ({ subject_token: await aliceToken({ iss: "https://evil.example" }) }), {}],
    ["an unsigned subject token", "invalid_request", async () => ({ subject_token: `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"alice"}').toString("base64url")}.` }), {}],
    ["scope escalation beyond the grant", "invalid_scope", async () => ({ subject_token: await aliceToken(), scope: "invoices:write" }), {}],
    ["scope the person does not hold", "invalid_scope", async () => ({ subject_token: await aliceToken({ scope: "invoices:write" }), scope: "invoices:read" }), {}],
    ["a resource the agent is not registered for", "invalid_target", async () => ({ subject_token: await aliceToken(), resource: "https://payroll.example/" }), {}],
    ["a resource outside the grant", "invalid_target", async () => ({ subject_token: await aliceToken(), resource: getConfig().apiAudience }), { resources: [BILLING] }],
    // Malformed requests: refused before the client is even authenticated (the route's
    // precheck), like any malformed OAuth request, so there is no agent to audit against.
    ["an unsupported requested_token_type", "invalid_request", async () => ({ subject_token: await aliceToken(), requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" }), { malformed: true }],
    ["an unsupported subject_token_type", "invalid_request", async () => ({ subject_token: await aliceToken(), subject_token_type: "urn:ietf:params:oauth:token-type:saml2" }), { malformed: true }],
  ] as const)("refuses %s with %s, issuing nothing", async (_label, code, fields, options) => {
    const bot = await agent();
    if (!("grant" in options)) await grant(bot, "resources" in options ? { resources: options.resources } : {});
    const error = await oauthError(exchange(bot, { resource: BILLING, ...(await fields()) }));
    expect(error).toMatchObject({ error: code });
    expect(error?.description.length).toBeGreaterThan(20);
    expect(await exchanged(bot.id)).toBe(0);
    expect(await denied(bot.id)).toBe("malformed" in options ? 0 : 1);
  });

  it("refuses an actor token of another agent, and an agent's own token as the subject", async () => {
    const bot = await agent();
    const other = await agent();
    await grant(bot);
    const otherToken = (await asClient(t.handle.db, issueToken, "token", other.auth, { grant_type: "client_credentials" })).access_token;
    const ownToken = (await asClient(t.handle.db, issueToken, "token", bot.auth, { grant_type: "client_credentials" })).access_token;
    const subject = await aliceToken();
    expect(await oauthError(exchange(bot, { subject_token: subject, actor_token: otherToken, actor_token_type: AT, resource: BILLING }))).toMatchObject({
      error: "invalid_request",
      description: expect.stringMatching(/another agent/),
    });
    expect(await oauthError(exchange(bot, { subject_token: ownToken, resource: BILLING }))).toMatchObject({ error: "invalid_request", description: expect.stringMatching(/names no person/) });
    // The agent's own actor token is accepted.
    expect((await exchange(bot, { subject_token: subject, actor_token: ownToken, actor_token_type: AT, resource: BILLING })).scope).toBe("invoices:read");
  });

  it("refuses an expired grant and a chain deeper than DELEGATION_MAX_DEPTH", async () => {
    const bot = await agent();
    const g = await grant(bot);
    await t.handle.db.update(delegationGrants).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(delegationGrants.id, g.id));
    expect(await oauthError(exchange(bot, { subject_token: await aliceToken(), resource: BILLING }))).toMatchObject({ error: "invalid_grant" });
    setConfig({ ...getConfig(), DELEGATION_MAX_DEPTH: 1 });
    try {
      const a = await agent();
      const b = await agent();
      await grant(a, { max_depth: 1 });
      await grant(b, { max_depth: 1 });
      const first = await exchange(a, { subject_token: await aliceToken(), resource: BILLING });
      expect(await oauthError(exchange(b, { subject_token: first.access_token, resource: BILLING }))).toMatchObject({ error: "invalid_request", description: expect.stringMatching(/at most 1/) });
    } finally {
      setConfig({ ...getConfig(), DELEGATION_MAX_DEPTH: 3 });
    }
  });

  it("lets a person grant only what they hold, never to a suspended agent; admins grant for a named person", async () => {
    const bot = await agent();
    await expect(grant(bot, { scopes: ["invoices:write"] }, alice(["invoices:read"]))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(grant(bot, { person: { issuer: idp.issuer, sub: "bob" } })).rejects.toBeInstanceOf(ForbiddenError);
    const forBob = await createDelegation(ctxFor(t.handle.db, admin), { agent_id: bot.id, scopes: ["invoices:read"], person: { issuer: idp.issuer, sub: "bob", label: "bob@example.com" } });
    expect(forBob.person).toMatchObject({ sub: "bob", label: "bob@example.com", id: personId(idp.issuer, "bob") });
    await expect(createDelegation(ctxFor(t.handle.db, admin), { agent_id: bot.id, scopes: ["invoices:read"] })).rejects.toThrow(/Only a person/);
    const suspended = await agent();
    await suspendAgent(ctxFor(t.handle.db, admin), { id: suspended.id });
    await expect(grant(suspended)).rejects.toBeInstanceOf(ConflictError);
    await expect(grant(bot, { scopes: ["payroll:read"] }, alice(["payroll:read"]))).rejects.toThrow(/may never hold payroll:read/);
    const mine = await listDelegations(ctxFor(t.handle.db, alice()), { mine: "true", agent_id: bot.id });
    expect(mine.delegations).toEqual([]);
    const bots = await listDelegations(ctxFor(t.handle.db, admin), { agent_id: bot.id });
    expect(bots.delegations.map((d) => d.person.sub)).toEqual(["bob"]);
  });

  it("treats a person's admin as every Vigil API scope, to grant and to exchange", async () => {
    const bot = await agent({ allowed_scopes: ["agents:read"] });
    const boss = personActor("boss", ["admin"]);
    await grant(bot, { scopes: ["agents:read"] }, boss);
    const body = await exchange(bot, { subject_token: await idp.token({ sub: "boss", aud: API, scope: "admin" }) });
    expect(body.scope).toBe("agents:read");
    expect(decodeJwt(body.access_token).aud).toBe(getConfig().apiAudience);
  });

  it("lets nobody but the person or an admin revoke a grant", async () => {
    const bot = await agent();
    const g = await grant(bot);
    await expect(revokeDelegation(ctxFor(t.handle.db, personActor("mallory", ["invoices:read"])), { id: g.id })).rejects.toThrow(/No delegation/);
    expect((await revokeDelegation(ctxFor(t.handle.db, admin), { id: g.id })).active).toBe(false);
  });
  it("runtime policy on the exchange, on top of the intersection: a forbid removes its scope, or refuses with the deciding policy", async () => {
    const LEDGER = "https://ledger.example/";
    const view = await startPolicyView(t.handle);
    await savePolicySet(ctxFor(t.handle.db, admin), {
      name: "ledger",
      audience: LEDGER,
      text: `@id("people-through-finance")
permit (principal is Vigil::Person, action == Vigil::Action::"ExchangeToken", resource)
when { context has actor && context.actor.owner == "finance" && context.delegationDepth <= 1 };
@id("no-delegated-writes")
forbid (principal, action == Vigil::Action::"ExchangeToken", resource)
when { context.scopes.contains("invoices:write") };`,
      comment: "delegated writes stay with people",
    });
    await expect.poll(() => view.forAudience(LEDGER)?.version).toBe(1);
    const bot = await agent({ allowed_resources: [LEDGER] });
    await grant(bot, { scopes: ["invoices:read", "invoices:write"] });
    const body = await exchange(bot, { subject_token: await aliceToken(), resource: LEDGER });
    expect(body.scope).toBe("invoices:read");
    const [event] = await t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.kind, "token.exchanged"), eq(auditEvents.agentId, bot.id)));
    expect(event?.metadata).toMatchObject({ scope: "invoices:read", dropped: ["invoices:write"] });
    expect(await oauthError(exchange(bot, { subject_token: await aliceToken(), resource: LEDGER, scope: "invoices:write" }))).toMatchObject({
      error: "invalid_scope",
      description: "Refused by policy set ledger (reason: no-delegated-writes).",
    });
    // An agent outside finance gets nothing: no permit applies.
    const outsider = await agent({ owner: "marketing", allowed_resources: [LEDGER] });
    await grant(outsider);
    expect(await oauthError(exchange(outsider, { subject_token: await aliceToken(), resource: LEDGER }))).toMatchObject({ error: "invalid_scope", description: expect.stringMatching(/reason: no-permit/) });
    const refusals = await t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.kind, "policy.denied"), eq(auditEvents.agentId, outsider.id)));
    expect(refusals.map((e) => (e.metadata as Record<string, unknown>).reason)).toEqual(["no-permit"]);
    const all = await t.handle.db.select({ metadata: auditEvents.metadata }).from(auditEvents).where(eq(auditEvents.kind, "policy.denied"));
    expect(all.some((e) => (e.metadata as Record<string, unknown>).point === "policy_exchange" && (e.metadata as Record<string, unknown>).reason === "no-delegated-writes")).toBe(true);
    await view.stop();
  });
});
