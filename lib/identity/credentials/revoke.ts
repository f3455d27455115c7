import { eq, sql } from "drizzle-orm";
import { credentials } from "@/drizzle/schema";
import { appendAudit } from "@/lib/audit/append";
import { auditOrigin, type VerbCtx } from "@/lib/context";
import { inTransaction } from "@/lib/db/transaction";
import { applyLocally, publishGateChange, type GateChange } from "@/lib/gate/state-view";
import { ConflictError } from "@/lib/errors";
import { requireScope } from "@/lib/gate/actor";
import { findAgent } from "../agents/find";
import { assertCanManage } from "../agents/grant";
import { findCredential } from "./find";
import { credentialView } from "./view";

/** Revokes a credential: no new tokens, and its live tokens introspect as inactive. */
export async function revokeCredential(ctx: VerbCtx, agentId: string, credentialId: string) {
  requireScope(ctx.actor, "agents:write");
  const changes: GateChange[] = [];
  const view = await inTransaction(ctx.db, async (tx) => {
    const agent = await findAgent(tx, agentId);
    assertCanManage(ctx.actor, agent);
    const current = await findCredential(tx, agent.id, credentialId);
    if (current.status === "revoked") throw new ConflictError("This credential is already revoked.");
    const [row] = await tx
      .update(credentials)
      .set({ status: "revoked", revokedAt: sql`now()`, previousSecretHash: null, previousExpiresAt: null })
      .where(eq(credentials.id, current.id))
      .returning();
    if (!row) throw new Error("update returned no credential");
    const change: GateChange = { t: "client", id: row.clientId, status: "revoked", v: row.revokedAt?.getTime() ?? Date.now() };
    changes.push(change);
    await publishGateChange(tx, change);
    await appendAudit(tx, {
      ...auditOrigin(ctx),
      kind: "credential.revoked",
      outcome: "success",
      agentId: agent.id,
      clientId: row.clientId,
      metadata: { credential_id: row.id },
    });
    return credentialView(row);
  });
  applyLocally(ctx.db, ...changes);
  return view;
}
