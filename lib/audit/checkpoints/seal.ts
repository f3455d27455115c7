import { CompactSign } from "jose";
import { desc } from "drizzle-orm";
import { auditCheckpoints, type AuditCheckpointRow } from "@/drizzle/schema";
import { isUniqueViolation } from "@/lib/db/errors";
import type { Executor } from "@/lib/db/types";
import { currentSigningKey } from "@/lib/keys/keyring";
import {
  CHECKPOINT_JWS_TYPE,
  canonicalJson,
  documentHash,
  eventHash,
  EventsDigest,
  LEAF_PREFIX_BYTES,
  type CheckpointDocument,
  type Gap,
} from "./digest";
import { eventsInRange, highestId, nthIdFrom } from "./events";

/** At most this many events per checkpoint, so a backlog is sealed in bounded steps. */
export const MAX_EVENTS_PER_CHECKPOINT = 100_000;

export async function latestCheckpoint(db: Executor): Promise<AuditCheckpointRow | undefined> {
  const [row] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(1);
  return row;
}

/**
 * Seals everything committed so far, in as many bounded checkpoints as it takes (at most
 * `max`; the rest on the next call), and returns them.
 */
export async function sealBacklog(db: Executor, max = Number.POSITIVE_INFINITY): Promise<AuditCheckpointRow[]> {
  const sealed: AuditCheckpointRow[] = [];
  while (sealed.length < max) {
    const row = await sealCheckpoint(db);
    if (!row) break;
    sealed.push(row);
  }
  return sealed;
}

/**
 * Seals what was committed since the last checkpoint: one checkpoint per call (bounded in
 * size), or null when there is nothing new. Instances may race; the sequence number is the
 * primary key, so exactly one of them stores checkpoint N and the others give way.
 */
export async function sealCheckpoint(db: Executor, now = new Date()): Promise<AuditCheckpointRow | null> {
  const prev = await latestCheckpoint(db);
  const first = (prev?.lastId ?? 0) + 1;
  const top = await highestId(db);
  if (top < first) return null;
  const key = currentSigningKey();
  if (!key?.privateKey) throw new Error("no signing key with a private half is loaded");

  // Sized by events, not ids: a jump in the sequence must not make millions of empty ones.
  const last = Math.min(top, (await nthIdFrom(db, first, MAX_EVENTS_PER_CHECKPOINT)) ?? top);
  const digest = new EventsDigest();
  const leaves: Buffer[] = [];
  const gaps: Gap[] = [];
  let expected = first;
  let minTs = "";
  let maxTs = "";
  for await (const event of eventsInRange(db, first, last)) {
    const id = Number(event.id);
    if (id > expected) gaps.push([expected, id - 1]);
    expected = id + 1;
    const leaf = eventHash(event);
    digest.add(leaf);
    leaves.push(leaf.subarray(0, LEAF_PREFIX_BYTES));
    if (!minTs || event.ts < minTs) minTs = event.ts;
    if (event.ts > maxTs) maxTs = event.ts;
  }
  if (expected <= last) gaps.push([expected, last]);
  // A range of nothing but holes (inserts rolled back) is sealed as such, so sealing moves on.
  if (!minTs) minTs = maxTs = now.toISOString();

  const doc: CheckpointDocument = {
    v: 1,
    seq: (prev?.seq ?? 0) + 1,
    prev: prev ? prev.hash : null,
    first_id: first,
    last_id: last,
    count: digest.count,
    gaps,
    min_ts: minTs,
    max_ts: maxTs,
    events_sha256: digest.hex(),
    sealed_at: now.toISOString(),
  };
  const jws = await new CompactSign(new TextEncoder().encode(canonicalJson(doc)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CHECKPOINT_JWS_TYPE })
    .sign(key.privateKey);
  try {
    const [row] = await db
      .insert(auditCheckpoints)
      .values({
        seq: doc.seq,
        createdAt: now,
        firstId: first,
        lastId: last,
        eventCount: doc.count,
        minTs: new Date(minTs),
        maxTs: new Date(maxTs),
        hash: documentHash(doc),
        document: doc,
        jws,
        leaves: Buffer.concat(leaves),
      })
      .returning();
    return row ?? null;
  } catch (error) {
    if (isUniqueViolation(error)) return null; // another instance sealed this range first
    throw error;
  }
}
