import type { Executor } from "@/lib/db/types";
import { queryRows } from "@/lib/db/rows";
import { timed } from "@/lib/observability/metrics";
import { batchStatement } from "./batch-sql";
import { toRow, type AuditInput } from "./event";

/**
 * Appends one event on the given executor. Pass the transaction of the change it records:
 * if the event cannot be written, the change is rolled back with it. Call it last in the
 * transaction: from here to the commit the log's tail lock is held (tail.ts).
 */
export async function appendAudit(db: Executor, input: AuditInput): Promise<number> {
  const [row] = await timed("audit_append", () =>
    queryRows<{ first_id: number | string | null }>(db, batchStatement([toRow(input)], [], [], [])),
  );
  if (!row || row.first_id === null) throw new Error("audit insert returned no id");
  return Number(row.first_id);
}

/** Several events in one statement (one tail-lock acquisition); same rules as appendAudit. */
export async function appendAuditMany(db: Executor, inputs: AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  await timed("audit_append", () => queryRows(db, batchStatement(inputs.map(toRow), [], [], [])));
}
