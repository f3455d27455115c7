import { errors, jwtVerify, type JWTPayload } from "jose";
import { getConfig } from "@/lib/config";
import { verificationKeys } from "@/lib/keys/keyring";

export type VigilClaims = JWTPayload & { sub: string; jti: string; exp: number; client_id?: string; scope?: string };

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
    return payload as VigilClaims;
  } catch (error) {
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
