import { describe, expect, it } from "vitest";
import { readSse, type SseEvent } from "./sse";

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function all(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const e of readSse(stream)) out.push(e);
  return out;
}

describe("readSse", () => {
  it("reads Vigil's frames split anywhere, comments skipped, ids and retry kept", async () => {
    const text = 'retry: 3000\nevent: ready\nid: 41\ndata: {"last_event_id":"41"}\n\n: ping\n\nid: 42\ndata: {"id":"42"}\n\n';
    // Every split point: a frame may arrive in any number of chunks.
    for (let cut = 1; cut < text.length; cut += 7) {
      const events = await all(streamOf(text.slice(0, cut), text.slice(cut)));
      expect(events).toEqual([
        { id: "41", event: "ready", data: '{"last_event_id":"41"}', retry: 3000 },
        { id: "42", event: "message", data: '{"id":"42"}', retry: null },
      ]);
    }
  });

  it("joins multi-line data, accepts CRLF, and drops a block cut off by the end of the stream", async () => {
    const events = await all(streamOf("data: a\r\ndata: b\r\n\r\nid: 7\ndata: lost"));
    expect(events).toEqual([{ id: null, event: "message", data: "a\nb", retry: null }]);
  });
});
