import { parseQuery } from "@/lib/audit/query/parser";
import { QuerySyntaxError } from "@/lib/audit/query/errors";

export type Feedback = { ok: true } | { ok: false; position: number; detail: string };

/** The same parser the API runs, in the browser: feedback on every keystroke, no request. */
export function checkQuery(q: string): Feedback {
  if (!q.trim()) return { ok: true };
  try {
    parseQuery(q);
    return { ok: true };
  } catch (error) {
    if (error instanceof QuerySyntaxError) return { ok: false, position: error.position, detail: error.detail };
    return { ok: false, position: 1, detail: error instanceof Error ? error.message : "not a query" };
  }
}
