import { eq } from "drizzle-orm";
import { credentials, type Agent } from "@/drizzle/schema";
import type { Tx } from "@/lib/db/types";
import { ConflictError, ValidationError } from "@/lib/errors";

/**
 * An agent registered with a client ID metadata document URL is an MCP client whose
 * client_id is that URL: it must be public (the document can hold no secret), and it gets a
 * credential with exactly that client_id and no secret, so codes, tokens and refreshes bind
 * to it like to any other client. The URL may belong to one agent only.
 */
export async function ensureMetadataClient(tx: Tx, agent: Agent): Promise<void> {
  if (!agent.clientIdUrl) return;
  if (agent.clientType !== "public") {
    throw new ValidationError("An agent identified by a client ID metadata document must be a public client (client_type public).", [
      { path: "client_id_url", message: "requires client_type public" },
    ]);
  }
  const inserted = await tx
    .insert(credentials)
    .values({ agentId: agent.id, clientId: agent.clientIdUrl, secretHash: null })
    .onConflictDoNothing()
    .returning({ agentId: credentials.agentId });
  if (inserted.length > 0) return;
  const [held] = await tx.select({ agentId: credentials.agentId }).from(credentials).where(eq(credentials.clientId, agent.clientIdUrl));
  if (held && held.agentId !== agent.id) throw new ConflictError("That client ID metadata document URL already identifies another client.");
}
