import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agents, auditEvents, credentials } from "@/drizzle/schema";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { generateCredential } from "../credentials/generate";
import { revokeCredential } from "../credentials/revoke";
import { createAgent } from "./create";
import { getAgent } from "./get";
import { listAgents } from "./list";
import { suspendAgent } from "./suspend";
import { reactivateAgent } from "./reactivate";
import { decommissionAgent } from "./decommission";
import { updateAgent } from "./update";

const writer = actorWith("agents:write", "agents:read");
const reader = actorWith("agents:read");
let seq = 0;
const newAgent = (extra: Record<string, unknown> = {}) => ({
  name: `agent ${++seq}`,
  email: `agent-${seq}-${Math.random().toString(36).slice(2)}@example.com`,
  owner: "platform",
  deployment_env: "staging",
  allowed_scopes: ["svc:read"],
  ...extra,
});

describe.each(testTargets())("agents on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
  });
  afterAll(async () => t?.drop());
  const ctx = (actor = writer) => ctxFor(t.handle.db, actor);
  const auditCount = async (kind: string, agentId: string) => {
    const [row] = await t.handle.db
      .select({ n: count() })
      .from(auditEvents)
      .where(sql`${auditEvents.kind} = ${kind} and ${auditEvents.agentId} = ${agentId}`);
    return row?.n ?? 0;
  };

  it("creates an agent and its audit event together", async () => {
    const agent = await createAgent(ctx(), newAgent());
    expect(agent).toMatchObject({ status: "active", owner: "platform", allowed_scopes: ["svc:read"], last_seen_at: null });
    expect(await auditCount("agent.created", agent.id)).toBe(1);
    const [event] = await t.handle.db.select().from(auditEvents).where(eq(auditEvents.agentId, agent.id));
    expect(event).toMatchObject({ actor: writer.label, outcome: "success", requestId: "test-request", ip: "127.0.0.1" });
  });

  it("refuses a caller without agents:write before touching anything", async () => {
    const before = await t.handle.db.select({ n: count() }).from(agents);
    await expect(createAgent(ctx(reader), newAgent())).rejects.toBeInstanceOf(ForbiddenError);
    expect(await t.handle.db.select({ n: count() }).from(agents)).toEqual(before);
  });

  it("names bad and unknown fields", async () => {
    const error = await createAgent(ctx(), { ...newAgent({ email: "not-an-email" }), colour: "blue" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/unknown field: colour/);
    const bad = await createAgent(ctx(), newAgent({ email: "nope" })).catch((e: unknown) => e);
    expect((bad as ValidationError).fields).toContainEqual({ path: "email", message: "email must be an email address" });
  });

  it("keeps labels (key/value, for runtime policy), changes them with their before and after, and refuses bad keys", async () => {
    const agent = await createAgent(ctx(), newAgent({ labels: { team: "billing", "cost.centre": "42" } }));
    expect(agent.labels).toEqual({ team: "billing", "cost.centre": "42" });
    expect((await createAgent(ctx(), newAgent())).labels).toEqual({});
    const updated = await updateAgent(ctx(), { id: agent.id, labels: { team: "growth" } });
    expect(updated.labels).toEqual({ team: "growth" });
    const [event] = await t.handle.db.select().from(auditEvents).where(sql`${auditEvents.kind} = 'agent.updated' and ${auditEvents.agentId} = ${agent.id}`);
    expect(event?.metadata).toMatchObject({ changes: { labels: { from: { team: "billing", "cost.centre": "42" }, to: { team: "growth" } } } });
    const bad = await createAgent(ctx(), newAgent({ labels: { "Team!": "x" } })).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).message).toMatch(/label key/);
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"]));
    await expect(createAgent(ctx(), newAgent({ labels: many }))).rejects.toThrow(/at most 32 labels/);
  });

  it("keeps emails unique, as a 409, without a stray audit event", async () => {
    const input = newAgent();
    const first = await createAgent(ctx(), input);
    await expect(createAgent(ctx(), { ...newAgent(), email: input.email.toUpperCase() })).rejects.toBeInstanceOf(ConflictError);
    const [row] = await t.handle.db.select({ n: count() }).from(auditEvents).where(eq(auditEvents.kind, "agent.created"));
    const [agentsRow] = await t.handle.db.select({ n: count() }).from(agents);
    expect(row?.n).toBe(agentsRow?.n);
    expect(first.email).toBe(input.email);
  });

  it("does not let agents:write grant Vigil scopes the caller lacks", async () => {
    await expect(createAgent(ctx(), newAgent({ allowed_scopes: ["admin"] }))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createAgent(ctx(), newAgent({ allowed_scopes: ["audit:read"] }))).rejects.toBeInstanceOf(ForbiddenError);
    const admin = actorWith("admin");
    const agent = await createAgent(ctx(admin), newAgent({ allowed_scopes: ["admin"] }));
    expect(agent.allowed_scopes).toEqual(["admin"]);
  });

  it("does not let agents:write manage an agent holding scopes it lacks (no path to admin)", async () => {
    const admin = actorWith("admin");
    const powerful = await createAgent(ctx(admin), newAgent({ allowed_scopes: ["admin"] }));
    const before = await t.handle.db.select({ n: count() }).from(credentials).where(eq(credentials.agentId, powerful.id));
    await expect(generateCredential(ctx(), { id: powerful.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(suspendAgent(ctx(), { id: powerful.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateAgent(ctx(), { id: powerful.id, owner: "me" })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await t.handle.db.select({ n: count() }).from(credentials).where(eq(credentials.agentId, powerful.id))).toEqual(before);
    expect((await getAgent(ctx(reader), { id: powerful.id })).status).toBe("active");
    // An admin may, and agents:write may manage ordinary agents.
    expect((await generateCredential(ctx(admin), { id: powerful.id })).client_secret).toMatch(/^vgs_/);
    const ordinary = await createAgent(ctx(), newAgent());
    expect((await generateCredential(ctx(), { id: ordinary.id })).client_secret).toMatch(/^vgs_/);
  });

  it("rolls the change back when its audit event cannot be written", async () => {
    const input = newAgent();
    await t.handle.db.execute(sql`alter table audit_events rename to audit_events_away`);
    try {
      await expect(createAgent(ctx(), input)).rejects.toThrow();
    } finally {
      await t.handle.db.execute(sql`alter table audit_events_away rename to audit_events`);
    }
    const rows = await t.handle.db.select().from(agents).where(eq(agents.email, input.email));
    expect(rows).toEqual([]);
  });

  it("updates fields and records what changed", async () => {
    const agent = await createAgent(ctx(), newAgent());
    const updated = await updateAgent(ctx(), { id: agent.id, owner: "sre", allowed_scopes: ["svc:read", "svc:write"] });
    expect(updated).toMatchObject({ owner: "sre", allowed_scopes: ["svc:read", "svc:write"] });
    const [event] = await t.handle.db
      .select()
      .from(auditEvents)
      .where(sql`${auditEvents.kind} = 'agent.updated' and ${auditEvents.agentId} = ${agent.id}`);
    expect(event?.metadata).toEqual({ changes: { owner: { from: "platform", to: "sre" }, allowed_scopes: { from: ["svc:read"], to: ["svc:read", "svc:write"] } } });
    await expect(updateAgent(ctx(), { id: agent.id })).rejects.toBeInstanceOf(ValidationError);
  });

  it("switches to a public client only once no credential with a secret is live", async () => {
    const agent = await createAgent(ctx(), newAgent());
    const credential = await generateCredential(ctx(), { id: agent.id });
    await expect(updateAgent(ctx(), { id: agent.id, client_type: "public" })).rejects.toThrow(/1 active credential with a secret/);
    expect((await getAgent(ctx(reader), { id: agent.id })).client_type).toBe("confidential");
    await revokeCredential(ctx(), { id: agent.id, credentialId: credential.id });
    expect((await updateAgent(ctx(), { id: agent.id, client_type: "public" })).client_type).toBe("public");
    const secretless = await generateCredential(ctx(), { id: agent.id });
    expect(secretless.client_secret).toBeNull();
  });

  it("treats unknown and malformed ids as not found", async () => {
    await expect(getAgent(ctx(reader), { id: "7f1d6f1e-0000-4000-8000-000000000000" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getAgent(ctx(reader), { id: "'; drop table agents; --" })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("walks the status machine; decommission is final and revokes credentials", async () => {
    const agent = await createAgent(ctx(), newAgent());
    await generateCredential(ctx(), { id: agent.id });
    await generateCredential(ctx(), { id: agent.id });
    await expect(reactivateAgent(ctx(), { id: agent.id })).rejects.toBeInstanceOf(ConflictError);
    expect((await suspendAgent(ctx(), { id: agent.id })).status).toBe("suspended");
    expect((await reactivateAgent(ctx(), { id: agent.id })).status).toBe("active");
    expect((await decommissionAgent(ctx(), { id: agent.id })).status).toBe("decommissioned");
    const creds = await t.handle.db.select().from(credentials).where(eq(credentials.agentId, agent.id));
    expect(creds.map((c) => c.status)).toEqual(["revoked", "revoked"]);
    await expect(reactivateAgent(ctx(), { id: agent.id })).rejects.toBeInstanceOf(ConflictError);
    await expect(updateAgent(ctx(), { id: agent.id, name: "again" })).rejects.toBeInstanceOf(ConflictError);
    await expect(generateCredential(ctx(), { id: agent.id })).rejects.toBeInstanceOf(ConflictError);
    const [event] = await t.handle.db
      .select()
      .from(auditEvents)
      .where(sql`${auditEvents.kind} = 'agent.decommissioned' and ${auditEvents.agentId} = ${agent.id}`);
    expect(event?.metadata).toMatchObject({ from: "active", to: "decommissioned", revoked_credentials: 2 });
  });

  it("lists with filters and a cursor that visits every agent once", async () => {
    const owner = `owner-${Math.random().toString(36).slice(2)}`;
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await createAgent(ctx(), newAgent({ owner })));
    const suspendedAgent = made[3];
    if (!suspendedAgent) throw new Error("setup");
    await suspendAgent(ctx(), { id: suspendedAgent.id });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAgents(ctx(reader), { owner, limit: "3", ...(cursor ? { cursor } : {}) });
      seen.push(...page.agents.map((a) => a.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(made.map((a) => a.id).reverse());

    const suspended = await listAgents(ctx(reader), { owner, status: "suspended" });
    expect(suspended.agents.map((a) => a.id)).toEqual([suspendedAgent.id]);
    const search = await listAgents(ctx(reader), { search: made[0]?.email.slice(0, 12) ?? "" });
    expect(search.agents.map((a) => a.id)).toContain(made[0]?.id);
    await expect(listAgents(ctx(reader), { status: "sleeping" })).rejects.toBeInstanceOf(ValidationError);
    await expect(listAgents(ctx(reader), { cursor: "garbage" })).rejects.toBeInstanceOf(ValidationError);
  });
});
