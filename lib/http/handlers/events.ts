import { openLiveStream } from "@/lib/audit/live/stream";
import { getConfig } from "@/lib/config";
import { getDbHandle } from "@/lib/db/client";
import type { Handler } from "../types";
import { queryObject } from "./input";

// Proxies must neither buffer nor compress the stream (nginx honours X-Accel-Buffering;
// no-transform keeps compressors out). No Connection header: HTTP/2 forbids it.
const SSE_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
  "X-Content-Type-Options": "nosniff",
};

// GET /api/v1/events – live audit events as server-sent events (q; resume with Last-Event-ID, last_event_id or since_id)
export const stream: Handler = async (request, ctx) => {
  const v = ctx.verb();
  const query = queryObject(ctx.url);
  // EventSource resends the last id it saw as this header on every reconnection; it wins
  // over a last_event_id the page put in the URL when it first connected.
  const header = request.headers.get("last-event-id")?.trim();
  if (header) query.last_event_id = header;
  const config = getConfig();
  const body = await openLiveStream(await getDbHandle(), v.actor, query, {
    heartbeatMs: config.SSE_HEARTBEAT_SECONDS * 1000,
    maxQueueBytes: config.SSE_QUEUE_MAX_BYTES,
    maxSubscribers: config.SSE_MAX_SUBSCRIBERS,
    signal: request.signal,
  });
  return new Response(body, { headers: SSE_HEADERS });
};
