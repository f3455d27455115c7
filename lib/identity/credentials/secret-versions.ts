import { and, eq, gt, isNotNull, or, sql } from "drizzle-orm";
import { credentials } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { LEGACY_VERSION, serverKeys } from "@/lib/keys/server-secrets";
import { hashVersion } from "../secrets";

/** One stored hash that a previous server secret (or none configured) must still check. */
export type HashDependent = { client_id: string; credential_id: string; agent_id: string; which: "current" | "previous"; version: string };

export type HashVersionReport = {
  /** Live hashes (active credentials; a rotated-out secret only until its grace ends) per version. */
  by_version: Record<string, number>;
  /** Hashes under a previous configured secret, or untagged: they move to the current one on their next use. */
  dependents: HashDependent[];
  /** Hashes under a version no configured secret has: no secret can match them; rotate those credentials. */
  retired: HashDependent[];
};

/**
 * Which live client-secret hashes still need which server secret. A hash cannot be re-made
 * without the secret's plaintext, which Vigil never stores: each moves to the current secret
 * when its client next authenticates. Until this reports no dependents, keep their secrets
 * in AUTH_SECRET_PREVIOUS.
 */
export async function hashVersions(db: Executor): Promise<HashVersionReport> {
  const rows = await db
    .select({
      clientId: credentials.clientId,
      credentialId: credentials.id,
      agentId: credentials.agentId,
      secretHash: credentials.secretHash,
      previousSecretHash: credentials.previousSecretHash,
      previousLive: sql<boolean>`coalesce(${credentials.previousExpiresAt} > now(), false)`,
    })
    .from(credentials)
    .where(
      and(
        eq(credentials.status, "active"),
        or(isNotNull(credentials.secretHash), and(isNotNull(credentials.previousSecretHash), gt(credentials.previousExpiresAt, sql`now()`))),
      ),
    );
  const { version: current, versions } = serverKeys();
  const known = new Set(versions.map((v) => v.version));
  const report: HashVersionReport = { by_version: {}, dependents: [], retired: [] };
  for (const row of rows) {
    const hashes = [
      ["current", row.secretHash],
      ["previous", row.previousLive ? row.previousSecretHash : null],
    ] as const;
    for (const [which, hash] of hashes) {
      if (!hash) continue;
      const version = hashVersion(hash);
      report.by_version[version] = (report.by_version[version] ?? 0) + 1;
      if (version === current) continue;
      const dependent = { client_id: row.clientId, credential_id: row.credentialId, agent_id: row.agentId, which, version };
      // An untagged hash may be any configured secret's: it needs the list until it is used.
      if (version === LEGACY_VERSION || known.has(version)) report.dependents.push(dependent);
      else report.retired.push(dependent);
    }
  }
  return report;
}
