import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import type { VerbCtx } from "@/lib/context";
import { getDb } from "@/lib/db/client";
import { ensureStarted } from "@/lib/runtime/start";
import { hasScope, type Actor } from "@/lib/access/actor";
import type { Role } from "@/lib/access/roles";
import { liveSession, sessionUser } from "@/lib/gate/session/session-actor";

export type PageUser = { name: string; role: Role };

/**
 * The signed-in console user for a server component: the same cookie and the same
 * scopes the API derives from it (session-actor.ts), so a page can show nothing the API
 * would refuse. proxy.ts already sent anyone without a role to sign-in; this checks again
 * rather than trusting that it ran.
 */
export async function pageActor(): Promise<{ actor: Actor; user: PageUser }> {
  const jar = await cookies();
  const session = await liveSession(new Request("http://vigil.internal/", { headers: { cookie: jar.toString() } }), await getDb());
  if (!session) redirect("/signin");
  if (!session.role) redirect("/auth/refused");
  const actor = sessionUser(session);
  return { actor, user: { name: session.name ?? session.email ?? session.sub, role: session.role } };
}

/** A verb context for server-rendered reads, with the request's id for the logs. */
export async function pageCtx(): Promise<VerbCtx & { user: PageUser; canWrite: boolean; renderedAt: number }> {
  await ensureStarted();
  const { actor, user } = await pageActor();
  const h = await headers();
  return {
    actor,
    user,
    canWrite: hasScope(actor, "agents:write"),
    // Client caches key their data by it: a fresh server render always wins over what a
    // tab fetched before (e.g. the overview after creating an agent elsewhere).
    renderedAt: Date.now(),
    db: await getDb(),
    // Set by proxy.ts for every request it passes on (the caller's own only when sane).
    requestId: h.get("x-request-id") ?? "console-page",
    ip: null,
    userAgent: h.get("user-agent"),
  };
}
