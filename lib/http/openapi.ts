import { z } from "zod";
import { API_SCOPES } from "@/lib/access/actor";
import { auditReply, emptyReply, eventStreamReply, identityHeadersReply, metricsReply, readinessReply, redirectReply } from "./replies";
import type { BearerChecker, Route } from "./types";

/**
 * The OpenAPI 3.1 description of the route table: paths, who may call each (scopes, client
 * authentication, bearer kinds), parameters and bodies from each route's zod input, and the
 * error shapes (problem+json, and RFC 6749's for the OAuth endpoints). Generated, never
 * written by hand: `npm run build` writes openapi.json, GET /api/openapi.json serves it with
 * this instance's URL, and a test fails when the two drift.
 */
type Json = Record<string, unknown>;

const SCOPE_TEXT: Record<(typeof API_SCOPES)[number], string> = {
  "agents:read": "read agents and their credentials (never secrets)",
  "agents:write": "register, change, suspend and decommission agents; manage credentials",
  "audit:read": "read the audit log, its live stream, checkpoints, policies and autoheal state",
  "autoheal:ack": "acknowledge alerts (Alertmanager silences)",
  "delegations:read": "read delegation grants",
  "delegations:write": "let agents act for a person (and revoke)",
  admin: "everything, including signing keys, policies, autoheal switches and legal holds",
};

const PROBLEM: Json = {
  type: "object",
  description: "RFC 9457 problem details; `detail` says what is wrong for the person reading it.",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    request_id: { type: "string" },
    errors: {
      type: "array",
      description: "one entry per offending field (validation errors)",
      items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } }, required: ["path", "message"] },
    },
  },
  required: ["type", "title", "status"],
};

const OAUTH_ERROR: Json = {
  type: "object",
  description: "RFC 6749 §5.2 error response",
  properties: { error: { type: "string", examples: ["invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope", "invalid_dpop_proof"] }, error_description: { type: "string" } },
  required: ["error"],
};

const SECURITY_SCHEMES: Json = {
  vigilToken: {
    type: "oauth2",
    description: "A Vigil access token (Authorization: Bearer, or DPoP with a proof when the token is key-bound). Agents get one with client_credentials; people's tokens come from authorization_code or token exchange.",
    flows: {
      clientCredentials: { tokenUrl: "/api/v1/token", scopes: SCOPE_TEXT },
      authorizationCode: { authorizationUrl: "/api/v1/authorize", tokenUrl: "/api/v1/token", scopes: SCOPE_TEXT },
    },
  },
  consoleSession: { type: "apiKey", in: "cookie", name: "__Secure-authjs.session-token", description: "The console's sign-in session (authjs.session-token over plain http); writes also need the CSRF token header." },
  clientSecretBasic: { type: "http", scheme: "basic", description: "OAuth client authentication. Also accepted: client_secret_post, private_key_jwt or a workload's JWT-SVID (client_assertion), and public clients with PKCE (client_id alone)." },
  gatewayBearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The caller's token as the gateway received it: Vigil's own or a trusted issuer's; DPoP-bound tokens with their proof." },
  alertmanagerToken: { type: "http", scheme: "bearer", description: "AUTOHEAL_ALERT_TOKEN, as Alertmanager's http_config sends it (or basic auth when configured so)." },
  metricsToken: { type: "http", scheme: "bearer", description: "METRICS_TOKEN when it is set (production requires it)." },
  cronSecret: { type: "http", scheme: "bearer", description: "CRON_SECRET, as Vercel Cron sends it; the cron routes answer 404 until it is set." },
};

const BEARER_SCHEMES: Record<BearerChecker, string> = { gateway: "gatewayBearer", alertmanager: "alertmanagerToken", metrics: "metricsToken", cron: "cronSecret" };

// zod's JSON Schema for what a caller sends (input), with what zod cannot express as "any".
// Where a `format` names the syntax (date-time, email, uuid), zod's long regex for it is left out.
function jsonSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
    override: ({ jsonSchema: js }) => {
      if (typeof js.format === "string" && typeof js.pattern === "string") delete js.pattern;
    },
  }) as Json;
  delete out.$schema;
  return out;
}

const pathParams = (path: string) => path.split("/").filter((s) => s.startsWith(":")).map((s) => s.slice(1));
export const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}");

function security(auth: Route["auth"]): Json[] {
  if ("public" in auth) return [];
  if ("client" in auth) return [{ clientSecretBasic: [] }];
  if ("bearer" in auth) return [{ [BEARER_SCHEMES[auth.bearer]]: [] }];
  const scopes = [auth.scope].flat();
  return [{ vigilToken: scopes }, { consoleSession: scopes }];
}

function whoMayCall(auth: Route["auth"]): string {
  if ("public" in auth) return `Public: ${auth.public}.`;
  if ("client" in auth) return "OAuth client authentication.";
  if ("bearer" in auth) return `Bearer: ${auth.bearer}.`;
  return `Needs scope ${[auth.scope].flat().join(" and ")} (admin holds every scope).`;
}

const problemRef = { $ref: "#/components/schemas/Problem" };
const problemResponse = (description: string) => ({ description, content: { "application/problem+json": { schema: problemRef } } });

function errorResponses(r: Route, hasInput: boolean): Json {
  if (r.oauth) {
    const oauth = { content: { "application/json": { schema: { $ref: "#/components/schemas/OAuthError" } } } };
    return { "400": { description: "invalid_request, invalid_grant, unsupported_grant_type, invalid_scope, …", ...oauth }, "401": { description: "invalid_client", ...oauth }, "429": problemResponse("too many requests (Retry-After)"), "503": { description: "temporarily_unavailable: maintenance mode or the database (Retry-After)", ...oauth } };
  }
  const out: Json = {};
  if (hasInput) out["400"] = problemResponse("the input is invalid: each offending field in `errors`");
  if (!("public" in r.auth)) out["401"] = problemResponse("no valid credentials (WWW-Authenticate says which)");
  if ("scope" in r.auth || (("bearer" in r.auth) && r.auth.bearer === "gateway")) out["403"] = problemResponse("authenticated, but not allowed (a missing scope, a policy, a suspended agent)");
  if (pathParams(r.path).length > 0) out["404"] = problemResponse("no such resource");
  if (r.body && r.body !== "none") out["413"] = problemResponse("the body is larger than allowed");
  if (r.limit) out["429"] = problemResponse("rate limited (Retry-After)");
  if (!r.memory || r.agentFacing) out["503"] = problemResponse(r.agentFacing ? "maintenance mode, or the database unreachable or full (Retry-After)" : "the database is unreachable or full (Retry-After)");
  return out;
}

function success(r: Route): Json {
  const reply = r.reply;
  const ok = (description: string, content?: Json, headers?: Json) => ({ description, ...(content ? { content } : {}), ...(headers ? { headers } : {}) });
  const anyJson = { "application/json": { schema: { type: "object" } } };
  if (reply === auditReply) return { "200": ok("a page of events (JSON), or with format=ndjson|csv the whole range streamed", { ...anyJson, "application/x-ndjson": { schema: { type: "string" } }, "text/csv": { schema: { type: "string" } } }) };
  if (reply === eventStreamReply) return { "200": ok("server-sent events: `id:` is the event id (resume with Last-Event-ID)", { "text/event-stream": { schema: { type: "string" } } }) };
  if (reply === emptyReply) return { "200": ok("done (no body)") };
  if (reply === identityHeadersReply) {
    const header = (description: string) => ({ description, schema: { type: "string" } });
    return { "200": ok("allowed; identity in the headers (no body)", undefined, { "X-User-Id": header("the subject: an agent or a person"), "X-Scopes": header("comma-separated scopes"), "X-Actor-Chain": header("delegated calls: the acting agents, outermost first") }) };
  }
  if (reply === redirectReply) return { "302": ok("to the consent page, or back to the client with an error", undefined, { Location: { schema: { type: "string" } } }) };
  if (reply === metricsReply) return { "200": ok("Prometheus text exposition", { "text/plain": { schema: { type: "string" } } }) };
  if (reply === readinessReply) return { "200": ok("ready (or degraded)", anyJson), "503": ok("not ready", anyJson) };
  const status = typeof reply === "object" ? (reply.status ?? 200) : 200;
  return { [String(status)]: ok(status === 201 ? "created" : "the answer", anyJson) };
}

const TAGS: [RegExp, string][] = [
  [/^\/(api\/)?health$|^\/api\/ready$|^\/$|^\/metrics$|^\/api\/cron\//, "operations"],
  [/^\/\.well-known\/|^\/api\/v1\/(token|introspect|revoke|authorize)/, "oauth"],
  [/^\/api\/v1\/agents/, "agents"],
  [/^\/api\/auth\/validate$/, "gateway"],
  [/^\/(api\/v1\/)?audit|^\/(api\/v1\/)?events$/, "audit"],
  [/autoheal|^\/(api\/)?(ack|alert)$/, "autoheal"],
  [/polic/, "policies"],
  [/delegations/, "delegations"],
  [/keys/, "keys"],
];
const tagOf = (path: string) => TAGS.find(([re]) => re.test(path))?.[1] ?? "console";

function operationIds(routes: readonly Route[]): string[] {
  const names = routes.map((r) => r.verb.name);
  const count = (n: string) => names.filter((m) => m === n).length;
  return routes.map((r, i) => {
    const name = names[i] ?? "";
    if (/^[a-z][A-Za-z]+$/.test(name) && count(name) === 1) return name;
    const words = r.path.split(/[/:{}.-]+/).filter((w) => w !== "" && w !== "v1");
    return [r.method.toLowerCase(), ...words.map((w) => w[0]?.toUpperCase() + w.slice(1))].join("") || `${r.method.toLowerCase()}Root`;
  });
}

function operation(r: Route, operationId: string): Json {
  const schema = jsonSchema(r.input);
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const fromHeader = new Map(Object.entries(r.headerInput ?? {}).map(([header, field]) => [field, header]));
  const hasBody = r.body !== undefined && r.body !== "none";
  const inPath = pathParams(r.path);
  // A verb that parses its path parameter with the rest describes it best (a UUID, say).
  const parameters: Json[] = inPath.map((name) => ({ name, in: "path", required: true, schema: props[name] ?? { type: "string" } }));
  for (const name of inPath) delete props[name];
  if (Array.isArray(schema.required)) schema.required = (schema.required as string[]).filter((n) => !inPath.includes(n));
  for (const [name, prop] of Object.entries(fromHeader.size || !hasBody ? props : {})) {
    const header = fromHeader.get(name);
    if (header) parameters.push({ name: header, in: "header", required: required.has(name), schema: prop, description: `also accepted as the query parameter ${name}` });
    else if (!hasBody) parameters.push({ name, in: "query", required: required.has(name), schema: prop });
  }
  const kinds = [r.body ?? "none"].flat().filter((k) => k !== "none");
  const bodySchema = { ...schema };
  const requestBody =
    kinds.length > 0
      ? {
          required: required.size > 0,
          content: Object.fromEntries(kinds.map((k) => [k === "json" ? "application/json" : "application/x-www-form-urlencoded", { schema: bodySchema }])),
        }
      : undefined;
  const hasInput = Object.keys(props).length > 0 || schema.anyOf !== undefined || schema.oneOf !== undefined;
  return {
    operationId,
    summary: r.summary,
    description: whoMayCall(r.auth),
    tags: [tagOf(r.path)],
    security: security(r.auth),
    "x-vigil-auth": r.auth,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: { ...success(r), ...errorResponses(r, hasInput), default: problemResponse("any other error, as problem details") },
  };
}

export function openApiDocument(routes: readonly Route[], opts: { version: string; serverUrl?: string }): Json {
  const ids = operationIds(routes);
  const paths: Record<string, Json> = {};
  routes.forEach((r, i) => {
    const key = openApiPath(r.path);
    paths[key] = { ...(paths[key] ?? {}), [r.method.toLowerCase()]: operation(r, ids[i] ?? "") };
  });
  const tags = [...new Set(routes.map((r) => tagOf(r.path)))].sort().map((name) => ({ name }));
  return {
    openapi: "3.1.0",
    info: {
      title: "Vigil API",
      version: opts.version,
      description: "Identity, delegation, gateway validation, autoheal and the audit log of AI agents. Errors are RFC 9457 problem details, except the OAuth endpoints' RFC 6749 errors.",
      license: { name: "Proprietary", identifier: "LicenseRef-Vigil" },
    },
    servers: [{ url: opts.serverUrl ?? "/" }],
    tags,
    paths,
    components: { schemas: { Problem: PROBLEM, OAuthError: OAUTH_ERROR }, securitySchemes: SECURITY_SCHEMES },
  };
}
