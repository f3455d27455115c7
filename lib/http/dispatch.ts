import { getConfig } from "@/lib/config";
import type { IncomingRequest } from "@/lib/context";
import { MethodNotAllowedError } from "@/lib/errors";
import { errorResponse, headersBeside } from "./problem";
import { requestIdOf } from "./request-facts";
import type { RequestHeads } from "./negotiate";
import { createRouter, type Match } from "./router";
import { routes } from "./routes";
import { runRoute, type Answer } from "./wrap";

const match = createRouter(routes);

/**
 * Serves a request from the route table; null when no route has this path. `lane` is the
 * fast lane's earlier look-up of the same request, used when the parsed path is the one it
 * looked up (the table is then searched once per request, not three times).
 */
export async function dispatch(request: IncomingRequest, url = new URL(request.url), lane?: Lane): Promise<Answer | null> {
  const { pathname } = url;
  const earlier = lane?.pathname === pathname && lane.method === request.method ? lane.found : undefined;
  const found = earlier ?? match(request.method, pathname);
  if (found.kind === "none") return null;
  if (!earlier && !apiAnswers(found, pathname, { accept: request.headers.get("accept"), authorization: request.headers.get("authorization"), rsc: request.headers.get("rsc") })) return null;
  // Once per request: the wrapper, the log line, the audit events and the response share it.
  const requestId = requestIdOf(request);
  if (found.kind === "method_not_allowed") {
    const response = errorResponse(new MethodNotAllowedError(found.allowed), requestId);
    return { response, headers: { ...headersBeside(response), "X-Request-Id": requestId } };
  }
  const answer = await runRoute(found.route, found.params, request, url, requestId);
  if (request.method !== "HEAD") return answer;
  // Nobody will read the body: release its producer (a live stream would stay subscribed).
  void answer.response.body?.cancel().catch(() => {});
  return { ...answer, response: new Response(null, { status: answer.response.status, headers: answer.response.headers }) };
}

// Literal paths a negotiated route shares with a console page: any other method there
// (a page's own POST) stays the page's, not a 405 from the table.
const pagePaths = new Set(routes.filter((r) => r.servesWhen).map((r) => r.path));

function apiAnswers(found: Match, pathname: string, heads: RequestHeads): boolean {
  if (found.kind === "route") return found.route.servesWhen?.(heads) ?? true;
  return found.kind === "method_not_allowed" && !pagePaths.has(pathname.replace(/(.)\/$/, "$1"));
}

/** The fast lane's look-up of a request: the table's match, and how many body bytes to read before the handler sees it. */
export type Lane = { method: string; pathname: string; found: Match; bodyLimit: number };

/** The lane when the fast lane should take this request; null when Next's handler should. */
export function fastLane(method: string, pathname: string, heads: RequestHeads): Lane | null {
  const found = match(method, pathname);
  if (!apiAnswers(found, pathname, heads)) return null;
  const bodyLimit = (found.kind === "route" ? found.route.bodyLimit?.(heads.authorization) : undefined) ?? getConfig().MAX_BODY_BYTES;
  return { method, pathname, found, bodyLimit };
}

// Methods Vigil answers anywhere (pages and API); others never reach Next or a handler.
const SERVED = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
// Defined by RFC 9110 but never served: 405. Anything else is a method Vigil does not know: 501.
const REFUSED = new Set(["TRACE", "CONNECT"]);

/**
 * The answer to a method Vigil does not serve, before anything else looks at the request
 * (`new Request` throws on TRACE, and Next's handler fails on it): 405 with Allow for TRACE and
 * CONNECT, 501 for methods it does not know (RFC 9110 §15.5.6, §15.6.2). Null for the rest.
 */
export function unservedMethod(method: string): { status: number; headers: Record<string, string>; body: string } | null {
  if (SERVED.has(method)) return null;
  const status = REFUSED.has(method) ? 405 : 501;
  const title = status === 405 ? "Method Not Allowed" : "Not Implemented";
  const detail = `${method.slice(0, 32)} is not served here; Vigil answers ${[...SERVED].join(", ")}.`;
  return {
    status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...(status === 405 ? { allow: [...SERVED].join(", ") } : {}) },
    body: JSON.stringify({ type: "about:blank", title, status, detail }),
  };
}
