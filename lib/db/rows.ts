import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { handleOf } from "./client";
import type { Db, Executor } from "./types";

/** Runs raw SQL and returns its rows the same way on both drivers. */
export async function queryRows<T>(db: Executor, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

const dialect = new PgDialect();

/**
 * queryRows for a hot statement whose text never changes (its values travel as parameters).
 * drizzle sends every statement unprepared, and postgres.js then describes each one with
 * parameters in a round trip of its own before running it: two writes and two waits per
 * query. Prepared (by its text, once per pooled connection, as postgres.js does by default),
 * the statement runs in one. Only for fixed texts: each distinct text stays prepared on its
 * connection for the connection's life. PGlite runs in-process and has no round trips to save;
 * with DATABASE_PREPARED_STATEMENTS=false (a pooler that cannot hold them) it runs unprepared.
 */
export async function queryPrepared<T>(db: Db, query: SQL): Promise<T[]> {
  const handle = handleOf(db);
  if (!handle.prepared || !handle.sql) return queryRows<T>(db, query);
  const { sql: text, params } = dialect.sqlToQuery(query);
  return (await handle.sql.unsafe(text, params as never[], { prepare: true })) as unknown as T[];
}
