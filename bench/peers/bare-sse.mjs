// The floor for the live-stream benchmark: a bare node:http server that holds SSE clients
// and, on POST /publish, writes the posted body as one event to every client. No auth, no
// database, no filter: what any SSE fan-out must at least do.
// Usage: PORT=... node bench/peers/bare-sse.mjs
import { createServer } from "node:http";

const { PORT = "0" } = process.env;
const clients = new Set();
let seq = 0;

createServer((req, res) => {
  if (req.method === "GET" && req.url === "/events") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "close" });
    res.write(": ok\n\n");
    clients.add(res);
    res.on("close", () => clients.delete(res));
    return;
  }
  if (req.method === "POST" && req.url === "/publish") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const frame = Buffer.from(`id: ${++seq}\ndata: ${Buffer.concat(chunks).toString("utf8")}\n\n`);
      for (const client of clients) client.write(frame);
      res.writeHead(204).end();
    });
    return;
  }
  if (req.url === "/health") return void res.writeHead(200, { "content-type": "text/plain" }).end(String(clients.size));
  res.writeHead(404).end();
}).listen(Number(PORT), "127.0.0.1", () => console.log(`bare SSE on ${PORT}`));
