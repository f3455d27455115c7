// The organisation's identity provider for tests: oidc-provider 9 (a certified OpenID
// Provider) with its development login form. Started as a child process:
//   node e2e/peers/oidc-provider.mjs <port> <state-dir> <redirect-base>[,<redirect-base>...]
// Writes <state-dir>/idp.json with its issuer, client credentials and private signing key
// (tests forge bad tokens with it). Accounts: the login name decides the roles claim —
// "admin-*" -> ["admin"], "operator-*" -> ["operator"], "viewer-*" -> ["viewer"], else none —
// and the groups claim: a login containing "finance" is in ["finance"], "sales" in ["sales"].
// People's access tokens (client "person-app", code flow with PKCE) carry groups and email.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import Provider from "oidc-provider";

const [portArg, stateDir, redirectArg = ""] = process.argv.slice(2);
const port = Number(portArg);
const issuer = `http://127.0.0.1:${port}`;
const audience = "urn:vigil:api";
const bases = redirectArg.split(",").filter(Boolean);

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: "jwk" }), kid: "idp-key-1", alg: "RS256", use: "sig" };

const consoleClient = { client_id: "vigil-console", client_secret: randomBytes(24).toString("hex") };
const machineClient = { client_id: "ci-robot", client_secret: randomBytes(24).toString("hex") };
// A person's own application: how tests get a person's access token (the subject of a token exchange).
const personClient = { client_id: "person-app", client_secret: randomBytes(24).toString("hex"), redirect_uri: "http://127.0.0.1:9/person-app/callback" };

const rolesFor = (id) => {
  const prefix = id.split("-")[0];
  return ["admin", "operator", "viewer"].includes(prefix) ? [prefix] : [];
};
const groupsFor = (id) => ["finance", "sales"].filter((g) => id.includes(g));

const provider = new Provider(issuer, {
  clients: [
    {
      ...consoleClient,
      redirect_uris: bases.map((b) => `${b}/api/auth/callback/oidc`),
      post_logout_redirect_uris: bases.map((b) => `${b}/signed-out`),
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
    {
      client_id: personClient.client_id,
      client_secret: personClient.client_secret,
      redirect_uris: [personClient.redirect_uri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
    {
      ...machineClient,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(16).toString("hex")] },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], roles: ["roles", "groups"] },
  scopes: ["openid", "email", "profile", "roles", "agents:read", "audit:read", "invoices:read", "invoices:write"],
  // People's access tokens say who they are and which groups they are in (DELEGATION_SCOPE_MAP reads these).
  extraTokenClaims: async (_ctx, token) =>
    token.accountId ? { email: `${token.accountId}@example.com`, roles: rolesFor(token.accountId), groups: groupsFor(token.accountId) } : {},
  conformIdTokenClaims: false,
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: `${id}@example.com`, email_verified: true, name: id, roles: rolesFor(id), groups: groupsFor(id) }),
  }),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      // Vigil's API by default; any https resource a client names gets tokens for itself.
      getResourceServerInfo: (_ctx, resourceIndicator) => ({
        scope: "agents:read audit:read invoices:read invoices:write",
        audience: resourceIndicator,
        accessTokenTTL: 300,
        accessTokenFormat: "jwt",
        jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
});

provider.listen(port, "127.0.0.1", () => {
  writeFileSync(
    path.join(stateDir, "idp.json"),
    JSON.stringify({ issuer, audience, consoleClient, machineClient, personClient, signingJwk }, null, 2),
  );
  console.log(`oidc-provider listening on ${issuer}`);
});
process.on("SIGTERM", () => process.exit(0));
