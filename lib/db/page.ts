import { ValidationError } from "@/lib/errors";

/** Opaque keyset cursors: base64url JSON, so clients do not build them by hand. */
export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor(cursor: string, ...fields: string[]): string[] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
    return fields.map((f) => {
      const v = value[f];
      if (typeof v !== "string" || v.length > 100) throw new Error(f);
      return v;
    });
  } catch {
    throw new ValidationError("cursor: not a cursor this API issued; use next_cursor from a previous page", [
      { path: "cursor", message: "invalid cursor" },
    ]);
  }
}

/**
 * One page of a keyset read: the caller asks the database for `limit + 1` rows in its key
 * order; the extra row only says whether a next page exists, and `next` is the key of the
 * last row shown (null on the last page). Every list pages this way: no OFFSET, no count.
 */
export function keysetPage<T, K>(rows: T[], limit: number, keyOf: (last: T) => K): { items: T[]; next: K | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? keyOf(last) : null };
}
