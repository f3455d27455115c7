import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { parseAlertmanagerPayload, type Alert } from "@/lib/autoheal/alertmanager-payload";

/** The real firing alert captured from Alertmanager 0.25, with `labels` merged in. */
export function firingAlert(labels: Record<string, string> = {}): Alert {
  const raw = JSON.parse(readFileSync(path.join(import.meta.dirname, "fixtures/webhook-firing.json"), "utf8")) as unknown;
  const alert = parseAlertmanagerPayload(raw).alerts[0];
  if (!alert) throw new Error("fixture has no alert");
  return { ...alert, labels: { ...alert.labels, ...labels } };
}

export type Received = { method: string; url: string; headers: IncomingMessage["headers"]; body: string };

/**
 * A real HTTP server on 127.0.0.1 standing in for a webhook target. `answer` decides each
 * response; every request is recorded, and `nextRequest` resolves when one arrives.
 */
export async function startTarget(answer: (req: Received, n: number, res: ServerResponse) => void) {
  const received: Received[] = [];
  const waiters: ((r: Received) => void)[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const r = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      received.push(r);
      waiters.shift()?.(r);
      answer(r, received.length, res);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    nextRequest: () => new Promise<Received>((resolve) => waiters.push(resolve)),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
