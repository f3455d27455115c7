import { eq, sql } from "drizzle-orm";
import { agents, credentials } from "@/drizzle/schema";
import { commit } from "@/lib/audit/commit";
import { getConfig } from "@/lib/config";
import { noRequest } from "@/lib/context";
import { isUniqueViolation } from "@/lib/db/errors";
import type { Db } from "@/lib/db/types";
import { gateNotice } from "@/lib/identity/state-view";
import { getLogger } from "@/lib/observability/logger";
import { checkSecret, hashSecret, hashVersion } from "./secrets";

/** The bootstrap admin's email domain: it marks Vigil's own agent (the console's first run does not count it). */
export const BOOTSTRAP_EMAIL_DOMAIN = "bootstrap.vigil.invalid";

/**
 * VIGIL_BOOTSTRAP_ADMIN_SECRET: the server itself registers (or re-keys) an admin client
 * at start, so the first admin exists without a second process touching the embedded
 * database. The secret is supplied by the operator and only its HMAC is stored.
 */
export async function ensureBootstrapAdmin(db: Db): Promise<void> {
  // no-scope: start-up work from the operator's own configuration; no caller to check.
  const { VIGIL_BOOTSTRAP_ADMIN_SECRET: secret, VIGIL_BOOTSTRAP_ADMIN_CLIENT_ID: clientId } = getConfig();
  if (!secret) return;
  try {
    await commit({ ...noRequest, db, by: "system:bootstrap" }, async (tx) => {
      const [existing] = await tx.select().from(credentials).where(eq(credentials.clientId, clientId)).for("update");
      if (existing) {
        if (existing.status === "revoked") {
          // Someone revoked it on purpose: a restart must not undo that.
          getLogger().warn({ client_id: clientId }, "bootstrap admin credential is revoked; not reactivating it (unset VIGIL_BOOTSTRAP_ADMIN_SECRET)");
          return { value: null, events: [] };
        }
        const check = checkSecret(secret, existing.secretHash);
        if (check.match && !check.stale) return { value: null, events: [] };
        if (check.match && existing.secretHash) {
          // The same secret, hashed under a previous AUTH_SECRET: re-hash it, it is no new secret.
          const fresh = hashSecret(secret);
          await tx.update(credentials).set({ secretHash: fresh }).where(eq(credentials.id, existing.id));
          return {
            value: null,
            events: [
              {
                kind: "credential.rehashed",
                outcome: "success",
                agentId: existing.agentId,
                clientId,
                metadata: { credential_id: existing.id, which: "current", from_version: hashVersion(existing.secretHash), to_version: hashVersion(fresh) },
              },
            ],
            notices: [gateNotice({ t: "client", id: clientId, status: "active", v: Date.now() })],
          };
        }
        await tx
          .update(credentials)
          .set({ secretHash: hashSecret(secret), previousSecretHash: null, previousExpiresAt: null, rotatedAt: sql`now()` })
          .where(eq(credentials.id, existing.id));
        return {
          value: null,
          events: [{ kind: "credential.rotated", outcome: "success", agentId: existing.agentId, clientId, metadata: { credential_id: existing.id, reason: "bootstrap secret changed" } }],
          notices: [gateNotice({ t: "client", id: clientId, status: "active", v: Date.now() })],
        };
      }
      const [agent] = await tx
        .insert(agents)
        .values({ name: "Bootstrap admin", email: `${clientId.toLowerCase()}@${BOOTSTRAP_EMAIL_DOMAIN}`, owner: "vigil", deploymentEnv: "system", allowedScopes: ["admin"] })
        .returning();
      if (!agent) throw new Error("bootstrap agent insert returned nothing");
      const [credential] = await tx.insert(credentials).values({ agentId: agent.id, clientId, secretHash: hashSecret(secret) }).returning();
      return {
        value: null,
        events: [
          { kind: "agent.created", outcome: "success", agentId: agent.id, metadata: { name: agent.name, allowed_scopes: ["admin"] } },
          { kind: "credential.generated", outcome: "success", agentId: agent.id, clientId, metadata: { credential_id: credential?.id } },
        ],
      };
    });
  } catch (error) {
    // Another instance registered it at the same moment: theirs stands.
    if (!isUniqueViolation(error)) throw error;
  }
  getLogger().info({ client_id: clientId }, "bootstrap admin client ready");
}
