/**
 * The fast lane: one node:http server. Paths in the route table (token, JWKS, discovery,
 * introspect, revoke, health, metrics and the API) are served directly from the same
 * Web-standard handlers Next mounts; everything else (console pages, assets, auth) goes to
 * Next's own request handler. A trivial Next route handler tops out near 1.3k req/s here,
 * node:http near 28k: the hot machine paths should not pay for the framework.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { ConfigError, configureFromEnvironment, enterProductionRuntime, adoptBuiltNextConfig } from "@/lib/config";

async function main() {
  let config;
  try {
    config = configureFromEnvironment();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  enterProductionRuntime();
  adoptBuiltNextConfig(JSON.parse(readFileSync(path.join(process.cwd(), ".next", "required-server-files.json"), "utf8")));

  const { ensureStarted } = await import("@/lib/runtime/start");
  const { installCrashHandlers, installShutdown, shutDown } = await import("@/lib/runtime/shutdown");
  const { ownServer, setListening } = await import("@/lib/process/serving");
  const { getLogger } = await import("@/lib/observability/logger");
  const { bodyLimitFor, dispatch, servesRequest, unservedMethod } = await import("@/lib/http/dispatch");
  const { sendWebResponse, toWebRequest } = await import("@/lib/http/node-bridge");
  const { default: next } = await import("next");

  const log = getLogger();
  // Alive means listening: no heartbeat until the server is, and none after it stops.
  ownServer();
  installCrashHandlers();
  await ensureStarted();

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

  const nextApp = next({ dev: false, dir: process.cwd(), hostname: config.HOSTNAME, port: config.PORT });
  await nextApp.prepare();
  const nextHandle = nextApp.getRequestHandler();

  server.on("request", (req, res) => {
    const unserved = unservedMethod(req.method ?? "");
    if (unserved) {
      res.writeHead(unserved.status, unserved.headers).end(unserved.body);
      return;
    }
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    const heads = { accept: req.headers.accept ?? null, authorization: req.headers.authorization ?? null, rsc: (req.headers.rsc as string | undefined) ?? null };
    if (!servesRequest(req.method ?? "GET", pathname, heads)) {
      void nextHandle(req, res);
      return;
    }
    void (async () => {
      try {
        const { request, truncated } = await toWebRequest(req, bodyLimitFor(req.method ?? "GET", pathname, req.headers.authorization ?? null));
        const response = (await dispatch(request)) ?? new Response(null, { status: 404 });
        await sendWebResponse(response, res, truncated);
      } catch (error) {
        log.error({ err: error }, "fast lane failure");
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/problem+json" });
        res.end(JSON.stringify({ type: "about:blank", title: "Internal Server Error", status: 500 }));
      }
    })();
  });

  // A failed listen (port taken, no permission) must not leave a process that runs jobs and
  // sends heartbeats while serving nothing: say why in one line, stop in order, exit 1.
  server.on("error", (error: NodeJS.ErrnoException) => {
    const listening = server.listening;
    setListening(false);
    if (!listening) console.error(`Vigil failed to start: cannot listen on ${config.HOSTNAME}:${config.PORT}: ${listenProblem(error)}`);
    log.fatal({ err: error }, listening ? "server error" : "listen failed");
    shutDown(listening ? "server error" : "listen failed", 1);
  });
  server.on("close", () => setListening(false));
  server.listen(config.PORT, config.HOSTNAME, () => {
    setListening(true);
    log.info({ url: `http://${config.HOSTNAME}:${config.PORT}` }, "vigil listening");
  });
}

function listenProblem(error: NodeJS.ErrnoException): string {
  if (error.code === "EADDRINUSE") return "the address is already in use (another process holds the port; set PORT to another)";
  if (error.code === "EACCES") return "permission denied (ports below 1024 need privileges; set PORT above 1023)";
  if (error.code === "EADDRNOTAVAIL") return "the address is not available on this machine (check HOSTNAME)";
  return error.message;
}

main().catch((error: unknown) => {
  // Known refusals are explained in one line; anything else with its stack.
  const known = error instanceof Error && ["EmbeddedDatabaseInUseError", "PolicyDirError", "RulesError"].includes(error.name);
  console.error("Vigil failed to start:", known ? error.message : error);
  process.exit(1);
});
