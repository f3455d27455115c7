import { callerType, requireScope, type Actor, type ApiScope } from "@/lib/access/actor";
import { assertOpenForAgents } from "@/lib/runtime/maintenance/switch";
import { getConfig } from "@/lib/config";
import type { IncomingRequest, ClientCtx, MachineCtx, PopRequest, RequestFacts, VerbCtx } from "@/lib/context";
import { getDb } from "@/lib/db/client";
import type { Db } from "@/lib/db/types";
import { isConnectionError, isStorageFull, sqlState } from "@/lib/db/errors";
import { assertDatabaseReachable, DatabaseDownError, noteDatabaseError } from "@/lib/db/reachability";
import { AppError, ServiceUnavailableError, ValidationError } from "@/lib/errors";
import { bearerCaller } from "@/lib/gate/bearer";
import { addressKey, rateLimiter, type RatePolicy } from "@/lib/gate/rate-limit";
import { secureCookies } from "@/lib/gate/session/cookies";
import { startedOnOurSite } from "@/lib/gate/session/csrf";
import { sessionCaller } from "@/lib/gate/session/session-actor";
import { authenticateClientRequest } from "@/lib/identity/credentials/authenticate-client";
import { dpopNonces } from "@/lib/identity/dpop/nonce";
import { OAuthError } from "@/lib/identity/oauth-error";
import { getLogger } from "@/lib/observability/logger";
import { countDecision, recordRequest } from "@/lib/observability/metrics";
import { ensureStarted } from "@/lib/runtime/start";
import { defaultBodyLimit, readBody } from "./body";
import { STRICT_TRANSPORT_SECURITY } from "./page-headers";
import { checkers } from "./checkers";
import { assembleInput, queryObject } from "./input";
import { errorResponse, headersBeside, json, materialised, problem } from "./problem";
import { clientIpOf } from "./request-facts";
import type { LimitClass, Route, VerbInput } from "./types";

type Ctx = VerbCtx | ClientCtx | MachineCtx;

/**
 * The handler wrapper: start-up gate, the route's rate limits, authentication of the kind the
 * table declares, the body read once, the verb called with one input, error mapping, metrics
 * and one log line. `requestId` is computed once by whoever received the request (dispatch).
 */
export async function runRoute(route: Route, params: Record<string, string>, request: IncomingRequest, url: URL, requestId: string): Promise<Answer> {
  const started = performance.now();
  const facts: RequestFacts & { requestId: string } = { requestId, ip: clientIpOf(request), userAgent: request.headers.get("user-agent") };
  let response: Response;
  let limitHeaders: Record<string, string> = {};
  try {
    const limit = limitsOf(route);
    if (limit.ip) limitHeaders = rateLimiter().take(`${limit.ip}-ip`, addressKey(facts.ip), ipPolicy(limit.ip));
    if (!route.beforeReady) await ensureStarted();
    if (route.agentFacing) assertOpenForAgents();
    // The database known to be down: refused at once rather than after a connect timeout.
    if (!route.memory) assertDatabaseReachable();
    const db = await getDb();
    // DPoP proofs name the URL the client addressed: Vigil's public one (its issuer), never
    // the Host header, which a proof captured elsewhere could be replayed with.
    const pop = { proof: request.headers.get("dpop"), method: request.method, url: `${getConfig().issuer}${url.pathname}` };
    const { ctx, body } = await authenticate(route, request, { ...facts, db, signal: route.memory ? NEVER_ABORTED : request.signal, pop });
    if (limit.subject && "actor" in ctx) {
      const key = "client" in ctx ? ctx.client.clientId : ctx.actor.id;
      rateLimiter().take(`${limit.subject}-subject`, key, subjectPolicy(limit.subject));
    }
    if ("scope" in route.auth && "actor" in ctx) authorize(ctx.actor, route.auth.scope);
    const landing = crossSiteLanding(route, request, url);
    if (landing) return finish(landing);
    const input = assembleInput({
      params,
      query: queryObject(url, route.repeatableQuery),
      body: body ?? (await readBody(request, route.body ?? "none", limitFor(route, request))),
      headers: headerInput(route, request),
    });
    const value = await (route.verb as (ctx: Ctx, input: VerbInput) => unknown)(ctx, input);
    response = replyWith(route, value, requestId);
  } catch (error) {
    response = toResponse(error, requestId, route);
  }
  return finish(response);

  function finish(res: Response): Answer {
    // The wrapper's own headers travel beside the response as a plain object: the door adds
    // them (the fast lane straight into its head, Next's on the Response), sparing four
    // validated Headers.set calls per request.
    const own = headersBeside(res);
    const headers: Record<string, string> = { ...own, "X-Request-Id": requestId };
    // The route's own header of a name wins over the wrapper's. Headers kept beside are
    // looked up as written: the two that can meet (DPoP-Nonce, RateLimit-*) are written so by
    // their one producer each (lib/identity/dpop, lib/gate/rate-limit).
    const routeSet = (name: string) => (own !== undefined && Object.hasOwn(own, name)) || res.headers.has(name);
    // RFC 9449 §8.2: whoever sends proofs learns the nonce to put in the next one.
    const nonce = request.headers.has("dpop") ? dpopNonces()?.current : undefined;
    if (nonce && !routeSet("DPoP-Nonce")) headers["DPoP-Nonce"] = nonce;
    for (const [name, value] of Object.entries(limitHeaders)) if (!routeSet(name)) headers[name] = value;
    // Served over https (behind a TLS-terminating proxy): browsers must never try http again.
    if (secureCookies()) headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY;
    const seconds = (performance.now() - started) / 1000;
    recordRequest(request.method, route.path, res.status, seconds);
    getLogger().info({ request_id: requestId, method: request.method, route: route.path, status: res.status, ms: Math.round(seconds * 1000) }, "request");
    return { response: res, headers };
  }
}

// The signal of routes answered from memory (see Route.memory).
const NEVER_ABORTED = new AbortController().signal;

/** A route's response and the headers the wrapper adds to it (each replaces one of the same name). */
export type Answer = { response: Response; headers: Record<string, string> };

/** The answer as one Response, for doors that hand a Response on (Next's route handlers). */
export function mergedResponse({ response, headers }: Answer): Response {
  const whole = materialised(response);
  for (const [name, value] of Object.entries(headers)) whole.headers.set(name, value);
  return whole;
}

/**
 * The caller, as the table says to establish it. OAuth clients send their credentials in
 * the form, so their body is read first; everyone else is authenticated before a byte of
 * the body is read (a stranger's oversized body is a 401, not a 413).
 */
async function authenticate(route: Route, request: IncomingRequest, base: RequestFacts & { db: Db; signal: AbortSignal; pop: PopRequest }): Promise<{ ctx: Ctx; body?: Record<string, unknown> }> {
  const auth = route.auth;
  const authorization = request.headers.get("authorization");
  if ("public" in auth) return { ctx: { ...base, by: "anonymous" } };
  // Two Authorization headers arrive joined by a comma, which no credential contains: which
  // one counts must never be guessed (RFC 9110 §5.3; RFC 6750 §3.1 invalid_request). Not at
  // the gateway, where nginx turns anything but 401/403 into a 500: there it is a 401.
  if (!("bearer" in auth) && authorization !== null) checkSingleCredential(authorization, "scope" in auth);
  if ("client" in auth) {
    const body = await readBody(request, route.body ?? "form", limitFor(route, request));
    route.precheck?.(body);
    return { ctx: await authenticateClientRequest(base, authorization, body, auth.client), body };
  }
  if ("bearer" in auth) return { ctx: await checkers[auth.bearer](request, base) };
  // A bearer token when one is sent; otherwise the console's session cookie (CSRF-checked).
  const pop = { request: base.pop, point: "api" as const, audit: base };
  const caller = authorization ? await bearerCaller(base.db, authorization, pop) : ((await sessionCaller(request, base.db)) ?? (await bearerCaller(base.db, null)));
  return { ctx: { ...base, ...caller } };
}

/** One credential in one Authorization header, or 400 invalid_request naming the problem. */
function checkSingleCredential(authorization: string, bearerRoute: boolean): void {
  const problem = authorization.includes(",")
    ? "Send exactly one Authorization header with one credential."
    : /^(bearer|dpop)\s*$/i.test(authorization.trim())
      ? "The Authorization header names a scheme but carries no token."
      : null;
  if (!problem) return;
  const error = new ValidationError(problem);
  if (bearerRoute) error.headers["WWW-Authenticate"] = `Bearer realm="vigil", error="invalid_request", error_description="${problem}"`;
  throw error;
}

/** The table's scope check, counted as an authorization decision of the API. */
function authorize(actor: Actor, scope: ApiScope | readonly ApiScope[]): void {
  try {
    requireScope(actor, scope);
  } catch (error) {
    countDecision("api", "deny", callerType(actor));
    throw error;
  }
  countDecision("api", "allow", callerType(actor));
}

function limitsOf(route: Route): { ip?: LimitClass; subject?: LimitClass } {
  if (!route.limit) return {};
  return typeof route.limit === "string" ? { ip: route.limit, subject: route.limit } : route.limit;
}

function limitFor(route: Route, request: IncomingRequest): number {
  return route.bodyLimit?.(request.headers.get("authorization")) ?? defaultBodyLimit();
}

function headerInput(route: Route, request: IncomingRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [header, field] of Object.entries(route.headerInput ?? {})) {
    const value = request.headers.get(header)?.trim();
    if (value) out[field] = value;
  }
  return out;
}

/** A state-changing GET reached by a link from elsewhere with only the console's cookie. */
function crossSiteLanding(route: Route, request: IncomingRequest, url: URL): Response | null {
  if (!route.crossSiteLanding || request.method !== "GET" || request.headers.get("authorization") || startedOnOurSite(request)) return null;
  return new Response(null, { status: 303, headers: { Location: route.crossSiteLanding(url), "Cache-Control": "no-store" } });
}

function replyWith(route: Route, value: unknown, requestId: string): Response {
  const reply = route.reply;
  if (typeof reply === "function") return (reply as (value: unknown, ctx: { requestId: string }) => Response)(value, { requestId });
  return json(value, reply?.status ?? 200, reply?.headers ?? {});
}

function ipPolicy(limit: LimitClass): RatePolicy {
  const config = getConfig();
  if (limit === "token") return config.RATE_LIMIT_TOKEN_PER_IP;
  if (limit === "validate") return config.RATE_LIMIT_VALIDATE_PER_IP;
  return config.RATE_LIMIT_API_PER_IP;
}

function subjectPolicy(limit: LimitClass): RatePolicy {
  const config = getConfig();
  if (limit === "token") return config.RATE_LIMIT_TOKEN_PER_CLIENT;
  if (limit === "validate") return config.RATE_LIMIT_VALIDATE_PER_SUBJECT;
  return config.RATE_LIMIT_API_PER_SUBJECT;
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
  if (isStorageFull(error)) {
    getLogger().error({ request_id: requestId, err: error }, "database disk full");
    const message = "The database's disk is full: nothing was written. Try again once space is freed.";
    const full = route.oauth ? new OAuthError("temporarily_unavailable", message, 503) : new ServiceUnavailableError(message);
    full.headers["Retry-After"] = "30";
    return errorResponse(full, requestId);
  }
  if (isConnectionError(error)) {
    noteDatabaseError(error);
    const known = error instanceof DatabaseDownError;
    // Refused before trying: one line, no stack (the failure that marked it down was logged in full).
    if (known) getLogger().warn({ request_id: requestId, route: route.path }, "database down: refused at once");
    else getLogger().error({ request_id: requestId, err: error }, "database unavailable");
    const message = known ? error.message : "The database is unavailable; try again shortly.";
    // OAuth clients parse RFC 6749 errors: temporarily_unavailable, not a problem document.
    const unavailable = route.oauth ? new OAuthError("temporarily_unavailable", message, 503) : new ServiceUnavailableError(message);
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
