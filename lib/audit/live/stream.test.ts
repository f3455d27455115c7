import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/schema";
import { ForbiddenError, ServiceUnavailableError } from "@/lib/errors";
import { getMetrics } from "@/lib/observability/metrics";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { SseReader } from "@/lib/testing/sse-reader";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { isEventKind } from "../kinds";
import { appendTestEvent, testEvent } from "@/lib/testing/audit";
import { QuerySyntaxError } from "../query";
import { liveHub } from "./hub";
import type { Lapse } from "@/lib/context";
import { LAPSED_EVENT, OPENING_EVENT, openLiveStream, REPLAY_PAGE, RETRY_MS, type LiveStreamOptions } from "./stream";

const reader = actorWith("audit:read");
const defaults: LiveStreamOptions = { heartbeatMs: 60_000, maxQueueBytes: 1024 * 1024, maxSubscribers: 100 };
const event = (name: string, metadata: Record<string, unknown> = {}) => (isEventKind(name) ? testEvent(name, metadata) : testEvent("heartbeat", { ...metadata, test: name }));
const ids = (blocks: { id?: string }[]) => blocks.map((b) => Number(b.id));
/** The opening block: a retry hint, and a named event carrying the id the stream starts after. */
async function openingOf(stream: SseReader): Promise<number> {
  const block = await stream.next();
  expect(block?.retry).toBe(String(RETRY_MS));
  expect(block?.event).toBe(OPENING_EVENT);
  expect(block?.id).toMatch(/^\d+$/);
  expect(JSON.parse(block?.data ?? "")).toEqual({ last_event_id: block?.id });
  return Number(block?.id);
}

describe.each(testTargets())("live stream on $name", (target) => {
  let t: TestDatabase;
  const open = (raw: Record<string, string>, options: Partial<LiveStreamOptions> = {}, signal?: AbortSignal) =>
    openLiveStream({ ...ctxFor(t.handle.db, reader), signal }, raw, { ...defaults, ...options }).then((s) => new SseReader(s));
  const append = (kind: string, metadata?: Record<string, unknown>) => appendTestEvent(t.handle.db, event(kind, metadata));
  const subscribers = async () => (await getMetrics().sseSubscribers.get()).values[0]?.value;

  beforeAll(async () => {
    t = await target.open();
  });
  afterAll(async () => {
    if (t) await liveHub(t.handle).stop();
    await t?.drop();
  });

  it("refuses a caller without audit:read, a malformed query and a malformed id before any stream exists", async () => {
    await expect(openLiveStream(ctxFor(t.handle.db, actorWith("agents:read")), {}, defaults)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(open({ q: "(kind=x" })).rejects.toBeInstanceOf(QuerySyntaxError);
    await expect(open({ last_event_id: "12abc" })).rejects.toThrow(/Last-Event-ID/);
    await expect(open({ colour: "blue" })).rejects.toThrow(/unknown field/);
    expect(liveHub(t.handle).size).toBe(0);
  });

  it("starts at the log's end: a retry hint and an opening event naming the starting id first, then each new matching event", async () => {
    await append("live.start");
    const stream = await open({ q: "meta.test=live.start" });
    expect(await openingOf(stream)).toBe(liveHub(t.handle).position);
    await append("live.other");
    const id = await append("live.start", { n: 1 });
    const got = await stream.nextEvent();
    expect(got?.id).toBe(String(id));
    expect(got?.event).toBeUndefined();
    expect(JSON.parse(got?.data ?? "")).toMatchObject({ id: String(id), kind: "heartbeat", metadata: { n: 1, test: "live.start" } });
    expect(await subscribers()).toBe(1);
    await stream.cancel();
    expect(liveHub(t.handle).size).toBe(0);
    expect(await subscribers()).toBe(0);
  });

  it("replays what was missed from the table, page after page, then goes live with no gap and no duplicate", async () => {
    // More than two replay pages, written as rows (no notification), half of them matching.
    const rows = Array.from({ length: REPLAY_PAGE * 2 + 100 }, (_, i) => ({ kind: "heartbeat", actor: "test", outcome: "success" as const, metadata: { test: i % 2 ? "replay.match" : "replay.other" } }));
    const inserted = (await t.handle.db.insert(auditEvents).values(rows).returning({ id: auditEvents.id, metadata: auditEvents.metadata })).map((r) => ({ id: r.id, test: r.metadata.test }));
    const resumeAt = inserted[10]?.id ?? 0;
    const stream = await open({ q: "meta.test=replay.match", last_event_id: String(resumeAt) });
    // A resumed stream opens at the id it resumes from: a second drop before any event loses nothing either.
    expect(await openingOf(stream)).toBe(resumeAt);
    // Written while the replay reads: each arrives once, after everything before it.
    const live = await Promise.all(Array.from({ length: 20 }, (_, i) => append(i % 2 ? "replay.match" : "replay.other")));
    const liveMatching = live.filter((_, i) => i % 2).sort((a, b) => a - b);
    const last = liveMatching.at(-1) ?? 0;
    const got = await stream.until((b) => Number(b.id) === last);
    const expected = [...inserted.filter((r) => r.test === "replay.match" && r.id > resumeAt).map((r) => r.id), ...liveMatching];
    expect(ids(got)).toEqual(expected);
    const more = await append("replay.match");
    expect(ids([(await stream.nextEvent()) ?? {}])).toEqual([more]);
    await stream.cancel();
  });

  it("replays from since_id when there is no Last-Event-ID", async () => {
    const first = await append("since.kind");
    const second = await append("since.kind");
    const stream = await open({ q: "meta.test=since.kind", since_id: String(first - 1) });
    expect(await openingOf(stream)).toBe(first - 1);
    expect(ids(await stream.until((b) => Number(b.id) === second))).toEqual([first, second]);
    await stream.cancel();
  });

  it("leaves heartbeats out of the replay and the live part with heartbeats=false (and only then)", async () => {
    const beat = await appendTestEvent(t.handle.db, testEvent("heartbeat", { test: "beats" }));
    const real = await appendTestEvent(t.handle.db, testEvent("key.rotated", { test: "beats" }));
    const hidden = await open({ q: "meta.test=beats", since_id: String(beat - 1), heartbeats: "false" });
    const all = await open({ q: "meta.test=beats", since_id: String(beat - 1) });
    await openingOf(hidden);
    await openingOf(all);
    const beat2 = await appendTestEvent(t.handle.db, testEvent("heartbeat", { test: "beats" }));
    const last = await appendTestEvent(t.handle.db, testEvent("key.rotated", { test: "beats" }));
    expect(ids(await hidden.until((b) => Number(b.id) === last))).toEqual([real, last]);
    expect(ids(await all.until((b) => Number(b.id) === last))).toEqual([beat, real, beat2, last]);
    await hidden.cancel();
    await all.cancel();
  });

  it("closes a client that falls behind by more than its queue with a resume event naming the last id it was sent", async () => {
    const overflowsBefore = (await getMetrics().sseOverflows.get()).values[0]?.value ?? 0;
    const stream = await open({ q: "meta.test=slow" }, { maxQueueBytes: 4096 });
    const written: number[] = [];
    // Nobody reads: the queue fills, then the stream gives up on this client.
    while (liveHub(t.handle).size > 0) written.push(await append("slow", { pad: "x".repeat(200) }));
    const blocks = [];
    for (let b = await stream.next(); b; b = await stream.next()) blocks.push(b);
    const resume = blocks.at(-1);
    const events = blocks.filter((b) => b.data !== undefined && b.event === undefined);
    expect(resume?.event).toBe("resume");
    expect(events.length).toBeGreaterThan(0);
    // A gapless prefix of what was written, bounded by the queue (4 KiB, ~450-byte frames).
    expect(ids(events)).toEqual(written.slice(0, events.length));
    expect(events.length).toBeLessThan(written.length);
    expect(events.length).toBeLessThanOrEqual(11);
    const lastSent = events.at(-1)?.id;
    expect(resume?.id).toBe(lastSent);
    expect(JSON.parse(resume?.data ?? "")).toEqual({ last_event_id: lastSent });
    expect((await getMetrics().sseOverflows.get()).values[0]?.value).toBe(overflowsBefore + 1);
  });

  it("sends a comment heartbeat, and ends and unsubscribes when the request is aborted", async () => {
    const abort = new AbortController();
    const stream = await open({ q: "meta.test=heartbeat.only" }, { heartbeatMs: 20 }, abort.signal);
    await stream.next();
    expect((await stream.next())?.comments).toEqual(["ping"]);
    abort.abort();
    expect(liveHub(t.handle).size).toBe(0);
    for (let b = await stream.next(); b; b = await stream.next()) expect(b.data).toBeUndefined();
  });

  describe("lasts no longer than the caller's authority", () => {
    const withLapse = (lapse: Lapse, raw: Record<string, string>) =>
      openLiveStream({ ...ctxFor(t.handle.db, reader), lapse }, raw, defaults).then((s) => new SseReader(s));
    const lapsedCount = async (cause: string) => (await getMetrics().sseLapsed.get()).values.find((v) => v.labels.cause === cause)?.value ?? 0;
    /** The end event's reason, after which the stream closes. */
    async function endOf(stream: SseReader): Promise<unknown> {
      const block = await stream.nextEvent();
      expect(block?.event).toBe(LAPSED_EVENT);
      expect(block?.id).toBeUndefined();
      expect(await stream.next()).toBeNull();
      return JSON.parse(block?.data ?? "null");
    }

    it("ends with an end event when the token or session expires", async () => {
      const before = await lapsedCount("expired");
      const stream = await withLapse({ expiresAt: Date.now() + 200, withdrawn: () => null }, { q: "meta.test=lapse.expiry" });
      await openingOf(stream);
      expect(await endOf(stream)).toEqual({ reason: "expired" });
      expect(liveHub(t.handle).size).toBe(0);
      expect(await lapsedCount("expired")).toBe(before + 1);
    });

    it("delivers nothing once the authority is withdrawn: the next event becomes the end", async () => {
      let reason: string | null = null;
      const stream = await withLapse({ expiresAt: Date.now() + 60_000, withdrawn: () => reason }, { q: "meta.test=lapse.withdrawn" });
      await openingOf(stream);
      const delivered = await append("lapse.withdrawn", { n: 1 });
      expect((await stream.nextEvent())?.id).toBe(String(delivered));
      reason = "token revoked";
      await append("lapse.withdrawn", { n: 2 });
      expect(await endOf(stream)).toEqual({ reason: "token revoked" });
    });

    it("ends at once, with no event to deliver, when the gate reports a change that withdraws it", async () => {
      let reason: string | null = null;
      let changed: () => void = () => {};
      let watching = false;
      const lapse: Lapse = {
        expiresAt: Date.now() + 60_000,
        withdrawn: () => reason,
        watch: (onChange) => {
          changed = onChange;
          watching = true;
          return () => (watching = false);
        },
      };
      const stream = await withLapse(lapse, { q: "meta.test=lapse.never" });
      await openingOf(stream);
      changed(); // a change that concerns someone else: the stream stays
      expect(watching).toBe(true);
      reason = "signed out";
      changed();
      expect(await endOf(stream)).toEqual({ reason: "signed out" });
      expect(watching).toBe(false);
    });
  });

  it("refuses a subscriber past the instance's limit with a 503", async () => {
    const first = await open({}, { maxSubscribers: 1 });
    await expect(open({}, { maxSubscribers: 1 })).rejects.toBeInstanceOf(ServiceUnavailableError);
    await first.cancel();
  });

  it("ends every stream when the hub stops (shutdown)", async () => {
    const stream = await open({});
    await stream.next();
    await liveHub(t.handle).stop();
    expect(await stream.next()).toBeNull();
  });
});
