/**
 * Reads a byte stream to text, refusing it once it passes `limit` bytes: the stream is
 * cancelled there, so an endless or huge body costs at most the limit. `tooLarge` makes the
 * caller's error (a 413 for a request body, a plain Error for a fetched document).
 */
export async function readBounded(body: ReadableStream<Uint8Array>, limit: number, tooLarge: () => Error): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
