import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

/** A protected service for gateway tests: answers 200 with the path and the headers it received. */
export async function echoService(): Promise<{ server: Server; port: number; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ path: req.url, headers: req.headers }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return { server, port: address.port, seen };
}
