import { eq } from "drizzle-orm";
import { agents, type Agent } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { NotFoundError } from "@/lib/errors";
import { agentIdParam } from "./schemas";

/** Loads an agent or throws 404; `forUpdate` locks the row inside a transaction. */
export async function findAgent(db: Executor, id: string, forUpdate = false): Promise<Agent> {
  // A malformed id is simply an unknown one; it must not reach SQL as a uuid cast error.
  if (!agentIdParam.safeParse(id).success) throw new NotFoundError(`No agent with id ${JSON.stringify(id)}.`);
  const query = db.select().from(agents).where(eq(agents.id, id));
  const [agent] = forUpdate ? await query.for("update") : await query;
  if (!agent) throw new NotFoundError(`No agent with id ${id}.`);
  return agent;
}
