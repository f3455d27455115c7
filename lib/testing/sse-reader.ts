/** One SSE block as a client parses it (fields of interest only). */
export type SseBlock = { id?: string; event?: string; data?: string; retry?: string; comments: string[] };

/**
 * Reads server-sent events from a byte stream, one block at a time: tests wait on what the
 * server sends, never on the clock. `next()` resolves null when the stream ends.
 */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  async next(): Promise<SseBlock | null> {
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end >= 0) {
        const raw = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return parseBlock(raw);
      }
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next block that carries data (an event of any type), skipping comments and blocks without data. */
  async nextEvent(): Promise<SseBlock | null> {
    for (;;) {
      const block = await this.next();
      if (!block || block.data !== undefined) return block;
    }
  }

  /** Reads events until `stop` says so; returns every event read, the last included. */
  async until(stop: (block: SseBlock) => boolean): Promise<SseBlock[]> {
    const seen: SseBlock[] = [];
    for (;;) {
      const block = await this.nextEvent();
      if (!block) throw new Error(`stream ended after ${seen.length} events without the awaited one`);
      seen.push(block);
      if (stop(block)) return seen;
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}

function parseBlock(raw: string): SseBlock {
  const block: SseBlock = { comments: [] };
  for (const line of raw.split("\n")) {
    if (line.startsWith(":")) {
      block.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") block.data = block.data === undefined ? value : `${block.data}\n${value}`;
    else if (field === "id" || field === "event" || field === "retry") block[field] = value;
  }
  return block;
}
