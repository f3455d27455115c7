import { z } from "zod";
import { credentials } from "@/drizzle/schema";
import { appendAudit } from "@/lib/audit/append";
import { auditOrigin, type VerbCtx } from "@/lib/context";
import { inTransaction } from "@/lib/db/transaction";
import { ConflictError } from "@/lib/errors";
import { requireScope } from "@/lib/gate/actor";
import { parseInput } from "@/lib/validation";
import { findAgent } from "../agents/find";
import { assertCanManage } from "../agents/grant";
import { hashSecret, newClientId, newClientSecret } from "../secrets";
import { credentialView } from "./view";

const generateInput = z.object({}).strict();

/** Returns the secret exactly once; only its HMAC is stored. */
export async function generateCredential(ctx: VerbCtx, agentId: string, raw: unknown) {
  requireScope(ctx.actor, "agents:write");
  parseInput(generateInput, raw ?? {});
  return inTransaction(ctx.db, async (tx) => {
    const agent = await findAgent(tx, agentId, true);
    assertCanManage(ctx.actor, agent);
    if (agent.status === "decommissioned") {
      throw new ConflictError("This agent is decommissioned; it cannot receive credentials.");
    }
    const secret = newClientSecret();
    const [row] = await tx
      .insert(credentials)
      .values({ agentId: agent.id, clientId: newClientId(), secretHash: hashSecret(secret) })
      .returning();
    if (!row) throw new Error("insert returned no credential");
    await appendAudit(tx, {
      ...auditOrigin(ctx),
      kind: "credential.generated",
      outcome: "success",
      agentId: agent.id,
      clientId: row.clientId,
      metadata: { credential_id: row.id },
    });
    return { ...credentialView(row), client_secret: secret };
  });
}
