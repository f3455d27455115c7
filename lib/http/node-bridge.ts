import type { IncomingMessage, ServerResponse } from "node:http";
import { getLogger } from "@/lib/observability/logger";
import { attachBody } from "./body";
import { trustsProxies } from "./request-facts";
import { serialisedBody } from "./problem";

/**
 * node:http <-> Web Request/Response for the fast lane. The URL is built on a fixed origin:
 * the Host header is the client's word and must not shape anything (the issuer comes from
 * configuration).
 */
export async function toWebRequest(req: IncomingMessage, limit: number): Promise<{ request: Request; truncated: boolean }> {
  const url = new URL(req.url?.startsWith("/") ? req.url : "/", "http://vigil.internal");
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const value = req.rawHeaders[i + 1];
    if (name !== undefined && value !== undefined && name.toLowerCase() !== "x-forwarded-for") headers.append(name, value);
  }
  // The socket address is the one fact about the client we know; what came before it in
  // X-Forwarded-For is kept only behind a trusted proxy.
  const remote = req.socket.remoteAddress ?? "";
  const forwarded = trustsProxies() ? req.headers["x-forwarded-for"] : undefined;
  headers.set("x-forwarded-for", [forwarded, remote].filter(Boolean).join(", "));

  const method = req.method ?? "GET";
  if (method === "GET" || method === "HEAD") return { request: new Request(url, { method, headers }), truncated: false };
  // A body declared larger than the route allows is not waited for (a client could declare
  // 10 MB and send 29 bytes): the handler answers 413 from the header, and the connection closes.
  if (Number(req.headers["content-length"] ?? "0") > limit) return { request: attachBody(new Request(url, { method, headers }), Buffer.alloc(0)), truncated: true };
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
  // The body travels beside the Request (see attachBody) rather than as a stream in it.
  return { request: attachBody(new Request(url, { method, headers }), Buffer.concat(chunks)), truncated };
}

export async function sendWebResponse(response: Response, res: ServerResponse, closeAfter: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (closeAfter) headers.connection = "close";
  if (!response.body) {
    res.writeHead(response.status, headers).end();
    return;
  }
  const text = serialisedBody(response);
  if (text !== undefined) {
    // A string body lets node:http send head and body in one write instead of a writev.
    headers["content-length"] = String(Buffer.byteLength(text));
    res.writeHead(response.status, headers).end(text);
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
