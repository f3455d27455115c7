import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "@/lib/db/client";
import { createAgent } from "@/lib/identity/agents/create";
import { suspendAgent } from "@/lib/identity/agents/suspend";
import { reactivateAgent } from "@/lib/identity/agents/reactivate";
import { decommissionAgent } from "@/lib/identity/agents/decommission";
import { generateCredential } from "@/lib/identity/credentials/generate";
import { revokeCredential } from "@/lib/identity/credentials/revoke";
import type { Actor } from "@/lib/access/actor";
import { createDelegation } from "@/lib/identity/delegations/create";
import { revokeDelegation } from "@/lib/identity/delegations/revoke";
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
    const credential = await generateCredential(ctx, { id: agent.id });
    const claims = { jti: "j1", sub: agent.id, client_id: credential.client_id };
    expect(view.inactiveReason(claims)).toBeNull();
    await suspendAgent(ctx, { id: agent.id });
    expect(view.inactiveReason(claims)).toBe("agent suspended");
    await reactivateAgent(ctx, { id: agent.id });
    expect(view.inactiveReason(claims)).toBeNull();
    await revokeCredential(ctx, { id: agent.id, credentialId: credential.id });
    expect(view.inactiveReason(claims)).toBe("credential revoked");
  });

  it("loads what was already inactive at start", async () => {
    const ctx = ctxFor(t.handle.db, admin);
    const agent = await createAgent(ctx, input());
    await decommissionAgent(ctx, { id: agent.id });
    await view.reload();
    expect(view.inactiveReason({ jti: "x", sub: agent.id })).toBe("agent decommissioned");
  });

  it("lets reloads overlap, keeping a change that arrived while they read", async () => {
    const ctx = ctxFor(t.handle.db, admin);
    const agent = await createAgent(ctx, input());
    // Two reloads in flight at once, as the minute's reload and a reconnect's after an outage.
    const first = view.reload();
    const second = view.reload();
    view.apply({ t: "agent", id: agent.id, status: "suspended", v: Date.now() });
    await Promise.all([first, second]);
    expect(view.inactiveReason({ jti: "x", sub: agent.id })).toBe("agent suspended");
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
    const { authenticateClientRequest } = await import("@/lib/identity/credentials/authenticate-client");
    const { ensureSigningKey } = await import("@/lib/keys/ensure");
    const { loadKeyring } = await import("@/lib/keys/keyring");
    await ensureSigningKey(a.db);
    await loadKeyring(a.db);
    const agent = await createAgent(ctxFor(b.db, admin), { ...input(), allowed_scopes: ["svc:read"] });
    const credential = await generateCredential(ctxFor(b.db, admin), { id: agent.id });
    const auth = `Basic ${Buffer.from(`${credential.client_id}:${credential.client_secret}`).toString("base64")}`;
    const facts = { requestId: "r", ip: null, userAgent: null };
    const form = { grant_type: "client_credentials" };
    const issue = async () => issueToken(await authenticateClientRequest({ ...facts, db: a.db }, auth, form, "token"), form);
    expect((await issue()).access_token).toBeTruthy();
    expect((await issue()).access_token).toBeTruthy();
    const changed = once(viewA.events, "change");
    await suspendAgent(ctxFor(b.db, admin), { id: agent.id });
    await changed;
    await expect(issue()).rejects.toMatchObject({ error: "invalid_client" });
  });

  it("learns of a suspension made by another instance through NOTIFY", async () => {
    const agent = await createAgent(ctxFor(b.db, admin), input());
    const changed = once(viewA.events, "change");
    await suspendAgent(ctxFor(b.db, admin), { id: agent.id });
    await changed;
    expect(viewA.inactiveReason({ jti: "j", sub: agent.id })).toBe("agent suspended");
  });

  it("learns of a delegation revoked on another instance, and refuses what was issued under it", async () => {
    const agent = await createAgent(ctxFor(b.db, admin), { ...input(), allowed_scopes: ["svc:read"] });
    const person: Actor = { ...admin, person: { issuer: "https://idp.example", sub: "alice", label: "alice", scopes: new Set(["svc:read"]) } };
    const grant = await createDelegation(ctxFor(b.db, person), { agent_id: agent.id, scopes: ["svc:read"] });
    const delegated = { jti: "d", sub: "https://idp.example#alice", act: { sub: agent.id }, delegation_ids: [grant.id] };
    expect(viewA.inactiveReason(delegated)).toBeNull();
    await revokeDelegation(ctxFor(b.db, person), { id: grant.id });
    // Instance A hears it through NOTIFY (B applied it locally at once).
    await expect.poll(() => viewA.inactiveReason(delegated)).toBe("delegation revoked");
  });
});
