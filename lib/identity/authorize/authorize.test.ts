import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, count, eq, sql, type SQL } from "drizzle-orm";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, authorizationCodes, delegationGrants, refreshTokens } from "@/drizzle/schema";
import type { Actor } from "@/lib/access/actor";
import { personId } from "@/lib/access/person";
import { getConfig, setConfig } from "@/lib/config";
import { batchStatement } from "@/lib/audit/batch-sql";
import { queryRows } from "@/lib/db/rows";
import { inTransaction } from "@/lib/db/transaction";
import { AUDIT_TAIL_LOCK } from "@/lib/audit/tail";
import { ForbiddenError } from "@/lib/errors";
import { actorWith, ctxFor, machineCtx } from "@/lib/testing/actors";
import { asClient, basic, oauthError } from "@/lib/testing/oauth";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { createAgent } from "../agents/create";
import { generateCredential } from "../credentials/generate";
import { revokeDelegation } from "../delegations/revoke";
import { issueToken } from "../tokens/issue";
import { revokeToken } from "../tokens/revoke";
import { tokenInactiveReason } from "../tokens/status";
import { verifyVigilToken } from "../tokens/verify";
import { prepareConsent } from "./consent";
import { decideAuthorization } from "./decide";
import { preparePair, type PreparedPair } from "./issue-pair";
import { claimPair, stakePairClaims, type PairClaim } from "./pair-claims";
import { revokeFamily } from "./refresh-tokens";
import { tokenHash } from "./secrets";
import { startAuthorization } from "./start";
import { savePolicySet } from "@/lib/policy/store";
import { startPolicyView } from "@/lib/policy/view";

const admin = actorWith("admin");
const REDIRECT = "https://agent.example/callback";
const ISSUER = "https://idp.example";
let seq = 0;

const alice: Actor = {
  kind: "user",
  id: "alice",
  scopes: new Set(["delegations:read", "delegations:write"]),
  label: "user:alice@example.com",
  person: { issuer: ISSUER, sub: "alice", label: "alice@example.com", scopes: new Set(["invoices:read"]) },
};

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

describe.each(testTargets())("authorization code flow on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openLikeServer(target);
  });
  afterAll(async () => t?.drop());

  async function client(extra: Record<string, unknown> = {}) {
    const agent = await createAgent(ctxFor(t.handle.db, admin), {
      name: `mcp client ${++seq}`,
      email: `mcp-${seq}-${Math.random().toString(36).slice(2)}@example.com`,
      owner: "platform",
      deployment_env: "prod",
      allowed_scopes: ["invoices:read", "invoices:write"],
      redirect_uris: [REDIRECT, "http://127.0.0.1/callback"],
      ...extra,
    });
    const credential = await generateCredential(ctxFor(t.handle.db, admin), { id: agent.id });
    const auth = credential.client_secret === null ? null : basic(credential.client_id, credential.client_secret);
    return { agent, clientId: credential.client_id, auth, secret: credential.client_secret };
  }
  const request = (c: { clientId: string }, challenge: string, extra: Record<string, unknown> = {}) => ({
    response_type: "code",
    client_id: c.clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st-1",
    scope: "invoices:read invoices:write",
    ...extra,
  });
  /** Approve as Alice and return the code from the client's redirect. */
  async function codeFor(c: { clientId: string }, challenge: string, extra: Record<string, unknown> = {}) {
    const { redirect_to } = await decideAuthorization(ctxFor(t.handle.db, alice), { ...request(c, challenge, extra), decision: "approve", duration_seconds: 3600 });
    const url = new URL(redirect_to);
    expect(url.searchParams.get("iss")).toBe(getConfig().issuer);
    expect(url.searchParams.get("state")).toBe("st-1");
    return url.searchParams.get("code") ?? "";
  }
  const redeem = (c: { clientId: string; auth: string | null }, fields: Record<string, string>) =>
    asClient(t.handle.db, issueToken, "token", c.auth, { grant_type: "authorization_code", redirect_uri: REDIRECT, ...(c.auth ? {} : { client_id: c.clientId }), ...fields });
  const refresh = (c: { clientId: string; auth: string | null }, token: string, extra: Record<string, string> = {}) =>
    asClient(t.handle.db, issueToken, "token", c.auth, { grant_type: "refresh_token", refresh_token: token, ...(c.auth ? {} : { client_id: c.clientId }), ...extra });
  const events = async (kind: string, agentId: string) =>
    (await t.handle.db.select({ n: count() }).from(auditEvents).where(and(eq(auditEvents.kind, kind), eq(auditEvents.agentId, agentId))))[0]?.n ?? 0;

  it("sends a good request to consent, and an untrusted one to Vigil's own error page, never to the client", async () => {
    const c = await client();
    const { challenge } = pkce();
    const ok = await startAuthorization(machineCtx(t.handle.db), request(c, challenge));
    expect(new URL(ok.redirect).pathname).toBe("/authorize/consent");
    for (const [params, reason] of [
      [{ client_id: "vgc_nobody" }, "unknown_client"],
      [{ redirect_uri: "https://evil.example/callback" }, "invalid_redirect_uri"],
      [{ redirect_uri: "https://agent.example/callback/more" }, "invalid_redirect_uri"],
      [{ redirect_uri: undefined }, "missing_redirect_uri"],
    ] as const) {
      const refused = await startAuthorization(machineCtx(t.handle.db), { ...request(c, challenge), ...params });
      expect(refused.redirect).toBe(`${getConfig().issuer}/authorize/error?reason=${reason}`);
    }
    // RFC 8252 §7.3: a loopback redirect may use any port.
    const loopback = await startAuthorization(machineCtx(t.handle.db), request(c, challenge, { redirect_uri: "http://127.0.0.1:49152/callback" }));
    expect(new URL(loopback.redirect).pathname).toBe("/authorize/consent");
  });

  it.each([
    ["no PKCE", { code_challenge: undefined }, "invalid_request"],
    ["plain PKCE", { code_challenge_method: "plain" }, "invalid_request"],
    ["no state", { state: undefined }, "invalid_request"],
    ["response_type=token (implicit)", { response_type: "token" }, "unsupported_response_type"],
    ["a scope the agent may not ask for", { scope: "payroll:read" }, "invalid_scope"],
    ["a resource the agent is not registered for", { resource: "https://payroll.example/" }, "invalid_target"],
  ])("sends %s back to the client as %s, with iss", async (_label, params, error) => {
    const c = await client();
    const { redirect } = await startAuthorization(machineCtx(t.handle.db), { ...request(c, pkce().challenge), ...params });
    const url = new URL(redirect);
    expect(url.origin + url.pathname).toBe(REDIRECT);
    expect(url.searchParams.get("error")).toBe(error);
    expect(url.searchParams.get("iss")).toBe(getConfig().issuer);
    const [refusal] = await t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.kind, "authorization.requested"), eq(auditEvents.clientId, c.clientId)));
    expect(refusal).toMatchObject({ outcome: "denied", metadata: { reason: error } });
  });

  it("shows the intersection on consent, grants exactly it, and redeems the code once for a delegated token and a refresh token", async () => {
    const c = await client();
    const { verifier, challenge } = pkce();
    const view = await prepareConsent(ctxFor(t.handle.db, alice), request(c, challenge));
    expect(view).toMatchObject({ kind: "ask", requested: ["invoices:read", "invoices:write"], granted: ["invoices:read"], not_held: ["invoices:write"] });
    const code = await codeFor(c, challenge);
    const tokens = await redeem(c, { code, code_verifier: verifier });
    expect(tokens).toMatchObject({ token_type: "Bearer", scope: "invoices:read" });
    expect("refresh_token" in tokens && tokens.refresh_token).toMatch(/^vgr_/);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: personId(ISSUER, "alice"), act: { sub: c.agent.id, client_id: c.clientId }, scope: "invoices:read" });
    // The code is stored as a hash only.
    expect(await t.handle.db.select().from(authorizationCodes).where(eq(authorizationCodes.codeHash, code))).toEqual([]);
    expect(await events("code.redeemed", c.agent.id)).toBe(1);
  });

  it.each([
    ["a wrong verifier", (v: string) => ({ code_verifier: `${v.slice(0, -1)}${v.endsWith("A") ? "B" : "A"}` }), "invalid_grant"],
    ["another redirect_uri", () => ({ redirect_uri: "http://127.0.0.1/callback" }), "invalid_grant"],
    ["no verifier", () => ({ code_verifier: "" }), "invalid_request"],
  ])("refuses a code with %s (%s), issuing nothing", async (_label, change, code) => {
    const c = await client();
    const { verifier, challenge } = pkce();
    const given = await codeFor(c, challenge);
    expect(await oauthError(redeem(c, { code: given, code_verifier: verifier, ...change(verifier) }))).toMatchObject({ error: code });
    expect(await events("code.redeemed", c.agent.id)).toBe(code === "invalid_grant" ? 1 : 0); // the refusal, audited once the client is known
    const [row] = await t.handle.db.select().from(authorizationCodes).where(eq(authorizationCodes.clientId, c.clientId));
    expect(row?.redeemedAt).toBeNull();
  });

  it("refuses another client's code, an expired code, and revokes what a replayed code issued", async () => {
    const c = await client();
    const other = await client();
    const { verifier, challenge } = pkce();
    const code = await codeFor(c, challenge);
    expect(await oauthError(redeem(other, { code, code_verifier: verifier }))).toMatchObject({ error: "invalid_grant", description: expect.stringMatching(/another client/) });
    const first = await redeem(c, { code, code_verifier: verifier });
    expect(await oauthError(redeem(c, { code, code_verifier: verifier }))).toMatchObject({ error: "invalid_grant", description: expect.stringMatching(/already used/) });
    expect(await tokenInactiveReason(t.handle.db, await verifyVigilToken(first.access_token))).toBe("token revoked");
    expect(await oauthError(refresh(c, "refresh_token" in first ? first.refresh_token : ""))).toMatchObject({ error: "invalid_grant", description: expect.stringMatching(/revoked/) });

    const late = pkce();
    const lateCode = await codeFor(c, late.challenge);
    await t.handle.db.update(authorizationCodes).set({ expiresAt: sql`now() - interval '1 second'` });
    expect(await oauthError(redeem(c, { code: lateCode, code_verifier: late.verifier }))).toMatchObject({ error: "invalid_grant", description: expect.stringMatching(/expired/) });
  });

  it("rotates refresh tokens, lets them only narrow, and revokes the family on reuse", async () => {
    const c = await client();
    const { verifier, challenge } = pkce();
    const alicePlus: Actor = { ...alice, person: { ...(alice.person ?? { issuer: ISSUER, sub: "alice", label: "alice" }), scopes: new Set(["invoices:read", "invoices:write"]) } };
    const { redirect_to } = await decideAuthorization(ctxFor(t.handle.db, alicePlus), { ...request(c, challenge), decision: "approve", duration_seconds: 3600 });
    const first = await redeem(c, { code: new URL(redirect_to).searchParams.get("code") ?? "", code_verifier: verifier });
    const r1 = "refresh_token" in first ? first.refresh_token : "";
    expect(await oauthError(refresh(c, r1, { scope: "invoices:read payroll:read" }))).toMatchObject({ error: "invalid_scope" });
    const second = await refresh(c, r1, { scope: "invoices:read" });
    expect(second.scope).toBe("invoices:read");
    const r2 = "refresh_token" in second ? second.refresh_token : "";
    expect(r2).not.toBe(r1);
    // r1 again: someone else holds it. The family goes, r2 and the access tokens with it.
    expect(await oauthError(refresh(c, r1))).toMatchObject({ error: "invalid_grant", description: expect.stringMatching(/already used/) });
    expect(await oauthError(refresh(c, r2))).toMatchObject({ error: "invalid_grant" });
    expect(await tokenInactiveReason(t.handle.db, await verifyVigilToken(second.access_token))).toBe("token revoked");
    expect(await events("refresh.reuse_detected", c.agent.id)).toBe(1);
  });

  it("spends a code once when it is presented many times at the same moment, and revokes what it issued", async () => {
    const c = await client();
    const { verifier, challenge } = pkce();
    const code = await codeFor(c, challenge);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => redeem(c, { code, code_verifier: verifier })));
    const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(await oauthError(Promise.reject(r.reason))).toMatchObject({ error: "invalid_grant" });
    // The replays came after the winner: what it issued no longer works.
    expect(await tokenInactiveReason(t.handle.db, await verifyVigilToken(won[0]?.access_token ?? ""))).toBe("token revoked");
    const rows = await t.handle.db.select({ outcome: auditEvents.outcome, n: count() }).from(auditEvents).where(and(eq(auditEvents.kind, "code.redeemed"), eq(auditEvents.agentId, c.agent.id))).groupBy(auditEvents.outcome);
    expect(Object.fromEntries(rows.map((r) => [r.outcome, r.n]))).toEqual({ success: 1, denied: 5 });
  });

  it("rotates a refresh token once when it is presented many times at the same moment, and revokes the family", async () => {
    const c = await client();
    const { verifier, challenge } = pkce();
    const first = await redeem(c, { code: await codeFor(c, challenge), code_verifier: verifier });
    const token = "refresh_token" in first ? first.refresh_token : "";
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => refresh(c, token)));
    const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(won).toHaveLength(1);
    const next = won[0] && "refresh_token" in won[0] ? won[0].refresh_token : "";
    expect(await oauthError(refresh(c, next))).toMatchObject({ error: "invalid_grant", description: expect.stringMatching(/revoked/) });
    const rotated = await t.handle.db.select({ n: count() }).from(auditEvents).where(and(eq(auditEvents.kind, "refresh.rotated"), eq(auditEvents.outcome, "success"), eq(auditEvents.agentId, c.agent.id)));
    expect(rotated[0]?.n).toBe(1);
    // The first replay revokes the family; replays after it find the token revoked.
    expect(await events("refresh.reuse_detected", c.agent.id)).toBe(1);
  });

  it("claims a code only while it is unused, unexpired and its grant live, and one of the same code twice", async () => {
    const c = await client();
    const given = await Promise.all([0, 1, 2, 3].map(async () => tokenHash(await codeFor(c, pkce().challenge))));
    const [fresh, expired, orphaned, spent] = given as [string, string, string, string];
    await t.handle.db.update(authorizationCodes).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(authorizationCodes.codeHash, expired));
    await t.handle.db.update(authorizationCodes).set({ redeemedAt: sql`now()` }).where(eq(authorizationCodes.codeHash, spent));
    // Approvals at the same moment may each have made a grant: each code's new refresh token names the code's own.
    const grantOf = new Map((await t.handle.db.select({ hash: authorizationCodes.codeHash, grantId: authorizationCodes.grantId }).from(authorizationCodes).where(eq(authorizationCodes.clientId, c.clientId))).map((r) => [r.hash, r.grantId]));
    const stake = (code: string): PairClaim => ({ code, jti: randomUUID(), family: randomUUID(), store: { ...storeRow, tokenHash: randomUUID(), familyId: randomUUID(), grantId: grantOf.get(code) ?? "" } });
    const storeRow = { clientId: c.clientId, agentId: c.agent.id, grantId: "", personIssuer: ISSUER, personSub: "alice", personLabel: "alice", scopes: [], resources: [], accessJti: "j", accessExpiresAt: new Date(), expiresAt: new Date(Date.now() + 60_000), familyId: "", tokenHash: "" };
    const claim = async (claims: PairClaim[]) => (await queryRows<{ won: number[] }>(t.handle.db, batchStatement([], [], [], [], stakePairClaims(claims))))[0]?.won.sort();
    expect(await claim([stake(fresh), stake(fresh), stake(expired), stake(spent)])).toEqual([0]);
    expect(await t.handle.db.select({ n: count() }).from(refreshTokens).where(eq(refreshTokens.clientId, c.clientId))).toEqual([{ n: 1 }]); // the winner's only
    // The grant a code rests on, revoked after it was read: the claim loses.
    await revokeDelegation(ctxFor(t.handle.db, alice), { id: grantOf.get(orphaned) ?? "" });
    expect(await claim([stake(orphaned)])).toEqual([]);
  });

  it("takes a claim that lost to itself, as when its batch committed and the group commit retried it, for the win it was", async () => {
    const c = await client();
    const hash = tokenHash(await codeFor(c, pkce().challenge));
    const [code] = await t.handle.db.select().from(authorizationCodes).where(eq(authorizationCodes.codeHash, hash));
    const [grant] = await t.handle.db.select().from(delegationGrants).where(eq(delegationGrants.id, code?.grantId ?? ""));
    if (!code || !grant) throw new Error("the consent stored no code");
    const outcomes = await asClient(t.handle.db, async (ctx) => {
      const claimWith = async (pair: PreparedPair, family: string) =>
        claimPair(ctx, { code: hash, jti: pair.minted.jti, family }, pair, { kind: "code.redeemed", outcome: "success", agentId: c.agent.id, metadata: { jti: pair.minted.jti } });
      const family = randomUUID();
      const pair = await preparePair({ ...ctx, jkt: null }, grant, code, code.scopes, family);
      const other = randomUUID();
      return [await claimWith(pair, family), await claimWith(pair, family), await claimWith(await preparePair({ ...ctx, jkt: null }, grant, code, code.scopes, other), other)];
    }, "token", c.auth, {});
    // The same pair again won (its refresh token is stored); another pair for the spent code did not.
    expect(outcomes).toEqual([true, true, false]);
    expect(await events("code.redeemed", c.agent.id)).toBe(1);
    expect(await t.handle.db.select({ n: count() }).from(refreshTokens).where(eq(refreshTokens.clientId, c.clientId))).toEqual([{ n: 1 }]);
  });

  if (target.name === "postgres") {
    it("lets a grant's revocation and a redemption under it meet without a deadlock, and the revocation wins", async () => {
      const c = await client();
      const { verifier, challenge } = pkce();
      const code = await codeFor(c, challenge);
      const [row] = await t.handle.db.select({ grantId: authorizationCodes.grantId }).from(authorizationCodes).where(eq(authorizationCodes.codeHash, tokenHash(code)));
      const grantId = row?.grantId ?? "";
      let held = false;
      let release!: () => void;
      const mayRevoke = new Promise<void>((r) => (release = r));
      // As revokeDelegation does: the grant locked first, the audit log's tail lock last.
      const revocation = inTransaction(t.handle.db, async (tx) => {
        await tx.select({ id: delegationGrants.id }).from(delegationGrants).where(eq(delegationGrants.id, grantId)).for("update");
        held = true;
        await mayRevoke;
        await tx.update(delegationGrants).set({ revokedAt: sql`now()` }).where(eq(delegationGrants.id, grantId));
        await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_TAIL_LOCK})`);
      });
      await expect.poll(() => held).toBe(true);
      const redemption = oauthError(redeem(c, { code, code_verifier: verifier }));
      // The redemption's claim is seen waiting for the grant (observed in pg_locks, not timed),
      // holding no tail lock: had it taken that first, the revocation's wait for it would close
      // a cycle, and PostgreSQL would abort one of them a deadlock timeout later.
      const locks = async (which: SQL) =>
        (await queryRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where a.datname = current_database() and ${which}`))[0]?.n;
      await expect.poll(() => locks(sql`not l.granted`)).toBeGreaterThan(0);
      expect(await locks(sql`l.locktype = 'advisory' and l.granted`)).toBe(0);
      release();
      await revocation;
      expect(await redemption).toMatchObject({ error: "invalid_grant" });
      expect(await events("code.redeemed", c.agent.id)).toBe(1); // the refusal, recorded
    });
  }

  if (target.name === "postgres") {
    it("revokes a family's refresh token stored by a rotation that committed while the revocation waited for it", async () => {
      const c = await client();
      const { verifier, challenge } = pkce();
      const first = await redeem(c, { code: await codeFor(c, challenge), code_verifier: verifier });
      const [used] = await t.handle.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash("refresh_token" in first ? first.refresh_token : "")));
      if (!used) throw new Error("the redemption stored no refresh token");
      const nextHash = tokenHash(randomBytes(32).toString("base64url"));
      let rotating = false;
      let release!: () => void;
      const mayCommit = new Promise<void>((r) => (release = r));
      // A rotation as a claim makes it: the used token marked, the next one stored, then a wait before COMMIT.
      const rotation = inTransaction(t.handle.db, async (tx) => {
        await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, used.id));
        await tx.insert(refreshTokens).values({ ...used, id: undefined, usedAt: null, createdAt: undefined, tokenHash: nextHash });
        rotating = true;
        await mayCommit;
      });
      await expect.poll(() => rotating).toBe(true);
      const revocation = inTransaction(t.handle.db, (tx) => revokeFamily(tx, used.familyId, "test", "test"));
      await expect.poll(async () => (await queryRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where a.datname = current_database() and not l.granted`))[0]?.n).toBeGreaterThan(0);
      release();
      await rotation;
      expect((await revocation).refresh).toBe(2);
      const [next] = await t.handle.db.select({ revokedAt: refreshTokens.revokedAt }).from(refreshTokens).where(eq(refreshTokens.tokenHash, nextHash));
      expect(next?.revokedAt).toBeInstanceOf(Date);
    });
  }

  it("ends refresh tokens with the grant, and with RFC 7009 revocation", async () => {
    const c = await client();
    const a = pkce();
    const first = await redeem(c, { code: await codeFor(c, a.challenge), code_verifier: a.verifier });
    const grantId = decodeJwt(first.access_token).delegation_ids as string[];
    await revokeDelegation(ctxFor(t.handle.db, alice), { id: grantId[0] ?? "" });
    expect(await oauthError(refresh(c, "refresh_token" in first ? first.refresh_token : ""))).toMatchObject({ error: "invalid_grant", description: expect.stringMatching(/no longer active/) });

    const b = pkce();
    const second = await redeem(c, { code: await codeFor(c, b.challenge), code_verifier: b.verifier });
    const rt = "refresh_token" in second ? second.refresh_token : "";
    await asClient(t.handle.db, revokeToken, "revoke", c.auth, { token: rt, token_type_hint: "refresh_token" });
    expect(await oauthError(refresh(c, rt))).toMatchObject({ error: "invalid_grant", description: expect.stringMatching(/revoked/) });
    expect(await tokenInactiveReason(t.handle.db, await verifyVigilToken(second.access_token))).toBe("token revoked");
  });

  it("lets a public client use its code with PKCE alone, and nothing else", async () => {
    const c = await client({ client_type: "public" });
    expect(c.secret).toBeNull();
    const { verifier, challenge } = pkce();
    const tokens = await redeem(c, { code: await codeFor(c, challenge), code_verifier: verifier });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ act: { sub: c.agent.id } });
    expect(await oauthError(asClient(t.handle.db, issueToken, "token", null, { grant_type: "client_credentials", client_id: c.clientId }))).toMatchObject({ error: "unauthorized_client" });
  });

  it("skips the consent page under consent_mode once when a live grant covers the request", async () => {
    const c = await client({ consent_mode: "once" });
    const first = pkce();
    await codeFor(c, first.challenge);
    const second = pkce();
    const view = await prepareConsent(ctxFor(t.handle.db, alice), request(c, second.challenge, { scope: "invoices:read" }));
    expect(view.kind).toBe("redirect");
    const code = view.kind === "redirect" ? (new URL(view.to).searchParams.get("code") ?? "") : "";
    expect((await redeem(c, { code, code_verifier: second.verifier })).scope).toBe("invoices:read");
    // consent_mode always asks again.
    const always = await client();
    await codeFor(always, pkce().challenge);
    expect((await prepareConsent(ctxFor(t.handle.db, alice), request(always, pkce().challenge))).kind).toBe("ask");
  });

  it("takes an MCP client ID metadata document client only when enabled, and only from allowlisted hosts", async () => {
    const url = "https://mcp-client.example/client.json";
    // Registration: such a client is public, and gets a secretless credential with that client_id.
    await expect(createAgent(ctxFor(t.handle.db, admin), { name: "doc client", email: `doc-${seq}@example.com`, owner: "x", deployment_env: "prod", client_id_url: url })).rejects.toThrow(/public client/);
    const agent = await createAgent(ctxFor(t.handle.db, admin), { name: "doc client", email: `doc-${++seq}@example.com`, owner: "x", deployment_env: "prod", client_type: "public", allowed_scopes: ["invoices:read"], client_id_url: url });
    expect(agent.client_id_url).toBe(url);
    const asked = (redirect: string) => startAuthorization(machineCtx(t.handle.db), { ...request({ clientId: url }, pkce().challenge), redirect_uri: redirect });
    expect((await asked(REDIRECT)).redirect).toBe(`${getConfig().issuer}/authorize/error?reason=unknown_client`);
    const original = getConfig();
    setConfig({ ...original, clientMetadata: { ...original.clientMetadata, enabled: true, hosts: ["allowed.example"] } });
    try {
      // Not on the allowlist: refused on Vigil's page before any request leaves.
      expect((await asked(REDIRECT)).redirect).toBe(`${getConfig().issuer}/authorize/error?reason=client_metadata`);
    } finally {
      setConfig(original);
    }
  });

  it("answers a denial with access_denied and refuses a caller who is not a person", async () => {
    const c = await client();
    const { redirect_to } = await decideAuthorization(ctxFor(t.handle.db, alice), { ...request(c, pkce().challenge), decision: "deny" });
    expect(new URL(redirect_to).searchParams.get("error")).toBe("access_denied");
    expect(await events("consent.denied", c.agent.id)).toBe(1);
    await expect(decideAuthorization(ctxFor(t.handle.db, admin), { ...request(c, pkce().challenge), decision: "approve" })).rejects.toBeInstanceOf(ForbiddenError);
  });
  it("runtime policy at consent: a forbidden scope is neither offered nor granted, and a request left with nothing is refused", async () => {
    const LEDGER = "https://ledger.example/";
    const view = await startPolicyView(t.handle);
    await savePolicySet(ctxFor(t.handle.db, admin), {
      name: "ledger-consent",
      audience: LEDGER,
      text: `@id("platform-reads")
permit (principal is Vigil::Person, action == Vigil::Action::"Authorize", resource)
when { context has actor && context.actor.owner == "platform" }
unless { context.scopes.contains("invoices:write") };`,
      comment: "agents only read the ledger",
    });
    await expect.poll(() => view.forAudience(LEDGER)?.version).toBe(1);
    const c = await client({ allowed_resources: [LEDGER] });
    const { verifier, challenge } = pkce();
    const alicePlus: Actor = { ...alice, person: { ...(alice.person ?? { issuer: ISSUER, sub: "alice", label: "alice" }), scopes: new Set(["invoices:read", "invoices:write"]) } };
    const asked = request(c, challenge, { resource: LEDGER });
    expect(await prepareConsent(ctxFor(t.handle.db, alicePlus), asked)).toMatchObject({ kind: "ask", granted: ["invoices:read"], not_held: [], policy_removed: ["invoices:write"] });
    const { redirect_to } = await decideAuthorization(ctxFor(t.handle.db, alicePlus), { ...asked, decision: "approve", duration_seconds: 3600 });
    const code = new URL(redirect_to).searchParams.get("code") ?? "";
    expect(await redeem(c, { code, code_verifier: verifier, resource: LEDGER })).toMatchObject({ scope: "invoices:read" });
    const writeOnly = await decideAuthorization(ctxFor(t.handle.db, alicePlus), { ...request(c, pkce().challenge, { resource: LEDGER, scope: "invoices:write" }), decision: "approve", duration_seconds: 3600 });
    expect(Object.fromEntries(new URL(writeOnly.redirect_to).searchParams)).toMatchObject({ error: "invalid_scope", error_description: expect.stringMatching(/runtime policy forbids/) });
    await view.stop();
  });
});
