import { z } from "zod";
import type { DelegationGrant } from "@/drizzle/schema";
import { personId } from "@/lib/access/person";
import { getConfig } from "@/lib/config";
import { resourceList, scopeList } from "../agents/schemas";

/** At most 90 days: a delegation is a standing permission, but not a forever one. */
export const MAX_GRANT_SECONDS = 90 * 86_400;

export const createGrantInput = z
  .object({
    agent_id: z.string({ error: "agent_id is required: the agent that may act" }),
    scopes: scopeList.refine((s) => s.length > 0, "name at least one scope to delegate"),
    resources: resourceList.default([]),
    expires_in: z.number().int().min(60, "expires_in is at least 60 seconds").max(MAX_GRANT_SECONDS, "expires_in is at most 90 days").default(3600),
    max_depth: z
      .number()
      .int()
      .min(1)
      .refine((d) => d <= getConfig().DELEGATION_MAX_DEPTH, { message: "max_depth is at most DELEGATION_MAX_DEPTH" })
      .optional(),
    // Admins only: the person the grant is for (a person granting names nobody: it is theirs).
    person: z.strictObject({ issuer: z.url("person.issuer must be the provider's issuer URL").max(512), sub: z.string().min(1).max(255), label: z.string().min(1).max(255).optional() }).optional(),
  })
  .strict();

export function grantView(row: DelegationGrant, now = Date.now()) {
  return {
    id: row.id,
    person: { id: personId(row.personIssuer, row.personSub), issuer: row.personIssuer, sub: row.personSub, label: row.personLabel },
    agent_id: row.agentId,
    scopes: row.scopes,
    resources: row.resources,
    max_depth: row.maxDepth,
    expires_at: row.expiresAt.toISOString(),
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    revoked_at: row.revokedAt?.toISOString() ?? null,
    revoked_by: row.revokedBy,
    active: row.revokedAt === null && row.expiresAt.getTime() > now,
  };
}
export type GrantView = ReturnType<typeof grantView>;
