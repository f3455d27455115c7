import { commitBatched } from "@/lib/audit/batch";
import type { PopRequest, RequestFacts } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";
import { getMetrics } from "@/lib/observability/metrics";
import { replayCacheFor } from "../replay/open";
import { claimDpopProof } from "./claim";
import { DpopProofError, DpopProofReplayed } from "./errors";
import { dpopNonces } from "./nonce";
import { dpopPolicy } from "./policy";
import { verifyDpopProof, type VerifiedDpopProof } from "./verify-proof";

/** Where a proof is checked: Vigil's token endpoint, its own API, or the gateway validator. */
export type PopPoint = "token" | "api" | "gateway";

export type PossessionCheck = {
  point: PopPoint;
  request: PopRequest;
  /** At a resource: the access token presented (ath) and the key it is bound to (cnf.jkt). */
  accessToken?: string;
  jkt?: string;
  /** Who the log names for a refusal; omitted where the caller audits the refusal itself (the gateway). */
  audit?: RequestFacts & { db: Db; by: string; agentId?: string | null; clientId?: string | null };
};

/**
 * One DPoP check for every point: the proof verified (RFC 9449 §4.3), its nonce when
 * DPOP_NONCES is on, its jti claimed once across replicas, the outcome counted in
 * vigil_pop_validations_total and a refusal audited as pop.refused (its reason, never the
 * proof). A use_dpop_nonce refusal carries the DPoP-Nonce to retry with.
 */
export async function provePossession(db: Db, check: PossessionCheck): Promise<VerifiedDpopProof> {
  const policy = dpopPolicy();
  const nonces = dpopNonces();
  try {
    const proof = await verifyDpopProof(
      {
        dpop: check.request.proof,
        method: check.request.method,
        url: check.request.url,
        ...(nonces ? { nonce: nonces.accepted } : {}),
        ...(check.accessToken !== undefined ? { accessToken: check.accessToken } : {}),
        ...(check.jkt !== undefined ? { jkt: check.jkt } : {}),
      },
      policy,
    );
    await claimDpopProof(await replayCacheFor(db), proof, policy);
    countPop("valid", check.point);
    return proof;
  } catch (error) {
    if (error instanceof DpopProofError) await refused(check, error, nonces?.current);
    throw error;
  }
}

/** A request that must carry a proof and carries none (an agent with dpop: required). */
export async function missingProof(check: PossessionCheck, description: string): Promise<never> {
  const error = new DpopProofError("invalid_dpop_proof", description);
  await refused(check, error, dpopNonces()?.current);
  throw error;
}

async function refused(check: PossessionCheck, error: DpopProofError, nonce: string | undefined): Promise<void> {
  countPop(error instanceof DpopProofReplayed ? "replayed" : "invalid", check.point);
  if (error.error === "use_dpop_nonce" && nonce) error.headers["DPoP-Nonce"] = nonce;
  const audit = check.audit;
  if (!audit) return;
  // no-scope: records a refused proof; the caller proved nothing to check a scope against.
  await commitBatched(
    { requestId: audit.requestId, ip: audit.ip, userAgent: audit.userAgent, db: audit.db, by: audit.by },
    {
      kind: "pop.refused",
      outcome: "failure",
      agentId: audit.agentId ?? null,
      clientId: audit.clientId ?? null,
      metadata: { point: check.point, error: error.error, reason: error.description, method: check.request.method.slice(0, 16), url: check.request.url.slice(0, 2048) },
    },
  ).catch((e: unknown) => getLogger().warn({ err: e }, "could not audit a refused DPoP proof"));
}

const popChildren = new Map<string, { inc: () => void }>();

/** One proof into vigil_pop_validations_total (label children cached: this runs per request). */
function countPop(result: "valid" | "invalid" | "replayed", point: PopPoint): void {
  const key = `${result} ${point}`;
  let child = popChildren.get(key);
  if (!child) {
    child = getMetrics().popValidations.labels({ result, point });
    popChildren.set(key, child);
  }
  child.inc();
}
