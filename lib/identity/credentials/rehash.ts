import { and, eq } from "drizzle-orm";
import { credentials } from "@/drizzle/schema";
import { commit } from "@/lib/audit/commit";
import type { ClientCtx } from "@/lib/context";
import { gateNotice } from "@/lib/identity/state-view";
import { getLogger } from "@/lib/observability/logger";
import { hashSecret, hashVersion } from "../secrets";

/**
 * A secret that matched a hash made under a previous server secret (or an untagged one):
 * which hash, as read, and the plaintext the client just presented — held in memory for
 * this request only, never logged or stored.
 */
export type StaleHash = { which: "current" | "previous"; stored: string; secret: string };

/**
 * Re-hashes a client secret under the current AUTH_SECRET, the one moment it can be: its
 * plaintext is at hand, just proven. `WHERE hash = the one read` makes concurrent requests
 * (and a rotation of the credential meanwhile) safe: only the first write lands, the others
 * change nothing and record nothing. The notice makes every instance drop its cached hash.
 */
export async function rehashClientSecret(ctx: ClientCtx, stale: StaleHash): Promise<boolean> {
  // no-scope: the client proved this secret in this very request; it only changes how it is stored.
  const column = stale.which === "current" ? credentials.secretHash : credentials.previousSecretHash;
  const fresh = hashSecret(stale.secret);
  try {
    return await commit(ctx, async (tx) => {
      const [row] = await tx
        .update(credentials)
        .set(stale.which === "current" ? { secretHash: fresh } : { previousSecretHash: fresh })
        .where(and(eq(credentials.id, ctx.client.credentialId), eq(column, stale.stored)))
        .returning({ id: credentials.id, clientId: credentials.clientId, status: credentials.status });
      if (!row) return { value: false, events: [] };
      return {
        value: true,
        events: [
          {
            kind: "credential.rehashed",
            outcome: "success",
            agentId: ctx.client.agentId,
            clientId: row.clientId,
            metadata: { credential_id: row.id, which: stale.which, from_version: hashVersion(stale.stored), to_version: hashVersion(fresh) },
          },
        ],
        notices: [gateNotice({ t: "client", id: row.clientId, status: row.status, v: Date.now() })],
      };
    });
  } catch (error) {
    // The client is authenticated whatever happens here; the hash moves on its next use.
    // The error's name only: a failed query's message carries its parameters (the hashes).
    const code = error instanceof Error ? error.name : "unknown";
    getLogger().warn({ error: code, client_id: ctx.client.clientId }, "re-hashing a client secret under the current AUTH_SECRET failed");
    return false;
  }
}
