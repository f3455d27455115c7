import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, credentials } from "@/drizzle/schema";
import { deriveVersion } from "@/lib/keys/server-secrets";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { asClient, basic, oauthError } from "@/lib/testing/oauth";
import { SECRET_A, SECRET_B, SECRET_C, runWithSecrets } from "@/lib/testing/secrets";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { createAgent } from "../agents/create";
import { issueToken } from "../tokens/issue";
import { generateCredential } from "./generate";
import { rotateCredential } from "./rotate";
import { hashVersions } from "./secret-versions";

const admin = actorWith("admin");
const vA = deriveVersion(SECRET_A).version;
const vB = deriveVersion(SECRET_B).version;
let seq = 0;

describe.each(testTargets())("client secrets through an AUTH_SECRET rotation on $name", (target) => {
  let t: TestDatabase;
  let restore = () => {};
  beforeAll(async () => {
    restore = runWithSecrets(SECRET_A);
    t = await openLikeServer(target);
  });
  afterEach(() => {
    restore();
    restore = runWithSecrets(SECRET_A);
  });
  afterAll(async () => {
    restore();
    await t?.drop();
  });

  /** An agent with a credential made while AUTH_SECRET is whatever is configured now. */
  async function agent() {
    const created = await createAgent(ctxFor(t.handle.db, admin), { name: "rotating", email: `rot-${++seq}-${Date.now()}@example.com`, owner: "ops", deployment_env: "prod", allowed_scopes: ["svc:read"] });
    const credential = await generateCredential(ctxFor(t.handle.db, admin), { id: created.id });
    if (!credential.client_secret) throw new Error("setup: confidential");
    return { agentId: created.id, id: credential.id, clientId: credential.client_id, secret: credential.client_secret };
  }
  const issue = (clientId: string, secret: string) => asClient(t.handle.db, issueToken, "token", basic(clientId, secret), { grant_type: "client_credentials" });
  const stored = async (id: string) => (await t.handle.db.select().from(credentials).where(eq(credentials.id, id)))[0];
  const events = (kind: string, clientId: string) => t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.kind, kind), eq(auditEvents.clientId, clientId)));

  it("authenticates a secret hashed under the previous secret, re-hashes it under the current one in the same request, and audits that without the secret", async () => {
    const a = await agent();
    expect((await stored(a.id))?.secretHash?.startsWith(`${vA}$`)).toBe(true);
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_A]);
    const body = await issue(a.clientId, a.secret);
    expect(body.access_token).toBeTruthy();
    const after = await stored(a.id);
    expect(after?.secretHash?.startsWith(`${vB}$`)).toBe(true);
    const [event, ...more] = await events("credential.rehashed", a.clientId);
    expect(more).toEqual([]);
    expect(event?.metadata).toEqual({ credential_id: a.id, which: "current", from_version: vA, to_version: vB });
    expect(event?.actor).toBe(`agent:${a.agentId}`);
    expect(JSON.stringify(event)).not.toContain(a.secret);
    // Moved: with only the new secret the same client still authenticates, and nothing is re-hashed again.
    restore();
    restore = runWithSecrets(SECRET_B);
    await issue(a.clientId, a.secret);
    expect(await events("credential.rehashed", a.clientId)).toHaveLength(1);
  });

  it("refuses, as invalid_client, a secret hashed under a secret no longer configured, and audits why", async () => {
    const a = await agent();
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_C]);
    const error = await oauthError(issue(a.clientId, a.secret));
    expect(error).toMatchObject({ error: "invalid_client", status: 401, description: "Client authentication failed." });
    const [failed] = await t.handle.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.kind, "auth.failed"), eq(auditEvents.clientId, a.clientId)));
    expect(failed?.metadata).toMatchObject({ reason: "secret_version_retired" });
    // A wrong secret is still a wrong secret, not a retired one.
    restore();
    restore = runWithSecrets(SECRET_A);
    await oauthError(issue(a.clientId, `${a.secret}x`));
    const reasons = (await events("auth.failed", a.clientId)).map((e) => (e.metadata as { reason: string }).reason);
    expect(reasons.sort()).toEqual(["bad_secret", "secret_version_retired"]);
  });

  it("re-hashes once when many requests race on the same stale hash", async () => {
    const a = await agent();
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_A]);
    const bodies = await Promise.all(Array.from({ length: 8 }, () => issue(a.clientId, a.secret)));
    expect(bodies.every((b) => typeof b.access_token === "string")).toBe(true);
    expect(await events("credential.rehashed", a.clientId)).toHaveLength(1);
    expect((await stored(a.id))?.secretHash?.startsWith(`${vB}$`)).toBe(true);
  });

  it("re-hashes a rotated-out secret still in its grace period on its own column, leaving the new one alone", async () => {
    const a = await agent();
    const rotated = await rotateCredential(ctxFor(t.handle.db, admin), { id: a.agentId, credentialId: a.id, grace_seconds: 600 });
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_A]);
    await issue(a.clientId, a.secret);
    const row = await stored(a.id);
    expect(row?.previousSecretHash?.startsWith(`${vB}$`)).toBe(true);
    expect(row?.secretHash?.startsWith(`${vA}$`)).toBe(true);
    const [event] = await events("credential.rehashed", a.clientId);
    expect(event?.metadata).toMatchObject({ which: "previous", from_version: vA, to_version: vB });
    if (!rotated.client_secret) throw new Error("rotation gives a secret");
    await issue(a.clientId, rotated.client_secret);
    expect((await stored(a.id))?.secretHash?.startsWith(`${vB}$`)).toBe(true);
  });

  it("reports which live hashes still need which previous secret, and which no configured secret can check", async () => {
    await t.handle.db.update(credentials).set({ status: "revoked" }).where(sql`true`);
    const moved = await agent();
    const waiting = await agent();
    const legacy = await agent();
    // As stored before versions: the bare HMAC.
    const bare = (await stored(legacy.id))?.secretHash?.split("$")[1] ?? "";
    await t.handle.db.update(credentials).set({ secretHash: bare }).where(eq(credentials.id, legacy.id));
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_A]);
    await issue(moved.clientId, moved.secret);
    const report = await hashVersions(t.handle.db);
    expect(report.by_version).toEqual({ [vA]: 1, [vB]: 1, legacy: 1 });
    expect(report.dependents.map((d) => [d.client_id, d.version]).sort()).toEqual([[legacy.clientId, "legacy"], [waiting.clientId, vA]].sort());
    expect(report.retired).toEqual([]);
    restore();
    restore = runWithSecrets(SECRET_B);
    expect((await hashVersions(t.handle.db)).retired.map((d) => d.client_id)).toEqual([waiting.clientId]);
  });
});
