import { compactVerify, type JWTVerifyGetKey } from "jose";
import {
  CHECKPOINT_JWS_TYPE,
  canonicalJson,
  documentHash,
  eventHash,
  EventsDigest,
  LEAF_PREFIX_BYTES,
  type CheckpointDocument,
} from "./digest";

/**
 * Pure checks over checkpoints and events, used by GET /api/v1/audit/verify and by the
 * offline verifier alike. Each returns the first problem it finds, or null.
 */
export type Finding = {
  seq: number;
  problem: "signature" | "document" | "chain" | "edited" | "deleted" | "inserted" | "digest";
  event_id?: string;
  detail: string;
};

export type EventView = { id: string } & Record<string, unknown>;

/** The signature is valid under a known key, and the signed payload is the document. */
export async function checkSignature(seq: number, jws: string, getKey: JWTVerifyGetKey): Promise<{ doc: CheckpointDocument } | { finding: Finding }> {
  let payload: Uint8Array;
  try {
    const verified = await compactVerify(jws, getKey, { algorithms: ["RS256", "ES256", "EdDSA"] });
    if (verified.protectedHeader.typ !== CHECKPOINT_JWS_TYPE) throw new Error(`typ is not ${CHECKPOINT_JWS_TYPE}`);
    payload = verified.payload;
  } catch (error) {
    return { finding: { seq, problem: "signature", detail: `checkpoint ${seq}: signature does not verify (${(error as Error).message})` } };
  }
  try {
    const doc = JSON.parse(new TextDecoder().decode(payload)) as CheckpointDocument;
    if (doc.seq !== seq) throw new Error(`signed seq is ${doc.seq}`);
    return { doc };
  } catch (error) {
    return { finding: { seq, problem: "document", detail: `checkpoint ${seq}: signed document is not valid (${(error as Error).message})` } };
  }
}

/** The stored document is exactly the signed one. */
export function checkStoredDocument(doc: CheckpointDocument, stored: unknown, storedHash: string): Finding | null {
  if (canonicalJson(stored) !== canonicalJson(doc) || documentHash(doc) !== storedHash) {
    return { seq: doc.seq, problem: "document", detail: `checkpoint ${doc.seq}: stored document differs from the signed one` };
  }
  return null;
}

/** `doc` follows `prev` (or is the first): hash link and contiguous id ranges. */
export function checkLink(prev: CheckpointDocument | null, doc: CheckpointDocument): Finding | null {
  if (prev === null) return null;
  if (doc.seq !== prev.seq + 1) return { seq: doc.seq, problem: "chain", detail: `checkpoint ${prev.seq + 1} is missing` };
  if (doc.prev !== documentHash(prev)) return { seq: doc.seq, problem: "chain", detail: `checkpoint ${doc.seq} does not chain to checkpoint ${prev.seq}` };
  if (doc.first_id !== prev.last_id + 1) return { seq: doc.seq, problem: "chain", detail: `checkpoint ${doc.seq} does not start where checkpoint ${prev.seq} ended` };
  return null;
}

function* expectedIds(doc: CheckpointDocument): Generator<number> {
  let g = 0;
  for (let id = doc.first_id; id <= doc.last_id; id++) {
    const gap = doc.gaps[g];
    if (gap && id >= gap[0]) {
      id = gap[1];
      g += 1;
      continue;
    }
    yield id;
  }
}

/**
 * Recomputes one checkpoint from its events (every event with first_id <= id <= last_id, in
 * id order). `leaves` (the stored hash prefixes) names an edited event; without them an
 * edit is reported for the checkpoint as a whole.
 */
export async function checkEvents(doc: CheckpointDocument, events: AsyncIterable<EventView>, leaves?: Buffer): Promise<Finding | null> {
  const expected = expectedIds(doc);
  let next = expected.next();
  const digest = new EventsDigest();
  let firstEdit: Finding | null = null;
  const seq = doc.seq;
  for await (const event of events) {
    const id = Number(event.id);
    if (!next.done && next.value < id) return firstEdit ?? { seq, problem: "deleted", event_id: String(next.value), detail: `event ${next.value} sealed by checkpoint ${seq} is missing` };
    if (next.done || id < next.value) return firstEdit ?? { seq, problem: "inserted", event_id: event.id, detail: `event ${event.id} was not in the log when checkpoint ${seq} sealed it` };
    const leaf = eventHash(event);
    if (leaves && !firstEdit) {
      const at = digest.count * LEAF_PREFIX_BYTES;
      if (!leaf.subarray(0, LEAF_PREFIX_BYTES).equals(leaves.subarray(at, at + LEAF_PREFIX_BYTES))) {
        firstEdit = { seq, problem: "edited", event_id: event.id, detail: `event ${event.id} differs from what checkpoint ${seq} sealed` };
      }
    }
    digest.add(leaf);
    next = expected.next();
  }
  if (!next.done) return firstEdit ?? { seq, problem: "deleted", event_id: String(next.value), detail: `event ${next.value} sealed by checkpoint ${seq} is missing` };
  if (firstEdit) return firstEdit;
  if (digest.count !== doc.count || digest.hex() !== doc.events_sha256) {
    return { seq, problem: "digest", detail: `the events of checkpoint ${seq} do not match its digest` };
  }
  return null;
}
