import { randomUUID } from "node:crypto";
import { auditBatcher } from "@/lib/audit/batch";
import { getConfig } from "@/lib/config";
import type { Db } from "@/lib/db/types";
import { rateLimiter } from "@/lib/gate/rate-limit";
import { getMetrics } from "@/lib/observability/metrics";
import { authenticateClient, ClientAuthError, presentedClient } from "../credentials/authenticate-client";
import { currentSigningKey } from "../keys/keyring";
import { OAuthError } from "../oauth-error";
import { monthOf, recordStoredCount, reserveQuota } from "./quota";
import { signJwt } from "./sign";

export type RequestFacts = { requestId: string; ip: string | null; userAgent: string | null };
export type TokenResponse = { access_token: string; token_type: "Bearer"; expires_in: number; scope: string };

// RFC 6749 §3.2: parameters must not repeat (RFC 8707 `resource` may).
const SINGLE = ["grant_type", "scope", "client_id", "client_secret", "audience"];

/**
 * OAuth 2.0 client_credentials (RFC 6749 §4.4) issuing RFC 9068 JWT access tokens.
 * Refusals are audited as auth.failed; the issued token is audited as token.issued and is
 * returned only after that event has committed.
 */
export async function issueToken(db: Db, facts: RequestFacts, authorization: string | null, form: URLSearchParams) {
  try {
    return await issue(db, facts, authorization, form);
  } catch (error) {
    if (error instanceof ClientAuthError) {
      getMetrics().authFailures.inc({ kind: "client", reason: error.reason });
      await auditBatcher(db).enqueue({
        event: {
          kind: "auth.failed",
          actor: error.clientId ? `client:${error.clientId}` : "anonymous",
          outcome: "failure",
          agentId: error.agentId,
          clientId: error.clientId,
          ...facts,
          metadata: { endpoint: "token", reason: error.reason },
        },
      });
    }
    throw error;
  }
}

async function issue(db: Db, facts: RequestFacts, authorization: string | null, form: URLSearchParams) {
  for (const name of SINGLE) {
    if (form.getAll(name).length > 1) throw new OAuthError("invalid_request", `Parameter ${name} must not repeat.`);
  }
  const grantType = form.get("grant_type");
  if (!grantType) throw new OAuthError("invalid_request", "grant_type is required.");
  if (grantType !== "client_credentials") {
    throw new OAuthError("unsupported_grant_type", "Only grant_type=client_credentials is supported.");
  }
  const audience = requestedAudience(form);
  const client = await authenticateClient(db, presentedClient(authorization, form));
  // Per client, after authentication: a stranger cannot spend someone else's budget.
  rateLimiter().take("token-client", client.clientId, getConfig().RATE_LIMIT_TOKEN_PER_CLIENT);

  const requested = form.get("scope");
  const scopes = requested === null ? client.allowedScopes : [...new Set(requested.split(" ").filter(Boolean))];
  const notAllowed = scopes.filter((s) => !client.allowedScopes.includes(s));
  if (notAllowed.length > 0) {
    throw new OAuthError("invalid_scope", `This client may not request: ${notAllowed.join(" ")}.`);
  }

  const release = await reserveQuota(db, client.agentId, client.monthlyTokenQuota);
  try {
    const key = currentSigningKey();
    if (!key) throw new OAuthError("temporarily_unavailable", "No signing key is loaded yet.", 503);
    const config = getConfig();
    const now = Math.floor(Date.now() / 1000);
    const ttl = config.TOKEN_TTL_SECONDS;
    const jti = randomUUID();
    const scope = scopes.join(" ");
    const claims = {
      iss: config.issuer,
      sub: client.agentId,
      aud: audience ?? config.apiAudience,
      exp: now + ttl,
      iat: now,
      nbf: now,
      jti,
      client_id: client.clientId,
      scope,
    };
    const accessToken = await signJwt(key, { typ: "at+jwt" }, claims);
    const month = monthOf();
    const stored = await auditBatcher(db).enqueue({
      event: {
        kind: "token.issued",
        actor: `agent:${client.agentId}`,
        outcome: "success",
        agentId: client.agentId,
        clientId: client.clientId,
        ...facts,
        metadata: { jti, scope, aud: claims.aud, exp: claims.exp, kid: key.kid },
      },
      countToken: { agentId: client.agentId, month },
      touch: { agentId: client.agentId, credentialId: client.credentialId },
    });
    recordStoredCount(client.agentId, month, stored);
    for (const s of scopes) getMetrics().tokensIssued.inc({ scope: s });
    const body: TokenResponse = { access_token: accessToken, token_type: "Bearer", expires_in: ttl, scope };
    return body;
  } catch (error) {
    release();
    throw error;
  }
}

/** RFC 8707 `resource` (absolute URI, no fragment; may repeat) or the common `audience`. */
function requestedAudience(form: URLSearchParams): string | string[] | undefined {
  const values = [...form.getAll("resource"), ...form.getAll("audience")];
  for (const resource of form.getAll("resource")) {
    let ok = false;
    try {
      const u = new URL(resource);
      ok = resource.length <= 512 && !u.hash && !resource.includes("#");
    } catch {
      ok = false;
    }
    if (!ok) throw new OAuthError("invalid_target", "resource must be an absolute URI without a fragment (RFC 8707).");
  }
  for (const a of form.getAll("audience")) {
    if (a.length === 0 || a.length > 512 || /\s/.test(a)) {
      throw new OAuthError("invalid_target", "audience must be a non-empty string without spaces, at most 512 characters.");
    }
  }
  if (values.length > 10) throw new OAuthError("invalid_target", "At most 10 audiences per token.");
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values;
}
