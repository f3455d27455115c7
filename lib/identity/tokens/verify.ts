import { errors, type JWTPayload } from "jose";
import { getConfig } from "@/lib/config";
import { publishedVerifyingKey } from "@/lib/keys/keyring";
import { JwsRefused, verifyOwnJws } from "@/lib/keys/own-jws";

/** RFC 8693 §4.1: who acts; nested for each earlier hop of a chain. */
export type ActClaim = { sub: string; client_id?: string; act?: ActClaim };

export type VigilClaims = JWTPayload & {
  sub: string;
  jti: string;
  exp: number;
  client_id?: string;
  scope?: string;
  /** A delegated token: the agent acting (outermost), and the hops before it. */
  act?: ActClaim;
  /** The delegation grants this token rests on, outermost hop first (none for may_act hops). */
  delegation_ids?: string[];
};

/** The agents of an `act` claim, outermost (the current actor) first. */
export function actChain(act: ActClaim | undefined): { sub: string; client_id?: string }[] {
  const out: { sub: string; client_id?: string }[] = [];
  for (let hop = act; hop && out.length < 16; hop = hop.act) {
    if (typeof hop.sub !== "string") break;
    out.push({ sub: hop.sub, ...(typeof hop.client_id === "string" ? { client_id: hop.client_id } : {}) });
  }
  return out;
}

/** RFC 7800 §3.1 / RFC 9449 §6.1: the key thumbprint a token is bound to (cnf.jkt), if any. */
export function boundKey(payload: JWTPayload): string | null {
  const cnf = payload.cnf;
  if (!cnf || typeof cnf !== "object" || Array.isArray(cnf)) return null;
  const jkt = (cnf as Record<string, unknown>).jkt;
  return typeof jkt === "string" ? jkt : null;
}

export class TokenInvalid extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Verifies a Vigil access token: the signature by a published key of the header's alg
 * (lib/keys/own-jws.ts), typ at+jwt, iss, the optional aud, sub/jti/exp/iat present,
 * exp/nbf with the clock leeway, and iat not in the future. The same checks jose's jwtVerify
 * made here before, in the same words (own-token.test.ts holds the two side by side).
 */
export async function verifyVigilToken(token: string, audience?: string): Promise<VigilClaims> {
  let verified: Awaited<ReturnType<typeof verifyOwnJws>>;
  try {
    verified = await verifyOwnJws(token, (kid) => publishedVerifyingKey(kid));
  } catch (error) {
    if (error instanceof JwsRefused) throw new TokenInvalid(error.reason);
    throw error;
  }
  return checkedClaims(verified.header, verified.payload, audience);
}

function checkedClaims(header: Record<string, unknown>, claims: Record<string, unknown>, audience: string | undefined): VigilClaims {
  const config = getConfig();
  // jose's typ comparison: case-insensitive, "application/" implied.
  if (typeof header.typ !== "string" || !AT_JWT.has(header.typ.toLowerCase())) throw new TokenInvalid("not an access token (typ must be at+jwt)");
  if (!Object.hasOwn(claims, "iss")) throw new TokenInvalid("wrong issuer");
  if (audience !== undefined && !Object.hasOwn(claims, "aud")) throw new TokenInvalid("wrong audience");
  for (const claim of REQUIRED) if (!Object.hasOwn(claims, claim)) throw new TokenInvalid(`invalid claim ${claim}`);
  if (claims.iss !== config.issuer) throw new TokenInvalid("wrong issuer");
  if (audience !== undefined && !audienceIncludes(claims.aud, audience)) throw new TokenInvalid("wrong audience");
  const now = Math.floor(Date.now() / 1000);
  const leeway = config.CLOCK_LEEWAY_SECONDS;
  const iat = numericDate(claims, "iat");
  const nbf = numericDate(claims, "nbf");
  if (nbf !== undefined && nbf > now + leeway) throw new TokenInvalid("token not yet valid");
  const exp = numericDate(claims, "exp");
  if (exp !== undefined && exp <= now - leeway) throw new TokenInvalid("token expired");
  if (iat !== undefined && iat - leeway > now) throw new TokenInvalid("token issued in the future");
  // Vigil signs these as strings; anything else is refused rather than passed on (jose would pass it).
  for (const claim of ["sub", "jti"] as const) if (typeof claims[claim] !== "string") throw new TokenInvalid(`invalid claim ${claim}`);
  return claims as VigilClaims;
}

const AT_JWT = new Set(["at+jwt", "application/at+jwt"]);
// In the order jose checks them, so a token missing several is refused for the same one.
const REQUIRED = ["iat", "exp", "jti", "sub"] as const;

function numericDate(claims: Record<string, unknown>, claim: "iat" | "nbf" | "exp"): number | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  // Finite too: JSON.parse reads 1e999 as Infinity, which jose would take as a number.
  if (typeof value !== "number" || !Number.isFinite(value)) throw new TokenInvalid(`invalid claim ${claim}`);
  return value;
}

function audienceIncludes(aud: unknown, audience: string): boolean {
  return typeof aud === "string" ? aud === audience : Array.isArray(aud) && aud.includes(audience);
}

/** The cause a person can act on, for WWW-Authenticate error_description. */
export function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "token expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return "wrong audience";
    if (error.claim === "iss") return "wrong issuer";
    if (error.claim === "nbf") return "token not yet valid";
    if (error.claim === "typ") return "not an access token (typ must be at+jwt)";
    return `invalid claim ${error.claim}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "invalid signature";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return "unknown key";
  if (error instanceof errors.JOSEAlgNotAllowed) return "algorithm not allowed";
  return "malformed token";
}
