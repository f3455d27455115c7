import type { ClientType, ConsentMode, DpopMode } from "@/drizzle/agents";
import type { AgentView } from "@/lib/identity/agents/schemas";

/** The form's text for every field; the API's JSON comes from payloadOf. */
export type Values = {
  name: string;
  email: string;
  owner: string;
  deployment_env: string;
  allowed_scopes: string;
  allowed_resources: string;
  monthly_token_quota: string;
  description: string;
  redirect_uris: string;
  client_type: ClientType;
  consent_mode: ConsentMode;
  dpop: DpopMode;
  jwks: string;
  jwks_uri: string;
  workload_issuer: string;
  workload_subject: string;
  logo_uri: string;
  homepage_uri: string;
};
export type AgentPayload = Partial<Omit<AgentView, "id" | "status" | "created_at" | "updated_at" | "last_seen_at">>;

export type Field = {
  name: keyof Values;
  label: string;
  hint?: string;
  type?: "email" | "number" | "url";
  /** A textarea; `list` ones are sent as one entry per line. */
  area?: "list" | "text";
  options?: { value: string; label: string }[];
  /** Where the API reports this field's problems, when not at its name. */
  apiPath?: string;
};

export const AGENT_FIELDS: Field[] = [
  { name: "name", label: "Name" },
  { name: "email", label: "Email", type: "email", hint: "unique; where its owner can be reached" },
  { name: "owner", label: "Owner", hint: "team or person accountable" },
  { name: "deployment_env", label: "Deployment environment", hint: "e.g. production, staging" },
  { name: "allowed_scopes", label: "Allowed scopes", hint: "space-separated, e.g. orders:read orders:write" },
  {
    name: "allowed_resources",
    label: "Registered resources",
    area: "list",
    hint: "audiences its tokens may name (RFC 8707), one per line, e.g. https://invoices.example.com/; empty: Vigil's API only",
  },
  { name: "monthly_token_quota", label: "Monthly token quota", type: "number", hint: "blank: the server default" },
];

/** How people let the agent act for them: the OAuth client registration the consent page shows. */
export const CLIENT_FIELDS: Field[] = [
  { name: "description", label: "Description", area: "text", hint: "shown to people on the consent page: what the agent does for them (at most 1000 characters)" },
  {
    name: "redirect_uris",
    label: "Redirect URIs",
    area: "list",
    hint: "one per line, matched exactly: https, http on 127.0.0.1, [::1] or localhost (any port at request time, RFC 8252), or a private-use scheme such as com.example.app:/callback; empty: people cannot authorize it",
  },
  {
    name: "client_type",
    label: "Client type",
    options: [
      { value: "confidential", label: "Confidential — a server that keeps a secret" },
      { value: "public", label: "Public — a native or browser app, no secret (PKCE only)" },
    ],
    hint: "a public client's credentials have no secret: revoke credentials with a secret before switching to public",
  },
  {
    name: "consent_mode",
    label: "Consent",
    options: [
      { value: "always", label: "Ask every time" },
      { value: "once", label: "Ask once — skip the page while a live grant covers the request" },
    ],
  },
  { name: "logo_uri", label: "Logo URL", type: "url", hint: "https only; shown on the consent page (blank: its initial)" },
  { name: "homepage_uri", label: "Homepage URL", type: "url", hint: "https only; linked from the consent page" },
];

/** How the agent proves itself: keys for private_key_jwt, a workload identity, DPoP. */
export const PROOF_FIELDS: Field[] = [
  {
    name: "jwks",
    label: "Public keys (JWKS)",
    area: "text",
    hint: 'private_key_jwt: {"keys": [...]} with 1-10 public keys, each with kid and alg (ES256, RS256, PS256 or EdDSA); empty: none',
  },
  { name: "jwks_uri", label: "Public keys URL (jwks_uri)", type: "url", hint: "or where the agent publishes them: https (http only on loopback); never both" },
  {
    name: "dpop",
    label: "Proof of possession (DPoP)",
    options: [
      { value: "optional", label: "Optional — tokens are bound to a key when the agent sends a DPoP proof" },
      { value: "required", label: "Required — no token without a DPoP proof; a copied token is useless" },
    ],
    hint: "RFC 9449: a bound token works only with a fresh proof signed by the agent's private key",
  },
  { name: "workload_issuer", label: "Workload issuer", hint: "a configured workload issuer's name (WORKLOAD_ISSUERS), e.g. spire; empty: none", apiPath: "workload_identity.issuer" },
  { name: "workload_subject", label: "Workload subject", hint: "the subject its tokens carry, e.g. spiffe://example.org/ns/agents/sa/billing-bot", apiPath: "workload_identity.subject" },
];

export const ALL_FIELDS = [...AGENT_FIELDS, ...CLIENT_FIELDS, ...PROOF_FIELDS];

export const valuesOf = (a?: AgentView): Values => ({
  name: a?.name ?? "",
  email: a?.email ?? "",
  owner: a?.owner ?? "",
  deployment_env: a?.deployment_env ?? "",
  allowed_scopes: a?.allowed_scopes.join(" ") ?? "",
  allowed_resources: a?.allowed_resources?.join("\n") ?? "",
  monthly_token_quota: a?.monthly_token_quota === null || a?.monthly_token_quota === undefined ? "" : String(a.monthly_token_quota),
  description: a?.description ?? "",
  redirect_uris: a?.redirect_uris.join("\n") ?? "",
  client_type: a?.client_type ?? "confidential",
  consent_mode: a?.consent_mode ?? "always",
  dpop: a?.dpop ?? "optional",
  jwks: a?.jwks ? JSON.stringify(a.jwks, null, 2) : "",
  jwks_uri: a?.jwks_uri ?? "",
  workload_issuer: a?.workload_identity?.issuer ?? "",
  workload_subject: a?.workload_identity?.subject ?? "",
  logo_uri: a?.logo_uri ?? "",
  homepage_uri: a?.homepage_uri ?? "",
});

const lines = (text: string): string[] =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

const orNull = (text: string) => (text.trim() === "" ? null : text.trim());

/** The JSON a textarea holds, or its text as typed: the API then says what is wrong with it. */
function jsonOrText(text: string): never {
  try {
    return JSON.parse(text) as never;
  } catch {
    return text as never;
  }
}

export function payloadOf(v: Values): AgentPayload {
  const resources = lines(v.allowed_resources);
  return {
    name: v.name,
    email: v.email,
    owner: v.owner,
    deployment_env: v.deployment_env,
    allowed_scopes: v.allowed_scopes.split(/\s+/).filter(Boolean),
    // No lines: null, the default (only Vigil's own API audience).
    allowed_resources: resources.length > 0 ? resources : null,
    monthly_token_quota: v.monthly_token_quota.trim() === "" ? null : Number(v.monthly_token_quota),
    description: orNull(v.description),
    redirect_uris: lines(v.redirect_uris),
    client_type: v.client_type,
    consent_mode: v.consent_mode,
    dpop: v.dpop,
    jwks: v.jwks.trim() === "" ? null : jsonOrText(v.jwks),
    jwks_uri: orNull(v.jwks_uri),
    workload_identity: v.workload_issuer.trim() === "" && v.workload_subject.trim() === "" ? null : { issuer: v.workload_issuer.trim(), subject: v.workload_subject.trim() },
    logo_uri: orNull(v.logo_uri),
    homepage_uri: orNull(v.homepage_uri),
  };
}

/** Which line of a textarea holds its `index`-th entry (blank lines are skipped when sent). */
function lineOf(text: string, index: number): number | null {
  let seen = -1;
  const all = text.split("\n");
  for (let i = 0; i < all.length; i++) {
    if ((all[i] ?? "").trim() !== "") seen += 1;
    if (seen === index) return i + 1;
  }
  return null;
}

/**
 * The API's problems with one field, in words: a list field's `redirect_uris.2` names the
 * textarea line the third entry is on.
 */
export function problemsFor(field: Field, problems: { path: string; message: string }[], text: string): string | null {
  const name = field.apiPath ?? field.name;
  const mine = problems.filter((p) => p.path === name || p.path.startsWith(`${name}.`));
  if (mine.length === 0) return null;
  return mine
    .map((p) => {
      const rest = p.path.slice(name.length + 1);
      const line = field.area === "list" && /^\d+$/.test(rest) ? lineOf(text, Number(rest)) : null;
      return line === null ? p.message : `line ${line}: ${p.message}`;
    })
    .join("; ");
}
