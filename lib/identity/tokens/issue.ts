import { randomUUID } from "node:crypto";
import { commitBatched } from "@/lib/audit/batch";
import { getConfig } from "@/lib/config";
import type { ClientCtx } from "@/lib/context";
import { currentSigningKey } from "@/lib/keys/keyring";
import { getMetrics } from "@/lib/observability/metrics";
import { OAuthError } from "../oauth-error";
import { oauthParam, oauthParams, type OAuthForm } from "../oauth-params";
import { monthOf, recordStoredCount, reserveQuota } from "./quota";
import { signJwt } from "./sign";

export type TokenResponse = { access_token: string; token_type: "Bearer"; expires_in: number; scope: string };

// RFC 6749 §3.2: parameters must not repeat (RFC 8707 `resource` may).
const SINGLE = ["grant_type", "scope", "audience"];

/**
 * What a token request must be whoever sends it: no repeated parameters, a supported
 * grant, well-formed audiences. The route runs this before client authentication, so a
 * malformed request is named as such (invalid_request, unsupported_grant_type) rather
 * than answered invalid_client.
 */
export function checkTokenRequest(form: OAuthForm): void {
  for (const name of SINGLE) oauthParam(form, name);
  const grantType = oauthParam(form, "grant_type");
  if (!grantType) throw new OAuthError("invalid_request", "grant_type is required.");
  if (grantType !== "client_credentials") {
    throw new OAuthError("unsupported_grant_type", "Only grant_type=client_credentials is supported.");
  }
  requestedAudience(form);
}

/**
 * OAuth 2.0 client_credentials (RFC 6749 §4.4) issuing RFC 9068 JWT access tokens to the
 * client the wrapper authenticated. The token is audited as token.issued and returned only
 * after that event has committed.
 */
export async function issueToken(ctx: ClientCtx, form: OAuthForm): Promise<TokenResponse> {
  // no-scope: any authenticated client may ask for a token; its agent's allowed scopes bound what it gets.
  checkTokenRequest(form);
  const audience = requestedAudience(form);
  const { client } = ctx;

  const requested = oauthParam(form, "scope");
  const scopes = requested === null ? client.allowedScopes : [...new Set(requested.split(" ").filter(Boolean))];
  const notAllowed = scopes.filter((s) => !client.allowedScopes.includes(s));
  if (notAllowed.length > 0) {
    throw new OAuthError("invalid_scope", `This client may not request: ${notAllowed.join(" ")}.`);
  }

  const release = await reserveQuota(ctx.db, client.agentId, client.monthlyTokenQuota);
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
    const stored = await commitBatched(
      ctx,
      { kind: "token.issued", outcome: "success", agentId: client.agentId, clientId: client.clientId, metadata: { jti, scope, aud: claims.aud, exp: claims.exp, kid: key.kid } },
      { countToken: { agentId: client.agentId, month }, touch: { agentId: client.agentId, credentialId: client.credentialId } },
    );
    recordStoredCount(client.agentId, month, stored);
    for (const s of scopes) getMetrics().tokensIssued.inc({ scope: s });
    return { access_token: accessToken, token_type: "Bearer", expires_in: ttl, scope };
  } catch (error) {
    release();
    throw error;
  }
}

/** RFC 8707 `resource` (absolute URI, no fragment; may repeat) or the common `audience`. */
function requestedAudience(form: OAuthForm): string | string[] | undefined {
  const resources = oauthParams(form, "resource");
  const audiences = oauthParams(form, "audience");
  const values = [...resources, ...audiences];
  for (const resource of resources) {
    let ok = false;
    try {
      const u = new URL(resource);
      ok = resource.length <= 512 && !u.hash && !resource.includes("#");
    } catch {
      ok = false;
    }
    if (!ok) throw new OAuthError("invalid_target", "resource must be an absolute URI without a fragment (RFC 8707).");
  }
  for (const a of audiences) {
    if (a.length === 0 || a.length > 512 || /\s/.test(a)) {
      throw new OAuthError("invalid_target", "audience must be a non-empty string without spaces, at most 512 characters.");
    }
  }
  if (values.length > 10) throw new OAuthError("invalid_target", "At most 10 audiences per token.");
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values;
}
