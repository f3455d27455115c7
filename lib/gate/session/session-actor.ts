import { getToken } from "next-auth/jwt";
import type { IncomingRequest, Lapse } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import { ForbiddenError } from "@/lib/errors";
import { serverKeys } from "@/lib/keys/server-secrets";
import { userActor, type Actor } from "@/lib/access/actor";
import type { Role } from "@/lib/access/roles";
import { sessionLapse } from "../lapse";
import { sessionCookieName, secureCookies } from "./cookies";
import { csrfTokenMatches, ownOrigin } from "./csrf";
import { sessionEnded } from "./end";
import { SESSION_MAX_AGE_SECONDS } from "./lifetime";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export type SessionClaims = {
  sub?: string;
  name?: string;
  email?: string;
  role?: Role | null;
  sid?: string;
  idToken?: string;
  issuer?: string;
  delegable?: string[];
  roles?: string[];
  groups?: string[];
  /** When the person signed in (seconds): the session ends SESSION_MAX_AGE_SECONDS after, however often it is renewed. */
  authTime?: number;
  exp?: number;
};

/** A session that is still good: its id, its person, and when it ends (seconds). */
export type LiveSession = SessionClaims & { sub: string; sid: string; ends: number };

/** The console session in this request's cookies (works in the fast lane and in Next). */
export async function readSession(request: IncomingRequest): Promise<SessionClaims | null> {
  if (!request.headers.get("cookie")?.includes("authjs.session-token")) return null;
  const token = await getToken({
    // Only the cookie: the session is never read from an Authorization header here.
    req: { headers: { cookie: request.headers.get("cookie") ?? "" } },
    secret: serverKeys().sessionSecrets,
    secureCookie: secureCookies(),
    salt: sessionCookieName(),
  });
  return (token as SessionClaims | null) ?? null;
}

/**
 * The session in this request, unless it has ended: expired, past its absolute lifetime
 * (Auth.js renews the cookie's expiry on use; sign-in time does not move), or signed out
 * on any instance (a copy of the cookie taken before sign-out is refused).
 */
export async function liveSession(request: IncomingRequest, db: Db): Promise<LiveSession | null> {
  const session = await readSession(request);
  if (!session?.sub || !session.sid || typeof session.authTime !== "number" || typeof session.exp !== "number") return null;
  const ends = Math.min(session.exp, session.authTime + SESSION_MAX_AGE_SECONDS);
  if (ends <= Math.floor(Date.now() / 1000)) return null;
  if (await sessionEnded(db, session.sid)) return null;
  return { ...session, sub: session.sub, sid: session.sid, ends };
}

/**
 * A console user calling the API with the session cookie instead of a bearer token, and how
 * long the session's authority lasts. Writes need the CSRF token and, when the browser
 * sends one, our own Origin.
 */
export async function sessionCaller(request: IncomingRequest, db: Db): Promise<{ actor: Actor; lapse: Lapse } | null> {
  const session = await liveSession(request, db);
  if (!session) return null;
  if (!SAFE.has(request.method)) {
    const origin = request.headers.get("origin");
    if (origin && origin !== ownOrigin()) {
      throw new ForbiddenError("Cross-origin write refused.");
    }
    if (!csrfTokenMatches(session.sid, request.headers.get("x-csrf-token"))) {
      throw new ForbiddenError("Missing or wrong X-CSRF-Token for a cookie-authenticated write.");
    }
  }
  return { actor: sessionUser(session), lapse: sessionLapse(db, session.sid, session.ends) };
}

/** The person a session names, with the scopes their role maps to. */
export function sessionUser(session: LiveSession): Actor {
  return userActor({ sub: session.sub, email: session.email, role: session.role, issuer: session.issuer, delegable: session.delegable, roles: session.roles, groups: session.groups });
}
