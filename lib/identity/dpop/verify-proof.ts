import { createHash } from "node:crypto";
import { calculateJwkThumbprint, errors, importJWK, jwtVerify, type JWK, type JWTPayload } from "jose";
import { safeEqual } from "@/lib/keys/safe-equal";
import { DpopProofError, invalidProof } from "./errors";
import { checkProofHeader, singleProof } from "./header";
import { normaliseHtu } from "./htu";
import { dpopPolicy, type DpopPolicy } from "./policy";

export type DpopProofRequest = {
  /** Every value of the request's DPoP header; exactly one proof must be among them. */
  dpop: string | readonly string[] | null | undefined;
  /** The request's method and full URL as the client addressed them (behind a proxy: the original ones). */
  method: string;
  url: string | URL;
  /** The nonce(s) the server currently accepts; when given, the proof must carry one of them. */
  nonce?: string | readonly string[];
  /** The access token presented with the proof (resource requests): `ath` must be its hash. */
  accessToken?: string;
  /** The token's `cnf.jkt`: the proof must be signed by that key. */
  jkt?: string;
};

export type VerifiedDpopProof = { jkt: string; jti: string; iat: number };

// Bounded: the jti is stored by the replay cache (hashed, but read whole first).
const MAX_JTI_LENGTH = 256;

/**
 * Checks a DPoP proof as RFC 9449 §4.3 lists: one well-formed JWT, typ, an asymmetric alg
 * the policy allows, a public jwk that verifies the signature, jti, htm, htu, nonce, iat
 * window, then ath and the key binding when a token comes with it. Claiming the jti once
 * (step 11's replay check) is claimDpopProof's job. Throws DpopProofError.
 */
export async function verifyDpopProof(request: DpopProofRequest, policy: DpopPolicy = dpopPolicy()): Promise<VerifiedDpopProof> {
  const proof = singleProof(request.dpop);
  const { alg, jwk } = checkProofHeader(proof, policy.algorithms);
  const now = policy.now?.() ?? Date.now();
  const key = await proofKey(alg, jwk);
  const claims = await verifiedClaims(proof, alg, key.key, now);

  const jti = claims.jti;
  if (typeof jti !== "string" || jti === "" || jti.length > MAX_JTI_LENGTH) {
    throw invalidProof(`The DPoP proof needs a jti: a unique string of at most ${MAX_JTI_LENGTH} characters.`);
  }
  if (claims.htm !== request.method) throw invalidProof("The DPoP proof's htm does not match the request's method.");
  const expected = normaliseHtu(request.url);
  const htu = typeof claims.htu === "string" ? normaliseHtu(claims.htu) : null;
  if (htu === null || expected === null || htu !== expected) {
    throw invalidProof("The DPoP proof's htu does not match the request's URL (query and fragment aside).");
  }
  checkNonce(claims.nonce, request.nonce);
  const iat = claims.iat;
  if (typeof iat !== "number") throw invalidProof("The DPoP proof needs an iat.");
  if (iat * 1000 < now - policy.maxAgeSeconds * 1000) throw invalidProof(`The DPoP proof is older than ${policy.maxAgeSeconds} seconds; make a new one.`);
  if (iat * 1000 > now + policy.clockSkewSeconds * 1000) throw invalidProof("The DPoP proof's iat is in the future; check the client's clock.");
  if (request.accessToken !== undefined) checkAth(claims.ath, request.accessToken);

  const jkt = key.jkt;
  if (request.jkt !== undefined && !safeEqual(jkt, request.jkt)) {
    throw invalidProof("The DPoP proof is signed by another key than the one the access token is bound to.");
  }
  return { jkt, jti, iat };
}

type ProofKey = { key: CryptoKey | Uint8Array; jkt: string };

// An agent sends the same key with every proof: importing it and hashing its thumbprint cost
// more than the signature check (0.25 of 0.4 ms here), so both are kept per key. Bounded (a
// flood of fresh keys evicts the oldest, it never grows), keyed by alg and the jwk as sent.
const KEY_CACHE_SIZE = 10_000;
const keys = new Map<string, Promise<ProofKey>>();

/** The embedded jwk imported for `alg` (step 6), and its RFC 7638 thumbprint. */
function proofKey(alg: string, jwk: JWK): Promise<ProofKey> {
  const id = `${alg}:${JSON.stringify(jwk)}`;
  const hit = keys.get(id);
  if (hit) {
    keys.delete(id);
    keys.set(id, hit);
    return hit;
  }
  const made = (async () => ({ key: await importJWK(jwk, alg), jkt: await calculateJwkThumbprint(jwk, "sha256") }))();
  // A key that does not import is not remembered: the next proof with it fails the same way.
  made.catch(() => keys.delete(id));
  keys.set(id, made);
  if (keys.size > KEY_CACHE_SIZE) keys.delete(keys.keys().next().value ?? "");
  return made.catch(() => {
    throw invalidProof("The DPoP proof is not a valid JWT signed with its jwk (malformed, or a key that does not fit its alg).");
  });
}

/** The signature checked with the embedded jwk (step 6); jose's own messages stay out of the description. */
async function verifiedClaims(proof: string, alg: string, key: CryptoKey | Uint8Array, now: number): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(proof, key, { algorithms: [alg], currentDate: new Date(now) });
    return payload;
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) throw invalidProof("The DPoP proof's signature does not verify with its jwk.");
    if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) {
      throw invalidProof(`The DPoP proof's ${error.claim} claim is invalid.`);
    }
    throw invalidProof("The DPoP proof is not a valid JWT signed with its jwk (malformed, or a key that does not fit its alg).");
  }
}

function checkNonce(given: unknown, accepted: string | readonly string[] | undefined): void {
  if (accepted === undefined) return;
  const nonces = typeof accepted === "string" ? [accepted] : accepted;
  if (typeof given !== "string" || !nonces.some((n) => safeEqual(given, n))) {
    const missing = given === undefined;
    throw new DpopProofError("use_dpop_nonce", missing ? "This server requires a nonce in the DPoP proof." : "The DPoP proof's nonce is stale or unknown; use the latest DPoP-Nonce.");
  }
}

function checkAth(given: unknown, accessToken: string): void {
  // RFC 9449 §4.2: base64url of the SHA-256 of the token's ASCII characters.
  const expected = createHash("sha256").update(accessToken, "ascii").digest("base64url");
  if (typeof given !== "string") throw invalidProof("The DPoP proof needs an ath (the access token's hash) when a token is presented.");
  if (!safeEqual(given, expected)) throw invalidProof("The DPoP proof's ath does not match the access token presented.");
}
