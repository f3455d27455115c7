import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { credentials } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import { getConfig } from "@/lib/config";
import type { VerbCtx } from "@/lib/context";
import { ConflictError } from "@/lib/errors";
import { gateNotice } from "@/lib/identity/state-view";
import { parseWithParams } from "@/lib/validation";
import { findAgent } from "../agents/find";
import { assertCanManage } from "../agents/grant";
import { hashSecret, newClientSecret } from "../secrets";
import { findCredential } from "./find";
import { credentialView } from "./view";

export const rotateCredentialInput = z
  .object({ grace_seconds: z.number().int().min(0).max(30 * 86400, "grace_seconds is at most 30 days").optional() })
  .strict();

/**
 * New secret for the same client_id. The previous secret keeps working for the grace
 * period so running agents can pick up the new one without a failed token request.
 */
export async function rotateCredential(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "agents:write");
  const { params, input } = parseWithParams(raw, ["id", "credentialId"], rotateCredentialInput);
  const grace = input.grace_seconds ?? getConfig().CREDENTIAL_ROTATION_GRACE_SECONDS;
  return commit(ctx, async (tx) => {
    const agent = await findAgent(tx, params.id);
    assertCanManage(ctx.actor, agent);
    const current = await findCredential(tx, agent.id, params.credentialId);
    if (current.status !== "active") throw new ConflictError("This credential is revoked; generate a new one.");
    if (current.secretHash === null) throw new ConflictError("This is a public client's credential: it has no secret to rotate.");
    const secret = newClientSecret();
    const [row] = await tx
      .update(credentials)
      .set({
        secretHash: hashSecret(secret),
        previousSecretHash: grace > 0 ? current.secretHash : null,
        previousExpiresAt: grace > 0 ? sql`now() + make_interval(secs => ${grace})` : null,
        rotatedAt: sql`now()`,
      })
      .where(eq(credentials.id, current.id))
      .returning();
    if (!row) throw new Error("update returned no credential");
    return {
      value: { ...credentialView(row), client_secret: secret },
      events: [{ kind: "credential.rotated", outcome: "success", agentId: agent.id, clientId: row.clientId, metadata: { credential_id: row.id, grace_seconds: grace } }],
      // Not a status change, but every instance must drop the cached secret hash.
      notices: [gateNotice({ t: "client", id: row.clientId, status: row.status, v: row.rotatedAt?.getTime() ?? Date.now() })],
    };
  });
}
