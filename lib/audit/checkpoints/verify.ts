import { and, asc, count, eq, gt, gte, lte, max, type SQL } from "drizzle-orm";
import { createLocalJWKSet } from "jose";
import { z } from "zod";
import { auditCheckpoints, auditEvents, auditRetentionRuns, type AuditCheckpointRow } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { requireScope, type Actor } from "@/lib/gate/actor";
import { allPublicKeys, loadKeyring } from "@/lib/identity/keys/keyring";
import { parseInput } from "@/lib/validation";
import { checkEvents, checkLink, checkSignature, checkStoredDocument, type Finding } from "./check";
import type { CheckpointDocument } from "./digest";
import { eventsInRange } from "./events";
import { rfc3339 } from "../time-input";

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
  /** Checkpoints whose events retention has removed: their signatures and chain still count. */
  expired_checkpoints: number;
  /** Committed after the newest checkpoint: the next checkpoint will seal them. */
  unsealed_events: number;
  first_checkpoint: number | null;
  last_checkpoint: number | null;
  finding: Finding | null;
};

async function checkpointNumbered(db: Executor, seq: number): Promise<AuditCheckpointRow | undefined> {
  const [row] = await db.select().from(auditCheckpoints).where(eq(auditCheckpoints.seq, seq));
  return row;
}

/**
 * Recomputes the checkpoints sealed in [since, until] (all of them by default) from the
 * events in the database and reports the first checkpoint or event that does not match.
 */
export async function verifyAudit(db: Executor, actor: Actor, raw: unknown): Promise<VerifyReport> {
  requireScope(actor, "audit:read");
  const input = parseInput(verifyInput, raw ?? {});
  const where: SQL[] = [];
  if (input.since) where.push(gte(auditCheckpoints.maxTs, new Date(input.since)));
  if (input.until) where.push(lte(auditCheckpoints.minTs, new Date(input.until)));
  const [expiry] = await db.select({ seq: max(auditRetentionRuns.throughSeq) }).from(auditRetentionRuns);
  const expiredThrough = expiry?.seq ?? 0;
  // Fresh keys: another instance may have added one since this one's last refresh.
  await loadKeyring(db);
  const getKey = createLocalJWKSet({ keys: allPublicKeys() });

  const report: VerifyReport = {
    ok: true,
    checked_checkpoints: 0,
    checked_events: 0,
    expired_checkpoints: 0,
    unsealed_events: 0,
    first_checkpoint: null,
    last_checkpoint: null,
    finding: null,
  };
  const fail = (finding: Finding) => {
    report.ok = false;
    report.finding = finding;
    return report;
  };

  let prevDoc: CheckpointDocument | null = null;
  let prevLoaded = false;
  let lastId = 0;
  let seqCursor = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditCheckpoints)
      .where(and(gte(auditCheckpoints.seq, seqCursor + 1), ...where))
      .orderBy(asc(auditCheckpoints.seq))
      .limit(100);
    for (const row of page) {
      if (!prevLoaded) {
        prevLoaded = true;
        const before = row.seq > 1 ? await checkpointNumbered(db, row.seq - 1) : undefined;
        if (before) {
          const signed = await checkSignature(before.seq, before.jws, getKey);
          if ("finding" in signed) return fail(signed.finding);
          prevDoc = signed.doc;
        } else if (row.seq > 1) {
          return fail({ seq: row.seq - 1, problem: "chain", detail: `checkpoint ${row.seq - 1} is missing` });
        }
      }
      report.first_checkpoint ??= row.seq;
      report.last_checkpoint = row.seq;
      const signed = await checkSignature(row.seq, row.jws, getKey);
      if ("finding" in signed) return fail(signed.finding);
      const doc = signed.doc;
      const problem =
        checkStoredDocument(doc, row.document, row.hash) ??
        checkLink(prevDoc, doc) ??
        (row.seq <= expiredThrough ? null : await checkEvents(doc, eventsInRange(db, doc.first_id, doc.last_id), Buffer.from(row.leaves)));
      if (problem) return fail(problem);
      if (row.seq <= expiredThrough) report.expired_checkpoints += 1;
      else report.checked_events += doc.count;
      report.checked_checkpoints += 1;
      prevDoc = doc;
      lastId = doc.last_id;
      seqCursor = row.seq;
    }
    if (page.length < 100) break;
  }
  if (!input.until) {
    const [pending] = await db.select({ n: count() }).from(auditEvents).where(gt(auditEvents.id, lastId));
    report.unsealed_events = Number(pending?.n ?? 0);
  }
  return report;
}
