import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { isEventKind } from "../kinds";
import { appendTestEvent, testEvent } from "@/lib/testing/audit";
import { liveStart } from "./start";

const reader = actorWith("audit:read");
const event = (name: string, metadata: Record<string, unknown> = {}) => (isEventKind(name) ? testEvent(name, metadata) : testEvent("heartbeat", { ...metadata, test: name }));

describe.each(testTargets())("the live page's starting point on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
  });
  afterAll(async () => t?.drop());

  it("starts from the log's end when the log is empty or nothing matches, and from the newest match otherwise", async () => {
    expect(await liveStart(ctxFor(t.handle.db, reader), { n: 5 })).toEqual({ events: [], resume_from: "0" });
    const a = await appendTestEvent(t.handle.db, event("agent.created"));
    const b = await appendTestEvent(t.handle.db, event("agent.updated"));
    const c = await appendTestEvent(t.handle.db, event("agent.created"));
    const all = await liveStart(ctxFor(t.handle.db, reader), { n: 2 });
    expect(all.events.map((e) => e.kind)).toEqual(["agent.created", "agent.updated"]);
    expect(all.resume_from).toBe(String(c));
    const onlyB = await liveStart(ctxFor(t.handle.db, reader), { q: "kind=agent.updated", n: 5 });
    expect(onlyB).toMatchObject({ resume_from: String(b), events: [{ id: String(b) }] });
    expect(await liveStart(ctxFor(t.handle.db, reader), { q: "kind=agent.decommissioned", n: 5 })).toEqual({ events: [], resume_from: String(c) });
    expect(a).toBeLessThan(b);
  });

  it("refuses a reader without audit:read and a malformed query", async () => {
    await expect(liveStart(ctxFor(t.handle.db, actorWith("agents:read")), { n: 5 })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(liveStart(ctxFor(t.handle.db, reader), { q: "kind=(", n: 5 })).rejects.toThrow(/position/);
  });
});
