/**
 * What a call to Vigil can fail with, as types a caller can branch on without reading
 * message text: RFC 9457 problems from the API, RFC 6749 errors from the OAuth endpoints,
 * and "could not reach it at all".
 */

/** One field's problem, as the API's 400s list them (`errors`). */
export type FieldProblem = { path: string; message: string; line?: number; column?: number };

/** Base class: every error the client throws on purpose. `status` is null when nothing answered. */
export class VigilError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "VigilError";
  }
}

/** An `application/problem+json` answer (RFC 9457). */
export class ProblemError extends VigilError {
  constructor(
    status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldProblem[] = [],
    readonly requestId: string | null = null,
  ) {
    super(detail ? `${title}: ${detail}` : title, status);
    this.name = "ProblemError";
  }
}

/** An OAuth error (`{error, error_description}`, RFC 6749 §5.2) from the token endpoints. */
export class OAuthError extends VigilError {
  constructor(
    status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description ? `${error}: ${description}` : error, status);
    this.name = "OAuthError";
  }
}

/** Any other non-2xx answer (a proxy's HTML page, a bare 502). */
export class HttpError extends VigilError {
  constructor(
    status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}${body ? `: ${body}` : ""}`, status);
    this.name = "HttpError";
  }
}

/** Nothing answered: connection refused, DNS, TLS, timeout. `code` is the system's (ECONNREFUSED). */
export class UnreachableError extends VigilError {
  constructor(
    readonly url: string,
    readonly code: string,
  ) {
    super(`cannot reach ${url} (${code})`, null);
    this.name = "UnreachableError";
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The typed error for a non-2xx response, from its body. Reads the body. */
export async function errorFrom(response: Response): Promise<VigilError> {
  const text = await response.text().catch(() => "");
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const type = response.headers.get("content-type") ?? "";
  if (isObject(body) && (type.includes("problem+json") || typeof body.title === "string")) {
    const errors = Array.isArray(body.errors) ? (body.errors.filter(isObject) as FieldProblem[]) : [];
    return new ProblemError(
      response.status,
      String(body.title ?? `HTTP ${response.status}`),
      typeof body.detail === "string" ? body.detail : "",
      errors,
      typeof body.request_id === "string" ? body.request_id : null,
    );
  }
  if (isObject(body) && typeof body.error === "string") {
    return new OAuthError(response.status, body.error, typeof body.error_description === "string" ? body.error_description : "");
  }
  // Never a whole HTML page in a one-line error.
  return new HttpError(response.status, text.replace(/\s+/g, " ").trim().slice(0, 200));
}

/** fetch's TypeError("fetch failed") hides the reason in `cause`; name it (a system code, or the deepest message). */
export function unreachable(url: string, error: unknown): UnreachableError {
  let reason = error instanceof Error ? error.message : String(error);
  let cause: unknown = error;
  for (let i = 0; i < 5 && isObject(cause); i++) {
    if (typeof cause.code === "string") return new UnreachableError(url, cause.code);
    if (cause instanceof Error && cause !== error) reason = cause.message;
    cause = cause.cause;
  }
  return new UnreachableError(url, reason);
}
