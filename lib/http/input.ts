import { ValidationError } from "@/lib/errors";
import { assertNoNulIn } from "./body";
import type { VerbInput } from "./types";

function isEmpty(fields: Record<string, unknown>): boolean {
  for (const _ in fields) return false;
  return true;
}

/**
 * Query string as a plain object; a repeated parameter is a 400, not a silent pick, except
 * those the route says may repeat (RFC 8707 `resource`), which become lists.
 */
export function queryObject(url: URL, repeatable: readonly string[] = []): Record<string, string | string[]> {
  if (url.search === "") return {};
  assertNoNulIn(url.searchParams, "The query string");
  const out = new Map<string, string | string[]>();
  for (const [key, value] of url.searchParams) {
    const held = out.get(key);
    if (held === undefined) out.set(key, value);
    else if (repeatable.includes(key)) out.set(key, [held, value].flat());
    else throw new ValidationError(`Query parameter ${key} must not repeat.`, [{ path: key, message: "repeated" }]);
  }
  return Object.fromEntries(out);
}

type Sources = {
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  body: Record<string, unknown>;
  /** Fields taken from request headers: they win over the same field in the query. */
  headers: Record<string, string>;
};

/**
 * The verb's one input: path parameters, query and body. A field may come from one place
 * only: `?id=` or a body `id` next to a path's `:id` would be a second, silently ignored
 * answer to the same question, so it is refused naming both places.
 */
export function assembleInput({ params, query, body, headers }: Sources): VerbInput {
  // The hot paths (a token request: a form and nothing else) have one source: nothing to join.
  if (isEmpty(params) && isEmpty(query) && isEmpty(headers)) return body;
  const input = new Map<string, unknown>();
  const from = new Map<string, string>();
  const put = (where: string, fields: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(fields)) {
      const earlier = from.get(key);
      if (earlier) {
        const message = earlier === "path" ? `${key} is set by the path; do not send it in the ${where}.` : `${key} is given in both the ${earlier} and the ${where}; send it once.`;
        throw new ValidationError(message, [{ path: key, message: `given twice (${earlier}, ${where})` }]);
      }
      input.set(key, value);
      from.set(key, where);
    }
  };
  put("path", params);
  put("query", Object.fromEntries(Object.entries(query).filter(([key]) => !(key in headers))));
  put("body", body);
  put("headers", headers);
  return Object.fromEntries(input);
}
