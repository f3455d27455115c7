import { API_SCOPES } from "@/lib/access/actor";
import { getConfig } from "@/lib/config";
import { jwks } from "@/lib/keys/keyring";
import { TOKEN_EXCHANGE } from "./tokens/issue";

/**
 * Authorization server metadata (RFC 8414), served at /.well-known/oauth-authorization-server
 * and as OpenID discovery. `issuer` is byte for byte the `iss` of every token (strict clients
 * such as oauth4webapi compare them exactly).
 */
export function issuerMetadata() {
  const { issuer } = getConfig();
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    token_endpoint: `${issuer}/api/v1/token`,
    introspection_endpoint: `${issuer}/api/v1/introspect`,
    revocation_endpoint: `${issuer}/api/v1/revoke`,
    grant_types_supported: ["client_credentials", TOKEN_EXCHANGE],
    response_types_supported: ["token"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    scopes_supported: [...new Set([...API_SCOPES, "tokens:introspect"])],
    access_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA"],
  };
}

/** The public signing keys: pending, active, and retiring ones until their last token expires. */
export const publicSigningKeys = () => jwks();
