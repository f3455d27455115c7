/**
 * The shapes Vigil's API answers with (the views in lib/: agentView, credentialView,
 * toView, ...). Written out here so the package stands alone; the operations list
 * (operations.ts) is what is checked against the route table / OpenAPI document.
 */
export type AgentStatus = "active" | "suspended" | "decommissioned";

export type Agent = {
  id: string;
  name: string;
  email: string;
  owner: string;
  deployment_env: string;
  allowed_scopes: string[];
  labels: Record<string, string>;
  allowed_resources: string[] | null;
  description: string | null;
  redirect_uris: string[];
  client_type: "confidential" | "public";
  consent_mode: string;
  logo_uri: string | null;
  homepage_uri: string | null;
  client_id_url: string | null;
  jwks: { keys: Record<string, unknown>[] } | null;
  jwks_uri: string | null;
  dpop: string;
  workload_identity: { issuer: string; subject: string } | null;
  status: AgentStatus;
  monthly_token_quota: number | null;
  created_at: string;
  updated_at: string;
  last_seen_at: string | null;
};

export type NewAgent = {
  name: string;
  email: string;
  owner: string;
  deployment_env: string;
  allowed_scopes?: string[];
  labels?: Record<string, string>;
  description?: string | null;
  monthly_token_quota?: number | null;
  allowed_resources?: string[] | null;
} & Record<string, unknown>;

export type AgentList = { agents: Agent[]; next_cursor: string | null };
export type AgentListQuery = { status?: AgentStatus; owner?: string; search?: string; limit?: number; cursor?: string };

export type Credential = {
  id: string;
  agent_id: string;
  client_id: string;
  status: "active" | "revoked";
  public: boolean;
  created_at: string;
  rotated_at: string | null;
  previous_secret_expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
};

/** Generated or rotated: the secret is in this answer only (null for a secretless credential). */
export type CredentialWithSecret = Credential & { client_secret: string | null };

export type SigningKey = { kid: string; alg: string; activates_at: string; can_sign: boolean };
export type RotatedKey = { kid: string; alg: string; activates_at: string };

export type TokenResponse = { access_token: string; token_type: string; expires_in: number; scope: string };

export type AuditEvent = {
  id: string;
  ts: string;
  kind: string;
  actor: string;
  actor_chain?: string[];
  agent_id: string | null;
  client_id: string | null;
  outcome: "success" | "failure" | "denied";
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  alertname: string | null;
  rule: string | null;
  labels: Record<string, string> | null;
  metadata: Record<string, unknown>;
};

export type AuditQuery = { q?: string; since?: string; until?: string; n?: number; cursor?: string };
export type AuditPage = { events: AuditEvent[]; next_cursor: string | null };
export type ExportFormat = "ndjson" | "csv";

export type Checkpoint = {
  seq: number;
  created_at: string;
  first_id: string;
  last_id: string;
  count: number;
  min_ts: string;
  max_ts: string;
  hash: string;
  document: Record<string, unknown>;
  jws: string;
};
export type CheckpointPage = { checkpoints: Checkpoint[]; next_cursor: string | null };

export type VerifyFinding = { seq: number; problem: string; event_id?: string; detail: string };
export type VerifyReport = {
  ok: boolean;
  checked_checkpoints: number;
  checked_events: number;
  expired_checkpoints: number;
  unsealed_events: number;
  first_checkpoint: number | null;
  last_checkpoint: number | null;
  last_hash: string | null;
  finding: VerifyFinding | null;
};

export type AutohealStatus = {
  enabled: boolean;
  dry_run: boolean;
  updated_at: string;
  updated_by?: string | null;
  last_heartbeat: string | null;
  rules: number;
  active_cooldowns: { rule: string; alertname: string; until: string; remaining_seconds: number }[];
};
export type AutohealSwitches = { enabled?: boolean; dry_run?: boolean };

/** An Alertmanager silence Vigil created (an operator's ack or a rule's action), with where its log says it came from. */
export type Silence = {
  id: string;
  state: "active" | "pending" | "expired";
  matchers: { name: string; value: string; is_regex: boolean; is_equal: boolean }[];
  starts_at: string;
  ends_at: string;
  updated_at: string;
  created_by: string;
  comment: string;
  origin: { via: "ack" | "rule"; actor: string; rule: string | null; job_id: number | null; event_id: string; at: string };
};
export type SilenceList = { silences: Silence[] };

/** Issuer metadata (RFC 8414 / OpenID discovery); only the fields the client reads are typed. */
export type IssuerMetadata = { issuer: string; jwks_uri: string; token_endpoint: string } & Record<string, unknown>;
export type Jwks = { keys: ({ kid?: string; alg?: string; kty: string } & Record<string, unknown>)[] };
