import { getConfig } from "@/lib/config";
import { MethodNotAllowedError } from "@/lib/errors";
import { errorResponse } from "./problem";
import { requestIdOf } from "./request-facts";
import { createRouter } from "./router";
import { routes } from "./routes";
import { runRoute } from "./wrap";

const match = createRouter(routes);

/** Serves a request from the route table; null when no route has this path. */
export async function dispatch(request: Request): Promise<Response | null> {
  const url = new URL(request.url);
  const { pathname } = url;
  const found = match(request.method, pathname);
  if (found.kind === "none") return null;
  // Once per request: the wrapper, the log line, the audit events and the response share it.
  const requestId = requestIdOf(request);
  if (found.kind === "method_not_allowed") {
    const response = errorResponse(new MethodNotAllowedError(found.allowed), requestId);
    response.headers.set("X-Request-Id", requestId);
    return response;
  }
  const response = await runRoute(found.route, found.params, request, url, requestId);
  if (request.method !== "HEAD") return response;
  // Nobody will read the body: release its producer (a live stream would stay subscribed).
  void response.body?.cancel().catch(() => {});
  return new Response(null, { status: response.status, headers: response.headers });
}

/** Whether the fast lane should take this path (otherwise Next's handler does). */
export function servesPath(pathname: string): boolean {
  return match("GET", pathname).kind !== "none";
}

/** How many body bytes the fast lane reads for this request before the handler sees it. */
export function bodyLimitFor(method: string, pathname: string, authorization: string | null = null): number {
  const found = match(method, pathname);
  return (found.kind === "route" ? found.route.bodyLimit?.(authorization) : undefined) ?? getConfig().MAX_BODY_BYTES;
}
