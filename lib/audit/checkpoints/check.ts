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
  problem: "signature" | "document" | "chain" | "edited" | "deleted" | "inserted" | "digest" | "unsealed" | "anchor";
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

/** `doc` follows `prev`, or is the first of the chain: hash link and contiguous id ranges. */
export function checkLink(prev: CheckpointDocument | null, doc: CheckpointDocument): Finding | null {
  if (prev === null) {
    if (doc.seq !== 1 || doc.prev !== null || doc.first_id !== 1) return { seq: 1, problem: "chain", detail: "checkpoint 1 is missing: the chain must start at the first event" };
    return null;
  }
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
 * edit is reported for the checkpoint as a whole. `expired` (retention has run over it):
 * absent events are expected, but every event still there must be one it sealed, unchanged.
 */
export async function checkEvents(doc: CheckpointDocument, events: AsyncIterable<EventView>, leaves?: Buffer, expired = false): Promise<Finding | null> {
  const expected = expectedIds(doc);
  let next = expected.next();
  const digest = new EventsDigest();
  let firstEdit: Finding | null = null;
  const seq = doc.seq;
  let position = 0; // of `next` among the sealed ids: where its leaf is
  for await (const event of events) {
    const id = Number(event.id);
    while (expired && !next.done && next.value < id) {
      next = expected.next();
      position += 1;
    }
    if (!next.done && next.value < id) return firstEdit ?? { seq, problem: "deleted", event_id: String(next.value), detail: `event ${next.value} sealed by checkpoint ${seq} is missing` };
    if (next.done || id < next.value) return firstEdit ?? { seq, problem: "inserted", event_id: event.id, detail: `event ${event.id} was not in the log when checkpoint ${seq} sealed it` };
    const leaf = eventHash(event);
    if (leaves && !firstEdit) {
      const at = position * LEAF_PREFIX_BYTES;
      if (!leaf.subarray(0, LEAF_PREFIX_BYTES).equals(leaves.subarray(at, at + LEAF_PREFIX_BYTES))) {
        firstEdit = { seq, problem: "edited", event_id: event.id, detail: `event ${event.id} differs from what checkpoint ${seq} sealed` };
      }
    }
    digest.add(leaf);
    next = expected.next();
    position += 1;
  }
  if (expired) return firstEdit;
  if (!next.done) return firstEdit ?? { seq, problem: "deleted", event_id: String(next.value), detail: `event ${next.value} sealed by checkpoint ${seq} is missing` };
  if (firstEdit) return firstEdit;
  if (digest.count !== doc.count || digest.hex() !== doc.events_sha256) {
    return { seq, problem: "digest", detail: `the events of checkpoint ${seq} do not match its digest` };
  }
  return null;
}

/** What an `audit.retention` event says it removed. */
export type RetentionMark = { through_seq: number; cutoff: string; ts: string };

/** The marks in a list of events (the retention job's own, as it records them). */
export function retentionMarks(events: Iterable<Record<string, unknown>>): RetentionMark[] {
  const marks: RetentionMark[] = [];
  for (const e of events) {
    if (e.kind !== "audit.retention" || e.actor !== "system:retention" || typeof e.ts !== "string") continue;
    const m = e.metadata as { through_seq?: unknown; cutoff?: unknown } | null;
    if (typeof m?.through_seq === "number" && typeof m.cutoff === "string") marks.push({ through_seq: m.through_seq, cutoff: m.cutoff, ts: e.ts });
  }
  return marks;
}

const NEARLY_A_DAY_MS = 23 * 3600_000;

/**
 * Retention has removed (some of) this checkpoint's events: a mark covers its sequence
 * number, the checkpoint ended before the mark's cutoff, and the cutoff is at least (about)
 * a day before the mark was written, as AUDIT_RETENTION_DAYS >= 1 makes it. A forged mark
 * can thus only excuse missing events older than a day; events still present are checked.
 */
export function isExpired(doc: CheckpointDocument, marks: RetentionMark[]): boolean {
  return marks.some((m) => doc.seq <= m.through_seq && doc.max_ts < m.cutoff && Date.parse(m.cutoff) <= Date.parse(m.ts) - NEARLY_A_DAY_MS);
}

/** The signed time range meets [since, until] (either may be absent). */
export function inTimeRange(doc: CheckpointDocument, since?: string, until?: string): boolean {
  return (!since || Date.parse(doc.max_ts) >= Date.parse(since)) && (!until || Date.parse(doc.min_ts) <= Date.parse(until));
}
