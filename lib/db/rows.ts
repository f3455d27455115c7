import type { SQL } from "drizzle-orm";
import type { Executor } from "./types";

/** Runs raw SQL and returns its rows the same way on both drivers. */
export async function queryRows<T>(db: Executor, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}
