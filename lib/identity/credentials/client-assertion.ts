import { compactVerify, decodeProtectedHeader, importJWK } from "jose";
import type { ClientJwk, ClientJwks } from "@/drizzle/schema";
import { getLogger } from "@/lib/observability/logger";
import { CLIENT_ASSERTION_ALGS } from "../agents/jwks";
import { OAuthError } from "../oauth-error";
import { replayKey, type ReplayCache } from "../replay/replay-cache";
import { ClientAuthError } from "./presented-client";

/** What checking an assertion needs besides the assertion and the client's keys. */
export type AssertionCheck = {
  /** Audiences the assertion may name: Vigil's issuer, its token endpoint, the endpoint called. */
  audiences: readonly string[];
  leewaySeconds: number;
  now?: number;
};

export type VerifiedAssertion = { jti: string; exp: number };

// RFC 7523 §3 lets the server bound exp; a short life bounds how long a leaked assertion
// works and how long its jti must be remembered.
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const MAX_JTI_LENGTH = 256;

/**
 * Checks a client assertion (RFC 7523 §3, OIDC Core §9 private_key_jwt) against the keys its
 * agent registered: an allowed asymmetric alg, a registered key (by kid when the header names
 * one) whose signature verifies, iss = sub = client_id, an aud of ours, a short unexpired
 * exp, a jti. Claiming the jti once is claimAssertion's job, after the client's status has
 * been checked. Throws ClientAuthError; descriptions never quote the assertion.
 */
export async function verifyClientAssertion(
  assertion: string,
  clientId: string,
  jwks: ClientJwks | null,
  check: AssertionCheck,
  refuse: (reason: string, description: string) => ClientAuthError,
): Promise<VerifiedAssertion> {
  if (!jwks || jwks.keys.length === 0) throw refuse("assertion_no_keys", "This client has no registered keys; register a JWKS on its agent to use private_key_jwt.");
  let header: { alg?: unknown; kid?: unknown };
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw refuse("malformed_assertion", "The client assertion is not a signed JWT.");
  }
  const alg = header.alg;
  if (typeof alg !== "string" || !(CLIENT_ASSERTION_ALGS as readonly string[]).includes(alg)) {
    throw refuse("assertion_alg", `The client assertion must be signed with one of ${CLIENT_ASSERTION_ALGS.join(", ")}.`);
  }
  // A registered key is bound to its alg: an RSA key never verifies an assertion whose header claims another alg.
  const candidates = jwks.keys.filter((k) => k.alg === alg && (header.kid === undefined || k.kid === header.kid));
  if (candidates.length === 0) {
    throw refuse("assertion_unknown_key", header.kid === undefined ? `No registered key is for ${alg}.` : `No registered ${alg} key has the client assertion's kid.`);
  }
  const payload = await verifiedPayload(assertion, alg, candidates);
  if (!payload) throw refuse("assertion_bad_signature", "The client assertion's signature does not verify with a registered key.");
  return checkClaims(payload, clientId, check, refuse);
}

/** Accepts a verified assertion's jti once across replicas until it could no longer pass (exp + leeway). */
export async function claimAssertion(
  cache: ReplayCache,
  clientId: string,
  verified: VerifiedAssertion,
  leewaySeconds: number,
  refuse: (reason: string, description: string) => ClientAuthError,
): Promise<void> {
  let first: boolean;
  try {
    first = await cache.claim(replayKey("assertion", `${clientId}:${verified.jti}`), new Date((verified.exp + leewaySeconds) * 1000));
  } catch (error) {
    // Fail closed: without the store an assertion could be spent twice.
    getLogger().error({ err: error }, "replay cache unavailable for a client assertion");
    throw new OAuthError("temporarily_unavailable", "Client assertions cannot be checked for reuse right now; retry shortly.", 503);
  }
  if (!first) throw refuse("assertion_replayed", "This client assertion has been used before; sign a new one (with a new jti) for each request.");
}

function checkClaims(
  claims: Record<string, unknown>,
  clientId: string,
  check: AssertionCheck,
  refuse: (reason: string, description: string) => ClientAuthError,
): VerifiedAssertion {
  const now = Math.floor((check.now ?? Date.now()) / 1000);
  const leeway = check.leewaySeconds;
  if (claims.iss !== clientId || claims.sub !== clientId) throw refuse("assertion_iss_mismatch", "The client assertion's iss and sub must both be the client_id.");
  const aud = claims.aud;
  const named = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  if (!named.some((a) => typeof a === "string" && check.audiences.includes(a))) {
    throw refuse("assertion_aud", "The client assertion's aud must be Vigil's issuer, its token endpoint, or the URL of the endpoint called.");
  }
  const { exp, iat, nbf, jti } = claims;
  if (typeof exp !== "number" || !Number.isFinite(exp)) throw refuse("assertion_exp_missing", "The client assertion needs an exp.");
  if (exp + leeway <= now) throw refuse("assertion_expired", "The client assertion has expired; sign a new one.");
  if (iat !== undefined && (typeof iat !== "number" || iat - leeway > now)) throw refuse("assertion_iat", "The client assertion's iat is not a time in the past; check the client's clock.");
  if (nbf !== undefined && (typeof nbf !== "number" || nbf - leeway > now)) throw refuse("assertion_nbf", "The client assertion is not valid yet (nbf).");
  const from = typeof iat === "number" ? iat : now;
  if (exp - from > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw refuse("assertion_lifetime", `The client assertion lives too long: exp may be at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds after iat (or now).`);
  }
  if (typeof jti !== "string" || jti === "" || jti.length > MAX_JTI_LENGTH) {
    throw refuse("assertion_jti", `The client assertion needs a jti: a unique string of at most ${MAX_JTI_LENGTH} characters.`);
  }
  return { jti, exp };
}

/** The payload verified by one of the candidate keys, or null when none verifies it. */
async function verifiedPayload(assertion: string, alg: string, candidates: ClientJwk[]): Promise<Record<string, unknown> | null> {
  for (const jwk of candidates) {
    try {
      const { payload } = await compactVerify(assertion, await importedKey(jwk), { algorithms: [alg] });
      const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
      return claims !== null && typeof claims === "object" && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
    } catch {
      // Another candidate (a rotation keeps two keys without kids) may verify it.
    }
  }
  return null;
}

// Imported once per registered key object: the client cache keeps the record (and so its
// keys) until the agent changes, so a warm token request imports nothing.
const imported = new WeakMap<ClientJwk, ReturnType<typeof importJWK>>();

function importedKey(jwk: ClientJwk): ReturnType<typeof importJWK> {
  let key = imported.get(jwk);
  if (!key) {
    key = importJWK(jwk, jwk.alg);
    // A failed import is not cached: it is retried (and fails the same way) next time.
    key.catch(() => imported.delete(jwk));
    imported.set(jwk, key);
  }
  return key;
}
