import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agents, auditEvents, autohealState, tokenMonthlyCounts } from "@/drizzle/schema";
import { ForbiddenError, NotFoundError } from "@/lib/errors";
import { monthOf } from "@/lib/identity/tokens/quota";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { agentUsage } from "./agent-usage";
import { consoleOverview } from "./overview";

const HOUR = 3_600_000;
const reader = actorWith("audit:read", "agents:read");
// A fixed "now" half past an hour, so bucket boundaries are known.
const NOW = new Date(Math.floor(Date.now() / HOUR) * HOUR + HOUR / 2);
const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe.each(testTargets())("console views on $name", (target) => {
  let t: TestDatabase;
  let agentId = "";
  let idle = "";
  beforeAll(async () => {
    t = await target.open();
    const made = await t.handle.db
      .insert(agents)
      .values([
        { name: "a", email: "a@example.com", owner: "o", deploymentEnv: "test", allowedScopes: [], monthlyTokenQuota: 1000 },
        { name: "b", email: "b@example.com", owner: "o", deploymentEnv: "test", allowedScopes: [], status: "suspended" },
      ])
      .returning();
    agentId = made[0]?.id ?? "";
    idle = made[1]?.id ?? "";
    const event = (kind: string, ts: Date, outcome: "success" | "failure" = "success", agent: string | null = agentId) => ({
      kind,
      ts,
      actor: "test",
      outcome,
      agentId: agent,
    });
    await t.handle.db.insert(auditEvents).values([
      event("token.issued", ago(10 * 60_000)),
      event("token.issued", ago(10 * 60_000)),
      event("token.issued", ago(3 * HOUR)),
      event("token.issued", ago(25 * HOUR)), // outside the 24 h window, inside the 14 days
      event("token.issued", ago(20 * 24 * HOUR)), // outside both
      event("auth.failed", ago(HOUR), "failure", null),
      event("action_ok", ago(2 * HOUR)),
      event("action_ok", ago(2 * HOUR)),
      event("action_ok", ago(2 * HOUR)),
      event("action_fail", ago(5 * HOUR), "failure"),
      event("token.issued", ago(5 * 60_000), "success", idle),
    ]);
    await t.handle.db.insert(tokenMonthlyCounts).values({ agentId, month: monthOf(), count: 42 });
  });
  afterAll(async () => t?.drop());

  it("counts the last 24 hours by kind, in hourly UTC buckets", async () => {
    const o = await consoleOverview(ctxFor(t.handle.db, reader), {}, NOW);
    expect(o).toMatchObject({ active_agents: 1, tokens_issued: 4, auth_failures: 1 });
    expect(o.actions).toEqual({ ok: 3, failed: 1, success_rate: 0.75, target: 0.95 });
    expect(o.hours).toHaveLength(25);
    expect(o.hours.at(-1)).toBe(new Date(Math.floor(NOW.getTime() / HOUR) * HOUR).toISOString().replace(".000Z", "Z"));
    const tokens = o.kinds.find((k) => k.kind === "token.issued");
    expect(tokens?.hourly.at(-1)).toBe(3); // two at -10 min, one at -5 min (the idle agent's)
    expect(tokens?.hourly.at(-4)).toBe(1);
    expect(o.kinds[0]?.kind).toBe("token.issued");
    expect(o.kinds.reduce((n, k) => n + k.total, 0)).toBe(9);
  });

  it("says there were no actions rather than a rate of zero", async () => {
    const o = await consoleOverview(ctxFor(t.handle.db, reader), {}, new Date(NOW.getTime() + 40 * 24 * HOUR));
    expect(o.actions.success_rate).toBeNull();
    expect(o.tokens_issued).toBe(0);
  });

  it("shows the shared autoheal switches (an admin's toggle), not the environment's defaults", async () => {
    await t.handle.db
      .insert(autohealState)
      .values({ id: 1, enabled: true, dryRun: false, updatedBy: "user:test" })
      .onConflictDoUpdate({ target: autohealState.id, set: { enabled: true, dryRun: false } });
    expect((await consoleOverview(ctxFor(t.handle.db, reader), {}, NOW)).autoheal).toEqual({ enabled: true, dry_run: false });
    await t.handle.db.update(autohealState).set({ enabled: false });
    expect((await consoleOverview(ctxFor(t.handle.db, reader), {}, NOW)).autoheal).toEqual({ enabled: false, dry_run: false });
  });

  it("refuses an actor without audit:read or agents:read", async () => {
    await expect(consoleOverview(ctxFor(t.handle.db, actorWith("agents:read")))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(consoleOverview(ctxFor(t.handle.db, actorWith("audit:read")))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(agentUsage(ctxFor(t.handle.db, actorWith("agents:read")), { id: agentId })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("gives an agent's tokens per day for 14 days and its month against the quota", async () => {
    const u = await agentUsage(ctxFor(t.handle.db, reader), { id: agentId }, NOW);
    expect(u.days).toHaveLength(14);
    expect(u.days.at(-1)?.day).toBe(NOW.toISOString().slice(0, 10));
    expect(u.days.reduce((n, d) => n + d.tokens, 0)).toBe(4);
    expect(u).toMatchObject({ month: monthOf(NOW), month_tokens: 42, quota: 1000, last_seen_at: null });
    const other = await agentUsage(ctxFor(t.handle.db, reader), { id: idle }, NOW);
    expect(other).toMatchObject({ month_tokens: 0, quota: null });
    expect(other.days.reduce((n, d) => n + d.tokens, 0)).toBe(1);
  });

  it("answers 404 for an unknown agent", async () => {
    await expect(agentUsage(ctxFor(t.handle.db, reader), { id: "4f0c0000-0000-4000-8000-000000000000" })).rejects.toBeInstanceOf(NotFoundError);
  });
});
