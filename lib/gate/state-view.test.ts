import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "@/lib/db/client";
import { createAgent } from "@/lib/identity/agents/create";
import { changeAgentStatus } from "@/lib/identity/agents/status";
import { generateCredential } from "@/lib/identity/credentials/generate";
import { revokeCredential } from "@/lib/identity/credentials/revoke";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { createPostgresDatabase, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { applyMigrations } from "@/lib/db/migrate";
import { startGateView, type GateStateView } from "./state-view";

const admin = actorWith("admin");
const input = () => ({ name: "g", email: `g-${Math.random().toString(36).slice(2)}@example.com`, owner: "o", deployment_env: "e" });

describe.each(testTargets())("gate state view on $name", (target) => {
  let t: TestDatabase;
  let view: GateStateView;
  beforeAll(async () => {
    t = await target.open();
    view = await startGateView(t.handle);
  });
  afterAll(async () => {
    await view?.stop();
    await t?.drop();
  });

  it("reflects a local suspension, credential revocation and reactivation at once, from memory", async () => {
    const ctx = ctxFor(t.handle.db, admin);
    const agent = await createAgent(ctx, input());
    const credential = await generateCredential(ctx, agent.id, {});
    const claims = { jti: "j1", sub: agent.id, client_id: credential.client_id };
    expect(view.inactiveReason(claims)).toBeNull();
    await changeAgentStatus(ctx, agent.id, "suspend");
    expect(view.inactiveReason(claims)).toBe("agent suspended");
    await changeAgentStatus(ctx, agent.id, "reactivate");
    expect(view.inactiveReason(claims)).toBeNull();
    await revokeCredential(ctx, agent.id, credential.id);
    expect(view.inactiveReason(claims)).toBe("credential revoked");
  });

  it("loads what was already inactive at start", async () => {
    const ctx = ctxFor(t.handle.db, admin);
    const agent = await createAgent(ctx, input());
    await changeAgentStatus(ctx, agent.id, "decommission");
    await view.reload();
    expect(view.inactiveReason({ jti: "x", sub: agent.id })).toBe("agent decommissioned");
  });
});

// Two handles on one PostgreSQL database stand for two Vigil instances (when CI provides one).
const postgresUrls = testTargets().some((t) => t.name === "postgres") ? [process.env.TEST_DATABASE_URL ?? ""] : [];
describe.each(postgresUrls)("gate state view across instances (PostgreSQL)", (adminUrl) => {
  let a: DbHandle;
  let b: DbHandle;
  let drop: () => Promise<void>;
  let viewA: GateStateView;
  beforeAll(async () => {
    const created = await createPostgresDatabase(adminUrl);
    drop = created.drop;
    a = await openDatabase({ kind: "postgres", url: created.url }, 3);
    b = await openDatabase({ kind: "postgres", url: created.url }, 3);
    await applyMigrations(a);
    viewA = await startGateView(a);
  });
  afterAll(async () => {
    await viewA?.stop();
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it("drops instance A's cached credential when instance B suspends the agent", async () => {
    const { issueToken } = await import("@/lib/identity/tokens/issue");
    const { ensureSigningKey } = await import("@/lib/identity/keys/ensure");
    const { loadKeyring } = await import("@/lib/identity/keys/keyring");
    await ensureSigningKey(a.db);
    await loadKeyring(a.db);
    const agent = await createAgent(ctxFor(b.db, admin), { ...input(), allowed_scopes: ["svc:read"] });
    const credential = await generateCredential(ctxFor(b.db, admin), agent.id, {});
    const auth = `Basic ${Buffer.from(`${credential.client_id}:${credential.client_secret}`).toString("base64")}`;
    const facts = { requestId: "r", ip: null, userAgent: null };
    const issue = () => issueToken(a.db, facts, auth, new URLSearchParams({ grant_type: "client_credentials" }));
    expect((await issue()).access_token).toBeTruthy();
    expect((await issue()).access_token).toBeTruthy();
    const changed = once(viewA.events, "change");
    await changeAgentStatus(ctxFor(b.db, admin), agent.id, "suspend");
    await changed;
    await expect(issue()).rejects.toMatchObject({ error: "invalid_client" });
  });

  it("learns of a suspension made by another instance through NOTIFY", async () => {
    const agent = await createAgent(ctxFor(b.db, admin), input());
    const changed = once(viewA.events, "change");
    await changeAgentStatus(ctxFor(b.db, admin), agent.id, "suspend");
    await changed;
    expect(viewA.inactiveReason({ jti: "j", sub: agent.id })).toBe("agent suspended");
  });
});
