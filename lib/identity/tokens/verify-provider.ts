import { errors, jwtVerify, type JWTPayload } from "jose";
import type { Person } from "@/lib/access/person";
import { mappedScopesFromClaims, personFactsFromClaims, roleFromClaims, scopesOfRole } from "@/lib/access/roles";
import { getConfig } from "@/lib/config";
import { externalKeySet } from "@/lib/keys/external-issuer";
import { processSingleton } from "@/lib/process/singleton";
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
 * algorithm allow-list, its issuer, a kid it still publishes, its times, and the audience the
 * caller names (Vigil's API for a token exchange; the bearer path checks its own). `none`,
 * HMAC and unknown kids never verify.
 */
export async function verifyProviderToken(token: string, kid: string | undefined, audiences?: readonly string[]): Promise<ProviderToken> {
  const verified = verifiedTokens().get(token);
  // A token seen before skips the signature (most of the cost) but nothing that can change
  // over its life: its key must still be published, its times and the audience still hold.
  if (verified && kid !== undefined && externalKeySet()?.hasKid(kid)) return recheck(verified, audiences);
  const fresh = await verifyFresh(token, kid);
  verifiedTokens().set(token, fresh);
  return recheck(fresh, audiences);
}

function recheck(verified: ProviderToken, audiences: readonly string[] | undefined): ProviderToken {
  const leeway = getConfig().CLOCK_LEEWAY_SECONDS;
  const now = Math.floor(Date.now() / 1000);
  if (verified.claims.exp + leeway < now) throw new TokenInvalid("token expired");
  if (typeof verified.claims.nbf === "number" && verified.claims.nbf - leeway > now) throw new TokenInvalid("token not yet valid");
  if (audiences) {
    const aud = verified.claims.aud;
    const given = Array.isArray(aud) ? aud : [aud];
    if (!given.some((a) => typeof a === "string" && audiences.includes(a))) throw new TokenInvalid("wrong audience");
  }
  return verified;
}

// Bounded; entries leave at their token's expiry (checked on use, swept when full).
const MAX_VERIFIED = 10_000;
const verifiedTokens = () =>
  processSingleton("verified-provider-tokens", () => {
    const entries = new Map<string, ProviderToken>();
    return {
      get: (token: string) => entries.get(token),
      set: (token: string, verified: ProviderToken) => {
        if (entries.size >= MAX_VERIFIED) {
          const now = Math.floor(Date.now() / 1000);
          for (const [t, v] of entries) if (v.claims.exp < now) entries.delete(t);
          const oldest = entries.keys().next().value;
          if (entries.size >= MAX_VERIFIED && oldest !== undefined) entries.delete(oldest);
        }
        entries.set(token, verified);
      },
    };
  });

async function verifyFresh(token: string, kid: string | undefined): Promise<ProviderToken> {
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
    }));
  } catch (error) {
    if (error instanceof errors.JOSEError) throw new TokenInvalid(describeJoseError(error));
    throw error;
  }
  // RFC 8725 §3.10 in spirit: a token issued in the future is a forged or broken one.
  if (typeof payload.iat === "number" && payload.iat - config.CLOCK_LEEWAY_SECONDS > Math.floor(Date.now() / 1000)) throw new TokenInvalid("token issued in the future");
  const sub = String(payload.sub);
  const scopes = scopeClaim(payload);
  const apiScopes = new Set([...scopes, ...scopesOfRole(roleFromClaims(payload))]);
  const clientId = typeof payload.client_id === "string" ? payload.client_id : typeof payload.azp === "string" ? payload.azp : undefined;
  const label = typeof payload.email === "string" ? payload.email : sub;
  return {
    claims: { ...payload, sub, exp: Number(payload.exp) },
    apiScopes,
    person: { issuer: String(payload.iss), sub, label, scopes: new Set([...apiScopes, ...mappedScopesFromClaims(payload)]), ...personFactsFromClaims(payload) },
    clientId,
  };
}
