/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events"). Values written here never
 * contain CR or LF: ids are digits, event names are fixed, and data is one line of JSON
 * (JSON.stringify escapes line breaks inside strings), so a field can never end early and
 * smuggle in a field of its own.
 */
const encoder = new TextEncoder();

export type SseMessage = { retry?: number; id?: string; event?: string; data: string };

export function sseFrame({ retry, id, event, data }: SseMessage): Uint8Array {
  let text = "";
  if (retry !== undefined) text += `retry: ${retry}\n`;
  if (event) text += `event: ${event}\n`;
  if (id !== undefined) text += `id: ${id}\n`;
  text += `data: ${data}\n\n`;
  return encoder.encode(text);
}

/** A comment line: keeps proxies and the client's idle timers from closing the stream. */
export const SSE_PING = encoder.encode(": ping\n\n");
