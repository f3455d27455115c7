import type { IncomingMessage, ServerResponse } from "node:http";
import type { HeaderReader, IncomingRequest } from "@/lib/context";
import { getLogger } from "@/lib/observability/logger";
import { attachBody } from "./body";
import { trustsProxies } from "./request-facts";
import { serialisedBody } from "./problem";
import type { Answer } from "./wrap";

/**
 * A node:http request as the route table's handlers read it (`IncomingRequest`), without a Web
 * `Request`: undici's constructor validates every header again (node's parser already has),
 * builds a `Headers`, an `AbortSignal` and a URL per request, about 12 µs here, an eighth of a
 * validator answer's CPU. Headers read as a `Headers` would give them: names in any case,
 * repeats joined with ", " in the order received (so two Authorization headers still show as
 * one value with a comma, which the wrapper refuses).
 *
 * The URL is built on a fixed origin: the Host header is the client's word and must not shape
 * anything (the issuer comes from configuration).
 */
export class NodeRequest implements IncomingRequest {
  readonly method: string;
  readonly parsedUrl: URL;
  /** The body is read before the handler runs and travels beside the request (attachBody). */
  readonly body = null;
  readonly headers: HeaderReader;
  #abort: AbortController | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.method = req.method ?? "GET";
    this.parsedUrl = new URL(req.url?.startsWith("/") ? req.url : "/", "http://vigil.internal");
    this.headers = headerReader(req);
  }

  get url(): string {
    return this.parsedUrl.href;
  }

  /** Aborted when the client goes away before its answer is written whole. Made on first use. */
  get signal(): AbortSignal {
    if (!this.#abort) {
      const abort = new AbortController();
      this.#abort = abort;
      if (this.res.closed && !this.res.writableFinished) abort.abort();
      else this.res.once("close", () => this.res.writableFinished || abort.abort());
    }
    return this.#abort.signal;
  }
}

function headerReader(req: IncomingMessage): HeaderReader {
  let byName: Map<string, string> | undefined;
  const all = () => {
    if (byName) return byName;
    byName = new Map();
    const raw = req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      if (name === "x-forwarded-for") continue;
      const held = byName.get(name);
      byName.set(name, held === undefined ? (raw[i + 1] as string) : `${held}, ${raw[i + 1] as string}`);
    }
    // The socket address is the one fact about the client we know; what came before it in
    // X-Forwarded-For is kept only behind a trusted proxy.
    const remote = req.socket.remoteAddress ?? "";
    const forwarded = trustsProxies() ? req.headers["x-forwarded-for"] : undefined;
    byName.set("x-forwarded-for", [forwarded, remote].filter(Boolean).join(", "));
    return byName;
  };
  return {
    get: (name) => all().get(name.toLowerCase()) ?? null,
    has: (name) => all().has(name.toLowerCase()),
  };
}

/**
 * The request for the route table, its body read first (bounded by the route's limit), and
 * whether the connection must close after the answer.
 */
export async function toNodeRequest(req: IncomingMessage, res: ServerResponse, limit: number): Promise<{ request: NodeRequest; closeAfter: boolean }> {
  const request = new NodeRequest(req, res);
  const method = request.method;
  if (method === "GET" || method === "HEAD") return { request, closeAfter: false };
  // A body declared larger than the route allows is not waited for (a client could declare
  // 10 MB and send 29 bytes): the handler answers 413 (or 401) from the header at once. Up to
  // LINGER_BYTES, node then reads and discards the rest (bounded by the request timeout) so
  // the client, still sending, reads that answer instead of a reset (EPIPE), as nginx's
  // lingering close does; beyond, the connection closes.
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) return { request: attachBody(request, Buffer.alloc(0)), closeAfter: declared > LINGER_BYTES };
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    chunks.push(buf);
    // Keep one byte past the limit so the handler reports 413 in its own error format.
    if (size > limit) {
      truncated = true;
      break;
    }
  }
  // The body travels beside the request (see attachBody) rather than as a stream in it.
  return { request: attachBody(request, Buffer.concat(chunks)), closeAfter: truncated };
}

const LINGER_BYTES = 8 * 1024 * 1024;

/** Writes a route's answer: its response, then the wrapper's headers over it (see Answer). */
export async function sendAnswer({ response, headers: added }: Answer, res: ServerResponse, closeAfter: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") headers[key] = value;
  });
  for (const [name, value] of Object.entries(added)) headers[name.toLowerCase()] = value;
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (closeAfter) headers.connection = "close";
  const text = serialisedBody(response);
  if (text !== undefined) {
    // A string body lets node:http send head and body in one write instead of a writev.
    headers["content-length"] = String(Buffer.byteLength(text));
    res.writeHead(response.status, headers).end(text);
    return;
  }
  if (!response.body) {
    res.writeHead(response.status, headers).end();
    return;
  }
  // Anything else streams (exports, the live stream): never buffered whole, and a slow
  // reader slows the producer (the stream is pulled only as the socket drains).
  const reader = response.body.getReader();
  if (res.destroyed) {
    // The client left while the handler worked: release the producer at once.
    await reader.cancel().catch(() => {});
    return;
  }
  const eventStream = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
  // An event stream ends only when the server ends it (shutdown, a slow reader): the client
  // reconnects on a new connection anyway, and a kept-alive socket would hold the server's
  // close for its keep-alive timeout.
  if (eventStream) headers.connection = "close";
  res.writeHead(response.status, headers);
  if (eventStream) res.flushHeaders();
  // A reader that stops reading altogether is dropped after two idle minutes.
  res.setTimeout(STREAM_IDLE_MS, () => res.destroy());
  // A client that leaves while the producer has nothing to say (a quiet live stream) must
  // release it now, not at the producer's next write.
  const release = () => void reader.cancel().catch(() => {});
  res.once("close", release);
  try {
    for (;;) {
      if (res.destroyed) break;
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      if (!res.write(value)) await drainedOrClosed(res);
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    // The producer failed mid-body (say, the database went away): the status is long sent,
    // so the only honest signal left is an aborted response.
    getLogger().error({ err: error }, "response stream failed after its headers were sent");
    res.destroy();
  } finally {
    res.off("close", release);
    await reader.cancel().catch(() => {});
  }
}

const STREAM_IDLE_MS = 120_000;

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
