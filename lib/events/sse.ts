/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events"). Values written here never
 * contain CR or LF: ids are digits, event names are fixed, and data is one line of JSON
 * (JSON.stringify escapes line breaks inside strings), so a field can never end early and
 * smuggle in a field of its own.
 */
const encoder = new TextEncoder();

export type SseMessage = { id?: string; event?: string; data: string };

export function sseFrame({ id, event, data }: SseMessage): Uint8Array {
  let text = "";
  if (event) text += `event: ${event}\n`;
  if (id !== undefined) text += `id: ${id}\n`;
  text += `data: ${data}\n\n`;
  return encoder.encode(text);
}

/**
 * The opening of a stream: the reconnection delay, and an id-only block. A block with an
 * id and no data dispatches nothing but sets the client's last event id (the spec sets it
 * before the empty-data check), so a client that reconnects before any event arrived
 * resumes from where it started instead of from "now".
 */
export function ssePreamble(retryMs: number, id: string): Uint8Array {
  return encoder.encode(`retry: ${retryMs}\nid: ${id}\n\n`);
}

/** A comment line: keeps proxies and the client's idle timers from closing the stream. */
export const SSE_PING = encoder.encode(": ping\n\n");
