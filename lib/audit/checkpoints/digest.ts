import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/**
 * The hashing rules of checkpoints, shared by the server and the offline verifier
 * (scripts/audit-verify.ts), so both compute the same bytes:
 * - an event is hashed as RFC 8785 (JCS) canonical JSON of its API view (lib/audit/list.ts
 *   toView: what /api/v1/audit and the NDJSON export return);
 * - a checkpoint's `events_sha256` is SHA-256 over the concatenated 32-byte event hashes,
 *   in id order;
 * - a checkpoint's `hash` is SHA-256 of its canonical document, which names the previous
 *   checkpoint's hash: the chain.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("value cannot be canonicalized");
  return text;
}

export const sha256 = (data: string | Buffer): Buffer => createHash("sha256").update(data).digest();

export const eventHash = (view: unknown): Buffer => sha256(canonicalJson(view));

/** SHA-256 over a stream of event hashes, fed one at a time. */
export class EventsDigest {
  private readonly hash = createHash("sha256");
  count = 0;
  add(leaf: Buffer): void {
    this.hash.update(leaf);
    this.count += 1;
  }
  hex(): string {
    return this.hash.digest("hex");
  }
}

/** Bytes of each event hash kept per checkpoint to name the event that changed. */
export const LEAF_PREFIX_BYTES = 8;

/** Ids missing from a sealed range (rolled-back inserts leave holes), as closed ranges. */
export type Gap = [number, number];

/**
 * The signed document. Every field is plain JSON so its canonical form is the same in any
 * language; ids are numbers (below 2^53 for any log a single database holds).
 */
export type CheckpointDocument = {
  v: 1;
  seq: number;
  prev: string | null;
  first_id: number;
  last_id: number;
  count: number;
  gaps: Gap[];
  min_ts: string;
  max_ts: string;
  events_sha256: string;
  sealed_at: string;
};

export const documentHash = (doc: CheckpointDocument): string => sha256(canonicalJson(doc)).toString("hex");

/** The JWS `typ` of a checkpoint signature. */
export const CHECKPOINT_JWS_TYPE = "vigil-audit-checkpoint+json";
