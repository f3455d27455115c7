import { decodeJwt, importJWK, SignJWT } from "jose";
import * as oauth from "oauth4webapi";
import { describe, expect, inject, it } from "vitest";
import { adminToken, agentInput, api } from "../support/client";

const spire = inject("spire");
const options = { [oauth.allowInsecureRequests]: true };

/**
 * Agents that hold no secret, against the production build: a workload with a SPIFFE ID
 * presents its JWT-SVID (signed by the JWT authority of the bundle the instance was started
 * with, WORKLOAD_ISSUERS) as its client assertion, through oauth4webapi as a client would.
 */
describe.each(inject("servers"))("secretless agents on $name", ({ baseUrl }) => {
  const svid = async (sub: string, aud = `${baseUrl}/api/v1/token`) =>
    new SignJWT({ sub, aud: [aud], iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 })
      .setProtectedHeader({ alg: "ES256", kid: spire.kid, typ: "JWT" })
      .sign(await importJWK(spire.privateJwk as Parameters<typeof importJWK>[0], "ES256"));

  it("issues a token to a workload for its JWT-SVID; the agent's only credential has no secret", async () => {
    const admin = api(baseUrl, await adminToken(baseUrl));
    const subject = `spiffe://${spire.domain}/ns/agents/sa/billing-${Math.random().toString(36).slice(2)}`;
    const created = await admin("POST", "/api/v1/agents", agentInput({ workload_identity: { issuer: "spire", subject } }));
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.workload_identity).toEqual({ issuer: "spire", subject });
    const agentId = created.json.id as string;
    const credential = await admin("POST", `/api/v1/agents/${agentId}/credentials`, { secret: false });
    expect(credential.status).toBe(201);
    expect(credential.json.client_secret).toBeNull();

    const issuer = new URL(baseUrl);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...options }));
    const client = { client_id: credential.json.client_id as string };
    // oauth4webapi sends client_id with the assertion; Vigil checks it names the bound agent's credential.
    const assertion = await svid(subject);
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.None(), { client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: assertion }, options);
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: agentId, client_id: client.client_id });

    // A secret for this credential does not exist; its client_id alone is no login.
    const alone = await fetch(`${baseUrl}/api/v1/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.client_id }) });
    expect(alone.status).toBe(401);
    // An SVID for another audience is refused, and the refusal is audited with its reason.
    const elsewhere = await fetch(`${baseUrl}/api/v1/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: await svid(subject, "https://other.example.com") }),
    });
    expect(elsewhere.status).toBe(401);
    expect(await elsewhere.json()).toMatchObject({ error: "invalid_client", error_description: expect.stringMatching(/aud/) });
    const audit = await admin("GET", `/api/v1/audit?q=${encodeURIComponent("kind=auth.failed")}&n=20`);
    expect(JSON.stringify(audit.json)).toContain("workload_aud_invalid");
  });
});
