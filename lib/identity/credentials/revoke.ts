import { eq, sql } from "drizzle-orm";
import { credentials } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { ConflictError } from "@/lib/errors";
import { gateNotice } from "@/lib/identity/state-view";
import { parseWithParams } from "@/lib/validation";
import { findAgent } from "../agents/find";
import { assertCanManage } from "../agents/grant";
import { findCredential } from "./find";
import { credentialView } from "./view";

/** Revokes a credential: no new tokens, and its live tokens introspect as inactive. */
export async function revokeCredential(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "agents:write");
  const { params } = parseWithParams(raw, ["id", "credentialId"]);
  return commit(ctx, async (tx) => {
    const agent = await findAgent(tx, params.id);
    assertCanManage(ctx.actor, agent);
    const current = await findCredential(tx, agent.id, params.credentialId);
    if (current.status === "revoked") throw new ConflictError("This credential is already revoked.");
    const [row] = await tx
      .update(credentials)
      .set({ status: "revoked", revokedAt: sql`now()`, previousSecretHash: null, previousExpiresAt: null })
      .where(eq(credentials.id, current.id))
      .returning();
    if (!row) throw new Error("update returned no credential");
    return {
      value: credentialView(row),
      events: [{ kind: "credential.revoked", outcome: "success", agentId: agent.id, clientId: row.clientId, metadata: { credential_id: row.id } }],
      notices: [gateNotice({ t: "client", id: row.clientId, status: "revoked", v: row.revokedAt?.getTime() ?? Date.now() })],
    };
  });
}
