import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openDatabase } from "@/lib/db/client";
import { queryRows } from "@/lib/db/rows";
import { inTransaction } from "@/lib/db/transaction";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { isEventKind } from "../kinds";
import { appendTestEvent, testEvent } from "@/lib/testing/audit";
import { AuditHub, type HubSubscriber, type LiveEvent } from "./hub";

const event = (name: string, metadata: Record<string, unknown> = {}) => (isEventKind(name) ? testEvent(name, metadata) : testEvent("heartbeat", { ...metadata, test: name }));

function subscriber(kind?: string) {
  const got: LiveEvent[] = [];
  let ended = false;
  const sub: HubSubscriber = {
    filterKey: kind ?? "",
    // A real kind, or the name a test gave a heartbeat event (kinds are a closed list).
    matches: (e) => kind === undefined || e.kind === kind || e.metadata.test === kind,
    deliver: (e) => got.push(e),
    end: () => (ended = true),
  };
  return { got, sub, ended: () => ended, ids: () => got.map((e) => e.id) };
}

describe.each(testTargets())("live hub on $name", (target) => {
  let t: TestDatabase;
  let hub: AuditHub;
  beforeAll(async () => {
    t = await target.open();
    hub = new AuditHub(t.handle);
  });
  afterAll(async () => {
    await hub?.stop();
    await t?.drop();
  });

  it("fans each committed event out once, in id order, to matching subscribers only, from where each joined", async () => {
    const before = await appendTestEvent(t.handle.db, event("agent.created"));
    const a = subscriber("agent.created");
    const all = subscriber();
    const joinedA = await hub.subscribe(a.sub);
    const joinedAll = await hub.subscribe(all.sub);
    expect(joinedA.from).toBeGreaterThanOrEqual(before);
    expect(hub.size).toBe(2);
    const ids: number[] = [];
    for (const kind of ["agent.created", "agent.updated", "agent.created"]) ids.push(await appendTestEvent(t.handle.db, event(kind)));
    await expect.poll(() => all.ids()).toEqual(ids);
    expect(a.ids()).toEqual([ids[0], ids[2]]);
    // One view and one frame per event, shared by every subscriber.
    expect(a.got[0]).toBe(all.got[0]);
    expect(new TextDecoder().decode(a.got[0]?.frame)).toBe(`id: ${ids[0]}\ndata: ${JSON.stringify(a.got[0]?.view)}\n\n`);
    joinedA.unsubscribe();
    joinedA.unsubscribe();
    joinedAll.unsubscribe();
    expect(hub.size).toBe(0);
  });

  it("reads the table once per batch of commits, not once per subscriber", async () => {
    const subs = Array.from({ length: 50 }, () => subscriber("hub.batch"));
    const joined = await Promise.all(subs.map((s) => hub.subscribe(s.sub)));
    const reads = vi.spyOn(t.handle.db, "select");
    try {
      const ids = await inTransaction(t.handle.db, async (tx) => [
        await appendTestEvent(tx, event("hub.batch")),
        await appendTestEvent(tx, event("hub.batch")),
        await appendTestEvent(tx, event("hub.batch")),
      ]);
      await expect.poll(() => subs.every((s) => s.ids().join() === ids.join())).toBe(true);
      // Three notifications (one per insert) at most; a read per subscriber would be 50.
      expect(reads.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(reads.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      reads.mockRestore();
      for (const j of joined) j.unsubscribe();
    }
  });

  it("skips rolled-back ids and moves its cursor without reading while nobody listens", async () => {
    await expect(
      inTransaction(t.handle.db, async (tx) => {
        await appendTestEvent(tx, event("hub.rolled_back"));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const reads = vi.spyOn(t.handle.db, "select");
    try {
      const last = await appendTestEvent(t.handle.db, event("hub.unheard"));
      await expect.poll(() => hub.position).toBe(last);
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
    const s = subscriber();
    const joined = await hub.subscribe(s.sub);
    const next = await appendTestEvent(t.handle.db, event("hub.heard"));
    await expect.poll(() => s.ids()).toEqual([next]);
    joined.unsubscribe();
  });

  if (target.name === "postgres") {
    it("delivers events committed through another connection pool (another instance)", async () => {
      const other = await openDatabase({ kind: "postgres", url: t.handle.url ?? "" }, 2);
      const s = subscriber("hub.elsewhere");
      const joined = await hub.subscribe(s.sub);
      try {
        const id = await appendTestEvent(other.db, event("hub.elsewhere"));
        await expect.poll(() => s.ids()).toEqual([id]);
      } finally {
        joined.unsubscribe();
        await other.close();
      }
    });

    it("after its LISTEN connection is lost, reads what committed meanwhile once it is back", async () => {
      const s = subscriber("hub.reconnect");
      const joined = await hub.subscribe(s.sub);
      try {
        const listening = sql`select pid from pg_stat_activity where datname = current_database() and query ilike 'listen%'`;
        const [backend] = await queryRows<{ pid: number }>(t.handle.db, listening);
        expect(backend).toBeDefined();
        await queryRows(t.handle.db, sql`select pg_terminate_backend(${backend?.pid ?? 0})`);
        // Written while the hub may not be listening: its NOTIFY can go unheard.
        const missed = await appendTestEvent(t.handle.db, event("hub.reconnect"));
        await expect.poll(() => s.ids(), { timeout: 15_000 }).toEqual([missed]);
        await expect.poll(async () => (await queryRows(t.handle.db, listening)).length, { timeout: 15_000 }).toBe(1);
        const after = await appendTestEvent(t.handle.db, event("hub.reconnect"));
        await expect.poll(() => s.ids()).toEqual([missed, after]);
      } finally {
        joined.unsubscribe();
      }
    });
  }

  it("ends its subscribers when it stops", async () => {
    const s = subscriber();
    await hub.subscribe(s.sub);
    await hub.stop();
    expect(s.ended()).toBe(true);
    await expect(hub.subscribe(subscriber().sub)).rejects.toThrow("stopped");
  });
});
