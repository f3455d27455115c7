import { createHmac } from "node:crypto";
import type { IncomingRequest } from "@/lib/context";
import { getConfig } from "@/lib/config";
import { safeEqual } from "@/lib/keys/safe-equal";
import { serverKeys } from "@/lib/keys/server-secrets";

/**
 * Synchroniser token for cookie-authenticated writes: HMAC of the session's id. The page
 * gets it from the server; another site can neither read it nor make the browser send it.
 */
export function csrfTokenFor(sessionId: string, key = serverKeys().csrfKey): string {
  return createHmac("sha256", key).update(sessionId).digest("base64url");
}

/**
 * A page rendered before AUTH_SECRET changed carries the token of the previous secret's key:
 * accepted while that secret is in AUTH_SECRET_PREVIOUS (it still opens the session cookie
 * itself), so an open console tab keeps working through a rotation.
 */
export function csrfTokenMatches(sessionId: string, given: string | null): boolean {
  if (!given) return false;
  return serverKeys().versions.some((v) => safeEqual(given, csrfTokenFor(sessionId, v.csrfKey)));
}

/** This Vigil's origin, the only one its console pages are served from. */
export const ownOrigin = () => new URL(getConfig().issuer).origin;

/**
 * The request was started on our own pages (or typed, bookmarked: Sec-Fetch-Site none). For
 * the rare cookie-authenticated GET that changes something (an ack link). Browsers send
 * Sec-Fetch-Site only to https origins; without it, Origin or Referer must be ours.
 */
export function startedOnOurSite(request: IncomingRequest): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site) return site === "same-origin" || site === "none";
  const from = request.headers.get("origin") ?? request.headers.get("referer");
  if (!from) return false;
  try {
    return new URL(from).origin === ownOrigin();
  } catch {
    return false;
  }
}
