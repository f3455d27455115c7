import { eq, sql } from "drizzle-orm";
import { agents } from "@/drizzle/schema";
import { appendAudit } from "@/lib/audit/append";
import { auditOrigin, type VerbCtx } from "@/lib/context";
import { isUniqueViolation } from "@/lib/db/errors";
import { inTransaction } from "@/lib/db/transaction";
import { applyLocally, publishGateChange, type GateChange } from "@/lib/gate/state-view";
import { ConflictError } from "@/lib/errors";
import { requireScope } from "@/lib/gate/actor";
import { parseInput } from "@/lib/validation";
import { findAgent } from "./find";
import { assertCanGrant, assertCanManage } from "./grant";
import { agentView, updateAgentInput } from "./schemas";

export async function updateAgent(ctx: VerbCtx, id: string, raw: unknown) {
  requireScope(ctx.actor, "agents:write");
  const input = parseInput(updateAgentInput, raw);
  if (input.allowed_scopes) assertCanGrant(ctx.actor, input.allowed_scopes);
  const gateChanges: GateChange[] = [];
  try {
    const view = await inTransaction(ctx.db, async (tx) => {
      const before = await findAgent(tx, id, true);
      assertCanManage(ctx.actor, before);
      if (before.status === "decommissioned") {
        throw new ConflictError("This agent is decommissioned; it can no longer be changed.");
      }
      const [agent] = await tx
        .update(agents)
        .set({
          name: input.name,
          email: input.email,
          owner: input.owner,
          deploymentEnv: input.deployment_env,
          allowedScopes: input.allowed_scopes,
          monthlyTokenQuota: input.monthly_token_quota,
          updatedAt: sql`now()`,
        })
        .where(eq(agents.id, before.id))
        .returning();
      if (!agent) throw new Error("update returned no agent");
      const beforeView = agentView(before);
      const afterView = agentView(agent);
      const changes = Object.fromEntries(
        Object.keys(input).map((k) => {
          const key = k as keyof typeof afterView;
          return [k, { from: beforeView[key], to: afterView[key] }];
        }),
      );
      await appendAudit(tx, { ...auditOrigin(ctx), kind: "agent.updated", outcome: "success", agentId: agent.id, metadata: { changes } });
      // Scopes and quota are cached with credentials: every instance drops them.
      const change: GateChange = { t: "agent", id: agent.id, status: agent.status, v: agent.updatedAt.getTime() };
      gateChanges.push(change);
      await publishGateChange(tx, change);
      return afterView;
    });
    applyLocally(ctx.db, ...gateChanges);
    return view;
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`An agent with email ${input.email ?? ""} already exists.`);
    throw error;
  }
}
