import jwt from "jsonwebtoken";
import jwksClient from "jwks-rsa";
import * as oidc from "openid-client";
import { describe, expect, inject, it } from "vitest";
import { agentWithCredential } from "../support/client";

/**
 * Interoperability with code no one here wrote: openid-client discovers the issuer and
 * runs client_credentials; jsonwebtoken with jwks-rsa verifies the result.
 */
describe.each(inject("servers"))("interoperability on $name", ({ baseUrl }) => {
  it("openid-client obtains a token that jsonwebtoken + jwks-rsa accept", async () => {
    const agent = await agentWithCredential(baseUrl, { allowed_scopes: ["svc:read", "svc:write"] });
    const config = await oidc.discovery(new URL(baseUrl), agent.clientId, agent.secret, oidc.ClientSecretBasic(agent.secret), {
      execute: [oidc.allowInsecureRequests],
    });
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "svc:write" });
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.scope).toBe("svc:write");

    const keys = jwksClient({ jwksUri: config.serverMetadata().jwks_uri ?? "" });
    const header = jwt.decode(tokens.access_token, { complete: true })?.header;
    const signingKey = await keys.getSigningKey(header?.kid);
    const claims = jwt.verify(tokens.access_token, signingKey.getPublicKey(), {
      algorithms: ["RS256"],
      issuer: baseUrl,
      audience: baseUrl,
    }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: agent.id, client_id: agent.clientId, scope: "svc:write" });
    expect(header?.typ).toBe("at+jwt");
  });
});
