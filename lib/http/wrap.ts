import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db/client";
import { isConnectionError } from "@/lib/db/errors";
import { AppError, ServiceUnavailableError } from "@/lib/errors";
import { authenticateBearer } from "@/lib/gate/bearer";
import { requireScope } from "@/lib/gate/actor";
import { getLogger } from "@/lib/observability/logger";
import { getMetrics } from "@/lib/observability/metrics";
import { ensureStarted } from "@/lib/runtime/start";
import { errorResponse, problem } from "./problem";
import { clientIpOf, requestIdOf } from "./request-facts";
import type { HandlerCtx, Route } from "./types";

/**
 * The handler wrapper: request id, start-up gate, authentication and scope from the route
 * table, error mapping, metrics and one log line. Handlers only parse and call verbs.
 */
export async function runRoute(route: Route, params: Record<string, string>, request: Request): Promise<Response> {
  const started = performance.now();
  const requestId = requestIdOf(request);
  const url = new URL(request.url);
  let response: Response;
  try {
    if (!route.beforeReady) await ensureStarted();
    const db = await getDb();
    const actor = "scope" in route.auth ? await authenticateBearer(db, request.headers.get("authorization")) : null;
    if (actor && "scope" in route.auth) requireScope(actor, route.auth.scope);
    const ctx: HandlerCtx = {
      requestId,
      ip: clientIpOf(request),
      userAgent: request.headers.get("user-agent"),
      params,
      url,
      db,
      actor,
      verb: () => {
        if (!actor) throw new Error(`${route.path} has no actor: verbs need a scope route`);
        return { actor, db, requestId, ip: clientIpOf(request), userAgent: request.headers.get("user-agent") };
      },
    };
    response = await route.handler(request, ctx);
  } catch (error) {
    response = toResponse(error, requestId, route);
  }
  response.headers.set("X-Request-Id", requestId);
  const status = String(response.status);
  const seconds = (performance.now() - started) / 1000;
  const metrics = getMetrics();
  metrics.httpRequests.inc({ method: request.method, route: route.path, status });
  metrics.httpDuration.observe({ method: request.method, route: route.path }, seconds);
  getLogger().info(
    { request_id: requestId, method: request.method, route: route.path, status: response.status, ms: Math.round(seconds * 1000) },
    "request",
  );
  return response;
}

function toResponse(error: unknown, requestId: string, route: Route): Response {
  if (error instanceof AppError) return errorResponse(error, requestId);
  if (isConnectionError(error)) {
    getLogger().error({ request_id: requestId, err: error }, "database unavailable");
    const unavailable = new ServiceUnavailableError("The database is unavailable; try again shortly.");
    unavailable.headers["Retry-After"] = "5";
    return errorResponse(unavailable, requestId);
  }
  getLogger().error({ request_id: requestId, route: route.path, err: error }, "unhandled error");
  if (route.oauth) {
    return new Response(JSON.stringify({ error: "server_error", error_description: `Unexpected error; request id ${requestId}.` }), {
      status: 500,
      headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
    });
  }
  return problem(500, "Internal Server Error", `An unexpected error occurred. Quote request id ${requestId} when reporting it.`, {
    request_id: requestId,
  });
}

export const bodyLimit = () => getConfig().MAX_BODY_BYTES;
