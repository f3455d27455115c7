import type { Executor, Tx } from "./types";

/**
 * Runs `work` in a transaction (a savepoint when already inside one), so a change and its
 * audit event commit or roll back together.
 */
export function inTransaction<T>(db: Executor, work: (tx: Tx) => Promise<T>): Promise<T> {
  return (db as Tx).transaction(work);
}
