import type { z } from "zod";
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
