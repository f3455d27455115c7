import { and, desc, gt, gte, lt, lte, min, not, sql } from "drizzle-orm";
import { auditCheckpoints, auditEvents, auditRetentionRuns } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import { noRequest } from "@/lib/context";
import { queryRows } from "@/lib/db/rows";
import type { Db } from "@/lib/db/types";
import { commit } from "../commit";
import { dailyPartitions, type DailyPartition } from "./partitions";
import { heldCondition } from "./holds";
import { RETENTION_LOCK } from "./lock";

const DAY_MS = 86_400_000;

export type RetentionResult = {
  cutoff: string;
  through_id: number;
  through_seq: number;
  dropped_partitions: string[];
  removed: number;
  held: boolean;
} | null;

/**
 * Removes events older than AUDIT_RETENTION_DAYS, but only events a checkpoint has sealed
 * (and whose whole checkpoint is past the cutoff), and never events under a legal hold.
 * Whole daily partitions are dropped when everything in them may go; what remains past the
 * cutoff (a partition with held events, the default partition) is deleted row by row. The
 * run, its audit event and its record commit together; on several instances one runs.
 */
export async function runRetention(db: Db, now = new Date(), by = "system:retention"): Promise<RetentionResult> {
  // no-scope: a background job of the process itself (and an admin's test run); no caller to check.
  const cutoff = new Date(now.getTime() - getConfig().AUDIT_RETENTION_DAYS * DAY_MS);
  const nothing = { value: null, events: [] };
  return commit({ ...noRequest, db, by }, async (tx) => {
    const [lock] = await queryRows<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${RETENTION_LOCK}) as locked`);
    if (!lock?.locked) return nothing;

    // The newest checkpoint such that it and every one before it ended before the cutoff.
    const [young] = await tx.select({ seq: min(auditCheckpoints.seq) }).from(auditCheckpoints).where(gte(auditCheckpoints.maxTs, cutoff));
    const [through] = await tx
      .select({ seq: auditCheckpoints.seq, lastId: auditCheckpoints.lastId })
      .from(auditCheckpoints)
      .where(young?.seq ? lt(auditCheckpoints.seq, young.seq) : undefined)
      .orderBy(desc(auditCheckpoints.seq))
      .limit(1);
    if (!through) return nothing;
    const held = await heldCondition(tx);
    const expired = and(lte(auditEvents.id, through.lastId), lt(auditEvents.ts, cutoff));
    const removable = held ? and(expired, not(held)) : expired;

    // Which whole partitions may go (read-only checks first)...
    const droppable: DailyPartition[] = [];
    for (const p of await dailyPartitions(tx)) {
      if (p.to > cutoff) break;
      const inPartition = and(gte(auditEvents.ts, p.from), lt(auditEvents.ts, p.to));
      const [keep] = await tx
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(and(inPartition, held ? sql`(${gt(auditEvents.id, through.lastId)} or ${held})` : gt(auditEvents.id, through.lastId)))
        .limit(1);
      if (!keep) droppable.push(p);
    }
    // ...then row deletes elsewhere (row locks only; inserts carry on)...
    const elsewhere = droppable.map((p) => sql`not (${and(gte(auditEvents.ts, p.from), lt(auditEvents.ts, p.to))})`);
    const [deleted] = await queryRows<{ n: string | number }>(
      tx,
      sql`with d as (delete from audit_events where ${and(removable, ...elsewhere)} returning 1) select count(*) as n from d`,
    );
    let removed = Number(deleted?.n ?? 0);
    // ...and the drops last: dropping a partition locks the whole log exclusively until
    // commit, so that window is kept to the drops, the record and the commit.
    const dropped: string[] = [];
    for (const p of droppable) {
      // The name comes from pg_class and matched audit_events_pYYYYMMDD: not user input.
      const [counted] = await queryRows<{ n: string | number }>(tx, sql`select count(*) as n from ${sql.raw(p.name)}`);
      await tx.execute(sql.raw(`drop table ${p.name}`));
      dropped.push(p.name);
      removed += Number(counted?.n ?? 0);
    }
    if (removed === 0) return nothing; // (empty partitions may have gone: nothing to record)

    const result = { cutoff: cutoff.toISOString(), through_id: through.lastId, through_seq: through.seq, dropped_partitions: dropped, removed, held: held !== null };
    await tx.insert(auditRetentionRuns).values({ cutoff, throughId: through.lastId, throughSeq: through.seq, removed, detail: result, by });
    return { value: result, events: [{ kind: "audit.retention", outcome: "success", metadata: { ...result, retention_days: getConfig().AUDIT_RETENTION_DAYS } }] };
  });
}
