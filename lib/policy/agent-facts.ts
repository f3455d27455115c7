import { eq } from "drizzle-orm";
import { agents } from "@/drizzle/schema";
import type { Db } from "@/lib/db/types";
import { ChangeCache } from "@/lib/process/change-cache";
import { perObject } from "@/lib/process/singleton";
import type { AgentFacts } from "./entities";

// Names, owners, labels and environments change rarely and are not security state (status is:
// the gate view refuses a suspended agent before any policy runs), so a short-lived copy
// serves the gateway from memory. One object per agent while cached: the decision cache's key
// names it (decide.ts).
const TTL_MS = 30_000;

/** An agent's facts for policy decisions: memory, read from the registry at most every 30 s (concurrent misses share one read). */
export async function agentFacts(db: Db, id: string): Promise<AgentFacts | null> {
  const cache = perObject("policy-agent-facts", db, () => new ChangeCache<AgentFacts>(TTL_MS));
  const facts = await cache.getOrLoad(id, async () => {
    const [row] = await db
      .select({ id: agents.id, name: agents.name, owner: agents.owner, status: agents.status, allowedScopes: agents.allowedScopes, deploymentEnv: agents.deploymentEnv, labels: agents.labels })
      .from(agents)
      .where(eq(agents.id, id));
    return row;
  });
  return facts ?? null;
}
