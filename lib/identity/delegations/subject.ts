import type { JWTPayload } from "jose";
import { parsePersonId } from "@/lib/access/person";
import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { peekJwt } from "@/lib/keys/peek";
import { OAuthError } from "../oauth-error";
import { tokenInactiveReason } from "../tokens/status";
import { boundKey, TokenInvalid, verifyVigilToken, type ActClaim } from "../tokens/verify";
import { verifyProviderToken } from "../tokens/verify-provider";

/** RFC 8693 §3: the token types Vigil takes and issues (its access tokens are JWTs). */
export const TOKEN_TYPE = {
  access_token: "urn:ietf:params:oauth:token-type:access_token",
  jwt: "urn:ietf:params:oauth:token-type:jwt",
} as const;
export const ACCEPTED_TOKEN_TYPES: readonly string[] = Object.values(TOKEN_TYPE);

/** The person a subject token speaks for, what they hold, and the hops already behind it. */
export type Subject = {
  person: { issuer: string; sub: string; label: string; roles?: readonly string[]; groups?: readonly string[] };
  /** The person's permissions as this token carries them (for a delegated token: its scope, already an intersection). */
  scopes: Set<string>;
  exp: number;
  /** Earlier hops (a Vigil delegated token), to nest under the new actor. */
  act: ActClaim | undefined;
  grantIds: string[];
  /** RFC 8693 §4.4: the parties the provider says may act for the subject. */
  mayAct: { sub?: string; client_id?: string } | null;
  /** The DPoP key the subject token is bound to (cnf.jkt), if any. */
  jkt: string | null;
};

/** RFC 8693 §2.2.2: an invalid or unacceptable subject or actor token is invalid_request. */
export const refuse = (description: string) => new OAuthError("invalid_request", description);

function mayActOf(payload: JWTPayload): Subject["mayAct"] {
  const value = payload.may_act;
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const { sub, client_id } = value as Record<string, unknown>;
  return { ...(typeof sub === "string" ? { sub } : {}), ...(typeof client_id === "string" ? { client_id } : {}) };
}

/**
 * The subject token: a person's access token from the organisation's provider (checked
 * exactly as the API checks that provider's bearer tokens: keys, issuer, algorithms,
 * audience, expiry), or a delegated token Vigil issued (for chains: signature, expiry, and
 * not revoked — its grants, agents and credentials all still active). An agent's own token
 * names no person and is refused.
 */
export async function verifySubject(db: Executor, token: string): Promise<Subject> {
  const peeked = peekJwt(token);
  if ("refused" in peeked) throw refuse(peeked.refused === "malformed" ? "subject_token is not a JWT." : "subject_token: algorithm not allowed.");
  const config = getConfig();
  try {
    if (peeked.from === "vigil") {
      const claims = await verifyVigilToken(token);
      if (!claims.act) throw refuse("subject_token is an agent's own token; it names no person to act for (send the person's token).");
      const inactive = await tokenInactiveReason(db, claims);
      if (inactive) throw refuse(`subject_token is no longer valid: ${inactive}.`);
      const person = parsePersonId(claims.sub);
      if (!person) throw refuse("subject_token names no person.");
      return {
        person: { ...person, label: person.sub },
        scopes: new Set((claims.scope ?? "").split(" ").filter(Boolean)),
        exp: claims.exp,
        act: claims.act,
        grantIds: claims.delegation_ids ?? [],
        mayAct: null,
        jkt: boundKey(claims),
      };
    }
    if (peeked.from === "provider") {
      const verified = await verifyProviderToken(token, peeked.kid, [config.OIDC_AUDIENCE ?? config.apiAudience]);
      const { person } = verified;
      return {
        person: { issuer: person.issuer, sub: person.sub, label: person.label, ...(person.roles ? { roles: person.roles } : {}), ...(person.groups ? { groups: person.groups } : {}) },
        scopes: new Set(person.scopes),
        exp: verified.claims.exp,
        act: undefined,
        grantIds: [],
        mayAct: mayActOf(verified.claims),
        jkt: boundKey(verified.claims),
      };
    }
  } catch (error) {
    if (error instanceof TokenInvalid) throw refuse(`subject_token rejected: ${error.reason}.`);
    throw error;
  }
  throw refuse("subject_token is from an issuer Vigil does not trust (neither Vigil nor OIDC_ISSUER).");
}

/**
 * RFC 8693 §2.1 actor_token: optional, and when given it must be this agent's own, live
 * token (the client proving it is the actor), never another agent's or a delegated one.
 */
export async function checkActorToken(db: Executor, token: string, agentId: string): Promise<void> {
  let claims;
  try {
    claims = await verifyVigilToken(token);
  } catch (error) {
    if (error instanceof TokenInvalid) throw refuse(`actor_token rejected: ${error.reason}.`);
    throw error;
  }
  if (claims.act) throw refuse("actor_token is a delegated token; send the agent's own token.");
  if (claims.sub !== agentId) throw refuse("actor_token identifies another agent than the authenticated client.");
  const inactive = await tokenInactiveReason(db, claims);
  if (inactive) throw refuse(`actor_token is no longer valid: ${inactive}.`);
}
