import { readSse } from "./sse";
import { OPS } from "./operations";
import type { Transport } from "./transport";
import type { AuditEvent } from "./types";

export type TailOptions = {
  q?: string;
  /** Start after this event id (resume an earlier tail); without it, at the log's end. */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Told when the stream dropped and the next attempt starts (after `delayMs`). */
  onReconnect?: (info: { lastEventId: string | null; delayMs: number; reason: string }) => void;
};

/** `ready`: a (re)connection is open and live from `lastEventId` on; `end`: the server ended the stream for good. */
export type TailItem = { type: "ready"; lastEventId: string | null; resumed: boolean } | { type: "event"; event: AuditEvent } | { type: "end"; reason: string };

const MAX_DELAY_MS = 30_000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * The live audit stream, resumed after every disconnect with Last-Event-ID so nothing is
 * missed or repeated (the server replays the gap from the table). Ends when the server
 * says the caller's authority ended (`event: end`) or the signal aborts. Errors answering
 * the (re)connection itself — 401, 403, a bad query — are thrown: retrying cannot fix them.
 */
export async function* tailAudit(transport: Transport, options: TailOptions = {}): AsyncGenerator<TailItem> {
  let last: string | null = options.lastEventId ?? null;
  let delay = 1000;
  let failures = 0;
  let connections = 0;
  while (!options.signal?.aborted) {
    let reason = "the stream ended";
    let response: Response | null = null;
    try {
      response = await transport.send(OPS.liveEvents, {
        query: { q: options.q },
        headers: { accept: "text/event-stream", ...(last ? { "last-event-id": last } : {}) },
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) return;
      const status = (error as { status?: number | null }).status;
      // A refusal is final; only "nothing answered" and 5xx are worth another attempt.
      if (typeof status === "number" && status < 500) throw error;
      reason = error instanceof Error ? error.message : String(error);
      failures += 1;
    }
    if (response?.body) {
      try {
        for await (const frame of readSse(response.body)) {
          if (frame.retry !== null) delay = frame.retry;
          if (frame.id !== null) last = frame.id;
          if (frame.event === "message" && frame.data) {
            failures = 0;
            yield { type: "event", event: JSON.parse(frame.data) as AuditEvent };
          } else if (frame.event === "ready") {
            yield { type: "ready", lastEventId: last, resumed: connections > 0 };
            connections += 1;
          } else if (frame.event === "end") {
            yield { type: "end", reason: frame.data };
            return;
          } else if (frame.event === "resume") {
            reason = "the server asked to resume (this reader fell behind)";
            break;
          }
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    if (options.signal?.aborted) return;
    // Back off only while connections keep failing; a stream that ended reconnects at the server's pace.
    const wait = Math.min(MAX_DELAY_MS, delay * 2 ** Math.min(failures, 5));
    options.onReconnect?.({ lastEventId: last, delayMs: wait, reason });
    await sleep(wait, options.signal);
  }
}
