import { credentials } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { z } from "zod";
import { ConflictError } from "@/lib/errors";
import { parseWithParams } from "@/lib/validation";
import { findAgent } from "../agents/find";
import { assertCanManage } from "../agents/grant";
import { hashSecret, newClientId, newClientSecret } from "../secrets";
import { credentialView } from "./view";

export const generateCredentialInput = z
  .object({
    // false: a secretless credential, for an agent that proves itself with a registered key
    // (private_key_jwt) or a workload identity; its secret-holding credentials can then be revoked.
    secret: z.boolean().default(true),
  })
  .strict();

/**
 * Returns the secret exactly once; only its HMAC is stored. A public client (a native agent,
 * client_type public) gets a client_id and no secret: it authenticates with PKCE alone. An
 * agent with keys or a workload identity may ask for one without a secret (`secret: false`).
 */
export async function generateCredential(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "agents:write");
  const { params, input } = parseWithParams(raw, ["id"], generateCredentialInput);
  return commit(ctx, async (tx) => {
    const agent = await findAgent(tx, params.id, true);
    assertCanManage(ctx.actor, agent);
    if (agent.status === "decommissioned") {
      throw new ConflictError("This agent is decommissioned; it cannot receive credentials.");
    }
    const secretless = agent.clientType === "public" || !input.secret;
    if (secretless && agent.clientType !== "public" && !agent.jwks && !agent.jwksUri && !agent.workloadSubject) {
      throw new ConflictError("This agent has no registered keys (jwks or jwks_uri) and no workload identity: a credential without a secret could not authenticate. Register one first.");
    }
    const secret = secretless ? null : newClientSecret();
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
