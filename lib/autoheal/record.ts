import { appendAuditMany } from "@/lib/audit/append";
import type { AuditInput } from "@/lib/audit/event";
import { inTransaction } from "@/lib/db/transaction";
import type { Executor, Tx } from "@/lib/db/types";
import { getMetrics } from "@/lib/observability/metrics";

/** The autoheal event kinds (issue 4), plus the two refusals named apart from success. */
export type AutohealEventKind =
  | "alert_received"
  | "alert_resolved"
  | "action_dry_run"
  | "action_ok"
  | "action_fail"
  | "action_skipped_cooldown"
  | "action_skipped_disabled"
  | "ack"
  | "ack_failed"
  | "autoheal_toggled"
  | "heartbeat";

export type AutohealEvent = AuditInput & { kind: AutohealEventKind };

/**
 * A transaction whose audit events are appended last, as lib/audit/tail.ts requires (the
 * tail lock is held from the insert to the commit, so nothing else may run after it). The
 * append is timed into autoheal_audit_write_seconds; events are counted once committed.
 */
export async function commitWithEvents<T>(
  db: Executor,
  work: (tx: Tx) => Promise<{ value: T; events: AutohealEvent[] }>,
): Promise<T> {
  const m = getMetrics();
  const { value, events } = await inTransaction(db, async (tx) => {
    const done = await work(tx);
    const end = m.autohealAuditWrite.startTimer();
    await appendAuditMany(tx, done.events);
    end();
    return done;
  });
  for (const e of events) m.autohealEvents.inc({ kind: e.kind });
  return value;
}
