import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { credentials, type Credential } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { NotFoundError } from "@/lib/errors";

export async function findCredential(db: Executor, agentId: string, credentialId: string): Promise<Credential> {
  if (!z.uuid().safeParse(credentialId).success) {
    throw new NotFoundError(`No credential with id ${JSON.stringify(credentialId)}.`);
  }
  const [row] = await db
    .select()
    .from(credentials)
    .where(and(eq(credentials.id, credentialId), eq(credentials.agentId, agentId)))
    .for("update");
  if (!row) throw new NotFoundError(`No credential ${credentialId} for agent ${agentId}.`);
  return row;
}
