import { getConfig } from "@/lib/config";
import { jwks } from "@/lib/identity/keys/keyring";
import { API_SCOPES } from "@/lib/gate/actor";
import { json } from "../problem";
import type { Handler } from "../types";

// Verifiers may cache keys this long; a rotation publishes the next key well before it signs.
const JWKS_CACHE = "public, max-age=300";

// GET /.well-known/openid-configuration – issuer metadata (RFC 8414 fields)
export const openidConfiguration: Handler = async () => {
  const { issuer } = getConfig();
  return json(
    {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer}/api/v1/token`,
      introspection_endpoint: `${issuer}/api/v1/introspect`,
      revocation_endpoint: `${issuer}/api/v1/revoke`,
      grant_types_supported: ["client_credentials"],
      response_types_supported: ["token"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      scopes_supported: [...API_SCOPES, "autoheal:ack", "tokens:introspect"],
      access_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA"],
    },
    200,
    { "Cache-Control": JWKS_CACHE },
  );
};

// GET /.well-known/jwks.json – public signing keys (pending, active, and retiring)
export const jwksHandler: Handler = async () => json(jwks(), 200, { "Cache-Control": JWKS_CACHE });
