/**
 * A server-sent events reader (WHATWG HTML "Server-sent events", the parts Vigil sends:
 * id, event, data, retry, comments). EventSource cannot send an Authorization header, so
 * the client reads the stream from fetch itself.
 */
export type SseEvent = { id: string | null; event: string; data: string; retry: number | null };

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let id: string | null = null;
  let retry: number | null = null;
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
        if (line === "") {
          // A block ends: dispatch it if it carried data or an id (an id-only block moves the resume point).
          if (data.length > 0 || id !== null) yield { id, event: event || "message", data: data.join("\n"), retry };
          data = [];
          event = "";
          id = null;
          retry = null;
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
        else if (field === "id" && !value.includes("\0")) id = value;
        else if (field === "retry" && /^\d+$/.test(value)) retry = Number(value);
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
