import { errors, jwtVerify, type JWTPayload } from "jose";
import { getConfig } from "@/lib/config";
import { verificationKeys } from "@/lib/keys/keyring";

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

// The header names the alg; we accept only what our own keys can produce, never `none`/HS*.
const ALGORITHMS = ["RS256", "ES256", "EdDSA"];

/** Verifies a Vigil access token (signature, typ, iss, exp/nbf with leeway, optional aud). */
export async function verifyVigilToken(token: string, audience?: string): Promise<VigilClaims> {
  const config = getConfig();
  try {
    const { payload } = await jwtVerify(token, verificationKeys(), {
      issuer: config.issuer,
      audience,
      algorithms: ALGORITHMS,
      typ: "at+jwt",
      clockTolerance: config.CLOCK_LEEWAY_SECONDS,
      requiredClaims: ["sub", "jti", "exp", "iat"],
    });
    if (typeof payload.iat === "number" && payload.iat - config.CLOCK_LEEWAY_SECONDS > Math.floor(Date.now() / 1000)) throw new TokenInvalid("token issued in the future");
    return payload as VigilClaims;
  } catch (error) {
    if (error instanceof TokenInvalid) throw error;
    throw new TokenInvalid(describeJoseError(error));
  }
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
