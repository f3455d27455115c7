import { z } from "zod";
import { ValidationError } from "./errors";

/** zod at the edge: a failed parse becomes a 400 naming each offending field. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return { path: issue.keys.join(", "), message: `unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}` };
    }
    return { path: path || "(body)", message: issue.message };
  });
  const summary = fields.map((f) => (f.message.startsWith("unknown field") ? f.message : `${f.path}: ${f.message}`));
  throw new ValidationError(summary.join("; "), fields);
}

/** The input of a verb that takes no fields besides its path parameters. */
export const noFields = z.strictObject({});

/**
 * A verb's input as its path parameters and its other fields, parsed by `schema` (none by
 * default: an unknown query or body field is a 400 naming it). The route wrapper puts each
 * path parameter in the input as a string and refuses the same name in the query or body; a
 * direct caller (a page, a test) passes them the same way.
 */
export function parseWithParams<K extends string, S extends z.ZodType = typeof noFields>(
  raw: unknown,
  names: readonly K[],
  schema?: S,
): { params: Record<K, string>; input: z.output<S> } {
  const all = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const params = {} as Record<K, string>;
  const rest: Record<string, unknown> = { ...all };
  for (const name of names) {
    const value = all[name];
    // A missing or non-string id is simply an unknown one: the lookup answers 404.
    params[name] = typeof value === "string" ? value : "";
    delete rest[name];
  }
  return { params, input: parseInput(schema ?? noFields, rest) as z.output<S> };
}
