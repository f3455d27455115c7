import { revocations } from "@/drizzle/schema";
import { appendAudit } from "@/lib/audit/append";
import type { Executor } from "@/lib/db/types";
import { inTransaction } from "@/lib/db/transaction";
import { applyLocally, publishGateChange, type GateChange } from "@/lib/gate/state-view";
import { authenticateClient, presentedClient } from "../credentials/authenticate-client";
import { OAuthError } from "../oauth-error";
import type { RequestFacts } from "./issue";
import { TokenInvalid, verifyVigilToken } from "./verify";

/**
 * RFC 7009. A client revokes its own tokens (admin clients any token). Invalid or unknown
 * tokens get 200 as the RFC requires: the answer must not reveal whether a token existed.
 */
export async function revokeToken(db: Executor, facts: RequestFacts, authorization: string | null, form: URLSearchParams) {
  const caller = await authenticateClient(db, presentedClient(authorization, form));
  const token = form.get("token");
  if (!token) throw new OAuthError("invalid_request", "token is required.");
  const hint = form.get("token_type_hint");
  if (hint && hint !== "access_token" && hint !== "refresh_token") {
    throw new OAuthError("unsupported_token_type", "token_type_hint must be access_token.");
  }
  let claims;
  try {
    claims = await verifyVigilToken(token);
  } catch (error) {
    if (error instanceof TokenInvalid) return;
    throw error;
  }
  if (claims.client_id !== caller.clientId && !caller.allowedScopes.includes("admin")) {
    throw new OAuthError("unauthorized_client", "A client can revoke only the tokens issued to it.");
  }
  const change: GateChange = { t: "jti", jti: claims.jti, exp: claims.exp };
  await inTransaction(db, async (tx) => {
    const inserted = await tx
      .insert(revocations)
      .values({
        jti: claims.jti,
        agentId: claims.sub,
        clientId: claims.client_id ?? null,
        expiresAt: new Date(claims.exp * 1000),
        revokedBy: `agent:${caller.agentId}`,
      })
      .onConflictDoNothing()
      .returning({ jti: revocations.jti });
    if (inserted.length === 0) return;
    await publishGateChange(tx, change);
    await appendAudit(tx, {
      kind: "token.revoked",
      actor: `agent:${caller.agentId}`,
      outcome: "success",
      agentId: claims.sub,
      clientId: caller.clientId,
      ...facts,
      metadata: { jti: claims.jti, exp: claims.exp },
    });
  });
  applyLocally(db, change);
}
