import { generateKeyPairSync } from "node:crypto";
import { exportJWK, importJWK, SignJWT, UnsecuredJWT, type JWTPayload } from "jose";
import { describe, expect, inject, it } from "vitest";
import { basic } from "../support/client";
import { ORDERS_AUDIENCE } from "../support/vigil-process";

const idp = inject("idp");

async function idpMachineToken(scope = "agents:read", resource?: string): Promise<string> {
  const res = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers: { authorization: basic(idp.machineClient.client_id, idp.machineClient.client_secret), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", scope, ...(resource ? { resource } : {}) }),
  });
  if (!res.ok) throw new Error(`IdP token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the IdP's own key, with claims of the test's choosing. */
async function forged(claims: JWTPayload, header: { alg?: string; kid?: string } = {}): Promise<string> {
  const key = await importJWK(idp.signingJwk, "RS256");
  return new SignJWT({ scope: "agents:read", ...claims })
    .setProtectedHeader({ alg: "RS256", kid: idp.signingJwk.kid, typ: "at+jwt", ...header })
    .sign(key);
}

const good = (): JWTPayload => ({ iss: idp.issuer, aud: idp.audience, sub: "ci-robot", iat: now(), exp: now() + 300 });

describe.each(inject("servers"))("external OpenID Provider on $name", ({ baseUrl }) => {
  const listAgents = (token: string) => fetch(`${baseUrl}/api/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
  const cause = async (token: string) => {
    const res = await listAgents(token);
    expect(res.status).toBe(401);
    return /error_description="([^"]*)"/.exec(res.headers.get("www-authenticate") ?? "")?.[1];
  };

  it("accepts a client_credentials token from the provider on the API, and at the gateway only for a service audience", async () => {
    const token = await idpMachineToken();
    expect((await listAgents(token)).status).toBe(200);
    // A token for Vigil's API is no pass through the gateway...
    const forApi = await fetch(`${baseUrl}/api/auth/validate`, { headers: { authorization: `Bearer ${token}` } });
    expect(forApi.status).toBe(401);
    expect(forApi.headers.get("www-authenticate")).toContain("wrong audience");
    // ...one for the service behind it is, and it opens nothing in Vigil's API.
    const forOrders = await idpMachineToken("agents:read", ORDERS_AUDIENCE);
    const validated = await fetch(`${baseUrl}/api/auth/validate`, { headers: { authorization: `Bearer ${forOrders}` } });
    expect(validated.status).toBe(200);
    expect(validated.headers.get("x-user-id")).toBe(idp.machineClient.client_id);
    expect(validated.headers.get("x-scopes")).toContain("agents:read");
    expect((await listAgents(forOrders)).status).toBe(401);
    const write = await fetch(`${baseUrl}/api/v1/agents`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{}" });
    expect(write.status).toBe(403);
    const ready = (await (await fetch(`${baseUrl}/api/ready`)).json()) as { oidc: { ok: boolean } };
    expect(ready.oidc.ok).toBe(true);
  });

  it("tolerates clock skew within the leeway", async () => {
    expect((await listAgents(await forged({ ...good(), exp: now() - 10 }))).status).toBe(200);
  });

  it.each([
    ["an expired token", () => forged({ ...good(), exp: now() - 120 }), "token expired"],
    ["a token not yet valid", () => forged({ ...good(), nbf: now() + 300 }), "token not yet valid"],
    ["a token for another audience", () => forged({ ...good(), aud: "urn:someone-else" }), "wrong audience"],
    ["a token from another issuer", () => forged({ ...good(), iss: "https://evil.example.com" }), "wrong issuer"],
    ["alg none", async () => new UnsecuredJWT(good()).encode(), "algorithm not allowed"],
    [
      "HMAC signed with the public key",
      async () => {
        const { kty, n, e, kid } = idp.signingJwk;
        const publicJwk = { kty, n, e, kid };
        return new SignJWT(good()).setProtectedHeader({ alg: "HS256", kid: idp.signingJwk.kid }).sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
      },
      "algorithm not allowed",
    ],
    [
      "an unknown key",
      async () => {
        const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
        const jwk = await exportJWK(privateKey);
        return new SignJWT(good()).setProtectedHeader({ alg: "RS256", kid: "not-in-the-jwks" }).sign(await importJWK(jwk, "RS256"));
      },
      "unknown key",
    ],
    [
      "a tampered payload",
      async () => {
        const [h, , s] = (await forged(good())).split(".");
        const payload = Buffer.from(JSON.stringify({ ...good(), scope: "admin" })).toString("base64url");
        return `${h}.${payload}.${s}`;
      },
      "invalid signature",
    ],
  ])("refuses %s, naming the cause", async (_label, make, expected) => {
    expect(await cause(await make())).toBe(expected);
  });
});
