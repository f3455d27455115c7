import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const agentStatuses = ["active", "suspended", "decommissioned"] as const;
export const clientTypes = ["confidential", "public"] as const;
export type ClientType = (typeof clientTypes)[number];
export const consentModes = ["always", "once"] as const;
export type ConsentMode = (typeof consentModes)[number];
export type AgentStatus = (typeof agentStatuses)[number];
/** RFC 9449: optional = a DPoP proof binds the token when sent; required = no token without one. */
export const dpopModes = ["optional", "required"] as const;
export type DpopMode = (typeof dpopModes)[number];

/** A public key an agent signs client assertions with (private_key_jwt), as registered. */
export type ClientJwk = { kty: "EC" | "RSA" | "OKP"; kid: string; alg: string; [member: string]: unknown };
export type ClientJwks = { keys: ClientJwk[] };

export const agents = pgTable(
  "agents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    email: text("email").notNull().unique(),
    owner: text("owner").notNull(),
    deploymentEnv: text("deployment_env").notNull(),
    allowedScopes: text("allowed_scopes").array().notNull().default(sql`'{}'::text[]`),
    // Free key/value labels (team, cost centre, …): runtime policy reads them as the agent's tags.
    labels: jsonb("labels").$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    status: text("status", { enum: agentStatuses }).notNull().default("active"),
    // Audiences tokens for this agent may name (RFC 8707 resource / audience); null = only
    // Vigil's own API audience (VIGIL_API_AUDIENCE), whatever it is configured to.
    allowedResources: text("allowed_resources").array(),
    // OAuth client registration for agents people authorize interactively (authorization code).
    description: text("description"),
    redirectUris: text("redirect_uris").array().notNull().default(sql`'{}'::text[]`),
    // public: a native agent without a secret (PKCE and refresh rotation only).
    clientType: text("client_type", { enum: clientTypes }).notNull().default("confidential"),
    // once: a person's live grant covering the request skips the consent page.
    consentMode: text("consent_mode", { enum: consentModes }).notNull().default("always"),
    logoUri: text("logo_uri"),
    homepageUri: text("homepage_uri"),
    // An MCP client identified by a client ID metadata document: its client_id is this https
    // URL (a public credential with that client_id is kept for it). Unique across agents.
    clientIdUrl: text("client_id_url").unique(),
    // Public keys for private_key_jwt client authentication (RFC 7523 §2.2), validated at
    // registration (lib/identity/agents/jwks.ts); null = none registered.
    jwks: jsonb("jwks").$type<ClientJwks>(),
    // Or where they are published (fetched, cached, refreshed for an unknown kid); never both.
    jwksUri: text("jwks_uri"),
    // required: every token this agent gets is bound to a key it proves with DPoP (RFC 9449),
    // so a copied token is useless without the private key.
    dpop: text("dpop", { enum: dpopModes }).notNull().default("optional"),
    // Workload identity federation: the configured issuer (WORKLOAD_ISSUERS name) and the
    // subject (a SPIFFE ID, a service account) whose JWT authenticates this agent. Both or neither.
    workloadIssuer: text("workload_issuer"),
    workloadSubject: text("workload_subject"),
    // null = the instance-wide default (TOKEN_MONTHLY_QUOTA); 0 = unlimited.
    monthlyTokenQuota: integer("monthly_token_quota"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date", precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("agents_status_created_idx").on(t.status, t.createdAt, t.id),
    index("agents_owner_created_idx").on(t.owner, t.createdAt, t.id),
    index("agents_created_idx").on(t.createdAt, t.id),
    check("agents_status_check", sql`${t.status} in ('active', 'suspended', 'decommissioned')`),
    check("agents_client_type_check", sql`${t.clientType} in ('confidential', 'public')`),
    check("agents_consent_mode_check", sql`${t.consentMode} in ('always', 'once')`),
    check("agents_jwks_one_source_check", sql`${t.jwks} is null or ${t.jwksUri} is null`),
    uniqueIndex("agents_workload_identity_idx").on(t.workloadIssuer, t.workloadSubject),
    check("agents_workload_identity_check", sql`(${t.workloadIssuer} is null) = (${t.workloadSubject} is null)`),
    check("agents_dpop_check", sql`${t.dpop} in ('optional', 'required')`),
  ],
);

export type Agent = typeof agents.$inferSelect;
export type NewAgent = typeof agents.$inferInsert;
