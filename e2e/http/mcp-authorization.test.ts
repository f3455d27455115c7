import { decodeJwt } from "jose";
import * as oauth from "oauth4webapi";
import { describe, expect, inject, it } from "vitest";
import { agentWithCredential, api } from "../support/client";
import { DPOP_CHALLENGE } from "../support/dpop";
import { personToken } from "../support/person-token";
import { ORDERS_AUDIENCE } from "../support/vigil-process";

const idp = inject("idp");
const REDIRECT = "http://127.0.0.1/mcp/callback";
const options = { [oauth.allowInsecureRequests]: true };

/**
 * What the Model Context Protocol's authorization specification (2025-06-18, "Authorization")
 * expects of an authorization server, one test per requirement, named by its section; each
 * checked with oauth4webapi, a strict client, as an MCP client would.
 */
describe.each(inject("servers"))("MCP authorization server conformance on $name", ({ baseUrl }) => {
  const issuer = new URL(baseUrl);
  const discover = async () => oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...options }));

  /** An MCP client registered as an agent; a person approves it through the decision endpoint with their own provider token. */
  async function authorizedCode(extra: Record<string, unknown> = {}, authorize: Record<string, string> = {}) {
    const agent = await agentWithCredential(baseUrl, { allowed_scopes: ["invoices:read"], allowed_resources: [ORDERS_AUDIENCE, baseUrl], redirect_uris: [REDIRECT], ...extra });
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const params = {
      response_type: "code",
      client_id: agent.clientId,
      redirect_uri: REDIRECT,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      scope: "invoices:read",
      ...authorize,
    };
    const alice = await personToken(idp, "viewer-finance-alice", "invoices:read");
    const decided = await api(baseUrl, alice)("POST", "/api/v1/authorize/decision", { ...params, decision: "approve", duration_seconds: 3600 });
    expect(decided.status, JSON.stringify(decided.json)).toBe(200);
    return { agent, verifier, state, callback: new URL(decided.json.redirect_to as string) };
  }

  it("§2.3.2 (RFC 8414): authorization server metadata with the fields an MCP client needs, issuer exact", async () => {
    const as = await discover();
    expect(as.issuer).toBe(baseUrl);
    expect(as.authorization_endpoint).toBe(`${baseUrl}/api/v1/authorize`);
    expect(as.token_endpoint).toBe(`${baseUrl}/api/v1/token`);
    expect(as.response_types_supported).toEqual(["code"]);
    expect(as.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
    expect(as.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["none", "client_secret_basic"]));
    expect(new Set(as.scopes_supported).size).toBe(as.scopes_supported?.length);
  });

  it("§2.1.1 / §2.4 (OAuth 2.1 §7.5.2): PKCE with S256 is advertised and required; plain is refused", async () => {
    const as = await discover();
    expect(as.code_challenge_methods_supported).toEqual(["S256"]);
    const agent = await agentWithCredential(baseUrl, { redirect_uris: [REDIRECT] });
    const plain = new URL(as.authorization_endpoint ?? "");
    plain.search = new URLSearchParams({ response_type: "code", client_id: agent.clientId, redirect_uri: REDIRECT, code_challenge: "x".repeat(43), code_challenge_method: "plain", state: "s" }).toString();
    const res = await fetch(plain, { redirect: "manual" });
    const back = new URL(res.headers.get("location") ?? "");
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("iss")).toBe(baseUrl);
  });

  it("§2.3.1 (RFC 9728): protected-resource metadata names this authorization server, and a 401 points to it", async () => {
    const res = await fetch(`${baseUrl}/.well-known/oauth-protected-resource`);
    const metadata = (await res.json()) as { resource: string; authorization_servers: string[] };
    expect(metadata.resource).toBe(baseUrl);
    expect(metadata.authorization_servers).toEqual([baseUrl]);
    const unauthenticated = await fetch(`${baseUrl}/api/v1/agents`);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("www-authenticate")).toBe(`Bearer realm="vigil", resource_metadata="${baseUrl}/.well-known/oauth-protected-resource", ${DPOP_CHALLENGE}`);
  });

  it("§2.5.1 (RFC 8707): the resource parameter binds the token's audience; an unregistered one is refused", async () => {
    const { agent, verifier, state, callback } = await authorizedCode({}, { resource: ORDERS_AUDIENCE });
    const as = await discover();
    const client = { client_id: agent.clientId };
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretBasic(agent.secret), params, REDIRECT, verifier, options));
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: ORDERS_AUDIENCE, scope: "invoices:read" });
    const elsewhere = new URL(as.authorization_endpoint ?? "");
    elsewhere.search = new URLSearchParams({ response_type: "code", client_id: agent.clientId, redirect_uri: REDIRECT, code_challenge: "A".repeat(43), code_challenge_method: "S256", state: "s", resource: "https://payroll.example.com/" }).toString();
    const refused = new URL((await fetch(elsewhere, { redirect: "manual" })).headers.get("location") ?? "");
    expect(refused.searchParams.get("error")).toBe("invalid_target");
  });

  it("§2.6 (OAuth 2.1 §4.3): refresh tokens rotate for public clients, and a reused one revokes the family", async () => {
    const { agent, verifier, state, callback } = await authorizedCode({ client_type: "public" });
    expect(agent.secret).toBeNull();
    const as = await discover();
    const client = { client_id: agent.clientId, token_endpoint_auth_method: "none" };
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const first = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, options));
    expect(decodeJwt(first.access_token)).toMatchObject({ sub: `${idp.issuer}#viewer-finance-alice`, act: { sub: agent.id } });
    const second = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token ?? "", options));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const reused = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token ?? "", options);
    await expect(oauth.processRefreshTokenResponse(as, client, reused)).rejects.toMatchObject({ error: "invalid_grant" });
    const afterReuse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), second.refresh_token ?? "", options);
    await expect(oauth.processRefreshTokenResponse(as, client, afterReuse)).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("§2.9.3 (OAuth 2.1 §4.1.3): a code is single use, bound to its client, redirect_uri and verifier", async () => {
    const { agent, verifier, state, callback } = await authorizedCode();
    const as = await discover();
    const client = { client_id: agent.clientId };
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const wrongVerifier = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretBasic(agent.secret), params, REDIRECT, oauth.generateRandomCodeVerifier(), options);
    await expect(oauth.processAuthorizationCodeResponse(as, client, wrongVerifier)).rejects.toMatchObject({ error: "invalid_grant" });
    await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretBasic(agent.secret), params, REDIRECT, verifier, options));
    const replay = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretBasic(agent.secret), params, REDIRECT, verifier, options);
    await expect(oauth.processAuthorizationCodeResponse(as, client, replay)).rejects.toMatchObject({ error: "invalid_grant" });
  });
});
