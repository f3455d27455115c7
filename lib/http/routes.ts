import { z } from "zod";
import { noFields } from "@/lib/validation";
import { authorizationRequestParams, introspectionForm, revocationForm, tokenRequestForm } from "@/lib/identity/oauth-forms";
import { consentDecisionInput } from "@/lib/identity/authorize/decide";
import { listAgentsInput } from "@/lib/identity/agents/list";
import { createAgentInput, updateAgentInput } from "@/lib/identity/agents/schemas";
import { patchStatusInput } from "@/lib/identity/agents/patch-status";
import { generateCredentialInput } from "@/lib/identity/credentials/generate";
import { rotateCredentialInput } from "@/lib/identity/credentials/rotate";
import { listAuditInput } from "@/lib/audit/list";
import { listCheckpointsInput } from "@/lib/audit/checkpoints/list";
import { verifyInput } from "@/lib/audit/checkpoints/verify";
import { createHoldInput } from "@/lib/audit/retention/holds";
import { liveStreamInput } from "@/lib/audit/live/stream";
import { alertmanagerPayloadSchema } from "@/lib/autoheal/alertmanager-payload";
import { toggleInput } from "@/lib/autoheal/toggle";
import { listAlerts, listAlertsInput } from "@/lib/autoheal/alerts-list";
import { expireSilence, expireSilenceInput } from "@/lib/autoheal/silence-expire";
import { listSilences, listSilencesInput } from "@/lib/autoheal/silences-list";
import { listActionsInput } from "@/lib/autoheal/list-actions";
import { ackInput } from "@/lib/autoheal/ack";
import { autohealTrail, autohealTrailInput } from "@/lib/autoheal/trail";
import { savePolicyInput, rollbackPolicyInput } from "@/lib/policy/store";
import { policyValidationInput } from "@/lib/policy/validate";
import { whatIfInput } from "@/lib/policy/what-if";
import { listGrantsInput } from "@/lib/identity/delegations/list";
import { createGrantInput } from "@/lib/identity/delegations/schemas";
import { rotateSigningKeyInput } from "@/lib/identity/signing-keys/rotate";
import { gatewayInput } from "@/lib/gate/validate";
import { checkpointKeys } from "@/lib/audit/checkpoints/public-keys";
import { listCheckpoints } from "@/lib/audit/checkpoints/list";
import { sealNow } from "@/lib/audit/checkpoints/seal-now";
import { verifyAudit } from "@/lib/audit/checkpoints/verify";
import { openLiveStream } from "@/lib/audit/live/stream";
import { readAudit } from "@/lib/audit/read";
import { createHold } from "@/lib/audit/retention/hold-create";
import { listHolds } from "@/lib/audit/retention/hold-list";
import { releaseHold } from "@/lib/audit/retention/hold-release";
import { acknowledge } from "@/lib/autoheal/ack";
import { intakeAlerts } from "@/lib/autoheal/intake";
import { isAlertmanager } from "@/lib/autoheal/intake-auth";
import { listActions } from "@/lib/autoheal/list-actions";
import { listRules } from "@/lib/autoheal/list-rules";
import { autohealStatusForReader } from "@/lib/autoheal/reader-status";
import { autohealStatus } from "@/lib/autoheal/status";
import { toggleAutoheal } from "@/lib/autoheal/toggle";
import { getConfig } from "@/lib/config";
import { agentUsage } from "@/lib/console/agent-usage";
import { consoleOverview } from "@/lib/console/overview";
import { gatewayIdentity } from "@/lib/gate/validate";
import { createAgent } from "@/lib/identity/agents/create";
import { createDelegation } from "@/lib/identity/delegations/create";
import { getPolicySet, getPolicyVersion, listPolicySets, MAX_POLICY_BYTES, rollbackPolicySet, savePolicySet } from "@/lib/policy/store";
import { validatePolicyText } from "@/lib/policy/validate";
import { whatIf } from "@/lib/policy/what-if";
import { getDelegation } from "@/lib/identity/delegations/get";
import { listDelegations } from "@/lib/identity/delegations/list";
import { revokeDelegation } from "@/lib/identity/delegations/revoke";
import { decommissionAgent } from "@/lib/identity/agents/decommission";
import { getAgent } from "@/lib/identity/agents/get";
import { listAgents } from "@/lib/identity/agents/list";
import { reactivateAgent } from "@/lib/identity/agents/reactivate";
import { suspendAgent } from "@/lib/identity/agents/suspend";
import { updateAgent } from "@/lib/identity/agents/update";
import { generateCredential } from "@/lib/identity/credentials/generate";
import { listCredentials } from "@/lib/identity/credentials/list";
import { revokeCredential } from "@/lib/identity/credentials/revoke";
import { rotateCredential } from "@/lib/identity/credentials/rotate";
import { decideAuthorization } from "@/lib/identity/authorize/decide";
import { startAuthorization } from "@/lib/identity/authorize/start";
import { issuerMetadata, protectedResourceMetadata, publicSigningKeys } from "@/lib/identity/discovery";
import { listSigningKeys } from "@/lib/identity/signing-keys/list";
import { rotateSigningKey } from "@/lib/identity/signing-keys/rotate";
import { introspectToken } from "@/lib/identity/tokens/introspect";
import { checkTokenRequest, issueToken } from "@/lib/identity/tokens/issue";
import { revokeToken } from "@/lib/identity/tokens/revoke";
import { health, readiness, rootHealth } from "@/lib/runtime/health";
import { getMaintenance, maintenanceInput, setMaintenance } from "@/lib/runtime/maintenance/switch";
import { metricsExposition } from "@/lib/runtime/metrics";
import { cronInput, runAutohealCron, runRetentionCron, runSealCron } from "@/lib/runtime/cron";
import {
  auditReply,
  emptyReply,
  eventStreamReply,
  identityHeadersReply,
  KEYS_CACHE,
  metricsReply,
  NO_STORE,
  readinessReply,
  redirectReply,
} from "./replies";
import { wantsApi, wantsEventStream } from "./negotiate";
import { apiDescription } from "./api-description";
import { route, type Route } from "./types";

const AGENT = "/api/v1/agents/:id";
const CREDENTIAL = `${AGENT}/credentials/:credentialId`;
const PROBE = "probes must reach it without credentials";

/**
 * The large limit only for callers holding Alertmanager's credentials: the fast lane reads
 * the body before the wrapper runs, and must not buffer megabytes for anyone who asks.
 */
const alertBodyLimit = (authorization: string | null) =>
  isAlertmanager(authorization) ? getConfig().autoheal.maxBodyBytes : getConfig().MAX_BODY_BYTES;

/** An ack link opened from elsewhere lands on the console's ack form, filled in. */
function ackLanding(url: URL): string {
  const form = new URLSearchParams();
  for (const name of ["labels", "duration", "comment"]) {
    const value = url.searchParams.get(name);
    if (value !== null) form.set(name, value);
  }
  const search = form.size > 0 ? `?${form}` : "";
  return `/autoheal${search}#ack`;
}

/**
 * The one route table. Next's app/api files and the node:http fast lane (server.ts) both
 * mount it. Each entry says who may call (enforced by the wrapper), how its body is read,
 * the verb that does the work and, where it is not plain JSON, how the answer is shaped.
 * `summary` is the route's one description.
 */
// A policy set's text may be up to 1 MiB; JSON escaping and the other fields need room on top.
const POLICY_BODY_BYTES = 2 * MAX_POLICY_BYTES + 64 * 1024;

export const routes: Route[] = [
  route({ method: "GET", path: "/api/health", summary: "liveness: the process answers (reports the database without failing on it)", auth: { public: PROBE }, input: noFields, verb: health, beforeReady: true , memory: true}),
  route({ method: "GET", path: "/health", summary: "liveness at the path the seed runbook curls (the same answer as /api/health)", auth: { public: PROBE }, input: noFields, verb: health, beforeReady: true, memory: true }),
  route({ method: "GET", path: "/api/ready", summary: "readiness: 503 until the database answers, migrations ran and a signing key is loaded", auth: { public: PROBE }, input: noFields, verb: readiness, reply: readinessReply, beforeReady: true , memory: true}),
  route({ method: "GET", path: "/.well-known/openid-configuration", summary: "issuer metadata (discovery)", auth: { public: "verifiers discover the issuer without credentials" }, input: noFields, verb: issuerMetadata, reply: { headers: KEYS_CACHE } , memory: true}),
  route({ method: "GET", path: "/.well-known/oauth-authorization-server", summary: "authorization server metadata (RFC 8414)", auth: { public: "clients discover the authorization server without credentials" }, input: noFields, verb: issuerMetadata, reply: { headers: KEYS_CACHE } , memory: true}),
  route({ method: "GET", path: "/.well-known/oauth-protected-resource", summary: "protected-resource metadata of Vigil's API (RFC 9728)", auth: { public: "clients find the authorization server of an API they met unauthenticated" }, input: noFields, verb: protectedResourceMetadata, reply: { headers: KEYS_CACHE } , memory: true}),
  route({ method: "GET", path: "/api/v1/authorize", agentFacing: true, summary: "authorization endpoint (code + PKCE S256): to consent, or back to the client with an error", auth: { public: "agents send people here before anyone is signed in; the consent page signs them in" }, input: authorizationRequestParams, verb: startAuthorization, repeatableQuery: ["resource"], reply: redirectReply }),
  route({ method: "POST", path: "/api/v1/authorize/decision", summary: "the consent page's answer: approve (grant + code) or deny, as the client's redirect", auth: { scope: "delegations:write" }, body: "json", input: consentDecisionInput.extend(authorizationRequestParams.shape), verb: decideAuthorization, limit: "api" }),
  route({ method: "GET", path: "/api/openapi.json", summary: "this API's OpenAPI 3.1 description, generated from this table", auth: { public: "an API description names no secrets; clients and tools read it before they hold credentials" }, input: noFields, verb: apiDescription, reply: { headers: { "Cache-Control": "public, max-age=300" } }, memory: true }),
  route({ method: "GET", path: "/.well-known/jwks.json", summary: "public signing keys (pending, active, and retiring)", auth: { public: "public keys are public" }, input: noFields, verb: publicSigningKeys, reply: { headers: KEYS_CACHE } , memory: true}),
  route({ method: "POST", path: "/api/v1/token", agentFacing: true, summary: "issue an access token (client_credentials)", auth: { client: "token" }, body: "form", precheck: checkTokenRequest, input: tokenRequestForm, verb: issueToken, reply: { headers: NO_STORE }, oauth: true, limit: "token" }),
  route({ method: "GET", path: "/api/auth/validate", agentFacing: true, summary: "gateway validator (nginx auth_request): 200 with identity headers, 401 or 403", auth: { bearer: "gateway" }, input: gatewayInput, verb: gatewayIdentity, headerInput: { "x-required-scope": "required_scope", "x-original-uri": "original_uri", "x-original-method": "original_method" }, reply: identityHeadersReply, limit: "validate" , memory: true}),
  route({ method: "POST", path: "/api/v1/introspect", agentFacing: true, summary: "introspect a token (RFC 7662)", auth: { client: "introspect" }, body: "form", input: introspectionForm, verb: introspectToken, reply: { headers: NO_STORE }, oauth: true, limit: { ip: "token" } }),
  route({ method: "POST", path: "/api/v1/revoke", agentFacing: true, summary: "revoke a token (RFC 7009)", auth: { client: "revoke" }, body: "form", input: revocationForm, verb: revokeToken, reply: emptyReply, oauth: true, limit: { ip: "token" } }),
  route({ method: "GET", path: "/metrics", summary: "Prometheus metrics", auth: { bearer: "metrics" }, input: noFields, verb: metricsExposition, reply: metricsReply, limit: "api" }),

  route({ method: "GET", path: "/api/v1/agents", summary: "list agents (status, owner, search, cursor)", auth: { scope: "agents:read" }, input: listAgentsInput, verb: listAgents, limit: "api" }),
  route({ method: "POST", path: "/api/v1/agents", summary: "register an agent", auth: { scope: "agents:write" }, body: "json", input: createAgentInput, verb: createAgent, reply: { status: 201 }, limit: "api" }),
  route({ method: "GET", path: AGENT, summary: "one agent", auth: { scope: "agents:read" }, input: noFields, verb: getAgent, limit: "api" }),
  route({ method: "PATCH", path: AGENT, summary: "change an agent's fields", auth: { scope: "agents:write" }, body: "json", input: z.union([updateAgentInput, patchStatusInput.omit({ id: true })]), verb: updateAgent, limit: "api" }),
  route({ method: "POST", path: `${AGENT}/suspend`, summary: "suspend an agent: no new tokens until reactivated", auth: { scope: "agents:write" }, input: noFields, verb: suspendAgent, limit: "api" }),
  route({ method: "POST", path: `${AGENT}/reactivate`, summary: "reactivate a suspended agent", auth: { scope: "agents:write" }, input: noFields, verb: reactivateAgent, limit: "api" }),
  route({ method: "POST", path: `${AGENT}/decommission`, summary: "decommission an agent (final; revokes every credential)", auth: { scope: "agents:write" }, input: noFields, verb: decommissionAgent, limit: "api" }),
  route({ method: "GET", path: `${AGENT}/usage`, summary: "an agent's tokens per day (14 days) and this month's count against its quota", auth: { scope: ["agents:read", "audit:read"] }, input: noFields, verb: agentUsage, limit: "api" }),
  route({ method: "GET", path: `${AGENT}/credentials`, summary: "an agent's credentials (never secrets)", auth: { scope: "agents:read" }, input: noFields, verb: listCredentials, limit: "api" }),
  route({ method: "POST", path: `${AGENT}/credentials`, summary: "generate a credential: the secret is in this response only ({\"secret\": false}: none, for an agent with keys or a workload identity)", auth: { scope: "agents:write" }, input: generateCredentialInput, verb: generateCredential, body: "json", reply: { status: 201, headers: NO_STORE }, limit: "api" }),
  route({ method: "POST", path: `${CREDENTIAL}/rotate`, summary: "rotate a credential: a new secret, the old one valid for the grace period", auth: { scope: "agents:write" }, body: "json", input: rotateCredentialInput, verb: rotateCredential, reply: { headers: NO_STORE }, limit: "api" }),
  route({ method: "DELETE", path: CREDENTIAL, summary: "revoke a credential (the seed runbook's form of POST …/revoke)", auth: { scope: "agents:write" }, input: noFields, verb: revokeCredential, limit: "api" }),
  route({ method: "POST", path: `${CREDENTIAL}/revoke`, summary: "revoke a credential", auth: { scope: "agents:write" }, input: noFields, verb: revokeCredential, limit: "api" }),
  route({ method: "GET", path: "/api/v1/audit", summary: "audit events, newest first (q, since, until, n, cursor; format=ndjson|csv streams the range)", auth: { scope: "audit:read" }, input: listAuditInput, verb: readAudit, reply: auditReply, limit: "api" }),
  route({ method: "GET", path: "/api/v1/audit/checkpoints", summary: "signed audit checkpoints, newest first", auth: { scope: "audit:read" }, input: listCheckpointsInput, verb: listCheckpoints, limit: "api" }),
  route({ method: "POST", path: "/api/v1/audit/checkpoints", summary: "seal what is committed now", auth: { scope: "admin" }, input: noFields, verb: sealNow, reply: { status: 201 }, limit: "api" }),
  route({ method: "GET", path: "/api/v1/audit/verify", summary: "recompute the checkpoints (since, until) and name the first mismatch", auth: { scope: "audit:read" }, input: verifyInput, verb: verifyAudit, limit: "api" }),
  route({ method: "GET", path: "/api/v1/audit/jwks", summary: "every public key checkpoints may be signed with", auth: { public: "auditors verify checkpoints offline with these public keys" }, input: noFields, verb: checkpointKeys, reply: { headers: { "Cache-Control": "public, max-age=60" } } }),
  route({ method: "GET", path: "/api/v1/audit/holds", summary: "legal holds", auth: { scope: "audit:read" }, input: noFields, verb: listHolds, limit: "api" }),
  route({ method: "POST", path: "/api/v1/audit/holds", summary: "hold events matching a query and/or time range from retention", auth: { scope: "admin" }, body: "json", input: createHoldInput, verb: createHold, reply: { status: 201 }, limit: "api" }),
  route({ method: "POST", path: "/api/v1/audit/holds/:id/release", summary: "release a legal hold", auth: { scope: "admin" }, input: noFields, verb: releaseHold, limit: "api" }),
  route({ method: "GET", path: "/api/v1/events", summary: "live audit events as server-sent events (q; resume with Last-Event-ID, last_event_id or since_id)", auth: { scope: "audit:read" }, input: liveStreamInput, verb: openLiveStream, headerInput: { "last-event-id": "last_event_id" }, reply: eventStreamReply, limit: "api" }),
  route({ method: "POST", path: "/api/alert", summary: "Alertmanager webhook (version 4): alerts and their jobs stored before the 200", auth: { bearer: "alertmanager" }, body: "json", bodyLimit: alertBodyLimit, input: alertmanagerPayloadSchema, verb: intakeAlerts }),
  route({ method: "GET", path: "/api/autoheal/status", summary: "autoheal switches, heartbeat and active cooldowns (no labels, no names)", auth: { public: "the issue makes it public: switches, heartbeat and cooldowns, no labels" }, input: noFields, verb: autohealStatus, limit: "api" }),
  route({ method: "GET", path: "/api/v1/autoheal", summary: "autoheal status with who changed the switches last", auth: { scope: "audit:read" }, input: noFields, verb: autohealStatusForReader, limit: "api" }),
  route({ method: "PATCH", path: "/api/v1/autoheal", summary: "turn autoheal or its dry run on/off for every instance", auth: { scope: "admin" }, body: "json", input: toggleInput, verb: toggleAutoheal, limit: "api" }),
  route({ method: "GET", path: "/api/v1/autoheal/rules", summary: "the autoheal rules in force", auth: { scope: "audit:read" }, input: noFields, verb: listRules, limit: "api" }),
  route({ method: "GET", path: "/api/v1/autoheal/actions", summary: "recent remediation jobs and their results (n, before)", auth: { scope: "audit:read" }, input: listActionsInput, verb: listActions, limit: "api" }),
  route({ method: "GET", path: "/api/v1/autoheal/silences", summary: "the Alertmanager silences Vigil created (acks and silence actions), active and pending first (state)", auth: { scope: "audit:read" }, input: listSilencesInput, verb: listSilences, limit: "api" }),
  route({ method: "DELETE", path: "/api/v1/autoheal/silences/:id", summary: "expire a silence Vigil created (403 for anyone else's; 502 when Alertmanager fails), audited as autoheal.silence.expired", auth: { scope: "autoheal:ack" }, input: expireSilenceInput, verb: expireSilence, limit: "api" }),
  route({ method: "GET", path: "/api/v1/autoheal/alerts", summary: "received alerts, newest first, each with its jobs and their outcomes (n, cursor, status, alertname)", auth: { scope: "audit:read" }, input: listAlertsInput, verb: listAlerts, limit: "api" }),
  route({ method: "GET", path: "/api/ack", summary: "acknowledge by link: an Alertmanager silence on these labels (labels, duration, comment)", auth: { scope: "autoheal:ack" }, input: ackInput, verb: acknowledge, reply: { status: 201 }, crossSiteLanding: ackLanding, limit: "api" }),
  route({ method: "POST", path: "/api/ack", summary: "acknowledge (form or JSON): an Alertmanager silence on these labels", auth: { scope: "autoheal:ack" }, body: ["form", "json"], input: ackInput, verb: acknowledge, reply: { status: 201 }, limit: "api" }),
  // The seed autoheal guide's paths, as it calls them. `/`, `/audit` and `/events` are console
  // pages too: a bearer token or an Accept without text/html reaches these (lib/http/negotiate.ts).
  route({ method: "GET", path: "/", summary: "liveness with the autoheal switches (dry_run) for scripts; browsers get the console", auth: { public: PROBE }, input: noFields, verb: rootHealth, servesWhen: wantsApi, memory: true }),
  route({ method: "GET", path: "/audit", summary: "autoheal's trail as the seed guide reads it: {events:[{ts, kind, alertname, result, ...}]}, newest first (n); browsers get the audit explorer", auth: { scope: "audit:read" }, input: autohealTrailInput, verb: autohealTrail, servesWhen: wantsApi, limit: "api" }),
  route({ method: "GET", path: "/events", summary: "the live audit stream (as /api/v1/events) for proxies and scripts; browsers get the live page", auth: { scope: "audit:read" }, input: liveStreamInput, verb: openLiveStream, headerInput: { "last-event-id": "last_event_id" }, reply: eventStreamReply, servesWhen: wantsEventStream, limit: "api" }),
  route({ method: "GET", path: "/ack", summary: "acknowledge by link (as GET /api/ack), at the seed guide's path", auth: { scope: "autoheal:ack" }, input: ackInput, verb: acknowledge, reply: { status: 201 }, crossSiteLanding: ackLanding, limit: "api" }),
  route({ method: "POST", path: "/alert", summary: "Alertmanager webhook (as POST /api/alert), at the seed guide's path", auth: { bearer: "alertmanager" }, body: "json", bodyLimit: alertBodyLimit, input: alertmanagerPayloadSchema, verb: intakeAlerts }),
  // Serverless mode's background work (vercel.json crons); 404 until CRON_SECRET is set.
  route({ method: "GET", path: "/api/cron/autoheal", summary: "run every due autoheal job now, after a heartbeat (Vercel Cron, every minute)", auth: { bearer: "cron" }, input: cronInput, verb: runAutohealCron, reply: { headers: NO_STORE } }),
  route({ method: "GET", path: "/api/cron/seal", summary: "seal what the audit log committed into signed checkpoints (Vercel Cron, every minute)", auth: { bearer: "cron" }, input: cronInput, verb: runSealCron, reply: { headers: NO_STORE } }),
  route({ method: "GET", path: "/api/cron/retention", summary: "audit partitions ahead and retention (Vercel Cron, hourly)", auth: { bearer: "cron" }, input: cronInput, verb: runRetentionCron, reply: { headers: NO_STORE } }),
  route({ method: "GET", path: "/api/v1/maintenance", summary: "maintenance mode: on or off, why, since when, who switched it, and whether MAINTENANCE_MODE holds it", auth: { scope: "audit:read" }, input: noFields, verb: getMaintenance, limit: "api" }),
  route({ method: "PATCH", path: "/api/v1/maintenance", summary: "switch maintenance mode for every instance: agent-facing endpoints answer 503 with Retry-After, the console and admin API stay up", auth: { scope: "admin" }, body: "json", input: maintenanceInput, verb: setMaintenance, limit: "api" }),
  route({ method: "GET", path: "/api/v1/overview", summary: "the console overview's counts and hourly series (last 24 h)", auth: { scope: ["audit:read", "agents:read"] }, input: noFields, verb: consoleOverview, limit: "api" }),
  route({ method: "GET", path: "/api/v1/policies", summary: "runtime policy sets (Cedar): audience, mode, version, text, route templates", auth: { scope: "audit:read" }, input: noFields, verb: listPolicySets, limit: "api" }),
  route({ method: "GET", path: "/api/v1/policies/:name", summary: "one policy set and its versions (who, when, why)", auth: { scope: "audit:read" }, input: noFields, verb: getPolicySet, limit: "api" }),
  route({ method: "POST", path: "/api/v1/policies/:name/versions", summary: "create or change a policy set: validated against Vigil's schema (errors with line and column), live on every instance within a second", auth: { scope: "admin" }, body: "json", bodyLimit: () => POLICY_BODY_BYTES, input: savePolicyInput, verb: savePolicySet, reply: { status: 201 }, limit: "api" }),
  route({ method: "GET", path: "/api/v1/policies/:name/versions/:version", summary: "one version of a policy set", auth: { scope: "audit:read" }, input: noFields, verb: getPolicyVersion, limit: "api" }),
  route({ method: "POST", path: "/api/v1/policies/:name/rollback", summary: "make an earlier version current again (as a new version)", auth: { scope: "admin" }, body: "json", input: rollbackPolicyInput, verb: rollbackPolicySet, limit: "api" }),
  route({ method: "POST", path: "/api/v1/policy-validations", summary: "check a draft policy text against Vigil's schema without saving it: its policies, or every problem with line and column", auth: { scope: "audit:read" }, body: "json", bodyLimit: () => POLICY_BODY_BYTES, input: policyValidationInput, verb: validatePolicyText, limit: "api" }),
  route({ method: "POST", path: "/api/v1/policy-decisions", summary: "what if: the decision a saved set or a draft would make for a described request, and which policies decided", auth: { scope: "audit:read" }, body: "json", bodyLimit: () => POLICY_BODY_BYTES, input: whatIfInput, verb: whatIf, limit: "api" }),
  route({ method: "GET", path: "/api/v1/delegations", summary: "delegation grants, newest first (mine=true, agent_id, active=true, cursor)", auth: { scope: "delegations:read" }, input: listGrantsInput, verb: listDelegations, limit: "api" }),
  route({ method: "POST", path: "/api/v1/delegations", summary: "let an agent act for a person: scopes, resources, expires_in, max_depth (a person for themselves; an admin for a named person)", auth: { scope: "delegations:write" }, body: "json", input: createGrantInput, verb: createDelegation, reply: { status: 201 }, limit: "api" }),
  route({ method: "GET", path: "/api/v1/delegations/:id", summary: "one delegation grant", auth: { scope: "delegations:read" }, input: noFields, verb: getDelegation, limit: "api" }),
  route({ method: "DELETE", path: "/api/v1/delegations/:id", summary: "revoke a delegation grant: every token issued under it is refused at once", auth: { scope: "delegations:write" }, input: noFields, verb: revokeDelegation, limit: "api" }),
  route({ method: "GET", path: "/api/v1/keys", summary: "published signing keys and when each signs", auth: { scope: "admin" }, input: noFields, verb: listSigningKeys, limit: "api" }),
  route({ method: "POST", path: "/api/v1/keys/rotate", summary: "publish a new signing key now; it signs after the delay", auth: { scope: "admin" }, body: "json", input: rotateSigningKeyInput, verb: rotateSigningKey, reply: { status: 201 }, limit: "api" }),
];
