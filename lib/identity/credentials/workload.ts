import { errors, jwtVerify, type JWTPayload } from "jose";
import { getConfig } from "@/lib/config";
import type { WorkloadIssuer } from "@/lib/config/workload-issuers";
import { WorkloadKeySet } from "@/lib/keys/workload-keys";

// Asymmetric only: a workload JWT proves possession of the issuer's private key.
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

/**
 * The configured issuer a client assertion comes from, by its (unverified) claims: an OIDC
 * issuer by exact `iss` (its subjects may be SPIFFE IDs too, as SPIRE's OIDC provider's are),
 * else a SPIFFE trust domain by the domain of `sub`. The claims only pick the keys to verify with.
 */
export function workloadIssuerOf(claims: JWTPayload): WorkloadIssuer | null {
  const issuers = getConfig().WORKLOAD_ISSUERS ?? [];
  const byIss = issuers.find((i) => i.issuer !== undefined && i.issuer === claims.iss);
  if (byIss) return byIss;
  const domain = spiffeTrustDomain(claims.sub);
  return domain === null ? null : (issuers.find((i) => i.spiffe_trust_domain === domain) ?? null);
}

/** True for an assertion that is not Vigil's own client's (private_key_jwt has iss = sub = client_id). */
export function looksFederated(claims: JWTPayload): boolean {
  return spiffeTrustDomain(claims.sub) !== null || (typeof claims.iss === "string" && /^https?:\/\//i.test(claims.iss) && claims.sub !== claims.iss);
}

/** The trust domain of a SPIFFE ID (spiffe://<domain>/<path>, SPIFFE ID §2), or null if it is none. */
export function spiffeTrustDomain(sub: unknown): string | null {
  if (typeof sub !== "string") return null;
  const match = /^spiffe:\/\/([a-z0-9._-]+)\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]+$/.exec(sub);
  return match?.[1] ?? null;
}

const keySets = new WeakMap<object, Map<string, WorkloadKeySet>>();

/** The issuer's keys, one set per issuer for the configuration in force. */
function keySetOf(issuer: WorkloadIssuer): WorkloadKeySet {
  const config = getConfig();
  let sets = keySets.get(config);
  if (!sets) keySets.set(config, (sets = new Map()));
  let set = sets.get(issuer.name);
  if (!set) sets.set(issuer.name, (set = new WorkloadKeySet(issuer)));
  return set;
}

export type WorkloadRefusal = (reason: string, description: string) => Error;

/**
 * A workload JWT as client authentication (RFC 7523 §2.2 with an external issuer, as SPIFFE
 * JWT-SVIDs and Kubernetes service-account tokens are used): signed by a key of the issuer's
 * set, `aud` naming Vigil (or the issuer's configured audiences), `exp` present and at most
 * WORKLOAD_MAX_TOKEN_SECONDS away, `iss` exact for an OIDC issuer, `sub` a SPIFFE ID of the
 * trust domain for SPIFFE. Not single-use: SPIRE and Kubernetes hand a workload the same token
 * until it nears expiry, so it is presented many times (its lifetime is the bound).
 */
export async function verifyWorkloadAssertion(assertion: string, issuer: WorkloadIssuer, audiences: string[], refuse: WorkloadRefusal): Promise<string> {
  const config = getConfig();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, keySetOf(issuer).getKey, {
      algorithms: ALGORITHMS,
      audience: issuer.audiences ?? audiences,
      ...(issuer.issuer ? { issuer: issuer.issuer } : {}),
      requiredClaims: ["sub", "exp", "aud"],
      clockTolerance: config.CLOCK_LEEWAY_SECONDS,
    }));
  } catch (error) {
    throw refuse(...describe(error, issuer));
  }
  const exp = payload.exp ?? 0;
  if (exp - Math.floor(Date.now() / 1000) > config.WORKLOAD_MAX_TOKEN_SECONDS + config.CLOCK_LEEWAY_SECONDS) {
    throw refuse("workload_token_too_long_lived", `The workload token expires more than ${config.WORKLOAD_MAX_TOKEN_SECONDS} seconds from now; present a short-lived one.`);
  }
  const sub = payload.sub ?? "";
  if (issuer.spiffe_trust_domain !== undefined && spiffeTrustDomain(sub) !== issuer.spiffe_trust_domain) {
    throw refuse("workload_subject_invalid", `The workload token's sub must be a SPIFFE ID in ${issuer.spiffe_trust_domain}.`);
  }
  return sub;
}

function describe(error: unknown, issuer: WorkloadIssuer): [string, string] {
  const from = `from ${issuer.name}`;
  if (error instanceof errors.JWTExpired) return ["workload_token_expired", `The workload token ${from} has expired.`];
  if (error instanceof errors.JWTClaimValidationFailed) return [`workload_${error.claim}_invalid`, `The workload token ${from} has an unacceptable ${error.claim} claim${error.claim === "aud" ? " (it must name Vigil's issuer or token endpoint)" : ""}.`];
  if (error instanceof errors.JOSEAlgNotAllowed) return ["workload_alg_not_allowed", `The workload token ${from} uses an algorithm Vigil does not accept (asymmetric only).`];
  if (error instanceof errors.JWKSNoMatchingKey) return ["workload_unknown_key", `No key of ${issuer.name} matches the workload token's kid.`];
  if (error instanceof errors.JWSSignatureVerificationFailed) return ["workload_bad_signature", `The workload token's signature does not verify with ${issuer.name}'s keys.`];
  return ["workload_malformed", `The workload token ${from} is not a valid signed JWT.`];
}
