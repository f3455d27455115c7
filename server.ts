/**
 * The fast lane: one node:http server. Paths in the route table (token, JWKS, discovery,
 * introspect, revoke, health, metrics and the API) are served directly from the same
 * handlers Next mounts; everything else (console pages, assets, auth) goes to Next's own
 * request handler. A trivial Next route handler tops out near 1.3k req/s here, node:http near
 * 28k: the hot machine paths should not pay for the framework. Nor for a Web Request per
 * request: the handlers read node:http's message through `NodeRequest` (lib/http/node-bridge.ts).
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import { hostname } from "node:os";
import path from "node:path";
import { ConfigError, configureFromEnvironment, enterProductionRuntime, adoptBuiltNextConfig } from "@/lib/config";

async function main() {
  let config;
  try {
    config = configureFromEnvironment();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      // The logger needs the configuration: this one line is pino's shape, written by hand.
      fatalLine("configuration refused", { problems: error.problems });
      process.exit(1);
    }
    throw error;
  }
  enterProductionRuntime();
  adoptBuiltNextConfig(JSON.parse(readFileSync(path.join(process.cwd(), ".next", "required-server-files.json"), "utf8")));

  const { getLogger } = await import("@/lib/observability/logger");
  const { ownServer, setListening } = await import("@/lib/process/serving");
  const log = getLogger();
  // Said once, loudly (stderr is kept for why a start failed): a production start whose
  // settings work but expose something.
  if (config.production && config.warnings.length > 0) {
    log.warn({ warnings: config.warnings }, `UNSAFE PRODUCTION SETTINGS: ${config.warnings.join("; ")}`);
  }

  // On SIGTERM: no new connections; every answer written from then on — to requests that
  // arrived before as well as after — says Connection: close, and keep-alive connections are
  // closed as soon as they are idle (clients that keep sending would otherwise hold the
  // process until it is killed). Node writes every response's head through writeHead
  // (implicit heads too), so one check there covers the fast lane and Next alike, with
  // nothing tracked per request.
  let draining = false;
  class DrainAwareResponse extends http.ServerResponse {
    override writeHead(...args: unknown[]): this {
      if (draining) this.shouldKeepAlive = false;
      return (super.writeHead as (...head: unknown[]) => this).apply(this, args);
    }
  }
  const server = http.createServer({ ServerResponse: DrainAwareResponse });
  // Slow clients: all headers within 10 s, the whole request (body included) within 30 s, or
  // the connection is closed with 408 (Node's defaults are 60 s and 300 s). Responses, the
  // live stream's included, are not limited by these.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  // The port first, before anything else starts: a port that is taken (or forbidden) ends the
  // process in one line, with no database opened, no job runner, no sealing, no retention, no
  // LISTEN — nothing to stop, and nothing that looks alive while serving nothing.
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.PORT, config.HOSTNAME, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const problem = listenProblem(error as NodeJS.ErrnoException);
    console.error(`Vigil failed to start: cannot listen on ${config.HOSTNAME}:${config.PORT}: ${problem}`);
    log.fatal({ err: error, port: config.PORT, hostname: config.HOSTNAME }, `listen failed: ${problem}`);
    process.exit(1);
  }

  // Requests that arrive while the rest starts wait for it: the route table's handlers await
  // the start themselves (the probes answer at once, not ready), Next's pages its prepare.
  type Handle = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  let handOver: (handle: Handle) => void = () => {};
  const nextHandle = new Promise<Handle>((resolve) => (handOver = resolve));
  const { dispatch, fastLane, unservedMethod } = await import("@/lib/http/dispatch");
  const { sendAnswer, toNodeRequest } = await import("@/lib/http/node-bridge");
  server.on("request", (req, res) => {
    const unserved = unservedMethod(req.method ?? "");
    if (unserved) {
      res.writeHead(unserved.status, unserved.headers).end(unserved.body);
      return;
    }
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    const heads = { accept: req.headers.accept ?? null, authorization: req.headers.authorization ?? null, rsc: (req.headers.rsc as string | undefined) ?? null };
    const lane = fastLane(req.method ?? "GET", pathname, heads);
    if (!lane) {
      void nextHandle.then((handle) => handle(req, res));
      return;
    }
    void (async () => {
      try {
        const { request, closeAfter } = await toNodeRequest(req, res, lane.bodyLimit);
        const answer = (await dispatch(request, request.parsedUrl, lane)) ?? { response: new Response(null, { status: 404 }), headers: {} };
        await sendAnswer(answer, res, closeAfter);
      } catch (error) {
        log.error({ err: error }, "fast lane failure");
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/problem+json" });
        res.end(JSON.stringify({ type: "about:blank", title: "Internal Server Error", status: 500 }));
      }
    })();
  });
  // After a good listen, an error of the server itself stops the process in order.
  const { installCrashHandlers, installShutdown, shutDown } = await import("@/lib/runtime/shutdown");
  server.on("error", (error: NodeJS.ErrnoException) => {
    setListening(false);
    log.fatal({ err: error }, "server error");
    shutDown("server error", 1);
  });
  server.on("close", () => setListening(false));
  installShutdown(
    () =>
      new Promise<void>((resolve) => {
        draining = true;
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        sweep.unref();
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      }),
  );

  // Alive means listening: no heartbeat until the server is, and none after it stops.
  ownServer();
  setListening(true);
  installCrashHandlers();
  const { ensureStarted } = await import("@/lib/runtime/start");
  await ensureStarted();
  const { default: next } = await import("next");
  const nextApp = next({ dev: false, dir: process.cwd(), hostname: config.HOSTNAME, port: config.PORT });
  await nextApp.prepare();
  handOver(nextApp.getRequestHandler());
  log.info({ url: `http://${config.HOSTNAME}:${config.PORT}` }, "vigil listening");
}

/** One fatal line in pino's shape, for when the logger itself cannot be configured. */
function fatalLine(msg: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ level: 60, time: Date.now(), pid: process.pid, hostname: hostname(), service: "vigil", ...fields, msg })}\n`);
}

function listenProblem(error: NodeJS.ErrnoException): string {
  if (error.code === "EADDRINUSE") return "the address is already in use (another process holds the port; set PORT to another)";
  if (error.code === "EACCES") return "permission denied (ports below 1024 need privileges; set PORT above 1023)";
  if (error.code === "EADDRNOTAVAIL") return "the address is not available on this machine (check HOSTNAME)";
  return error.message;
}

main().catch(async (error: unknown) => {
  // One line on stderr for the operator, one fatal JSON line (stack inside) for the logs.
  const known = error instanceof Error && ["EmbeddedDatabaseInUseError", "PolicyDirError", "RulesError", "DatabaseUnreachableError"].includes(error.name);
  const message = error instanceof Error ? error.message : String(error);
  console.error(`Vigil failed to start: ${known ? message : `${message.split("\n")[0]} (stack in the fatal log line)`}`);
  try {
    const { getLogger } = await import("@/lib/observability/logger");
    getLogger().fatal({ err: error }, `start failed: ${message.split("\n")[0]}`);
  } catch {
    fatalLine(`start failed: ${message}`, {});
  }
  // What did open (the embedded database) closes, bounded: the next start finds it clean.
  const { closeDb } = await import("@/lib/db/client");
  await Promise.race([closeDb().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  process.exit(1);
});
