import { count, eq, sql } from "drizzle-orm";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auditEvents, credentials, tokenMonthlyCounts } from "@/drizzle/schema";
import { actorWith, ctxFor, machineCtx } from "@/lib/testing/actors";
import { asClient as call, basic, oauthError } from "@/lib/testing/oauth";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { createAgent } from "../agents/create";
import { suspendAgent } from "../agents/suspend";
import { reactivateAgent } from "../agents/reactivate";
import { generateCredential } from "../credentials/generate";
import { revokeCredential } from "../credentials/revoke";
import { rotateCredential } from "../credentials/rotate";
import { getConfig } from "@/lib/config";
import { gateView } from "@/lib/identity/state-view";
import { jwks } from "@/lib/keys/keyring";
import { getMetrics } from "@/lib/observability/metrics";

import { introspectToken } from "./introspect";
import { issueToken } from "./issue";
import { revokeToken } from "./revoke";

const admin = actorWith("admin");
let seq = 0;

describe.each(testTargets())("token issuer on $name", (target) => {
  let t: TestDatabase;
  // As in the server: signing key loaded, gate view (and its credential cache) running.
  beforeAll(async () => {
    t = await openLikeServer(target);
  });
  afterAll(async () => t?.drop());

  async function agentWithCredential(extra: Record<string, unknown> = {}) {
    const agent = await createAgent(ctxFor(t.handle.db, admin), {
      name: "worker",
      email: `worker-${++seq}-${Math.random().toString(36).slice(2)}@example.com`,
      owner: "ml",
      deployment_env: "prod",
      allowed_scopes: ["svc:read", "svc:write"],
      ...extra,
    });
    const generated = await generateCredential(ctxFor(t.handle.db, admin), { id: agent.id });
    if (generated.client_secret === null) throw new Error("setup: a confidential agent's credential has a secret");
    const credential = { ...generated, client_secret: generated.client_secret };
    return { agent, credential, auth: basic(credential.client_id, credential.client_secret) };
  }
  const asClient: <T>(verb: Parameters<typeof call<T>>[1], endpoint: string, auth: string | null, fields: Record<string, string | string[]>) => Promise<T> = (verb, endpoint, auth, fields) =>
    call(t.handle.db, verb, endpoint, auth, fields);
  const issue = (auth: string | null, fields: Record<string, string | string[]>) => asClient(issueToken, "token", auth, { grant_type: "client_credentials", ...fields });

  it("issues an RFC 9068 JWT any JOSE library verifies, and audits it", async () => {
    const { agent, credential, auth } = await agentWithCredential();
    const body = await issue(auth, { scope: "svc:read" });
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "svc:read" });
    const header = decodeProtectedHeader(body.access_token);
    expect(header).toMatchObject({ typ: "at+jwt", alg: "RS256" });
    expect(typeof header.kid).toBe("string");
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks()), {
      issuer: "http://vigil.test",
      audience: "http://vigil.test",
      typ: "at+jwt",
    });
    expect(payload).toMatchObject({ sub: agent.id, client_id: credential.client_id, scope: "svc:read" });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(600);
    expect(payload.nbf).toBe(payload.iat);
    const [event] = await t.handle.db.select().from(auditEvents).where(sql`${auditEvents.kind} = 'token.issued' and ${auditEvents.agentId} = ${agent.id}`);
    expect(event).toMatchObject({ outcome: "success", clientId: credential.client_id, requestId: "req-1", ip: "10.0.0.9" });
    expect(event?.metadata).toMatchObject({ jti: payload.jti, scope: "svc:read" });
    expect(JSON.stringify(event)).not.toContain(credential.client_secret);
    expect(JSON.stringify(event)).not.toContain(body.access_token);
  });

  it("grants every allowed scope when none is asked for, and honours client_secret_post and resource", async () => {
    const { credential } = await agentWithCredential({ allowed_resources: ["http://vigil.test", "https://api.example.com/"] });
    const body = await issue(null, { client_id: credential.client_id, client_secret: credential.client_secret, resource: "https://api.example.com/" });
    expect(body.scope).toBe("svc:read svc:write");
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks()), { audience: "https://api.example.com/" });
    expect(payload.aud).toBe("https://api.example.com/");
  });

  it.each([
    ["a scope outside the allowed set", { scope: "svc:read admin" }, "invalid_scope", 400],
    ["an unsupported grant", { grant_type: "password" }, "unsupported_grant_type", 400],
    ["a repeated parameter", { scope: ["svc:read", "svc:write"] }, "invalid_request", 400],
    ["a resource that is not an absolute URI", { resource: "not a uri" }, "invalid_target", 400],
    ["a resource the agent is not registered for", { resource: "https://elsewhere.example/" }, "invalid_target", 400],
  ])("answers %s with the RFC 6749 error", async (_label, fields, code, status) => {
    const { auth } = await agentWithCredential();
    const error = await oauthError(issue(auth, fields));
    expect(error).toMatchObject({ error: code, status });
  });

  it("refuses bad clients with invalid_client and audits auth.failed with the reason", async () => {
    const { agent, credential, auth } = await agentWithCredential();
    const wrong = await oauthError(issue(basic(credential.client_id, "vgs_wrong"), {}));
    expect(wrong).toMatchObject({ error: "invalid_client", status: 401 });
    expect(wrong?.headers["WWW-Authenticate"]).toMatch(/^Basic /);
    expect(await oauthError(issue(null, {}))).toMatchObject({ error: "invalid_client" });
    expect(await oauthError(issue(auth, { client_secret: "x" }))).toMatchObject({ error: "invalid_request" });

    await suspendAgent(ctxFor(t.handle.db, admin), { id: agent.id });
    expect(await oauthError(issue(auth, {}))).toMatchObject({ error: "invalid_client" });
    await reactivateAgent(ctxFor(t.handle.db, admin), { id: agent.id });
    expect((await issue(auth, {})).access_token).toBeTruthy();
    await revokeCredential(ctxFor(t.handle.db, admin), { id: agent.id, credentialId: credential.id });
    expect(await oauthError(issue(auth, {}))).toMatchObject({ error: "invalid_client" });

    const failures = await t.handle.db
      .select({ reason: sql<string>`${auditEvents.metadata}->>'reason'` })
      .from(auditEvents)
      .where(sql`${auditEvents.kind} = 'auth.failed' and ${auditEvents.agentId} = ${agent.id}`)
      .orderBy(auditEvents.id);
    expect(failures.map((f) => f.reason)).toEqual(["bad_secret", "agent_suspended", "credential_revoked"]);
  });

  it("does the same work for an unknown client id as for a known one's wrong secret: one read of the table each (issue 19)", async () => {
    const reads = async () => (await getMetrics().dbQueryDuration.get()).values.find((v) => v.labels.operation === "client_lookup" && v.metricName?.endsWith("_count"))?.value ?? 0;
    const { credential, auth } = await agentWithCredential();
    expect((await issue(auth, {})).access_token).toBeTruthy(); // the credential is cached now
    const cachedSuccess = await reads();
    expect((await issue(auth, {})).access_token).toBeTruthy();
    expect(await reads()).toBe(cachedSuccess); // success from the cache reads nothing
    for (const [label, who] of [
      ["a known id, wrong secret", basic(credential.client_id, "vgs_wrong")],
      ["an unknown id", basic(`vgc_unknown${Math.random().toString(36).slice(2)}`, "vgs_wrong")],
    ] as const) {
      const before = await reads();
      expect(await oauthError(issue(who, {})), label).toMatchObject({ error: "invalid_client", message: "Client authentication failed." });
      expect(await reads(), label).toBe(before + 1);
    }
  });

  it("keeps the previous secret working for the grace period after a rotation only", async () => {
    const { agent, credential, auth } = await agentWithCredential();
    const rotated = await rotateCredential(ctxFor(t.handle.db, admin), { id: agent.id, credentialId: credential.id, grace_seconds: 60 });
    expect(rotated.client_id).toBe(credential.client_id);
    expect(rotated.client_secret).not.toBe(credential.client_secret);
    expect((await issue(auth, {})).access_token).toBeTruthy();
    expect((await issue(basic(rotated.client_id, rotated.client_secret), {})).access_token).toBeTruthy();
    // Expire the grace period behind Vigil's back; the periodic full reload picks it up.
    await t.handle.db.update(credentials).set({ previousExpiresAt: sql`now() - interval '1 second'` }).where(eq(credentials.id, credential.id));
    await gateView(t.handle.db)?.reload();
    expect(await oauthError(issue(auth, {}))).toMatchObject({ error: "invalid_client" });
  });

  it("enforces the monthly quota with 429 and Retry-After, counting every token", async () => {
    const { agent, auth } = await agentWithCredential({ monthly_token_quota: 3 });
    await Promise.all([issue(auth, {}), issue(auth, {}), issue(auth, {})]);
    const over = await oauthError(issue(auth, {}));
    expect(over).toMatchObject({ error: "quota_exceeded", status: 429 });
    expect(Number(over?.headers["Retry-After"])).toBeGreaterThan(0);
    const [row] = await t.handle.db.select().from(tokenMonthlyCounts).where(eq(tokenMonthlyCounts.agentId, agent.id));
    expect(row?.count).toBe(3);
  });

  it("fails only the item that cannot be written, never its neighbours in the batch", async () => {
    const { agent, auth } = await agentWithCredential();
    const { commitBatched } = await import("@/lib/audit/batch");
    const poisoned = commitBatched(machineCtx(t.handle.db), { kind: "auth.failed", outcome: "failure", agentId: "not-a-uuid" });
    const good = Promise.all(Array.from({ length: 10 }, () => issue(auth, {})));
    await expect(poisoned).rejects.toThrow();
    expect((await good).length).toBe(10);
    const [row] = await t.handle.db.select({ n: count() }).from(auditEvents).where(sql`${auditEvents.kind} = 'token.issued' and ${auditEvents.agentId} = ${agent.id}`);
    expect(row?.n).toBe(10);
  });

  it("audits each of many concurrent tokens exactly once (group commit)", async () => {
    const { agent, auth } = await agentWithCredential();
    const bodies = await Promise.all(Array.from({ length: 40 }, () => issue(auth, {})));
    expect(new Set(bodies.map((b) => b.access_token)).size).toBe(40);
    const [row] = await t.handle.db.select({ n: count() }).from(auditEvents).where(sql`${auditEvents.kind} = 'token.issued' and ${auditEvents.agentId} = ${agent.id}`);
    expect(row?.n).toBe(40);
    const [counter] = await t.handle.db.select().from(tokenMonthlyCounts).where(eq(tokenMonthlyCounts.agentId, agent.id));
    expect(counter?.count).toBe(40);
  });

  it("introspects: active for a good token, inactive at once after revocation, suspension or credential revocation", async () => {
    const a = await agentWithCredential();
    const introspect = (auth: string, token: string) => asClient(introspectToken, "introspect", auth, { token });
    const token = (await issue(a.auth, {})).access_token;
    expect(await introspect(a.auth, token)).toMatchObject({ active: true, sub: a.agent.id, client_id: a.credential.client_id, token_type: "Bearer" });
    expect(await introspect(a.auth, "not.a.jwt")).toEqual({ active: false });

    const other = await agentWithCredential();
    expect(await introspect(other.auth, token)).toEqual({ active: false });

    await asClient(revokeToken, "revoke", a.auth, { token });
    expect(await introspect(a.auth, token)).toEqual({ active: false });

    const second = (await issue(a.auth, {})).access_token;
    await suspendAgent(ctxFor(t.handle.db, admin), { id: a.agent.id });
    expect(await introspect(other.auth, second)).toEqual({ active: false });
    await reactivateAgent(ctxFor(t.handle.db, admin), { id: a.agent.id });

    const third = (await issue(a.auth, {})).access_token;
    const watcher = await agentWithCredential({ allowed_scopes: ["tokens:introspect"] });
    expect(await introspect(watcher.auth, third)).toMatchObject({ active: true });
    await revokeCredential(ctxFor(t.handle.db, admin), { id: a.agent.id, credentialId: a.credential.id });
    expect(await introspect(watcher.auth, third)).toEqual({ active: false });
  });

  it("introspects a token it has verified before as inactive once it expires (the verified cache keeps no token past its exp)", async () => {
    const a = await agentWithCredential();
    const introspect = (token: string) => asClient(introspectToken, "introspect", a.auth, { token });
    const token = (await issue(a.auth, {})).access_token;
    const first = (await introspect(token)) as { active: boolean; exp: number };
    expect(first.active).toBe(true);
    vi.useFakeTimers({ toFake: ["Date"], now: (first.exp + getConfig().CLOCK_LEEWAY_SECONDS + 1) * 1000 });
    try {
      expect(await introspect(token)).toEqual({ active: false });
    } finally {
      vi.useRealTimers();
    }
    expect(await introspect(token)).toMatchObject({ active: true });
  });

  it("lets a client revoke only its own tokens; unknown tokens are a silent success", async () => {
    const a = await agentWithCredential();
    const b = await agentWithCredential();
    const token = (await issue(a.auth, {})).access_token;
    expect(await oauthError(asClient(revokeToken, "revoke", b.auth, { token }))).toMatchObject({ error: "unauthorized_client" });
    await expect(asClient(revokeToken, "revoke", b.auth, { token: "garbage" })).resolves.toBeUndefined();
    await asClient(revokeToken, "revoke", a.auth, { token });
    await asClient(revokeToken, "revoke", a.auth, { token });
    const [row] = await t.handle.db.select({ n: count() }).from(auditEvents).where(sql`${auditEvents.kind} = 'token.revoked' and ${auditEvents.agentId} = ${a.agent.id}`);
    expect(row?.n).toBe(1);
  });
});
