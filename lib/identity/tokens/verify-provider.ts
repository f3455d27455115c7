import { errors, jwtVerify, type JWTPayload } from "jose";
import type { Person } from "@/lib/access/person";
import { mappedScopesFromClaims, roleFromClaims, scopesOfRole } from "@/lib/access/roles";
import { getConfig } from "@/lib/config";
import { externalKeySet } from "@/lib/keys/external-issuer";
import { describeJoseError, TokenInvalid } from "./verify";

export type ProviderToken = {
  claims: JWTPayload & { sub: string; exp: number };
  /** What the token lets its holder do in Vigil's API: its scope claim and its role's scopes. */
  apiScopes: Set<string>;
  /** The person it names, holding the token's scopes plus those DELEGATION_SCOPE_MAP gives their claims. */
  person: Person;
  clientId: string | undefined;
};

function scopeClaim(payload: JWTPayload): string[] {
  const out: string[] = [];
  if (typeof payload.scope === "string") out.push(...payload.scope.split(" ").filter(Boolean));
  if (Array.isArray(payload.scp)) out.push(...payload.scp.filter((s): s is string => typeof s === "string"));
  return out;
}

/**
 * A token from the organisation's provider (OIDC_ISSUER): its keys by discovery, its
 * algorithm allow-list, its issuer, a kid it still publishes, and the audience the caller
 * names (Vigil's API, or the gateway's services). `none`, HMAC and unknown kids never verify.
 */
export async function verifyProviderToken(token: string, kid: string | undefined, audiences?: readonly string[]): Promise<ProviderToken> {
  const config = getConfig();
  const keys = externalKeySet();
  if (!keys || !config.OIDC_ISSUER) throw new TokenInvalid("wrong issuer");
  // A kid is required: it binds a cached verification to a key the provider still publishes.
  if (!kid) throw new TokenInvalid("unknown key");
  if (!keys.hasKeys() || !keys.hasKid(kid)) await keys.refreshForUnknownKid();
  if (!keys.hasKeys()) throw new TokenInvalid(keys.status().error ?? "OIDC discovery failed");
  if (!keys.hasKid(kid)) throw new TokenInvalid("unknown key");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys.getKey, {
      issuer: config.OIDC_ISSUER,
      algorithms: config.OIDC_ALGS.split(","),
      clockTolerance: config.CLOCK_LEEWAY_SECONDS,
      requiredClaims: ["sub", "exp"],
      ...(audiences ? { audience: [...audiences] } : {}),
    }));
  } catch (error) {
    if (error instanceof errors.JOSEError) throw new TokenInvalid(describeJoseError(error));
    throw error;
  }
  const sub = String(payload.sub);
  const scopes = scopeClaim(payload);
  const apiScopes = new Set([...scopes, ...scopesOfRole(roleFromClaims(payload))]);
  const clientId = typeof payload.client_id === "string" ? payload.client_id : typeof payload.azp === "string" ? payload.azp : undefined;
  const label = typeof payload.email === "string" ? payload.email : sub;
  return {
    claims: { ...payload, sub, exp: Number(payload.exp) },
    apiScopes,
    person: { issuer: String(payload.iss), sub, label, scopes: new Set([...apiScopes, ...mappedScopesFromClaims(payload)]) },
    clientId,
  };
}
