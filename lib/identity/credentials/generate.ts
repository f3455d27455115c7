import { credentials } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { ConflictError } from "@/lib/errors";
import { parseWithParams } from "@/lib/validation";
import { findAgent } from "../agents/find";
import { assertCanManage } from "../agents/grant";
import { hashSecret, newClientId, newClientSecret } from "../secrets";
import { credentialView } from "./view";

/**
 * Returns the secret exactly once; only its HMAC is stored. A public client (a native agent,
 * client_type public) gets a client_id and no secret: it authenticates with PKCE alone.
 */
export async function generateCredential(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "agents:write");
  const { params } = parseWithParams(raw, ["id"]);
  return commit(ctx, async (tx) => {
    const agent = await findAgent(tx, params.id, true);
    assertCanManage(ctx.actor, agent);
    if (agent.status === "decommissioned") {
      throw new ConflictError("This agent is decommissioned; it cannot receive credentials.");
    }
    const secret = agent.clientType === "public" ? null : newClientSecret();
    const [row] = await tx
      .insert(credentials)
      .values({ agentId: agent.id, clientId: newClientId(), secretHash: secret === null ? null : hashSecret(secret) })
      .returning();
    if (!row) throw new Error("insert returned no credential");
    return {
      value: { ...credentialView(row), client_secret: secret },
      events: [{ kind: "credential.generated", outcome: "success", agentId: agent.id, clientId: row.clientId, metadata: { credential_id: row.id } }],
    };
  });
}
