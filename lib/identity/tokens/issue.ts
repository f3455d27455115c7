import { randomUUID } from "node:crypto";
import { provedNothing } from "@/lib/access/client";
import { commitBatched } from "@/lib/audit/batch";
import { getConfig } from "@/lib/config";
import type { ClientCtx } from "@/lib/context";
import { currentSigningKey, noSigningKeyReason } from "@/lib/keys/keyring";
import { countDecision, countTokenIssued } from "@/lib/observability/metrics";
import { decideScopes } from "@/lib/policy/decide";
import { OAuthError } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { checkCodeRequest, redeemAuthorizationCode, type CodeTokenResponse } from "../authorize/code-grant";
import { checkRefreshRequest, refreshAccessToken } from "../authorize/refresh-grant";
import { exchangeToken, checkExchangeRequest, type ExchangeResponse } from "../delegations/exchange";
import { registeredResources, requestedAudiences, resolveAudience } from "./audience";
import { monthOf, recordStoredCount, reserveQuota } from "./quota";
import { confirmationOf, tokenBinding, tokenTypeOf, type TokenCtx, type TokenType } from "./binding";
import { signJwt } from "./sign";

export type TokenResponse = { access_token: string; token_type: TokenType; expires_in: number; scope: string };

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
  if (grantType === TOKEN_EXCHANGE) checkExchangeRequest(form);
  else if (grantType === "authorization_code") checkCodeRequest(form);
  else if (grantType === "refresh_token") checkRefreshRequest(form);
  else if (grantType !== "client_credentials") {
    throw new OAuthError("unsupported_grant_type", `Supported grant types: ${GRANT_TYPES.join(", ")}.`);
  }
  requestedAudiences(form);
}

/** RFC 8693 §2.1. */
export const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

export const GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials", TOKEN_EXCHANGE] as const;

// A public client (no secret) proves nothing by its client_id alone: it may only redeem codes
// it holds the PKCE verifier for, and refresh what those gave it (OAuth 2.1 §2.1). One that
// authenticates with a registered key (private_key_jwt) has proved itself and may use them all.
const PUBLIC_GRANTS = new Set(["authorization_code", "refresh_token"]);

/**
 * OAuth 2.0 client_credentials (RFC 6749 §4.4) issuing RFC 9068 JWT access tokens to the
 * client the wrapper authenticated. The token is audited as token.issued and returned only
 * after that event has committed.
 */
export async function issueToken(ctx: ClientCtx, form: OAuthForm): Promise<TokenResponse | ExchangeResponse | CodeTokenResponse> {
  // no-scope: any authenticated client may ask for a token; its agent's allowed scopes bound what it gets.
  checkTokenRequest(form);
  const grantType = oauthParam(form, "grant_type") ?? "";
  if (provedNothing(ctx.client) && !PUBLIC_GRANTS.has(grantType)) {
    throw new OAuthError("unauthorized_client", "A public client may only use authorization_code (with PKCE) and refresh_token.");
  }
  // The DPoP proof is checked (and its jti spent) once the request is known to be worth
  // answering, before any grant looks at codes, refresh tokens or quotas.
  const bound: TokenCtx = { ...ctx, jkt: await tokenBinding(ctx) };
  if (grantType === TOKEN_EXCHANGE) return exchangeToken(bound, form);
  if (grantType === "authorization_code") return redeemAuthorizationCode(bound, form);
  if (grantType === "refresh_token") return refreshAccessToken(bound, form);
  return clientCredentials(bound, form);
}

async function clientCredentials(ctx: TokenCtx, form: OAuthForm): Promise<TokenResponse> {
  // no-scope: issueToken's grant; the agent's allowed scopes bound what it gets (checked below).
  const { client, jkt } = ctx;
  const audience = resolveAudience(form, registeredResources(client.allowedResources));

  const requested = oauthParam(form, "scope");
  const scopes = requested === null ? client.allowedScopes : [...new Set(requested.split(" ").filter(Boolean))];
  const notAllowed = scopes.filter((s) => !client.allowedScopes.includes(s));
  if (notAllowed.length > 0) {
    countDecision("issuance", "deny", "agent");
    throw new OAuthError("invalid_scope", `This client may not request: ${notAllowed.join(" ")}.`);
  }
  countDecision("issuance", "allow", "agent");
  // Runtime policy (issue 15): a forbid removes the scopes it forbids, or refuses the token.
  const decided = await decideScopes("policy_issue", { agentId: client.agentId }, typeof audience === "string" ? [audience] : audience, scopes, Boolean(jkt), ctx, ctx.actor);
  if (decided.outcome?.refused && decided.scopes.length === 0) {
    throw new OAuthError("invalid_scope", `Refused by policy set ${decided.outcome.set} (reason: ${decided.outcome.reason}).`);
  }
  const granted = decided.scopes;

  const release = await reserveQuota(ctx.db, client.agentId, client.monthlyTokenQuota);
  try {
    const key = currentSigningKey();
    if (!key) throw new OAuthError("temporarily_unavailable", noSigningKeyReason(), 503);
    const config = getConfig();
    const now = Math.floor(Date.now() / 1000);
    const ttl = config.TOKEN_TTL_SECONDS;
    const jti = randomUUID();
    const scope = granted.join(" ");
    const claims = {
      iss: config.issuer,
      sub: client.agentId,
      aud: audience,
      exp: now + ttl,
      iat: now,
      nbf: now,
      jti,
      client_id: client.clientId,
      scope,
      ...confirmationOf(jkt),
    };
    const accessToken = await signJwt(key, { typ: "at+jwt" }, claims);
    const month = monthOf();
    const stored = await commitBatched(
      ctx,
      { kind: "token.issued", outcome: "success", agentId: client.agentId, clientId: client.clientId, metadata: { jti, scope, aud: claims.aud, exp: claims.exp, kid: key.kid, ...(jkt ? { jkt } : {}) } },
      { countToken: { agentId: client.agentId, month }, touch: { agentId: client.agentId, credentialId: client.credentialId } },
    );
    recordStoredCount(client.agentId, month, stored);
    countTokenIssued("client_credentials");
    return { access_token: accessToken, token_type: tokenTypeOf(jkt), expires_in: ttl, scope };
  } catch (error) {
    release();
    throw error;
  }
}
