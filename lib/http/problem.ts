import { AppError, ForbiddenError, UnauthorizedError, ValidationError } from "@/lib/errors";
import { OAuthError } from "@/lib/identity/oauth-error";

const JSON_HEADERS = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };

// The text and headers of responses built here, kept beside a Response made with neither:
// undici turns a string body into a stream (about 16 µs a response here, against 1.6 µs
// without) and validates and copies each header of a `Headers` init (the gateway
// validator's identity headers were 6 % of a call). The wrapper (`runRoute`) moves the
// headers into its own (Answer.headers), which both doors write; the fast lane writes the
// text as it is, and doors that hand the Response on (Next's) take `materialised`.
// Only for responses that leave through the wrapper, the 405 in dispatch or `materialised`.
type Beside = { text?: string; headers: Record<string, string> };
const beside = new WeakMap<Response, Beside>();

export function serialisedBody(response: Response): string | undefined {
  return beside.get(response)?.text;
}

export function headersBeside(response: Response): Record<string, string> | undefined {
  return beside.get(response)?.headers;
}

/** A response with its headers (and text, if any) beside it (see above). */
export function lightResponse(status: number, headers: Record<string, string>, text?: string): Response {
  const response = new Response(null, { status });
  beside.set(response, text === undefined ? { headers } : { text, headers });
  return response;
}

/** The response with its body and headers in it, for whoever reads `response.body` or `response.headers`. */
export function materialised(response: Response): Response {
  const held = beside.get(response);
  if (!held) return response;
  const whole = new Response(held.text ?? null, { status: response.status, headers: response.headers });
  for (const [name, value] of Object.entries(held.headers)) whole.headers.set(name, value);
  return whole;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return lightResponse(status, { "Content-Type": "application/json", ...JSON_HEADERS, ...headers }, JSON.stringify(body));
}

/** RFC 9457 problem details. `detail` is written for the person reading it. */
export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return lightResponse(status, { "Content-Type": "application/problem+json", ...JSON_HEADERS, ...headers }, JSON.stringify({ type: "about:blank", title, status, detail, ...extra }));
}

/** The one place typed errors become HTTP. */
export function errorResponse(error: AppError, requestId: string): Response {
  if (error instanceof OAuthError) {
    return json({ error: error.error, error_description: error.description }, error.status, { Pragma: "no-cache", ...error.headers });
  }
  const headers: Record<string, string> = { ...error.headers };
  if (error instanceof UnauthorizedError) headers["WWW-Authenticate"] = error.challenge;
  if (error instanceof ForbiddenError && error.requiredScope) {
    headers["WWW-Authenticate"] = `Bearer realm="vigil", error="insufficient_scope", scope="${error.requiredScope}"`;
  }
  const extra: Record<string, unknown> = { request_id: requestId };
  if (error instanceof ValidationError && error.fields.length > 0) extra.errors = error.fields;
  return problem(error.status, error.title, error.message, extra, headers);
}
