import { z } from "zod";
import type { Agent } from "@/drizzle/schema";

// RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\'.
export const scopeToken = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "a scope is printable ASCII without spaces, quotes or backslashes");

export const scopeList = z
  .array(scopeToken)
  .max(64, "at most 64 scopes")
  .refine((s) => new Set(s).size === s.length, "scopes must not repeat");

/** An audience a token may name: an absolute URI (RFC 8707 resource) or an identifier such as urn:orders. */
export const resourceName = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[^\s#]+$/, "a resource is an absolute URI or identifier without spaces or a fragment");

export const resourceList = z
  .array(resourceName)
  .max(32, "at most 32 resources")
  .refine((r) => new Set(r).size === r.length, "resources must not repeat");

const fields = {
  name: z.string().trim().min(1, "name must not be empty").max(200),
  email: z
    .email("email must be an email address")
    .max(254)
    .transform((e) => e.toLowerCase()),
  owner: z.string().trim().min(1, "owner must not be empty").max(200),
  deployment_env: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "deployment_env is 1-63 characters of letters, digits, . _ -"),
  allowed_scopes: scopeList,
  monthly_token_quota: z.number().int().min(0).max(2_000_000_000).nullable(),
  // null: only Vigil's own API audience (VIGIL_API_AUDIENCE).
  allowed_resources: resourceList.nullable(),
};

export const createAgentInput = z
  .object({ ...fields, allowed_scopes: scopeList.default([]), monthly_token_quota: fields.monthly_token_quota.optional(), allowed_resources: fields.allowed_resources.optional() })
  .strict();

export const updateAgentInput = z
  .object(fields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, "send at least one field to change");

export const agentIdParam = z.uuid();

export function agentView(agent: Agent) {
  return {
    id: agent.id,
    name: agent.name,
    email: agent.email,
    owner: agent.owner,
    deployment_env: agent.deploymentEnv,
    allowed_scopes: agent.allowedScopes,
    allowed_resources: agent.allowedResources,
    status: agent.status,
    monthly_token_quota: agent.monthlyTokenQuota,
    created_at: agent.createdAt.toISOString(),
    updated_at: agent.updatedAt.toISOString(),
    last_seen_at: agent.lastSeenAt?.toISOString() ?? null,
  };
}
export type AgentView = ReturnType<typeof agentView>;
