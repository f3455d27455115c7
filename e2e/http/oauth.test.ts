import { createRemoteJWKSet, jwtVerify } from "jose";
import { describe, expect, inject, it } from "vitest";
import { agentWithCredential, basic, tokenFor } from "../support/client";

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe.each(inject("servers"))("OAuth endpoints on $name", ({ baseUrl }) => {
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });

  it("publishes discovery and a JWKS of public keys only", async () => {
    const discovery = await fetch(`${baseUrl}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    const meta = (await discovery.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: baseUrl,
      jwks_uri: `${baseUrl}/.well-known/jwks.json`,
      token_endpoint: `${baseUrl}/api/v1/token`,
      introspection_endpoint: `${baseUrl}/api/v1/introspect`,
      revocation_endpoint: `${baseUrl}/api/v1/revoke`,
      grant_types_supported: ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"],
      // "none": public clients (PKCE only) at the token endpoint; private_key_jwt: agents with registered keys.
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
      token_endpoint_auth_signing_alg_values_supported: ["RS256", "PS256", "ES256", "EdDSA"],
    });
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(["agents:read", "agents:write", "audit:read", "admin"]));
    const jwksRes = await fetch(`${baseUrl}/.well-known/jwks.json`);
    expect(jwksRes.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const { keys } = (await jwksRes.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ use: "sig", alg: "RS256", kty: "RSA" });
      for (const secretPart of ["d", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(secretPart);
    }
  });

  it("issues a token over HTTP (Basic and post) that verifies against the published JWKS", async () => {
    const agent = await agentWithCredential(baseUrl);
    const res = await post("/api/v1/token", form({ grant_type: "client_credentials", scope: "svc:read" }), { authorization: basic(agent.clientId, agent.secret) });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "svc:read" });
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`)), {
      issuer: baseUrl,
      audience: baseUrl,
    });
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload.sub).toBe(agent.id);

    const viaPost = await post("/api/v1/token", form({ grant_type: "client_credentials", client_id: agent.clientId, client_secret: agent.secret }));
    expect(viaPost.status).toBe(200);
  });

  it.each([
    ["JSON instead of a form", { "content-type": "application/json" }, '{"grant_type":"client_credentials"}', 415, "invalid_request"],
    ["no grant_type", {}, "scope=x", 400, "invalid_request"],
    ["a grant Vigil does not offer (password)", {}, "grant_type=password&username=a&password=b", 400, "unsupported_grant_type"],
    ["a code without its verifier and redirect_uri", {}, "grant_type=authorization_code&code=x", 400, "invalid_request"],
    ["no client authentication", {}, "grant_type=client_credentials", 401, "invalid_client"],
    ["an unknown client", { authorization: basic("vgc_nobody", "vgs_nothing") }, "grant_type=client_credentials", 401, "invalid_client"],
    ["a body over the limit", {}, `grant_type=client_credentials&pad=${"a".repeat(70_000)}`, 413, "invalid_request"],
    ["a NUL character", {}, "grant_type=client_credentials&client_id=%00", 400, "invalid_request"],
  ])("answers %s with an RFC 6749 error, never a 500", async (_label, headers, body, status, error) => {
    const res = await post("/api/v1/token", body, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const json = (await res.json()) as { error: string; error_description: string };
    expect(json.error).toBe(error);
    expect(json.error_description.length).toBeGreaterThan(5);
    if (status === 401) expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm="vigil"/);
  });

  it("keeps serving good clients while hostile requests arrive in the same instant", async () => {
    const agent = await agentWithCredential(baseUrl);
    const hostile = Array.from({ length: 30 }, (_, i) =>
      post("/api/v1/token", form({ grant_type: "client_credentials", client_id: `x${i}\u0000`, client_secret: "y" })),
    );
    const good = Array.from({ length: 30 }, () => tokenFor(baseUrl, agent.clientId, agent.secret));
    expect((await Promise.all(hostile)).map((r) => r.status)).toEqual(Array(30).fill(400));
    expect((await Promise.all(good)).length).toBe(30);
  });

  it("introspects and revokes over HTTP, and the token is inactive at once", async () => {
    const agent = await agentWithCredential(baseUrl);
    const auth = { authorization: basic(agent.clientId, agent.secret) };
    const token = await tokenFor(baseUrl, agent.clientId, agent.secret);
    const active = await post("/api/v1/introspect", form({ token }), auth);
    expect(active.status).toBe(200);
    expect(await active.json()).toMatchObject({ active: true, sub: agent.id, client_id: agent.clientId });
    expect((await post("/api/v1/introspect", form({ token }))).status).toBe(401);
    expect((await post("/api/v1/introspect", "", auth)).status).toBe(400);

    const revoked = await post("/api/v1/revoke", form({ token, token_type_hint: "access_token" }), auth);
    expect(revoked.status).toBe(200);
    expect(await (await post("/api/v1/introspect", form({ token }), auth)).json()).toEqual({ active: false });
    expect((await post("/api/v1/revoke", form({ token: "whatever" }), auth)).status).toBe(200);
  });
});
