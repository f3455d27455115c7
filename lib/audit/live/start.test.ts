import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "@/lib/errors";
import { actorWith } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { appendAudit } from "../append";
import { liveStart } from "./start";

const reader = actorWith("audit:read");
const event = (kind: string) => ({ kind, actor: "test", outcome: "success" as const });

describe.each(testTargets())("the live page's starting point on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
  });
  afterAll(async () => t?.drop());

  it("starts from the log's end when the log is empty or nothing matches, and from the newest match otherwise", async () => {
    expect(await liveStart(t.handle.db, reader, { n: 5 })).toEqual({ events: [], resume_from: "0" });
    const a = await appendAudit(t.handle.db, event("live.a"));
    const b = await appendAudit(t.handle.db, event("live.b"));
    const c = await appendAudit(t.handle.db, event("live.a"));
    const all = await liveStart(t.handle.db, reader, { n: 2 });
    expect(all.events.map((e) => e.kind)).toEqual(["live.a", "live.b"]);
    expect(all.resume_from).toBe(String(c));
    const onlyB = await liveStart(t.handle.db, reader, { q: "kind=live.b", n: 5 });
    expect(onlyB).toMatchObject({ resume_from: String(b), events: [{ id: String(b) }] });
    expect(await liveStart(t.handle.db, reader, { q: "kind=live.none", n: 5 })).toEqual({ events: [], resume_from: String(c) });
    expect(a).toBeLessThan(b);
  });

  it("refuses a reader without audit:read and a malformed query", async () => {
    await expect(liveStart(t.handle.db, actorWith("agents:read"), { n: 5 })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(liveStart(t.handle.db, reader, { q: "kind=(", n: 5 })).rejects.toThrow(/position/);
  });
});
