import { sql } from "drizzle-orm";
import { queryRows } from "@/lib/db/rows";
import type { Executor } from "@/lib/db/types";

/**
 * How far sealing is behind: the age of the oldest event after the newest checkpoint (0 when
 * everything is sealed). Reads only the unsealed tail by id, so it stays cheap on a large log.
 */
export async function checkpointLagSeconds(db: Executor): Promise<number> {
  const [row] = await queryRows<{ lag: number | string | null }>(
    db,
    sql`select extract(epoch from now() - min(ts)) as lag from audit_events
        where id > coalesce((select max(last_id) from audit_checkpoints), 0)`,
  );
  return Math.max(0, Number(row?.lag ?? 0));
}
