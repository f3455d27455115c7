import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "@/lib/db/transaction";
import { queryRows } from "@/lib/db/rows";
import { listen } from "@/lib/events/notify";
import { noRequest } from "@/lib/context";
import { appendTestEvent, testEvent } from "@/lib/testing/audit";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { commitBatched } from "./batch";
import { AUDIT_CHANNEL } from "./tail";

const event = (name: string) => testEvent("heartbeat", { test: name });

describe.each(testTargets())("the log's tail on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
  });
  afterAll(async () => t?.drop());

  it("announces each commit's highest id on the audit channel, only after commit", async () => {
    const heard: unknown[] = [];
    const listener = await listen(t.handle, AUDIT_CHANNEL, (p) => heard.push(p), () => {});
    try {
      await expect(
        inTransaction(t.handle.db, async (tx) => {
          await appendTestEvent(tx, event("rolled_back"));
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      const ctx = { ...noRequest, db: t.handle.db, by: "test" };
      const ids = await Promise.all([1, 2, 3].map((i) => commitBatched(ctx, { kind: "heartbeat", outcome: "success", metadata: { test: `batched.${i}` } })));
      expect(ids).toEqual([undefined, undefined, undefined]); // no token counted
      const last = await appendTestEvent(t.handle.db, event("single"));
      await expect.poll(() => heard.at(-1)).toBe(last);
      const [rolledBack] = await queryRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from audit_events where metadata->>'test' = 'rolled_back'`);
      expect(rolledBack?.n).toBe(0);
      expect(heard.every((id) => typeof id === "number" && id <= last)).toBe(true);
    } finally {
      await listener.stop();
    }
  });

  if (target.name === "postgres") {
    it("hands out ids in commit order: a second writer waits for the first to commit", async () => {
      let releaseFirst!: () => void;
      const firstMayCommit = new Promise<void>((r) => (releaseFirst = r));
      let firstId = 0;
      const first = inTransaction(t.handle.db, async (tx) => {
        firstId = await appendTestEvent(tx, event("first"));
        await firstMayCommit;
      });
      await expect.poll(() => firstId).toBeGreaterThan(0);
      const second = appendTestEvent(t.handle.db, event("second"));
      // Observable, not timed: the second writer is seen waiting on the advisory lock.
      await expect
        .poll(async () => {
          const [row] = await queryRows<{ n: number }>(
            t.handle.db,
            sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`,
          );
          return row?.n;
        })
        .toBe(1);
      releaseFirst();
      await first;
      const secondId = await second;
      expect(secondId).toBeGreaterThan(firstId);
    });
  }
});
