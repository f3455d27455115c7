import { randomUUID } from "node:crypto";
import { getConfig } from "@/lib/config";
import { currentSigningKey, noSigningKeyReason } from "@/lib/keys/keyring";
import { OAuthError } from "../oauth-error";
import { confirmationOf } from "../tokens/binding";
import { signJwt } from "../tokens/sign";
import type { ActClaim } from "../tokens/verify";

export type DelegatedClaims = {
  /** The issuer-qualified person (lib/access/person.ts personId). */
  person: string;
  clientId: string;
  scopes: string[];
  aud: string | string[];
  exp: number;
  act: ActClaim;
  /** The grants every hop rests on, outermost first. */
  grantIds: string[];
  /** The DPoP key the token is bound to (cnf.jkt), if the request proved one. */
  jkt: string | null;
};

export type Minted = { accessToken: string; jti: string; iat: number; exp: number; kid: string };

/**
 * A delegated access token (RFC 9068 JWT): `sub` the person, `act` the agent (nested for
 * chains), the grants it rests on. The one shape token exchange, authorization codes and
 * refresh tokens all issue, so the validator, introspection and revocation treat them alike.
 */
export async function mintDelegated(c: DelegatedClaims): Promise<Minted> {
  const key = currentSigningKey();
  if (!key) throw new OAuthError("temporarily_unavailable", noSigningKeyReason(), 503);
  const now = Math.floor(Date.now() / 1000);
  const jti = randomUUID();
  const claims = {
    iss: getConfig().issuer,
    sub: c.person,
    aud: c.aud,
    exp: c.exp,
    iat: now,
    nbf: now,
    jti,
    client_id: c.clientId,
    scope: c.scopes.join(" "),
    act: c.act,
    ...(c.grantIds.length > 0 ? { delegation_ids: c.grantIds } : {}),
    ...confirmationOf(c.jkt),
  };
  return { accessToken: await signJwt(key, { typ: "at+jwt" }, claims), jti, iat: now, exp: c.exp, kid: key.kid };
}
