import { and, asc, gt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import type { Lapse, VerbCtx } from "@/lib/context";
import { handleOf, type DbHandle } from "@/lib/db/client";
import { ServiceUnavailableError } from "@/lib/errors";
import { SSE_PING, sseFrame } from "@/lib/events/sse";
import { requireScope } from "@/lib/access/actor";
import { getMetrics } from "@/lib/observability/metrics";
import { parseInput } from "@/lib/validation";
import { heartbeatsFlag } from "../inputs";
import { auditFilters } from "../list";
import { matchesEvent, parseQuery, type MatchableEvent } from "../query";
import { liveHub, LiveEvent, type AuditHub, type HubSubscriber } from "./hub";

/** EventSource's reconnection delay, sent as `retry:`. */
export const RETRY_MS = 3000;
/** The opening event's name: a named event, so `onmessage` (audit events only) never sees it. */
export const OPENING_EVENT = "ready";
/** The last event of a stream whose caller's authority ended: data says why; the stream closes after it. */
export const LAPSED_EVENT = "end";
/** Rows per replay read. */
export const REPLAY_PAGE = 500;

const eventId = (name: string) => z.string().regex(/^\d{1,15}$/, `${name} must be an event id (digits)`).transform(Number);

export const liveStreamInput = z
  .object({
    q: z.string().max(2000, "q is at most 2000 characters").optional(),
    // The Last-Event-ID header arrives here too (the handler puts it first).
    last_event_id: eventId("last_event_id (or the Last-Event-ID header)").optional(),
    since_id: eventId("since_id").optional(),
    heartbeats: heartbeatsFlag(),
  })
  .strict();

/** `maxStreamMs`: the stream ends with `event: resume` after this long (0: never; serverless functions have a maximum duration). */
export type LiveStreamOptions = { heartbeatMs: number; maxQueueBytes: number; maxSubscribers: number; maxStreamMs?: number };

/** The configured bounds (SSE_*); tests pass smaller ones. */
export function liveStreamOptions(): LiveStreamOptions {
  const config = getConfig();
  return { heartbeatMs: config.SSE_HEARTBEAT_SECONDS * 1000, maxQueueBytes: config.SSE_QUEUE_MAX_BYTES, maxSubscribers: config.SSE_MAX_SUBSCRIBERS, maxStreamMs: config.sseMaxStreamMs };
}

/**
 * The live stream of audit events matching `q`, as SSE bytes. With `last_event_id` (or
 * `since_id`) it first replays the matching events after that id from the table, then goes
 * live without a gap or a duplicate; without one it starts at the log's current end.
 *
 * Gap-free hand-over: the subscription to the hub starts before the first replay read, and
 * what the hub hands over meanwhile is buffered. Anything the hub delivered before a replay
 * read began was committed before it, so that read sees it: the buffer is emptied at the
 * start of each read and only what arrives during the last read is kept (and de-duplicated
 * by id). Should that buffer overflow, it is dropped and the replay reads once more.
 *
 * Memory per stream is bounded: the queue holds about `maxQueueBytes` (frames are shared
 * between streams, so the bound is rarely reached in bytes of its own). A client that falls
 * further behind gets an `event: resume` carrying the
 * last id it was sent, and the stream ends; EventSource reconnects with that id and the
 * replay serves it from the table.
 *
 * A stream lasts no longer than the authority it was opened with: it ends with an
 * `event: end` naming why when its token or session expires, and as soon as it is withdrawn
 * (token revoked, agent suspended or decommissioned, credential or grant revoked, signed
 * out) on whichever instance that happened; nothing is queued after that. A reconnection
 * with the same credential is then refused.
 */
export async function openLiveStream(ctx: VerbCtx, raw: unknown, options: LiveStreamOptions = liveStreamOptions()): Promise<ReadableStream<Uint8Array>> {
  requireScope(ctx.actor, "audit:read");
  const handle = handleOf(ctx.db);
  const input = parseInput(liveStreamInput, raw);
  // Parsed before the stream starts: a bad query is a 400, not a broken stream.
  const node = input.q?.trim() ? parseQuery(input.q) : null;
  const filters = auditFilters({ q: input.q, n: 1, heartbeats: input.heartbeats });
  const hideHeartbeats = input.heartbeats === false;
  const resumeFrom = input.last_event_id ?? input.since_id;
  const hub = liveHub(handle);
  if (hub.size >= options.maxSubscribers) {
    const busy = new ServiceUnavailableError("This instance holds as many live streams as it may; try again shortly.");
    busy.headers["Retry-After"] = "5";
    throw busy;
  }
  const matches = (e: MatchableEvent) => !(hideHeartbeats && e.kind === "heartbeat") && (node === null || matchesEvent(node, e));
  // Streams share a filter evaluation by key: the heartbeat switch is part of the filter.
  const key = `${hideHeartbeats ? "\u0000no-heartbeats\u0000" : ""}${input.q?.trim() ?? ""}`;
  return new LiveStream(handle, hub, filters, resumeFrom, options, ctx.signal, ctx.lapse).open(matches, key);
}

/**
 * The first block of every stream: the reconnection delay, and an event carrying the id the
 * stream starts after, so a client that reconnects before its first audit event sends it as
 * Last-Event-ID and misses nothing. It carries data on purpose: browsers take the id of an
 * id-only block too (WHATWG sets the last event id before dropping an event without data),
 * but `eventsource-parser` 3.x drops such a block whole, id and all, and so does every
 * client on it: the npm `eventsource` up to 4.x, whose 3.x line @modelcontextprotocol/sdk
 * pins. An event with data sets the id everywhere.
 */
function opening(id: string): Uint8Array {
  return sseFrame({ retry: RETRY_MS, event: OPENING_EVENT, id, data: JSON.stringify({ last_event_id: id }) });
}

type State = "replay" | "live" | "closed";

class LiveStream {
  private state: State;
  /** Last id sent (or the starting point): the resume point, and the de-duplication mark. */
  private after = 0;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private buffered: LiveEvent[] = [];
  private bufferedBytes = 0;
  private bufferLost = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private expiry: NodeJS.Timeout | null = null;
  private lifetime: NodeJS.Timeout | null = null;
  private unsubscribe: () => void = () => {};
  private unwatch: () => void = () => {};

  constructor(
    private readonly handle: DbHandle,
    private readonly hub: AuditHub,
    private readonly filters: SQL[],
    resumeFrom: number | undefined,
    private readonly options: LiveStreamOptions,
    private readonly signal: AbortSignal | undefined,
    private readonly lapse: Lapse | undefined,
  ) {
    this.state = resumeFrom === undefined ? "live" : "replay";
    if (resumeFrom !== undefined) this.after = resumeFrom;
  }

  async open(matches: HubSubscriber["matches"], filterKey: string): Promise<ReadableStream<Uint8Array>> {
    const joined = await this.hub.subscribe({ filterKey, matches, deliver: (e) => this.deliver(e), end: () => this.close() });
    this.unsubscribe = joined.unsubscribe;
    if (this.state === "live") this.after = joined.from;
    const { signal } = this;
    if (signal?.aborted) {
      this.close();
    } else {
      signal?.addEventListener("abort", () => this.close(), { once: true });
      this.watchAuthority();
    }
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          if (this.state === "closed") return controller.close();
          controller.enqueue(opening(String(this.after)));
          this.heartbeat = setInterval(() => this.ping(), this.options.heartbeatMs);
          this.heartbeat.unref();
          if (this.options.maxStreamMs) {
            this.lifetime = setTimeout(() => this.resume(), this.options.maxStreamMs);
            this.lifetime.unref();
          }
        },
        pull: () => this.replay(),
        cancel: () => this.close(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: this.options.maxQueueBytes }),
    );
  }

  /** From the hub, synchronously, in id order. */
  private deliver(event: LiveEvent): void {
    if (this.state === "closed" || event.id <= this.after) return;
    if (this.state === "live") return this.sendLive(event);
    this.buffered.push(event);
    this.bufferedBytes += event.frame.byteLength;
    if (this.bufferedBytes > this.options.maxQueueBytes) {
      // The table has all of these; the replay reads again instead of holding them.
      this.buffered = [];
      this.bufferedBytes = 0;
      this.bufferLost = true;
    }
  }

  /** Called by the stream whenever its queue has room; reads the table while replaying. */
  private async replay(): Promise<void> {
    // Loops until something was queued: a pull that queues nothing is not called again.
    while (this.state === "replay") {
      this.buffered = [];
      this.bufferedBytes = 0;
      this.bufferLost = false;
      let rows;
      try {
        rows = await this.handle.db
          .select()
          .from(auditEvents)
          .where(and(...this.filters, gt(auditEvents.id, this.after)))
          .orderBy(asc(auditEvents.id))
          .limit(REPLAY_PAGE);
      } catch (error) {
        this.close();
        throw error;
      }
      if (this.state !== "replay") return;
      for (const row of rows) this.send(row.id, new LiveEvent(row).frame);
      if (rows.length === REPLAY_PAGE || this.bufferLost) {
        if (rows.length > 0) return;
        continue;
      }
      // Caught up with the table: what the hub delivered during this read follows it.
      this.state = "live";
      const arrived = this.buffered;
      this.buffered = [];
      this.bufferedBytes = 0;
      for (const event of arrived) if (event.id > this.after) this.send(event.id, event.frame);
      return;
    }
  }

  /**
   * Queues a live event, unless the client is already more than the bound behind. Replay
   * pages and the hand-over are queued without this check: they are read only when the
   * queue has room (pull), so they overshoot the bound by at most one page and one buffer.
   */
  private sendLive(event: LiveEvent): void {
    const controller = this.controller;
    if (!controller) return;
    const queued = this.options.maxQueueBytes - (controller.desiredSize ?? 0);
    if (queued > this.options.maxQueueBytes) return this.overflow();
    this.send(event.id, event.frame);
  }

  private send(id: number, frame: Uint8Array): void {
    if (!this.controller || this.state === "closed") return;
    if (this.lapse && !this.authorityHolds(this.lapse)) return;
    this.controller.enqueue(frame);
    this.after = id;
  }

  private ping(): void {
    // A client with a backlog is not idle; pings would only lengthen its queue.
    if (this.controller && (this.controller.desiredSize ?? 0) >= this.options.maxQueueBytes) this.controller.enqueue(SSE_PING);
  }

  private overflow(): void {
    getMetrics().sseOverflows.inc();
    this.resume();
  }

  /**
   * Ends the stream with the id to resume from (a client too far behind, or a stream at its
   * maximum duration): EventSource reconnects with it as Last-Event-ID, and the replay serves
   * what follows from the table.
   */
  private resume(): void {
    if (this.state === "closed") return;
    const id = String(this.after);
    this.controller?.enqueue(sseFrame({ event: "resume", id, data: JSON.stringify({ last_event_id: id }) }));
    this.close();
  }

  /** Ends the stream when the authority expires, and re-checks it whenever the gate hears of a change. */
  private watchAuthority(): void {
    const lapse = this.lapse;
    if (!lapse) return;
    // setTimeout's limit is ~24.8 days; no token or session lives that long, but stay inside it.
    const wait = Math.min(Math.max(0, lapse.expiresAt - Date.now()), 2 ** 31 - 1);
    this.expiry = setTimeout(() => this.lapsed("expired"), wait);
    this.expiry.unref();
    this.unwatch = lapse.watch?.(() => void this.authorityHolds(lapse)) ?? (() => {});
  }

  /** Checked before every event: false (and the stream ended) once the caller may no longer read. */
  private authorityHolds(lapse: Lapse): boolean {
    if (Date.now() >= lapse.expiresAt) {
      this.lapsed("expired");
      return false;
    }
    const withdrawn = lapse.withdrawn();
    if (withdrawn) this.lapsed(withdrawn);
    return withdrawn === null;
  }

  private lapsed(reason: string): void {
    if (this.state === "closed") return;
    this.controller?.enqueue(sseFrame({ event: LAPSED_EVENT, data: JSON.stringify({ reason }) }));
    getMetrics().sseLapsed.inc({ cause: reason === "expired" ? "expired" : "withdrawn" });
    this.close();
  }

  /** Idempotent: client gone, overflow, abort, lapse, or the hub stopping. Queued bytes still drain. */
  private close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.unsubscribe();
    this.unwatch();
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.expiry) clearTimeout(this.expiry);
    if (this.lifetime) clearTimeout(this.lifetime);
    this.buffered = [];
    try {
      this.controller?.close();
    } catch {
      // Already closed or cancelled by the reader.
    }
  }
}
