import { and, eq, sql } from "drizzle-orm";
import { agents, credentials, type AgentStatus } from "@/drizzle/schema";
import { appendAudit } from "@/lib/audit/append";
import { auditOrigin, type VerbCtx } from "@/lib/context";
import { inTransaction } from "@/lib/db/transaction";
import { applyLocally, publishGateChange, type GateChange } from "@/lib/gate/state-view";
import { ConflictError } from "@/lib/errors";
import { requireScope } from "@/lib/gate/actor";
import { findAgent } from "./find";
import { assertCanManage } from "./grant";
import { agentView } from "./schemas";

type Transition = { to: AgentStatus; from: AgentStatus[]; kind: string };

const TRANSITIONS = {
  suspend: { to: "suspended", from: ["active"], kind: "agent.suspended" },
  reactivate: { to: "active", from: ["suspended"], kind: "agent.reactivated" },
  // Final: no transition leads out of decommissioned.
  decommission: { to: "decommissioned", from: ["active", "suspended"], kind: "agent.decommissioned" },
} satisfies Record<string, Transition>;

export type StatusAction = keyof typeof TRANSITIONS;

/** suspend / reactivate / decommission. Decommissioning also revokes every credential. */
export async function changeAgentStatus(ctx: VerbCtx, id: string, action: StatusAction) {
  requireScope(ctx.actor, "agents:write");
  const t: Transition = TRANSITIONS[action];
  const changes: GateChange[] = [];
  const view = await inTransaction(ctx.db, async (tx) => {
    const before = await findAgent(tx, id, true);
    assertCanManage(ctx.actor, before);
    if (!t.from.includes(before.status)) {
      throw new ConflictError(`Cannot ${action} an agent that is ${before.status}.`);
    }
    const [agent] = await tx
      .update(agents)
      .set({ status: t.to, updatedAt: sql`now()` })
      .where(eq(agents.id, before.id))
      .returning();
    if (!agent) throw new Error("update returned no agent");
    let revokedCredentials = 0;
    if (t.to === "decommissioned") {
      const revoked = await tx
        .update(credentials)
        .set({ status: "revoked", revokedAt: sql`now()` })
        .where(and(eq(credentials.agentId, agent.id), eq(credentials.status, "active")))
        .returning({ id: credentials.id, clientId: credentials.clientId, revokedAt: credentials.revokedAt });
      revokedCredentials = revoked.length;
      for (const c of revoked) changes.push({ t: "client", id: c.clientId, status: "revoked", v: c.revokedAt?.getTime() ?? Date.now() });
    }
    changes.push({ t: "agent", id: agent.id, status: agent.status, v: agent.updatedAt.getTime() });
    for (const change of changes) await publishGateChange(tx, change);
    await appendAudit(tx, {
      ...auditOrigin(ctx),
      kind: t.kind,
      outcome: "success",
      agentId: agent.id,
      metadata: { from: before.status, to: t.to, ...(t.to === "decommissioned" ? { revoked_credentials: revokedCredentials } : {}) },
    });
    return agentView(agent);
  });
  applyLocally(ctx.db, ...changes);
  return view;
}
