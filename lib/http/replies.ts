import type { AuditRead } from "@/lib/audit/read";
import type { Readiness } from "@/lib/runtime/health";
import { json, lightResponse } from "./problem";

/**
 * Success responses that are not `200 application/json` of the verb's value. The route
 * table names one per route where needed; everything about the value is the verb's.
 */

/** Secrets in responses (a new client secret) and OAuth answers: never cached by anything in between. */
export const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

// Verifiers may cache keys this long; a rotation publishes the next key well before it signs.
export const KEYS_CACHE = { "Cache-Control": "public, max-age=300" };

const EXPORT_TYPES = { ndjson: "application/x-ndjson", csv: "text/csv; charset=utf-8" } as const;

// Proxies must neither buffer nor compress the stream (nginx honours X-Accel-Buffering;
// no-transform keeps compressors out). No Connection header: HTTP/2 forbids it.
const SSE_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
  "X-Content-Type-Options": "nosniff",
};

/** Readiness: 503 unless ready (or degraded: the provider is down but Vigil's own tokens work). */
export const readinessReply = (value: Readiness) => json(value, value.status === "not_ready" ? 503 : 200);

/** A page as JSON, or the whole range as a download. */
export function auditReply(value: AuditRead): Response {
  if (value.format === "json") return json(value.page);
  return new Response(value.stream, {
    headers: {
      "Content-Type": EXPORT_TYPES[value.format],
      "Content-Disposition": `attachment; filename="vigil-audit.${value.format}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

export const eventStreamReply = (stream: ReadableStream<Uint8Array>) => new Response(stream, { headers: SSE_HEADERS });

/** RFC 7009 §2.2: 200 with no body, whether or not the token was known. */
export const emptyReply = () => new Response(null, { status: 200, headers: NO_STORE });

/** nginx reads only the status and headers of the auth subrequest: bodyless, headers beside (`lightResponse`). */
export const identityHeadersReply = (headers: Record<string, string>) => lightResponse(200, { ...headers, "Cache-Control": "no-store" });

/** A browser on its way (authorization endpoint): 302, never cached. */
export const redirectReply = (value: { redirect: string }) => new Response(null, { status: 302, headers: { Location: value.redirect, "Cache-Control": "no-store" } });

export const metricsReply = (value: { text: string; contentType: string }) =>
  new Response(value.text, { headers: { "Content-Type": value.contentType, "Cache-Control": "no-store" } });
