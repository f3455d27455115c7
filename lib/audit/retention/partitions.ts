import { sql } from "drizzle-orm";
import { queryRows } from "@/lib/db/rows";
import type { Executor } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";

const DAY_MS = 86_400_000;
const NAME = /^audit_events_p(\d{4})(\d{2})(\d{2})$/;

export type DailyPartition = { name: string; from: Date; to: Date };

const dayStart = (t: number) => new Date(Math.floor(t / DAY_MS) * DAY_MS);
const nameFor = (day: Date) => `audit_events_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;

/**
 * Daily partitions (UTC) from yesterday to three days ahead, so a write never waits for one
 * and a late clock still lands in a partition of its own. Idempotent; run at start and by
 * the maintenance job.
 */
export async function ensurePartitions(db: Executor, now = Date.now()): Promise<void> {
  for (let d = -1; d <= 3; d++) {
    const from = dayStart(now + d * DAY_MS);
    const to = new Date(from.getTime() + DAY_MS);
    try {
      // Identifiers cannot be parameters; the name is built from a date, never from input.
      await db.execute(
        sql.raw(`create table if not exists ${nameFor(from)} partition of audit_events for values from ('${from.toISOString()}') to ('${to.toISOString()}')`),
      );
    } catch (error) {
      // Rows for that day already sit in the default partition: they stay there (retention
      // deletes them row by row) and the day goes without a partition of its own.
      getLogger().warn({ err: error, partition: nameFor(from) }, "audit partition not created");
    }
  }
}

/** The daily partitions that exist, oldest first (the default partition is not among them). */
export async function dailyPartitions(db: Executor): Promise<DailyPartition[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'audit_events'::regclass`,
  );
  return rows
    .map(({ name }) => {
      const m = NAME.exec(name);
      if (!m) return null;
      const from = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
      return { name, from, to: new Date(from.getTime() + DAY_MS) };
    })
    .filter((p): p is DailyPartition => p !== null)
    .sort((a, b) => a.from.getTime() - b.from.getTime());
}
