import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { appendTestEvent, testEvent } from "@/lib/testing/audit";
import { EVENT_SOURCE_CLIENTS, EventSourceRecorder } from "@/lib/testing/event-source";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { liveHub } from "./hub";
import { OPENING_EVENT, openLiveStream, type LiveStreamOptions } from "./stream";

const options: LiveStreamOptions = { heartbeatMs: 60_000, maxQueueBytes: 1024 * 1024, maxSubscribers: 100 };

/** A door that stays shut until opened. */
function door(): { passed: Promise<void>; open: () => void } {
  let open = () => {};
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/**
 * The live stream with the npm `eventsource` clients, over a real HTTP server that serves it
 * as the route does (Last-Event-ID into `last_event_id`). The server ends the first stream
 * itself, through the request's abort signal, as shutdown or a cut-off slow reader would.
 */
describe.each(testTargets())("npm eventsource clients on the live stream on $name", (target) => {
  let t: TestDatabase;
  let server: http.Server;
  let base = "";
  /** The server's switch for each stream it opened, in order. */
  let streams: AbortController[] = [];
  /** What each request waits for before its stream opens. */
  let entry: Promise<void> = Promise.resolve();

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    await entry;
    const url = new URL(req.url ?? "/", base);
    const lastEventId = req.headers["last-event-id"];
    const raw = { ...Object.fromEntries(url.searchParams), ...(typeof lastEventId === "string" ? { last_event_id: lastEventId } : {}) };
    const abort = new AbortController();
    const body = await openLiveStream({ ...ctxFor(t.handle.db, actorWith("audit:read")), signal: abort.signal }, raw, options);
    streams.push(abort);
    res.on("close", () => abort.abort());
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const reader = body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) res.write(chunk.value);
    res.end();
  }

  beforeAll(async () => {
    t = await target.open();
    // A failure before the stream is a 500: the client gives up, and the wait on it says so.
    server = http.createServer((req, res) => void serve(req, res).catch((error: unknown) => (res.headersSent ? res.destroy() : res.writeHead(500).end(String(error)))));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    if (t) await liveHub(t.handle).stop();
    await t?.drop();
  });

  it.each(EVENT_SOURCE_CLIENTS.map((client, i) => ({ ...client, tag: `resume.${i}` })))(
    "$name: a stream the server ends before any event resumes, on the client's own reconnection, from the id its opening named",
    async (client) => {
      streams = [];
      entry = Promise.resolve();
      const es = new EventSourceRecorder(client, `${base}/?${new URLSearchParams({ q: `meta.test=${client.tag}` })}`);
      try {
        // Headers are written once the stream exists, and its opening is the first thing queued.
        await es.until(() => es.opens === 1);
        const reconnection = door();
        entry = reconnection.passed;
        // The server ends the stream: what was queued (the opening alone) drains, then the end.
        streams[0]?.abort();
        await es.until(() => es.errors === 1);
        expect(es.of("message")).toEqual([]);

        // Committed while the client holds no stream; its reconnection waits at the door.
        const missed = await appendTestEvent(t.handle.db, testEvent("heartbeat", { test: client.tag }));
        reconnection.open();
        await es.until(() => es.opens === 2);
        const after = await appendTestEvent(t.handle.db, testEvent("heartbeat", { test: client.tag }));
        await es.until(() => es.of("message").some((m) => m.lastEventId === String(after)));

        // Without Last-Event-ID the second stream would start past `missed`: only `after` would come.
        expect(es.of("message").map((m) => Number(m.lastEventId))).toEqual([missed, after]);
        // Each stream opened with the id it starts after; the second with the first's, which the
        // client sent back as Last-Event-ID.
        const start = es.of(OPENING_EVENT)[0]?.lastEventId ?? "";
        expect(start).toMatch(/^\d+$/);
        expect(Number(start)).toBeLessThan(missed);
        const opening = { type: OPENING_EVENT, lastEventId: start, data: JSON.stringify({ last_event_id: start }) };
        expect(es.received).toEqual([opening, opening, ...es.of("message")]);
        expect(streams).toHaveLength(2);
      } finally {
        es.close();
      }
    },
  );
});
