import { API_SCOPES } from "@/lib/access/actor";
import { getConfig } from "@/lib/config";
import { jwks } from "@/lib/keys/keyring";
import { CLIENT_ASSERTION_ALGS } from "./agents/jwks";
import { dpopPolicy } from "./dpop/policy";
import { oauthEndpoints } from "./endpoints";
import { GRANT_TYPES } from "./tokens/issue";

/**
 * Authorization server metadata (RFC 8414), served at /.well-known/oauth-authorization-server
 * and as OpenID discovery. `issuer` is byte for byte the `iss` of every token (strict clients
 * such as oauth4webapi compare them exactly).
 */
export function issuerMetadata() {
  const { issuer } = getConfig();
  const endpoints = oauthEndpoints(issuer);
  const assertionAlgs = [...CLIENT_ASSERTION_ALGS];
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    token_endpoint: endpoints.token,
    introspection_endpoint: endpoints.introspect,
    revocation_endpoint: endpoints.revoke,
    authorization_endpoint: endpoints.authorize,
    grant_types_supported: [...GRANT_TYPES],
    // The authorization code flow only: no implicit grant (OAuth 2.1), no ID tokens.
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    code_challenge_methods_supported: ["S256"],
    authorization_response_iss_parameter_supported: true,
    // "none": public clients (native agents) with PKCE and refresh rotation only.
    // private_key_jwt (RFC 7523 §2.2): agents that registered public keys.
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    token_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    introspection_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    revocation_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    scopes_supported: [...new Set([...API_SCOPES, "tokens:introspect"])],
    access_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA"],
    // RFC 9449 §5.1: a DPoP proof with a token request binds the token to its key.
    dpop_signing_alg_values_supported: [...dpopPolicy().algorithms],
  };
}

/**
 * RFC 9728 protected-resource metadata for Vigil's own API: which authorization server
 * issues tokens for it and how to present them. Its 401 answers point here
 * (`WWW-Authenticate: Bearer resource_metadata="…"`), so an MCP client that meets the API
 * unauthenticated finds where to get a token.
 */
export function protectedResourceMetadata() {
  const { issuer, apiAudience } = getConfig();
  return {
    resource: apiAudience,
    authorization_servers: [issuer],
    scopes_supported: [...new Set([...API_SCOPES, "tokens:introspect"])],
    bearer_methods_supported: ["header"],
    // RFC 9449 §7.1 / RFC 9728 §2: DPoP-bound tokens are accepted (and bound ones need their proof).
    dpop_signing_alg_values_supported: [...dpopPolicy().algorithms],
    dpop_bound_access_tokens_required: false,
    resource_name: "Vigil API",
    resource_documentation: `${issuer}/`,
  };
}

export const protectedResourceMetadataUrl = () => `${getConfig().issuer}/.well-known/oauth-protected-resource`;

/** The public signing keys: pending, active, and retiring ones until their last token expires. */
export const publicSigningKeys = () => jwks();
