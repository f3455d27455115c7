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
  const { installShutdown } = await import("@/lib/runtime/shutdown");
  const { getLogger } = await import("@/lib/observability/logger");
  const { bodyLimitFor, dispatch, servesPath, unservedMethod } = await import("@/lib/http/dispatch");
  const { sendWebResponse, toWebRequest } = await import("@/lib/http/node-bridge");
  const { default: next } = await import("next");

  const log = getLogger();
  await ensureStarted();

  const server = http.createServer();
  // Slow clients: all headers within 10 s, the whole request (body included) within 30 s, or
  // the connection is closed with 408 (Node's defaults are 60 s and 300 s). Responses, the
  // live stream's included, are not limited by these.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  installShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));

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
    if (!servesPath(pathname)) {
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

  server.listen(config.PORT, config.HOSTNAME, () => {
    log.info({ url: `http://${config.HOSTNAME}:${config.PORT}` }, "vigil listening");
  });
}

main().catch((error: unknown) => {
  // Known refusals are explained in one line; anything else with its stack.
  const known = error instanceof Error && error.name === "EmbeddedDatabaseInUseError";
  console.error("Vigil failed to start:", known ? error.message : error);
  process.exit(1);
});
