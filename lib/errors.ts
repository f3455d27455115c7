/**
 * Typed errors, mapped to HTTP once (lib/http/problem.ts). Verbs throw these; nothing
 * matches on message text.
 */
/** A problem with one field; `line`/`column` (1-based) when the field is a text with positions (policies). */
export type FieldProblem = { path: string; message: string; line?: number; column?: number; policy?: string };

export class AppError extends Error {
  readonly status: number = 500;
  readonly title: string = "Internal Server Error";
  readonly headers: Record<string, string> = {};
}

export class ValidationError extends AppError {
  override readonly status = 400;
  override readonly title = "Invalid request";
  constructor(
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends AppError {
  override readonly status = 401;
  override readonly title = "Unauthorized";
  constructor(
    message: string,
    readonly challenge: string,
  ) {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  override readonly status = 403;
  override readonly title = "Forbidden";
  constructor(
    message: string,
    readonly requiredScope?: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends AppError {
  override readonly status = 404;
  override readonly title = "Not Found";
}

export class MethodNotAllowedError extends AppError {
  override readonly status = 405;
  override readonly title = "Method Not Allowed";
  constructor(allowed: string[]) {
    super(`Use ${allowed.join(", ")} on this path.`);
    this.headers.Allow = allowed.join(", ");
  }
}

export class ConflictError extends AppError {
  override readonly status = 409;
  override readonly title = "Conflict";
}

export class PayloadTooLargeError extends AppError {
  override readonly status = 413;
  override readonly title = "Payload Too Large";
}

export class UnsupportedMediaTypeError extends AppError {
  override readonly status = 415;
  override readonly title = "Unsupported Media Type";
}

export class TooManyRequestsError extends AppError {
  override readonly status = 429;
  override readonly title = "Too Many Requests";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.headers["Retry-After"] = String(retryAfterSeconds);
  }
}

/** A peer Vigil depends on (Alertmanager) failed; the message carries the peer's own error. */
export class BadGatewayError extends AppError {
  override readonly status = 502;
  override readonly title = "Bad Gateway";
}

export class ServiceUnavailableError extends AppError {
  override readonly status = 503;
  override readonly title = "Service Unavailable";
}
