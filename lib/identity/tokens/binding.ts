import { getConfig } from "@/lib/config";
import type { ClientCtx } from "@/lib/context";
import { missingProof, provePossession, type PossessionCheck } from "../dpop/prove";
import { oauthEndpoints } from "../endpoints";

/** A token request's context with the key its tokens are bound to (RFC 9449 cnf.jkt), if any. */
export type TokenCtx = ClientCtx & { jkt: string | null };

/** RFC 9449 §5: a bound token is of type DPoP; everything else stays Bearer. */
export type TokenType = "Bearer" | "DPoP";

export const tokenTypeOf = (jkt: string | null): TokenType => (jkt ? "DPoP" : "Bearer");

/** The confirmation claim (RFC 7800 §3.1, RFC 9449 §6.1) of a bound token. */
export const confirmationOf = (jkt: string | null): { cnf?: { jkt: string } } => (jkt ? { cnf: { jkt } } : {});

/**
 * The key a token request binds its tokens to: the thumbprint of a DPoP proof that passed
 * every check of RFC 9449 §4.3 for the token endpoint, or null without a proof. An agent
 * registered with `dpop: required` gets no token without one (invalid_dpop_proof).
 */
export async function tokenBinding(ctx: ClientCtx): Promise<string | null> {
  const { client } = ctx;
  const proof = ctx.pop?.proof ?? null;
  // The common case, on the token endpoint's hot path: no proof from an agent that needs none.
  if (!proof && client.dpop !== "required") return null;
  const check: PossessionCheck = {
    point: "token",
    // htu is the token endpoint as metadata names it (the wrapper's issuer-based URL), whatever Host the request came with.
    request: { proof, method: ctx.pop?.method ?? "POST", url: ctx.pop?.url ?? oauthEndpoints(getConfig().issuer).token },
    audit: { requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent, db: ctx.db, by: `client:${client.clientId}`, agentId: client.agentId, clientId: client.clientId },
  };
  if (!proof) return missingProof(check, "This agent must bind its tokens to a key: send a DPoP proof (RFC 9449) with the token request.");
  return (await provePossession(ctx.db, check)).jkt;
}
