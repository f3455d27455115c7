import { eq } from "drizzle-orm";
import { z } from "zod";
import { agents, credentials, revocations } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { gateView } from "@/lib/identity/state-view";
import type { VigilClaims } from "./verify";

/**
 * Whether a signature-valid token is still good: not revoked, its agent active, its
 * credential not revoked. Answered from the gate's in-memory view when it runs for this
 * database (always, in the server); read from the tables otherwise (tools, some tests).
 */
export async function tokenInactiveReason(db: Executor, claims: VigilClaims): Promise<string | null> {
  const view = gateView(db);
  if (view) return view.inactiveReason(claims);
  const [revoked] = await db.select({ jti: revocations.jti }).from(revocations).where(eq(revocations.jti, claims.jti));
  // Only our own signature got a token here, but a non-uuid sub must not become a cast error.
  if (!z.uuid().safeParse(claims.sub).success) return "unknown agent";
  if (revoked) return "token revoked";
  const [agent] = await db.select({ status: agents.status }).from(agents).where(eq(agents.id, claims.sub));
  if (!agent) return "unknown agent";
  if (agent.status !== "active") return `agent ${agent.status}`;
  if (claims.client_id) {
    const [credential] = await db.select({ status: credentials.status }).from(credentials).where(eq(credentials.clientId, claims.client_id));
    if (!credential || credential.status !== "active") return "credential revoked";
  }
  return null;
}
