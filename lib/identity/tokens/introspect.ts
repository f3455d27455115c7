import { hasScope } from "@/lib/access/actor";
import { provedNothing } from "@/lib/access/client";
import { recordBatched } from "@/lib/audit/batch";
import type { ClientCtx } from "@/lib/context";
import { OAuthError } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { tokenInactiveReason } from "./status";
import { verifiedVigilClaims } from "./verified-claims";
import { boundKey, TokenInvalid, type VigilClaims } from "./verify";

/** RFC 7662. Anything not verifiably active, or not the caller's to see, is `{active:false}`. */
export async function introspectToken(ctx: ClientCtx, form: OAuthForm) {
  // no-scope: every client may introspect its own agent's tokens; seeing others' needs tokens:introspect (below).
  const token = oauthParam(form, "token");
  if (!token) throw new OAuthError("invalid_request", "token is required.");
  const { client } = ctx;
  // RFC 7662 §4: introspection needs an authenticated caller; a client_id alone is not one.
  if (provedNothing(client)) throw new OAuthError("unauthorized_client", "A public client cannot introspect tokens with its client_id alone.");

  let claims: VigilClaims | null = null;
  let reason: string | null = null;
  try {
    claims = await verifiedVigilClaims(token);
    reason = await tokenInactiveReason(ctx.db, claims);
    // Clients whose agent holds tokens:introspect (or admin) may look into any token.
    // A delegated token is its outermost agent's (client_id); the person is its subject.
    const mayInspect = claims.sub === client.agentId || claims.client_id === client.clientId || hasScope(ctx.actor, "tokens:introspect");
    if (!reason && !mayInspect) reason = "not the caller's token";
  } catch (error) {
    if (!(error instanceof TokenInvalid)) throw error;
    reason = error.reason;
  }
  // Recorded without waiting for the commit, as the gateway records its refusals: an
  // introspection changes nothing, and a resource server asks on every request it serves.
  // Waiting for the group commit's flush (fsync, about 7 ms here) capped the endpoint at one
  // batch per flush, half oidc-provider's rate. Past a backlog it waits (recordBatched).
  await recordBatched(
    ctx,
    {
      kind: "token.introspected",
      outcome: "success",
      agentId: claims ? (claims.act ? claims.act.sub : claims.sub) : null,
      clientId: client.clientId,
      metadata: { jti: claims?.jti ?? null, active: reason === null, ...(reason ? { reason } : {}) },
    },
    "an introspection",
  );
  if (reason || !claims) return { active: false };
  const jkt = boundKey(claims);
  return {
    active: true,
    scope: claims.scope ?? "",
    client_id: claims.client_id,
    sub: claims.sub,
    aud: claims.aud,
    iss: claims.iss,
    exp: claims.exp,
    iat: claims.iat,
    nbf: claims.nbf,
    jti: claims.jti,
    // RFC 9449 §6.2: a bound token says so, and to which key.
    token_type: jkt ? "DPoP" : "Bearer",
    ...(jkt ? { cnf: { jkt } } : {}),
    // RFC 8693 §4.1 in introspection: who acts, and the grants the token rests on.
    ...(claims.act ? { act: claims.act } : {}),
    ...(claims.delegation_ids ? { delegation_id: claims.delegation_ids[0] ?? null, delegation_ids: claims.delegation_ids } : {}),
  };
}
