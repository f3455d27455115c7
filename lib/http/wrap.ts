import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db/client";
import type { Db } from "@/lib/db/types";
import { isConnectionError, sqlState } from "@/lib/db/errors";
import { AppError, ServiceUnavailableError, ValidationError } from "@/lib/errors";
import { authenticateBearer } from "@/lib/gate/bearer";
import { sessionActor } from "@/lib/gate/session/session-actor";
import { requireScope } from "@/lib/gate/actor";
import { addressKey, rateLimiter, type RatePolicy } from "@/lib/gate/rate-limit";
import { OAuthError } from "@/lib/identity/oauth-error";
import { getLogger } from "@/lib/observability/logger";
import { recordRequest } from "@/lib/observability/metrics";
import { ensureStarted } from "@/lib/runtime/start";
import { errorResponse, problem } from "./problem";
import { clientIpOf, requestIdOf } from "./request-facts";
import type { HandlerCtx, Route, RouteLimit } from "./types";

/**
 * The handler wrapper: request id, start-up gate, authentication and scope from the route
 * table, error mapping, metrics and one log line. Handlers only parse and call verbs.
 */
export async function runRoute(route: Route, params: Record<string, string>, request: Request, url: URL): Promise<Response> {
  const started = performance.now();
  const requestId = requestIdOf(request);
  const ip = clientIpOf(request);
  const userAgent = request.headers.get("user-agent");
  let response: Response;
  let limitHeaders: Record<string, string> = {};
  try {
    if (route.limit) limitHeaders = rateLimiter().take(`${route.limit}-ip`, addressKey(ip), ipPolicy(route.limit));
    if (!route.beforeReady) await ensureStarted();
    const db = await getDb();
    const actor = "scope" in route.auth ? await authenticate(db, request) : null;
    if (actor && "scope" in route.auth) {
      rateLimiter().take("api-subject", actor.id, getConfig().RATE_LIMIT_API_PER_SUBJECT);
      requireScope(actor, route.auth.scope);
    }
    const ctx: HandlerCtx = {
      requestId,
      ip,
      userAgent,
      params,
      url,
      db,
      actor,
      verb: () => {
        if (!actor) throw new Error(`${route.path} has no actor: verbs need a scope route`);
        return { actor, db, requestId, ip, userAgent };
      },
    };
    response = await route.handler(request, ctx);
  } catch (error) {
    response = toResponse(error, requestId, route);
  }
  response.headers.set("X-Request-Id", requestId);
  for (const [name, value] of Object.entries(limitHeaders)) if (!response.headers.has(name)) response.headers.set(name, value);
  const seconds = (performance.now() - started) / 1000;
  recordRequest(request.method, route.path, response.status, seconds);
  getLogger().info(
    { request_id: requestId, method: request.method, route: route.path, status: response.status, ms: Math.round(seconds * 1000) },
    "request",
  );
  return response;
}

/** A bearer token when one is sent; otherwise the console's session cookie (CSRF-checked). */
async function authenticate(db: Db, request: Request) {
  const authorization = request.headers.get("authorization");
  if (!authorization) {
    const user = await sessionActor(request);
    if (user) return user;
  }
  return authenticateBearer(db, authorization);
}

function ipPolicy(limit: RouteLimit): RatePolicy {
  const config = getConfig();
  if (limit === "token") return config.RATE_LIMIT_TOKEN_PER_IP;
  if (limit === "validate") return config.RATE_LIMIT_VALIDATE_PER_IP;
  return config.RATE_LIMIT_API_PER_IP;
}

const OAUTH_CODE: Record<number, ConstructorParameters<typeof OAuthError>[0]> = { 429: "rate_limited", 503: "temporarily_unavailable" };

function toResponse(error: unknown, requestId: string, route: Route): Response {
  // OAuth endpoints answer every error in the RFC 6749 shape their clients parse.
  if (route.oauth && error instanceof AppError && !(error instanceof OAuthError)) {
    return errorResponse(new OAuthError(OAUTH_CODE[error.status] ?? "invalid_request", error.message, error.status, error.headers), requestId);
  }
  if (error instanceof AppError) return errorResponse(error, requestId);
  const state = sqlState(error);
  if (state?.startsWith("22")) {
    // Data exception: a value from the request that validation let through but the
    // database cannot take. The input's fault, so a 400 — never a 500.
    getLogger().warn({ request_id: requestId, sqlstate: state }, "database rejected a request value");
    return errorResponse(new ValidationError("A value in this request is out of range or malformed."), requestId);
  }
  if (state === "57014") {
    const slow = new ServiceUnavailableError("The database did not finish this request in time; narrow the query (since/until, fields).");
    return errorResponse(slow, requestId);
  }
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
