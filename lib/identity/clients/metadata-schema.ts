import { z } from "zod";

/** A client as its metadata document describes it, after Vigil's checks. */
export type ClientMetadata = {
  /** The https URL the document was fetched from, and its own client_id. */
  readonly clientId: string;
  /** Shown to the person authorizing; null when the document names none. */
  readonly clientName: string | null;
  readonly redirectUris: readonly string[];
  readonly logoUri: string | null;
  readonly clientUri: string | null;
  readonly tosUri: string | null;
  readonly policyUri: string | null;
  /** Always "none": these clients have no secret (no way to share one exists). */
  readonly tokenEndpointAuthMethod: "none";
  readonly grantTypes: readonly ("authorization_code" | "refresh_token")[];
  readonly responseTypes: readonly "code"[];
  /** Space-separated scopes the client says it may ask for, if any (RFC 7591 §2). */
  readonly scope: string | null;
};

const MAX_URI = 2000;

// Text shown to a person must not carry control characters or bidirectional overrides,
// which can make "Evil" read as another name on the consent page.
const displayText = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$/u, "must not contain control or bidirectional-override characters");

const httpsUri = z
  .string()
  .max(MAX_URI)
  .refine((v) => URL.canParse(v) && new URL(v).protocol === "https:" && !v.includes("#"), "must be an https URL without a fragment");

const LOOPBACK_REDIRECT_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * RFC 8252 redirect URIs: https; http only to the loopback interface (§7.3; "localhost" is
 * NOT RECOMMENDED by §8.3 but allowed, and common among MCP clients); or a private-use scheme
 * named after a reverse domain, such as com.example.app:/callback (§7.1), which also rules
 * out javascript:, data: and file:. Never a fragment (RFC 6749 §3.1.2).
 */
function redirectUriProblem(value: string): string | null {
  if (!URL.canParse(value)) return "is not an absolute URI";
  if (value.includes("#")) return "must not contain a fragment";
  const url = new URL(value);
  const scheme = url.protocol.slice(0, -1);
  if (scheme === "https") return null;
  if (scheme === "http") return LOOPBACK_REDIRECT_HOSTS.has(url.hostname) ? null : "may use http only for a loopback address (127.0.0.1, [::1], localhost)";
  return scheme.includes(".") ? null : "must be https, loopback http, or a private-use scheme named after a domain (com.example.app:/callback)";
}

const redirectUri = z
  .string()
  .max(MAX_URI)
  .superRefine((value, ctx) => {
    const problem = redirectUriProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/**
 * The document, zod at the edge. Unknown members are dropped (RFC 7591 §2: a server ignores
 * metadata it does not understand); every member Vigil keeps is bounded, and the whole body
 * already is (CLIENT_METADATA_MAX_BYTES).
 */
export const metadataDocumentSchema = z
  .object({
    client_id: z.string().max(2048),
    client_name: displayText.optional(),
    redirect_uris: z.array(redirectUri, "must be a list of redirect URIs").min(1, "must list at least one redirect URI").max(20, "at most 20 redirect URIs"),
    logo_uri: httpsUri.optional(),
    client_uri: httpsUri.optional(),
    tos_uri: httpsUri.optional(),
    policy_uri: httpsUri.optional(),
    // Omitted means "none" here, not RFC 7591's client_secret_basic default: no secret can
    // be shared with a client known only by a URL, and the draft forbids the secret methods.
    token_endpoint_auth_method: z
      .string()
      .refine((m) => m === "none", "must be none (or omitted): a client known by its URL has no secret, and Vigil does not yet accept private_key_jwt")
      .optional(),
    grant_types: z
      .array(z.enum(["authorization_code", "refresh_token"], "only authorization_code and refresh_token are allowed"))
      .min(1)
      .max(2)
      .refine((g) => g.includes("authorization_code"), "must include authorization_code")
      .optional(),
    response_types: z.array(z.literal("code", "only code is allowed")).min(1).max(1).optional(),
    scope: z
      .string()
      .max(1000)
      .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, "must be space-separated scope tokens")
      .optional(),
    // The draft forbids these in a metadata document; a document carrying them is confused.
    client_secret: z.never("must not appear: a client known by its URL has no secret").optional(),
    client_secret_expires_at: z.never("must not appear: a client known by its URL has no secret").optional(),
  })
  .transform(
    (d): ClientMetadata => ({
      clientId: d.client_id,
      clientName: d.client_name ?? null,
      redirectUris: Object.freeze([...new Set(d.redirect_uris)]),
      logoUri: d.logo_uri ?? null,
      clientUri: d.client_uri ?? null,
      tosUri: d.tos_uri ?? null,
      policyUri: d.policy_uri ?? null,
      tokenEndpointAuthMethod: "none",
      grantTypes: Object.freeze([...new Set(d.grant_types ?? ["authorization_code" as const])]),
      responseTypes: Object.freeze(["code" as const]),
      scope: d.scope ?? null,
    }),
  );
