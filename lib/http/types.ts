import type { VerbCtx } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import type { Actor, ApiScope } from "@/lib/gate/actor";

/**
 * Who may call a route, declared once in the route table:
 * - public: anyone, with the reason it is public;
 * - client: OAuth client authentication inside the handler (token, introspect, revoke);
 * - bearer: a bearer token checked inside the handler (the gateway validator);
 * - scope: a bearer token (or a console session) holding that scope.
 */
export type RouteAuth = { public: string } | { client: string } | { bearer: string } | { scope: ApiScope };

/** Which per-IP rate limit applies (per-subject limits are taken once the caller is known). */
export type RouteLimit = "token" | "validate" | "api";

export type HandlerCtx = {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  params: Record<string, string>;
  url: URL;
  db: Db;
  /** Present on scope routes. */
  actor: Actor | null;
  /** Verb context for scope routes (throws on public ones: verbs always have an actor). */
  verb: () => VerbCtx;
};

export type Handler = (request: Request, ctx: HandlerCtx) => Promise<Response>;

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

export type Route = {
  method: Method;
  path: string;
  summary: string;
  auth: RouteAuth;
  handler: Handler;
  limit?: RouteLimit;
  /** Errors in the RFC 6749 format instead of problem+json. */
  oauth?: boolean;
  /** Body limit when not MAX_BODY_BYTES (the alert intake takes 1000-alert payloads). */
  /** Body bytes the fast lane reads before the handler (given the Authorization header). */
  bodyLimit?: (authorization: string | null) => number;
  /** Answer even before start-up finished (liveness and readiness). */
  beforeReady?: boolean;
};
