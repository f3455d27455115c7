import { eq } from "drizzle-orm";
import { revocations } from "@/drizzle/schema";
import { commit } from "@/lib/audit/commit";
import type { RequestFacts, VerbCtx } from "@/lib/context";
import { getDb } from "@/lib/db/client";
import { userActor } from "@/lib/access/actor";
import type { Role } from "@/lib/access/roles";
import type { Db } from "@/lib/db/types";
import { gateNotice, gateView } from "@/lib/identity/state-view";
import { sessionRevocationId } from "../lapse";
import { SESSION_MAX_AGE_SECONDS } from "./lifetime";

/**
 * Sign-out on the server: the session's id joins the revocation list every instance's gate
 * holds (the same list, table and propagation as revoked tokens), until the session could no
 * longer have been valid anyway (`until`, seconds). A copy of the cookie taken before is
 * refused from then on, on the API, the live stream and the pages.
 */
export async function endSession(ctx: VerbCtx, session: { sid: string; until: number }): Promise<void> {
  // no-scope: a person ends their own session; stopping needs no permission.
  const id = sessionRevocationId(session.sid);
  await commit(ctx, async (tx) => {
    const inserted = await tx
      .insert(revocations)
      .values({ jti: id, expiresAt: new Date(session.until * 1000), revokedBy: ctx.actor.label })
      .onConflictDoNothing()
      .returning({ jti: revocations.jti });
    // Already ended (the sign-out action and Auth.js's sign-out event both call this).
    if (inserted.length === 0) return { value: undefined, events: [] };
    return {
      value: undefined,
      events: [{ kind: "session.ended", outcome: "success", metadata: { session: session.sid, until: session.until } }],
      notices: [gateNotice({ t: "jti", jti: id, exp: session.until })],
    };
  });
}

/**
 * Sign-out of the session these cookie claims describe, by its person. The console's
 * sign-out action calls it and then Auth.js's sign-out, whose event calls it again: the
 * second call finds the session ended in memory and writes nothing.
 */
export async function signOutSession(claims: { [claim: string]: unknown }, facts: RequestFacts): Promise<void> {
  const { sub, sid, email, role, issuer, authTime } = claims;
  if (typeof sub !== "string" || typeof sid !== "string") return;
  const db = await getDb();
  if (await sessionEnded(db, sid)) return;
  const actor = userActor({
    sub,
    email: typeof email === "string" ? email : undefined,
    role: typeof role === "string" ? (role as Role) : null,
    issuer: typeof issuer === "string" ? issuer : undefined,
  });
  await endSession({ actor, db, ...facts }, { sid, until: sessionUntil(authTime) });
}

/** How long a sign-out must be remembered: until the session's absolute end (or now + its lifetime if unknown). */
export function sessionUntil(authTime: unknown): number {
  const start = typeof authTime === "number" ? authTime : Math.floor(Date.now() / 1000);
  return start + SESSION_MAX_AGE_SECONDS;
}

/** Whether a session was signed out: the gate's view in the server, the table otherwise. */
export async function sessionEnded(db: Db, sid: string): Promise<boolean> {
  const id = sessionRevocationId(sid);
  const view = gateView(db);
  if (view) return view.isRevoked(id);
  const [row] = await db.select({ jti: revocations.jti }).from(revocations).where(eq(revocations.jti, id));
  return row !== undefined;
}
