import { getConfig } from "@/lib/config";
import type { IncomingRequest } from "@/lib/context";
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from "@/lib/errors";
import type { BodyKind } from "./types";
import { readBounded } from "@/lib/streams";

/** Bytes a body may have unless its route says otherwise (MAX_BODY_BYTES). */
export const defaultBodyLimit = () => getConfig().MAX_BODY_BYTES;

// Bodies the fast lane has already read off the socket (bounded by the limit), keyed by
// their Request. Handlers read through readText either way; under Next the stream is read.
const buffered = new WeakMap<IncomingRequest, Buffer>();

/** The fast lane hands over a body it buffered, sparing a second pass through a stream. */
export function attachBody<R extends IncomingRequest>(request: R, body: Buffer): R {
  buffered.set(request, body);
  return request;
}

/** Reads at most `limit` bytes; a longer body is a 413, never a buffered megabyte. */
export async function readText(request: IncomingRequest, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new PayloadTooLargeError(`The body is ${declared} bytes; the limit is ${limit}.`);
  const attached = buffered.get(request);
  if (attached) {
    if (attached.length > limit) throw new PayloadTooLargeError(`The body exceeds the limit of ${limit} bytes.`);
    return attached.toString("utf8");
  }
  if (!request.body) return "";
  return readBounded(request.body, limit, () => new PayloadTooLargeError(`The body exceeds the limit of ${limit} bytes.`));
}

/**
 * PostgreSQL text cannot hold NUL, so a NUL that reached SQL would be a 500 (or, in a
 * batched audit write, fail its neighbours): refuse it at the edge instead.
 */
function assertNoNul(value: unknown, where: string, depth = 0): void {
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw new ValidationError(`${where} contains a NUL character, which Vigil does not accept.`);
    return;
  }
  if (depth > 32 || value === null || typeof value !== "object") return;
  for (const [k, v] of Object.entries(value)) {
    assertNoNul(k, where, depth + 1);
    assertNoNul(v, where, depth + 1);
  }
}

export function assertNoNulIn(params: URLSearchParams, where: string): void {
  for (const [k, v] of params) {
    assertNoNul(k, where);
    assertNoNul(v, where);
  }
}

const mediaType = (request: IncomingRequest) => (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/** JSON object body. An empty body reads as `{}` so bodiless POST actions work. */
export async function readJson(request: IncomingRequest, limit: number): Promise<unknown> {
  const text = await readText(request, limit);
  if (text.trim() === "") return {};
  const type = mediaType(request);
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw new UnsupportedMediaTypeError("Send the body as application/json.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`The body is not valid JSON: ${(error as Error).message}.`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError("The body must be a JSON object.");
  }
  assertNoNul(value, "The body");
  return value;
}

/** application/x-www-form-urlencoded, as OAuth endpoints require (RFC 6749 §4.4.2). */
export async function readForm(request: IncomingRequest, limit: number): Promise<URLSearchParams> {
  const type = mediaType(request);
  const text = await readText(request, limit);
  if (type !== "application/x-www-form-urlencoded") {
    throw new UnsupportedMediaTypeError("Send the body as application/x-www-form-urlencoded.");
  }
  const form = new URLSearchParams(text);
  assertNoNulIn(form, "The form");
  return form;
}

/** A form as one object: a parameter given once is a string, given again a list of strings. */
export function formObject(form: URLSearchParams): Record<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  for (const [key, value] of form) {
    const held = out.get(key);
    out.set(key, held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value]);
  }
  // fromEntries defines own properties: a key named __proto__ stays a plain field.
  return Object.fromEntries(out);
}

/**
 * Reads the body the way its route declares, once. `none` takes nothing or `{}` (clients
 * that always send a JSON object keep working); a GET's body is never read.
 */
export async function readBody(request: IncomingRequest, kinds: BodyKind | readonly BodyKind[], limit: number): Promise<Record<string, unknown>> {
  const accepted = typeof kinds === "string" ? [kinds] : kinds;
  if (request.method === "GET" || request.method === "HEAD") return {};
  if (accepted.length > 1) {
    // Either, by what the client says it sends (the ack form posts a form or JSON).
    return mediaType(request).includes("json") ? ((await readJson(request, limit)) as Record<string, unknown>) : formObject(await readForm(request, limit));
  }
  const [kind] = accepted;
  if (kind === "form") return formObject(await readForm(request, limit));
  const body = (await readJson(request, limit)) as Record<string, unknown>;
  if (kind === "none" && Object.keys(body).length > 0) {
    throw new ValidationError(`This action takes no fields; got ${Object.keys(body).join(", ")}.`);
  }
  return body;
}
