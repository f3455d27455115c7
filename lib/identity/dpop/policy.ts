import { getConfig } from "@/lib/config";

/** What this server accepts of a DPoP proof (DPOP_SIGNING_ALGS, DPOP_PROOF_MAX_AGE_SECONDS). */
export type DpopPolicy = {
  /** Asymmetric JWS algorithms; none and HS* are refused whatever this says. */
  algorithms: readonly string[];
  /** How long after its iat a proof is accepted, and its jti remembered. */
  maxAgeSeconds: number;
  /** How far in the future an iat may be (the client's clock runs ahead). */
  clockSkewSeconds: number;
  /** Milliseconds since the epoch; tests move the clock. */
  now?: () => number;
};

// Read on every proof: made once per configuration object (tests replace it).
const policies = new WeakMap<object, DpopPolicy>();

export function dpopPolicy(): DpopPolicy {
  const config = getConfig();
  let policy = policies.get(config);
  if (!policy) {
    policy = {
      algorithms: config.DPOP_SIGNING_ALGS.split(","),
      maxAgeSeconds: config.DPOP_PROOF_MAX_AGE_SECONDS,
      clockSkewSeconds: config.CLOCK_LEEWAY_SECONDS,
    };
    policies.set(config, policy);
  }
  return policy;
}

/** Until when a proof's jti must be remembered: as long as the proof would be accepted. */
export function proofExpiry(iat: number, policy: DpopPolicy): Date {
  return new Date((iat + policy.maxAgeSeconds + policy.clockSkewSeconds) * 1000);
}
