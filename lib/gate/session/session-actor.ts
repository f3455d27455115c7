import { getToken } from "next-auth/jwt";
import { ForbiddenError } from "@/lib/errors";
import { serverKeys } from "@/lib/keys/server-secrets";
import { userActor, type Actor } from "@/lib/access/actor";
import type { Role } from "@/lib/access/roles";
import { sessionCookieName, secureCookies } from "./cookies";
import { csrfTokenMatches, ownOrigin } from "./csrf";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export type SessionClaims = { sub?: string; name?: string; email?: string; role?: Role | null; sid?: string; idToken?: string; issuer?: string; delegable?: string[] };

/** The console session in this request's cookies (works in the fast lane and in Next). */
export async function readSession(request: Request): Promise<SessionClaims | null> {
  if (!request.headers.get("cookie")?.includes("authjs.session-token")) return null;
  const token = await getToken({
    req: request,
    secret: serverKeys().sessionSecret,
    secureCookie: secureCookies(),
    salt: sessionCookieName(),
  });
  return (token as SessionClaims | null) ?? null;
}

/**
 * A console user calling the API with the session cookie instead of a bearer token. Writes
 * need the CSRF token and, when the browser sends one, our own Origin.
 */
export async function sessionActor(request: Request): Promise<Actor | null> {
  const session = await readSession(request);
  if (!session?.sub || !session.sid) return null;
  if (!SAFE.has(request.method)) {
    const origin = request.headers.get("origin");
    if (origin && origin !== ownOrigin()) {
      throw new ForbiddenError("Cross-origin write refused.");
    }
    if (!csrfTokenMatches(session.sid, request.headers.get("x-csrf-token"))) {
      throw new ForbiddenError("Missing or wrong X-CSRF-Token for a cookie-authenticated write.");
    }
  }
  return userActor({ sub: session.sub, email: session.email, role: session.role, issuer: session.issuer, delegable: session.delegable });
}
