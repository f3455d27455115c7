import { replayKey, type ReplayCache } from "../replay/replay-cache";
import { DpopProofReplayed } from "./errors";
import { dpopPolicy, proofExpiry, type DpopPolicy } from "./policy";
import type { VerifiedDpopProof } from "./verify-proof";

/**
 * Accepts a verified proof's jti once across replicas (RFC 9449 §11.1), remembered while the
 * proof would still pass the iat window. Keyed by the key's thumbprint too: a client cannot
 * spend another key's jti, whatever jti it chooses.
 */
export async function claimDpopProof(cache: ReplayCache, proof: VerifiedDpopProof, policy: DpopPolicy = dpopPolicy()): Promise<void> {
  const first = await cache.claim(replayKey("dpop", `${proof.jkt}:${proof.jti}`), proofExpiry(proof.iat, policy));
  if (!first) throw new DpopProofReplayed();
}
