import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { z } from "zod";
import { agents, credentials, delegationGrants, revocations } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { gateView } from "@/lib/identity/state-view";
import { actChain, type VigilClaims } from "./verify";

const isUuid = (s: string) => z.uuid().safeParse(s).success;

/**
 * Whether a signature-valid token is still good: not revoked, its agent active, its
 * credential not revoked, and for a delegated token every agent and credential of its chain
 * and every grant it rests on. Answered from the gate's in-memory view when it runs for this
 * database (always, in the server); read from the tables otherwise (tools, some tests).
 */
export async function tokenInactiveReason(db: Executor, claims: VigilClaims): Promise<string | null> {
  const view = gateView(db);
  if (view) return view.inactiveReason(claims);
  const [revoked] = await db.select({ jti: revocations.jti }).from(revocations).where(eq(revocations.jti, claims.jti));
  if (revoked) return "token revoked";
  if (claims.act) return delegatedInactiveReason(db, claims);
  // Only our own signature got a token here, but a non-uuid sub must not become a cast error.
  if (!isUuid(claims.sub)) return "unknown agent";
  const [agent] = await db.select({ status: agents.status }).from(agents).where(eq(agents.id, claims.sub));
  if (!agent) return "unknown agent";
  if (agent.status !== "active") return `agent ${agent.status}`;
  if (claims.client_id) {
    const [credential] = await db.select({ status: credentials.status }).from(credentials).where(eq(credentials.clientId, claims.client_id));
    if (!credential || credential.status !== "active") return "credential revoked";
  }
  return null;
}

async function delegatedInactiveReason(db: Executor, claims: VigilClaims): Promise<string | null> {
  const chain = actChain(claims.act);
  const ids = chain.map((h) => h.sub).filter(isUuid);
  if (ids.length !== chain.length) return "unknown acting agent";
  const rows = await db.select({ id: agents.id, status: agents.status }).from(agents).where(inArray(agents.id, ids));
  for (const hop of chain) {
    const status = rows.find((r) => r.id === hop.sub)?.status;
    if (status !== "active") return status ? `acting agent ${status}` : "unknown acting agent";
  }
  const clientIds = chain.flatMap((h) => (h.client_id ? [h.client_id] : []));
  if (clientIds.length > 0) {
    const creds = await db.select({ status: credentials.status }).from(credentials).where(inArray(credentials.clientId, clientIds));
    if (creds.length < clientIds.length || creds.some((c) => c.status !== "active")) return "acting agent's credential revoked";
  }
  const grantIds = (claims.delegation_ids ?? []).filter(isUuid);
  if (grantIds.length > 0) {
    const [gone] = await db
      .select({ id: delegationGrants.id })
      .from(delegationGrants)
      .where(and(inArray(delegationGrants.id, grantIds), isNotNull(delegationGrants.revokedAt)))
      .limit(1);
    if (gone) return "delegation revoked";
  }
  return null;
}
