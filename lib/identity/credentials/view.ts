import type { Credential } from "@/drizzle/schema";

/** Public view: never the secret, never its hash. */
export function credentialView(c: Credential) {
  return {
    id: c.id,
    agent_id: c.agentId,
    client_id: c.clientId,
    status: c.status,
    // A public client's credential has no secret (PKCE instead).
    public: c.secretHash === null,
    created_at: c.createdAt.toISOString(),
    rotated_at: c.rotatedAt?.toISOString() ?? null,
    previous_secret_expires_at:
      c.previousSecretHash && c.previousExpiresAt ? c.previousExpiresAt.toISOString() : null,
    revoked_at: c.revokedAt?.toISOString() ?? null,
    last_used_at: c.lastUsedAt?.toISOString() ?? null,
  };
}
