import { OAuthError, ProblemError, UnreachableError } from "@vigil/client";

/** One line saying what went wrong, from the problem's title and detail (never a secret: the API does not echo them). */
export function errorLine(error: unknown): string {
  if (error instanceof ProblemError) {
    // Field errors the detail does not already say, on the same line.
    const fields = error.errors.filter((e) => !error.detail.includes(e.message)).map((e) => `${e.path}: ${e.message}`).join("; ");
    const detail = [error.detail, fields].filter(Boolean).join("; ");
    return `${error.title}${detail ? `: ${detail}` : ""} [${error.status}]`;
  }
  if (error instanceof OAuthError) return `${error.error}${error.description ? `: ${error.description}` : ""} [${error.status}]`;
  if (error instanceof UnreachableError) return `cannot reach Vigil at ${error.url} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
