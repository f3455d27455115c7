import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/schema";
import { setConfig, getConfig } from "@/lib/config";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { sealCheckpoint } from "../checkpoints/seal";
import { verifyAudit } from "../checkpoints/verify";
import { createHold } from "./hold-create";
import { listHolds } from "./hold-list";
import { releaseHold } from "./hold-release";
import { dailyPartitions, ensurePartitions } from "./partitions";
import { runRetention } from "./run";

const DAY = 86_400_000;
const admin = actorWith("admin");

describe.each(testTargets())("audit retention on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openLikeServer(target);
    setConfig({ ...getConfig(), AUDIT_RETENTION_DAYS: 14 });
  });
  afterAll(async () => t?.drop());
  beforeEach(async () => {
    await t.handle.db.execute(sql`truncate audit_events, audit_checkpoints, audit_retention_runs, audit_legal_holds restart identity`);
  });

  /** Events `daysAgo` old, written straight into the table (as time would have). */
  async function eventsAt(daysAgo: number, n: number, extra: Partial<typeof auditEvents.$inferInsert> = {}) {
    const ts = new Date(Date.now() - daysAgo * DAY);
    await ensurePartitions(t.handle.db, ts.getTime());
    await t.handle.db.insert(auditEvents).values(Array.from({ length: n }, () => ({ ts, kind: "token.issued", actor: "agent:x", outcome: "success" as const, ...extra })));
  }
  const partitionOf = (daysAgo: number) => `audit_events_p${new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10).replaceAll("-", "")}`;
  const remaining = async () => Number((await t.handle.db.select({ n: count() }).from(auditEvents))[0]?.n);
  const sealAll = async () => {
    while (await sealCheckpoint(t.handle.db));
  };

  it("drops whole partitions past the cutoff once sealed, records the run, and verify calls them expired", async () => {
    await eventsAt(20, 5);
    await eventsAt(16, 5);
    expect(await runRetention(t.handle.db)).toBeNull(); // nothing sealed yet: nothing may go
    await sealAll();
    await eventsAt(1, 5);
    const result = await runRetention(t.handle.db);
    expect(result).toMatchObject({ removed: 10, through_seq: 1 });
    expect(result?.dropped_partitions).toEqual(expect.arrayContaining([partitionOf(20), partitionOf(16)]));
    const cutoff = Date.now() - 14 * DAY;
    expect((await dailyPartitions(t.handle.db)).filter((p) => p.to.getTime() <= cutoff)).toEqual([]);
    const [event] = await t.handle.db.select().from(auditEvents).where(eq(auditEvents.kind, "audit.retention"));
    expect(event?.metadata).toMatchObject({ removed: 10, retention_days: 14 });
    await sealAll();
    const report = await verifyAudit(ctxFor(t.handle.db, actorWith("audit:read")), {});
    expect(report).toMatchObject({ ok: true, expired_checkpoints: 1 });
    expect(await runRetention(t.handle.db)).toBeNull(); // idempotent
  });

  it("never removes unsealed events or events under a legal hold; a released hold lets them go", async () => {
    await eventsAt(30, 3, { kind: "auth.failed", agentId: "4f0c7a4e-3c1b-4d2a-9e8f-0123456789ab" });
    await eventsAt(30, 3);
    await sealAll();
    await eventsAt(25, 2); // past the cutoff but not sealed
    const hold = await createHold(ctxFor(t.handle.db, admin), { reason: "case 4711", q: "kind=auth.failed" });
    const result = await runRetention(t.handle.db);
    expect(result).toMatchObject({ removed: 3, held: true });
    expect(result?.dropped_partitions).not.toContain(partitionOf(30)); // holds an event on hold
    expect(result?.dropped_partitions).not.toContain(partitionOf(25)); // holds unsealed events
    expect(await remaining()).toBe(3 + 2 + 2); // held, unsealed, and the two hold/retention events
    expect((await listHolds(ctxFor(t.handle.db, admin))).holds[0]).toMatchObject({ reason: "case 4711", active: true });
    await releaseHold(ctxFor(t.handle.db, admin), { id: hold.id });
    await expect(releaseHold(ctxFor(t.handle.db, admin), { id: hold.id })).rejects.toThrow(/already released/);
    expect(await runRetention(t.handle.db)).toMatchObject({ removed: 3 });
  });

  it("refuses a hold with a bad query or range, and a caller who is not admin", async () => {
    await expect(createHold(ctxFor(t.handle.db, admin), { reason: "x", q: "kind=" })).rejects.toThrow();
    await expect(createHold(ctxFor(t.handle.db, admin), { reason: "case", q: "kind=(" })).rejects.toThrow(/expected/i);
    await expect(createHold(ctxFor(t.handle.db, admin), { reason: "case", since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" })).rejects.toThrow(/since must not be after until/);
    await expect(createHold(ctxFor(t.handle.db, actorWith("audit:read")), { reason: "case" })).rejects.toThrow();
  });
});
