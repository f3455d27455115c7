import type { z } from "zod";
import type { ApiScope } from "@/lib/access/actor";
import type { ClientCtx, MachineCtx, VerbCtx } from "@/lib/context";
import type { RequestHeads } from "./negotiate";

/** Named bearer checks for callers that are neither OAuth clients nor scope holders (checkers.ts). */
export type BearerChecker = "gateway" | "alertmanager" | "metrics" | "cron";

/**
 * Who may call a route, declared once here and enforced by the wrapper (wrap.ts) before the
 * verb runs; verbs never authenticate anyone themselves.
 * - public: anyone, with the reason it is public;
 * - client: OAuth client authentication (client_secret_basic or _post), named by the
 *   endpoint its refusals are audited under; the verb gets `ctx.client`;
 * - bearer: a named checker (the gateway's bearer tokens, Alertmanager's webhook
 *   credentials, the metrics token);
 * - scope: a bearer token (or a console session) holding that scope, or every scope listed.
 */
export type RouteAuth =
  | { public: string }
  | { client: "token" | "introspect" | "revoke" }
  | { bearer: BearerChecker }
  | { scope: ApiScope | readonly ApiScope[] };

/** The context a verb receives for each kind of caller. */
export type CtxFor<A extends RouteAuth> = A extends { scope: unknown }
  ? VerbCtx
  : A extends { client: unknown }
    ? ClientCtx
    : A extends { bearer: "gateway" }
      ? VerbCtx
      : MachineCtx;

/**
 * Rate-limit classes (RATE_LIMIT_<CLASS>_PER_IP / _PER_CLIENT / _PER_SUBJECT). The per-IP
 * bucket is taken first; the per-subject one once the caller is known, so nobody can spend
 * another's budget. A bare class means both.
 */
export type LimitClass = "token" | "validate" | "api";
export type RouteLimit = LimitClass | { ip: LimitClass; subject?: LimitClass };

/**
 * How the wrapper reads the body, once, bounded by the route's limit: JSON (an object), an
 * HTML/OAuth form (a parameter repeated becomes a list), either by Content-Type, or none
 * (nothing or `{}` for actions; not read at all on GET).
 */
export type BodyKind = "json" | "form" | "none";

/** Path params, query and body in one object; a key given twice is a 400 (wrap.ts). */
export type VerbInput = Record<string, unknown>;

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** A success response other than `200 application/json` of the verb's value. */
export type Reply = { status?: number; headers?: Record<string, string> } | ((value: never, ctx: { requestId: string }) => Response);

export type Route = {
  method: Method;
  path: string;
  /** The one description of the route (README tables and the app route files carry none). */
  summary: string;
  auth: RouteAuth;
  // The wrapper picks the context by `auth`; CtxFor ties each verb to it where routes are made.
  verb: (ctx: never, input: VerbInput) => unknown;
  /**
   * The fields the verb takes besides the path's parameters (query, body or headers), as the
   * zod schema the verb parses them with: the OpenAPI document is generated from it.
   */
  input: z.ZodType;
  body?: BodyKind | readonly BodyKind[];
  /** Body bytes allowed when not MAX_BODY_BYTES (the fast lane reads this many before the wrapper). */
  bodyLimit?: (authorization: string | null) => number;
  /** Query parameters that may repeat (they reach the verb as lists); any other repeated one is a 400. */
  repeatableQuery?: readonly string[];
  /** Request headers handed to the verb as input fields (the header wins over the query). */
  headerInput?: Record<string, string>;
  reply?: Reply;
  /**
   * OAuth client routes: checks of the form that need no caller, run before client
   * authentication (the token endpoint names a missing or unsupported grant before it asks
   * who the client is).
   */
  precheck?: (input: VerbInput) => void;
  limit?: RouteLimit;
  /** Errors in the RFC 6749 format instead of problem+json. */
  oauth?: boolean;
  /**
   * A GET that changes state: a console user arriving by a link from another site (cookie,
   * no bearer token, not started on our pages) is sent to this console page, prefilled,
   * instead of acting (one more click, on our page, with its CSRF token).
   */
  crossSiteLanding?: (url: URL) => string;
  /**
   * The path is also a console page (`/`, `/audit`, `/events`, which the seed runbooks call):
   * the route answers only the requests this says want the API; the rest go to the page.
   */
  servesWhen?: (heads: RequestHeads) => boolean;
  /**
   * Agents' and gateways' door (token, introspection, revocation, authorization, validator):
   * refused with 503 and Retry-After while maintenance mode is on; the console and admin API
   * stay open so operators can work and end it.
   */
  agentFacing?: boolean;
  /** Answer even before start-up finished (liveness and readiness). */
  beforeReady?: boolean;
  /**
   * Served from memory (probes, discovery, keys, the gateway validator): answered while the
   * database is known to be down, when every other route is refused at once with a 503.
   * Answered in microseconds, so its `ctx.signal` never aborts: a signal per request (an
   * AbortController and a close listener) was 3 % of a gateway call.
   */
  memory?: boolean;
};

/** Declares a route, checking that its verb takes the context its caller kind gets. */
export function route<A extends RouteAuth>(
  r: Omit<Route, "auth" | "verb"> & { auth: A; verb: (ctx: CtxFor<A>, input: VerbInput) => unknown },
): Route {
  return r as Route;
}
