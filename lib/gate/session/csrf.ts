import { createHmac, timingSafeEqual } from "node:crypto";
import { serverKeys } from "@/lib/identity/server-secrets";

/**
 * Synchroniser token for cookie-authenticated writes: HMAC of the session's id. The page
 * gets it from the server; another site can neither read it nor make the browser send it.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHmac("sha256", serverKeys().csrfKey).update(sessionId).digest("base64url");
}

export function csrfTokenMatches(sessionId: string, given: string | null): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfTokenFor(sessionId));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
