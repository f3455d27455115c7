import { auditBatcher } from "@/lib/audit/batch";
import type { Db } from "@/lib/db/types";
import { authenticateClient, presentedClient } from "../credentials/authenticate-client";
import { OAuthError } from "../oauth-error";
import type { RequestFacts } from "./issue";
import { tokenInactiveReason } from "./status";
import { TokenInvalid, verifyVigilToken, type VigilClaims } from "./verify";

// Clients that may look into any token; others only into their own agent's tokens.
const INTROSPECT_ANY = ["admin", "tokens:introspect"];

/** RFC 7662. Anything not verifiably active, or not the caller's to see, is `{active:false}`. */
export async function introspectToken(db: Db, facts: RequestFacts, authorization: string | null, form: URLSearchParams) {
  const caller = await authenticateClient(db, presentedClient(authorization, form));
  const token = form.get("token");
  if (!token) throw new OAuthError("invalid_request", "token is required.");
  if (form.getAll("token").length > 1) throw new OAuthError("invalid_request", "Parameter token must not repeat.");

  let claims: VigilClaims | null = null;
  let reason: string | null = null;
  try {
    claims = await verifyVigilToken(token);
    reason = await tokenInactiveReason(db, claims);
    const mayInspect = claims.sub === caller.agentId || caller.allowedScopes.some((s) => INTROSPECT_ANY.includes(s));
    if (!reason && !mayInspect) reason = "not the caller's token";
  } catch (error) {
    if (!(error instanceof TokenInvalid)) throw error;
    reason = error.reason;
  }
  await auditBatcher(db).enqueue({
    event: {
      kind: "token.introspected",
      actor: `agent:${caller.agentId}`,
      outcome: "success",
      agentId: claims?.sub ?? null,
      clientId: caller.clientId,
      ...facts,
      metadata: { jti: claims?.jti ?? null, active: reason === null, ...(reason ? { reason } : {}) },
    },
  });
  if (reason || !claims) return { active: false };
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
    token_type: "Bearer",
  };
}
