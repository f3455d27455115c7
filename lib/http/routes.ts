import * as agents from "./handlers/agents";
import * as audit from "./handlers/audit";
import * as autoheal from "./handlers/autoheal";
import * as consoleViews from "./handlers/console";
import * as credentials from "./handlers/credentials";
import * as events from "./handlers/events";
import { jwksHandler, openidConfiguration } from "./handlers/discovery";
import { health, ready } from "./handlers/health";
import * as keys from "./handlers/keys";
import { metrics } from "./handlers/metrics";
import { validate } from "./handlers/validate";
import * as oauth from "./handlers/oauth";
import type { Route } from "./types";

const AGENT = "/api/v1/agents/:id";
const CREDENTIAL = `${AGENT}/credentials/:credentialId`;

/**
 * The one route table. Next's app/api files and the node:http fast lane (server.ts) both
 * mount it; who may call each route is declared here and nowhere else.
 */
export const routes: Route[] = [
  { method: "GET", path: "/api/health", summary: "liveness", auth: { public: "probes must reach it without credentials" }, handler: health, beforeReady: true },
  { method: "GET", path: "/api/ready", summary: "readiness", auth: { public: "probes must reach it without credentials" }, handler: ready, beforeReady: true },
  { method: "GET", path: "/.well-known/openid-configuration", summary: "discovery", auth: { public: "verifiers discover the issuer without credentials" }, handler: openidConfiguration },
  { method: "GET", path: "/.well-known/jwks.json", summary: "JWKS", auth: { public: "public keys are public" }, handler: jwksHandler },
  { method: "POST", path: "/api/v1/token", summary: "issue a token", auth: { client: "OAuth client authentication" }, handler: oauth.token, oauth: true, limit: "token" },
  { method: "GET", path: "/api/auth/validate", summary: "gateway validator", auth: { bearer: "nginx auth_request forwards the caller's bearer token" }, handler: validate, limit: "validate" },
  { method: "POST", path: "/api/v1/introspect", summary: "introspect a token", auth: { client: "OAuth client authentication" }, handler: oauth.introspect, oauth: true, limit: "token" },
  { method: "POST", path: "/api/v1/revoke", summary: "revoke a token", auth: { client: "OAuth client authentication" }, handler: oauth.revoke, oauth: true, limit: "token" },
  { method: "GET", path: "/metrics", summary: "Prometheus metrics", auth: { public: "scraped by Prometheus; METRICS_TOKEN guards it when set" }, handler: metrics, limit: "api" },

  { method: "GET", path: "/api/v1/agents", summary: "list agents", auth: { scope: "agents:read" }, handler: agents.list, limit: "api" },
  { method: "POST", path: "/api/v1/agents", summary: "create an agent", auth: { scope: "agents:write" }, handler: agents.create, limit: "api" },
  { method: "GET", path: AGENT, summary: "get an agent", auth: { scope: "agents:read" }, handler: agents.get, limit: "api" },
  { method: "PATCH", path: AGENT, summary: "update an agent", auth: { scope: "agents:write" }, handler: agents.update, limit: "api" },
  { method: "POST", path: `${AGENT}/suspend`, summary: "suspend an agent", auth: { scope: "agents:write" }, handler: agents.suspend, limit: "api" },
  { method: "POST", path: `${AGENT}/reactivate`, summary: "reactivate an agent", auth: { scope: "agents:write" }, handler: agents.reactivate, limit: "api" },
  { method: "POST", path: `${AGENT}/decommission`, summary: "decommission an agent", auth: { scope: "agents:write" }, handler: agents.decommission, limit: "api" },
  { method: "GET", path: `${AGENT}/usage`, summary: "an agent's token usage and quota", auth: { scope: "agents:read" }, handler: consoleViews.usage, limit: "api" },
  { method: "GET", path: `${AGENT}/credentials`, summary: "list credentials", auth: { scope: "agents:read" }, handler: credentials.list, limit: "api" },
  { method: "POST", path: `${AGENT}/credentials`, summary: "generate a credential", auth: { scope: "agents:write" }, handler: credentials.generate, limit: "api" },
  { method: "POST", path: `${CREDENTIAL}/rotate`, summary: "rotate a credential", auth: { scope: "agents:write" }, handler: credentials.rotate, limit: "api" },
  { method: "POST", path: `${CREDENTIAL}/revoke`, summary: "revoke a credential", auth: { scope: "agents:write" }, handler: credentials.revoke, limit: "api" },
  { method: "GET", path: "/api/v1/audit", summary: "audit events", auth: { scope: "audit:read" }, handler: audit.list, limit: "api" },
  { method: "GET", path: "/api/v1/audit/checkpoints", summary: "signed audit checkpoints", auth: { scope: "audit:read" }, handler: audit.checkpoints, limit: "api" },
  { method: "POST", path: "/api/v1/audit/checkpoints", summary: "seal a checkpoint now", auth: { scope: "admin" }, handler: audit.seal, limit: "api" },
  { method: "GET", path: "/api/v1/audit/verify", summary: "verify the audit log", auth: { scope: "audit:read" }, handler: audit.verify, limit: "api" },
  { method: "GET", path: "/api/v1/audit/jwks", summary: "checkpoint signing keys", auth: { public: "auditors verify checkpoints offline with these public keys" }, handler: audit.jwks },
  { method: "GET", path: "/api/v1/audit/holds", summary: "legal holds", auth: { scope: "audit:read" }, handler: audit.holds, limit: "api" },
  { method: "POST", path: "/api/v1/audit/holds", summary: "place a legal hold", auth: { scope: "admin" }, handler: audit.hold, limit: "api" },
  { method: "POST", path: "/api/v1/audit/holds/:id/release", summary: "release a legal hold", auth: { scope: "admin" }, handler: audit.release, limit: "api" },
  { method: "GET", path: "/api/v1/events", summary: "live audit events (SSE)", auth: { scope: "audit:read" }, handler: events.stream, limit: "api" },
  { method: "POST", path: "/api/alert", summary: "Alertmanager webhook", auth: { bearer: "Alertmanager's webhook credentials (bearer or basic), checked by the intake" }, handler: autoheal.alert, bodyLimit: autoheal.alertBodyLimit },
  { method: "GET", path: "/api/autoheal/status", summary: "autoheal status", auth: { public: "the issue makes it public: switches, heartbeat and cooldowns, no labels" }, handler: autoheal.status, limit: "api" },
  { method: "GET", path: "/api/v1/autoheal", summary: "autoheal status for readers (who switched last)", auth: { scope: "audit:read" }, handler: autoheal.statusForReader, limit: "api" },
  { method: "PATCH", path: "/api/v1/autoheal", summary: "switch autoheal or its dry run", auth: { scope: "admin" }, handler: autoheal.toggle, limit: "api" },
  { method: "GET", path: "/api/v1/autoheal/rules", summary: "autoheal rules", auth: { scope: "audit:read" }, handler: autoheal.rules, limit: "api" },
  { method: "GET", path: "/api/v1/autoheal/actions", summary: "autoheal jobs and results", auth: { scope: "audit:read" }, handler: autoheal.actions, limit: "api" },
  { method: "GET", path: "/api/ack", summary: "acknowledge: silence in Alertmanager", auth: { scope: "autoheal:ack" }, handler: autoheal.ackGet, limit: "api" },
  { method: "POST", path: "/api/ack", summary: "acknowledge (form)", auth: { scope: "autoheal:ack" }, handler: autoheal.ackPost, limit: "api" },
  { method: "GET", path: "/api/v1/overview", summary: "console overview (24 h counts and series)", auth: { scope: "audit:read" }, handler: consoleViews.overview, limit: "api" },
  { method: "GET", path: "/api/v1/keys", summary: "signing keys", auth: { scope: "admin" }, handler: keys.list, limit: "api" },
  { method: "POST", path: "/api/v1/keys/rotate", summary: "rotate the signing key", auth: { scope: "admin" }, handler: keys.rotate, limit: "api" },
];
