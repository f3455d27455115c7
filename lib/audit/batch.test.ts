import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/lib/db/rows";
import { machineCtx } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { commitBatched, commitClaimed, recordBatched, type ClaimWriter } from "./batch";

type Claim = { name: string; win: boolean; explode?: boolean };

describe.each(testTargets())("group commit of claims on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
  });
  afterAll(async () => t?.drop());
  const logged = async (prefix: string) =>
    (await queryRows<{ name: string }>(t.handle.db, sql`select metadata->>'claim' as name from audit_events where metadata->>'claim' like ${`${prefix}%`} order by id`)).map((r) => r.name);

  // The writer sees every claim of a batch at once and stakes them in the statement: here
  // the claims that say so win, and one that explodes fails the statement it is in.
  const batches: string[][] = [];
  const writer: ClaimWriter<Claim> = {
    name: "test-claims",
    stake: (claims) => {
      batches.push(claims.map((c) => c.name));
      const winners = JSON.stringify(claims.flatMap((c, i) => (c.win ? [i] : [])));
      const explode = claims.some((c) => c.explode) ? sql`1 / 0` : sql`1`;
      return sql`won as (select value::int as item from jsonb_array_elements_text(${winners}::jsonb)), staked as (select 1 where ${explode} = 1)`;
    },
  };
  const claim = (c: Claim) => commitClaimed(machineCtx(t.handle.db), writer, c, { kind: "heartbeat", outcome: "success", metadata: { claim: c.name } });

  it("writes the winners' events in one commit and nothing of the losers", async () => {
    const results = await Promise.all([claim({ name: "a.1", win: true }), claim({ name: "a.2", win: false }), claim({ name: "a.3", win: true })]);
    expect(results.map((r) => r.won)).toEqual([true, false, true]);
    expect(await logged("a.")).toEqual(["a.1", "a.3"]);
    // Concurrent callers shared a batch (the first flush takes one, the rest wait for the next).
    expect(batches.filter((b) => b.some((n) => n.startsWith("a."))).length).toBeLessThan(3);
  });

  it("records events without waiting until the backlog passes 5,000, then waits; every one is written", async () => {
    const ctx = machineCtx(t.handle.db);
    const record = (i: number) => recordBatched(ctx, { kind: "heartbeat", outcome: "success", metadata: { claim: `r.${i}` } }, "a test event");
    const calls = Array.from({ length: 5_002 }, (_, i) => record(i));
    // The last one found more than 5,000 waiting: it returns only once its own row is committed.
    await calls[5_001];
    const [last] = await queryRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from audit_events where metadata->>'claim' = 'r.5001'`);
    expect(last?.n).toBe(1);
    await Promise.all(calls);
    // The batcher is first in, first out: once a later event commits, every earlier one has.
    await commitBatched(ctx, { kind: "heartbeat", outcome: "success", metadata: { claim: "r.after" } });
    const [all] = await queryRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from audit_events where metadata->>'claim' like 'r.%'`);
    expect(all?.n).toBe(5_003);
  });

  it("fails only the claim that cannot be written, not its neighbours", async () => {
    const results = await Promise.allSettled([claim({ name: "b.1", win: true }), claim({ name: "b.2", win: true, explode: true }), claim({ name: "b.3", win: true })]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await logged("b.")).toEqual(["b.1", "b.3"]);
  });
});
