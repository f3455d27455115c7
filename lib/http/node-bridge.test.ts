import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { getConfig, setConfig } from "@/lib/config";
import { readText } from "./body";
import { toNodeRequest, type NodeRequest } from "./node-bridge";

const original = getConfig();

/** A real node:http server on 127.0.0.1 whose handler gets the fast lane's request. */
async function serve(onRequest: (request: NodeRequest, res: http.ServerResponse, closeAfter: boolean) => Promise<void> | void, limit = 1024) {
  const server = http.createServer((req, res) => {
    void toNodeRequest(req, res, limit).then(({ request, closeAfter }) => onRequest(request, res, closeAfter));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Sends raw bytes (repeated headers, odd case) the way fetch would not, and returns the reply. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(text));
    let out = "";
    socket.on("data", (d) => (out += d.toString()));
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
  });
}

describe("the fast lane's request (NodeRequest)", () => {
  afterEach(() => setConfig(original));

  it("reads headers as a Web Headers would: any case, repeats joined with a comma in order", async () => {
    let seen: Record<string, string | null | boolean> = {};
    const server = await serve((request, res) => {
      seen = {
        auth: request.headers.get("Authorization"),
        custom: request.headers.get("x-custom"),
        missing: request.headers.get("x-missing"),
        has: request.headers.has("X-CUSTOM"),
        url: request.url,
        method: request.method,
      };
      res.end("ok");
    });
    try {
      await raw(server.port, "GET /api/auth/validate?x=1 HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer a\r\nauthorization: Bearer b\r\nX-Custom: one\r\nx-custom: two\r\nConnection: close\r\n\r\n");
    } finally {
      await server.close();
    }
    expect(seen).toEqual({ auth: "Bearer a, Bearer b", custom: "one, two", missing: null, has: true, url: "http://vigil.internal/api/auth/validate?x=1", method: "GET" });
  });

  it("puts the socket address in X-Forwarded-For and drops the client's own unless a proxy is trusted", async () => {
    const seen: (string | null)[] = [];
    const server = await serve((request, res) => {
      seen.push(request.headers.get("x-forwarded-for"));
      res.end();
    });
    try {
      const request = "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n";
      await raw(server.port, request);
      setConfig({ ...original, TRUST_PROXY: { hops: 1 } });
      await raw(server.port, request);
    } finally {
      await server.close();
    }
    expect(seen).toEqual(["127.0.0.1", "6.6.6.6, 127.0.0.1"]);
  });

  it("hands the body over bounded: within the limit whole; declared larger, answered at once and the rest discarded", async () => {
    const bodies: { text: string; closeAfter: boolean }[] = [];
    const server = await serve(async (request, res, closeAfter) => {
      bodies.push({ text: await readText(request, 8).catch(() => ""), closeAfter });
      res.writeHead(bodies.length === 1 ? 200 : 413, closeAfter ? { connection: "close" } : {}).end();
    }, 8);
    let statuses: number[] = [];
    try {
      const small = await fetch(`http://127.0.0.1:${server.port}/`, { method: "POST", body: "token=ab" });
      // 6 MB: more than the socket buffers take, so a server that closed at once would reset
      // the connection under the client's feet (EPIPE) instead of letting it read the 413.
      const large = await fetch(`http://127.0.0.1:${server.port}/`, { method: "POST", body: "x".repeat(6 * 1024 * 1024) });
      statuses = [small.status, large.status];
      // Declared beyond what is worth reading: answered, and the connection closes.
      const reply = await raw(server.port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nabc");
      statuses.push(Number(reply.split(" ")[1]));
    } finally {
      await server.close();
    }
    expect(statuses).toEqual([200, 413, 413]);
    expect(bodies).toEqual([
      { text: "token=ab", closeAfter: false },
      { text: "", closeAfter: false },
      { text: "", closeAfter: true },
    ]);
  });

  it("aborts its signal when the client leaves before the answer, not after a finished one", async () => {
    const signals: AbortSignal[] = [];
    let leftEarly: () => void = () => {};
    const gone = new Promise<void>((resolve) => (leftEarly = resolve));
    let hanging: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (hanging = resolve));
    const server = await serve((request, res) => {
      const signal = request.signal;
      signals.push(signal);
      if (request.parsedUrl.pathname === "/finish") res.end("done");
      else {
        signal.addEventListener("abort", () => leftEarly());
        hanging();
      }
    });
    try {
      await (await fetch(`http://127.0.0.1:${server.port}/finish`)).text();
      const socket = net.connect(server.port, "127.0.0.1", () => socket.write("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n"));
      await arrived;
      socket.destroy();
      await gone;
    } finally {
      await server.close();
    }
    expect(signals[0]?.aborted).toBe(false);
    expect(signals[1]?.aborted).toBe(true);
  });
});
