import { and, eq, sql } from "drizzle-orm";
import { agents, credentials, type AgentStatus } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import type { EventKind } from "@/lib/audit/kinds";
import type { VerbCtx } from "@/lib/context";
import { ConflictError } from "@/lib/errors";
import { gateNotice, type GateChange } from "@/lib/identity/state-view";
import { parseWithParams } from "@/lib/validation";
import { findAgent } from "./find";
import { assertCanManage } from "./grant";
import { agentView } from "./schemas";

type Transition = { action: string; to: AgentStatus; from: AgentStatus[]; kind: EventKind };

/**
 * One verb per transition (suspend.ts, reactivate.ts, decommission.ts), each made here:
 * they differ only in the statuses they leave and reach. Decommissioning also revokes
 * every credential.
 */
export function statusVerb(t: Transition) {
  const verb = async function changeStatus(ctx: VerbCtx, raw: unknown) {
    requireScope(ctx.actor, "agents:write");
    const { params } = parseWithParams(raw, ["id"]);
    return commit(ctx, async (tx) => {
      const before = await findAgent(tx, params.id, true);
      assertCanManage(ctx.actor, before);
      if (!t.from.includes(before.status)) {
        throw new ConflictError(`Cannot ${t.action} an agent that is ${before.status}.`);
      }
      const [agent] = await tx
        .update(agents)
        .set({ status: t.to, updatedAt: sql`now()` })
        .where(eq(agents.id, before.id))
        .returning();
      if (!agent) throw new Error("update returned no agent");
      const changes: GateChange[] = [];
      let revokedCredentials = 0;
      if (t.to === "decommissioned") {
        const revoked = await tx
          .update(credentials)
          .set({ status: "revoked", revokedAt: sql`now()` })
          .where(and(eq(credentials.agentId, agent.id), eq(credentials.status, "active")))
          .returning({ clientId: credentials.clientId, revokedAt: credentials.revokedAt });
        revokedCredentials = revoked.length;
        for (const c of revoked) changes.push({ t: "client", id: c.clientId, status: "revoked", v: c.revokedAt?.getTime() ?? Date.now() });
      }
      changes.push({ t: "agent", id: agent.id, status: agent.status, v: agent.updatedAt.getTime() });
      return {
        value: agentView(agent),
        events: [
          {
            kind: t.kind,
            outcome: "success",
            agentId: agent.id,
            metadata: { from: before.status, to: t.to, ...(t.to === "decommissioned" ? { revoked_credentials: revokedCredentials } : {}) },
          },
        ],
        notices: changes.map(gateNotice),
      };
    });
  };
  // Named for what it does (suspendAgent, ...): the API description takes operation ids from verb names.
  Object.defineProperty(verb, "name", { value: `${t.action}Agent` });
  return verb;
}
