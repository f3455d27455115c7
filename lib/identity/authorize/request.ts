import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { agents, credentials, type Agent } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { AppError } from "@/lib/errors";
import { ClientMetadataError, fetchClientMetadata, type ClientMetadata } from "../clients/metadata-document";
import { registeredResources } from "../tokens/audience";

/**
 * A request that cannot be trusted to its redirect: an unknown or inactive client, or a
 * redirect_uri it did not register. It is shown on Vigil's own page and never redirected
 * (RFC 6749 §4.1.2.1): sending an error to an unverified URI is an open redirect.
 */
export class UntrustedAuthorizationError extends AppError {
  override readonly status = 400;
  override readonly title = "Authorization request refused";
  constructor(
    readonly reason: "unknown_client" | "inactive_client" | "invalid_redirect_uri" | "missing_redirect_uri" | "client_metadata",
    message: string,
  ) {
    super(message);
  }
}

/** An error the client may hear, at its verified redirect_uri (RFC 6749 §4.1.2.1, RFC 9207 iss). */
export class RedirectableAuthorizationError extends Error {
  constructor(
    readonly error: "invalid_request" | "unsupported_response_type" | "invalid_scope" | "invalid_target" | "access_denied" | "unauthorized_client",
    readonly description: string,
  ) {
    super(description);
  }
}

export type AuthorizationRequest = {
  clientId: string;
  agent: Agent;
  /** For an MCP client identified by a client ID metadata document: the document, as fetched and checked. */
  document: ClientMetadata | null;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  /** What the agent asks for (all its allowed scopes when the request names none). */
  scopes: string[];
  /** RFC 8707 resources asked for; empty: the default audience. */
  resources: string[];
  /** RFC 9449 §10: the thumbprint of the DPoP key that alone may redeem the code. */
  dpopJkt: string | null;
};

const one = (raw: Record<string, unknown>, name: string): string | null => {
  const value = raw[name];
  if (value === undefined || value === "") return null;
  if (typeof value !== "string") throw new RedirectableAuthorizationError("invalid_request", `${name} must be given once.`);
  return value;
};

// RFC 7638 SHA-256 thumbprint, base64url without padding.
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Exact match against the registered redirect URIs (no wildcards, no prefix matching),
 * except that a loopback http redirect may use any port (RFC 8252 §7.3: native apps listen
 * on an ephemeral port).
 */
export function redirectMatches(registered: readonly string[], given: string): boolean {
  if (registered.includes(given)) return true;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" || !LOOPBACK.has(url.hostname) || url.hash || given.includes("#")) return false;
  return registered.some((r) => {
    const reg = new URL(r);
    return reg.protocol === "http:" && reg.hostname === url.hostname && reg.pathname === url.pathname && reg.search === url.search;
  });
}

/** The client behind a client_id: an active credential of an active agent, or the error page. */
export async function loadClient(db: Executor, clientId: string | null): Promise<Agent> {
  if (!clientId || clientId.length > 200) throw new UntrustedAuthorizationError("unknown_client", "The request names no client Vigil knows (client_id).");
  const [row] = await db
    .select({ agent: agents })
    .from(credentials)
    .innerJoin(agents, eq(agents.id, credentials.agentId))
    .where(and(eq(credentials.clientId, clientId), eq(credentials.status, "active")))
    .limit(1);
  if (!row) throw new UntrustedAuthorizationError("unknown_client", "The request names no client Vigil knows (client_id).");
  if (row.agent.status !== "active") throw new UntrustedAuthorizationError("inactive_client", `The agent ${row.agent.name} is ${row.agent.status}; it cannot be authorized.`);
  return row.agent;
}

const CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

/**
 * Validates an authorization request (RFC 6749 §4.1.1, OAuth 2.1): first the client and its
 * redirect_uri (errors the client must not hear), then everything else (errors sent to the
 * redirect). PKCE with S256 is required; `plain` is refused; `state` is required.
 */
export async function validateAuthorizationRequest(db: Executor, raw: Record<string, unknown>): Promise<{ request: AuthorizationRequest } | { error: RedirectableAuthorizationError; redirectUri: string; state: string | null }> {
  const clientId = typeof raw.client_id === "string" ? raw.client_id : null;
  // An https client_id is an MCP client ID metadata document: fetched (allowlisted hosts,
  // no private addresses, no redirects, size and time limits) before anything else is read.
  const document = clientId?.startsWith("https://") ? await clientDocument(clientId) : null;
  const agent = await loadClient(db, clientId);
  const redirectUri = typeof raw.redirect_uri === "string" ? raw.redirect_uri : null;
  if (!redirectUri) throw new UntrustedAuthorizationError("missing_redirect_uri", "The request has no redirect_uri; Vigil requires it to match one the agent registered.");
  if (!redirectMatches(document ? document.redirectUris : agent.redirectUris, redirectUri)) {
    throw new UntrustedAuthorizationError("invalid_redirect_uri", `The redirect_uri is not one ${agent.name} registered.`);
  }
  const state = typeof raw.state === "string" ? raw.state : null;
  try {
    if (one(raw, "response_type") !== "code") throw new RedirectableAuthorizationError("unsupported_response_type", "Only response_type=code is supported.");
    if (!state || state.length > 512) throw new RedirectableAuthorizationError("invalid_request", "state is required (at most 512 characters): it protects the client against cross-site request forgery.");
    const challenge = one(raw, "code_challenge");
    const method = one(raw, "code_challenge_method");
    if (!challenge) throw new RedirectableAuthorizationError("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.");
    if (method !== "S256") throw new RedirectableAuthorizationError("invalid_request", "code_challenge_method must be S256 (plain is not accepted).");
    if (!CHALLENGE.test(challenge)) throw new RedirectableAuthorizationError("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters).");
    const scope = one(raw, "scope");
    const scopes = scope === null ? agent.allowedScopes : [...new Set(scope.split(" ").filter(Boolean))];
    const outside = scopes.filter((s) => !agent.allowedScopes.includes(s));
    if (outside.length > 0) throw new RedirectableAuthorizationError("invalid_scope", `${agent.name} may not ask for ${outside.join(" ")}.`);
    if (scopes.length === 0) throw new RedirectableAuthorizationError("invalid_scope", `${agent.name} has no scopes to ask for.`);
    const resources = [raw.resource].flat().filter((r): r is string => typeof r === "string");
    const registered = registeredResources(agent.allowedResources);
    const unregistered = resources.filter((r) => !registered.includes(r));
    if (unregistered.length > 0) throw new RedirectableAuthorizationError("invalid_target", `${agent.name} is not registered for ${unregistered.join(", ")}.`);
    const dpopJkt = one(raw, "dpop_jkt");
    if (dpopJkt !== null && !THUMBPRINT.test(dpopJkt)) throw new RedirectableAuthorizationError("invalid_request", "dpop_jkt must be the base64url SHA-256 JWK thumbprint of the client's DPoP key (43 characters).");
    return { request: { clientId: clientId ?? "", agent, document, redirectUri, state, codeChallenge: challenge, scopes, resources: [...new Set(resources)], dpopJkt } };
  } catch (error) {
    if (error instanceof RedirectableAuthorizationError) return { error, redirectUri, state };
    throw error;
  }
}

async function clientDocument(clientId: string): Promise<ClientMetadata> {
  if (!getConfig().clientMetadata.enabled) {
    throw new UntrustedAuthorizationError("unknown_client", "This client identifies itself by a metadata document URL, which this Vigil does not accept (CLIENT_METADATA_DOCUMENTS is off).");
  }
  try {
    return await fetchClientMetadata(clientId);
  } catch (error) {
    if (error instanceof ClientMetadataError) throw new UntrustedAuthorizationError("client_metadata", error.message);
    throw error;
  }
}

/** The client's redirect with the response parameters and `iss` (RFC 9207), keeping its own query. */
export function redirectTo(redirectUri: string, params: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  url.searchParams.set("iss", getConfig().issuer);
  return url.toString();
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  return createHash("sha256").update(verifier, "ascii").digest("base64url") === challenge;
}
