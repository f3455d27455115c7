import type { Executor } from "@/lib/db/types";
import { queryRows } from "@/lib/db/rows";
import { timed } from "@/lib/observability/metrics";
import { batchStatement } from "./batch-sql";
import { toRow, type AuditInput } from "./event";

/**
 * Appends events on the given transaction in one statement (one tail-lock acquisition).
 * Only the commit helper (commit.ts) calls this: it runs it last in the transaction of the
 * change, as the tail lock requires (tail.ts). Returns the first id written, or null.
 */
export async function appendEvents(tx: Executor, inputs: AuditInput[]): Promise<number | null> {
  if (inputs.length === 0) return null;
  const [row] = await timed("audit_append", () =>
    queryRows<{ first_id: number | string | null }>(tx, batchStatement(inputs.map(toRow), [], [], [])),
  );
  if (!row || row.first_id === null) throw new Error("audit insert returned no id");
  return Number(row.first_id);
}
