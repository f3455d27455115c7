import { asc, count, eq, gt } from "drizzle-orm";
import { createLocalJWKSet } from "jose";
import { z } from "zod";
import { auditCheckpoints, auditEvents } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import type { Executor } from "@/lib/db/types";
import { loadKeyring, trustedPublicKeys } from "@/lib/keys/keyring";
import { parseInput } from "@/lib/validation";
import { toView } from "../list";
import { rfc3339 } from "../inputs";
import { checkEvents, checkLink, checkSignature, checkStoredDocument, inTimeRange, isExpired, retentionMarks, type Finding, type RetentionMark } from "./check";
import type { CheckpointDocument } from "./digest";
import { eventsInRange } from "./events";

export const verifyInput = z
  .object({
    since: rfc3339("since"),
    until: rfc3339("until"),
  })
  .strict();

export type VerifyReport = {
  ok: boolean;
  checked_checkpoints: number;
  checked_events: number;
  /** Checkpoints whose events retention has (partly) removed: what is left is still checked. */
  expired_checkpoints: number;
  /** Committed after the newest checkpoint: the next checkpoint will seal them. */
  unsealed_events: number;
  first_checkpoint: number | null;
  last_checkpoint: number | null;
  /** The newest checkpoint's hash: keep it, and pass it back later as an anchor. */
  last_hash: string | null;
  finding: Finding | null;
};

const PAGE = 500;

async function marksFrom(db: Executor): Promise<RetentionMark[]> {
  const rows = await db.select().from(auditEvents).where(eq(auditEvents.kind, "audit.retention"));
  return retentionMarks(rows.map(toView));
}

/**
 * Walks the whole chain from checkpoint 1 (signatures, stored documents, links: cheap) and
 * recomputes from the events the checkpoints whose signed time range meets [since, until]
 * (all of them by default). Reports the first checkpoint or event that does not match.
 * Only keys this instance holds the private half of are trusted (keyring `trusted`).
 */
export async function verifyAudit(ctx: VerbCtx, raw: unknown = {}): Promise<VerifyReport> {
  requireScope(ctx.actor, "audit:read");
  const input = parseInput(verifyInput, raw);
  // One at a time per instance: a verify reads the whole log, and readers may ask at once.
  const turn = queue.then(() => verifyNow(ctx.db, input));
  queue = turn.catch(() => undefined);
  return turn;
}

let queue: Promise<unknown> = Promise.resolve();

async function verifyNow(db: Executor, input: z.output<typeof verifyInput>): Promise<VerifyReport> {
  // Fresh keys: another instance may have added one since this one's last refresh.
  await loadKeyring(db);
  const getKey = createLocalJWKSet({ keys: trustedPublicKeys() });
  let marks = await marksFrom(db);

  const report: VerifyReport = {
    ok: true,
    checked_checkpoints: 0,
    checked_events: 0,
    expired_checkpoints: 0,
    unsealed_events: 0,
    first_checkpoint: null,
    last_checkpoint: null,
    last_hash: null,
    finding: null,
  };
  const fail = (finding: Finding) => {
    report.ok = false;
    report.finding = finding;
    return report;
  };

  let prev: CheckpointDocument | null = null;
  for (let after = 0; ; ) {
    const page = await db.select().from(auditCheckpoints).where(gt(auditCheckpoints.seq, after)).orderBy(asc(auditCheckpoints.seq)).limit(PAGE);
    for (const row of page) {
      const signed = await checkSignature(row.seq, row.jws, getKey);
      if ("finding" in signed) return fail(signed.finding);
      const doc = signed.doc;
      const problem = checkStoredDocument(doc, row.document, row.hash) ?? checkLink(prev, doc);
      if (problem) return fail(problem);
      prev = doc;
      after = row.seq;
      report.last_hash = row.hash;
      if (!inTimeRange(doc, input.since, input.until)) continue;
      report.first_checkpoint ??= row.seq;
      report.last_checkpoint = row.seq;
      const leaves = Buffer.from(row.leaves);
      let expired = isExpired(doc, marks);
      let found = await checkEvents(doc, eventsInRange(db, doc.first_id, doc.last_id), leaves, expired);
      if (found && !expired && (found.problem === "deleted" || found.problem === "digest")) {
        // Retention may have committed while we read: look again before calling it tampering.
        marks = await marksFrom(db);
        expired = isExpired(doc, marks);
        if (expired) found = await checkEvents(doc, eventsInRange(db, doc.first_id, doc.last_id), leaves, true);
      }
      if (found) return fail(found);
      report.checked_checkpoints += 1;
      if (expired) report.expired_checkpoints += 1;
      else report.checked_events += doc.count;
    }
    if (page.length < PAGE) break;
  }
  if (input.until) return report;

  // Past the newest checkpoint: events wait at most a few intervals to be sealed. Older
  // unsealed events mean sealing stopped, or checkpoints were deleted to hide a change.
  const lastId = prev?.last_id ?? 0;
  const [pending] = await db.select({ n: count() }).from(auditEvents).where(gt(auditEvents.id, lastId));
  report.unsealed_events = Number(pending?.n ?? 0);
  const [oldest] = await db.select({ id: auditEvents.id, ts: auditEvents.ts }).from(auditEvents).where(gt(auditEvents.id, lastId)).orderBy(asc(auditEvents.ts)).limit(1);
  const allowedMs = (5 * getConfig().AUDIT_CHECKPOINT_SECONDS + 300) * 1000;
  if (oldest && oldest.ts.getTime() < Date.now() - allowedMs) {
    return fail({
      seq: (prev?.seq ?? 0) + 1,
      problem: "unsealed",
      event_id: String(oldest.id),
      detail: `events from ${oldest.ts.toISOString()} on are not sealed by any checkpoint: sealing has stopped, or checkpoints were removed`,
    });
  }
  return report;
}
