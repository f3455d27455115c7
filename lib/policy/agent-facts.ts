import { eq } from "drizzle-orm";
import { agents } from "@/drizzle/schema";
import type { Db } from "@/lib/db/types";
import { perObject } from "@/lib/process/singleton";
import type { AgentFacts } from "./entities";

// Names, owners and environments change rarely and are not security state (status is: the
// gate view refuses a suspended agent before any policy runs), so a short-lived copy serves
// the gateway from memory.
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

type Cached = { facts: AgentFacts | null; at: number };

/** An agent's facts for policy decisions: memory, read from the registry at most every 30 s. */
export async function agentFacts(db: Db, id: string): Promise<AgentFacts | null> {
  const cache = perObject("policy-agent-facts", db, () => new Map<string, Cached>());
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.facts;
  const [row] = await db
    .select({ id: agents.id, name: agents.name, owner: agents.owner, status: agents.status, allowedScopes: agents.allowedScopes, deploymentEnv: agents.deploymentEnv, labels: agents.labels })
    .from(agents)
    .where(eq(agents.id, id));
  if (cache.size >= MAX_ENTRIES) cache.clear();
  const facts = row ?? null;
  cache.set(id, { facts, at: Date.now() });
  return facts;
}
