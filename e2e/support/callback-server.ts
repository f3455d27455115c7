import { once } from "node:events";
import { createServer } from "node:http";

export type CallbackServer = {
  port: number;
  /** Every request that reached the server, in order: what the client's side saw. */
  requests: string[];
  /** The next request to /callback (or one that already arrived and was not claimed yet). */
  nextCallback: () => Promise<URL>;
  /** Serves `html` at `path`: a page of this other origin (an attacker's, in the tests). */
  serve: (path: string, html: string) => void;
  close: () => Promise<void>;
};

/**
 * The agent's loopback redirect (RFC 8252 §7.3): a node:http server on 127.0.0.1 at an
 * ephemeral port, registered on the agent without one. It hands each callback URL to the
 * test as an event, so nothing waits for a fixed time.
 */
export async function startCallbackServer(): Promise<CallbackServer> {
  const requests: string[] = [];
  const unclaimed: URL[] = [];
  const waiting: ((url: URL) => void)[] = [];
  const pages = new Map<string, string>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    requests.push(url.href);
    const page = pages.get(url.pathname);
    if (page !== undefined) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
      return;
    }
    if (url.pathname !== "/callback") {
      res.writeHead(404).end();
      return;
    }
    const waiter = waiting.shift();
    if (waiter) waiter(url);
    else unclaimed.push(url);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!doctype html><title>Agent</title><h1>Back at the agent</h1>");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("callback server has no port");
  return {
    port: address.port,
    requests,
    nextCallback: () => {
      const ready = unclaimed.shift();
      return ready ? Promise.resolve(ready) : new Promise<URL>((resolve) => waiting.push(resolve));
    },
    serve: (path, html) => {
      pages.set(path, html);
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
