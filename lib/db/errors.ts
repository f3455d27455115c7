/** PostgreSQL SQLSTATE of an error from either driver (drizzle wraps it in `cause`). */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown) => sqlState(error) === "23505";

// Node's socket errors and postgres.js's own (a connection closed under a query, ended,
// destroyed, or never opened in time).
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "CONNECT_TIMEOUT", "CONNECTION_ENDED", "CONNECTION_CLOSED", "CONNECTION_DESTROYED", "DATABASE_DOWN"]);

/**
 * The database's storage is full: PostgreSQL's `disk_full` (53100), or the file system's
 * ENOSPC surfacing from the embedded database. Reads still work; writes fail until space is
 * freed.
 */
export function isStorageFull(error: unknown): boolean {
  if (sqlState(error) === "53100") return true;
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    if ((e as { code?: unknown }).code === "ENOSPC" || /No space left on device/.test(String((e as { message?: unknown }).message ?? ""))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Connection-level failures: the database is down or unreachable, not the input wrong. */
export function isConnectionError(error: unknown): boolean {
  const state = sqlState(error);
  if (state && /^(08|57P0|53)/.test(state)) return true;
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
