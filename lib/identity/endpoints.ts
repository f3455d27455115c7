/**
 * Vigil's OAuth endpoint URLs under its issuer, as metadata advertises them. Client
 * assertions name one of them (or the issuer) as their audience, so both read them here.
 */
export function oauthEndpoints(issuer: string) {
  return {
    token: `${issuer}/api/v1/token`,
    introspect: `${issuer}/api/v1/introspect`,
    revoke: `${issuer}/api/v1/revoke`,
    authorize: `${issuer}/api/v1/authorize`,
  };
}

export type OAuthEndpointName = keyof ReturnType<typeof oauthEndpoints>;
