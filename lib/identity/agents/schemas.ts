import { z } from "zod";
import { clientTypes, consentModes, dpopModes, type Agent } from "@/drizzle/schema";
import { parseClientIdUrl } from "../clients/client-id-url";
import { clientJwks, jwksUri } from "./jwks";
import { workloadIdentity } from "./workload-identity";

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

/** RFC 6749 §3.1.2: an absolute URI without a fragment; https, or http only on a loopback host (RFC 8252 §7.3), or a private-use scheme for native apps (§7.1). */
export const redirectUri = z
  .string()
  .max(512)
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.hash || value.includes("#") || url.username || url.password) return false;
    if (url.protocol === "https:") return true;
    if (url.protocol === "http:") return ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
    // Native apps: a reverse-domain private-use scheme (com.example.app:/callback).
    return /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol);
  }, "a redirect URI is absolute, without a fragment or userinfo: https, http on a loopback host, or a private-use scheme (RFC 8252)");

const httpsUrl = z.url({ protocol: /^https$/, message: "must be an https URL" }).max(512);

/** A client ID metadata document URL (MCP): the rules the fetcher applies, checked at registration. */
const clientIdUrl = z.string().superRefine((value, ctx) => {
  try {
    parseClientIdUrl(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : "not a client ID metadata document URL" });
  }
});

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
  // Kubernetes-style: policies say `principal.hasTag("team") && principal.getTag("team") == "billing"`.
  labels: z
    .record(z.string(), z.string().max(253, "a label value is at most 253 characters"))
    .superRefine((labels, ctx) => {
      const keys = Object.keys(labels);
      if (keys.length > 32) ctx.addIssue({ code: "custom", message: "at most 32 labels" });
      // Checked here rather than as the record's key type, whose message would be zod's own.
      for (const key of keys) {
        if (!/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/.test(key)) ctx.addIssue({ code: "custom", path: [key], message: "a label key is 1-63 lower-case letters, digits, . _ - (starting and ending with a letter or digit)" });
      }
    }),
  monthly_token_quota: z.number().int().min(0).max(2_000_000_000).nullable(),
  // null: only Vigil's own API audience (VIGIL_API_AUDIENCE).
  allowed_resources: resourceList.nullable(),
  description: z.string().trim().max(1000).nullable(),
  redirect_uris: z
    .array(redirectUri)
    .max(16, "at most 16 redirect URIs")
    .refine((r) => new Set(r).size === r.length, "redirect URIs must not repeat"),
  client_type: z.enum(clientTypes, { message: `client_type is ${clientTypes.join(" or ")}` }),
  consent_mode: z.enum(consentModes, { message: `consent_mode is ${consentModes.join(" or ")}` }),
  logo_uri: httpsUrl.nullable(),
  homepage_uri: httpsUrl.nullable(),
  client_id_url: clientIdUrl.nullable(),
  // Public keys for private_key_jwt; null removes them.
  jwks: clientJwks.nullable(),
  // Or the URL where the agent publishes them (never both); null removes it.
  jwks_uri: jwksUri.nullable(),
  // Workload identity federation: the WORKLOAD_ISSUERS issuer and subject whose JWT
  // authenticates the agent; null removes the binding.
  workload_identity: workloadIdentity.nullable(),
  // RFC 9449: required = no token without a DPoP proof (every token bound to the agent's key).
  dpop: z.enum(dpopModes, { message: `dpop is ${dpopModes.join(" or ")}` }),
};

export const createAgentInput = z
  .object({
    ...fields,
    allowed_scopes: scopeList.default([]),
    labels: fields.labels.default({}),
    monthly_token_quota: fields.monthly_token_quota.optional(),
    allowed_resources: fields.allowed_resources.optional(),
    description: fields.description.optional(),
    redirect_uris: fields.redirect_uris.default([]),
    client_type: fields.client_type.default("confidential"),
    consent_mode: fields.consent_mode.default("always"),
    logo_uri: fields.logo_uri.optional(),
    homepage_uri: fields.homepage_uri.optional(),
    client_id_url: fields.client_id_url.optional(),
    jwks: fields.jwks.optional(),
    jwks_uri: fields.jwks_uri.optional(),
    dpop: fields.dpop.default("optional"),
    workload_identity: fields.workload_identity.optional(),
  })
  .strict()
  .refine((v) => !(v.jwks && v.jwks_uri), { message: "register keys inline (jwks) or by URL (jwks_uri), not both", path: ["jwks_uri"] });

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
    labels: agent.labels,
    allowed_resources: agent.allowedResources,
    description: agent.description,
    redirect_uris: agent.redirectUris,
    client_type: agent.clientType,
    consent_mode: agent.consentMode,
    logo_uri: agent.logoUri,
    homepage_uri: agent.homepageUri,
    client_id_url: agent.clientIdUrl,
    jwks: agent.jwks,
    jwks_uri: agent.jwksUri,
    dpop: agent.dpop,
    workload_identity: agent.workloadIssuer && agent.workloadSubject ? { issuer: agent.workloadIssuer, subject: agent.workloadSubject } : null,
    status: agent.status,
    monthly_token_quota: agent.monthlyTokenQuota,
    created_at: agent.createdAt.toISOString(),
    updated_at: agent.updatedAt.toISOString(),
    last_seen_at: agent.lastSeenAt?.toISOString() ?? null,
  };
}
export type AgentView = ReturnType<typeof agentView>;
