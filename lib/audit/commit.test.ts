import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/schema";
import { onLocalNotice } from "@/lib/events/notify";
import { actorWith, ctxFor, machineCtx } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { commit, type EventDraft } from "./commit";

const draft = (marker: string): EventDraft => ({ kind: "heartbeat", outcome: "success", metadata: { marker } });

describe.each(testTargets())("commit on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
  });
  afterAll(async () => t?.drop());
  const rows = (marker: string) => t.handle.db.select().from(auditEvents).where(eq(sql`${auditEvents.metadata}->>'marker'`, marker));

  it("stamps who acted and the request's facts from the context, never from the draft", async () => {
    const reader = actorWith("audit:read");
    await commit(ctxFor(t.handle.db, reader), async () => ({ value: null, events: [draft("verb")] }));
    await commit(machineCtx(t.handle.db, "system:runner", null), async () => ({ value: null, events: [draft("machine")] }));
    expect(await rows("verb")).toMatchObject([{ actor: reader.label, requestId: "test-request", ip: "127.0.0.1", userAgent: "vitest" }]);
    expect(await rows("machine")).toMatchObject([{ actor: "system:runner", requestId: null }]);
  });

  it("delivers its notices to this instance once committed, and neither events nor notices when the work fails", async () => {
    const heard: unknown[] = [];
    const stop = onLocalNotice(t.handle.db, "vigil_test", (p) => heard.push(p));
    try {
      const value = await commit(machineCtx(t.handle.db), async () => {
        expect(heard).toEqual([]); // not before the commit
        return { value: 42, events: [draft("kept")], notices: [{ channel: "vigil_test", payload: { n: 1 } }] };
      });
      expect(value).toBe(42);
      expect(heard).toEqual([{ n: 1 }]);
      await expect(
        commit(machineCtx(t.handle.db), async (tx) => {
          await tx.execute(sql`select 1`);
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
      expect(heard).toEqual([{ n: 1 }]);
      expect(await rows("kept")).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it("rolls the change back with its events when an event cannot be written", async () => {
    const unknownKind = { ...draft("bad"), kind: "made.up" } as unknown as EventDraft;
    await expect(
      commit(machineCtx(t.handle.db), async (tx) => {
        await tx.execute(sql`insert into autoheal_state (id, enabled, dry_run, updated_by) values (1, true, true, 'test') on conflict (id) do update set updated_by = 'changed-by-a-failed-commit'`);
        return { value: null, events: [draft("before-bad"), unknownKind] };
      }),
    ).rejects.toThrow(/unknown audit event kind "made.up"/);
    expect(await rows("before-bad")).toEqual([]);
    const state = await t.handle.db.execute(sql`select updated_by from autoheal_state where id = 1`);
    expect(JSON.stringify(state)).not.toContain("changed-by-a-failed-commit");
  });
});
