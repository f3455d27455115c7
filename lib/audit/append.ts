import { auditEvents } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { timed } from "@/lib/observability/metrics";
import { toRow, type AuditInput } from "./event";

/**
 * Appends one event on the given executor. Pass the transaction of the change it records:
 * if the event cannot be written, the change is rolled back with it.
 */
export async function appendAudit(db: Executor, input: AuditInput): Promise<number> {
  const [row] = await timed("audit_append", () =>
    db.insert(auditEvents).values(toRow(input)).returning({ id: auditEvents.id }),
  );
  if (!row) throw new Error("audit insert returned no id");
  return row.id;
}
